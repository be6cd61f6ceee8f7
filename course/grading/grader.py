"""Grading: re-execute each learner notebook in a killable subprocess and compare its check cells with the solution.

A learner's notebook is matched to the solution with the same file name. It is copied to a temporary
folder (with the files next to it, other notebooks left out) with its saved outputs stripped, and
executed there by `course.grading.worker` with a per-cell and an overall time limit; at the overall
limit the worker's and the kernel's process groups are killed. The learner's file is only ever read.

For each solution cell tagged ``check:<question id>`` (worth the points of its ``points:N`` tag, 1 by
default), the learner's cell with the same tag scores when its text output equals the solution's
saved output and, in the same kernel, the answer that ``check`` recorded passes the question's
visible checks again and any hidden checks from the instructor's folder.

Taught in the README's section for instructors.

>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("check('demo.add', add)",
...     metadata={"tags": ["check:demo.add", "points:2"]}, execution_count=1,
...     outputs=[nbformat.v4.new_output("stream", name="stdout", text="✓ demo.add: ...\\n")])])
>>> [(q.id, q.points, q.problem) for q in solution_questions(nb)]
[('demo.add', 2, None)]
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from .compare import difference, error_of, text_outputs
from .execute import NotebookFormatError, first_line, read_notebook, strip_outputs, tags, write_notebook
from .report import GradeReport, NotebookGrade, QuestionGrade
from .worker import stuck_cell

__all__ = [
    "DEFAULT_CELL_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "SolutionQuestion",
    "default_solutions",
    "grade",
    "grade_notebook",
    "solution_questions",
]

DEFAULT_CELL_TIMEOUT = 30  # seconds one learner cell may run before it is interrupted
DEFAULT_TIMEOUT = 300  # seconds a whole notebook may take (kernel start included) before it is killed
COPY_LIMIT = 50 * 2**20  # bytes of files next to a notebook copied for it; beyond that none are
_SKIP = {"__pycache__", "node_modules", "venv"}
_COURSE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SolutionQuestion:
    """A question as the solution defines it: id, points, the reference output, and any problem with it."""

    id: str
    points: int
    reference: list[tuple[str, str]]
    problem: str | None = None


def default_solutions() -> Path:
    """The course's own ``solutions/`` folder when it exists (an editable install), else ``./solutions``."""
    own = _COURSE_ROOT / "solutions"
    return own if own.is_dir() else Path("solutions")


def _points(cell, where: str) -> tuple[int, str | None]:
    values = [tag.split(":", 1)[1] for tag in tags(cell) if tag.startswith("points:")]
    if not values:
        return 1, None
    if not values[0].isdigit():
        return 0, f"{where}: the tag points:{values[0]} must be a whole number, e.g. points:2"
    return int(values[0]), None


def solution_questions(solution: nbformat.NotebookNode, name: str = "the solution") -> list[SolutionQuestion]:
    """The questions of a solution, in notebook order: one per ``check:<id>`` tag (the first cell wins)."""
    found: dict[str, SolutionQuestion] = {}
    for number, cell in enumerate(solution.cells, start=1):
        for tag in tags(cell):
            qid = tag[len("check:") :] if tag.startswith("check:") else None
            if not qid or qid in found:
                continue
            where = f"{name}, cell {number}"
            points, problem = _points(cell, where)
            outputs = cell.get("outputs", [])
            if cell.cell_type != "code":
                problem = f"{where} is tagged check:{qid} but is not a code cell"
            elif cell.execution_count is None:
                problem = f"{where} was never executed, so there is no reference output: run python -m course execute"
            elif error_of(outputs):
                problem = f"{where} raised {error_of(outputs)} in the solution itself: fix the solution"
            found[qid] = SolutionQuestion(qid, points, text_outputs(outputs), problem)
    return list(found.values())


