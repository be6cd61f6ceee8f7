import json

import pytest

from course.checks import Check, HiddenChecksError, load_hidden, question, verify
from course.checks.hidden import write_verification
from course.checks.registry import _HIDDEN, ANSWERS, forget

HIDDEN_MODULE = """
from course.checks import Check, question

@question("fixture.add", hidden=True)
def big_numbers(f):
    yield Check(hint="add(10**6, 1) should be 1000001", run=lambda: f(10**6, 1) == 10**6 + 1)
"""


@pytest.fixture
def hidden_folder(tmp_path):
    (tmp_path / "fixture.py").write_text(HIDDEN_MODULE)
    yield tmp_path
    _HIDDEN.pop("fixture.add", None)


def small_only(a, b):
    return a + b if abs(a) < 1000 else 0


def test_hidden_checks_fail_an_answer_whose_visible_checks_pass(hidden_folder):
    ANSWERS["fixture.add"] = small_only
    assert verify(["fixture.add"], hidden_folder) == {
        "fixture.add": {"status": "fail", "reason": "a hidden check failed: add(10**6, 1) should be 1000001"}
    }
    ANSWERS["fixture.add"] = lambda a, b: a + b
    assert verify(["fixture.add"], hidden_folder)["fixture.add"] == {
        "status": "pass",
        "reason": "",
        "checks": 4,
        "hidden": 1,
    }


def test_without_a_hidden_folder_the_visible_checks_are_rerun_on_the_recorded_answer():
    ANSWERS["fixture.add"] = lambda a, b: a * b
    reason = verify(["fixture.add"])["fixture.add"]["reason"]
    assert reason == "re-running its checks: ✗ fixture.add: 0 of 3 checks passed. Hint: add(2, 3) should be 5"


def test_a_question_whose_check_never_ran_fails_and_an_unregistered_one_is_left_to_the_output():
    report = verify(["fixture.add", "fixture.printed_only"])
    assert report["fixture.add"] == {
        "status": "fail",
        "reason": "check('fixture.add', ...) never ran, so there is no answer to verify",
    }
    assert report["fixture.printed_only"]["status"] == "unregistered"


def test_a_folder_loads_once_and_every_question_in_it_is_hidden(hidden_folder):
    (hidden_folder / "more.py").write_text(
        "from course.checks import Check, question\n"
        "@question('fixture.extra')\n"
        "def extra(f):\n"
        "    yield Check(hint='f() should be 1', run=lambda: f() == 1)\n"
    )
    try:
        names = load_hidden(hidden_folder)
        assert [n.rsplit("_", 1)[-1] for n in names] == ["fixture", "more"]
        assert load_hidden(hidden_folder) == names
        assert len(_HIDDEN["fixture.add"]) == 1 and len(_HIDDEN["fixture.extra"]) == 1
    finally:
        forget("fixture.extra")


def test_a_broken_or_missing_folder_is_an_error_for_every_question(tmp_path):
    (tmp_path / "bad.py").write_text("raise RuntimeError('typo in the hidden checks')\n")
    report = verify(["fixture.add", "fixture.quick"], tmp_path)
    assert report["fixture.add"] == {
        "status": "error",
        "reason": "hidden checks in bad.py failed to load: RuntimeError: typo in the hidden checks",
    }
    assert report["fixture.quick"] == report["fixture.add"]
    with pytest.raises(HiddenChecksError, match="does not exist"):
        load_hidden(tmp_path / "nowhere")


def test_write_verification_writes_the_report_as_json(tmp_path):
    @question("fixture.value")
    def value(v):
        yield Check(hint="the answer is 42", run=lambda: v == 42)

    try:
        ANSWERS["fixture.value"] = 42
        write_verification(["fixture.value"], None, str(tmp_path / "v.json"))
        assert json.loads((tmp_path / "v.json").read_text())["fixture.value"]["status"] == "pass"
    finally:
        forget("fixture.value")
