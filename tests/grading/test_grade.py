"""The grader on a tiny course: each learner folder holds a demo.ipynb written the way a learner might."""

import copy
import csv
import hashlib
import json
import time
from pathlib import Path

import nbformat
import pytest

from course.__main__ import main
from course.grading import GradeReport, grade, grade_notebook, solution_questions

from .notebook_fixtures import FULL_MARKS, replace_stub, variant, write_learner

SEED = 20240607  # the grading seed of these tests (never 0, the notebooks' own)
SWALLOW = "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except BaseException:\n        pass"


def learners(course):
    """Learner notebooks by name, each a variation on the solution or the exercise."""
    sol, ex = course.solution, course.exercise

    scratch = copy.deepcopy(sol)  # the solution, with cells inserted and a markdown cell deleted
    del scratch.cells[1]
    scratch.cells.insert(0, nbformat.v4.new_markdown_cell("My notes"))
    scratch.cells.insert(4, nbformat.v4.new_code_cell("print('trying things')"))

    pasted = copy.deepcopy(ex)  # wrong code, with the solution's outputs pasted in
    replace_stub(pasted, 2, "    return a - b")
    replace_stub(pasted, 4, "    while True:\n        pass")
    replace_stub(pasted, 6, "        return ['fox']")
    replace_stub(pasted, 8, "    return 0")
    for mine, theirs in zip(pasted.cells, sol.cells, strict=True):
        if mine.cell_type == "code":
            mine.outputs, mine.execution_count = copy.deepcopy(theirs.outputs), theirs.execution_count

    mixed = copy.deepcopy(ex)
    replace_stub(mixed, 2, "    return a + b if abs(a) < 1000 else 0")  # passes the visible checks only
    replace_stub(mixed, 4, "    return text.split(' ')[0]")  # wrong when the text starts with spaces
    replace_stub(mixed, 6, "        return sorted(f.read().split())")  # not distinct
    mixed.cells[8].source = "from statistics import fmean as mean"  # off-limits for demo.mean

    loop = variant(sol, c2="while True:\n    pass\n" + sol.cells[2].source)

    dead = copy.deepcopy(sol)
    dead.cells.insert(4, nbformat.v4.new_code_cell("import os\nos._exit(1)"))

    return {"scratch": scratch, "exercise": ex, "pasted": pasted, "mixed": mixed, "loop": loop, "dead": dead}


@pytest.fixture(scope="module")
def graded(course_dirs, tmp_path_factory):
    root = tmp_path_factory.mktemp("learners")
    paths = {name: write_learner(root, name, nb) for name, nb in learners(course_dirs).items()}
    paths["malformed"] = root / "malformed" / "demo.ipynb"
    paths["malformed"].parent.mkdir()
    paths["malformed"].write_text('{"cells": [ not json')
    paths["passwd"] = root / "passwd" / "demo.ipynb"
    paths["passwd"].parent.mkdir()
    paths["passwd"].write_text("root:x:0:0:s3cret-line:/root:/bin/bash\n")
    paths["other"] = root / "other" / "other.ipynb"
    paths["other"].parent.mkdir()
    nbformat.write(course_dirs.solution, str(paths["other"]))
    paths["link"] = root / "link" / "demo.ipynb"
    paths["link"].parent.mkdir()
    paths["link"].symlink_to(course_dirs.solutions / "demo.ipynb")
    before = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in paths.items()}
    (root / "empty").mkdir()
    order = [*paths.values(), root / "ghost" / "demo.ipynb", root / "empty"]
    started = time.monotonic()
    report = grade(
        order,
        course_dirs.solutions,
        course_dirs.hidden,
        cell_timeout=4,
        timeout=90,
        jobs=2,
        questions=[course_dirs.questions],
        seed=SEED,
    )
    seconds = time.monotonic() - started
    by_name = dict(zip([*paths, "ghost", "empty"], report.notebooks, strict=True))
    after = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in paths.items()}
    return {"grades": by_name, "paths": paths, "before": before, "after": after, "report": report, "seconds": seconds}


def rows(grade):
    return {q.question: (q.points, q.status, q.reason) for q in grade.questions}


