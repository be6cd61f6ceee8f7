import time

from course.checks import Check, call, close, raises
from course.checks.probes import Missing, Raised, Refused, Returned, TimedOut
from course.checks.verdict import judge, tally

ADD = Check(hint="add(2, 3) should be 5", ask=call(2, 3), expect=5)


def test_a_plain_expectation_is_met_by_an_equal_plain_value_only():
    assert judge(ADD, Returned(5)).ok and judge(ADD, Returned(5.0)).ok
    wrong = judge(ADD, Returned(True))
    assert not wrong.ok and wrong.detail() == "input (2, 3); expected 5; returned True"
    assert wrong.detail(reveal=False) == "input (2, 3); returned True"


def test_what_the_answer_did_instead_becomes_the_hint():
    assert (
        judge(ADD, Raised("KeyError", "'x'", ("LookupError",), False, "your class")).hint
        == "your class raised KeyError: 'x'"
    )
    assert judge(ADD, TimedOut(2)).state == "timeout"
    assert judge(ADD, Refused("returned a Foo object; only ...")).hint == "your code returned a Foo object; only ..."
    assert judge(ADD, Missing("check('demo.add', ...) never recorded an answer")).hint.startswith("check(")
    stub = judge(ADD, Raised("NotImplementedError", "replace this line", ("RuntimeError",), False))
    assert stub.state == "not attempted" and stub.returned == ""


def test_an_exception_named_in_hint_on_shows_the_checks_own_hint():
    check = Check(hint="a missing commit counts as offset 0", ask=call(), expect=3, hint_on=("LookupError",))
    outcome = judge(check, Raised("KeyError", "1", ("LookupError", "Exception"), False))
    assert outcome.hint == "a missing commit counts as offset 0" and outcome.returned == "raised KeyError: 1"


def test_raises_expects_an_exception_of_that_kind():
    check = Check(hint="an empty ring should raise LookupError", ask=call(), expect=raises("LookupError"))
    assert judge(check, Raised("KeyError", "", ("LookupError",))).ok
    assert not judge(check, Returned(None)).ok and judge(check, Returned(None)).hint == check.hint
    assert not judge(check, Raised("ZeroDivisionError", "", ("ArithmeticError",))).ok


def test_a_function_expectation_that_cannot_use_the_value_says_so_and_is_bounded_in_time():
    check = Check(hint="the ttl should reach 80%", ask=call(), expect=lambda ttl: ttl > 2, shows="a ttl above 2 s")
    assert judge(check, Returned(3)).ok
    wrong = judge(check, Returned("3"))
    assert wrong.hint.startswith("the check could not use what your code returned (TypeError: '>' not supported")
    assert wrong.expected == "a ttl above 2 s"
    slow = Check(hint="h", ask=call(), expect=lambda value: time.sleep(5), timeout=0.2)
    assert judge(slow, Returned(1)).hint == "checking what your code returned took longer than 0.2 s"


def test_close_compares_numbers_and_lists_of_numbers_within_a_tolerance():
    check = Check(hint="h", ask=call(), expect=close([0.5, 1.0]))
    assert judge(check, Returned([0.5, 1.0 + 1e-12])).ok
    assert not judge(check, Returned([0.5, "1.0"])).ok and not judge(check, Returned([0.5])).ok
    assert judge(check, Returned([0.5])).expected == "[0.5, 1.0]"


def test_a_question_reads_its_checks_in_order():
    checks = [ADD, Check(hint="add(-1, 1) should be 0", ask=call(-1, 1), expect=0), ADD]
    assert tally(checks, [Returned(5), Returned(1), Returned(5)]).hint == "add(-1, 1) should be 0"
    stub = Raised("NotImplementedError", "", ("RuntimeError",))
    assert tally(checks, [stub]).status == "not attempted"
    later = tally(checks, [Returned(5), stub, Returned(5)])
    assert later.status == "failed" and later.hint.startswith("part of your answer still raises NotImplementedError")
    looped = tally(checks, [Returned(5), TimedOut(2)])  # the rest never ran: they count as failed
    assert (looped.passed, looped.total, looped.hint) == (
        1,
        3,
        "your code did not finish within 2 s (an infinite loop?)",
    )
