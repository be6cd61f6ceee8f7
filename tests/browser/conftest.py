"""Browser tests: one JupyterLab server and one headless Chromium per session, stopped by process id at the end.

`COURSE_REQUIRE_BROWSER=1` (set by `.ci/run`) turns a skip into a failure; `COURSE_LESSONS` picks
the notebooks (see `discovery.py`); `COURSE_CHROMIUM` names another Chromium than /usr/bin/chromium.
The server serves a throwaway copy of the lessons, so running all cells never touches a committed
notebook. Screenshots go to `test-artifacts/screenshots/`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from discovery import SCREENSHOTS, lesson_paths
from lab_driver import Chromium, JupyterLab, copy_tree


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory) -> Path:
    """The folder JupyterLab serves: copies of the lessons' folders, and room for generated notebooks."""
    return tmp_path_factory.mktemp("jupyterlab-root")


@pytest.fixture(scope="session")
def served_lessons(lab_root) -> dict[Path, str]:
    """Copy each lesson's folder into the served root; map every lesson to its path on the server."""
    served, folders = {}, {}
    for lesson in lesson_paths():
        if lesson.parent not in folders:
            name = lesson.parent.name if lesson.parent.name not in folders.values() else f"{len(folders)}-lessons"
            copy_tree(lesson.parent, lab_root / name)
            folders[lesson.parent] = name
        served[lesson] = f"{folders[lesson.parent]}/{lesson.name}"
    return served


@pytest.fixture(scope="session")
def jupyterlab(lab_root, served_lessons, tmp_path_factory):
    """A JupyterLab server for the whole session, stopped by its process group at the end."""
    with JupyterLab(lab_root, tmp_path_factory.mktemp("jupyterlab-server")) as server:
        yield server


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """Debian's Chromium, headless, with a throwaway profile, for the whole session."""
    with Chromium(tmp_path_factory.mktemp("chromium-profile")) as browser:
        yield browser


@pytest.fixture(scope="session")
def screenshots(request) -> Path:
    """The folder screenshots go to, emptied of old ones at the start of the session."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    request.config.stash[_SHOTS] = SCREENSHOTS
    return SCREENSHOTS


_SHOTS = pytest.StashKey[Path]()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    folder = config.stash.get(_SHOTS, None)
    if folder is not None:
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"browser screenshots ({count}, after a slider move): {folder}")
