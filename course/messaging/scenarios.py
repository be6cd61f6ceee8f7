"""The four experiments of lesson 3 as functions: a ride burst, image workers, the 500 ms caution, a retry storm.

Each returns plain results the lesson asserts on and draws from; every run is seeded and bounded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from course.sim import Distribution, Exponential, Poisson, Results, Spike, as_distribution, percentile, run_pool

from .consumers import Faults
from .results import LittlesLaw, QueueResults
from .retry import RetryPolicy
from .simulation import QueueScenario, simulate

__all__ = [
    "RETRY_POLICIES",
    "BurstComparison",
    "RetryRow",
    "SyncRow",
    "WorkerRow",
    "compare_retries",
    "failure_drill",
    "process_images",
    "retry_row",
    "ride_burst",
    "sync_vs_queue",
    "worker_sweep",
]


IMAGE_WORK = Exponential(rate=2.5)  # an image takes 0.4 s on average
CALL_WORK = Exponential(rate=20.0)  # a synchronous call's work takes 50 ms on average


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ValueError(f"{name} must be a positive number (got {value!r})")


def _workers(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"workers must be a whole number of at least 1 (got {value!r}): someone has to do the work")


# -- 1. a burst of ride requests at 9:00 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BurstComparison:
    """The same burst of ride requests served directly (`direct`, a `course.sim.Results`) and through a queue."""

    direct: Results
    queued: QueueResults
    burst_start: float
    burst_end: float = math.nan

    def __repr__(self) -> str:
        return (
            f"BurstComparison(rides={self.rides}, no queue: dropped={self.dropped_direct}, "
            f"queue: dropped={self.dropped_queued}, longest wait={self.longest_wait:.1f} s, "
            f"backlog cleared at t={self.backlog_cleared:.1f} s)"
        )

    @property
    def rides(self) -> int:
        """Ride requests in the run (the same arrivals reach both set-ups)."""
        return len(self.queued.records)

    @property
    def dropped_direct(self) -> int:
        """Requests the service refused for want of a free worker (and of waiting room)."""
        return self.direct.summary().dropped

    @property
    def dropped_queued(self) -> int:
        """Requests lost with a queue in front (dropped, rejected or dead-lettered)."""
        s = self.queued.summary()
        return s.dropped + s.rejected + s.dead_lettered

    @property
    def longest_wait(self) -> float:
        """The longest any ride waited in the queue before a worker took it."""
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


def ride_burst(
    burst: int = 500,
    workers: int = 4,
    ride_time: Distribution | float = 0.2,
    *,
    duration: float = 5.0,
    base: float = 1.0,
    at: float = 60.0,
    until: float = 180.0,
    waiting_room: int = 0,
    seed: int = 0,
) -> BurstComparison:
    """Send `burst` ride requests within `duration` s of `at` (9:00) to `workers` workers, with and without a queue.

    Without a queue a request finding every worker busy (and the `waiting_room` full) is
    dropped; with a queue nothing is dropped, but the backlog makes later rides wait, and
    drains after the burst. Both set-ups see the same arrivals and ride times (same seed).
    Taught in lessons/03_queues.ipynb.

    >>> cmp = ride_burst(burst=500, workers=4, ride_time=0.2)
    >>> cmp.dropped_direct > 300, cmp.dropped_queued, 15 < cmp.longest_wait < 25
    (True, 0, True)
    """
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 0:
        raise ValueError(f"burst must be a whole number of requests, 0 or more (got {burst!r})")
    _workers(workers)
    for name, value in (("duration", duration), ("until", until)):
        _positive(name, value)
    source = Spike(base=base, peak=burst / duration, start=at, duration=duration)
    direct = run_pool(source, ride_time, servers=workers, queue_capacity=waiting_room, until=until, seed=seed)
    scenario = QueueScenario(source=source, processing=ride_time, consumers=workers, seed=seed)
    queued = simulate(scenario, until=until, drain=True)
    return BurstComparison(direct=direct, queued=queued, burst_start=float(at), burst_end=float(at + duration))


# -- 2. image processing on a pool of workers ----------------------------------------------------------------------


def process_images(
    workers: int = 4,
    rate: float = 8.0,
    work: Distribution | float = IMAGE_WORK,
    *,
    until: float = 300.0,
    drain: bool = False,
    seed: int = 0,
) -> QueueResults:
    """Upload images at `rate` per second into a queue that `workers` workers drain, each image taking `work` seconds.

    Throughput rises with workers until it matches the upload rate; below that the backlog grows
    without end. Taught in lessons/03_queues.ipynb.

    >>> res = process_images(workers=4, rate=8.0)   # 8 images/s of 0.4 s each: 80 % busy
    >>> law = res.littles_law()
    >>> law.relative_error < 0.05
    True
    """
    _workers(workers)
    _positive("rate", rate)
    scenario = QueueScenario(source=Poisson(rate=rate), processing=work, consumers=workers, seed=seed)
    return simulate(scenario, until=until, drain=drain)


class WorkerRow(NamedTuple):
    """One row of a worker sweep: offered utilization, throughput, backlog left, p99 and Little's law."""

    workers: int
    utilization: float
    throughput: float
    backlog: int
    p99: float
    littles_law: LittlesLaw


