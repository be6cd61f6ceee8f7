"""Grading a class: find each learner's notebooks, grade one shard of them, and build the gradebook.

`grade_class` reads the roster (`course.grading.roster`) of every path, keeps the learners of its
shard, grades their notebooks with `course.grading.grade` (the same sandbox, seed and guarantees),
and returns the grade report (one row per question, rows for notebooks not handed in) and the
`Gradebook` (one row per learner). The notebooks expected of every learner are those anybody in
the whole class handed in (so every shard expects the same ones), or the solutions named by
`expect`. Nothing is written: the caller writes the gradebook where it wants.

Taught in the README's section for instructors.

>>> expected_notebooks([], ["01_api_gateway.ipynb", "02_load_balancer.ipynb"], expect=["02"])
['02_load_balancer.ipynb']
"""

from __future__ import annotations

from pathlib import Path

from .catalog import catalog
from .gradebook import Gradebook
from .grader import DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT, default_solutions, grade
from .report import GradeReport, NotebookGrade, QuestionGrade
from .roster import Submission, in_shard, roster
from .sandbox import Limits

__all__ = ["expected_notebooks", "grade_class"]


def expected_notebooks(
    submissions: list[Submission], solutions: list[str], expect: list[str] | None = None
) -> list[str]:
    """The notebooks every learner should hand in: the solutions named by `expect`, else any handed in."""
    if expect:
        return sorted(n for n in solutions if any(n.startswith(prefix) for prefix in expect))
    return sorted({s.solution for s in submissions if s.solution and s.path is not None})


def _missing(learner: str, solution: str, questions: list[dict]) -> NotebookGrade:
    reason = f"not handed in: no {solution} from {learner}"
    rows = [QuestionGrade(q["id"], 0, q["points"], "missing", reason) for q in questions]
    return NotebookGrade(f"{learner}: {solution}", rows, error=None if rows else reason)


def grade_class(
    paths: list[str | Path],
    solutions: str | Path | None = None,
    hidden: str | Path | None = None,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    timeout: float = DEFAULT_TIMEOUT,
    jobs: int = 1,
    *,
    shard: tuple[int, int] | None = None,
    expect: list[str] | None = None,
    lessons: str | Path | None = None,
    questions: list[str | Path] | None = None,
    seed: int | None = None,
    limits: Limits | None = None,
    partial: bool = False,
) -> tuple[GradeReport, Gradebook]:
    """Grade the learners of `shard` (all when None) among `paths`; the report and the gradebook."""
    solutions = Path(solutions) if solutions is not None else default_solutions()
    names = sorted(p.name for p in solutions.glob("*.ipynb"))
    everyone = roster(paths, names)
    expected = expected_notebooks(everyone, names, expect)
    mine = [s for s in everyone if in_shard(s.learner, shard)]
    book = Gradebook(catalog=catalog(solutions, expected, lessons), expected=expected)
    book.shards = [f"{shard[0]}/{shard[1]}" if shard else "1/1"]
    to_grade: list[Submission] = []
    seen: dict[tuple[str, str], Path] = {}
    for s in mine:
        book.learner(s.learner)
        if s.problem or s.path is None or s.solution is None:
            book.note(s.learner, s.problem or "nothing to grade")
        elif s.solution not in expected:
            book.note(s.learner, f"{s.path.name} is not part of this assignment ({', '.join(expected)}): not graded")
        elif (s.learner, s.solution) in seen:
            book.note(s.learner, f"a second {s.solution} ({s.path}): only {seen[s.learner, s.solution]} is graded")
        else:
            seen[s.learner, s.solution] = s.path
            to_grade.append(s)
    report = grade(
        [], solutions, hidden, cell_timeout, timeout, jobs,
        questions=questions, seed=seed, limits=limits, partial=partial, submissions=to_grade,
    )  # fmt: skip
    for s, data in zip(to_grade, report.to_dict()["notebooks"], strict=True):
        book.add(s.learner, str(s.solution), data)
    for learner in sorted(book.learners):
        for solution in expected:
            if solution not in book.learners[learner]["notebooks"]:
                report.notebooks.append(_missing(learner, solution, book.catalog[solution]["questions"]))
    book.seeds = [report.seed] if report.seed is not None else []
    book.isolation = [report.isolation] if report.isolation else []
    return report, book
