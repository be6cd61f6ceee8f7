"""Results of a simulated run: flat records, a one-line summary, and time series for plots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["Record", "Results", "Summary", "TimeSeries", "format_duration", "percentile", "percentiles"]


class Record(NamedTuple):
    """One job's fate: when it arrived, started and ended, on which server, and how it ended.

    `status` is "served", "dropped" (it found the queue full; `start == end == arrival`,
    `server == -1`) or "unfinished" (still queued or in service when the run ended).
    `tag` is whatever the caller attached (a request, say).
    """

    job: int
    arrival: float
    start: float
    end: float
    server: int
    status: str
    tag: Any = None

    @property
    def wait(self) -> float:
        """Seconds spent queued before a server took the job."""
        return self.start - self.arrival

    @property
    def latency(self) -> float:
        """Seconds from arrival to the end of service (the sojourn time)."""
        return self.end - self.arrival


def percentiles(values: Sequence[float], qs: Sequence[float]) -> tuple[float, ...]:
    """The `qs`-th percentiles (each 0..100) with linear interpolation, from one sort; NaN for no values.

    >>> percentiles([4, 1, 3, 2], [50, 100])
    (2.5, 4.0)
    """
    for q in qs:
        if not 0 <= q <= 100:
            raise ValueError(f"a percentile must be between 0 and 100 (got {q!r})")
    if not values:
        return tuple(math.nan for _ in qs)
    ordered = sorted(values)
    last = len(ordered) - 1

    def at(q: float) -> float:
        pos = last * q / 100
        lo = math.floor(pos)
        hi = min(lo + 1, last)
        return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))

    return tuple(at(q) for q in qs)


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0..100) with linear interpolation; NaN for no values.

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    >>> percentile([], 99)
    nan
    """
    return percentiles(values, [q])[0]


def format_duration(seconds: float) -> str:
    """A duration as people read it in a summary line: milliseconds below a second.

    >>> format_duration(0.0412), format_duration(2.5), format_duration(float("nan"))
    ('41 ms', '2.50 s', 'n/a')
    """
    if math.isnan(seconds):
        return "n/a"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


@dataclass(frozen=True)
class Summary:
    """The headline numbers of a run; prints as one line."""

    requests: int
    served: int
    dropped: int
    unfinished: int
    throughput: float
    p50: float
    p95: float
    p99: float
    utilization: float

    def __repr__(self) -> str:
        return (
            f"Summary(requests={self.requests}, served={self.served}, dropped={self.dropped}, "
            f"unfinished={self.unfinished}, "
            f"throughput={self.throughput:.1f}/s, p50={format_duration(self.p50)}, p95={format_duration(self.p95)}, "
            f"p99={format_duration(self.p99)}, utilization={self.utilization:.0%})"
        )


@dataclass(frozen=True)
class TimeSeries:
    """Per-bin counts and latency percentiles, ready for `ax.plot(ts.t, ts.p99)`.

    `t` holds bin starts; latency columns are NaN in bins where nothing finished.
    """

    t: list[float]
    arrivals: list[int]
    served: list[int]
    dropped: list[int]
    p50: list[float]
    p99: list[float]


class Results:
    """Everything a run produced: `records` (one per job, in arrival order) and the run's context.

    >>> from course.sim import Exponential, Poisson, run_pool
    >>> res = run_pool(Poisson(rate=5), Exponential(rate=10), servers=1, until=100, seed=1)
    >>> s = res.summary()
    >>> s.requests == s.served + s.dropped + s.unfinished
    True
    """

    def __init__(self, records: list[Record], until: float, servers: int, busy_time: float):
        self.records = records
        self.until = until
        self.servers = servers
        self.busy_time = busy_time

    def __repr__(self) -> str:
        return f"Results({len(self.records)} records over {self.until:g} s) -> {self.summary()!r}"

    def summary(self) -> Summary:
        """Throughput, latency percentiles of served jobs, drops and utilization."""
        served = [r.latency for r in self.records if r.status == "served"]
        dropped = sum(1 for r in self.records if r.status == "dropped")
        capacity = self.servers * self.until
        p50, p95, p99 = percentiles(served, (50, 95, 99))
        return Summary(
            requests=len(self.records),
            served=len(served),
            dropped=dropped,
            unfinished=len(self.records) - len(served) - dropped,
            throughput=len(served) / self.until if self.until else 0.0,
            p50=p50,
            p95=p95,
            p99=p99,
            utilization=self.busy_time / capacity if capacity else 0.0,
        )

    def timeseries(self, bin: float = 1.0) -> TimeSeries:
        """Counts per `bin` seconds (arrivals by arrival time, outcomes by end time)."""
        if not bin > 0:
            raise ValueError(f"bin must be a positive number of seconds (got {bin!r})")
        n = max(1, math.ceil(self.until / bin))
        arrivals, served, dropped = [0] * n, [0] * n, [0] * n
        lat: list[list[float]] = [[] for _ in range(n)]
        for r in self.records:
            arrivals[min(int(r.arrival / bin), n - 1)] += 1
            k = min(int(r.end / bin), n - 1)
            if r.status == "served":
                served[k] += 1
                lat[k].append(r.latency)
            elif r.status == "dropped":
                dropped[k] += 1
        return TimeSeries(
            t=[i * bin for i in range(n)],
            arrivals=arrivals,
            served=served,
            dropped=dropped,
            p50=[percentile(x, 50) for x in lat],
            p99=[percentile(x, 99) for x in lat],
        )
