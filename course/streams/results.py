"""What a streams run produced: `GroupResults`, `ReplicationResults` and `WindowResults`, one per scenario.

Each is a `course.sim.RunResults` (the `scenario`, flat `records`, `until`) with a `summary()` whose
repr is one line for code and whose `str` is two or three plain sentences, key numbers first, and a
`timeseries(bin)` for charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from course.sim import RunResults, SummaryBase

from .assignors import Assignment
from .event_time import Event
from .records import (
    ClusterEvent,
    Dropped,
    Firing,
    LagSample,
    ProduceRecord,
    RebalanceEvent,
    ReplicaState,
    WatermarkStep,
)
from .scenario import GroupScenario, ReplicationScenario, WindowScenario
from .windows import Count, describe

__all__ = [
    "GroupResults",
    "GroupSummary",
    "GroupTimeSeries",
    "ReplicationResults",
    "ReplicationSummary",
    "ReplicationTimeSeries",
    "WindowResults",
    "WindowSummary",
    "WindowTimeSeries",
]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _bin_of(t: float, width: float, n: int) -> int:
    return min(max(int(t / width), 0), n - 1)


# ---------------------------------------------------------------- consumer groups


@dataclass(frozen=True, repr=False)
class GroupSummary(SummaryBase):
    """The headline numbers of a consumer-group run.

    >>> print(GroupSummary(written=2000, partitions=6, groups=1, idle=0, max_lag=90, final_lag=0,
    ...                    duplicates=0, rebalances=0, setting="6 partitions, 1 group of 3 consumers"))
    2,000 records written; 0 consumers idle; no rebalance.
    Lag: worst 90 records, 0 at the end.
    6 partitions, 1 group of 3 consumers.
    """

    written: int
    partitions: int
    groups: int
    idle: int
    max_lag: int
    final_lag: int
    duplicates: int
    rebalances: int
    setting: str = ""

    def lines(self) -> list[str]:
        rebalanced = (
            f"{_plural(self.rebalances, 'rebalance')}, {_plural(self.duplicates, 'record')} read twice."
            if self.rebalances
            else "no rebalance."
        )
        behind = " (falling behind)" if self.final_lag else ""
        out = [
            f"{self.written:,} records written; {self.idle} consumer{'' if self.idle == 1 else 's'} idle; {rebalanced}",
            f"Lag: worst {self.max_lag:,} records, {self.final_lag:,} at the end{behind}.",
        ]
        return out + ([f"{self.setting}."] if self.setting else [])


@dataclass(frozen=True)
class GroupTimeSeries:
    """Per bin: bin starts `t`, records `written` in the bin, and each group's total `lag` at the bin's end."""

    t: list[float]
    written: list[int]
    lag: dict[str, list[int]]


class GroupResults(RunResults):
    """A consumer-group run: `records` (a `LagSample` per tick, group and partition), what each rebalance did
    (`rebalances`), records written per partition (`produced`), and the assignments at start and end.
    """

    scenario: GroupScenario
    records: list[LagSample]

    def __init__(
        self,
        scenario: GroupScenario,
        records: list[LagSample],
        until: float,
        *,
        produced: list[int],
        rebalances: list[RebalanceEvent],
        initial_assignments: dict[str, Assignment],
        assignments: dict[str, Assignment],
        duplicates: dict[str, int],
    ):
        super().__init__(scenario, records, until)
        self.produced = produced
        self.rebalances = rebalances
        self.initial_assignments = initial_assignments
        self.assignments = assignments
        self.duplicates = duplicates

    def lag(self) -> dict[str, dict[int, int]]:
        """Final lag per group and partition."""
        last = self.records[-1].t if self.records else 0.0
        final = [s for s in self.records if s.t == last]
        return {g: {s.partition: s.lag for s in final if s.group == g} for g in self.assignments}

    def idle(self) -> dict[str, list[str]]:
        """Per group, the members owning no partition at the end."""
        return {g: [m for m, owned in a.items() if not owned] for g, a in self.assignments.items()}

    def total_lag(self) -> dict[str, dict[float, int]]:
        """Each group's lag summed over partitions, at every tick: `{group: {t: lag}}`."""
        totals: dict[str, dict[float, int]] = {g: {} for g in self.assignments}
        for s in self.records:
            series = totals[s.group]
            series[s.t] = series.get(s.t, 0) + s.lag
        return totals

    def summary(self) -> GroupSummary:
        """Records written, idle consumers, worst and final total lag, duplicates, rebalances."""
        s = self.scenario
        counts = s.consumer_counts
        each = f"{counts[0]}" if len(set(counts)) == 1 else "(" + ", ".join(map(str, counts)) + ")"
        each += f" consumer{'s' if max(counts) > 1 else ''}"
        setting = (
            f"{_plural(s.partitions, 'partition')}, {_plural(s.groups, 'group')} × {each} "
            f"({s.strategy}, {s.protocol}), {s.rate:g} records/s, skew {s.skew:g}"
        )
        peaks = [max(series.values(), default=0) for series in self.total_lag().values()]
        return GroupSummary(
            written=sum(self.produced),
            partitions=s.partitions,
            groups=len(self.assignments),
            idle=sum(len(v) for v in self.idle().values()),
            max_lag=max(peaks, default=0),
            final_lag=sum(sum(v.values()) for v in self.lag().values()),
            duplicates=sum(self.duplicates.values()),
            rebalances=len(self.rebalances),
            setting=setting,
        )

    def timeseries(self, bin: float = 1.0) -> GroupTimeSeries:
        """Records written per `bin` seconds and each group's total lag at the end of every bin.

        >>> from course.streams import GroupScenario, simulate
        >>> ts = simulate(GroupScenario(groups=1), until=2).timeseries(bin=1.0)
        >>> len(ts.t), sum(ts.written) > 300
        (2, True)
        """
        n, width = self.bins(bin)
        first = next(iter(self.assignments))
        ends: dict[float, int] = {}
        for s in self.records:
            if s.group == first:
                ends[s.t] = ends.get(s.t, 0) + s.end_offset
        end_at = [0] * n
        lag = {g: [0] * n for g in self.assignments}
        for t in sorted(ends):
            end_at[_bin_of(t - 1e-9, width, n)] = ends[t]
        for g, series in self.total_lag().items():
            for t in sorted(series):
                lag[g][_bin_of(t - 1e-9, width, n)] = series[t]
        for i in range(1, n):  # a bin without a sample keeps the previous value
            end_at[i] = end_at[i] or end_at[i - 1]
        written = [end_at[0], *(end_at[i] - end_at[i - 1] for i in range(1, n))]
        return GroupTimeSeries(t=[i * width for i in range(n)], written=written, lag=lag)


