"""Grading: run each learner notebook in a sandbox, ask its answers for plain results, and judge them out of its reach.

A learner's notebook is matched to the solution with the same file name, whose cells tagged
``check:<question id>`` name the questions (`course.grading.scoring`). The notebook, a regular file (a
symbolic link is refused), is copied with the files next to it into a fresh folder, stripped of its
outputs, and run by `course.grading.worker` in a sandboxed kernel (`course.grading.sandbox`) with a
per-cell and an overall time limit (`course.grading.learner_run`). The notebook's ``check(...)`` calls
only record the answers; the worker draws every question's checks with this run's seed, asks the
recorded answers for plain results, and judges them in its own process, with the instructor's hidden
checks. An answer that uses code its question puts off-limits scores 0. Every problem becomes a row
that says why in one line.

Taught in the README's section for instructors.

>>> grade_notebook("nowhere/demo.ipynb", solutions="nowhere").error
'nowhere/demo.ipynb: no such file or folder'
>>> grade([], jobs=0)
Traceback (most recent call last):
ValueError: jobs must be a whole number of at least 1 (got 0): notebooks graded at once
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from .execute import NotebookFormatError, parse_notebook, read_notebook, strip_outputs, tags, write_notebook
from .learner_run import _copy_folder, _ignored, _killed_problem, _read_json, _read_regular, _run_worker
from .report import GradeReport, NotebookGrade, QuestionGrade
from .roster import Submission
from .sandbox import Isolation, Limits, isolation
from .scoring import SolutionQuestion, _rows, default_solutions, solution_questions

__all__ = [
    "DEFAULT_CELL_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "NOTEBOOK_LIMIT",
    "SolutionQuestion",
    "default_solutions",
    "grade",
    "grade_notebook",
    "solution_questions",
]

DEFAULT_CELL_TIMEOUT = 30  # seconds one learner cell may run before it is interrupted
DEFAULT_TIMEOUT = 300  # seconds a whole notebook may take (kernel start included) before it is killed
NOTEBOOK_LIMIT = 20 * 2**20  # bytes: a bigger notebook is not graded


def grade_notebook(
    path: str | Path,
    solutions: str | Path | None = None,
    hidden: str | Path | None = None,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    questions: list[str | Path] | None = None,
    seed: int = 0,
    limits: Limits | None = None,
    partial: bool = False,
    sandbox: Isolation | None = None,
    solution_name: str | None = None,
    support: Path | bool | None = True,
) -> NotebookGrade:
    """Grade one learner notebook against ``solutions/<its name>``; every problem becomes a row, never an exception.

    `solution_name` grades a notebook named after its learner against that solution instead.
    `support` is the folder whose regular files are copied next to the notebook's private copy: True
    for the notebook's own folder, None for no files.
    """
    path, label = Path(path), str(path)
    solutions = Path(solutions) if solutions is not None else default_solutions()
    solution_path = solutions / (solution_name or path.name)
    try:
        info = path.lstat()
    except OSError:
        info = None
    known = solution_path.is_file()

    def every_question(state: str, reason: str) -> NotebookGrade:
        rows = [QuestionGrade(q.id, 0, q.points, state, reason) for q in questions_]
        return NotebookGrade(label, rows, error=reason)

    questions_: list[SolutionQuestion] = []
    if known:
        try:
            questions_ = solution_questions(read_notebook(solution_path), str(solution_path))
        except NotebookFormatError as exc:
            return NotebookGrade(label, error=f"the solution {solution_path} is broken: {exc}")
    if info is None:
        return (
            every_question("error", f"{label} does not exist")
            if questions_
            else NotebookGrade(label, error=f"{label}: no such file or folder")
        )
    if stat.S_ISLNK(info.st_mode):
        reason = f"{path.name} is a symbolic link, not a notebook: hand in the notebook file itself"
        return every_question("error", reason) if questions_ else NotebookGrade(label, error=reason)
    if not known:
        names = ", ".join(p.name for p in sorted(solutions.glob("*.ipynb"))) or "none"
        wanted = solution_name or path.name
        return NotebookGrade(label, error=f"no solution named {wanted} in {solutions} (solutions there: {names})")
    if not questions_:
        return NotebookGrade(label, error=f"the solution {solution_path} has no cell tagged check:<question id>")
    try:
        learner = parse_notebook(_read_regular(path, NOTEBOOK_LIMIT))
    except OSError as exc:
        return every_question("error", f"{path.name} could not be read ({exc.strerror or type(exc).__name__})")
    except NotebookFormatError as exc:
        return every_question("error", f"{path.name} could not be read: {exc}")
    sandbox = sandbox or isolation()
    sources = [c.source if c.cell_type == "code" else "" for c in learner.cells]
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        folder = Path(tmp)
        try:
            source = path.parent if support is True else support or None
            if source is None:
                (folder / "work").mkdir()
                note = None
            else:
                note = _copy_folder(Path(source), folder / "work")
        except OSError as exc:
            note = f"the files next to the notebook could not be copied ({exc.strerror or type(exc).__name__})"
        strip_outputs(learner).metadata.pop("widgets", None)
        write_notebook(learner, folder / "notebook.ipynb")
        job = {
            "notebook": str(folder / "notebook.ipynb"),
            "cell_timeout": cell_timeout,
            "question_ids": [q.id for q in questions_],
            "hidden": str(Path(hidden).resolve()) if hidden is not None else None,
            "questions": [str(Path(f).resolve()) for f in questions or []],
            "seed": seed,
            "limits": asdict(limits or Limits()),
            "isolation": asdict(sandbox),
            "progress": str(folder / "progress.json"),
            "result": str(folder / "result.json"),
        }
        killed = _run_worker(job, folder, timeout)
        result = _read_json(folder / "result.json")
        if killed:
            reason = _killed_problem(learner, _read_json(folder / "progress.json") or {}, timeout, cell_timeout)
            graded = every_question("timeout", reason)
        elif not isinstance(result, dict):
            log = (folder / "worker.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
            last = next((line for line in reversed(log) if line.strip() and "Warning" not in line), "no output")
            graded = every_question("error", f"the grader's worker failed: {last[:200]}")
        elif result.get("status") == "error":
            graded = every_question("error", f"the notebook could not run: {str(result.get('message'))[:200]}")
        else:
            result["check_cells"] = [
                i for i, c in enumerate(learner.cells) if any(t.startswith("check:") for t in tags(c))
            ]
            rows = _rows(questions_, result, sources, cell_timeout, partial, limits or Limits())
            status, where = result.get("status"), result.get("cell")
            error = None
            if status == "stuck" and where is not None and where < result.get("learner_cells", 0):
                error = _ignored(result, where, cell_timeout)
            elif status == "dead":
                error = next((r.reason for r in rows if "kernel died" in r.reason), None)
            graded = NotebookGrade(label, rows, error=error)
    graded.note = note
    return graded


def _expand(paths: list[str | Path]) -> list[Path | tuple[str, str]]:
    """The notebooks to grade, in order; a (path, sentence) for a path that holds none."""
    found: list[Path | tuple[str, str]] = []
    for item in map(Path, paths):
        if item.is_dir() and not item.is_symlink():
            inside = []
            for folder, dirs, names in os.walk(item):
                dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
                inside += [Path(folder) / n for n in sorted(names) if n.endswith(".ipynb")]
            found += inside or [(str(item), f"{item} is an empty folder: no notebook (.ipynb) to grade")]
        elif item.is_dir():
            found.append((str(item), f"{item} is a symbolic link to a folder: hand in the folder itself"))
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
    *,
    questions: list[str | Path] | None = None,
    seed: int | None = None,
    limits: Limits | None = None,
    partial: bool = False,
    submissions: list[Submission] | None = None,
) -> GradeReport:
    """Grade every notebook in `paths` (folders are searched for ``*.ipynb``), `jobs` at a time, in the order given.

    The checks are drawn with `seed` (a fresh one per run when None; the report names it). A class's
    `submissions` (`course.grading.roster`), when given, are graded instead of `paths`, each against
    its own solution; a file named after its learner gets the exercises' files beside it, not its
    classmates'.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1 (got {jobs!r}): notebooks graded at once")
    seed = secrets.randbelow(2**31) if seed is None else seed
    limits = limits or Limits()
    sandbox = isolation()

    exercises = Path(solutions if solutions is not None else default_solutions()).parent / "exercises"

    def one(item: Path | tuple[str, str] | Submission) -> NotebookGrade:
        if isinstance(item, tuple):
            return NotebookGrade(item[0], error=item[1])
        name: str | None = None
        support: Path | bool | None = True
        if not isinstance(item, Submission):
            path = item
        elif item.path is None or item.solution is None:
            return NotebookGrade(str(item.path or item.learner), error=item.problem or "nothing to grade")
        else:
            path, name = item.path, item.solution
            if item.loose:
                support = exercises if exercises.is_dir() else None
        try:
            return grade_notebook(
                path, solutions, hidden, cell_timeout, timeout, questions=questions, seed=seed,
                limits=limits, partial=partial, sandbox=sandbox, solution_name=name, support=support,
            )  # fmt: skip
        except Exception as exc:  # a bug or a full disk must not cost the other learners their grades
            return NotebookGrade(str(path), error=f"the grader failed here: {type(exc).__name__}: {str(exc)[:200]}")

    items: list = _expand(paths) if submissions is None else list(submissions)
    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each notebook runs in its own process anyway
        notebooks = list(pool.map(one, items))
    return GradeReport(notebooks, seed=seed, isolation=sandbox.describe(limits))
