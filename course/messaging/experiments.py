"""Lesson 3's experiments: each runs a `QueueScenario` you can print, and sums the runs up for a chart.

Every experiment is a thin composition of `QueueScenario`, `dataclasses.replace` and `simulate`
(plus `course.sim.run_pool` where a queue is compared with no queue at all), so the lesson shows
the scenario it runs. Every run is seeded and bounded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from course.sim import Poisson, Results, Spike, percentile, run_pool, validate

from .consumers import Faults, processing_time
from .results import LittlesLaw, QueueResults
from .retry import RetryPolicy
from .scenario import QueueScenario
from .simulation import simulate

__all__ = [
    "RETRY_POLICIES",
    "BurstComparison",
    "RetryRow",
    "SyncRow",
    "WorkerRow",
    "compare_retries",
    "failure_drill",
    "retry_row",
    "ride_burst",
    "sync_vs_queue",
    "worker_sweep",
]


def _scenario(scenario: object) -> QueueScenario:
    return validate.instance("scenario", scenario, QueueScenario, example="scenario=QueueScenario.example()")


# -- 1. a burst of ride requests at 9:00 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BurstComparison:
    """The same burst served directly (`direct`, a `course.sim.Results`) and through a queue (`queued`)."""

    direct: Results
    queued: QueueResults
    burst_start: float
    burst_end: float

    def __repr__(self) -> str:
        return (
            f"BurstComparison(rides={self.rides}, no queue: rejected={self.rejected_direct}, "
            f"queue: rejected={self.rejected_queued}, longest wait={self.longest_wait:.1f} s, "
            f"backlog cleared at t={self.backlog_cleared:.1f} s)"
        )

    @property
    def rides(self) -> int:
        """Requests in the run (the same arrivals reach both set-ups)."""
        return len(self.queued.records)

    @property
    def rejected_direct(self) -> int:
        """Requests the service refused for want of a free worker (and of waiting room)."""
        return self.direct.summary().rejected

    @property
    def rejected_queued(self) -> int:
        """Requests refused with a queue in front (rejected by a full queue, or dead-lettered)."""
        s = self.queued.summary()
        return s.rejected + s.dead_lettered

    @property
    def longest_wait(self) -> float:
        """The longest any request waited in the queue before a worker took it."""
        return max((r.wait for r in self.queued.records if not math.isnan(r.wait)), default=0.0)

    @property
    def backlog_cleared(self) -> float:
        """When the queue was last emptied after the burst began (the end of the backlog)."""
        cleared = self.burst_start
        previous = 0
        for t, ready, *_ in self.queued.gauges:
            if t >= self.burst_start and previous > 0 and ready == 0:
                cleared = t
            previous = ready
        return cleared


def ride_burst(scenario: QueueScenario, *, until: float, seed: int = 0, waiting_room: int = 0) -> BurstComparison:
    """Serve the burst of `scenario` (whose source is a `Spike`) through its queue, and by its consumers with no queue.

    Without a queue, a request finding every worker busy (and the `waiting_room` full) is
    rejected; with the queue nothing is rejected, but the backlog makes later requests wait and
    drains after the burst. Both set-ups see the same arrivals and work times (same seed): the
    direct one is `course.sim.run_pool` with `scenario.consumers` servers while producers send.
    Taught in lessons/03_queues.ipynb.

    >>> rush = QueueScenario(source=Spike(base=1, peak=100, start=60, duration=5), processing=0.2, consumers=4,
    ...                      produce_for=180)
    >>> cmp = ride_burst(rush, until=240)
    >>> cmp.rejected_direct > 300, cmp.rejected_queued, 15 < cmp.longest_wait < 25
    (True, 0, True)
    """
    _scenario(scenario)
    if not isinstance(scenario.source, Spike):
        raise ValueError(f"scenario must have one Spike source, the burst (got source={scenario.source!r})")
    if scenario.consumers < 1:
        raise ValueError("scenario must have at least 1 consumer (got consumers=0): without a queue, who serves?")
    validate.whole("waiting_room", waiting_room, why="requests that may wait for a worker without a queue")
    queued = simulate(scenario, until=until, seed=seed)
    producing = queued.until if scenario.produce_for is None else min(scenario.produce_for, queued.until)
    direct = run_pool(
        scenario.source, scenario.processing, servers=scenario.consumers, queue_capacity=waiting_room,
        until=producing, seed=seed,
    )  # fmt: skip
    spike = scenario.source
    return BurstComparison(direct, queued, float(spike.start), float(spike.start + spike.duration))


# -- 2. how many workers -------------------------------------------------------------------------------------------


class WorkerRow(NamedTuple):
    """One row of a worker sweep: offered utilization, throughput, backlog left, p99 and Little's law."""

    workers: int
    utilization: float
    throughput: float
    backlog: int
    p99: float
    littles_law: LittlesLaw


