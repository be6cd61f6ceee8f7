"""Authoring and grading notebooks: ``python -m course release | execute | grade``.

- `release` writes ``exercises/`` from ``solutions/`` (answers between ``# BEGIN SOLUTION`` and
  ``# END SOLUTION`` become ``raise NotImplementedError``), then executes them;
- `execute_notebook` runs a notebook in place in a fresh kernel, deterministically;
- `grade` re-executes learners' notebooks in a killable subprocess and compares each tagged check
  cell with the solution's saved output, plus hidden checks an instructor may add.

>>> from course.grading import grade, release, execute_notebook, DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT
>>> DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT
(30, 300)
"""

from .compare import difference, sanitize, text_outputs
from .execute import (
    AUTHOR_CELL_TIMEOUT,
    NotebookExecutionError,
    NotebookFormatError,
    execute_cells,
    execute_notebook,
    read_notebook,
    strip_outputs,
    write_notebook,
)
from .exercises import STUB, ReleaseError, drift, make_exercise, release, strip_markdown_answer, strip_solution
from .grader import DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT, SolutionQuestion, grade, grade_notebook, solution_questions
from .report import GradeReport, NotebookGrade, QuestionGrade

__all__ = [
    "AUTHOR_CELL_TIMEOUT",
    "DEFAULT_CELL_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "STUB",
    "GradeReport",
    "NotebookExecutionError",
    "NotebookFormatError",
    "NotebookGrade",
    "QuestionGrade",
    "ReleaseError",
    "SolutionQuestion",
    "difference",
    "drift",
    "execute_cells",
    "execute_notebook",
    "grade",
    "grade_notebook",
    "make_exercise",
    "read_notebook",
    "release",
    "sanitize",
    "solution_questions",
    "strip_markdown_answer",
    "strip_outputs",
    "strip_solution",
    "text_outputs",
    "write_notebook",
]
