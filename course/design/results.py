"""What a simulated design produced: one record per request, figures per part, flows for the picture.

A run keeps its requests as compact columns (about 30 bytes each), so a million-request run fits in
memory; `records` turns them into named tuples when the design keeps records. Every figure is
computed from the run once, when it ends, so the live parts (queues full of messages) are dropped.

Taught in lessons/06_putting_it_together.ipynb.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ..gateway import outcome_of
from ..sim import Flow, RunResults, SummaryBase, format_duration, per_second, percentiles, seconds, share, validate
from ..sim.outcomes import OUTCOMES
from .links import SyncCall

if TYPE_CHECKING:
    from .simulation import _Run

__all__ = ["DesignRecord", "DesignResults", "DesignSummary", "DesignTimeSeries", "Figures", "PartStats"]

WORDS = tuple(OUTCOMES)
COLUMNS = ("arrival", "latency", "finished", "status", "outcome", "attempts", "client", "endpoint", "keyed")
PART_KINDS = ("gateway", "tier", "queue", "stream", "group")


class DesignRecord(NamedTuple):
    """One request's fate: when it `arrival`-ed, from which `client`, what it asked (`method`, `path`),
    which tier its route leads to (`service`), its final HTTP `status` (0: never answered), its one
    `outcome`, how many `attempts` the client made, the `latency` of its answer (from its first
    attempt; NaN if none) and when the work it asked for was `finished` (for work handed to a queue,
    when a worker acked it; NaN if it was not done)."""

    id: int
    arrival: float
    client: str
    method: str
    path: str
    service: str
    status: int
    outcome: str
    attempts: int
    latency: float
    finished: float
    keyed: bool
    answered_by: str


class PartStats(NamedTuple):
    """One part's figures over the run, in the same columns for every kind of part.

    - gateway: `arrived` attempts; `ok` forwarded or answered from the cache; `refused` answered by a
      stage (401, 403, 404, 429, 503); `timed_out` 504s; `p50`/`p99` of the answers clients got.
    - tier: calls `arrived`; its answers `ok` (200), `refused` (503), `failed` (502), `timed_out`
      (504, a dependency's timeout); `p50`/`p99` of its 200s; `backlog` = requests one instance held.
    - queue: messages offered (`arrived`), acked (`ok`), `refused` when full, dead-lettered (`failed`);
      `p50`/`p99` from produce to ack; `backlog` = messages held (`backlog_end` at the end).
    - stream: appends tried, `ok` appended, `refused` while its broker was down.
    - group (a consumer group of a stream, named "stream:group"): records appended (`arrived`),
      processed (`ok`); `p50`/`p99` from append to commit; `backlog` = lag in records.
    `size` is what does the work: instances x workers, workers, partitions or consumers.
    """

    name: str
    kind: str
    size: int
    arrived: int
    ok: int
    refused: int
    failed: int
    timed_out: int
    utilization: float
    p50: float
    p99: float
    backlog_max: int
    backlog_end: int


@dataclass(frozen=True)
class Figures:
    """Everything a run's results need besides the request columns (built by `build_figures`)."""

    parts: tuple[PartStats, ...]
    flows: tuple[Flow, ...]
    backlogs: dict[str, list[tuple[float, int]]]
    events: tuple[tuple[float, str], ...]
    cache_hit_ratio: float
    retried: int
    late: int
    breaker_open: dict[str, float] = field(default_factory=dict)
    bad_calls: dict[tuple[str, str], float] = field(default_factory=dict)  # share of an edge's calls that failed
    fallbacks: int = 0
    duplicates: int = 0


def _p(values: list[float]) -> tuple[float, float]:
    p50, p99 = percentiles(values, (50, 99)) if values else (math.nan, math.nan)
    return p50, p99


def build_figures(run: _Run) -> Figures:
    """Read every live part of a finished run into plain figures."""
    until, design = run.until, run.design
    parts: list[PartStats] = []
    flows: dict[tuple[str, str, str | None], float] = {}

    def flow(source: str, target: str, count: float, outcome: str | None = None) -> None:
        if count > 0:
            flows[(source, target, outcome)] = flows.get((source, target, outcome), 0) + count

    front = run.front
    entry = "gateway" if design.gateway else "clients"
    answered = [run.latency[i] for i, s in enumerate(run.status) if s == 200]
    attempts = len(run.arrival) + run.retried
    if design.gateway:
        stages = front.stage_counts()
        stopped = {status: n for stage, counts in stages.items() if stage != "backend" for status, n in counts.items()}
        cache_hits = stages.get("cache", {}).get(200, 0)
        refused = sum(n for status, n in stopped.items() if status != 200)
        flow("clients", "gateway", attempts)
        for status, n in stopped.items():
            flow("gateway", outcome_of(status), n, outcome_of(status))
        flow("gateway", "timed_out", front.timeouts, "timed_out")
        parts.append(
            PartStats(
                "gateway",
                "gateway",
                1,
                attempts,
                sum(front.forwarded.values()) + cache_hits,
                refused,
                0,
                front.timeouts,
                math.nan,
                *_p(answered),
                0,
                0,
            )
        )
    else:
        flow("clients", "timed_out", front.timeouts, "timed_out")
    for service, n in front.forwarded.items():
        flow(entry, service, n)
    for name, tier in run.tiers.items():
        counts = tier.counts
        p50, p99 = _p(counts.latencies)
        answers = counts.answers
        parts.append(
            PartStats(
                name,
                "tier",
                tier.spec.instances * tier.spec.workers,
                counts.arrived,
                answers.get(200, 0),
                answers.get(503, 0),
                answers.get(502, 0),
                answers.get(504, 0),
                tier.utilization(until),
                p50,
                p99,
                max((i.max_in_flight for i in tier.instances), default=0),
                sum(i.in_flight for i in tier.instances),
            )
        )
    # what each tier answered to the front door, by outcome (the edges into the outcome nodes)
    for (service, status), n in front.answers.items():
        flow(service, outcome_of(status), n, outcome_of(status))
    for link in run.links:
        source, target = link.link.source, link.link.target
        flow(source, target, link.calls)
    for name, queue_node in run.queues.items():
        q = queue_node.queue
        held = q.counts
        done = [m.end - m.produced for m in q.messages if m.state == "acked"]
        p50, p99 = _p(done)
        parts.append(
            PartStats(
                name,
                "queue",
                queue_node.spec.workers,
                len(q.messages),
                held["acked"],
                held["rejected"],
                held["dead_lettered"],
                0,
                queue_node.utilization(until),
                p50,
                p99,
                max(queue_node.max_held, max((s[1] for s in queue_node.samples), default=0)),
                q.held,
            )
        )
        flow(name, "served", held["acked"], "served")
        flow(name, "dead_lettered", held["dead_lettered"], "dead_lettered")
    backlogs: dict[str, list[tuple[float, int]]] = {
        name: [(t, n) for t, n, _ in queue_node.samples] for name, queue_node in run.queues.items()
    }
    duplicates = 0
    for name, node in run.streams.items():
        parts.append(
            PartStats(
                name,
                "stream",
                node.spec.partitions,
                node.appended + node.refused,
                node.appended,
                node.refused,
                0,
                0,
                math.nan,
                math.nan,
                math.nan,
                0,
                0,
            )
        )
        for group in node.groups:
            key = f"{name}:{group.name}"
            p50, p99 = _p(group.staleness)
            lags = [lag for _, lag in group.lag]
            end_lag = group.group.total_lag()
            parts.append(
                PartStats(
                    key,
                    "group",
                    len(group.members),
                    node.appended,
                    group.processed,
                    0,
                    0,
                    0,
                    group.utilization(until),
                    p50,
                    p99,
                    max([*lags, end_lag]),
                    end_lag,
                )
            )
            flow(name, key, group.processed)
            backlogs[key] = [*group.lag, (until, end_lag)]
            duplicates += group.group.duplicates
    events = _events(design, until)
    breaker_open = {
        link.name: link.breaker_open_seconds
        for link in run.links
        if isinstance(link, SyncCall) and link.breaker is not None
    }
    fallbacks = sum(getattr(link, "fallbacks", 0) for link in run.links)
    bad_calls: dict[tuple[str, str], float] = {}
    for service, n in front.forwarded.items():  # what the front door got back from each tier
        bad = sum(k for (s, status), k in front.answers.items() if s == service and status != 200)
        bad_calls[(entry, service)] = (bad + front.timeouts_by.get(service, 0)) / n
    for link in run.links:  # what each caller got back (a fallback still means the call failed)
        if link.calls:
            failed = (
                sum(k for status, k in link.answers.items() if status != 200)
                if isinstance(link, SyncCall)
                else link.refused
            )
            bad_calls[(link.link.source, link.link.target)] = failed / link.calls
    late = sum(front.late.values()) + sum(getattr(link, "late", 0) for link in run.links)
    return Figures(
        parts=tuple(parts),
        flows=tuple(Flow(s, t, n, o) for (s, t, o), n in flows.items()),
        backlogs=backlogs,
        events=events,
        cache_hit_ratio=front.cache_hit_ratio(),
        retried=run.retried,
        late=late,
        breaker_open=breaker_open,
        bad_calls=bad_calls,
        fallbacks=fallbacks,
        duplicates=duplicates,
    )


def _events(design: Any, until: float) -> tuple[tuple[float, str], ...]:
    """The failures of the design as (time, text) marks for the time series."""
    marks = []
    for f in design.failures:
        what = {
            "instance_dies": f"{f.target}-0 dies",
            "slow": f"{f.target} slows x{f.factor:g}",
            "workers_fail": f"{f.target} workers fail",
            "consumer_crashes": "a consumer crashes",
            "broker_fails": "broker down",
        }[f.kind]
        if f.at <= until:
            marks.append((f.at, what))
        if f.until is not None and f.until <= until:
            marks.append((f.until, "mended"))
    return tuple(marks)


@dataclass(frozen=True, repr=False)
class DesignSummary(SummaryBase):
    """The headline numbers of a design's run: every request counted once in `outcomes`.

    `backlog` names the queue or consumer group that fell furthest behind and `backlog_max` how far
    (messages held, or records of lag); `keyless_served` counts requests without an API key that were
    served (nothing checked them); `late` answers came after their caller had given up (work nobody
    waited for); `fallbacks` calls failed and were answered with a default; `breaker_open` is how long
    the circuit breakers were open, in seconds; `duplicates` records a consumer group read twice.
    """

    requests: int
    outcomes: dict[str, int]
    attempts: int
    served: float = share("served")
    p50: float = seconds("p50 answer")
    p99: float = seconds("p99 answer")
    work_p99: float = seconds("p99 until the work was done")
    throughput: float = per_second("served per second")
    busiest_utilization: float = share("busiest part's utilization")
    breaker_open: float = seconds("breakers open")
    busiest: str = ""
    backlog: str = ""
    backlog_max: int = 0
    keyless_served: int = 0
    late: int = 0
    fallbacks: int = 0
    duplicates: int = 0
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        shown = {w: w.replace("_", " ") for w in WORDS}
        parts = [f"{n:,} {shown[w]}" for w, n in self.outcomes.items() if n and w != "served"]
        served = self.outcomes.get("served", 0)
        retries = f" (clients made {self.attempts - self.requests:,} retries)" if self.attempts > self.requests else ""
        first = (
            f"{self.requests:,} requests: {served:,} served ({self.served:.1%})"
            + (f", {', '.join(parts)}" if parts else "")
            + f"{retries}."
        )
        work = (
            f"; work behind queues done within {format_duration(self.work_p99)} (p99)"
            if not math.isnan(self.work_p99) and self.work_p99 > self.p99 + 1e-9
            else ""
        )
        second = f"Answers p50 {format_duration(self.p50)}, p99 {format_duration(self.p99)}{work}."
        if self.busiest:
            second += f" Busiest: {self.busiest} at {self.busiest_utilization:.0%}"
            second += f"; largest backlog: {self.backlog} ({self.backlog_max:,})." if self.backlog_max else "."
        facts = []
        if self.keyless_served:
            facts.append(f"{self.keyless_served:,} requests without an API key were served: nothing checked keys")
        if self.late:
            facts.append(f"{self.late:,} answers came after their caller had given up")
        if self.breaker_open:
            facts.append(f"breakers were open for {format_duration(self.breaker_open)}")
        if self.fallbacks:
            facts.append(f"{self.fallbacks:,} failed calls were answered with a fallback")
        if self.duplicates:
            facts.append(f"{self.duplicates:,} records were read twice after a consumer crash")
        third = [(facts[0][0].upper() + "; ".join(facts)[1:] + ".")] if facts else []
        return [first, second, *third, *self.notes]


@dataclass(frozen=True)
class DesignTimeSeries:
    """Per bin of `t` (bin starts): requests that arrived, how those requests ended (one list per
    outcome word in `outcomes`), the p99 of their answers, and each queue's and group's backlog at
    the bin's end."""

    t: list[float]
    arrivals: list[int]
    outcomes: dict[str, list[int]]
    p99: list[float]
    backlogs: dict[str, list[int]]


class DesignResults(RunResults):
    """Everything a design's run produced: the request columns, `records` (when the design keeps them),
    per-part figures (`parts()`), the picture's `flows()`, `summary()` and `timeseries(bin)`.

    >>> from course.design import Design, simulate
    >>> res = simulate(Design.example("rides"), until=10, seed=0)
    >>> [p.name for p in res.parts()][:3]
    ['gateway', 'booking', 'pricing']
    >>> res.part("booking").kind
    'tier'
    """

    def __init__(
        self,
        design: Any,
        *,
        until: float,
        seed: int,
        columns: dict[str, array],
        paths: list[str] | None,
        answered_by: list[str] | None,
        figures: Figures,
    ):
        from .design import Design

        validate.instance("design", design, Design, example="Design.example('rides')")
        until = validate.until(until)
        self.seed = validate.seed(seed)
        validate.instance("columns", columns, dict, example="the columns simulate() fills")
        validate.covers("columns", columns, COLUMNS, why="one array per request field")
        for name, listed in (("paths", paths), ("answered_by", answered_by)):
            if listed is not None:
                validate.instance(name, listed, list, example=f"{name}=None, or one text per request")
        validate.instance("figures", figures, Figures, example="build_figures(run)")
        self.columns = columns
        self.figures = figures
        self._services = [_service(design, e) for e in design.mix]
        records = self._records(design, paths, answered_by) if design.keep_records else []
        super().__init__(design, records, until)
        self.design = design

    def _records(self, design: Any, paths: list[str] | None, answered_by: list[str] | None) -> list[DesignRecord]:
        c = self.columns
        names = [client.name for client in design.clients]
        mix = design.mix
        return [
            DesignRecord(
                i,
                c["arrival"][i],
                names[c["client"][i]],
                mix[c["endpoint"][i]].method,
                paths[i] if paths is not None else mix[c["endpoint"][i]].path,
                self._services[c["endpoint"][i]],
                c["status"][i],
                WORDS[c["outcome"][i]],
                c["attempts"][i],
                c["latency"][i],
                c["finished"][i],
                bool(c["keyed"][i]),
                answered_by[i] if answered_by is not None else "",
            )
            for i in range(len(c["arrival"]))
        ]

    @property
    def requests(self) -> int:
        """How many requests the clients sent (first attempts)."""
        return len(self.columns["arrival"])

    def outcome_counts(self) -> dict[str, int]:
        """Requests per outcome word, in the order of `course.sim.OUTCOMES` (only words that happened)."""
        counts = [0] * len(WORDS)
        for code in self.columns["outcome"]:
            counts[code] += 1
        return {word: counts[i] for i, word in enumerate(WORDS) if counts[i]}

    def summary(self) -> DesignSummary:
        """Outcomes summing to the requests, answer latency, the busiest part and the design's notes."""
        c = self.columns
        outcomes = self.outcome_counts()
        served_code = WORDS.index("served")
        latencies = [c["latency"][i] for i, code in enumerate(c["outcome"]) if code == served_code]
        works = [
            c["finished"][i] - c["arrival"][i]
            for i, code in enumerate(c["outcome"])
            if code == served_code and not math.isnan(c["finished"][i])
        ]
        p50, p99 = _p(latencies)
        _, work_p99 = _p(works)
        busy = [p for p in self.figures.parts if p.kind in ("tier", "queue", "group")]
        busiest = max(busy, key=lambda p: p.utilization) if busy else None
        behind = [p for p in self.figures.parts if p.kind in ("queue", "group")]
        backlog = max(behind, key=lambda p: p.backlog_max) if behind else None
        keyless = sum(1 for i, code in enumerate(c["outcome"]) if code == served_code and not c["keyed"][i])
        figures = self.figures
        n = self.requests
        return DesignSummary(
            requests=n,
            outcomes=outcomes,
            attempts=sum(c["attempts"]),
            served=outcomes.get("served", 0) / n if n else 0.0,
            p50=p50,
            p99=p99,
            work_p99=work_p99,
            throughput=outcomes.get("served", 0) / self.until,
            busiest_utilization=0.0 if busiest is None else busiest.utilization,
            breaker_open=sum(figures.breaker_open.values()),
            busiest="" if busiest is None else busiest.name,
            backlog="" if backlog is None else backlog.name,
            backlog_max=0 if backlog is None else backlog.backlog_max,
            keyless_served=keyless,
            late=figures.late,
            fallbacks=figures.fallbacks,
            duplicates=figures.duplicates,
            notes=self.design.notes,
        )

    def parts(self) -> list[PartStats]:
        """Every part's figures: the gateway first, then tiers, queues, streams and their groups."""
        return list(self.figures.parts)

    def part(self, name: str) -> PartStats:
        """The figures of the part called `name` (a group is "stream:group")."""
        for p in self.figures.parts:
            if p.name == name:
                return p
        validate.choice("name", name, [p.name for p in self.figures.parts])
        raise AssertionError("unreachable")

    def flows(self) -> list[Flow]:
        """Every edge of the picture with how many went along it; edges into an outcome carry its word."""
        return list(self.figures.flows)

    def parts_table(self) -> str:
        """`parts()` as a text table a lesson can print."""
        head = f"{'part':<22} {'size':>5} {'in':>7} {'ok':>7} {'refused':>7} {'failed':>6} {'504':>5} "
        head += f"{'busy':>5} {'p99':>8} {'backlog':>7}"
        lines = [head]
        for p in self.figures.parts:
            busy = "" if math.isnan(p.utilization) else f"{p.utilization:.0%}"
            p99 = "" if math.isnan(p.p99) else format_duration(p.p99)
            lines.append(
                f"{p.name:<22} {p.size:>5} {p.arrived:>7,} {p.ok:>7,} {p.refused:>7,} {p.failed:>6,} "
                f"{p.timed_out:>5,} {busy:>5} {p99:>8} {p.backlog_max:>7,}"
            )
        return "\n".join(lines)

    def timeseries(self, bin: float = 1.0) -> DesignTimeSeries:
        """Per `bin` seconds: arrivals, how the requests that arrived then ended, their answers' p99, backlogs."""
        n, width = self.bins(bin)
        c = self.columns
        arrivals = [0] * n
        outcomes = {word: [0] * n for word in WORDS}
        latencies: list[list[float]] = [[] for _ in range(n)]
        served_code = WORDS.index("served")
        for i, t in enumerate(c["arrival"]):
            k = min(int(t / width), n - 1)
            arrivals[k] += 1
            code = c["outcome"][i]
            outcomes[WORDS[code]][k] += 1
            if code == served_code:
                latencies[k].append(c["latency"][i])
        p99 = [_p(values)[1] for values in latencies]
        backlogs = {}
        for name, samples in self.figures.backlogs.items():
            series, j, last = [], 0, 0
            for k in range(n):
                end = (k + 1) * width
                while j < len(samples) and samples[j][0] <= end:
                    last = samples[j][1]
                    j += 1
                series.append(last)
            backlogs[name] = series
        return DesignTimeSeries(
            t=[k * width for k in range(n)],
            arrivals=arrivals,
            outcomes={w: v for w, v in outcomes.items() if any(v)},
            p99=p99,
            backlogs=backlogs,
        )


def _service(design: Any, endpoint: Any) -> str:
    """The tier an endpoint's route leads to ("" if no route matches it)."""
    path = endpoint.path.replace("{id}", "1")
    match = design.routes.match(endpoint.method, path)
    return "" if match is None else match.service
