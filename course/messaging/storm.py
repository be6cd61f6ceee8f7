"""Lesson 3's failure drill: a payment service that fails more under load, an outage, and the retry storm after it.

Each consumer calls the payment service (`course.messaging.Dependency`) for every message. The
service answers `PAYMENTS.rate` calls per second, one after another; a consumer gives up after
`PAYMENTS.timeout` seconds, and the service still does the work of a call whose caller has gone.
Ten consumers calling at once are more than it can answer within the timeout, so once a backlog
keeps every consumer busy, calls time out, their retries add calls, and the abandoned work keeps
the service busy: a storm that can outlive the outage that started it (a metastable failure).
Backoff with jitter and a circuit breaker are how the lesson gets out of it. Every run is seeded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import NamedTuple

from course.sim import Spike, validate

from .consumers import Faults
from .dependency import CircuitBreaker, Dependency
from .results import QueueResults
from .retry import RetryPolicy
from .scenario import QueueScenario
from .simulation import simulate

__all__ = ["BREAKER", "PAYMENTS", "RETRY_POLICIES", "RetryRow", "compare_retries", "failure_drill", "retry_row"]

PAYMENTS = Dependency(rate=200.0, timeout=0.02)  # 5 ms a call, one at a time; callers give up after 20 ms
BREAKER = CircuitBreaker(failures=5, cooldown=1.0)  # the lesson's fix: 5 failed calls in a row open it for 1 s

RETRY_POLICIES: dict[str, RetryPolicy] = {
    "at once, forever": RetryPolicy(backoff="none", max_attempts=None),
    "at once, 5 attempts": RetryPolicy(backoff="none", max_attempts=5),
    "exponential, 8 attempts": RetryPolicy(backoff="exponential", base=0.5, cap=30.0, max_attempts=8),
    "exponential + full jitter, 8 attempts": RetryPolicy(
        backoff="exponential", base=0.5, cap=30.0, jitter="full", max_attempts=8
    ),
    "exponential + equal jitter, 8 attempts": RetryPolicy(
        backoff="exponential", base=0.5, cap=30.0, jitter="equal", max_attempts=8
    ),
}


def failure_drill(
    retry: RetryPolicy | None = None,
    *,
    rate: float = 20.0,
    burst: int = 200,
    burst_at: float = 20.0,
    consumers: int = 10,
    processing: float = 0.01,
    outage: tuple[float, float] | None = (20.0, 30.0),
    failure_rate: float = 0.02,
    poison: Iterable[int] = (5,),
    fail_time: float = 0.01,
    produce_for: float = 60.0,
    dependency: Dependency | None = PAYMENTS,
    breaker: CircuitBreaker | None = None,
) -> QueueScenario:
    """The lesson's failure drill as a scenario: flaky consumers, a payment service with an outage, a burst, poison.

    Messages arrive at `rate` per second for `produce_for` seconds, plus `burst` more within
    one second from `burst_at`. Each attempt fails with probability `failure_rate` before any
    call; otherwise the consumer calls `dependency` (default `PAYMENTS`), then works
    `processing` seconds. During `outage` the service refuses every call in `fail_time`
    seconds, so retrying at once hammers it; after the outage a backlog can keep it overloaded.
    The `poison` messages fail every attempt. `retry` is the policy under test (default:
    `RetryPolicy()`); `breaker` (e.g. `BREAKER`) stops the consumers while calls keep failing.
    Taught in lessons/03_queues.ipynb.

    >>> drill = failure_drill(RetryPolicy(backoff="exponential", base=0.5, cap=30, jitter="equal", max_attempts=8))
    >>> [(d.message, d.reason) for d in simulate(drill, until=120).dead_letters]
    [(5, 'max attempts')]
    """
    retry = RetryPolicy() if retry is None else retry
    validate.instance("retry", retry, RetryPolicy, example="retry=RetryPolicy(backoff='exponential')")
    validate.rate("rate", rate, why="messages per second")
    validate.whole("burst", burst, why="extra messages within one second")
    validate.duration("burst_at", burst_at, why="when the burst starts, in seconds")
    validate.duration("processing", processing, positive=True, why="seconds of work per message")
    return QueueScenario(
        source=Spike(base=rate, peak=rate + burst, start=burst_at, duration=1.0),
        processing=processing,
        consumers=consumers,
        retry=retry,
        faults=Faults(failure_rate=failure_rate, outage=outage, poison=frozenset(_poison(poison)), fail_time=fail_time),
        produce_for=produce_for,
        dependency=dependency,
        breaker=breaker,
    )


def _poison(poison: object) -> Iterable[int]:
    if isinstance(poison, (str, bytes)) or not isinstance(poison, Iterable):
        raise ValueError(f"poison must be a set of message ids, e.g. poison=(5,) (got {poison!r})")
    return poison


class RetryRow(NamedTuple):
    """How one retry policy fared in the failure drill (peaks are deliveries per `bin` seconds).

    `timed_out` counts calls to the dependency that outlasted its timeout; `goodput_after` is acks
    per second from 10 s to 30 s after the outage ended (near the arrival rate when the system
    recovered, near 0 when the storm outlived the outage); `breaker_opened` how often the breaker
    opened.
    """

    name: str
    produced: int
    deliveries: int
    peak_deliveries: int
    recovery_peak: int
    served: int
    dead_lettered: int
    unfinished: int
    poison_deliveries: int
    timed_out: int
    goodput_after: float
    breaker_opened: int
    p99: float
    drained: bool

    @property
    def amplification(self) -> float:
        """Deliveries per message produced: 1.0 means no retries at all."""
        return self.deliveries / self.produced if self.produced else math.nan


def retry_row(name: str, results: QueueResults, bin: float = 0.5) -> RetryRow:
    """Sum up one run of a failure drill as a `RetryRow` (poison ids and the outage come from its scenario).

    >>> res = simulate(failure_drill(RetryPolicy(backoff="exponential", base=0.5, cap=30, max_attempts=8)), until=120)
    >>> row = retry_row("exponential", res)
    >>> row.poison_deliveries, row.drained, row.dead_lettered > 1   # the poison, and healthy messages too
    (8, True, True)
    """
    validate.instance("name", name, str, example="name='exponential'")
    validate.instance("results", results, QueueResults, example="results=simulate(failure_drill(), until=120)")
    validate.number("bin", bin, positive=True, why="the width of one time bin, in simulated seconds")
    s = results.summary()
    ts = results.timeseries(bin=bin)
    faults = results.scenario.faults
    healed = 0.0 if faults.outage is None else float(faults.outage[1])
    after = [n for t, n in zip(ts.t, ts.deliveries, strict=True) if t >= healed]
    start, end = healed + 10, min(healed + 30, results.until)
    acks = sum(1 for e in results.events if e.kind == "ack" and start <= e.t < end)
    return RetryRow(
        name=name,
        produced=s.produced,
        deliveries=s.deliveries,
        peak_deliveries=max(ts.deliveries),
        recovery_peak=max(after, default=0),
        served=s.served,
        dead_lettered=s.dead_lettered,
        unfinished=s.unfinished,
        poison_deliveries=sum(r.deliveries for r in results.records if r.id in faults.poison),
        timed_out=sum(1 for e in results.events if e.kind == "fail" and e.detail == "timed out"),
        goodput_after=acks / (end - start) if end > start else math.nan,
        breaker_opened=sum(1 for _, state in results.breaker_log if state == "open"),
        p99=s.p99,
        drained=results.drained,
    )


def compare_retries(
    scenario: QueueScenario,
    policies: Mapping[str, RetryPolicy] | None = None,
    *,
    until: float,
    seed: int = 0,
    bin: float = 0.5,
) -> list[RetryRow]:
    """Run `scenario` under each named retry policy (default `RETRY_POLICIES`); one `RetryRow` each.

    `peak_deliveries` is the most deliveries in any `bin` seconds: the load the consumers put on
    the dependency; `recovery_peak` is the same from the end of the outage on, when synchronized
    retries hit a service that has just come back.

    >>> drill = failure_drill(consumers=4, burst=50, produce_for=35, dependency=None)
    >>> at_once = RetryPolicy(backoff="none", max_attempts=50)
    >>> policies = {"at once": at_once, "backoff": RetryPolicy(base=0.5, max_attempts=8)}
    >>> at_once, backoff = compare_retries(drill, policies, until=65)
    >>> at_once.peak_deliveries > 2 * backoff.peak_deliveries, at_once.dead_lettered > 50, backoff.dead_lettered
    (True, True, 1)
    """
    validate.instance("scenario", scenario, QueueScenario, example="scenario=failure_drill()")
    validate.number("bin", bin, positive=True, why="the width of one time bin, in simulated seconds")
    chosen = RETRY_POLICIES if policies is None else policies
    if not isinstance(chosen, Mapping):
        raise ValueError(f"policies must map names to RetryPolicy objects, or be None (got {policies!r})")
    for name, policy in chosen.items():
        validate.instance("policies", policy, RetryPolicy, example=f"policies={{{name!r}: RetryPolicy()}}")
    return [
        retry_row(name, simulate(replace(scenario, retry=policy), until=until, seed=seed), bin)
        for name, policy in chosen.items()
    ]