def test_the_solution_scores_full_marks_even_with_cells_inserted_and_deleted(graded):
    scratch = graded["grades"]["scratch"]
    assert {q: r[:2] for q, r in rows(scratch).items()} == {
        "demo.add": (1, "pass"),  # the hidden check too
        "demo.first_word": (2, "pass"),
        "demo.vocabulary": (1, "pass"),  # it read words.txt next to the notebook
        "demo.mean": (1, "pass"),
    }
    assert (scratch.points, scratch.max_points, scratch.ok) == (FULL_MARKS, FULL_MARKS, True)


def test_the_untouched_exercise_scores_zero(graded):
    exercise = graded["grades"]["exercise"]
    assert (exercise.points, exercise.max_points) == (0, FULL_MARKS)
    assert set(rows(exercise).values()) == {
        (0, "fail", "not attempted yet (replace the raise NotImplementedError with your code)")
    }


def test_wrong_code_with_the_solutions_outputs_pasted_in_scores_zero_and_shows_input_expected_returned(graded):
    pasted = rows(graded["grades"]["pasted"])
    assert pasted["demo.add"] == (
        0,
        "fail",
        "0 of 4 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -1)",
    )
    assert pasted["demo.first_word"][:2] == (0, "fail")  # an infinite loop inside the learner's function
    assert "your code did not finish within 2 s (an infinite loop?)" in pasted["demo.first_word"][2]
    assert pasted["demo.vocabulary"][2].endswith("returned ['fox'])")
    assert "expected ['brown', 'dog', 'fox'," in pasted["demo.vocabulary"][2]


def test_hidden_checks_partial_credit_and_off_limits_code_each_get_their_own_row(graded):
    mixed = rows(graded["grades"]["mixed"])
    assert mixed["demo.add"] == (
        0,
        "fail",
        "3 of 4 checks passed; a hidden check failed: add(10**6, 1) should be 1000001 "
        "(input (1000000, 1); expected 1000001; returned 0)",
    )
    points, status, reason = mixed["demo.first_word"]  # points:2 split over 4 checks: 3 passed
    assert (points, status) == (1.5, "fail") and reason.startswith("3 of 4 checks passed; first_word('  ")
    assert mixed["demo.vocabulary"][:2] == (0, "fail")
    assert mixed["demo.mean"] == (
        0,
        "fail",
        "uses statistics.fmean (cell 9), which demo.mean puts off-limits: write that part yourself",
    )
    assert graded["grades"]["mixed"].points == 1.5


def test_a_loop_in_an_answer_cell_is_blamed_on_that_cell_and_the_other_questions_still_count(graded):
    loop = graded["grades"]["loop"]
    assert rows(loop)["demo.add"] == (
        0,
        "timeout",
        'cell 3 ("while True:") ran past the 4 s limit, so add was never defined',
    )
    assert loop.points == FULL_MARKS - 1


def test_a_dead_kernel_is_reported_and_the_other_notebooks_are_still_graded(graded):
    dead = graded["grades"]["dead"]
    assert {q.reason for q in dead.questions} == {
        'the kernel died while cell 5 ("import os") was running (os._exit, a crash, or out of memory?)'
    }
    assert dead.error == dead.questions[0].reason and dead.max_points == FULL_MARKS
    assert graded["grades"]["scratch"].ok  # graded beside it, in the same run


def test_unreadable_notebooks_keep_their_points_in_the_total_and_never_echo_the_file(graded):
    malformed, passwd = graded["grades"]["malformed"], graded["grades"]["passwd"]
    assert malformed.error == (
        "demo.ipynb could not be read: not a valid notebook (not JSON: Expecting value at line 1, column 13)"
    )
    assert [(q.status, q.max_points) for q in malformed.questions] == [
        ("error", 1),
        ("error", 2),
        ("error", 1),
        ("error", 1),
    ]
    assert passwd.max_points == FULL_MARKS
    assert "s3cret" not in json.dumps(graded["report"].to_dict()) + graded["report"].table()


