"""Fixture questions in the domain ``fixture``, registered here so the tests never depend on lesson content."""

import pytest

from course.checks import Check, question
from course.checks.feedback import RESULTS
from course.checks.registry import ANSWERS, forget


@question("fixture.add", title="Add two numbers")
def add(f, rng):
    a, b = rng.randint(10, 99), rng.randint(10, 99)
    yield Check(hint="add(2, 3) should be 5", run=lambda: f(2, 3) == 5)
    yield Check(hint=f"add({a}, {b}) should be {a + b}", run=lambda: f(a, b) == a + b)
    yield Check(hint="add(-1, 1) should be 0", run=lambda: f(-1, 1) == 0)


@question("fixture.quick", title="Return 1 quickly")
def quick(f):
    yield Check(hint="f() should be 1", run=lambda: f() == 1, timeout=0.3)
    yield Check(hint="f() should still be 1", run=lambda: f() == 1, timeout=0.3)


@question("fixture.counter", title="A class with a counter")
def counter(cls):
    yield Check(hint="a new counter starts at 0", run=lambda: cls().value == 0)
    yield Check(hint="one tick() makes it 1", run=lambda: _ticked(cls, 1) == 1)


def _ticked(cls, n):
    c = cls()
    for _ in range(n):
        c.tick()
    return c.value


@pytest.fixture(autouse=True)
def _clean_answers():
    yield
    for qid in [q for q in ANSWERS if not q.startswith("fixture.")]:
        forget(qid)
    ANSWERS.clear()
    RESULTS.clear()
