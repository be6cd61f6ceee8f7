"""Who handed in what: learners as folders or as files named after them, and a stable split into shards."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.grading.roster import Submission, in_shard, learner_of_file, parse_shard, roster, safe_name

SOLUTIONS = ["01_api_gateway.ipynb", "02_load_balancer.ipynb"]


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_a_class_folder_holds_learner_folders_and_files_named_after_learners(tmp_path):
    ada = touch(tmp_path / "class" / "ada" / "01_api_gateway.ipynb")
    deep = touch(tmp_path / "class" / "ada" / "week2" / "02_load_balancer.ipynb")
    grace = touch(tmp_path / "class" / "grace_02_load_balancer.ipynb")
    canvas = touch(tmp_path / "class" / "linus_4711_01_api_gateway.ipynb")
    touch(tmp_path / "class" / ".ipynb_checkpoints" / "x.ipynb")
    (tmp_path / "class" / "notes.txt").write_text("ignored")
    assert roster([tmp_path / "class"], SOLUTIONS) == [
        Submission("ada", ada, "01_api_gateway.ipynb"),
        Submission("ada", deep, "02_load_balancer.ipynb"),
        Submission("grace", grace, "02_load_balancer.ipynb", loose=True),
        Submission("linus_4711", canvas, "01_api_gateway.ipynb", loose=True),
    ]


def test_a_folder_holding_a_solution_named_notebook_is_one_learner(tmp_path):
    mine = touch(tmp_path / "ada" / "01_api_gateway.ipynb")
    sub = touch(tmp_path / "ada" / "old" / "02_load_balancer.ipynb")
    assert roster([tmp_path / "ada"], SOLUTIONS) == [
        Submission("ada", mine, "01_api_gateway.ipynb"),
        Submission("ada", sub, "02_load_balancer.ipynb"),
    ]
    assert roster([mine], SOLUTIONS) == [Submission("ada", mine, "01_api_gateway.ipynb")]


def test_unmatched_duplicate_empty_missing_and_linked_entries_each_say_why(tmp_path):
    first = touch(tmp_path / "c" / "ada" / "01_api_gateway.ipynb")
    second = touch(tmp_path / "c" / "ada" / "copy" / "01_api_gateway.ipynb")
    untitled = touch(tmp_path / "c" / "ada" / "Untitled.ipynb")
    (tmp_path / "c" / "bob").mkdir()
    vague = touch(tmp_path / "c" / "cy.ipynb")
    (tmp_path / "c" / "dan").symlink_to(tmp_path / "c" / "ada")
    found = roster([tmp_path / "c"], SOLUTIONS)
    why = {(s.learner, s.path): s.problem for s in found}
    assert why["ada", first] is None
    assert why["ada", second] == f"a second 01_api_gateway.ipynb ({second}): only {first} is graded"
    assert why["ada", untitled].startswith(f"{untitled} matches no exercise")
    assert why["bob", None] == f"{tmp_path / 'c' / 'bob'} holds no notebook (.ipynb) to grade"
    assert why["cy", vague].startswith("cy.ipynb names no exercise: name it <learner>_<exercise>.ipynb")
    assert why["dan", None].endswith("is a symbolic link: hand in the file or folder itself")
    assert roster([vague], SOLUTIONS[:1]) == [Submission("cy", vague, "01_api_gateway.ipynb", loose=True)]
    assert roster([tmp_path / "ghost.ipynb"], SOLUTIONS)[0].problem == f"{tmp_path / 'ghost.ipynb'} does not exist"


def test_learner_names_come_from_the_file_name_before_the_exercise():
    assert learner_of_file("Ada Lovelace - 02_load_balancer.ipynb", SOLUTIONS) == ("Ada Lovelace", SOLUTIONS[1])
    assert learner_of_file("02_load_balancer.ipynb", SOLUTIONS) == ("02_load_balancer", None)
    assert safe_name("a/b\\c") == "a_b_c" and safe_name(".hidden") == "_.hidden"


def test_shards_split_every_class_into_disjoint_parts_and_never_move_a_learner():
    names = [f"learner-{i}" for i in range(300)]
    for count in (1, 2, 3, 8):
        parts = [[n for n in names if in_shard(n, (i, count))] for i in range(1, count + 1)]
        assert sorted(n for part in parts for n in part) == sorted(names)  # each learner exactly once
        assert min(map(len, parts)) > 300 / count / 2  # roughly balanced
    before = {n: next(i for i in (1, 2, 3) if in_shard(n, (i, 3))) for n in names}
    late = [*names, "late-1", "late-2"]  # a late learner moves nobody: the split depends on the name alone
    assert {n: next(i for i in (1, 2, 3) if in_shard(n, (i, 3))) for n in late if n in before} == before


@pytest.mark.parametrize("text", ["3/2", "0/1", "1/0", "a/b", "1", "1/2/3"])
def test_a_shard_is_i_of_n(text):
    with pytest.raises(ValueError, match="--shard must be i/N with 1 <= i <= N"):
        parse_shard(text)
    assert parse_shard(" 2 / 3 ") == (2, 3)