def worker_sweep(
    scenario: QueueScenario, workers: Iterable[int] = (1, 2, 3, 4, 5, 6, 8), *, until: float, seed: int = 0
) -> list[WorkerRow]:
    """Run `scenario` with each number of `workers` (consumers): throughput and the backlog left at `until`.

    `utilization` is the offered load: arrivals per second times the mean processing time, per worker.

    >>> uploads = QueueScenario(source=Poisson(rate=8), processing=0.4)
    >>> rows = worker_sweep(uploads, workers=(2, 4), until=60)
    >>> rows[0].backlog > 100, rows[1].backlog < 20
    (True, True)
    """
    _scenario(scenario)
    if isinstance(workers, (str, bytes)) or not isinstance(workers, Iterable):
        raise ValueError(f"workers must be a list of consumer counts, e.g. workers=(1, 2, 4) (got {workers!r})")
    counts = [validate.whole("workers", n, minimum=1, maximum=10_000, why="consumer counts to try") for n in workers]
    end = validate.until(until)
    producing = end if scenario.produce_for is None else min(scenario.produce_for, end)
    arrivals = sum(source.mean_rate(producing) for source in scenario.sources)
    mean = processing_time(scenario.processing).mean
    rows = []
    for n in counts:
        res = simulate(replace(scenario, consumers=n), until=end, seed=seed)
        s = res.summary()
        rows.append(WorkerRow(n, arrivals * mean / n, s.throughput, s.unfinished, s.p99, res.littles_law()))
    return rows


# -- 3. the 500 ms caution: a synchronous path through a queue -----------------------------------------------------


class SyncRow(NamedTuple):
    """Latency of a synchronous request at one arrival rate: called directly or sent through a queue."""

    rate: float
    utilization: float
    direct_p50: float
    direct_p99: float
    queue_p50: float
    queue_p99: float
    budget: float

    @property
    def added_p50(self) -> float:
        """What the queue adds to the median response."""
        return self.queue_p50 - self.direct_p50

    @property
    def direct_ok(self) -> bool:
        """True if the direct call's p99 fits the budget."""
        return self.direct_p99 <= self.budget

    @property
    def queue_ok(self) -> bool:
        """True if the queued path's p99 fits the budget."""
        return self.queue_p99 <= self.budget


def sync_vs_queue(
    scenario: QueueScenario,
    rates: Sequence[float] = (4.0, 12.0, 20.0, 28.0, 36.0),
    *,
    hop: float = 0.01,
    budget: float = 0.5,
    until: float,
    seed: int = 0,
) -> list[SyncRow]:
    """Call `scenario`'s consumers directly, or send the same work through its queue, at each Poisson rate in `rates`.

    The queued path adds a network `hop` to the broker for the request and one for the reply,
    and whatever the scenario's consumers add (a `poll_interval` after finding the queue empty;
    0 means long polling); the caller is assumed to get its reply the moment it lands. The work
    and the queueing behind busy workers are the same on both paths (same seed, same times).
    Taught in lessons/03_queues.ipynb.

    >>> from course.sim import Exponential
    >>> checkout = QueueScenario(processing=Exponential(rate=20), consumers=2, poll_interval=0.5)
    >>> row = sync_vs_queue(checkout, rates=(4.0,), until=120)[0]
    >>> row.direct_ok, row.queue_ok, row.added_p50 > 0.1
    (True, False, True)
    """
    _scenario(scenario)
    if scenario.consumers < 1:
        raise ValueError("scenario must have at least 1 consumer (got consumers=0): someone has to do the work")
    if isinstance(rates, (str, bytes)) or not isinstance(rates, Iterable):
        raise ValueError(f"rates must be a list of requests per second, e.g. rates=(4, 12) (got {rates!r})")
    speeds = [validate.rate("rates", r, positive=True, why="requests per second") for r in rates]
    validate.duration("hop", hop, why="seconds one network hop to the broker takes")
    validate.duration("budget", budget, positive=True, why="the seconds a caller may wait for its answer")
    end = validate.until(until)
    mean = processing_time(scenario.processing).mean
    rows = []
    for rate in speeds:
        calls = run_pool(Poisson(rate), scenario.processing, scenario.consumers, until=end, seed=seed).records
        direct = [r.latency for r in calls if r.status == "served"]
        res = simulate(replace(scenario, source=Poisson(rate)), until=end, seed=seed)
        queued = [r.latency + 2 * hop for r in res.records if r.status == "served"]  # request and reply: two hops
        rows.append(
            SyncRow(
                rate=rate,
                utilization=rate * mean / scenario.consumers,
                direct_p50=percentile(direct, 50),
                direct_p99=percentile(direct, 99),
                queue_p50=percentile(queued, 50),
                queue_p99=percentile(queued, 99),
                budget=budget,
            )
        )
    return rows


