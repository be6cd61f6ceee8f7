"""What the browser suite runs on: the lessons found by glob, where screenshots go, and skip-or-fail.

Environment:
- `COURSE_LESSONS`: a glob of the notebooks to test (default `lessons/*.ipynb`, relative to the repo).
- `COURSE_REQUIRE_BROWSER=1` (set by `.ci/run`): a missing Chromium or Playwright, or no lesson to
  test, is a failure instead of a skip.

>>> ROOT.joinpath("pyproject.toml").exists()
True
>>> all(path.suffix == ".ipynb" for path in lesson_paths())
True
"""

from __future__ import annotations

import os
from glob import glob
from pathlib import Path

import pytest
from lab_driver import browser_missing

__all__ = [
    "LESSONS_GLOB",
    "ROOT",
    "SCREENSHOTS",
    "browser_required",
    "lesson_paths",
    "require_browser",
    "skip_or_fail",
]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LESSONS_GLOB = os.environ.get("COURSE_LESSONS", "lessons/*.ipynb")


def browser_required() -> bool:
    """True when a skipped browser test must count as a failure (CI sets COURSE_REQUIRE_BROWSER=1)."""
    return os.environ.get("COURSE_REQUIRE_BROWSER", "") not in ("", "0")


def skip_or_fail(reason: str) -> None:
    """Skip with `reason`, or fail with it when the browser tests are required."""
    if browser_required():
        pytest.fail(f"{reason} (COURSE_REQUIRE_BROWSER is set, so this is a failure)", pytrace=False)
    pytest.skip(reason)


def require_browser() -> None:
    """At the top of a browser test module: skip the whole module when Chromium or Playwright is missing.

    Under COURSE_REQUIRE_BROWSER the run fails instead (a collection error names what is missing).
    """
    reason = browser_missing()
    if reason and browser_required():
        pytest.fail(f"{reason} (COURSE_REQUIRE_BROWSER is set, so this is a failure)", pytrace=False)
    if reason:
        pytest.skip(reason, allow_module_level=True)


def lesson_paths() -> list[Path]:
    """The lesson notebooks to test, found by glob, in name order."""
    pattern = LESSONS_GLOB if Path(LESSONS_GLOB).is_absolute() else str(ROOT / LESSONS_GLOB)
    return sorted(Path(path) for path in glob(pattern) if ".ipynb_checkpoints" not in path)
