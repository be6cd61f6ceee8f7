"""What a consumer-group or a replication run produced: `GroupResults` and `ReplicationResults`.

Each (and `WindowResults`, in `window_results.py`) is a `course.sim.RunResults` (the `scenario`, flat
`records`, `until`) with a `summary()` whose repr is one line for code and whose `str` is two or three
plain sentences, key numbers first, and a `timeseries(bin)` for charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from course.sim import RunResults, SummaryBase, format_duration, seconds

from .assignors import Assignment
from .records import ClusterEvent, LagSample, ProduceRecord, RebalanceEvent, ReplicaState
from .scenario import GroupScenario, ReplicationScenario

__all__ = [
    "GroupResults",
    "GroupSummary",
    "GroupTimeSeries",
    "ReplicationResults",
    "ReplicationSummary",
    "ReplicationTimeSeries",
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
    growth: float = 0.0  # records/s: how fast the fastest-growing group's lag grows (`lag_growth`)
    falling_behind: bool = False  # the lag grows steadily (more than 2 % of the write rate, at least 1 record/s)

    def lines(self) -> list[str]:
        rebalanced = (
            f"{_plural(self.rebalances, 'rebalance')}, {_plural(self.duplicates, 'record')} read twice."
            if self.rebalances
            else "no rebalance."
        )
        behind = f" (falling behind: the lag grows {self.growth:,.0f} records/s)" if self.falling_behind else ""
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

    def lag_growth(self) -> dict[str, float]:
        """How fast each group's total lag grows over the second half of the run, in records/s.

        The least-squares slope of the lag right after each commit (then the lag is the records not
        yet processed, without the climb between commits) against time: about 0 for a group that
        keeps up, about the shortfall for one that falls behind (records arriving per second minus
        records its busiest consumers can process).

        >>> from course.streams import GroupScenario, simulate
        >>> run = simulate(GroupScenario(partitions=6, consumers=1, groups=1, rate=200, consumer_rate=100), until=10)
        >>> round(run.lag_growth()["dashboard"], -1)          # 200 written, 100 processed per second
        100.0
        """
        s = self.scenario
        every = max(1, round(s.commit_interval / s.tick))  # the simulation commits every `every` ticks
        out = {}
        for group, series in self.total_lag().items():
            points = [(t, lag) for t, lag in series.items() if t >= self.until / 2 and round(t / s.tick) % every == 0]
            if len(points) < 2:
                out[group] = 0.0
                continue
            mean_t = sum(t for t, _ in points) / len(points)
            mean_lag = sum(lag for _, lag in points) / len(points)
            spread = sum((t - mean_t) ** 2 for t, _ in points)
            out[group] = sum((t - mean_t) * (lag - mean_lag) for t, lag in points) / spread
        return out

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
        happens = [t for t in (s.crash_at, s.join_at) if t is not None and t <= self.until]
        if not happens:
            setting += " (no crash or join: the rebalance protocol has no effect)"
        peaks = [max(series.values(), default=0) for series in self.total_lag().values()]
        growth = max(self.lag_growth().values(), default=0.0)
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
            growth=growth,
            falling_behind=growth > max(1.0, 0.02 * s.rate),  # a lag that only waits for the next commit does not grow
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

    >>> ReplicationSummary(acks=1, writes=3, served=3, lost=0, rejected=0, failed=0, unfinished=0, unavailable=0,
    ...                    slowest_ack=0.0)
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
    slowest_ack: float = seconds("slowest acknowledgement")
    setting: str = ""
    notes: tuple[str, ...] = field(default=())

    def _items(self) -> Any:
        for item in super()._items():
            if item[0] != "notes" or self.notes:
                yield item

    def lines(self) -> list[str]:
        offline = f"; {self.unavailable:,} kept on an offline partition" if self.unavailable else ""
        waited = f" (the slowest acknowledged after {format_duration(self.slowest_ack)})" if self.slowest_ack else ""
        out = [
            f"acks={self.acks}: {self.served:,} of {self.writes:,} writes kept{waited}, "
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
        failure = "no failure" if s.fail_broker is None else f"broker {s.fail_broker} {s.fail_mode} at {s.fail_at:g} s"
        setting = (
            f"{_plural(s.brokers, 'broker')}, RF {s.replication_factor}, min ISR {s.min_insync_replicas}, "
            f"{s.rate:g} writes/s, {failure}"
        )
        notes = s.notes if s.acks == "all" else (*s.notes, f"acks={s.acks}: min ISR has no effect")
        waits = [r.acked_at - r.sent_at for r in self.records if r.status == "served" and s.acks == "all"]
        return ReplicationSummary(
            acks=s.acks,
            writes=len(self.records),
            served=count.get("served", 0),
            lost=count.get("lost", 0),
            rejected=count.get("rejected", 0),
            failed=count.get("failed", 0),
            unfinished=count.get("unfinished", 0),
            unavailable=sum(1 for r in self.records if r.status == "served" and r.partition in offline),
            slowest_ack=max(waits, default=0.0),
            setting=setting,
            notes=notes,
        )

    def high_watermarks(self) -> dict[int, int]:
        """Each partition's high watermark at the end of the run: how far consumers may read.

        >>> from course.streams import ReplicationScenario, simulate
        >>> run = simulate(ReplicationScenario(acks=1), until=2.02)     # 20 ms after the last fetch
        >>> ends = {r.partition: r.log_end_offset for r in run.final_replicas() if r.role == "leader"}
        >>> all(hw <= ends[p] for p, hw in run.high_watermarks().items())   # the newest writes are not readable yet
        True
        """
        return {r.partition: r.high_watermark for r in self.final_replicas()}

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