def _copy_folder(source: Path, target: Path) -> str | None:
    """Copy the files next to a notebook (not other notebooks, hidden or cache folders); a note if too large."""

    def skipped(name: str) -> bool:
        return name.startswith(".") or name in _SKIP or name.endswith(".ipynb")

    entries = [p for p in sorted(source.iterdir()) if not skipped(p.name)]
    size = 0
    for entry in entries:
        files = [entry] if entry.is_file() else [Path(d) / f for d, _, fs in os.walk(entry) for f in fs]
        size += sum(f.stat().st_size for f in files if f.is_file())
    target.mkdir(parents=True)
    if size > COPY_LIMIT:
        return f"the files next to the notebook ({size / 2**20:.0f} MB) were not copied: relative paths will fail"
    for entry in entries:
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, ignore=lambda d, names: [n for n in names if skipped(n)])
        elif entry.is_file():
            shutil.copy2(entry, target / entry.name)
    return None


def _kill_group(pgid: int | None, must_lead: bool = False) -> None:
    if not pgid:
        return
    try:
        if must_lead and os.getpgid(pgid) != pgid:  # the pid was reused by an unrelated process
            return
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _run_worker(job: dict[str, Any], folder: Path, timeout: float) -> bool:
    """Run the worker on `job`; True when it was killed at the time limit."""
    job_path = folder / "job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_COURSE_ROOT), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "course.grading.worker", str(job_path)]
    with open(folder / "worker.log", "wb") as log:
        proc = subprocess.Popen(
            command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        killed = True
        try:
            proc.wait(timeout=timeout)
            killed = False
        except subprocess.TimeoutExpired:
            pass
        finally:  # also when the instructor presses Ctrl-C: the worker's session would not get it
            if killed:
                _kill_group(proc.pid)
            status = _read_json(Path(job["status"]))
            if killed or not status or status.get("status") != "ok":
                _kill_group((_read_json(Path(job["progress"])) or {}).get("kernel_pid"), must_lead=True)
            proc.wait()
    return killed


def _cell_name(nb: nbformat.NotebookNode, index: int | None) -> str:
    if index is None:
        return "the kernel's start"
    if index >= len(nb.cells):
        return "the grader's verification cell"
    return f'cell {index + 1} ("{first_line(nb.cells[index])}")'


def _ignored_interrupt(learner, cell: int | None, cell_timeout: float) -> str:
    return (
        f"{_cell_name(learner, cell)} did not stop when interrupted after {cell_timeout:g} s "
        "(does it catch KeyboardInterrupt or BaseException?), so the cells after it could not run"
    )


def _notebook_problem(learner, folder: Path, job: dict, killed: bool, cell_timeout: float, timeout: float):
    """(status, reason) when the run as a whole failed, else None."""
    progress = _read_json(Path(job["progress"])) or {}
    if killed:
        running, since = progress.get("cell"), progress.get("since")
        reason = f"the notebook did not finish within {timeout:g} s and was stopped"
        if running is None:
            return "timeout", f"{reason} before its first cell ran"
        if running < len(learner.cells):
            over = since is not None and time.time() - since >= cell_timeout
            culprit = stuck_cell(learner, [*progress.get("unresponsive", []), running])
            if over or culprit != running:  # this cell, or the ones just before it, ignored the interrupt
                return "timeout", f"{reason}: {_ignored_interrupt(learner, culprit, cell_timeout)}"
        return "timeout", f"{reason} while {_cell_name(learner, running)} was running"
    status = _read_json(Path(job["status"]))
    if status is None:
        log = (folder / "worker.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return "error", f"the grader's worker failed: {log[-1] if log else 'no output'}"
    if status["status"] == "stuck":
        return "timeout", _ignored_interrupt(learner, status.get("cell"), cell_timeout)
    if status["status"] == "dead":
        running = _cell_name(learner, status.get("cell"))
        return "error", f"the kernel died while {running} was running (a crash, exit()?)"
    if status["status"] != "ok":
        return "error", f"the notebook could not run: {status.get('message')}"
    return None


def _judge(q: SolutionQuestion, executed, status: dict, verification: dict | None, cell_timeout: float):
    def row(state, reason=""):
        return QuestionGrade(q.id, q.points if state == "pass" else 0, q.points, state, reason)

    if q.problem:
        return row("error", q.problem)
    matches = [i for i, cell in enumerate(executed.cells) if f"check:{q.id}" in tags(cell)]
    if not matches:
        return row("fail", f"no cell tagged check:{q.id} (copy the check cell back from the exercise)")
    index = matches[-1]
    outputs = executed.cells[index].get("outputs", [])
    if index in status.get("timed_out", []):
        return row("timeout", f"cell {index + 1} did not finish within {cell_timeout:g} s (an infinite loop?)")
    if error_of(outputs):
        return row("fail", f"the check cell raised {error_of(outputs)}")
    why = difference(q.reference, text_outputs(outputs))
    if why:
        return row("fail", why)
    verdict = (verification or {}).get(q.id)
    if verdict is None:
        problem = status.get("grader_error") or "it did not finish"
        return row("error", f"the grader could not verify the recorded answers: {problem}")
    if verdict["status"] in ("fail", "error"):
        return row(verdict["status"], verdict["reason"])
    return row("pass")


def grade_notebook(
    path: str | Path,
    solutions: str | Path | None = None,
    hidden: str | Path | None = None,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    timeout: float = DEFAULT_TIMEOUT,
) -> NotebookGrade:
    """Grade one learner notebook against ``solutions/<its name>``; every problem becomes a row, never an exception."""
    path, label = Path(path), str(path)
    solutions = Path(solutions) if solutions is not None else default_solutions()
    solution_path = solutions / path.name
    if not solution_path.is_file():
        known = ", ".join(p.name for p in sorted(solutions.glob("*.ipynb"))) or "none"
        return NotebookGrade(label, error=f"no solution named {path.name} in {solutions} (solutions there: {known})")
    try:
        questions = solution_questions(read_notebook(solution_path), str(solution_path))
    except NotebookFormatError as exc:
        return NotebookGrade(label, error=f"the solution {solution_path} is broken: {exc}")
    if not questions:
        return NotebookGrade(label, error=f"the solution {solution_path} has no cell tagged check:<question id>")

    def every_question(state: str, reason: str) -> NotebookGrade:
        rows = [QuestionGrade(q.id, 0, q.points, state, reason) for q in questions]
        return NotebookGrade(label, rows, error=reason)

    try:
        learner = read_notebook(path)
    except NotebookFormatError as exc:
        return every_question("error", f"{path.name} could not be read: {exc}")
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        folder = Path(tmp)
        note = _copy_folder(path.parent, folder / "work")
        strip_outputs(learner).metadata.pop("widgets", None)
        write_notebook(learner, folder / "work" / path.name)
        job = {
            "notebook": str(folder / "work" / path.name),
            "cwd": str(folder / "work"),
            "cell_timeout": cell_timeout,
            "question_ids": [q.id for q in questions],
            "hidden": str(Path(hidden).resolve()) if hidden is not None else None,
            **{name: str(folder / f"{name}.json") for name in ("progress", "status", "verification")},
            "output": str(folder / "executed.ipynb"),
        }
        killed = _run_worker(job, folder, timeout)
        problem = _notebook_problem(learner, folder, job, killed, cell_timeout, timeout)
        if problem is not None:
            graded = every_question(*problem)
            graded.note = note
            return graded
        executed = read_notebook(job["output"])
        status, verification = _read_json(Path(job["status"])), _read_json(Path(job["verification"]))
    rows = [_judge(q, executed, status, verification, cell_timeout) for q in questions]
    return NotebookGrade(label, rows, note=note)


def _expand(paths: list[str | Path]) -> list[Path]:
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found += sorted(p for p in item.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(item)
    return found


def grade(
    paths: list[str | Path],
    solutions: str | Path | None = None,
    hidden: str | Path | None = None,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    timeout: float = DEFAULT_TIMEOUT,
    jobs: int = 1,
) -> GradeReport:
    """Grade every notebook in `paths` (folders are searched for ``*.ipynb``), `jobs` at a time, in the order given."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1 (got {jobs!r}): notebooks graded at once")

    def one(path: Path) -> NotebookGrade:
        try:
            return grade_notebook(path, solutions, hidden, cell_timeout, timeout)
        except Exception as exc:  # a bug or a full disk must not cost the other learners their grades
            return NotebookGrade(str(path), error=f"the grader failed here: {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each notebook runs in its own process anyway
        return GradeReport(list(pool.map(one, _expand(paths))))
