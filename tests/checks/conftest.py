"""Fixture questions in the domain ``fixture``, registered here so the tests never depend on lesson content."""

import pytest

from course.checks import Check, attribute, call, drive, method, question
from course.checks.feedback import RESULTS
from course.checks.registry import ANSWERS, forget


@question("fixture.add", title="Add two numbers")
def add(rng):
    a, b = rng.randint(10, 99), rng.randint(10, 99)
    yield Check(hint="add(2, 3) should be 5", ask=call(2, 3), expect=5)
    yield Check(hint=f"add({a}, {b}) should be {a + b}", ask=call(a, b), expect=a + b)
    yield Check(hint="add(-1, 1) should be 0", ask=call(-1, 1), expect=0)


@question("fixture.quick", title="Return 1 quickly")
def quick():
    yield Check(hint="f() should be 1", ask=call(), expect=1, timeout=0.3)
    yield Check(hint="f() should still be 1", ask=call(), expect=1, timeout=0.3)


@question("fixture.counter", title="A class with a counter")
def counter():
    yield Check(hint="a new counter starts at 0", ask=drive((), [attribute("value")]), expect=[0])
    yield Check(
        hint="one tick() makes it 1", ask=drive((), [method("tick", keep=False), attribute("value")]), expect=[1]
    )


@pytest.fixture(autouse=True)
def _clean_answers():
    yield
    for qid in [q for q in ANSWERS if not q.startswith("fixture.")]:
        forget(qid)
    ANSWERS.clear()
    RESULTS.clear()
