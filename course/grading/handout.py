"""The learners' folder: lessons, exercises, the course package and a short README, and never a solution.

`release_to` first checks that every exercise is in step with its solution (as ``release --check``
does), then writes into a fresh folder beside the target and moves it into place only when it
passes `leaks`: no notebook with a ``BEGIN SOLUTION`` marker or a solution's answer code, no
``solutions`` folder, no Python file registering hidden checks, no hidden or cache files. The
course package goes in whole (learners need ``course.checks`` for their feedback; its questions
are the visible checks, whose inputs anyone can print), with ``pyproject.toml`` so that one line,
``pip install -e .``, installs it. ``zip_release`` packs the folder for a learning platform.

Taught in the README's section for instructors.

>>> answer_lines("def f():\\n    # BEGIN SOLUTION\\n    return 42\\n    # END SOLUTION")
['return 42']
>>> registers_hidden("@question('gateway.route', hidden=True)\\ndef extra(): ...")
True
>>> registers_hidden("advice = 'register them with @question(..., hidden=True)'")
False
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
from pathlib import Path

from .execute import NotebookFormatError, read_notebook
from .exercises import release

__all__ = ["MARKER", "answer_lines", "leaks", "learner_readme", "registers_hidden", "release_to", "zip_release"]

MARKER = ".course-release"  # a file in every released folder: release --to replaces only such a folder
_PACKAGE = Path(__file__).resolve().parents[1]
_ROOT = _PACKAGE.parent
_SKIP = shutil.ignore_patterns(".*", "__pycache__", "*.pyc", "*.egg-info", "node_modules")
_MARKERS = re.compile(r"#\s*(BEGIN|END) SOLUTION\b|<!--\s*(BEGIN|END) SOLUTION\s*-->")


def answer_lines(source: str) -> list[str]:
    """The non-blank lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in a solution cell, stripped."""
    found, inside = [], False
    for line in source.split("\n"):
        if re.match(r"\s*#\s*BEGIN SOLUTION\b", line):
            inside = True
        elif re.match(r"\s*#\s*END SOLUTION\b", line):
            inside = False
        elif inside and line.strip():
            found.append(line.strip())
    return found


def registers_hidden(source: str) -> bool:
    """Whether Python `source` calls ``question(..., hidden=True)`` (a hidden check's registration)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "hidden=True" in source
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            hidden = any(
                k.arg == "hidden" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords
            )
            if name == "question" and hidden:
                return True
    return False


def leaks(folder: str | Path, solutions: str | Path) -> list[str]:
    """What in `folder` gives away a solution or a hidden check, one sentence each (empty when nothing does)."""
    folder, found = Path(folder), []
    secrets: set[str] = set()
    for solution in sorted(Path(solutions).glob("*.ipynb")):
        for cell in read_notebook(solution).cells:
            if cell.cell_type == "code":
                secrets.update(line for line in answer_lines(cell.source) if len(line) >= 12)
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_dir():
            if path.name == "solutions":
                found.append(f"{relative} is a solutions folder")
            continue
        if path.name.startswith(".") and path.name != MARKER:
            found.append(f"{relative} is a hidden file")
        elif path.suffix == ".ipynb":
            text = path.read_text(encoding="utf-8")
            if _MARKERS.search(text):
                found.append(f"{relative} holds a BEGIN/END SOLUTION marker")
            else:
                try:
                    sources = [c.source for c in read_notebook(path).cells if c.cell_type == "code"]
                except NotebookFormatError:
                    sources = []
                lines = {line.strip() for source in sources for line in source.split("\n")}
                shown = sorted(lines & secrets)
                if shown:
                    found.append(f"{relative} holds a solution's answer code ({shown[0]!r})")
        elif path.suffix == ".py" and registers_hidden(path.read_text(encoding="utf-8", errors="replace")):
            found.append(f"{relative} registers hidden checks")
    return found


def learner_readme(title: str = "sysdesign-course") -> str:
    """The README a learner finds at the top of the released folder."""
    return f"""# {title}: your copy

This folder is yours: `lessons/` to read and play with, `exercises/` to solve, and `course/`, the
library both import.

## Set up once (Python 3.11 or newer)

```bash
python3 -m venv .venv && .venv/bin/python -m pip install -e .
.venv/bin/jupyter lab
```

No internet in the room? If this folder has a `wheelhouse/`, install from it instead:
`.venv/bin/python -m pip install --no-index --find-links wheelhouse -e .`

## Doing an exercise

Open `exercises/NN_topic.ipynb` next to its lesson. Write your code where a cell raises
`NotImplementedError`, run it, then run the `check(...)` cell under it. It prints one line:
`✓` every check here passed, `✗` something is off (with a hint and the input that failed), `…`
not attempted yet. `import course; course.progress()` in any notebook lists the questions you
have passed so far (kept in `exercises/.course-progress.json`, on this computer only).

## Handing in

Run *Kernel → Restart Kernel and Run All Cells*, save, and hand in the notebook as it is
(`exercises/NN_topic.ipynb`; if your instructor collects single files, name it
`<your name>_NN_topic.ipynb`). The grader runs it again from the top, on inputs you have not
seen, so an answer that only fits the visible checks will not pass.
"""


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=_SKIP, symlinks=False)


def release_to(
    target: str | Path,
    *,
    solutions: str | Path = "solutions",
    exercises: str | Path = "exercises",
    lessons: str | Path = "lessons",
    wheelhouse: str | Path | None = None,
) -> list[str]:
    """Write the learners' folder to `target`; return the problems (nothing is written when there are any)."""
    target, solutions, exercises, lessons = Path(target), Path(solutions), Path(exercises), Path(lessons)
    problems = release(solutions, exercises, check=True)
    if problems:
        return [*problems, "run `python -m course release` first: the learners would get stale exercises"]
    if target.exists() and any(target.iterdir()) and not (target / MARKER).exists():
        return [f"{target} is not empty and was not written by release --to: choose a new folder"]
    if wheelhouse is not None and not Path(wheelhouse).is_dir():
        return [f"--wheelhouse {wheelhouse} is not a folder"]
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _copy(lessons, staging / "lessons")
        _copy(exercises, staging / "exercises")
        _copy(_PACKAGE, staging / "course")
        if (_ROOT / "docs" / "glossary.md").is_file():
            (staging / "docs").mkdir()
            shutil.copy(_ROOT / "docs" / "glossary.md", staging / "docs" / "glossary.md")
        for name in ("pyproject.toml", "runtime.txt", "requirements.txt"):
            if (_ROOT / name).is_file():
                shutil.copy(_ROOT / name, staging / name)
        if wheelhouse is not None:
            _copy(Path(wheelhouse), staging / "wheelhouse")
        (staging / "README.md").write_text(learner_readme(), encoding="utf-8")
        (staging / MARKER).write_text("written by python -m course release --to\n", encoding="utf-8")
        found = leaks(staging, solutions)
        if found:
            return [f"not released, it would leak: {problem}" for problem in found]
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return []


def zip_release(folder: str | Path) -> Path:
    """Pack a released folder into ``<folder>.zip`` beside it (one top-level folder inside); its path."""
    folder = Path(folder).resolve()
    return Path(shutil.make_archive(str(folder), "zip", root_dir=folder.parent, base_dir=folder.name))
