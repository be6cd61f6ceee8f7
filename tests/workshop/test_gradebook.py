"""The gradebook from graded notebooks: rows, totals, notes, feedback files, and merging the shards of a class."""

from __future__ import annotations

import csv
import json

import pytest

from course.__main__ import main
from course.grading.gradebook import Gradebook, GradebookError, merge

CATALOG = {
    "01_x.ipynb": {
        "questions": [
            {
                "id": "x.add",
                "points": 1,
                "title": "1 · Add",
                "revise": {"lesson": "lessons/01_x.ipynb", "section": "Sums"},
            },
            {
                "id": "x.mean",
                "points": 2,
                "title": "2 · Mean",
                "revise": {"lesson": "lessons/01_x.ipynb", "section": None},
            },
        ],
        "problem": None,
    },
    "02_y.ipynb": {"questions": [{"id": "y.route", "points": 1, "title": "1 · Route", "revise": {}}], "problem": None},
}


FIELDS = ("question", "points", "max_points", "status", "reason")
ADD_FAILED = "1 of 3 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -1)"


def graded(rows, error=None):
    """A notebook as the grade report writes it: (question, points, max, status, reason) rows."""
    return {
        "notebook": "nb",
        "error": error,
        "note": None,
        "questions": [
            dict(zip(("question", "points", "max_points", "status", "reason"), row, strict=True)) for row in rows
        ],
    }


def book(shard="1/1", learners=("ada", "grace", "linus", "margaret")):
    b = Gradebook(catalog=CATALOG, expected=["01_x.ipynb", "02_y.ipynb"], seeds=[7], shards=[shard])
    if "ada" in learners:
        b.add("ada", "01_x.ipynb", graded([("x.add", 1, 1, "pass", ""), ("x.mean", 2, 2, "pass", "")]))
        b.add("ada", "02_y.ipynb", graded([("y.route", 1, 1, "pass", "")]))
    if "grace" in learners:
        b.add("grace", "01_x.ipynb", graded([
            ("x.add", 0, 1, "fail", ADD_FAILED),
            ("x.mean", 1.5, 2, "fail", "3 of 4 checks passed; mean([1]) should be 1"),
        ]))  # fmt: skip
    if "linus" in learners:
        why = 'the kernel died while cell 5 ("import os") was running (os._exit, a crash, or out of memory?)'
        b.add("linus", "01_x.ipynb", graded([("x.add", 0, 1, "error", why), ("x.mean", 0, 2, "error", why)], why))
        b.add("linus", "02_y.ipynb", graded([("y.route", 1, 1, "pass", "")]))
    if "margaret" in learners:
        b.note("margaret", "submissions/margaret holds no notebook (.ipynb) to grade")
    return b


def test_one_row_per_learner_one_column_per_question_with_totals_percent_and_notes():
    table = list(csv.reader(book().csv_text().splitlines()))
    assert table[0] == ["learner", "x.add", "x.mean", "y.route", "points", "max_points", "percent", "notes"]
    assert table[1] == ["ada", "1", "2", "1", "4", "4", "100", ""]
    assert table[2] == ["grace", "0", "1.5", "0", "1.5", "4", "37.5", "no 02_y.ipynb handed in"]
    assert table[3][:7] == ["linus", "0", "0", "1", "1", "4", "25"]  # the notebook not graded keeps its points
    assert table[3][7].startswith("01_x.ipynb could not be graded: the kernel died")
    assert table[4] == [
        "margaret", "0", "0", "0", "0", "4", "0",
        "submissions/margaret holds no notebook (.ipynb) to grade; no 01_x.ipynb handed in; no 02_y.ipynb handed in",
    ]  # fmt: skip


def test_the_summary_counts_graded_failed_and_empty_and_gives_the_median():
    b = book()
    assert b.not_graded() == [("linus", "01_x.ipynb")]
    assert (
        b.summary() == "graded 3 of 4 learners (5 notebooks); 1 could not be graded; 1 handed in nothing; median 31.2 %"
    )
    assert (
        Gradebook().summary()
        == "graded 0 of 0 learners (0 notebooks); 0 could not be graded; 0 handed in nothing; median - %"
    )