def test_links_missing_paths_and_empty_folders_each_get_a_sentence(graded, course_dirs):
    link, ghost, empty = (graded["grades"][name] for name in ("link", "ghost", "empty"))
    assert link.error == "demo.ipynb is a symbolic link, not a notebook: hand in the notebook file itself"
    assert (link.points, link.max_points) == (0, FULL_MARKS)
    assert ghost.error.endswith("ghost/demo.ipynb does not exist") and ghost.max_points == FULL_MARKS
    assert empty.error.endswith("empty is an empty folder: no notebook (.ipynb) to grade")
    assert [(r.question, r.status) for r in empty.rows()] == [("(notebook)", "error")]
    other = graded["grades"]["other"]
    assert other.error == f"no solution named other.ipynb in {course_dirs.solutions} (solutions there: demo.ipynb)"


def test_the_learners_files_are_byte_identical_after_grading(graded):
    assert graded["after"] == graded["before"]
    assert sorted(p.name for p in graded["paths"]["scratch"].parent.iterdir()) == ["demo.ipynb", "words.txt"]


def test_the_report_is_ordered_as_given_names_its_seed_and_isolation_and_fails_as_a_whole(graded):
    report = graded["report"]
    assert [Path(nb.notebook).parent.name for nb in report.notebooks] == [
        "scratch", "exercise", "pasted", "mixed", "loop", "dead", "malformed", "passwd", "other", "link", "ghost",
        "learners0",
    ]  # fmt: skip
    assert not report.ok and GradeReport([graded["grades"]["scratch"]]).ok
    notes = report.table().splitlines()[-2:]
    assert notes[0] == f"note: the checks were drawn with seed {SEED} (--seed {SEED} draws the same)"
    assert notes[1].startswith("note: isolation: ")


def test_json_and_csv_reports_hold_every_row_with_fractions_and_details(graded, tmp_path):
    report = graded["report"]
    report.write_json(tmp_path / "grades.json")
    report.write_csv(tmp_path / "grades.csv")
    data = json.loads((tmp_path / "grades.json").read_text())
    assert data["seed"] == SEED and data["isolation"].startswith("isolation: ")
    mixed = next(nb for nb in data["notebooks"] if "/mixed/" in nb["notebook"])
    first_word = next(q for q in mixed["questions"] if q["question"] == "demo.first_word")
    assert (first_word["points"], first_word["details"]["passed"], first_word["details"]["total"]) == (1.5, 3, 4)
    assert first_word["details"]["failures"][0]["detail"].startswith("input ('  ")
    table = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert [r["points"] for r in table if "/mixed/" in r["notebook"]] == ["0", "1.5", "0", "0"]
    assert table[-1]["question"] == "(notebook)" and table[-1]["status"] == "error"


def test_a_cell_that_swallows_keyboard_interrupt_stops_the_notebook_quickly(course_dirs, tmp_path):
    swallow = copy.deepcopy(course_dirs.solution)
    swallow.cells.insert(4, nbformat.v4.new_code_cell(SWALLOW))
    path = write_learner(tmp_path, "swallow", swallow)
    started = time.monotonic()
    graded = grade_notebook(path, course_dirs.solutions, cell_timeout=2, timeout=120, questions=[course_dirs.questions])
    assert time.monotonic() - started < 60  # the kernel was found stuck: no waiting for the 120 s limit
    assert graded.error == (
        'cell 5 ("import time") ran past the 2 s limit and did not stop when interrupted (does it catch '
        "KeyboardInterrupt or BaseException?), so the cells after it could not run"
    )
    assert {q.reason for q in graded.questions} == {graded.error} and graded.points == 0


