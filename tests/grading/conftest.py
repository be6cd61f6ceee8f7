"""A tiny course built in a temporary folder: one solution, its released exercise, and the fixture questions.

The solution is executed and released once per test session (two kernel runs) and shared by the
release, execute and grade tests, which never depend on lesson content.
"""

from types import SimpleNamespace

import nbformat
import pytest

from course.grading import execute_notebook, release

from .notebook_fixtures import FIXTURES, SOLUTION_CELLS, make_notebook, with_support_files

collect_ignore = ["fixtures"]  # modules for the kernels under test, not for pytest to import


@pytest.fixture(scope="session")
def course_dirs(tmp_path_factory):
    """solutions/demo.ipynb executed, and exercises/demo.ipynb released from it (executed too)."""
    root = tmp_path_factory.mktemp("course")
    solutions, exercises = with_support_files(root / "solutions"), with_support_files(root / "exercises")
    nbformat.write(make_notebook(SOLUTION_CELLS), str(solutions / "demo.ipynb"))
    execute_notebook(solutions / "demo.ipynb", cell_timeout=30)
    assert release(solutions, exercises, cell_timeout=30) == []
    return SimpleNamespace(
        root=root,
        solutions=solutions,
        exercises=exercises,
        hidden=FIXTURES / "hidden",
        solution=nbformat.read(str(solutions / "demo.ipynb"), as_version=4),
        exercise=nbformat.read(str(exercises / "demo.ipynb"), as_version=4),
    )