def worker_sweep(
    workers: Iterable[int] = (1, 2, 3, 4, 5, 6, 8),
    rate: float = 8.0,
    work: Distribution | float = IMAGE_WORK,
    *,
    until: float = 300.0,
    seed: int = 0,
) -> list[WorkerRow]:
    """Run `process_images` for each worker count: throughput and the backlog left at `until`.

    >>> rows = worker_sweep(workers=(2, 4), until=60)
    >>> rows[0].backlog > 100, rows[1].backlog < 20
    (True, True)
    """
    mean = as_distribution(work).mean
    rows = []
    for n in workers:
        res = process_images(n, rate, work, until=until, seed=seed)
        s = res.summary()
        rows.append(WorkerRow(n, rate * mean / n, s.throughput, s.queued + s.in_flight, s.p99, res.littles_law()))
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
    rates: Sequence[float] = (4.0, 12.0, 20.0, 28.0, 36.0),
    workers: int = 2,
    processing: Distribution | float = CALL_WORK,
    *,
    poll_interval: float = 0.5,
    hop: float = 0.01,
    budget: float = 0.5,
    until: float = 300.0,
    seed: int = 0,
) -> list[SyncRow]:
    """Compare a direct call with the same work sent through a queue, for a caller that needs an answer in `budget` s.

    The queued path adds a network `hop` to the broker for the request and one for the reply,
    and the consumer's wait for its next poll (a worker that sleeps `poll_interval` seconds
    after finding the queue empty; 0 means long polling); the caller is assumed to get its
    reply the moment it lands. The work itself and the queueing behind busy workers are the
    same on both paths (same seed, same times). Taught in lessons/03_queues.ipynb.

    >>> row = sync_vs_queue(rates=(4.0,), until=120)[0]
    >>> row.direct_ok, row.queue_ok, row.added_p50 > 0.1
    (True, False, True)
    """
    _workers(workers)
    for name, value in (("budget", budget), ("until", until)):
        _positive(name, value)
    if (
        isinstance(poll_interval, bool)
        or not isinstance(poll_interval, (int, float))
        or not 0 <= poll_interval < math.inf
    ):
        raise ValueError(f"poll_interval must be zero or more seconds (got {poll_interval!r})")
    if isinstance(hop, bool) or not isinstance(hop, (int, float)) or not 0 <= hop < math.inf:
        raise ValueError(f"hop must be zero or more seconds (got {hop!r})")
    mean = as_distribution(processing).mean
    rows = []
    for rate in rates:
        _positive("rate", rate)
        direct = [r.latency for r in run_pool(Poisson(rate), processing, workers, until=until, seed=seed).records
                  if r.status == "served"]  # fmt: skip
        scenario = QueueScenario(
            source=Poisson(rate), processing=processing, consumers=workers, poll_interval=poll_interval, seed=seed
        )
        # the request and the reply each cross the network to the broker once
        queued = [r.latency + 2 * hop for r in simulate(scenario, until=until).records if r.status == "acked"]
        rows.append(
            SyncRow(
                rate=rate,
                utilization=rate * mean / workers,
                direct_p50=percentile(direct, 50),
                direct_p99=percentile(direct, 99),
                queue_p50=percentile(queued, 50),
                queue_p99=percentile(queued, 99),
                budget=budget,
            )
        )
    return rows


