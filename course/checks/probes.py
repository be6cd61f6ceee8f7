"""Probes: run an `Ask` on the learner's answer where the answer lives, and say what happened as plain data.

`perform` runs one ask with a time limit and returns a *record*: the plain result, or which exception
the answer raised (and whether it came from the learner's code or from the probe using what the
code returned), or a time-out, or why the result is not plain data. `read` turns a record into a
`Got` value for the checks. Nothing here knows an expected value: this module runs inside a learner's
kernel when grading, beside the learner's code. The named probes at the bottom drive answers that need
a small harness (a consumer's effect, a balancer's candidates).

Taught in the README's section for instructors.

>>> from course.checks.asks import call, method, drive
>>> read(perform(lambda a, b: a + b, call(2, 3)))
Returned(value=5)
>>> read(perform(lambda a, b: a / b, call(1, 0))).line
'your function raised ZeroDivisionError: division by zero'
>>> read(perform(dict, drive((), [method("nope")]))).by_check
True
"""

from __future__ import annotations

import inspect
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .asks import Ask, Rng, Step
from .plain import NotPlain, from_json, to_json
from .timelimit import TimeLimitExceeded, call_with_limit

__all__ = [
    "PROBES",
    "Got",
    "Missing",
    "Raised",
    "Refused",
    "Returned",
    "TimedOut",
    "answer_all",
    "balancer_scenario",
    "perform",
    "read",
    "who_of",
]

_HERE = __file__


@dataclass(frozen=True)
class Returned:
    """The answer returned this plain value."""

    value: Any


@dataclass(frozen=True)
class Raised:
    """The answer raised `name` (its built-in bases in `bases`); `by_check` when the probe failed using its result."""

    name: str
    message: str = ""
    bases: tuple[str, ...] = ()
    by_check: bool = False
    who: str = "your code"

    def is_a(self, name: str) -> bool:
        return name == self.name or name in self.bases

    @property
    def line(self) -> str:
        short = f"{self.name}: {self.message}" if self.message else self.name
        if self.by_check:
            return f"the check could not use what your code returned ({short})"
        return f"{self.who} raised {short}"


@dataclass(frozen=True)
class TimedOut:
    """The answer did not finish within `seconds`."""

    seconds: float

    @property
    def line(self) -> str:
        return f"your code did not finish within {self.seconds:g} s (an infinite loop?)"


@dataclass(frozen=True)
class Refused:
    """The answer's result is not plain data (or the record itself made no sense): `why` says what came back."""

    why: str

    @property
    def line(self) -> str:
        return f"your code {self.why}" if self.why.startswith("returned") else self.why


@dataclass(frozen=True)
class Missing:
    """There was no answer to ask (``check`` never recorded one), or no reply came back."""

    why: str = "no answer was recorded"

    @property
    def line(self) -> str:
        return self.why


Got = Returned | Raised | TimedOut | Refused | Missing


def who_of(answer: Any) -> str:
    """How a hint names the answer: "your class", "your function" or "your code"."""
    return "your class" if inspect.isclass(answer) else "your function" if callable(answer) else "your code"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if len(text) <= 120 else text[:117] + "..."


def _builtin_bases(exc: BaseException) -> list[str]:
    return [k.__name__ for k in type(exc).__mro__[1:] if k.__module__ == "builtins" and k is not object]