def test_feedback_gives_points_the_first_failing_check_and_the_section_to_revise(tmp_path):
    written = book().write(tmp_path)
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == [
        "ada.md",
        "grace.md",
        "linus.md",
        "margaret.md",
    ]
    assert len(written) == 6
    grace = (tmp_path / "feedback" / "grace.md").read_text(encoding="utf-8")
    assert "**1.5 of 4 points (37.5 %).**" in grace
    assert "| 1 · Add (`x.add`) | 0/1 | ✗ fail |" in grace
    assert (
        "- **1 · Add** (0/1): 1 of 3 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -1). "
        "Revise *Sums* in lessons/01_x.ipynb." in grace
    )
    assert "- **2 · Mean** (1.5/2): 3 of 4 checks passed; mean([1]) should be 1. Revise lessons/01_x.ipynb." in grace
    assert "## 02_y.ipynb: 0/1\n\nNot handed in" in grace
    linus = (tmp_path / "feedback" / "linus.md").read_text(encoding="utf-8")
    assert "This notebook could not be graded: the kernel died" in linus
    ada = (tmp_path / "feedback" / "ada.md").read_text(encoding="utf-8")
    assert "What to work on" not in ada and "**4 of 4 points (100 %).**" in ada


def test_writing_again_replaces_the_old_feedback(tmp_path):
    book().write(tmp_path)
    book(learners=("ada",)).write(tmp_path)
    assert [p.name for p in (tmp_path / "feedback").iterdir()] == ["ada.md"]


def test_shards_merge_into_the_same_gradebook_as_one_run(tmp_path):
    whole = book()
    parts = [book("1/2", ("ada", "linus")), book("2/2", ("grace", "margaret"))]
    for index, part in enumerate(parts):
        part.write(tmp_path / f"shard-{index}")
    joined = merge([Gradebook.load(tmp_path / f"shard-{i}") for i in (1, 0)])
    assert joined.csv_text() == whole.csv_text()
    assert sorted(joined.shards) == ["1/2", "2/2"] and joined.seeds == [7]


def test_merging_refuses_a_missing_shard_an_overlap_mixed_splits_and_other_solutions():
    with pytest.raises(GradebookError, match=r"shard 2/2 is missing: grade it, then merge again"):
        merge([book("1/2", ("ada",))])
    with pytest.raises(GradebookError, match="shard 1/2 is given twice"):
        merge([book("1/2", ("ada",)), book("1/2", ("grace",))])
    with pytest.raises(GradebookError, match=r"split the class differently \(1/2, 2/3\)"):
        merge([book("1/2", ("ada",)), book("2/3", ("grace",))])
    with pytest.raises(GradebookError, match="ada was graded in two shards"):
        merge([book("1/2", ("ada",)), book("2/2", ("ada",))])
    other = book("2/2", ("grace",))
    other.catalog = {**CATALOG, "02_y.ipynb": {"questions": [], "problem": None}}
    with pytest.raises(GradebookError, match=r"graded against different versions of 02_y\.ipynb"):
        merge([book("1/2", ("ada",)), other])


def test_the_command_line_merges_and_says_why_it_cannot(tmp_path, capsys):
    book("1/2", ("ada",)).write(tmp_path / "a")
    assert main(["gradebook", "merge", str(tmp_path / "a"), "--to", str(tmp_path / "out")]) == 1
    assert "error: shard 2/2 is missing" in capsys.readouterr().err
    assert main(["gradebook", "merge", str(tmp_path / "nowhere"), "--to", str(tmp_path / "out")]) == 1
    assert "gradebook.json does not exist: grade with --gradebook" in capsys.readouterr().err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "gradebook.json").write_text(json.dumps({"format": "other"}))
    assert main(["gradebook", "merge", str(tmp_path / "bad"), "--to", str(tmp_path / "out")]) == 1
    assert "is not a gradebook written by" in capsys.readouterr().err
    book("2/2", ("grace",)).write(tmp_path / "b")
    assert main(["gradebook", "merge", str(tmp_path / "a"), str(tmp_path / "b"), "--to", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("graded 2 of 2 learners (3 notebooks)")
    assert (tmp_path / "out" / "gradebook.csv").exists() and (tmp_path / "out" / "feedback" / "grace.md").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "1/2"], "--shard, --expect and --lessons grade a class: add --gradebook DIR"),
        (["--gradebook", "out", "--shard", "3/2"], "--shard must be i/N with 1 <= i <= N (got '3/2')"),
    ],
)
def test_class_options_are_checked_before_anything_runs(args, message, tmp_path, capsys):
    assert main(["grade", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
