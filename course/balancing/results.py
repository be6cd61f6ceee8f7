"""What a balancer run produced: one flat record per request, the summary, time series, and the whole results.

Every request ends with one outcome from `course.sim.OUTCOMES`: served, failed (a crashed backend
refused it or lost it: an HTTP 502), rejected (a full queue or no backend up: a 503), timed_out (an
unreachable backend never answered: a 504) or unfinished when the run ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from course.sim import RunResults, SummaryBase, format_duration, percentile, percentiles, seconds, share, validate

from .caveats import caveats
from .reports import BackendStats, OutageReport, ScaleReport, _count, _latency, _time
from .scenario import BalancerScenario

__all__ = [
    "BALANCER_OUTCOMES",
    "HTTP_STATUS",
    "BalancerRecord",
    "BalancerResults",
    "BalancerSummary",
    "BalancerTimeSeries",
]

# the words of course.sim.OUTCOMES used here
BALANCER_OUTCOMES = ("served", "failed", "rejected", "timed_out", "unfinished")
HTTP_STATUS = {
    "served": 200,
    "failed": 502,
    "rejected": 503,
    "timed_out": 504,
}  # what a client of the balancer receives


class _RecordFields(NamedTuple):
    request: int
    arrival: float
    start: float
    end: float
    backend: str
    outcome: str
    attempts: int
    connection: int
    client: int
    note: str


class BalancerRecord(_RecordFields):
    """One request's fate, counted exactly once.

    `outcome` is "served", "failed" (a crashed backend refused it or died while serving it: a
    502), "rejected" (the backend's queue was full, or no backend was up: a 503), "timed_out"
    (an unreachable backend never accepted or never answered it: a 504) or "unfinished" (when
    the run ended). `backend` is the last backend tried ("" if none, "cache" for a cache hit);
    `attempts` counts backends tried; `note` says why it failed: "connection refused" and
    "connect timed out" (never sent), "backend died" and "no response" (sent, then lost),
    "queue full", "no backend up".

    >>> r = BalancerRecord(0, 1.0, 1.0, 1.25, "b0", "served", 1, 0, 7, "")
    >>> r.latency, r.http_status
    (0.25, 200)
    """

    __slots__ = ()

    def __new__(
        cls,
        request: int,
        arrival: float,
        start: float,
        end: float,
        backend: str,
        outcome: str,
        attempts: int,
        connection: int,
        client: int,
        note: str,
    ) -> BalancerRecord:
        _count("request", request)
        for name, t in (("arrival", arrival), ("start", start), ("end", end)):
            _time(name, t)
        if not arrival <= start <= end:
            raise ValueError(f"start must lie from arrival to end (got {arrival!r}, {start!r}, {end!r})")
        validate.instance("backend", backend, str, example="backend='b0'")
        validate.choice("outcome", outcome, BALANCER_OUTCOMES)
        for name, n in (("attempts", attempts), ("connection", connection), ("client", client)):
            _count(name, n)
        validate.instance("note", note, str, example="note='queue full'")
        fields = (request, arrival, start, end, backend, outcome, attempts, connection, client, note)
        return super().__new__(cls, *fields)

    @property
    def latency(self) -> float:
        """Seconds from arrival to the response (or the error)."""
        return self.end - self.arrival

    @property
    def wait(self) -> float:
        """Seconds before a backend worker started on it."""
        return self.start - self.arrival

    @property
    def http_status(self) -> int | None:
        """The HTTP status the client received: 200, 502, 503 or 504 (None while unfinished)."""
        return HTTP_STATUS.get(self.outcome)


def _record(*fields: object) -> BalancerRecord:
    """A record the simulator built from values it already checked (no second check)."""
    return tuple.__new__(BalancerRecord, fields)


@dataclass(frozen=True, repr=False)
class BalancerSummary(SummaryBase):
    """The headline numbers of a run: `requests = served + failed + rejected + timed_out + unfinished`.

    `died` names the first backend that died ("" if none) and `died_how` how ("crashed" or
    "unreachable"); `detection` is how long the balancer kept sending it traffic (None: it never
    stopped); `sent_to_dead` counts every request sent to a dead backend. `caveats` name settings
    that could not matter in this run (see `course.balancing.caveats`). `str()` says it in two or
    three sentences.
    """

    requests: int
    served: int
    failed: int
    rejected: int
    timed_out: int
    unfinished: int
    busiest: str
    sent_to_dead: int
    died: str
    died_at: float | None
    detection: float | None
    p50: float = seconds()  # fields with a unit come last (the dataclass needs no default after them)
    p95: float = seconds()
    p99: float = seconds()
    busiest_utilization: float = share("busiest backend busy")
    died_how: str = ""
    caveats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("requests", "served", "failed", "rejected", "timed_out", "unfinished", "sent_to_dead"):
            _count(name, getattr(self, name))
        if self.served + self.failed + self.rejected + self.timed_out + self.unfinished != self.requests:
            raise ValueError(f"requests must equal served + failed + rejected + timed_out + unfinished (got {self!r})")
        for name in ("p50", "p95", "p99"):
            _latency(name, getattr(self, name))
        validate.instance("busiest", self.busiest, str, example="busiest='b0'")
        validate.probability("busiest_utilization", self.busiest_utilization, why="share of worker time busy")
        validate.instance("died", self.died, str, example="died='b0'")
        validate.choice("died_how", self.died_how, ("", "crashed", "unreachable"))
        for name in ("died_at", "detection"):
            if getattr(self, name) is not None:
                _time(name, getattr(self, name))
        validate.instance("caveats", self.caveats, tuple, example="caveats=('L4 here balances as L7 would',)")

    def _items(self) -> Iterable[tuple[str, str, str]]:
        return (item for item in super()._items() if item[0] != "caveats")  # words for people, not the repr

    def lines(self) -> list[str]:
        """Outcomes first, then latency and the busiest backend, then the first outage and any caveats."""
        if not self.requests:
            first = "No requests arrived."
        else:
            troubles = [
                f"{n:,} {words}"
                for n, words in (
                    (self.failed, "failed (502)"),
                    (self.rejected, "rejected (503)"),
                    (self.timed_out, "timed out (504)"),
                    (self.unfinished, "still in flight at the end"),
                )
                if n
            ]
            first = f"{self.served:,} of {self.requests:,} requests served ({self.served / self.requests:.0%})"
            first += "; " + ", ".join(troubles) + "." if troubles else "."
        out = [
            first,
            f"p50 {format_duration(self.p50)}, p95 {format_duration(self.p95)}, p99 {format_duration(self.p99)}; "
            + (
                f"busiest backend {self.busiest}, {self.busiest_utilization:.0%} busy."
                if self.busiest and self.busiest_utilization > 0
                else "every backend idle."
            ),
        ]
        last = []
        if self.died:
            when = "" if self.died_at is None else f" at {self.died_at:g} s"
            left = "never taken out of rotation"
            if self.detection is not None:
                left = f"out of rotation after {self.detection:.1f} s"
            how = {"crashed": "crashed", "unreachable": "became unreachable"}.get(self.died_how, "died")
            last.append(f"{self.died} {how}{when}, {left}: {self.sent_to_dead:,} requests sent to it while dead.")
        last.extend(f"{c[0].upper()}{c[1:]}." for c in self.caveats)
        if last:
            out.append(" ".join(last))
        return out


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
    rejected: list[int]
    timed_out: list[int]
    p50: list[float]
    p95: list[float]
    p99: list[float]
    per_backend: dict[str, list[int]]

    def __post_init__(self) -> None:
        for name in ("t", "arrivals", "served", "failed", "rejected", "timed_out", "p50", "p95", "p99"):
            column = validate.instance(name, getattr(self, name), list, example=f"{name}=[...], one value per bin")
            if len(column) != len(self.t):
                raise ValueError(f"{name} must have one value per bin: {len(self.t)} (got {len(column)})")
        validate.instance("per_backend", self.per_backend, dict, example="per_backend={'b0': [...]}")


class BalancerResults(RunResults):
    """Everything a run produced: `records` (one per request, in arrival order), `backends`
    (a `BackendStats` each, in pool order), `outages`, `scaling` and `instances`
    (`(time, backends taking traffic)` changes).

    `tls_seconds` is CPU time spent on TLS by `"balancer"` and `"backends"`.

    >>> from course.balancing import BalancerScenario, simulate
    >>> res = simulate(BalancerScenario.example(failure="none"), until=5)
    >>> res.counts()
    {'served': 347, 'failed': 0, 'rejected': 0, 'timed_out': 0, 'unfinished': 2}
    """

    scenario: BalancerScenario
    records: list[BalancerRecord]

    def __init__(
        self,
        scenario: BalancerScenario,
        records: list[BalancerRecord],
        until: float,
        backends: Sequence[BackendStats],
        outages: Sequence[OutageReport] = (),
        scaling: Sequence[ScaleReport] = (),
        instances: Sequence[tuple[float, int]] = (),
        tls_seconds: dict[str, float] | None = None,
    ):
        validate.instance("scenario", scenario, BalancerScenario, example="BalancerScenario.example()")
        validate.instance("records", records, list, example="records=[BalancerRecord(...), ...]")
        until = validate.until(until)
        for name, items, kind in (
            ("backends", backends, BackendStats),
            ("outages", outages, OutageReport),
            ("scaling", scaling, ScaleReport),
        ):
            validate.instance(name, items, (list, tuple), example=f"{name}=[]")
            for item in items:
                validate.instance(name, item, kind, example=f"a list of {kind.__name__}")
        validate.instance("instances", instances, (list, tuple), example="instances=[(0.0, 5)]")
        tls = {"balancer": 0.0, "backends": 0.0} if tls_seconds is None else tls_seconds
        validate.instance("tls_seconds", tls, dict, example="tls_seconds={'balancer': 0.0, 'backends': 0.0}")
        super().__init__(scenario, records, until)
        self.backends = list(backends)
        self.outages = list(outages)
        self.scaling = list(scaling)
        self.instances = list(instances)
        self.tls_seconds = tls

    def backend(self, name: str) -> BackendStats:
        """The stats of backend `name`."""
        for b in self.backends:
            if b.name == name:
                return b
        raise ValueError(f"name must be one of the backends {[b.name for b in self.backends]} (got {name!r})")

    @property
    def balancer_utilization(self) -> float:
        """Share of the balancer's CPUs spent on TLS (only a balancer that terminates TLS works: L7, or L4 told to)."""
        workers = getattr(self.scenario.layer, "workers", None)
        busy = self.tls_seconds.get("balancer", 0.0)
        return busy / (workers * self.until) if workers else 0.0

    def shares(self) -> dict[str, float]:
        """Each backend's share of the traffic sent to backends (they add up to 1 if any was sent)."""
        return {b.name: b.share for b in self.backends}

    def counts(self) -> dict[str, int]:
        """How many requests ended each way: served, failed, rejected, timed_out, unfinished (zeros included)."""
        out = dict.fromkeys(BALANCER_OUTCOMES, 0)
        for r in self.records:
            out[r.outcome] += 1
        return out

    def outcomes(self, attribute: str = "outcome") -> dict[str, int]:
        """How many records ended in each outcome, most common first."""
        return super().outcomes(attribute)

    def latencies(self, backend: str | None = None) -> list[float]:
        """Latencies of served requests (of one backend if given)."""
        if backend is not None:
            self.backend(backend)  # checks the name
        return [r.latency for r in self.records if r.outcome == "served" and (backend is None or r.backend == backend)]

    def summary(self) -> BalancerSummary:
        """Outcomes, latency percentiles of served requests, the busiest backend, the first outage, caveats."""
        counts = self.counts()
        p50, p95, p99 = percentiles(self.latencies(), (50, 95, 99))
        busiest = max(self.backends, key=lambda b: b.utilization, default=None)
        first = self.outages[0] if self.outages else None
        return BalancerSummary(
            requests=len(self.records),
            served=counts["served"],
            failed=counts["failed"],
            rejected=counts["rejected"],
            timed_out=counts["timed_out"],
            unfinished=counts["unfinished"],
            p50=p50,
            p95=p95,
            p99=p99,
            busiest=busiest.name if busiest else "",
            busiest_utilization=busiest.utilization if busiest else 0.0,
            sent_to_dead=sum(b.sent_while_dead for b in self.backends),
            died=first.backend if first else "",
            died_how=first.died_how if first else "",
            died_at=first.died if first else None,
            detection=first.detection if first else None,
            caveats=caveats(self),
        )

    def timeseries(self, bin: float = 1.0) -> BalancerTimeSeries:
        """Counts and latency percentiles per `bin` seconds."""
        n, width = self.bins(bin)
        arrivals, served, failed, rejected, timed_out = [0] * n, [0] * n, [0] * n, [0] * n, [0] * n
        lat: list[list[float]] = [[] for _ in range(n)]
        per = {b.name: [0] * n for b in self.backends}
        for r in self.records:
            arrivals[min(int(r.arrival / width), n - 1)] += 1
            k = min(int(r.end / width), n - 1)
            if r.outcome == "served":
                served[k] += 1
                lat[k].append(r.latency)
                if r.backend in per:
                    per[r.backend][k] += 1
            elif r.outcome == "failed":
                failed[k] += 1
            elif r.outcome == "rejected":
                rejected[k] += 1
            elif r.outcome == "timed_out":
                timed_out[k] += 1
        return BalancerTimeSeries(
            t=[i * width for i in range(n)],
            arrivals=arrivals,
            served=served,
            failed=failed,
            rejected=rejected,
            timed_out=timed_out,
            p50=[percentile(x, 50) for x in lat],
            p95=[percentile(x, 95) for x in lat],
            p99=[percentile(x, 99) for x in lat],
            per_backend=per,
        )
