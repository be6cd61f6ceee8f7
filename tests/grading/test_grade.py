"""The grader on a tiny course: each learner folder holds a demo.ipynb written the way a learner might."""

import copy
import csv
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from course.__main__ import main
from course.grading import GradeReport, grade, grade_notebook, solution_questions

from .notebook_fixtures import with_support_files

SWALLOW = "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except BaseException:\n        pass"
SOLUTION_ADD_LINE = "✓ demo.add: all 3 checks passed (your instructor may run more checks)"


def replace_stub(nb, cell, new_body):
    """Put the learner's code where the exercise says 'replace this line with your code'."""
    nb.cells[cell].source = "\n".join(
        new_body if "NotImplementedError" in line else line for line in nb.cells[cell].source.split("\n")
    )


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
    replace_stub(pasted, 6, '    print(0, "words")')
    for mine, theirs in zip(pasted.cells, sol.cells, strict=True):
        if mine.cell_type == "code":
            mine.outputs, mine.execution_count = copy.deepcopy(theirs.outputs), theirs.execution_count

    mixed = copy.deepcopy(ex)
    replace_stub(mixed, 2, "    return a + b if abs(a) < 1000 else 0")  # passes the visible checks only
    replace_stub(mixed, 4, "    return text.split()[0] if text else ''")
    mixed.cells[5].source = f"print({sol.cells[5].outputs[0].text.strip()!r})"  # a faked check line
    mixed.cells[6].source = "while True:\n    pass"  # an infinite loop in a check cell

    swallow = copy.deepcopy(sol)
    swallow.cells.insert(4, nbformat.v4.new_code_cell(SWALLOW))

    dead = copy.deepcopy(sol)
    dead.cells.insert(4, nbformat.v4.new_code_cell("import os\nos._exit(1)"))

    return {"scratch": scratch, "exercise": ex, "pasted": pasted, "mixed": mixed, "swallow": swallow, "dead": dead}


@pytest.fixture(scope="module")
def graded(course_dirs, tmp_path_factory):
    root = tmp_path_factory.mktemp("learners")
    paths = {}
    for name, nb in learners(course_dirs).items():
        paths[name] = with_support_files(root / name) / "demo.ipynb"
        nbformat.write(nb, str(paths[name]))
    paths["malformed"] = root / "malformed" / "demo.ipynb"
    paths["malformed"].parent.mkdir()
    paths["malformed"].write_text('{"cells": [ not json')
    paths["other"] = root / "other" / "other.ipynb"
    paths["other"].parent.mkdir()
    nbformat.write(course_dirs.solution, str(paths["other"]))
    before = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in paths.items()}

    quick = [name for name in paths if name != "swallow"]
    with ThreadPoolExecutor(1) as aside:  # the 10 s kill runs beside the others
        swallow = aside.submit(grade_notebook, paths["swallow"], course_dirs.solutions, cell_timeout=2, timeout=10)
        report = grade(
            [paths[name] for name in quick],
            course_dirs.solutions,
            course_dirs.hidden,
            cell_timeout=4,
            timeout=60,
            jobs=2,
        )
    by_name = dict(zip(quick, report.notebooks, strict=True))
    by_name["swallow"] = swallow.result()
    after = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in paths.items()}
    return {"grades": by_name, "paths": paths, "before": before, "after": after, "report": report}


def rows(grade):
    return {q.question: (q.points, q.status, q.reason) for q in grade.questions}


def test_the_solution_scores_full_marks_even_with_cells_inserted_and_deleted(graded):
    scratch = graded["grades"]["scratch"]
    assert rows(scratch) == {
        "demo.add": (1, "pass", ""),
        "demo.first_word": (2, "pass", ""),
        "demo.count": (1, "pass", ""),  # it reads words.txt next to the notebook
    }
    assert (scratch.points, scratch.max_points, scratch.ok) == (4, 4, True)


def test_the_untouched_exercise_scores_zero(graded):
    exercise = graded["grades"]["exercise"]
    assert exercise.points == 0 and exercise.max_points == 4
    assert rows(exercise)["demo.add"] == (
        0,
        "fail",
        f'output differs from the solution\'s: expected "{SOLUTION_ADD_LINE}", got "… demo.add: not attempted yet '
        '(replace the raise NotImplementedError with your code)"',
    )
    assert rows(exercise)["demo.count"] == (
        0,
        "fail",
        "the check cell raised NotImplementedError: replace this line with your code",
    )


