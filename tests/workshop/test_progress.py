"""A learner's progress: each check in an exercises folder keeps its result in a local file; progress() lists them."""

from __future__ import annotations

import json

import nbformat
import pytest

import course
from course.checks.asks import call
from course.checks.feedback import check
from course.checks.registry import Check, forget, question
from course.grading.grader import _copy_folder
from course.progress import PROGRESS_ENV, PROGRESS_FILE, progress, progress_file


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A course folder with lessons/ and exercises/ (two exercise notebooks), and the demo questions."""
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
    exercises, lessons = tmp_path / "exercises", tmp_path / "lessons"
    exercises.mkdir()
    lessons.mkdir()
    for name, ids in (("01_demo.ipynb", ["demo.add", "demo.neg"]), ("02_more.ipynb", ["demo.twice"])):
        cells = [nbformat.v4.new_markdown_cell(f"# Exercises · {name}")]
        for number, qid in enumerate(ids, 1):
            cells.append(nbformat.v4.new_markdown_cell(f"## {number} · {qid.split('.')[1].title()}"))
            cells.append(nbformat.v4.new_code_cell(f"check({qid!r}, f)", metadata={"tags": [f"check:{qid}"]}))
        nbformat.write(nbformat.v4.new_notebook(cells=cells), str(exercises / name))

    @question("demo.add")
    def add():
        yield Check(hint="add(2, 3) should be 5", ask=call(2, 3), expect=5)

    @question("demo.neg")
    def neg():
        yield Check(hint="neg(2) should be -2", ask=call(2), expect=-2)

    yield exercises, lessons
    for qid in ("demo.add", "demo.neg"):
        forget(qid)


def test_checks_in_an_exercises_folder_are_kept_and_listed_from_a_lesson(folders, monkeypatch, capsys):
    exercises, lessons = folders
    monkeypatch.chdir(exercises)
    check("demo.add", lambda a, b: a + b)
    check("demo.neg", lambda x: x)  # wrong
    check("demo.twice", None)  # not attempted: nothing to keep
    assert capsys.readouterr().out.startswith("✓ demo.add")
    kept = json.loads((exercises / PROGRESS_FILE).read_text())["questions"]
    assert kept == {
        "demo.add": {"status": "passed", "passed": 1, "total": 1},
        "demo.neg": {"status": "failed", "passed": 0, "total": 1},
    }
    monkeypatch.chdir(lessons)
    shown = course.progress()
    assert (shown.passed, shown.total) == (1, 3)
    assert str(shown).splitlines() == [
        "Your progress: 1 of 3 questions passed (saved in exercises/.course-progress.json, on this computer only)",
        "Exercises · 01_demo.ipynb (01_demo.ipynb): 1 of 2",
        "  ✓ 1 · Add  (demo.add)",
        "  ✗ 2 · Neg  (demo.neg)",
        "Exercises · 02_more.ipynb (02_more.ipynb): 0 of 1",
        "  · 1 · Twice  (demo.twice)",
    ]
    assert "<table>" in shown._repr_html_() and repr(shown) == "Progress(passed=1, questions=3)"


def test_a_later_check_replaces_the_earlier_result(folders, monkeypatch, capsys):
    exercises, _ = folders
    monkeypatch.chdir(exercises)
    check("demo.add", lambda a, b: a + b)
    check("demo.add", lambda a, b: a - b)
    capsys.readouterr()
    assert json.loads((exercises / PROGRESS_FILE).read_text())["questions"]["demo.add"]["status"] == "failed"


def test_nothing_is_written_outside_an_exercises_folder_or_when_turned_off(folders, monkeypatch, capsys):
    exercises, lessons = folders
    monkeypatch.chdir(lessons)
    check("demo.add", lambda a, b: a + b)
    monkeypatch.chdir(exercises)
    monkeypatch.setenv(PROGRESS_ENV, "off")
    check("demo.add", lambda a, b: a + b)
    capsys.readouterr()
    assert not list(exercises.parent.rglob(PROGRESS_FILE))
    assert progress_file(exercises) is None
    assert "no exercise notebooks found" in str(progress(exercises.parent / "nowhere"))


def test_the_progress_file_never_leaves_the_learners_folder(folders, monkeypatch, capsys, tmp_path):
    exercises, _ = folders
    monkeypatch.chdir(exercises)
    check("demo.add", lambda a, b: a + b)
    capsys.readouterr()
    assert (exercises / PROGRESS_FILE).exists()
    assert _copy_folder(exercises, tmp_path / "copy") is None  # what the grader copies next to a notebook
    assert not (tmp_path / "copy" / PROGRESS_FILE).exists()


def test_a_broken_progress_file_is_read_as_empty_and_rewritten(folders, monkeypatch, capsys):
    exercises, _ = folders
    (exercises / PROGRESS_FILE).write_text("{ not json")
    monkeypatch.chdir(exercises)
    assert progress().passed == 0
    check("demo.add", lambda a, b: a + b)
    capsys.readouterr()
    assert progress().passed == 1
