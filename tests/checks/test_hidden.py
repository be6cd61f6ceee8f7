import pytest

from course.checks import HiddenChecksError, load_hidden, load_questions
from course.checks.registry import _HIDDEN, forget, hidden_questions, lookup
from course.checks.remote import judge_records, plan

HIDDEN_MODULE = """
from course.checks import Check, call, question

@question("fixture.add", hidden=True)
def big_numbers():
    yield Check(hint="add(10**6, 1) should be 1000001", ask=call(10**6, 1), expect=10**6 + 1)
"""


@pytest.fixture
def hidden_folder(tmp_path):
    (tmp_path / "fixture.py").write_text(HIDDEN_MODULE)
    yield tmp_path
    _HIDDEN.pop("fixture.add", None)


def records_for(question, answer):
    """What a kernel would send back for `answer` (computed here, in this process)."""
    from course.checks.probes import answer_all

    return answer_all(answer, [{"ask": c.ask.to_json(), "timeout": c.timeout} for c in question.checks])


def test_hidden_checks_follow_the_visible_ones_and_fail_an_answer_that_passes_those(hidden_folder):
    load_hidden(hidden_folder)
    question = plan(["fixture.add"], seed=3)["fixture.add"]
    assert (len(question.checks), question.hidden) == (4, 1)
    verdict = judge_records(question, records_for(question, lambda a, b: a + b if abs(a) < 1000 else 0))
    assert (verdict["status"], verdict["passed"], verdict["total"]) == ("fail", 3, 4)
    assert verdict["reason"] == (
        "a hidden check failed: add(10**6, 1) should be 1000001 (input (1000000, 1); expected 1000001; returned 0)"
    )
    assert judge_records(question, records_for(question, lambda a, b: a + b))["status"] == "pass"


def test_a_folder_loads_once_and_every_question_in_it_is_hidden(hidden_folder):
    (hidden_folder / "more.py").write_text(
        "from course.checks import Check, call, question\n"
        "@question('fixture.extra')\n"
        "def extra():\n"
        "    yield Check(hint='f() should be 1', ask=call(), expect=1)\n"
    )
    try:
        names = load_hidden(hidden_folder)
        assert [n.rsplit("_", 1)[-1] for n in names] == ["fixture", "more"]
        assert load_hidden(hidden_folder) == names
        assert len(_HIDDEN["fixture.add"]) == 1 and [q.hidden for q in hidden_questions("fixture.extra")] == [True]
    finally:
        forget("fixture.extra")


def test_a_folder_of_visible_questions_adds_a_domain(tmp_path):
    (tmp_path / "extra.py").write_text(
        "from course.checks import Check, call, question\n"
        "@question('extradomain.one', off_limits=('operator.*',))\n"
        "def one():\n"
        "    yield Check(hint='f() should be 1', ask=call(), expect=1)\n"
    )
    try:
        load_questions(tmp_path)
        assert lookup("extradomain.one").off_limits == ("operator.*",)
        assert plan(["extradomain.one"], seed=0)["extradomain.one"].off_limits == ("operator.*",)
    finally:
        forget("extradomain.one")


def test_a_broken_or_missing_folder_says_which_file_and_why(tmp_path):
    (tmp_path / "bad.py").write_text("raise RuntimeError('typo in the hidden checks')\n")
    with pytest.raises(HiddenChecksError, match=r"hidden checks in bad\.py failed to load: RuntimeError: typo"):
        load_hidden(tmp_path)
    with pytest.raises(HiddenChecksError, match="does not exist: pass a folder with --hidden"):
        load_hidden(tmp_path / "nowhere")
    with pytest.raises(HiddenChecksError, match="does not exist: pass a folder with --questions"):
        load_questions(tmp_path / "nowhere")
