"""Verdicts: judge what an answer gave (`course.checks.probes.Got`) against a check's expectation, then a question.

`judge` decides one check and keeps what a person needs to see why: the input, the expected value
and what came back. `tally` walks a question's checks in order, the way a learner reads them: the
first check that fails gives the hint, a stub (``NotImplementedError``) in the first check means
"not attempted", and after a time-out the remaining checks count as failed without being run.
The same code judges in a learner's notebook and in the grader, which runs it in its own process
on the plain data a sandboxed kernel sent back.

Taught in the README's section for instructors.

>>> from course.checks.asks import call
>>> from course.checks.probes import Returned
>>> from course.checks.registry import Check
>>> check = Check(hint="add(2, 3) should be 5", ask=call(2, 3), expect=5)
>>> judge(check, Returned(6)).detail()
'input (2, 3); expected 5; returned 6'
>>> judge(check, Returned(5.0)).ok, judge(check, Returned("5")).ok
(True, False)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .plain import describe, same
from .probes import Got, Missing, Raised, Refused, Returned, TimedOut
from .registry import Check
from .timelimit import TimeLimitExceeded, call_with_limit

__all__ = ["NOT_ATTEMPTED_ADVICE", "Outcome", "Tally", "close", "judge", "raises", "tally"]

NOT_ATTEMPTED_ADVICE = "replace the raise NotImplementedError with your code"


@dataclass(frozen=True)
class raises:
    """An expectation that the answer raises `name` (or a subclass of it, among Python's built-in exceptions)."""

    name: str

    def __repr__(self) -> str:
        return f"raises {self.name}"


@dataclass(frozen=True)
class close:
    """An expectation that the answer is this number, or list of numbers, within a relative tolerance.

    >>> close([1.0, 2.0])([1.0, 2.0 + 1e-12]), close(2.0)(2.1)
    (True, False)
    """

    want: Any
    rel: float = 1e-9
    abs: float = 1e-12

    def __call__(self, got: Any) -> bool:
        want = self.want if isinstance(self.want, (list, tuple)) else [self.want]
        got = got if isinstance(self.want, (list, tuple)) else [got]
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            return False
        if not all(type(g) in (int, float) for g in got):
            return False
        pairs = zip(got, want, strict=True)
        return all(math.isclose(g, w, rel_tol=self.rel, abs_tol=self.abs) for g, w in pairs)

    def __repr__(self) -> str:
        return describe(self.want)


@dataclass(frozen=True)
class Outcome:
    """One check judged: passed or not, the hint to show, and the input, expected and returned values in words.

    `state` is "pass", "fail", "timeout" or "not attempted".
    """

    ok: bool
    state: str
    hint: str
    input: str = ""
    expected: str = ""
    returned: str = ""

    def detail(self, reveal: bool = True) -> str:
        """ "input ...; expected ...; returned ..." (the expected value left out when not `reveal`)."""
        parts = [f"input {self.input}" if self.input else ""]
        parts.append(f"expected {self.expected}" if reveal and self.expected else "")
        parts.append(f"returned {self.returned}" if self.returned else "")
        return "; ".join(p for p in parts if p)


def _expected_text(check: Check) -> str:
    if check.shows is not None:
        return check.shows
    if isinstance(check.expect, (raises, close)):
        return repr(check.expect)
    return "" if callable(check.expect) else describe(check.expect)


def _returned_text(got: Got) -> str:
    if isinstance(got, Returned):
        return describe(got.value)
    if isinstance(got, Raised):
        return f"raised {got.name}" + (f": {got.message}" if got.message else "")
    if isinstance(got, TimedOut):
        return f"nothing within {got.seconds:g} s"
    return ""


def _meets(check: Check, value: Any) -> tuple[bool, str | None]:
    """(passed, a hint replacing the check's own when the expectation could not use the value)."""
    expect = check.expect
    if isinstance(expect, raises):
        return False, None
    if not callable(expect):
        return same(value, expect), None
    try:
        result = call_with_limit(lambda: expect(value), check.timeout)
    except TimeLimitExceeded as exc:
        return False, f"checking what your code returned took longer than {exc.seconds:g} s"
    except Exception as exc:  # a value of the wrong kind for this check: say so instead of a traceback
        text = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
        return (
            False,
            f"the check could not use what your code returned ({type(exc).__name__}{': ' + text if text else ''})",
        )
    return result is True or (
        type(result).__module__ == "numpy" and type(result).__name__ in ("bool", "bool_") and bool(result)
    ), None


def judge(check: Check, got: Got) -> Outcome:
    """The outcome of `check` given what the answer produced."""
    words = {"input": check.ask.text, "expected": _expected_text(check), "returned": _returned_text(got)}
    if isinstance(got, Returned):
        ok, why = _meets(check, got.value)
        return Outcome(ok, "pass" if ok else "fail", why or check.hint, **words)
    if isinstance(got, Raised):
        if isinstance(check.expect, raises) and got.is_a(check.expect.name):
            return Outcome(True, "pass", check.hint, **words)
        if got.name == "NotImplementedError" and not got.by_check:
            words["returned"] = ""
            return Outcome(False, "not attempted", f"not attempted yet ({NOT_ATTEMPTED_ADVICE})", **words)
        if any(got.is_a(name) for name in check.hint_on):
            return Outcome(False, "fail", check.hint, **words)
        return Outcome(False, "fail", got.line, **{**words, "returned": ""})  # the hint says what happened
    if isinstance(got, TimedOut):
        return Outcome(False, "timeout", got.line, **{**words, "returned": ""})
    if isinstance(got, (Refused, Missing)):
        return Outcome(False, "fail", got.line, **{**words, "returned": ""})
    return Outcome(False, "fail", "the answer sent back nothing the grader can read", **words)


@dataclass(frozen=True)
class Tally:
    """A question's checks judged in order: how many passed, its status, and the first failure's hint and detail."""

    status: str  # "passed", "failed" or "not attempted"
    passed: int
    total: int
    hint: str = ""
    detail: str = ""
    outcomes: tuple[Outcome, ...] = field(default=(), repr=False)


def tally(checks: Sequence[Check], gots: Sequence[Got], judge_one: Callable[[Check, Got], Outcome] = judge) -> Tally:
    """Judge each check on its `got` (missing ones count as failed) and sum up the question."""
    outcomes: list[Outcome] = []
    passed, first = 0, None
    for index, check in enumerate(checks):
        if index >= len(gots):
            break
        outcome = judge_one(check, gots[index])
        if outcome.state == "not attempted":
            if index == 0:
                return Tally("not attempted", 0, len(checks), outcome.hint, "", (outcome,))
            why = f"part of your answer still raises NotImplementedError ({NOT_ATTEMPTED_ADVICE})"
            outcome = Outcome(False, "fail", why, outcome.input, outcome.expected, outcome.returned)
        outcomes.append(outcome)
        passed += outcome.ok
        if not outcome.ok and first is None:
            first = (outcome, check.reveal)
        if outcome.state == "timeout":
            break  # the remaining checks would very likely loop too: they count as failed
    if passed == len(checks):
        return Tally("passed", passed, len(checks), outcomes=tuple(outcomes))
    if first is None:
        return Tally("failed", passed, len(checks), "some checks did not run", "", tuple(outcomes))
    outcome, reveal = first
    return Tally("failed", passed, len(checks), outcome.hint, outcome.detail(reveal), tuple(outcomes))
