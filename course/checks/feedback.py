"""Immediate feedback: ``check(question_id, answer)`` runs a question's checks and prints one line.

The line is deterministic (nbval compares it): ✓ when every check passes, ✗ with the hint of the
first failing check and its input, expected and returned values, … when the answer is still a
stub. A learner never sees a traceback for their own code: an exception becomes a one-line hint,
an infinite loop a time-out. The checks use seed 0, so the feedback is the same on every run; the
grader draws fresh inputs and may run more checks, and the pass line says so. A pass or a fail is
also kept for `course.progress()` in ``exercises/.course-progress.json`` (`course.progress.record`).

Taught in exercises/01_api_gateway.ipynb.

>>> from course.checks.asks import call
>>> from course.checks.registry import Check, question, forget
>>> @question("demo.square")
... def square():
...     yield Check(hint="square(3) should be 9", ask=call(3), expect=9)
...     yield Check(hint="square(-2) should be 4", ask=call(-2), expect=4)
>>> check("demo.square", lambda x: x * x)
✓ demo.square: all 2 checks passed (your instructor may run more checks)
>>> check("demo.square", lambda x: 3 * x)
✗ demo.square: 1 of 2 checks passed. Hint: square(-2) should be 4 (input (-2); expected 4; returned -6)
>>> check("demo.square", None)
… demo.square: not attempted yet (replace the raise NotImplementedError with your code)
>>> forget("demo.square")
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any

from course.progress import record

from .probes import Got, answer_all, read
from .registry import ANSWERS, Question, QuestionDefinitionError, UnknownQuestionError, lookup
from .verdict import NOT_ATTEMPTED_ADVICE, tally

__all__ = ["RESULTS", "CheckResult", "check", "evaluate", "last_result", "run_question"]

PASSED, FAILED, NOT_ATTEMPTED, UNKNOWN, BROKEN = "passed", "failed", "not attempted", "unknown", "broken"
MORE_CHECKS = "your instructor may run more checks"

RESULTS: dict[str, CheckResult] = {}  # question id -> result of the learner's last check(...) call
_last: list[CheckResult] = []
_MISSING = object()


@dataclass(frozen=True)
class CheckResult:
    """What one ``check`` call found: how many of the question's checks passed and the first hint.

    `status` is "passed", "failed", "not attempted", "unknown" (no such question) or "broken"
    (the question's own module failed to load). `detail` gives the failing check's input, expected
    and returned values. `line` is the one line `check` prints.

    >>> CheckResult("gateway.token_bucket", FAILED, passed=2, total=6, hint="the 4th request should be refused").line
    '✗ gateway.token_bucket: 2 of 6 checks passed. Hint: the 4th request should be refused'
    """

    question_id: str
    status: str
    passed: int = 0
    total: int = 0
    hint: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == PASSED

    @property
    def line(self) -> str:
        qid, hint = self.question_id, " ".join(self.hint.split())  # one line, whatever the hint holds
        if self.status == PASSED:
            counted = "the only check passed" if self.total == 1 else f"all {self.total} checks passed"
            return f"✓ {qid}: {counted} ({MORE_CHECKS})"
        if self.status == FAILED:
            counted = f"{self.passed} of {self.total} {'check' if self.total == 1 else 'checks'} passed"
            detail = " ".join(self.detail.split())
            return f"✗ {qid}: {counted}. Hint: {hint}" + (f" ({detail})" if detail else "")
        if self.status == NOT_ATTEMPTED:
            return f"… {qid}: not attempted yet ({NOT_ATTEMPTED_ADVICE})"
        if self.status == UNKNOWN:
            return f"? {qid}: {hint}"
        return f"⚠ {qid}: {hint}"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def answer_checks(q: Question, answer: Any, seed: int = 0) -> tuple[list, list[Got]]:
    """The checks of `q` drawn with `seed`, and what `answer` gave for each, computed here in this process."""
    checks = q.checks(seed)
    records = answer_all(answer, [{"ask": c.ask.to_json(), "timeout": c.timeout} for c in checks])
    return checks, [read(record) for record in records]


def evaluate(q: Question, answer: Any, seed: int = 0) -> CheckResult:
    """Run every check of `q` against `answer`; the learner's prints are swallowed so the result is one line."""
    if answer is None or answer is Ellipsis:
        return CheckResult(q.id, NOT_ATTEMPTED)
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            checks, gots = answer_checks(q, answer, seed)
        except QuestionDefinitionError as exc:
            return CheckResult(q.id, BROKEN, hint=f"this question is broken ({exc}): tell your instructor")
        except Exception as exc:  # the question's own code failed before any answer ran: the author's bug
            return CheckResult(
                q.id, BROKEN, hint=f"this question's checks failed ({_short(exc)}): tell your instructor"
            )
    if not checks:
        return CheckResult(q.id, BROKEN, hint="this question has no checks yet: tell your instructor")
    result = tally(checks, gots)
    if result.status == NOT_ATTEMPTED:
        return CheckResult(q.id, NOT_ATTEMPTED)
    return CheckResult(q.id, result.status, result.passed, result.total, result.hint, result.detail)


def run_question(question_id: str, answer: Any, seed: int = 0) -> CheckResult:
    """Look the question up, record the answer for the grader, and evaluate it (nothing is printed)."""
    if not isinstance(question_id, str):
        hint = "the question id comes first, as text: check('gateway.token_bucket', token_bucket_allow)"
        result = CheckResult(type(question_id).__name__, UNKNOWN, hint=hint)
        _last[:] = [result]
        return result
    try:
        q = lookup(question_id)
    except UnknownQuestionError as exc:
        result = CheckResult(str(question_id), UNKNOWN, hint=str(exc))
    except Exception as exc:  # the domain module itself is broken: an author's bug, not the learner's
        hint = f"the checks for this question could not load ({_short(exc)}): tell your instructor"
        result = CheckResult(str(question_id), BROKEN, hint=hint)
    else:
        if answer is _MISSING:
            hint = f"pass your answer too, e.g. check({question_id!r}, your_function)"
            result = CheckResult(question_id, UNKNOWN, hint=hint)
        else:
            ANSWERS[question_id] = answer
            result = evaluate(q, answer, seed)
            RESULTS[question_id] = result
            record(question_id, result.status, result.passed, result.total)
    _last[:] = [result]
    return result


def check(question_id: str, answer: Any = _MISSING) -> None:
    """Check `answer` against question `question_id` and print one line; the result is kept in `last_result()`.

    Returns None so the notebook cell shows only the printed line.
    """
    print(run_question(question_id, answer).line)


def last_result() -> CheckResult | None:
    """The result of the most recent `check` (or `run_question`) call, for code that wants more than the line."""
    return _last[0] if _last else None
