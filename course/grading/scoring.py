"""Scoring: the questions a solution defines, and one row per question from what the worker found.

A learner's notebook is matched to the solution with the same file name; the solution's cells tagged
``check:<question id>`` name the questions (``points:N`` gives a question's points, 1 by default;
the tag ``partial`` splits them over its checks, as ``--partial`` does for every question). Each
question then becomes one `QuestionGrade`: full points for a pass, a share of them for a partial
fail, 0 for an answer that uses code its question puts off-limits, and for an answer that could not
be asked a one-line reason that blames the cell that caused it (one that ran past its time limit,
raised, or never defined the name the check cell needs). Taught in the README's section for
instructors.

>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("check('demo.add', add)",
...     metadata={"tags": ["check:demo.add", "points:2", "partial"]})])
>>> [(q.id, q.points, q.partial, q.problem) for q in solution_questions(nb)]
[('demo.add', 2, True, None)]
>>> _score(SolutionQuestion("demo.add", 2, partial=True), {"status": "fail", "passed": 1, "total": 3}, False)
0.67
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from .execute import tags
from .learner_run import _COURSE_ROOT, _cell, _ignored, _limit_hint
from .offlimits import parse_cell
from .outputs import error_of
from .report import QuestionGrade
from .sandbox import Limits

__all__ = ["PARTIAL", "SolutionQuestion", "default_solutions", "solution_questions"]

PARTIAL = "partial"  # the solution tag that splits a question's points over its checks


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


# ---- from the worker's result to rows ------------------------------------------------------------------------


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
