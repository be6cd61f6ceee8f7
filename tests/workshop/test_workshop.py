"""A workshop, scripted as an instructor runs one: hand out, collect, grade in two shards, merge, give back.

The course's own lesson 1 is released to a folder; three learners hand in its exercise: Ada the
solution (in a folder of her own), Grace the untouched exercise (in a folder), Linus a half-done
notebook (a file named after him, as learning platforms export it). Two grading runs, `--shard 1/2` and
`--shard 2/2`, each write a gradebook; `gradebook merge` joins them. The expected totals come from
the solution's tags, never from the grader.
"""

from __future__ import annotations

import copy
import csv
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from course.__main__ import main
from course.grading import read_notebook, solution_questions
from course.grading.execute import tags
from course.grading.handout import leaks
from course.grading.roster import in_shard

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "01_api_gateway.ipynb"
LEARNERS = ("ada", "grace", "linus")  # the solution, the untouched exercise, the half-done notebook (shards 1, 2, 1)
SEED = 31337

pytestmark = pytest.mark.skipif(not (REPO / "solutions" / NOTEBOOK).exists(), reason="no lesson 1 in this checkout")


def half_done(solution, exercise):
    """The exercise with the answers of its first half of questions copied from the solution (cells match by id)."""
    checks = [i for i, c in enumerate(solution.cells) if any(t.startswith("check:") for t in tags(c))]
    cut = checks[len(checks) // 2 - 1]  # the check cell of the last question answered
    answers = {c.id: c for c in solution.cells[: cut + 1]}
    done = copy.deepcopy(exercise)
    done.cells = [copy.deepcopy(answers.get(c.id, c)) for c in done.cells]
    for cell in done.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return done, len(checks) // 2


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    root = tmp_path_factory.mktemp("workshop")
    handout = root / "handout"
    assert main(["release", "--to", str(handout), "--zip", "--solutions", str(REPO / "solutions"),
                 "--exercises", str(REPO / "exercises"), "--lessons", str(REPO / "lessons")]) == 0  # fmt: skip

    solution = read_notebook(REPO / "solutions" / NOTEBOOK)
    exercise = read_notebook(handout / "exercises" / NOTEBOOK)  # what the learners were given
    partly, answered = half_done(solution, exercise)
    submissions = root / "submissions"
    for name in ("ada", "grace"):
        (submissions / name).mkdir(parents=True)
    nbformat.write(solution, str(submissions / "ada" / NOTEBOOK))
    nbformat.write(exercise, str(submissions / "grace" / NOTEBOOK))
    nbformat.write(partly, str(submissions / f"linus_{NOTEBOOK}"))

    runs = {}
    for shard in ("1/2", "2/2"):
        out = root / f"shard-{shard[0]}"
        status = main(["grade", str(submissions), "--solutions", str(REPO / "solutions"), "--gradebook", str(out),
                       "--shard", shard, "--seed", str(SEED), "--jobs", "2", "--quiet"])  # fmt: skip
        runs[shard] = (status, out)
    merged = root / "gradebook"
    merge_status = main(["gradebook", "merge", str(runs["1/2"][1]), str(runs["2/2"][1]), "--to", str(merged)])
    points = {q.id: q.points for q in solution_questions(solution)}
    first = list(points)[:answered]
    return {
        "root": root,
        "handout": handout,
        "runs": runs,
        "merged": merged,
        "merge_status": merge_status,
        "points": points,
        "answered": first,
    }


def test_the_handout_holds_lessons_exercises_and_the_course_but_no_solution_and_no_hidden_check(workshop):
    handout = workshop["handout"]
    assert {p.name for p in handout.iterdir()} >= {"lessons", "exercises", "course", "README.md", "pyproject.toml"}
    assert sorted(p.name for p in (handout / "exercises").glob("*.ipynb")) == sorted(
        p.name for p in (REPO / "solutions").glob("*.ipynb")
    )
    assert not list(handout.rglob("solutions"))
    assert leaks(handout, REPO / "solutions") == []
    solutions = {p.read_bytes() for p in (REPO / "solutions").glob("*.ipynb")}
    hidden = {p.read_bytes() for p in (REPO / "tests" / "grading" / "fixtures" / "hidden").glob("*.py")}
    files = [p for p in handout.rglob("*") if p.is_file()]
    assert not [p for p in files if p.read_bytes() in solutions | hidden]
    assert not [p for p in files if p.suffix == ".ipynb" and b"BEGIN SOLUTION" in p.read_bytes()]
    with zipfile.ZipFile(handout.with_suffix(".zip")) as packed:
        names = set(packed.namelist())
    assert f"handout/exercises/{NOTEBOOK}" in names and not any("solutions/" in n for n in names)


def test_each_shard_grades_its_own_learners_and_together_they_grade_everyone(workshop):
    learners = []
    for shard, (status, out) in workshop["runs"].items():
        assert status == 0  # every notebook handed in could be graded
        rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
        index, count = (int(x) for x in shard.split("/"))
        assert all(in_shard(row["learner"], (index, count)) for row in rows)
        assert rows, f"shard {shard} got no learner: the test would not show that shards add up"
        learners += [row["learner"] for row in rows]
    assert sorted(learners) == sorted(LEARNERS)


def test_the_merged_gradebook_has_a_row_per_learner_with_the_right_totals(workshop):
    assert workshop["merge_status"] == 0
    points = workshop["points"]
    table = csv.DictReader((workshop["merged"] / "gradebook.csv").open(encoding="utf-8"))
    rows = {row["learner"]: row for row in table}
    assert list(rows) == sorted(LEARNERS)
    full = sum(points.values())
    half = sum(points[q] for q in workshop["answered"])
    assert 0 < half < full
    expected = {"ada": full, "grace": 0, "linus": half}
    for learner, total in expected.items():
        row = rows[learner]
        assert (float(row["points"]), int(row["max_points"])) == (total, full), row
        assert float(row["percent"]) == round(100 * total / full, 1)
        assert sum(float(row[q]) for q in points) == total  # one column per question, adding up
    assert [float(rows["linus"][q]) for q in points] == [points[q] if q in workshop["answered"] else 0 for q in points]


def test_every_learner_gets_a_feedback_file_that_says_what_to_revise(workshop):
    folder = workshop["merged"] / "feedback"
    assert sorted(p.name for p in folder.iterdir()) == [f"{name}.md" for name in sorted(LEARNERS)]
    ada, grace, linus = ((folder / f"{name}.md").read_text(encoding="utf-8") for name in LEARNERS)
    full = sum(workshop["points"].values())
    assert f"**{full} of {full} points (100 %).**" in ada and "What to work on" not in ada
    assert grace.count("not attempted yet") == len(workshop["points"])
    assert "Revise *Routing: which service owns this path?* in lessons/01_api_gateway.ipynb." in grace
    unanswered = [q for q in workshop["points"] if q not in workshop["answered"]]
    work = linus.split("### What to work on", 1)[1]
    assert all(f"(`{q}`)" in linus for q in workshop["points"])
    assert work.count("\n- **") == len(unanswered) and "Revise *" in work


def test_the_merged_json_names_both_shards_and_the_seed(workshop):
    data = json.loads((workshop["merged"] / "gradebook.json").read_text(encoding="utf-8"))
    assert sorted(data["shards"]) == ["1/2", "2/2"] and data["seeds"] == [SEED]
    assert data["expected"] == [NOTEBOOK]
