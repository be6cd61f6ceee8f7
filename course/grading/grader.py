"""Grading: run each learner notebook in a sandbox, ask its answers for plain results, and judge them out of its reach.

A learner's notebook is matched to the solution with the same file name; the solution's cells tagged
``check:<question id>`` name the questions (``points:N`` gives a question's points, 1 by default;
the tag ``partial`` splits them over its checks). The notebook, a regular file (a symbolic link is
refused), is copied with the files next to it into a fresh folder, stripped of its outputs, and run
by `course.grading.worker` in a sandboxed kernel (`course.grading.sandbox`) with a per-cell and an
overall time limit. The notebook's ``check(...)`` calls only record the answers; the worker draws
every question's checks with this run's seed, asks the recorded answers for plain results, and
judges them in its own process, with the instructor's hidden checks. An answer that uses code its
question puts off-limits scores 0. Every problem becomes a row that says why in one line.

Taught in the README's section for instructors.

>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("check('demo.add', add)",
...     metadata={"tags": ["check:demo.add", "points:2", "partial"]})])
>>> [(q.id, q.points, q.partial, q.problem) for q in solution_questions(nb)]
[('demo.add', 2, True, None)]
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nbformat

from .execute import NotebookFormatError, first_line, parse_notebook, read_notebook, strip_outputs, tags, write_notebook
from .offlimits import parse_cell
from .outputs import error_of
from .report import GradeReport, NotebookGrade, QuestionGrade
from .roster import Submission
from .sandbox import Isolation, Limits, isolation

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
COPY_LIMIT = 50 * 2**20  # bytes of files next to a notebook copied for it; beyond that none are
COPY_FILES = 2000  # files next to a notebook copied for it; beyond that none are
NOTEBOOK_LIMIT = 20 * 2**20  # bytes: a bigger notebook is not graded
PARTIAL = "partial"  # the solution tag that splits a question's points over its checks
_SKIP = {"__pycache__", "node_modules", "venv"}
_COURSE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SolutionQuestion:
    """A question as the solution defines it: id, points, whether they are split over its checks, any problem."""

    id: str
    points: int
    problem: str | None = None
    partial: bool = False


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
            if cell.cell_type != "code":
                problem = f"{where} is tagged check:{qid} but is not a code cell"
            elif error_of(cell.get("outputs", [])):
                problem = f"{where} raised {error_of(cell.outputs)} in the solution itself: fix the solution"
            found[qid] = SolutionQuestion(qid, points, problem, PARTIAL in tags(cell))
    return list(found.values())


# ---- the learner's files ------------------------------------------------------------------------------------


def _read_regular(path: Path, limit: int) -> str:
    """The text of the regular file at `path`, never following a link and never reading more than `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotebookFormatError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise NotebookFormatError(
                f"{path.name} is {info.st_size / 2**20:.0f} MB; notebooks over {limit >> 20} MB are not graded"
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookFormatError(f"{path.name} is not UTF-8 text, so not a notebook") from None


def _copy_folder(source: Path, target: Path) -> str | None:
    """Copy the regular files next to a notebook (not notebooks, links, hidden or cache folders); a note if not."""

    def skipped(name: str) -> bool:
        return name.startswith(".") or name in _SKIP or name.endswith(".ipynb")

    files: list[Path] = []
    links = 0
    for folder, dirs, names in os.walk(source):  # never follows a link to a folder
        dirs[:] = sorted(d for d in dirs if not skipped(d) and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(names):
            path = Path(folder) / name
            if skipped(name):
                continue
            if path.is_symlink() or not path.is_file():
                links += 1
                continue
            files.append(path)
    target.mkdir(parents=True)
    size = sum(p.lstat().st_size for p in files)
    if size > COPY_LIMIT or len(files) > COPY_FILES:
        return (
            f"the files next to the notebook ({len(files)} files, {size / 2**20:.0f} MB) were not copied "
            f"(at most {COPY_FILES} files and {COPY_LIMIT >> 20} MB): relative paths will fail"
        )
    for path in files:
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as src, open(copy, "wb") as dst:
            shutil.copyfileobj(src, dst)
    if links:
        return f"{links} link(s) or special file(s) next to the notebook were not copied: only regular files are"
    return None


# ---- running the worker -------------------------------------------------------------------------------------


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
            _kill_group((_read_json(Path(job["progress"])) or {}).get("kernel_pid"), must_lead=True)
            proc.wait()
    return killed


# ---- from the worker's result to rows ------------------------------------------------------------------------


def _cell(result: dict, index: int | None) -> str:
    if index is None:
        return "the kernel's start"
    name = (result.get("names") or {}).get(str(index), "")
    return f'cell {index + 1} ("{name}")' if name else f"cell {index + 1}"


def _ignored(result: dict, index: int | None, cell_timeout: float) -> str:
    return (
        f"{_cell(result, index)} ran past the {cell_timeout:g} s limit and did not stop when interrupted "
        "(does it catch KeyboardInterrupt or BaseException?), so the cells after it could not run"
    )


def _killed_problem(learner: nbformat.NotebookNode, progress: dict, timeout: float, cell_timeout: float) -> str:
    running, since = progress.get("cell"), progress.get("since")
    reason = f"the notebook did not finish within {timeout:g} s and was stopped"
    if running is None:
        return f"{reason} before its first cell ran"
    names = {"names": {str(i): first_line(c) for i, c in enumerate(learner.cells)}}
    if running < len(learner.cells):
        over = since is not None and time.time() - since >= cell_timeout
        unresponsive = progress.get("unresponsive", [])
        culprit = running if over else (unresponsive[-1] if unresponsive else None)
        if culprit is not None:
            return f"{reason}: {_ignored(names, culprit, cell_timeout)}"
        return f"{reason} while {_cell(names, running)} was running"
    return f"{reason} while the grader was asking for the answers"


def _binder(learner_sources: list[str], before: int, name: str) -> int | None:
    """The last cell before `before` that defines `name` at its top level."""
    for index in range(before - 1, -1, -1):
        tree = parse_cell(learner_sources[index])
        if tree is None:
            continue
        for node in tree.body:
            bound = getattr(node, "name", None) == name or any(
                getattr(t, "id", None) == name for t in getattr(node, "targets", [])
            )
            if bound or any((a.asname or a.name.split(".")[0]) == name for a in getattr(node, "names", []) or []):
                return index
    return None


def _limit_hint(error: str, limits: Limits) -> str:
    """The error, with the resource limit that most likely caused it."""
    if error.startswith("MemoryError"):
        return f"{error} (the limit is {limits.memory_mb} MB per process)"
    if "can't start new thread" in error or "Resource temporarily unavailable" in error:
        return f"{error} (the limit is {limits.processes} processes and threads)"
    return error


def _no_answer(
    q: SolutionQuestion, entry: dict, result: dict, sources: list[str], cell_timeout: float, limits: Limits
) -> str:
    """Why a question's answer could not be asked, blaming the cell that caused it."""
    check = entry["check_cell"]
    timed_out = set(result.get("timed_out", []))
    errors = {k: _limit_hint(v, limits) for k, v in (result.get("errors") or {}).items() if v}
    status, where = result.get("status"), result.get("cell")
    learner = result.get("learner_cells", len(sources))
    if status == "stuck" and where is not None and where < learner:
        return _ignored(result, where, cell_timeout)
    if check in timed_out:
        return f"{_cell(result, check)} ran past the {cell_timeout:g} s limit"
    error = errors.get(str(check))
    if error and error.startswith("NameError: name '"):
        name = error.split("'")[1]
        cause = _binder(sources, check, name)
        if cause is not None and cause in timed_out:
            return f"{_cell(result, cause)} ran past the {cell_timeout:g} s limit, so {name} was never defined"
        if cause is not None and errors.get(str(cause)):
            return f"{_cell(result, cause)} raised {errors[str(cause)]}, so {name} was never defined"
    if error:
        start = max((i for i in result.get("check_cells", []) if i < check), default=-1)  # the question before
        earlier = [i for i in range(check - 1, start, -1) if errors.get(str(i))]
        after = f", after {_cell(result, earlier[0])} raised {errors[str(earlier[0])]}" if earlier else ""
        return f"the check cell (cell {check + 1}) raised {error}{after}"
    if status == "dead":
        if where is not None and where < learner:
            return f"the kernel died while {_cell(result, where)} was running (os._exit, a crash, or out of memory?)"
        return "the kernel died while the grader asked the answers (the code exited or crashed)"
    if status == "stuck" and entry.get("stuck_on") == q.id:
        return (
            "your answer did not finish when asked and ignored the interrupt "
            "(does it catch KeyboardInterrupt or BaseException?)"
        )
    if status == "stuck":
        stuck_on = entry.get("stuck_on") or "an earlier question"
        return f"the kernel was stuck in the answer to {stuck_on}, so this one was never asked"
    if entry.get("no_reply"):
        return entry["no_reply"]
    verdict = entry.get("verdict") or {}
    return verdict.get("reason") or f"check({q.id!r}, ...) never recorded an answer"


def _score(q: SolutionQuestion, verdict: dict, partial: bool) -> float:
    if verdict["status"] == "pass":
        return q.points
    if (partial or q.partial) and verdict.get("total"):
        return round(q.points * verdict.get("passed", 0) / verdict["total"], 2)
    return 0


def _rows(
    questions: list[SolutionQuestion],
    result: dict,
    sources: list[str],
    cell_timeout: float,
    partial: bool,
    limits: Limits,
):
    rows = []
    stuck_on = result.get("question") if result.get("status") == "stuck" else None
    for q in questions:
        entry = dict((result.get("questions") or {}).get(q.id) or {"check_cell": None})
        entry["stuck_on"] = stuck_on

        def row(
            state: str, reason: str = "", points: float = 0, details: dict | None = None, q: SolutionQuestion = q
        ) -> QuestionGrade:
            return QuestionGrade(q.id, points, q.points, state, reason, details or {})

        verdict = entry.get("verdict") or {}
        if q.problem or entry.get("problem"):
            rows.append(row("error", q.problem or entry["problem"]))
        elif entry.get("check_cell") is None:
            rows.append(row("fail", f"no cell tagged check:{q.id} (copy the check cell back from the exercise)"))
        elif entry.get("off_limits"):
            rows.append(row("fail", entry["off_limits"]))
        elif verdict.get("status") == "pass":
            rows.append(row("pass", "", q.points, {"checks": verdict.get("total"), "hidden": verdict.get("hidden")}))
        elif verdict.get("status") == "not attempted":
            rows.append(row("fail", "not attempted yet (replace the raise NotImplementedError with your code)"))
        elif verdict.get("status") == "fail":
            counted = f"{verdict['passed']} of {verdict['total']} checks passed"
            details = {"passed": verdict["passed"], "total": verdict["total"], "failures": verdict.get("failures")}
            rows.append(row("fail", f"{counted}; {verdict['reason']}", _score(q, verdict, partial), details))
        else:
            why = _no_answer(q, entry, result, sources, cell_timeout, limits)
            state = "timeout" if f"ran past the {cell_timeout:g} s limit" in why else "fail"
            rows.append(row(state, why))
    return rows


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
