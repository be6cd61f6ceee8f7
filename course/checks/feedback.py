"""Immediate feedback: ``check(question_id, answer)`` runs a question's checks and prints one line.

The line is deterministic (nbval and the grader compare it): ✓ when every check passes, ✗ with
the hint of the first failing check, … when the answer is still a stub. A learner never sees a
traceback for their own code: an exception becomes a one-line hint, an infinite loop a time-out.
Instructors may grade with more checks than these, and the pass line says so.

Taught in exercises/01_api_gateway.ipynb.

>>> from course.checks.registry import Check, question, forget
>>> @question("demo.square")
... def square(f):
...     yield Check(hint="square(3) should be 9", run=lambda: f(3) == 9)
...     yield Check(hint="square(-2) should be 4", run=lambda: f(-2) == 4)
>>> check("demo.square", lambda x: x * x)
✓ demo.square: all 2 checks passed (your instructor may run more checks)
>>> check("demo.square", lambda x: 3 * x)
✗ demo.square: 1 of 2 checks passed. Hint: square(-2) should be 4
>>> check("demo.square", None)
… demo.square: not attempted yet (replace the raise NotImplementedError with your code)
>>> forget("demo.square")
"""

from __future__ import annotations

import contextlib
import inspect
import io
import traceback
from dataclasses import dataclass
from typing import Any

from .registry import ANSWERS, DEFAULT_CHECK_TIMEOUT, Question, QuestionDefinitionError, UnknownQuestionError, lookup
from .timelimit import TimeLimitExceeded, call_with_limit

__all__ = ["RESULTS", "CheckResult", "check", "evaluate", "last_result", "run_question"]

PASSED, FAILED, NOT_ATTEMPTED, UNKNOWN, BROKEN = "passed", "failed", "not attempted", "unknown", "broken"
MORE_CHECKS = "your instructor may run more checks"
NOT_ATTEMPTED_ADVICE = "replace the raise NotImplementedError with your code"

RESULTS: dict[str, CheckResult] = {}  # question id -> result of the learner's last check(...) call
_last: list[CheckResult] = []
_MISSING = object()


@dataclass(frozen=True)
class CheckResult:
    """What one ``check`` call found: how many of the question's checks passed and the first hint.

    `status` is "passed", "failed", "not attempted", "unknown" (no such question) or "broken"
    (the question's own module failed to load). `line` is the one line `check` prints.

    >>> CheckResult("gateway.token_bucket", FAILED, passed=2, total=6, hint="the 4th request should be refused").line
    '✗ gateway.token_bucket: 2 of 6 checks passed. Hint: the 4th request should be refused'
    """

    question_id: str
    status: str
    passed: int = 0
    total: int = 0
    hint: str = ""

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
            return f"✗ {qid}: {counted}. Hint: {hint}"
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


def _describe(exc: BaseException, q: Question, answer: Any) -> str:
    """A one-line hint for an exception: blame the learner's code, or the value it handed the check."""
    frames = traceback.extract_tb(exc.__traceback__)
    innermost = frames[-1].filename if frames else None
    if innermost is not None and innermost == q.source_file:
        return f"the check could not use what your code returned ({_short(exc)})"
    who = "your class" if inspect.isclass(answer) else "your function" if callable(answer) else "your code"
    return f"{who} raised {_short(exc)}"


def _timeout_hint(seconds: float) -> str:
    return f"your code did not finish within {seconds:g} s (an infinite loop?)"


def _is_true(value: Any) -> bool:
    numpy_bool = type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")
    return value is True or (numpy_bool and bool(value))  # numpy's True (from == on numpy numbers) counts too


def evaluate(q: Question, answer: Any, seed: int = 0) -> CheckResult:
    """Run every check of `q` against `answer`; the learner's prints are swallowed so the result is one line."""
    if answer is None or answer is Ellipsis:
        return CheckResult(q.id, NOT_ATTEMPTED)
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            checks = call_with_limit(lambda: q.checks(answer, seed), DEFAULT_CHECK_TIMEOUT)
        except NotImplementedError:
            return CheckResult(q.id, NOT_ATTEMPTED)
        except TimeLimitExceeded as exc:
            return CheckResult(q.id, FAILED, hint=_timeout_hint(exc.seconds))
        except QuestionDefinitionError as exc:
            return CheckResult(q.id, BROKEN, hint=f"this question is broken ({exc}): tell your instructor")
        except (Exception, SystemExit) as exc:
            return CheckResult(q.id, FAILED, hint=_describe(exc, q, answer))
        if not checks:
            return CheckResult(q.id, BROKEN, hint="this question has no checks yet: tell your instructor")
        passed, hint = 0, ""
        for index, item in enumerate(checks):
            try:
                ok, why = _is_true(call_with_limit(item.run, item.timeout)), item.hint
            except NotImplementedError:
                if index == 0:
                    return CheckResult(q.id, NOT_ATTEMPTED)
                ok, why = False, f"part of your answer still raises NotImplementedError ({NOT_ATTEMPTED_ADVICE})"
            except TimeLimitExceeded as exc:
                hint = hint or _timeout_hint(exc.seconds)
                break  # the remaining checks would very likely loop too: they count as failed
            except (Exception, SystemExit) as exc:
                ok, why = False, _describe(exc, q, answer)
            passed += ok
            hint = hint or ("" if ok else why)
    status = PASSED if passed == len(checks) else FAILED
    return CheckResult(q.id, status, passed=passed, total=len(checks), hint=hint)


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
