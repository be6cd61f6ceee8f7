import copy
import shutil
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.__main__ import main
from course.grading import STUB, ReleaseError, drift, make_exercise, read_notebook, release, strip_solution
from course.grading.exercises import skeleton, strip_markdown_answer

from .notebook_fixtures import SOLUTION_CELLS, make_notebook, with_support_files

REPO = Path(__file__).resolve().parents[2]


def test_only_the_marked_lines_are_replaced_at_the_markers_indentation():
    source = (
        "def allow(now):\n"
        '    """Return True when the request may pass."""\n'
        "    # tokens refill before each request\n"
        "    # BEGIN SOLUTION\n"
        "    refill(now)\n"
        "    return take()\n"
        "    # END SOLUTION\n"
        "\n"
        "limit = 3  # kept"
    )
    assert strip_solution(source) == (
        "def allow(now):\n"
        '    """Return True when the request may pass."""\n'
        "    # tokens refill before each request\n"
        f"    {STUB}\n"
        "\n"
        "limit = 3  # kept",
        1,
    )


def test_several_blocks_and_top_level_blocks_each_become_one_stub():
    source = "# BEGIN SOLUTION\nx = 1\n# END SOLUTION\ny = 2\nif y:\n"
    source += "        # BEGIN SOLUTION\n        z = 3\n        # END SOLUTION"
    assert strip_solution(source) == (f"{STUB}\ny = 2\nif y:\n        {STUB}", 2)


def test_a_cell_without_markers_is_unchanged():
    assert strip_solution("print('hi')\n# BEGINNING is not a marker") == ("print('hi')\n# BEGINNING is not a marker", 0)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("# BEGIN SOLUTION\nx = 1", "line 1: BEGIN SOLUTION is never closed"),
        (
            "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION",
            "line 2: BEGIN SOLUTION inside the block opened on line 1",
        ),
        ("x = 1\n# END SOLUTION", "line 2: END SOLUTION without a BEGIN SOLUTION"),
    ],
)
def test_unbalanced_markers_name_the_line(source, message):
    with pytest.raises(ReleaseError, match=message):
        strip_solution(source, "demo.ipynb, cell 3")


def test_markdown_answers_are_removed_and_unbalanced_ones_refused():
    text = "Predict the 429s.\n<!-- BEGIN SOLUTION -->\nAbout **40**: the bucket holds 20.\n"
    text += "<!-- END SOLUTION -->\nThen run."
    assert strip_markdown_answer(text) == "Predict the 429s.\n\nThen run."
    with pytest.raises(ReleaseError, match="unbalanced"):
        strip_markdown_answer("<!-- BEGIN SOLUTION --> no end")


def test_make_exercise_tags_stub_cells_clears_outputs_and_leaves_the_solution_alone(course_dirs):
    solution = copy.deepcopy(course_dirs.solution)
    exercise = make_exercise(solution)
    assert solution == course_dirs.solution
    assert [c.id for c in exercise.cells] == [c.id for c in solution.cells]
    assert [c.metadata.get("tags", []) for c in exercise.cells] == [
        [],
        [],
        ["raises-exception"],
        ["check:demo.add"],
        ["raises-exception"],
        ["check:demo.first_word", "points:2", "partial"],
        ["raises-exception"],
        ["check:demo.vocabulary"],
        ["raises-exception"],
        ["check:demo.mean"],
    ]
    assert exercise.cells[1].source == "# Demo\nWrite `add`."
    assert exercise.cells[2].source == f'def add(a, b):\n    """Return the sum of a and b."""\n    {STUB}'
    assert all(c.outputs == [] and c.execution_count is None for c in exercise.cells if c.cell_type == "code")
    assert make_exercise(make_exercise(solution)) == make_exercise(solution)  # tags are added once


