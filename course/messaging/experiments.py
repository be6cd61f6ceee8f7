"""Lesson 3's experiments: each runs a `QueueScenario` you can print, and sums the runs up for a chart.

Every experiment is a thin composition of `QueueScenario`, `dataclasses.replace` and `simulate`
(plus `course.sim.run_pool` where a queue is compared with no queue at all), so the lesson shows
the scenario it runs. Every run is seeded and bounded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

from course.sim import Results, Spike, run_pool, validate

from .consumers import processing_time
from .results import LittlesLaw, QueueResults
from .scenario import QueueScenario
from .simulation import simulate

__all__ = ["BurstComparison", "WorkerRow", "ride_burst", "worker_sweep"]


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
    def peak_backlog(self) -> int:
        """The most messages waiting in the queue at once (ready, not yet taken by a worker)."""
        return max(ready for _, ready, *_ in self.queued.gauges)

    @property
    def drain_rate(self) -> float:
        """Messages per second the backlog shrinks by once the burst is over: capacity minus the base arrivals.

        Capacity is consumers / mean processing time; the base arrivals are the `Spike`'s `base`.
        """
        s = self.queued.scenario
        capacity = s.consumers / processing_time(s.processing).mean
        return capacity - float(s.source.base)  # type: ignore[union-attr]  # ride_burst checked it is a Spike

    @property
    def drain_time(self) -> float:
        """Backlog / drain rate: how long the peak backlog takes to clear, the wait of the last message in line.

        This is arithmetic for one transient (a backlog draining), not Little's law: Little's law
        relates *long-run averages* (average number inside = arrival rate x average time inside).
        """
        return self.peak_backlog / self.drain_rate if self.drain_rate > 0 else math.inf

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

    >>> from course.sim import Poisson
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
