import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.checks import CheckResult, check, last_result, run_question
from course.checks.feedback import RESULTS
from course.checks.registry import ANSWERS


def spin():
    while True:
        pass


def line(capsys, *args):
    assert check(*args) is None  # nothing for the notebook cell to echo
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # exactly one line per check
    return out.rstrip("\n")


def test_a_correct_answer_passes_every_check_and_says_more_may_be_graded(capsys):
    assert line(capsys, "fixture.add", lambda a, b: a + b) == (
        "✓ fixture.add: all 3 checks passed (your instructor may run more checks)"
    )


def test_a_partly_wrong_answer_counts_passes_and_shows_the_first_failing_hint(capsys):
    assert line(capsys, "fixture.add", lambda a, b: abs(a) + b) == (
        "✗ fixture.add: 2 of 3 checks passed. Hint: add(-1, 1) should be 0 (input (-1, 1); expected 0; returned 2)"
    )


def test_fresh_inputs_are_seeded_so_the_hint_is_the_same_every_run(capsys):
    first = line(capsys, "fixture.add", lambda a, b: -1)
    second = line(capsys, "fixture.add", lambda a, b: -1)
    assert (
        first
        == second
        == ("✗ fixture.add: 0 of 3 checks passed. Hint: add(2, 3) should be 5 (input (2, 3); expected 5; returned -1)")
    )
    hints = {run_question("fixture.add", lambda a, b: 5 if (a, b) == (2, 3) else 0).hint for _ in range(3)}
    assert len(hints) == 1
    assert re.fullmatch(r"add\(\d\d, \d\d\) should be \d+", hints.pop())  # the seeded inputs, not the fixed ones


@pytest.mark.parametrize("answer", [None, ...])
def test_an_empty_answer_is_not_attempted(capsys, answer):
    assert line(capsys, "fixture.add", answer) == (
        "… fixture.add: not attempted yet (replace the raise NotImplementedError with your code)"
    )


def test_a_stub_raising_not_implemented_is_not_attempted_without_a_traceback(capsys):
    def add(a, b):
        raise NotImplementedError("replace this line with your code")

    assert line(capsys, "fixture.add", add).startswith("… fixture.add: not attempted yet")
    assert last_result() == CheckResult("fixture.add", "not attempted")


def test_not_implemented_after_a_passing_check_is_a_failure_with_advice(capsys):
    class Counter:
        value = 0

        def tick(self):
            raise NotImplementedError

    assert line(capsys, "fixture.counter", Counter) == (
        "✗ fixture.counter: 1 of 2 checks passed. Hint: part of your answer still raises NotImplementedError "
        "(replace the raise NotImplementedError with your code) (input (), then .tick(), .value; expected [1])"
    )


def test_a_raising_function_gives_a_one_line_hint_naming_the_exception(capsys):
    def add(a, b):
        raise ValueError("negative numbers are not allowed\nsecond line is dropped")

    assert line(capsys, "fixture.add", add) == (
        "✗ fixture.add: 0 of 3 checks passed. Hint: your function raised ValueError: negative numbers are not allowed "
        "(input (2, 3); expected 5)"
    )


def test_a_raising_class_is_named_as_a_class(capsys):
    class Counter:
        def __init__(self):
            raise KeyError("value")

    assert "Hint: your class raised KeyError: 'value' (input ()" in line(capsys, "fixture.counter", Counter)


def test_a_value_the_check_cannot_use_blames_the_value_not_the_function(capsys):
    class Counter:  # `value` is missing: the check's own code fails reading it
        def tick(self):
            pass

    assert line(capsys, "fixture.counter", Counter).endswith(
        "Hint: the check could not use what your code returned (AttributeError: 'Counter' object has no attribute "
        "'value') (input (), then .value; expected [0])"
    )


def test_an_infinite_loop_fails_within_the_limit_and_skips_the_remaining_checks(capsys):
    assert line(capsys, "fixture.quick", spin) == (
        "✗ fixture.quick: 0 of 2 checks passed. Hint: your code did not finish within 0.3 s (an infinite loop?) "
        "(input (); expected 1)"
    )


def test_an_infinite_loop_that_swallows_exceptions_still_fails_when_it_stops(capsys):
    def sneaky():
        try:
            spin()
        except BaseException:  # the learner's bare except catches the alarm, then returns a right-looking value
            return 1

    assert "did not finish within 0.3 s" in line(capsys, "fixture.quick", sneaky)


def test_the_learners_prints_are_swallowed_so_the_line_stays_alone(capsys):
    def add(a, b):
        print("debugging", a, b)
        return a + b

    assert line(capsys, "fixture.add", add).startswith("✓ fixture.add")


def test_sys_exit_in_the_learners_code_is_a_failed_check(capsys):
    def add(a, b):
        raise SystemExit(3)

    assert "Hint: your function raised SystemExit: 3 (input" in line(capsys, "fixture.add", add)


def test_an_unknown_id_suggests_similar_ids(capsys):
    assert line(capsys, "fixture.ad", 1) == "? fixture.ad: no question 'fixture.ad'; did you mean 'fixture.add'?"


def test_an_unknown_domain_lists_the_known_domains(capsys):
    text = line(capsys, "nosuch.thing", 1)
    assert text.startswith("? nosuch.thing: no question 'nosuch.thing'; question ids look like")
    assert "fixture" in text.split("known domains:")[1]


def test_a_missing_answer_says_how_to_call_check(capsys):
    assert (
        line(capsys, "fixture.add") == "? fixture.add: pass your answer too, e.g. check('fixture.add', your_function)"
    )


def test_check_records_the_answer_and_the_result_for_the_grader(capsys):
    def add(a, b):
        return a + b

    check("fixture.add", add)
    assert ANSWERS["fixture.add"] is add
    assert RESULTS["fixture.add"] == CheckResult("fixture.add", "passed", passed=3, total=3)
    check("fixture.ad", add)
    assert "fixture.ad" not in ANSWERS  # unknown ids record nothing
    assert last_result().status == "unknown"


def test_a_check_returning_a_truthy_non_bool_does_not_pass(capsys):
    assert line(capsys, "fixture.quick", lambda: 2).startswith("✗ fixture.quick: 0 of 2")
    np = pytest.importorskip("numpy")
    assert run_question("fixture.add", lambda a, b: np.int64(a + b)).ok  # numpy's == gives numpy's True


def test_result_lines_for_one_check_read_naturally():
    assert (
        CheckResult("x.y", "passed", 1, 1).line == "✓ x.y: the only check passed (your instructor may run more checks)"
    )
    assert CheckResult("x.y", "failed", 0, 1, "h").line == "✗ x.y: 0 of 1 check passed. Hint: h"


@given(
    qid=st.from_regex(r"[a-z]{1,8}\.[a-z_]{1,12}", fullmatch=True),
    status=st.sampled_from(["passed", "failed", "not attempted", "unknown", "broken"]),
    passed=st.integers(0, 50),
    extra=st.integers(0, 50),
    hint=st.text(),
)
def test_every_result_prints_as_exactly_one_line_naming_its_question(qid, status, passed, extra, hint):
    line = CheckResult(qid, status, passed, passed + extra, hint).line
    assert "\n" not in line and "\r" not in line
    assert line.split(" ", 2)[1] == f"{qid}:"
    assert line[0] in "✓✗…?⚠"


def test_arguments_in_the_wrong_order_are_explained(capsys):
    def add(a, b):
        return a + b

    assert line(capsys, add, "fixture.add") == (
        "? function: the question id comes first, as text: check('gateway.token_bucket', token_bucket_allow)"
    )
    assert ANSWERS == {}