def test_released_exercises_are_executed_not_copied_from_the_solution(course_dirs):
    exercise = course_dirs.exercise
    assert skeleton(exercise) == skeleton(make_exercise(course_dirs.solution))
    code = [c for c in exercise.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert [o.text for o in exercise.cells[3].outputs] == [
        "… demo.add: not attempted yet (replace the raise NotImplementedError with your code)\n"
    ]
    assert [o.text for o in exercise.cells[7].outputs] == [
        "… demo.vocabulary: not attempted yet (replace the raise NotImplementedError with your code)\n"
    ]
    assert [o.text for o in course_dirs.solution.cells[3].outputs] == [
        "✓ demo.add: all 3 checks passed (your instructor may run more checks)\n"
    ]
    assert [o.text for o in course_dirs.solution.cells[7].outputs] == [  # it read words.txt next to it
        "✓ demo.vocabulary: the only check passed (your instructor may run more checks)\n"
    ]
    assert "widgets" not in exercise.metadata and exercise.metadata.kernelspec.name == "python3"


def test_release_check_passes_when_in_step_and_names_each_drifted_file(course_dirs, tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(course_dirs.solutions, solutions)
    shutil.copytree(course_dirs.exercises, exercises)
    args = ["release", "--check", "--solutions", str(solutions), "--exercises", str(exercises)]
    assert main(args) == 0
    assert capsys.readouterr().out == f"{exercises}: 1 exercise notebook(s) match {solutions}\n"
    before = {p.name: p.read_bytes() for p in exercises.iterdir()}

    edited = read_notebook(solutions / "demo.ipynb")
    edited.cells[2].source = edited.cells[2].source.replace("a + b", "b + a")  # inside the markers: no drift
    edited.cells[3].source = 'check("demo.add", add)  # edited'
    nbformat.write(edited, str(solutions / "demo.ipynb"))
    nbformat.write(make_notebook(SOLUTION_CELLS[:1]), str(solutions / "second.ipynb"))
    nbformat.write(make_notebook(SOLUTION_CELLS[:1]), str(exercises / "orphan.ipynb"))
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{exercises / 'demo.ipynb'} is out of date with {solutions / 'demo.ipynb'}: cell 4 source differs" in err
    assert f"{exercises / 'second.ipynb'} is missing" in err
    assert f"{exercises / 'orphan.ipynb'} has no solution" in err
    assert "run `python -m course release`" in err
    assert {p.name: p.read_bytes() for p in exercises.iterdir() if p.name != "orphan.ipynb"} == before


def test_drift_reports_types_tags_and_cell_counts():
    nb = make_notebook(SOLUTION_CELLS)
    other = copy.deepcopy(nb)
    other.cells[3].metadata["tags"] = []
    assert drift(nb, other) == "cell 4 tags differs"
    other = copy.deepcopy(nb)
    other.cells.pop()
    assert drift(nb, other) == "it has 9 cells, the solution gives 10"
    assert drift(nb, copy.deepcopy(nb)) is None


def test_an_exercise_that_fails_to_run_is_reported_and_not_written(tmp_path):
    solutions, exercises = with_support_files(tmp_path / "solutions"), tmp_path / "exercises"
    cells = [("code", "# BEGIN SOLUTION\nanswer = 42\n# END SOLUTION", []), ("code", "print(answer)", ["check:demo.x"])]
    nbformat.write(make_notebook(cells), str(solutions / "broken.ipynb"))
    problems = release(solutions, exercises, cell_timeout=30)
    assert problems == [
        f"{exercises / 'broken.ipynb'}: cell 2 ('print(answer)') raised NameError: name 'answer' is not defined "
        "(tag the cell raises-exception if that is intended)"
    ]
    assert not (exercises / "broken.ipynb").exists()


def test_a_solution_with_unbalanced_markers_is_reported_with_its_cell(tmp_path):
    (tmp_path / "solutions").mkdir()
    nbformat.write(make_notebook([("code", "# BEGIN SOLUTION\nx = 1", [])]), str(tmp_path / "solutions" / "bad.ipynb"))
    assert release(tmp_path / "solutions", tmp_path / "exercises", execute=False) == [
        f"{tmp_path / 'solutions' / 'bad.ipynb'}, cell 1, line 1: BEGIN SOLUTION is never closed: add # END SOLUTION"
    ]


def test_the_committed_exercises_match_their_solutions():
    """Runs over whatever solutions the course has (none yet is fine: the fixtures above test the machinery)."""
    solutions = sorted((REPO / "solutions").glob("*.ipynb"))
    for solution in solutions:
        exercise = REPO / "exercises" / solution.name
        assert exercise.exists(), f"{exercise} is missing: run python -m course release"
        expected = make_exercise(read_notebook(solution))
        assert drift(expected, read_notebook(exercise)) is None, f"{exercise} drifted: run python -m course release"
    for exercise in sorted((REPO / "exercises").glob("*.ipynb")):
        assert (REPO / "solutions" / exercise.name).exists(), f"{exercise} has no solution"
    assert release(REPO / "solutions", REPO / "exercises", check=True) == []


plain_lines = st.lists(st.from_regex(r"[a-z =0-9()]{0,12}", fullmatch=True), max_size=4)


@given(st.lists(st.tuples(plain_lines, plain_lines, st.sampled_from(["", "    ", "\t"])), min_size=1, max_size=4))
def test_stripping_keeps_every_unmarked_line_and_drops_every_marked_one(parts):
    source, expected = [], []
    for kept, answer, indent in parts:
        source += [*kept, f"{indent}# BEGIN SOLUTION", *answer, f"{indent}# END SOLUTION"]
        expected += [*kept, f"{indent}{STUB}"]
    assert strip_solution("\n".join(source)) == ("\n".join(expected), len(parts))