# ---------------------------------------------------------------- replication


@dataclass(frozen=True, repr=False)
class ReplicationSummary(SummaryBase):
    """Writes by fate (outcomes from `course.sim.OUTCOMES`), and the setting that produced them.

    >>> ReplicationSummary(acks=1, writes=3, served=3, lost=0, rejected=0, failed=0, unfinished=0, unavailable=0)
    ReplicationSummary(acks=1, writes=3, served=3, lost=0, rejected=0, failed=0, unfinished=0, ...)
    """

    acks: int | str
    writes: int
    served: int
    lost: int
    rejected: int
    failed: int
    unfinished: int
    unavailable: int
    setting: str = ""
    notes: tuple[str, ...] = field(default=())

    def _items(self) -> Any:
        for item in super()._items():
            if item[0] != "notes" or self.notes:
                yield item

    def lines(self) -> list[str]:
        offline = f"; {self.unavailable:,} kept on an offline partition" if self.unavailable else ""
        out = [
            f"acks={self.acks}: {self.served:,} of {self.writes:,} writes kept, "
            f"{self.lost:,} lost after being acknowledged.",
            f"{self.rejected:,} rejected (too few in-sync replicas or no leader), {self.failed:,} failed, "
            f"{self.unfinished:,} unfinished{offline}.",
        ]
        if self.setting:
            out.append(self.setting + (f" ({'; '.join(self.notes)})." if self.notes else "."))
        return out


@dataclass(frozen=True)
class ReplicationTimeSeries:
    """Per bin of send time: bin starts `t` and the number of writes of each outcome (`counts[outcome]`)."""

    t: list[float]
    counts: dict[str, list[int]]


OUTCOME_ORDER = ("served", "lost", "rejected", "failed", "unfinished")


class ReplicationResults(RunResults):
    """A replication run: every write (`records`, one `ProduceRecord` each), what the cluster did (`events`),
    and replica snapshots (`replicas`: before a broker dies, after the controller reacts, and at the end).
    """

    scenario: ReplicationScenario
    records: list[ProduceRecord]

    def __init__(
        self,
        scenario: ReplicationScenario,
        records: list[ProduceRecord],
        until: float,
        *,
        events: list[ClusterEvent],
        replicas: list[ReplicaState],
    ):
        super().__init__(scenario, records, until)
        self.events = events
        self.replicas = replicas

    def summary(self) -> ReplicationSummary:
        """How many writes were served, lost, rejected, failed or unfinished."""
        s = self.scenario
        count = self.outcomes()
        offline = {e.partition for e in self.events if e.kind == "partition offline"}
        failure = "no failure" if s.fail_broker is None else f"broker {s.fail_broker} dies at {s.fail_at:g} s"
        setting = (
            f"{_plural(s.brokers, 'broker')}, RF {s.replication_factor}, min ISR {s.min_insync_replicas}, "
            f"{s.rate:g} writes/s, {failure}"
        )
        return ReplicationSummary(
            acks=s.acks,
            writes=len(self.records),
            served=count.get("served", 0),
            lost=count.get("lost", 0),
            rejected=count.get("rejected", 0),
            failed=count.get("failed", 0),
            unfinished=count.get("unfinished", 0),
            unavailable=sum(1 for r in self.records if r.status == "served" and r.partition in offline),
            setting=setting,
            notes=s.notes,
        )

    def final_replicas(self) -> list[ReplicaState]:
        """The state of every replica at the end of the run (one row per partition and replica).

        >>> from course.streams import ReplicationScenario, simulate
        >>> end = simulate(ReplicationScenario(fail_broker=0, fail_at=2.0), until=2).final_replicas()
        >>> len(end), [r.alive for r in end if r.broker == 0]
        (9, [False, False, False])
        """
        last: dict[tuple[int, int], ReplicaState] = {}
        for row in self.replicas:  # in time order: the last row of each replica is its final state
            last[(row.partition, row.broker)] = row
        return [last[key] for key in sorted(last)]

    def timeseries(self, bin: float = 1.0) -> ReplicationTimeSeries:
        """Writes of each outcome per `bin` seconds of send time."""
        n, width = self.bins(bin)
        counts = {name: [0] * n for name in OUTCOME_ORDER}
        for r in self.records:
            counts[r.status][_bin_of(r.sent_at, width, n)] += 1
        return ReplicationTimeSeries(t=[i * width for i in range(n)], counts=counts)


