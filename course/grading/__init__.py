"""Authoring and grading notebooks: ``python -m course release | execute | grade``.

- `release` writes ``exercises/`` from ``solutions/`` (answers between ``# BEGIN SOLUTION`` and
  ``# END SOLUTION`` become ``raise NotImplementedError``), then executes them;
- `execute_notebook` runs a notebook in place in a fresh kernel, deterministically;
- `grade` runs each learner's notebook in a sandbox (`Limits`, `isolation`), asks its recorded
  answers for plain results and judges them out of the kernel's reach, with fresh inputs per run,
  an instructor's hidden checks, and off-limits code per question;
- `release_to` writes the learners' folder (never a solution), `grade_class` grades a class (or
  one shard of it, `roster`) into a `Gradebook` with a feedback file per learner, and
  `course.grading.gradebook.merge` joins the shards; `course.grading.present` is presenter mode.

>>> from course.grading import grade, release, execute_notebook, DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT
>>> DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT
(30, 300)
"""

from . import startup  # noqa: F401 (first: it speeds up importing nbformat)
from .classroom import grade_class
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
from .gradebook import Gradebook, GradebookError
from .grader import DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT, SolutionQuestion, grade, grade_notebook, solution_questions
from .handout import release_to, zip_release
from .outputs import error_of
from .report import GradeReport, NotebookGrade, QuestionGrade
from .roster import Submission, roster
from .sandbox import Isolation, Limits, isolation

__all__ = [
    "AUTHOR_CELL_TIMEOUT",
    "DEFAULT_CELL_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "STUB",
    "GradeReport",
    "Gradebook",
    "GradebookError",
    "Isolation",
    "Limits",
    "NotebookExecutionError",
    "NotebookFormatError",
    "NotebookGrade",
    "QuestionGrade",
    "ReleaseError",
    "SolutionQuestion",
    "Submission",
    "drift",
    "error_of",
    "execute_cells",
    "execute_notebook",
    "grade",
    "grade_class",
    "grade_notebook",
    "isolation",
    "make_exercise",
    "parse_notebook",
    "read_notebook",
    "release",
    "release_to",
    "roster",
    "solution_questions",
    "strip_markdown_answer",
    "strip_outputs",
    "strip_solution",
    "write_notebook",
    "zip_release",
]
