"""A tiny course built in a temporary folder: one solution, its released exercise, and the fixture questions.

The solution is executed and released once per test session (two kernel runs) and shared by the
release, execute and grade tests, which never depend on lesson content. The fixture questions live
outside the package (fixtures/questions), found through COURSE_QUESTIONS in a notebook and passed
to the grader as a questions folder.
"""

import os
from types import SimpleNamespace

import nbformat
import pytest

from course.checks.registry import QUESTIONS_ENV
from course.grading import execute_notebook, release

from .notebook_fixtures import HIDDEN, QUESTIONS, SOLUTION_CELLS, make_notebook, with_support_files

collect_ignore = ["fixtures"]  # modules for the grader and kernels under test, not for pytest to import


@pytest.fixture(scope="session")
def course_dirs(tmp_path_factory):
    """solutions/demo.ipynb executed, and exercises/demo.ipynb released from it (executed too)."""
    root = tmp_path_factory.mktemp("course")
    solutions, exercises = with_support_files(root / "solutions"), with_support_files(root / "exercises")
    nbformat.write(make_notebook(SOLUTION_CELLS), str(solutions / "demo.ipynb"))
    before = os.environ.get(QUESTIONS_ENV)
    os.environ[QUESTIONS_ENV] = str(QUESTIONS)  # the kernels that execute the notebooks find the demo questions
    try:
        execute_notebook(solutions / "demo.ipynb", cell_timeout=60)
        assert release(solutions, exercises, cell_timeout=60) == []
    finally:
        if before is None:
            os.environ.pop(QUESTIONS_ENV, None)
        else:
            os.environ[QUESTIONS_ENV] = before
    return SimpleNamespace(
        root=root,
        solutions=solutions,
        exercises=exercises,
        hidden=HIDDEN,
        questions=QUESTIONS,
        solution=nbformat.read(str(solutions / "demo.ipynb"), as_version=4),
        exercise=nbformat.read(str(exercises / "demo.ipynb"), as_version=4),
    )
