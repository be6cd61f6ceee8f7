"""The course's own notebooks under the grader: every solution scores full marks, every released exercise 0.

These depend on the domain packages and their questions (course/checks/<domain>.py), unlike the other
grading tests, which use the fixture course.
"""

import shutil
from pathlib import Path

import pytest

from course.grading import grade
from course.grading.grader import default_solutions

SOLUTIONS = default_solutions()
NOTEBOOKS = sorted(SOLUTIONS.glob("*.ipynb"))
EXERCISES = SOLUTIONS.parent / "exercises"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not NOTEBOOKS:
        pytest.skip("no solutions/ in this checkout")
    root = tmp_path_factory.mktemp("course")
    for kind, source in (("solution", SOLUTIONS), ("exercise", EXERCISES)):
        (root / kind).mkdir()
        for notebook in NOTEBOOKS:
            shutil.copy(source / notebook.name, root / kind / notebook.name)
    report = grade([root / "solution", root / "exercise"], SOLUTIONS, jobs=2, seed=4242)
    return {Path(nb.notebook).parent.name + "/" + Path(nb.notebook).name: nb for nb in report.notebooks}


@pytest.mark.parametrize("name", [n.name for n in NOTEBOOKS])
def test_each_solution_scores_full_marks_on_fresh_inputs(graded, name):
    solution = graded[f"solution/{name}"]
    assert solution.ok, [q.result for q in solution.questions if q.status != "pass"]
    assert solution.points == solution.max_points > 0


@pytest.mark.parametrize("name", [n.name for n in NOTEBOOKS])
def test_each_released_exercise_scores_zero(graded, name):
    exercise = graded[f"exercise/{name}"]
    assert exercise.points == 0 and exercise.max_points > 0
    assert {q.reason for q in exercise.questions} == {
        "not attempted yet (replace the raise NotImplementedError with your code)"
    }