# -- 4. failures: flaky consumers, an outage, a poison message, and retry policies ---------------------------------

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
    processing: float = 0.05,
    outage: tuple[float, float] | None = (20.0, 30.0),
    failure_rate: float = 0.02,
    poison: Iterable[int] = (5,),
    fail_time: float = 0.01,
    produce_for: float = 60.0,
) -> QueueScenario:
    """The lesson's failure drill as a scenario: flaky consumers, a downstream `outage`, a `burst` and `poison`.

    Messages arrive at `rate` per second for `produce_for` seconds, plus `burst` more within
    one second from `burst_at`; every attempt fails with probability `failure_rate`, and all of
    them fail during `outage`. Failed attempts are fast (`fail_time`), so retrying at once
    hammers the broken dependency; backoff spaces the attempts, jitter spreads the burst's
    retries apart, and a maximum number of attempts sends the poison message to the dead-letter
    queue instead of round forever. `retry` is the policy under test (default: `RetryPolicy()`).
    Taught in lessons/03_queues.ipynb.

    >>> drill = failure_drill(RetryPolicy(backoff="exponential", base=0.5, cap=30, max_attempts=8))
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
    )


def _poison(poison: object) -> Iterable[int]:
    if isinstance(poison, (str, bytes)) or not isinstance(poison, Iterable):
        raise ValueError(f"poison must be a set of message ids, e.g. poison=(5,) (got {poison!r})")
    return poison


class RetryRow(NamedTuple):
    """How one retry policy fared in the failure drill (peaks are deliveries per `bin` seconds)."""

    name: str
    produced: int
    deliveries: int
    peak_deliveries: int
    recovery_peak: int
    served: int
    dead_lettered: int
    poison_deliveries: int
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
    >>> row.dead_lettered, row.poison_deliveries, row.drained
    (1, 8, True)
    """
    validate.instance("name", name, str, example="name='exponential'")
    validate.instance("results", results, QueueResults, example="results=simulate(failure_drill(), until=120)")
    s = results.summary()
    ts = results.timeseries(bin=bin)
    faults = results.scenario.faults
    after = [n for t, n in zip(ts.t, ts.deliveries, strict=True) if faults.outage is None or t >= faults.outage[1]]
    return RetryRow(
        name=name,
        produced=s.produced,
        deliveries=s.deliveries,
        peak_deliveries=max(ts.deliveries),
        recovery_peak=max(after, default=0),
        served=s.served,
        dead_lettered=s.dead_lettered,
        poison_deliveries=sum(r.deliveries for r in results.records if r.id in faults.poison),
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

    >>> drill = failure_drill(consumers=4, burst=50, produce_for=35)
    >>> at_once = RetryPolicy(backoff="none", max_attempts=50)
    >>> policies = {"at once": at_once, "backoff": RetryPolicy(base=0.5, max_attempts=8)}
    >>> at_once, backoff = compare_retries(drill, policies, until=65)
    >>> at_once.peak_deliveries > 2 * backoff.peak_deliveries, at_once.dead_lettered > 50, backoff.dead_lettered
    (True, True, 1)
    """
    _scenario(scenario)
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