def _by_check(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename == _HERE


def _argument(value: Any) -> Any:
    return random.Random(value.seed) if isinstance(value, Rng) else value


def _replay(answer: Any, args: Any, steps: Any) -> list:
    obj = answer(*args)
    kept = []
    for step in steps:
        value = getattr(obj, step.name)
        if step.args is not None:
            value = value(*step.args)
        if step.truthy:
            value = bool(value)
        if step.keep:
            kept.append(value)
    return kept


def _run(answer: Any, ask: Ask) -> Any:
    if ask.probe == "call":
        return answer(*map(_argument, ask.args), **{k: _argument(v) for k, v in ask.kwargs})
    if ask.probe == "calls":
        return [answer(*case) for case in ask.args[0]]
    if ask.probe == "replay":
        return _replay(answer, ask.args, ask.steps)
    if ask.probe == "replays":
        cases = [
            (args, [Step(str(n), None if a is None else tuple(a), bool(t), bool(k)) for n, a, t, k in steps])
            for args, steps in ask.args[0]
        ]
        return [_replay(answer, args, steps) for args, steps in cases]
    if ask.probe in PROBES:
        return PROBES[ask.probe](answer, *ask.args)
    raise LookupError(
        f"no probe named {ask.probe!r} (known: call, calls, replay, replays, {', '.join(sorted(PROBES))})"
    )


def perform(answer: Any, ask: Ask | dict[str, Any], timeout: float = 2.0) -> dict[str, Any]:
    """Run `ask` on `answer` within `timeout` seconds; return a JSON-ready record of what happened."""
    if isinstance(ask, dict):
        ask = Ask.from_json(ask)

    def run() -> Any:
        return to_json(_run(answer, ask))

    try:
        return {"value": call_with_limit(run, timeout)}
    except TimeLimitExceeded as exc:
        return {"timeout": exc.seconds}
    except NotPlain as exc:
        return {"not_plain": str(exc)[:300]}
    except RecursionError:
        return {
            "raised": ["RecursionError", "maximum recursion depth exceeded", ["RuntimeError"], False, who_of(answer)]
        }
    except (Exception, SystemExit) as exc:  # the learner's exceptions become hints
        record = [type(exc).__name__, _short(exc), _builtin_bases(exc), _by_check(exc), who_of(answer)]
        return {"raised": record}


def answer_all(answer: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Perform each ``{"ask": ..., "timeout": ...}`` in order; stop after a time-out, or a stub in the first one."""
    records: list[dict[str, Any]] = []
    for item in items:
        record = perform(answer, item["ask"], float(item["timeout"]))
        records.append(record)
        stub = "raised" in record and record["raised"][0] == "NotImplementedError" and not record["raised"][3]
        if "timeout" in record or (stub and len(records) == 1):
            break  # a loop would very likely loop again; a stub in the first check means "not attempted"
    return records


def read(record: Any) -> Got:
    """The `Got` a record describes; a record that makes no sense (a tampered kernel) is `Refused`."""
    try:
        if not isinstance(record, dict):
            raise TypeError
        if "value" in record:
            return Returned(from_json(record["value"]))
        if "raised" in record:
            name, message, bases, by_check, who = record["raised"]
            return Raised(
                str(name)[:80], str(message)[:160], tuple(str(b) for b in bases)[:20], bool(by_check), str(who)[:20]
            )
        if "timeout" in record:
            return TimedOut(float(record["timeout"]))
        if "not_plain" in record:
            return Refused(str(record["not_plain"])[:300])
        if "missing" in record:
            return Missing(str(record["missing"])[:200])
    except (TypeError, ValueError, NotPlain):
        pass
    return Refused("sent back something the grader cannot read")


# ---- named probes: small harnesses for answers that need more than a call ----------------------------------


def _consume(make: Callable, runs: list) -> list:
    """For each run of (message id, payload) deliveries: a new handler ``make(apply)``, and what it applied."""
    out = []
    for deliveries in runs:
        applied: list = []
        handle = make(applied.append)
        for message_id, payload in deliveries:
            handle(message_id, payload)
        out.append(applied)
    return out


class _FailOnce:
    """An effect that raises ConnectionError the first time it sees a payload, then works (a transient error)."""

    def __init__(self) -> None:
        self.applied: list = []
        self.failed: set = set()

    def __call__(self, payload: Any) -> None:
        if payload not in self.failed:
            self.failed.add(payload)
            raise ConnectionError("the database did not answer")
        self.applied.append(payload)


def _retried(make: Callable, message_id: int) -> list:
    """A message whose first attempt fails, then its redelivery and a duplicate: [raised?, what was applied]."""
    effect = _FailOnce()
    handle = make(effect)
    raised = False
    try:
        handle(message_id, f"charge {message_id}")
    except ConnectionError:
        raised = True
    handle(message_id, f"charge {message_id}")  # the queue redelivers it
    handle(message_id, f"charge {message_id}")  # and a duplicate arrives
    return [raised, effect.applied]


def _position(chosen: Any, candidates: list) -> Any:
    for i, candidate in enumerate(candidates):
        if candidate is chosen:
            return i
    name = chosen if type(chosen) is str else getattr(chosen, "name", None)
    return {"name": name if type(name) is str else None, "type": type(chosen).__name__}


def _pick(pick: Callable, pools: list) -> list:
    """``pick(candidates)`` on each pool of (name, index, weight, in_flight): where the pick is, or what it was."""
    from course.balancing import Candidate

    out = []
    for pool in pools:
        candidates = [Candidate(name, index, weight, in_flight) for name, index, weight, in_flight in pool]
        out.append(_position(pick(candidates), candidates))
    return out


def balancer_scenario(strategy: Any, knobs: dict) -> Any:
    """The balancer a learner's pick runs in: `knobs` backends of speeds spread around 1, at a rate of requests."""
    from course.balancing import BalancerScenario, Workload, backend_pool

    return BalancerScenario(
        backends=backend_pool(knobs["backends"], spread=knobs["spread"]),
        strategy=strategy,
        workload=Workload(rate=knobs["rate"]),
    )


def _balancer_trace(pick: Callable, knobs: dict) -> list:
    """Run the balancer with ``pick`` as its strategy; the position of every pick, in order (-1: not a candidate)."""
    from course.balancing import Strategy, simulate

    trace: list[int] = []

    class Picker(Strategy):
        name = "your_pick"

        def pick(self, candidates, request=None, now=0.0):
            chosen = pick(candidates)
            where = _position(chosen, list(candidates))
            trace.append(where if isinstance(where, int) else -1)
            return chosen

    simulate(balancer_scenario(Picker(0), knobs), until=knobs["until"], seed=knobs["seed"])
    return trace


PROBES: dict[str, Callable[..., Any]] = {
    "consume": _consume,
    "retried": _retried,
    "pick": _pick,
    "balancer_trace": _balancer_trace,
}
