import random

from course.checks.asks import Ask, Rng, attribute, call, calls, drive, drives, method, probe
from course.checks.probes import Missing, Raised, Refused, Returned, answer_all, perform, read


class Bucket:
    def __init__(self, capacity):
        self.tokens = capacity

    def allow(self):
        if self.tokens:
            self.tokens -= 1
            return 1  # truthy, not True
        return 0


def ask_round_trip(ask):
    """An ask survives the trip to a kernel and back unchanged."""
    return Ask.from_json(ask.to_json())


def test_asks_travel_as_plain_data_and_read_as_their_input():
    for ask in [call(1, "a", k=(2, 3)), calls([(1, 2), (3, 4)]), drive((2,), [method("allow", truthy=True)] * 3)]:
        assert ask_round_trip(ask) == ask
    assert drive((2,), [method("allow")] * 3 + [attribute("tokens")]).text == "(2), then .allow() ×3, .tokens"
    assert calls([(1, 2), (3, 4)]).text == "2 calls, the first (1, 2)"


def test_a_call_a_replay_and_several_replays_run_on_the_answer():
    assert read(perform(lambda a, b: [a, b], call(1, (2, 3)))) == Returned([1, (2, 3)])
    assert read(perform(lambda a, b: a * b, calls([(2, 3), (4, 5)]))) == Returned([6, 20])
    steps = [method("allow", truthy=True)] * 3 + [method("allow", keep=False), attribute("tokens")]
    assert read(perform(Bucket, drive((2,), steps))) == Returned([True, True, False, 0])
    assert read(perform(Bucket, drives([((1,), steps[:2]), ((0,), steps[:1])]))) == Returned([[True, False], [False]])


def test_an_rng_argument_becomes_a_seeded_random_where_the_answer_runs():
    record = perform(lambda rng: [rng.random(), rng.random()], call(Rng(7)))
    other = random.Random(7)
    assert read(record) == Returned([other.random(), other.random()])


def test_exceptions_say_whose_code_raised_them():
    def add(a, b):
        return a / b

    raised = read(perform(add, call(1, 0)))
    assert raised == Raised(
        "ZeroDivisionError",
        "division by zero",
        ("ArithmeticError", "Exception", "BaseException"),
        False,
        "your function",
    )
    assert raised.line == "your function raised ZeroDivisionError: division by zero"
    missing = read(perform(Bucket, drive((1,), [method("refuse")])))
    assert missing.by_check and missing.line.startswith(
        "the check could not use what your code returned (AttributeError"
    )
    assert read(perform(Bucket, call())).line.startswith("the check could not use what your code returned (TypeError")
    assert read(perform(lambda: exit(3), call())).line == "your function raised SystemExit: 3"


def test_a_loop_times_out_and_the_rest_of_a_question_is_not_run():
    def spin(*args):
        while True:
            pass

    items = [{"ask": call().to_json(), "timeout": 0.2}] * 3
    assert answer_all(spin, items) == [{"timeout": 0.2}]
    assert read({"timeout": 0.2}).line == "your code did not finish within 0.2 s (an infinite loop?)"


def test_a_stub_in_the_first_check_stops_the_question_at_once():
    def stub(*args):
        raise NotImplementedError("replace this line with your code")

    assert len(answer_all(stub, [{"ask": call().to_json(), "timeout": 1}] * 3)) == 1


def test_results_that_are_not_plain_data_are_refused_in_the_kernel():
    record = perform(lambda: object(), call())
    assert read(record) == Refused(record["not_plain"]) and record["not_plain"].startswith("returned an object object")


def test_a_tampered_record_never_breaks_the_grader():
    for record in [None, 3, [], {"value": {"$": "nope", "v": []}}, {"raised": "x"}, {"timeout": "soon"}, {}]:
        assert isinstance(read(record), Refused)
    assert read({"missing": "check('q.x', ...) never recorded an answer"}) == Missing(
        "check('q.x', ...) never recorded an answer"
    )
    assert read(perform(len, probe("no_such_probe"))).line.startswith("the check could not use what your code returned")
