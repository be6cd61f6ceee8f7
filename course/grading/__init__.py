"""Authoring and grading notebooks: ``python -m course release | execute | grade``.

- `release` writes ``exercises/`` from ``solutions/`` (answers between ``# BEGIN SOLUTION`` and
  ``# END SOLUTION`` become ``raise NotImplementedError``), then executes them;
- `execute_notebook` runs a notebook in place in a fresh kernel, deterministically;
- `grade` runs each learner's notebook in a sandbox (`Limits`, `isolation`), asks its recorded
  answers for plain results and judges them out of the kernel's reach, with fresh inputs per run,
  an instructor's hidden checks, and off-limits code per question.

>>> from course.grading import grade, release, execute_notebook, DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT
>>> DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT
(30, 300)
"""

from . import startup  # noqa: F401 (first: it speeds up importing nbformat)
from .execute import (
    AUTHOR_CELL_TIMEOUT,
    NotebookExecutionError,
    NotebookFormatError,
    execute_cells,
    execute_notebook,
    parse_notebook,
    read_notebook,
    strip_outputs,
    write_notebook,
)
from .exercises import STUB, ReleaseError, drift, make_exercise, release, strip_markdown_answer, strip_solution
from .grader import DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT, SolutionQuestion, grade, grade_notebook, solution_questions
from .outputs import error_of
from .report import GradeReport, NotebookGrade, QuestionGrade
from .sandbox import Isolation, Limits, isolation

__all__ = [
    "AUTHOR_CELL_TIMEOUT",
    "DEFAULT_CELL_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "STUB",
    "GradeReport",
    "Isolation",
    "Limits",
    "NotebookExecutionError",
    "NotebookFormatError",
    "NotebookGrade",
    "QuestionGrade",
    "ReleaseError",
    "SolutionQuestion",
    "drift",
    "error_of",
    "execute_cells",
    "execute_notebook",
    "grade",
    "grade_notebook",
    "isolation",
    "make_exercise",
    "parse_notebook",
    "read_notebook",
    "release",
    "solution_questions",
    "strip_markdown_answer",
    "strip_outputs",
    "strip_solution",
    "write_notebook",
]
