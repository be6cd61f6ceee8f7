"""Checking an answer that lives in another process: the grader's half of a grading run.

`plan` draws every check of the graded questions with the run's seed (visible checks first, then the
instructor's hidden ones) and keeps them in the grader. `payload` is what goes to the kernel: only
the asks and their time limits. `judge_records` takes the plain records the kernel sent back and
judges them here, against expected values the kernel never saw.

Taught in the README's section for instructors.

>>> from course.checks.asks import call
>>> from course.checks.registry import Check, question, forget
>>> @question("demo.neg")
... def neg(rng):
...     x = rng.randint(1, 9)
...     yield Check(hint=f"neg({x}) should be {-x}", ask=call(x), expect=-x)
>>> plans = plan(["demo.neg"], seed=5)
>>> records = [{"value": -plans["demo.neg"].checks[0].ask.args[0]}]
>>> judge_records(plans["demo.neg"], records)["status"]
'pass'
>>> forget("demo.neg")
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .probes import Missing, read
from .registry import Check, UnknownQuestionError, hidden_questions, lookup
from .verdict import tally

__all__ = ["QuestionPlan", "judge_records", "payload", "plan"]


@dataclass
class QuestionPlan:
    """The checks one question gets in this run, what it puts off-limits, or the problem that stops it."""

    id: str
    checks: list[Check] = field(default_factory=list)
    hidden: int = 0  # how many of the checks are hidden ones
    off_limits: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def budget(self) -> float:
        """Seconds the kernel may take to answer every ask (each check's limit, plus room to start)."""
        return 10.0 + sum(1.5 * c.timeout for c in self.checks)


def _one(question_id: str, seed: int) -> QuestionPlan:
    try:
        visible = lookup(question_id)
    except UnknownQuestionError:
        visible = None
    hidden = hidden_questions(question_id)
    if visible is None and not hidden:
        return QuestionPlan(
            question_id,
            problem=f"no checks are registered for {question_id}, so the grader cannot verify it "
            "(the grader trusts no printed output): add the question to course/checks or pass --questions",
        )
    checks: list[Check] = [] if visible is None else visible.checks(seed)
    extra = [c for q in hidden for c in q.checks(seed)]
    off = tuple(dict.fromkeys(name for q in ([visible] if visible else []) + hidden for name in q.off_limits))
    return QuestionPlan(question_id, checks + extra, len(extra), off)


def plan(question_ids: list[str], seed: int) -> dict[str, QuestionPlan]:
    """Every question's checks drawn with `seed`; a question that cannot be drawn carries its `problem`."""
    plans = {}
    for qid in question_ids:
        try:
            plans[qid] = _one(qid, seed)
        except Exception as exc:  # a broken question module: say so, keep planning the others
            text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            plans[qid] = QuestionPlan(qid, problem=f"its checks failed to load ({type(exc).__name__}: {text})")
    return plans


def payload(question: QuestionPlan) -> str:
    """The JSON the kernel gets for `question`: each ask and its time limit, nothing expected."""
    return json.dumps([{"ask": c.ask.to_json(), "timeout": c.timeout} for c in question.checks])


def judge_records(question: QuestionPlan, records: Any) -> dict[str, Any]:
    """Judge the kernel's `records` for `question`: a JSON-ready verdict with every failing check's details."""
    if isinstance(records, dict) and "missing" in records:
        got = read(records)
        return {
            "status": "missing",
            "reason": getattr(got, "why", str(got)),
            "passed": 0,
            "total": len(question.checks),
        }
    if not isinstance(records, list):
        records = []
    gots = [read(r) for r in records[: len(question.checks)]]
    result = tally(question.checks, gots)
    failures = [{"hint": o.hint, "detail": o.detail(), "state": o.state} for o in result.outcomes if not o.ok]
    unrun = len(question.checks) - len(result.outcomes)
    if result.status == "not attempted":
        status = "not attempted"
    else:
        status = "pass" if result.status == "passed" else "fail"
    reason = "" if status == "pass" else result.hint
    if status == "fail" and result.detail:
        reason = f"{reason} ({result.detail})"
    first = next((i for i, o in enumerate(result.outcomes) if not o.ok), None)
    if status == "fail" and first is not None and first >= len(question.checks) - question.hidden:
        reason = f"a hidden check failed: {reason}"
    if status == "fail" and any(isinstance(g, Missing) for g in gots):
        reason = reason or "the kernel sent back no answer"
    return {
        "status": status,
        "reason": reason,
        "passed": result.passed,
        "total": result.total,
        "hidden": question.hidden,
        "failures": failures,
        "unrun": unrun,
    }