# -- 4. failures: flaky consumers, a poison message, and retry policies --------------------------------------------

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
    retry: RetryPolicy,
    *,
    rate: float = 20.0,
    burst: int = 200,
    burst_at: float = 20.0,
    consumers: int = 10,
    processing: Distribution | float = 0.05,
    outage: tuple[float, float] | None = (20.0, 30.0),
    failure_rate: float = 0.02,
    poison: Iterable[int] = (5,),
    fail_time: float = 0.01,
    until: float = 60.0,
    drain_limit: float = 60.0,
    seed: int = 0,
) -> QueueResults:
    """Run flaky consumers, a downstream `outage`, a `burst` and `poison` messages under one `retry` policy.

    Messages arrive at `rate` per second plus `burst` more within one second from `burst_at`;
    every attempt fails with probability `failure_rate`, and all of them fail during `outage`.
    Failed attempts are fast (`fail_time`), so retrying at once hammers the broken dependency;
    backoff spaces the attempts, jitter spreads the burst's retries apart, and a maximum number
    of attempts sends the poison message to the dead-letter queue instead of round forever.
    The run drains for at most `drain_limit` seconds. Taught in lessons/03_queues.ipynb.

    >>> res = failure_drill(RetryPolicy(backoff="exponential", base=0.5, cap=30, max_attempts=8))
    >>> [(d.message, d.reason) for d in res.dead_letters]
    [(5, 'max attempts')]
    """
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 0:
        raise ValueError(f"burst must be a whole number of messages, 0 or more (got {burst!r})")
    faults = Faults(failure_rate=failure_rate, outage=outage, poison=frozenset(poison), fail_time=fail_time)
    source = Spike(base=rate, peak=rate + burst, start=burst_at, duration=1.0)
    scenario = QueueScenario(
        source=source, processing=processing, consumers=consumers, retry=retry, faults=faults, seed=seed
    )
    return simulate(scenario, until=until, drain=True, drain_limit=drain_limit)


class RetryRow(NamedTuple):
    """How one retry policy fared in the failure drill (peaks are deliveries per `bin` seconds)."""

    name: str
    produced: int
    deliveries: int
    peak_deliveries: int
    recovery_peak: int
    acked: int
    dead_lettered: int
    poison_deliveries: int
    p99: float
    drained: bool

    @property
    def amplification(self) -> float:
        """Deliveries per message produced: 1.0 means no retries at all."""
        return self.deliveries / self.produced if self.produced else math.nan


def retry_row(
    name: str,
    res: QueueResults,
    bin: float = 0.5,
    poison: Iterable[int] = (5,),
    outage: tuple[float, float] | None = (20.0, 30.0),
) -> RetryRow:
    """Sum up one `failure_drill` run as a `RetryRow` (what `compare_retries` does for each policy).

    >>> res = failure_drill(RetryPolicy(backoff="exponential", base=0.5, cap=30, max_attempts=8))
    >>> row = retry_row("exponential", res)
    >>> row.dead_lettered, row.poison_deliveries, row.drained
    (1, 8, True)
    """
    s = res.summary()
    ts = res.timeseries(bin=bin)
    poison = set(poison)
    after = [n for t, n in zip(ts.t, ts.deliveries, strict=True) if outage is None or t >= outage[1]]
    return RetryRow(
        name=name,
        produced=s.produced,
        deliveries=s.deliveries,
        peak_deliveries=max(ts.deliveries),
        recovery_peak=max(after, default=0),
        acked=s.acked,
        dead_lettered=s.dead_lettered,
        poison_deliveries=sum(r.deliveries for r in res.records if r.id in poison),
        p99=s.p99,
        drained=res.drained,
    )


def compare_retries(policies: Mapping[str, RetryPolicy] | None = None, bin: float = 0.5, **drill) -> list[RetryRow]:
    """Run `failure_drill` under each named policy (default `RETRY_POLICIES`); one row each.

    `peak_deliveries` is the most deliveries in any `bin` seconds: the load the consumers put
    on the dependency; `recovery_peak` is the same from the end of the outage on, when
    synchronized retries hit a service that has just come back. Keyword arguments go to
    `failure_drill`.

    >>> at_once, backoff = compare_retries(
    ...     {"at once": RetryPolicy(backoff="none", max_attempts=50), "backoff": RetryPolicy(base=0.5, max_attempts=8)},
    ...     consumers=4, burst=50, until=35, drain_limit=30)
    >>> at_once.peak_deliveries > 2 * backoff.peak_deliveries, at_once.dead_lettered > 50, backoff.dead_lettered
    (True, True, 1)
    """
    poison = tuple(drill.get("poison", (5,)))
    outage = drill.get("outage", (20.0, 30.0))
    return [
        retry_row(name, failure_drill(policy, **drill), bin, poison, outage)
        for name, policy in (RETRY_POLICIES if policies is None else policies).items()
    ]