# ---------------------------------------------------------------- windows


@dataclass(frozen=True, repr=False)
class WindowSummary(SummaryBase):
    """The headline numbers of a windowed run.

    >>> print(WindowSummary(events=74, windows=12, firings=15, late_refires=3, dropped=2, unfired=0))
    74 events in 12 windows, fired 15 times: 3 late re-fires, 2 events dropped.
    """

    events: int
    windows: int
    firings: int
    late_refires: int
    dropped: int
    unfired: int
    setting: str = ""

    def lines(self) -> list[str]:
        out = [
            f"{self.events:,} events in {_plural(self.windows, 'window')}, fired {self.firings:,} times: "
            f"{_plural(self.late_refires, 'late re-fire')}, {_plural(self.dropped, 'event')} dropped."
        ]
        if self.unfired:
            out.append(f"{_plural(self.unfired, 'window')} never fired (the input ended first).")
        return out + ([f"{self.setting}."] if self.setting else [])


@dataclass(frozen=True)
class WindowTimeSeries:
    """Per bin of arrival time (event time for events without one): events `arrived`, `late_refires`, `dropped`."""

    t: list[float]
    arrived: list[int]
    late_refires: list[int]
    dropped: list[int]


class WindowResults(RunResults):
    """A windowed run: `records` (every `Firing`, in order), the `events` read, the `dropped` ones, the
    watermark after each event (`watermarks`) and the windows that never fired (`pending`:
    `(key, start, end, value, events)`, only without `flush`).
    """

    scenario: WindowScenario
    records: list[Firing]

    def __init__(
        self,
        scenario: WindowScenario,
        records: list[Firing],
        until: float,
        *,
        events: list[Event],
        dropped: list[Dropped],
        watermarks: list[WatermarkStep],
        pending: list[tuple[Any, float, float, float, int]],
    ):
        super().__init__(scenario, records, until)
        self.events = events
        self.dropped = dropped
        self.watermarks = watermarks
        self.pending = pending

    @property
    def firings(self) -> list[Firing]:
        """Every window result, in the order they fired (the same list as `records`)."""
        return self.records

    def results(self) -> dict[tuple[Any, float, float], float]:
        """The last value fired for each `(key, start, end)` window: what a dashboard finally shows."""
        return {(f.key, f.start, f.end): f.value for f in self.records}

    def summary(self) -> WindowSummary:
        """Events read, windows fired (and how often), late re-fires, dropped events, windows never fired."""
        s = self.scenario
        setting = describe(s.assigner) + ("" if isinstance(s.assigner, Count) else f" by {s.time} time")
        if s.time == "event" and not isinstance(s.assigner, Count):
            setting += f", watermark {s.out_of_orderness:g} s behind, lateness {s.allowed_lateness:g} s"
        return WindowSummary(
            events=len(self.events),
            windows=len(self.results()),
            firings=len(self.records),
            late_refires=sum(1 for f in self.records if f.kind == "late"),
            dropped=len(self.dropped),
            unfired=len(self.pending),
            setting=setting,
        )

    def timeseries(self, bin: float = 1.0) -> WindowTimeSeries:
        """Events arrived, late re-fires and dropped events per `bin` seconds of arrival time."""
        n, width = self.bins(bin)
        arrived, late, dropped = [0] * n, [0] * n, [0] * n
        for e in self.events:
            arrived[_bin_of(e.arrival if e.arrival is not None else e.time, width, n)] += 1
        for f in self.records:
            if f.kind == "late":
                late[_bin_of(f.at if f.at is not None else f.end, width, n)] += 1
        for d in self.dropped:
            dropped[_bin_of(d.at if d.at is not None else d.time, width, n)] += 1
        return WindowTimeSeries(t=[i * width for i in range(n)], arrived=arrived, late_refires=late, dropped=dropped)
