"""The learners' folder (release --to): what goes in, and what never does."""

from __future__ import annotations

import zipfile

import nbformat
import pytest

from course.__main__ import main
from course.grading import make_exercise
from course.grading.handout import MARKER, leaks, release_to
from tests.grading.notebook_fixtures import SOLUTION_CELLS, make_notebook


@pytest.fixture
def course_folder(tmp_path):
    """solutions/demo.ipynb, its exercise (not executed: only its cells matter here), a lesson and a data file."""
    for name in ("solutions", "exercises", "lessons"):
        (tmp_path / name).mkdir()
    solution = make_notebook(SOLUTION_CELLS)
    nbformat.write(solution, str(tmp_path / "solutions" / "demo.ipynb"))
    nbformat.write(make_exercise(solution), str(tmp_path / "exercises" / "demo.ipynb"))
    (tmp_path / "exercises" / "words.txt").write_text("the quick brown fox\n")
    (tmp_path / "exercises" / ".course-progress.json").write_text("{}")  # the instructor's own tries
    nbformat.write(make_notebook([("markdown", "# Demo lesson", [])]), str(tmp_path / "lessons" / "demo.ipynb"))
    return tmp_path


def release_args(root, target, *extra):
    folders = [f"--{name}={root / name}" for name in ("solutions", "exercises", "lessons")]
    return ["release", "--to", str(target), *folders, *extra]


def test_the_release_holds_lessons_exercises_course_and_readme_and_zips(course_folder, capsys):
    target = course_folder / "out" / "handout"
    assert main(release_args(course_folder, target, "--zip")) == 0
    top = [MARKER, "README.md", "course", "docs", "exercises", "lessons", "pyproject.toml", "requirements.txt"]
    assert sorted(p.name for p in target.iterdir()) == sorted([*top, "runtime.txt"])
    assert sorted(p.name for p in (target / "exercises").iterdir()) == ["demo.ipynb", "words.txt"]
    assert (target / "course" / "checks" / "feedback.py").exists()
    assert not list(target.rglob("__pycache__")) and not list(target.rglob("*.pyc"))
    assert "pip install -e ." in (target / "README.md").read_text()
    assert leaks(target, course_folder / "solutions") == []
    with zipfile.ZipFile(target.with_suffix(".zip")) as packed:
        assert "handout/exercises/demo.ipynb" in packed.namelist()
    assert "no solutions" in capsys.readouterr().out


def test_a_release_that_would_leak_is_not_written(course_folder, capsys):
    nbformat.write(make_notebook(SOLUTION_CELLS), str(course_folder / "lessons" / "answers.ipynb"))
    target = course_folder / "handout"
    assert main(release_args(course_folder, target)) == 1
    assert "not released, it would leak: lessons/answers.ipynb holds a BEGIN/END SOLUTION marker" in (
        capsys.readouterr().err
    )
    assert not target.exists() and not [p for p in course_folder.iterdir() if p.name.startswith(".handout")]


def test_answer_code_without_markers_is_caught_too(course_folder):
    leaked = make_notebook([("code", "def add(a, b):\n    return a + b  # from a friend", [])])
    nbformat.write(leaked, str(course_folder / "lessons" / "copied.ipynb"))
    problems = release_to(
        course_folder / "h",
        solutions=course_folder / "solutions",
        exercises=course_folder / "exercises",
        lessons=course_folder / "lessons",
    )
    assert problems == []  # "return a + b" is under 12 characters: too common to call a leak
    nbformat.write(
        make_notebook([("code", "words = text.split()\nx = 1", [])]), str(course_folder / "lessons" / "c.ipynb")
    )
    found = leaks(course_folder / "lessons", course_folder / "solutions")
    assert found == ["c.ipynb holds a solution's answer code ('words = text.split()')"]


def test_stale_exercises_and_foreign_folders_are_refused(course_folder, capsys):
    (course_folder / "busy").mkdir()
    (course_folder / "busy" / "thesis.tex").write_text("mine")
    assert main(release_args(course_folder, course_folder / "busy")) == 1
    assert "busy is not empty and was not written by release --to" in capsys.readouterr().err
    assert (course_folder / "busy" / "thesis.tex").read_text() == "mine"
    solution = make_notebook([*SOLUTION_CELLS, ("code", "print('new cell')", [])])
    nbformat.write(solution, str(course_folder / "solutions" / "demo.ipynb"))
    assert main(release_args(course_folder, course_folder / "h")) == 1
    err = capsys.readouterr().err
    assert "is out of date with" in err and "run `python -m course release` first" in err


def test_releasing_again_replaces_the_earlier_release_and_can_carry_a_wheelhouse(course_folder):
    target, wheels = course_folder / "handout", course_folder / "wheels"
    wheels.mkdir()
    (wheels / "demo-1.0-py3-none-any.whl").write_bytes(b"PK")
    assert main(release_args(course_folder, target)) == 0
    (target / "lessons" / "stale.ipynb").write_text("{}")
    assert main(release_args(course_folder, target, "--wheelhouse", str(wheels))) == 0
    assert not (target / "lessons" / "stale.ipynb").exists()
    assert [p.name for p in (target / "wheelhouse").iterdir()] == ["demo-1.0-py3-none-any.whl"]