def test_the_command_line_prints_the_table_and_exits_non_zero_on_failures(graded, course_dirs, tmp_path, capsys):
    paths = graded["paths"]
    args = ["grade", str(paths["malformed"]), str(paths["other"]), "--solutions", str(course_dirs.solutions)]
    assert main([*args, "--json", str(tmp_path / "g.json"), "--csv", str(tmp_path / "g.csv")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["notebook", "question", "points", "result"]
    assert out[1].split()[:4] == [str(paths["malformed"]), "demo.add", "0/1", "error:"]
    assert (tmp_path / "g.json").exists() and (tmp_path / "g.csv").exists()
    assert main(["grade", str(paths["other"]), "--hidden", str(tmp_path / "nowhere")]) == 2
    assert main(["grade", str(paths["other"]), "--questions", str(tmp_path / "nowhere")]) == 2
    assert main(["grade", str(paths["other"]), "--memory", "0"]) == 2
    assert "memory_mb must be a whole number of at least 1 (got 0)" in capsys.readouterr().err


def test_the_command_line_exits_zero_when_everything_passes(graded, course_dirs, capsys):
    folder = graded["paths"]["scratch"].parent
    args = ["grade", str(folder), "--solutions", str(course_dirs.solutions), "--questions", str(course_dirs.questions)]
    assert main([*args, "--cell-timeout", "20", "--timeout", "90", "--seed", "7"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-3].split() == [str(graded["paths"]["scratch"]), "total", f"{FULL_MARKS}/{FULL_MARKS}"]
    assert out[-2] == "note: the checks were drawn with seed 7 (--seed 7 draws the same)"


def test_solution_questions_read_points_partial_and_refuse_failing_references(course_dirs):
    questions = solution_questions(course_dirs.solution)
    assert [(q.id, q.points, q.partial, q.problem) for q in questions] == [
        ("demo.add", 1, False, None),
        ("demo.first_word", 2, True, None),
        ("demo.vocabulary", 1, False, None),
        ("demo.mean", 1, False, None),
    ]
    tagged = nbformat.v4.new_code_cell("x", metadata={"tags": ["check:a.b", "points:two"]})
    assert solution_questions(nbformat.v4.new_notebook(cells=[tagged]), "s.ipynb")[0].problem == (
        "s.ipynb, cell 1: the tag points:two must be a whole number, e.g. points:2"
    )
    failing = nbformat.v4.new_code_cell("x", metadata={"tags": ["check:a.b"]})
    failing.outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="name 'x' is not defined")]
    assert solution_questions(nbformat.v4.new_notebook(cells=[failing]), "s.ipynb")[0].problem == (
        "s.ipynb, cell 1 raised NameError: name 'x' is not defined in the solution itself: fix the solution"
    )


def test_the_private_copy_holds_regular_files_only(tmp_path, monkeypatch):
    from course.grading import learner_run as grading

    source = tmp_path / "alice"
    (source / "data").mkdir(parents=True)
    (source / "data" / "rates.csv").write_text("1,2\n")
    (source / "data" / "old.ipynb").write_text("{}")
    (source / ".ipynb_checkpoints").mkdir()
    (source / "__pycache__").mkdir()
    (source / "notes.txt").write_text("x" * 100)
    (source / "bob.ipynb").write_text("{}")
    (source / "secrets").symlink_to(tmp_path)  # a link to a folder is not followed
    (source / "passwd").symlink_to("/etc/passwd")  # nor a link to a file
    note = grading._copy_folder(source, tmp_path / "copy")
    assert note == "1 link(s) or special file(s) next to the notebook were not copied: only regular files are"
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["data", "data/rates.csv", "notes.txt"]

    monkeypatch.setattr(grading, "COPY_LIMIT", 50)
    note = grading._copy_folder(source, tmp_path / "small")
    assert note.startswith("the files next to the notebook (2 files, 0 MB) were not copied")
    assert list((tmp_path / "small").iterdir()) == []


def test_folders_are_searched_for_notebooks_and_jobs_must_be_positive(tmp_path):
    from course.grading.grader import _expand

    (tmp_path / "a" / ".ipynb_checkpoints").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    for name in ("a/01.ipynb", "a/.ipynb_checkpoints/01-checkpoint.ipynb", "b.ipynb"):
        (tmp_path / name).write_text("{}")
    assert _expand([tmp_path / "a", tmp_path / "b.ipynb", tmp_path / "empty"]) == [
        tmp_path / "a" / "01.ipynb",
        tmp_path / "b.ipynb",
        (str(tmp_path / "empty"), f"{tmp_path / 'empty'} is an empty folder: no notebook (.ipynb) to grade"),
    ]
    with pytest.raises(ValueError, match="jobs must be a whole number of at least 1"):
        grade([], jobs=0)
