import json

from course.checks import Check, call, question
from course.checks.registry import forget
from course.checks.remote import judge_records, payload, plan

SECRET = 987654321  # an expected value that must never travel to the kernel


def test_the_checks_of_a_run_depend_on_its_seed_and_the_kernel_gets_only_their_inputs():
    @question("fixture.secret")
    def secret(rng):
        x = rng.randint(1, 1000)
        yield Check(hint="f(x) is a secret", ask=call(x), expect=SECRET + x)

    try:
        first, again, other = (plan(["fixture.secret"], seed)["fixture.secret"] for seed in (1, 1, 2))
        assert first.checks[0].ask == again.checks[0].ask != other.checks[0].ask
        sent = payload(first)
        assert str(SECRET)[:6] not in sent and json.loads(sent)[0]["ask"]["probe"] == "call"
    finally:
        forget("fixture.secret")


def test_a_question_without_checks_or_with_broken_ones_carries_its_problem():
    @question("fixture.broken_build")
    def broken(rng):
        raise RuntimeError("typo in the question")

    try:
        plans = plan(["fixture.unregistered", "fixture.broken_build"], seed=0)
        assert plans["fixture.unregistered"].problem.startswith("no checks are registered for fixture.unregistered")
        assert plans["fixture.broken_build"].problem == "its checks failed to load (RuntimeError: typo in the question)"
    finally:
        forget("fixture.broken_build")


def test_the_kernels_records_are_judged_here_whatever_they_hold():
    question = plan(["fixture.add"], seed=0)["fixture.add"]
    right = [{"value": c.expect} for c in question.checks]
    assert judge_records(question, right)["status"] == "pass"
    assert judge_records(question, right[:1])["passed"] == 1  # the rest never came: they count as failed
    assert judge_records(question, "garbage")["status"] == "fail"
    missing = judge_records(question, {"missing": "check('fixture.add', ...) never recorded an answer"})
    assert missing["status"] == "missing" and missing["reason"].startswith("check('fixture.add'")
    wrong = judge_records(question, [{"value": True}] * 3)
    assert wrong["failures"][0] == {
        "hint": "add(2, 3) should be 5",
        "detail": "input (2, 3); expected 5; returned True",
        "state": "fail",
    }