def test_wrong_code_with_the_solutions_outputs_pasted_in_scores_zero(graded):
    pasted = rows(graded["grades"]["pasted"])
    assert pasted["demo.add"][:2] == (0, "fail")
    assert 'got "✗ demo.add: 0 of 3 checks passed. Hint: add(2, 3) should be 5"' in pasted["demo.add"][2]
    assert pasted["demo.first_word"][:2] == (0, "fail")  # an infinite loop in the learner's function
    assert "Hint: your code did not finish within 2 s (an infinite loop?)" in pasted["demo.first_word"][2]
    assert pasted["demo.count"] == (0, "fail", 'output differs from the solution\'s: expected "9 words", got "0 words"')


def test_hidden_checks_fake_prints_and_infinite_loops_each_get_their_own_row(graded):
    mixed = graded["grades"]["mixed"]
    assert rows(mixed) == {
        "demo.add": (0, "fail", "a hidden check failed: add(10**6, 1) should be 1000001"),
        "demo.first_word": (0, "fail", "check('demo.first_word', ...) never ran, so there is no answer to verify"),
        "demo.count": (0, "timeout", "cell 7 did not finish within 4 s (an infinite loop?)"),
    }


def test_a_cell_that_swallows_keyboard_interrupt_is_killed_at_the_notebook_limit(graded):
    swallow = graded["grades"]["swallow"]
    assert {q.status for q in swallow.questions} == {"timeout"} and swallow.points == 0
    assert swallow.error == (
        'the notebook did not finish within 10 s and was stopped: cell 5 ("import time") did not stop when interrupted '
        "after 2 s (does it catch KeyboardInterrupt or BaseException?), so the cells after it could not run"
    )
    assert all(q.reason == swallow.error for q in swallow.questions)


def test_a_dead_kernel_is_reported_and_the_other_notebooks_are_still_graded(graded):
    dead = graded["grades"]["dead"]
    assert [q.reason for q in dead.questions] == [
        'the kernel died while cell 5 ("import os") was running (a crash, exit()?)'
    ] * 3
    assert {q.status for q in dead.questions} == {"error"}
    assert graded["grades"]["scratch"].ok  # graded after it, in the same run


def test_a_malformed_notebook_gets_a_row_per_question(graded):
    malformed = graded["grades"]["malformed"]
    assert [(q.question, q.status) for q in malformed.questions] == [
        ("demo.add", "error"),
        ("demo.first_word", "error"),
        ("demo.count", "error"),
    ]
    assert malformed.error.startswith("demo.ipynb could not be read: not a valid notebook (")


def test_a_notebook_without_a_solution_gets_one_row(graded, course_dirs):
    other = graded["grades"]["other"]
    assert other.questions == []
    assert other.error == f"no solution named other.ipynb in {course_dirs.solutions} (solutions there: demo.ipynb)"
    assert [(r.question, r.status) for r in other.rows()] == [("(notebook)", "error")]


def test_the_learners_files_are_byte_identical_after_grading(graded):
    assert graded["after"] == graded["before"]
    assert sorted(p.name for p in graded["paths"]["scratch"].parent.iterdir()) == [
        "demo.ipynb",
        "demo_checks.py",
        "words.txt",
    ]


def test_the_report_is_ordered_as_given_and_fails_as_a_whole(graded):
    report = graded["report"]
    assert [Path(nb.notebook).parent.name for nb in report.notebooks] == [
        "scratch",
        "exercise",
        "pasted",
        "mixed",
        "dead",
        "malformed",
        "other",
    ]
    assert not report.ok
    assert GradeReport([graded["grades"]["scratch"]]).ok


def test_json_and_csv_reports_hold_every_row(graded, tmp_path):
    report = graded["report"]
    report.write_json(tmp_path / "grades.json")
    report.write_csv(tmp_path / "grades.csv")
    data = json.loads((tmp_path / "grades.json").read_text())
    assert (data["points"], data["max_points"], data["ok"]) == (4, 24, False)
    assert data["notebooks"][0]["questions"][0] == {
        "question": "demo.add",
        "points": 1,
        "max_points": 1,
        "status": "pass",
        "reason": "",
    }
    table = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert len(table) == 6 * 3 + 1
    assert table[-1] == {
        "notebook": str(graded["paths"]["other"]),
        "question": "(notebook)",
        "points": "0",
        "max_points": "0",
        "status": "error",
        "reason": report.notebooks[-1].error,
    }


