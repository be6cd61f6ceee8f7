"""What a balancer run produced: one flat record per request, per-backend stats, outages, time series."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from course.sim import format_duration, percentile

from .scaling import ScaleReport

__all__ = [
    "OUTCOMES",
    "BackendStats",
    "BalancerRecord",
    "BalancerResults",
    "BalancerSummary",
    "BalancerTimeSeries",
    "OutageReport",
]

OUTCOMES = {200: "served", 502: "failed", 503: "dropped", 0: "unfinished"}


class BalancerRecord(NamedTuple):
    """One request's fate, counted exactly once.

    `status` is 200 (served), 502 (failed: its backend was dead or died while serving it),
    503 (dropped: the backend's queue was full, or no backend was up) or 0 (unfinished
    when the run ended). `backend` is the last backend tried ("" if none, "cache" for a
    cache hit); `attempts` counts backends tried; `note` says why it failed or was dropped.
    """

    request: int
    arrival: float
    start: float
    end: float
    backend: str
    status: int
    attempts: int
    connection: int
    client: int
    note: str

    @property
    def latency(self) -> float:
        """Seconds from arrival to the response (or the error)."""
        return self.end - self.arrival

    @property
    def wait(self) -> float:
        """Seconds before a backend worker started on it."""
        return self.start - self.arrival

    @property
    def outcome(self) -> str:
        """ "served", "failed", "dropped" or "unfinished"."""
        return OUTCOMES[self.status]


@dataclass(frozen=True)
class BalancerSummary:
    """The headline numbers of a run; prints as one line. `requests = served + failed + dropped + unfinished`."""

    requests: int
    served: int
    failed: int
    dropped: int
    unfinished: int
    p50: float
    p95: float
    p99: float
    sent_to_dead: int
    busiest: str
    busiest_utilization: float

    def __repr__(self) -> str:
        return (
            f"BalancerSummary(requests={self.requests}, served={self.served}, failed={self.failed}, "
            f"dropped={self.dropped}, unfinished={self.unfinished}, p50={format_duration(self.p50)}, "
            f"p95={format_duration(self.p95)}, p99={format_duration(self.p99)}, sent_to_dead={self.sent_to_dead}, "
            f"busiest={self.busiest} at {self.busiest_utilization:.0%})"
        )


@dataclass(frozen=True)
class BackendStats:
    """One backend over the run: its share of the traffic sent, how busy it was, and its states.

    `share` is its part of all attempts the balancer sent to a backend; `utilization` is busy
    worker time over worker time while it was in the pool; `mean_in_flight` is the average
    number of requests queued or in service (Little's law); `timeline` lists
    `(time, state)` changes with states from `backend.STATES`.
    """

    name: str
    speed: float
    weight: float
    sent: int
    served: int
    failed: int
    dropped: int
    sent_while_dead: int
    share: float
    utilization: float
    mean_in_flight: float
    max_in_flight: int
    p99: float
    added: float
    removed: float | None
    timeline: tuple[tuple[float, str], ...]

    def __repr__(self) -> str:
        return (
            f"BackendStats({self.name!r}, speed={self.speed:g}, share={self.share:.0%}, "
            f"utilization={self.utilization:.0%}, p99={format_duration(self.p99)}, served={self.served}, "
            f"failed={self.failed}, "
            f"dropped={self.dropped}, state={self.timeline[-1][1]})"
        )

    def state_at(self, t: float) -> str:
        """The backend's state at time `t` ("absent" before it joined)."""
        current = "absent"
        for time, state in self.timeline:
            if time > t:
                break
            current = state
        return current


@dataclass(frozen=True)
class OutageReport:
    """One outage: when `backend` died and came back, when the balancer stopped sending it
    traffic (`marked_down`), `detection = marked_down - died`, and how many requests were
    sent to it while it was dead."""

    backend: str
    died: float
    recovered: float | None
    marked_down: float | None
    sent_while_dead: int

    @property
    def detection(self) -> float | None:
        """Seconds from death until the balancer stopped routing to it (None: it never did)."""
        return None if self.marked_down is None else self.marked_down - self.died

    def __repr__(self) -> str:
        detect = "never detected" if self.detection is None else f"detected after {self.detection:.2f} s"
        back = "" if self.recovered is None else f", back at {self.recovered:g} s"
        return (
            f"OutageReport({self.backend!r} died at {self.died:g} s, {detect}, "
            f"{self.sent_while_dead} requests sent to it while dead{back})"
        )


@dataclass(frozen=True)
class BalancerTimeSeries:
    """Per-bin counts and latency percentiles, for `ax.plot(ts.t, ts.p99)`.

    Arrivals count by arrival time, outcomes by end time. Latency columns are NaN where
    nothing was served. `per_backend[name][i]` counts requests served by `name` in bin `i`.
    """

    t: list[float]
    arrivals: list[int]
    served: list[int]
    failed: list[int]
    dropped: list[int]
    p50: list[float]
    p95: list[float]
    p99: list[float]
    per_backend: dict[str, list[int]]


class BalancerResults:
    """Everything a run produced: `records` (one per request, in arrival order), `backends`
    (a `BackendStats` each, in pool order), `outages`, `scaling` and `instances`
    (`(time, backends taking traffic)` changes).

    `tls_seconds` is CPU time spent on TLS by `"balancer"` and `"backends"`.
    """

    def __init__(
        self,
        records: list[BalancerRecord],
        backends: list[BackendStats],
        outages: list[OutageReport],
        scaling: list[ScaleReport],
        instances: list[tuple[float, int]],
        until: float,
        tls_seconds: dict[str, float],
        scenario: Any = None,
    ):
        self.records = records
        self.backends = backends
        self.outages = outages
        self.scaling = scaling
        self.instances = instances
        self.until = until
        self.tls_seconds = tls_seconds
        self.scenario = scenario

    def __repr__(self) -> str:
        return f"BalancerResults({len(self.records)} requests over {self.until:g} s) -> {self.summary()!r}"

    def backend(self, name: str) -> BackendStats:
        """The stats of backend `name`."""
        for b in self.backends:
            if b.name == name:
                return b
        raise KeyError(f"no backend {name!r}; the backends are {[b.name for b in self.backends]}")

    @property
    def balancer_utilization(self) -> float:
        """Share of the balancer's CPUs spent on TLS (only an L7 balancer terminating TLS works)."""
        workers = getattr(getattr(self.scenario, "layer", None), "workers", None)
        busy = self.tls_seconds.get("balancer", 0.0)
        return busy / (workers * self.until) if workers and self.until else 0.0

    def shares(self) -> dict[str, float]:
        """Each backend's share of the traffic sent to backends (they add up to 1 if any was sent)."""
        return {b.name: b.share for b in self.backends}

    def counts(self) -> dict[str, int]:
        """How many requests ended each way: served, failed, dropped, unfinished."""
        out = dict.fromkeys(OUTCOMES.values(), 0)
        for r in self.records:
            out[OUTCOMES[r.status]] += 1
        return out

    def latencies(self, backend: str | None = None) -> list[float]:
        """Latencies of served requests (of one backend if given)."""
        return [r.latency for r in self.records if r.status == 200 and (backend is None or r.backend == backend)]

    def summary(self) -> BalancerSummary:
        """Outcomes, latency percentiles of served requests, requests sent to dead backends, the busiest backend."""
        counts = self.counts()
        served = self.latencies()
        busiest = max(self.backends, key=lambda b: b.utilization, default=None)
        return BalancerSummary(
            requests=len(self.records),
            served=counts["served"],
            failed=counts["failed"],
            dropped=counts["dropped"],
            unfinished=counts["unfinished"],
            p50=percentile(served, 50),
            p95=percentile(served, 95),
            p99=percentile(served, 99),
            sent_to_dead=sum(b.sent_while_dead for b in self.backends),
            busiest=busiest.name if busiest else "",
            busiest_utilization=busiest.utilization if busiest else 0.0,
        )

    def timeseries(self, bin: float = 1.0) -> BalancerTimeSeries:
        """Counts and latency percentiles per `bin` seconds."""
        if isinstance(bin, bool) or not isinstance(bin, (int, float)) or not bin > 0 or math.isinf(bin):
            raise ValueError(f"bin must be a positive number of seconds (got {bin!r}), e.g. bin=1.0")
        n = max(1, math.ceil(self.until / bin - 1e-9))
        if n > 100_000:
            raise ValueError(f"bin={bin!r} cuts {self.until:g} s into {n:,} bins; use a wider bin")
        arrivals, served, failed, dropped = [0] * n, [0] * n, [0] * n, [0] * n
        lat: list[list[float]] = [[] for _ in range(n)]
        per = {b.name: [0] * n for b in self.backends}
        for r in self.records:
            arrivals[min(int(r.arrival / bin), n - 1)] += 1
            k = min(int(r.end / bin), n - 1)
            if r.status == 200:
                served[k] += 1
                lat[k].append(r.latency)
                if r.backend in per:
                    per[r.backend][k] += 1
            elif r.status == 502:
                failed[k] += 1
            elif r.status == 503:
                dropped[k] += 1
        return BalancerTimeSeries(
            t=[i * bin for i in range(n)],
            arrivals=arrivals,
            served=served,
            failed=failed,
            dropped=dropped,
            p50=[percentile(x, 50) for x in lat],
            p95=[percentile(x, 95) for x in lat],
            p99=[percentile(x, 99) for x in lat],
            per_backend=per,
        )
