"""Your progress through the exercises: which questions your last ``check(...)`` passed, kept on this computer.

Each ``check`` run in a notebook in an ``exercises`` folder writes its result (passed or failed,
and how many checks) to ``exercises/.course-progress.json``, a small file that stays beside the
exercises: the grader never copies a hidden file, and ``release --to`` never hands one out.
``course.progress()`` in any notebook (a lesson, an exercise) reads it with the exercise notebooks
and lists every question: ✓ passed, ✗ failed the last time, · not checked yet. The environment
variable ``COURSE_PROGRESS`` names another file, or turns the record off with ``off`` (the course's
own tools do, so executing notebooks never writes one).

Taught in the README ("Doing an exercise").

>>> import json, tempfile
>>> folder = Path(tempfile.mkdtemp()) / "exercises"
>>> folder.mkdir()
>>> cell = {"cell_type": "code", "source": "check('demo.add', add)", "metadata": {"tags": ["check:demo.add"]}}
>>> head = {"cell_type": "markdown", "source": "# Exercises · Lesson 0\\n## 1 · Add", "metadata": {}}
>>> _ = (folder / "00_demo.ipynb").write_text(json.dumps({"cells": [head, cell]}))
>>> record("demo.add", "passed", 3, 3, file=folder / PROGRESS_FILE)
>>> print(progress(folder))
Your progress: 1 of 1 questions passed (saved in exercises/.course-progress.json, on this computer only)
Exercises · Lesson 0 (00_demo.ipynb): 1 of 1
  ✓ 1 · Add  (demo.add)
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PROGRESS_ENV", "PROGRESS_FILE", "Progress", "progress", "progress_file", "record"]

PROGRESS_FILE = ".course-progress.json"
PROGRESS_ENV = "COURSE_PROGRESS"  # a file to keep the progress in instead, or "off"
_MARK = {"passed": "✓", "failed": "✗", None: "·"}
_HEADING = re.compile(r"^(#{1,2})\s+(.*\S)\s*$")


def progress_file(cwd: str | Path | None = None) -> Path | None:
    """Where ``check`` records a result: the file named by ``COURSE_PROGRESS``, else one in an ``exercises`` folder.

    >>> progress_file("/home/ada/course/exercises").name
    '.course-progress.json'
    >>> progress_file("/home/ada/course/lessons") is None
    True
    """
    setting = os.environ.get(PROGRESS_ENV, "")
    if setting.lower() in ("off", "0", "no"):
        return None
    if setting:
        return Path(setting)
    here = Path(cwd) if cwd is not None else Path.cwd()
    return here / PROGRESS_FILE if here.name == "exercises" else None


def _read(path: Path | None) -> dict[str, dict]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    questions = data.get("questions") if isinstance(data, dict) else None
    return {k: v for k, v in questions.items() if isinstance(v, dict)} if isinstance(questions, dict) else {}


def record(question_id: str, status: str, passed: int, total: int, *, file: str | Path | None = None) -> None:
    """Keep `question_id`'s latest result ("passed" or "failed"); silently does nothing where it cannot write."""
    path = Path(file) if file is not None else progress_file()
    if path is None or status not in ("passed", "failed"):
        return
    with contextlib.suppress(OSError, ValueError):
        questions = _read(path)
        questions[str(question_id)] = {"status": status, "passed": int(passed), "total": int(total)}
        text = json.dumps({"questions": dict(sorted(questions.items()))}, indent=1, ensure_ascii=False) + "\n"
        fd, partial = tempfile.mkstemp(prefix=".course-progress-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, path)


@dataclass(frozen=True)
class Progress:
    """Every question of the exercises with its latest status; prints as text, shows as a table in a notebook."""

    file: str
    notebooks: tuple[tuple[str, str, tuple[tuple[str, str, str | None], ...]], ...]  # name, title, questions

    @property
    def passed(self) -> int:
        return sum(status == "passed" for _, _, qs in self.notebooks for _, _, status in qs)

    @property
    def total(self) -> int:
        return sum(len(qs) for _, _, qs in self.notebooks)

    def __repr__(self) -> str:
        return f"Progress(passed={self.passed}, questions={self.total})"

    def _head(self) -> str:
        return (
            f"Your progress: {self.passed} of {self.total} questions passed "
            f"(saved in {self.file}, on this computer only)"
        )

    def __str__(self) -> str:
        lines = [self._head()]
        for name, title, questions in self.notebooks:
            done = sum(status == "passed" for _, _, status in questions)
            lines.append(f"{title} ({name}): {done} of {len(questions)}")
            lines += [f"  {_MARK.get(status, '·')} {qtitle}  ({qid})" for qid, qtitle, status in questions]
        if not self.notebooks:
            lines.append("no exercise notebooks found: run course.progress() from a lesson or an exercise")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for name, title, questions in self.notebooks:
            head = f"{html.escape(title)} ({html.escape(name)})"
            rows.append(f"<tr><th colspan='2' style='text-align:left'>{head}</th></tr>")
            for qid, qtitle, status in questions:
                mark, text = _MARK.get(status, "·"), f"{html.escape(qtitle)} <code>{html.escape(qid)}</code>"
                rows.append(f"<tr><td>{mark}</td><td>{text}</td></tr>")
        return f"<p>{html.escape(self._head())}</p><table>{''.join(rows)}</table>"


def _exercise_questions(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """A notebook's title and its questions (id, the title of the section above the check cell), read as JSON."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return path.stem, []
    title, section = path.stem, ""
    found: list[tuple[str, str]] = []
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown":
            for line in source.splitlines():
                match = _HEADING.match(line)
                if match and len(match.group(1)) == 1 and title == path.stem:
                    title = match.group(2)
                elif match and len(match.group(1)) == 2:
                    section = match.group(2)
        for tag in (cell.get("metadata") or {}).get("tags", []):
            if isinstance(tag, str) and tag.startswith("check:") and tag[6:] not in {q for q, _ in found}:
                found.append((tag[6:], section or tag[6:]))
    return title, found


def _exercises_folder(start: Path) -> Path | None:
    for folder in (start, start / "exercises", start.parent / "exercises"):
        if folder.name == "exercises" and folder.is_dir():
            return folder
    return None


def progress(folder: str | Path | None = None) -> Progress:
    """Which questions you have passed, per exercise notebook (`folder`: the exercises, found from here if None)."""
    found = Path(folder) if folder is not None else _exercises_folder(Path.cwd())
    setting = os.environ.get(PROGRESS_ENV, "")
    if setting and setting.lower() not in ("off", "0", "no"):
        path: Path | None = Path(setting)
    else:
        path = found / PROGRESS_FILE if found is not None else None
    results = _read(path)
    notebooks = []
    for notebook in sorted(found.glob("*.ipynb")) if found is not None else []:
        title, questions = _exercise_questions(notebook)
        if questions:
            rows = tuple((qid, qtitle, (results.get(qid) or {}).get("status")) for qid, qtitle in questions)
            notebooks.append((notebook.name, title, rows))
    shown = f"{found.name}/{PROGRESS_FILE}" if found is not None else PROGRESS_FILE
    return Progress(str(path) if setting else shown, tuple(notebooks))