def test_the_command_line_prints_the_table_and_exits_non_zero_on_failures(graded, course_dirs, tmp_path, capsys):
    paths = graded["paths"]
    args = ["grade", str(paths["malformed"]), str(paths["other"]), "--solutions", str(course_dirs.solutions)]
    assert main([*args, "--json", str(tmp_path / "g.json"), "--csv", str(tmp_path / "g.csv")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["notebook", "question", "points", "result"]
    assert out[1].split()[:4] == [str(paths["malformed"]), "demo.add", "0/1", "error:"]
    assert out[-1].split()[:4] == [str(paths["other"]), "total", "0/0"]
    assert (tmp_path / "g.json").exists() and (tmp_path / "g.csv").exists()
    assert main(["grade", str(paths["other"]), "--hidden", str(tmp_path / "nowhere")]) == 2


def test_the_command_line_exits_zero_when_everything_passes(graded, course_dirs, capsys):
    args = ["grade", str(graded["paths"]["scratch"].parent), "--solutions", str(course_dirs.solutions)]
    assert main([*args, "--cell-timeout", "10", "--timeout", "60"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].split() == [str(graded["paths"]["scratch"]), "total", "4/4"]


def test_solution_questions_read_points_and_refuse_unexecuted_or_failing_references(course_dirs):
    questions = solution_questions(course_dirs.solution)
    assert [(q.id, q.points, q.problem) for q in questions] == [
        ("demo.add", 1, None),
        ("demo.first_word", 2, None),
        ("demo.count", 1, None),
    ]
    assert questions[2].reference == [("stdout", "9 words\n")]
    tagged = nbformat.v4.new_code_cell("x", metadata={"tags": ["check:a.b", "points:two"]})
    unexecuted = solution_questions(nbformat.v4.new_notebook(cells=[tagged]), "s.ipynb")
    assert unexecuted[0].problem.startswith("s.ipynb, cell 1 was never executed, so there is no reference output")
    tagged.execution_count = 1
    assert solution_questions(nbformat.v4.new_notebook(cells=[tagged]), "s.ipynb")[0].problem == (
        "s.ipynb, cell 1: the tag points:two must be a whole number, e.g. points:2"
    )
    failing = solution_questions(course_dirs.exercise, "ex.ipynb")[2]
    assert failing.problem == (
        "ex.ipynb, cell 7 raised NotImplementedError: replace this line with your code in the solution itself: "
        "fix the solution"
    )


def test_the_kernels_folder_copies_the_files_next_to_the_notebook_but_not_other_notebooks(tmp_path, monkeypatch):
    from course.grading import grader as grading

    source = tmp_path / "alice"
    (source / "data").mkdir(parents=True)
    (source / "data" / "rates.csv").write_text("1,2\n")
    (source / "data" / "old.ipynb").write_text("{}")
    (source / ".ipynb_checkpoints").mkdir()
    (source / "__pycache__").mkdir()
    (source / "notes.txt").write_text("x" * 100)
    (source / "bob.ipynb").write_text("{}")
    assert grading._copy_folder(source, tmp_path / "copy") is None
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["data", "data/rates.csv", "notes.txt"]

    monkeypatch.setattr(grading, "COPY_LIMIT", 50)
    note = grading._copy_folder(source, tmp_path / "small")
    assert note == "the files next to the notebook (0 MB) were not copied: relative paths will fail"
    assert list((tmp_path / "small").iterdir()) == []


def test_folders_are_searched_for_notebooks_and_jobs_must_be_positive(tmp_path):
    from course.grading.grader import _expand

    (tmp_path / "a" / ".ipynb_checkpoints").mkdir(parents=True)
    for name in ("a/01.ipynb", "a/.ipynb_checkpoints/01-checkpoint.ipynb", "b.ipynb"):
        (tmp_path / name).write_text("{}")
    assert _expand([tmp_path / "a", tmp_path / "b.ipynb"]) == [tmp_path / "a" / "01.ipynb", tmp_path / "b.ipynb"]
    with pytest.raises(ValueError, match="jobs must be a whole number of at least 1"):
        grade([], jobs=0)
