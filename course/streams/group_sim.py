"""A producer feeding a partitioned topic read by several consumer groups, on the simulation kernel.

The dashboard scenario: rides keyed by city go to a topic; each group (the dashboard, the
archiver, ...) reads every record with its own offsets, its members sharing the partitions.
A consumer can crash or a new one join; the group rebalances and its lag shows the cost.

Simplifications, named: time moves in ticks of `tick` seconds; in each tick a consumer
processes up to `consumer_rate * tick` records from its partitions (shared fairly) and the
producer's records of that tick are appended first; consumers commit every
`commit_interval` seconds and before a rebalance; a crash is noticed `session_timeout`
seconds later; the partitions a rebalance pauses (all of them for "eager", the moved ones
for "cooperative") stay unread for `rebalance_time` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from course.sim import Environment, Poisson, stream

from ._validate import choice, number, whole
from .assignors import STRATEGIES, Assignment, TopicPartition
from .consumer_group import ConsumerGroup
from .producer import draw_keys, partition_for
from .rebalance import PROTOCOLS, RebalanceDiff
from .topic import Topic

__all__ = [
    "GroupResults",
    "GroupScenario",
    "GroupSummary",
    "LagSample",
    "RebalanceEvent",
    "group_names",
    "simulate_groups",
]

MAX_RECORDS = 200_000
MAX_TICKS = 20_000


def group_names(groups: int) -> list[str]:
    """Names for `groups` consumer groups: the dashboard, the archiver, then group2, group3, ...

    >>> group_names(3)
    ['dashboard', 'archiver', 'group2']
    """
    return ["dashboard", "archiver", *[f"group{i}" for i in range(2, groups)]][:groups]


def _member_ids(n: int) -> list[str]:
    width = len(str(n - 1))  # zero-padded so that string order is number order: c01 < c02 < c10
    return [f"c{i:0{width}d}" for i in range(n)]


class LagSample(NamedTuple):
    """One partition as one group saw it at time `t`."""

    t: float
    group: str
    partition: int
    end_offset: int
    committed: int
    lag: int
    owner: str | None


class RebalanceEvent(NamedTuple):
    """A rebalance of `group` at `t`, caused by `reason` ("crash c0", "join c3"), and what moved."""

    t: float
    group: str
    reason: str
    diff: RebalanceDiff


@dataclass(frozen=True)
class GroupScenario:
    """The setup: a topic of `partitions`, `groups` groups of `consumers` each, a producer at `rate` records/s.

    `consumers` is one number for every group or a tuple with one per group. The first
    member of the first group crashes at `crash_at` (None: never); a new member joins the
    first group at `join_at` (None: never). Keys "k0", "k1", ... are drawn with Zipf `skew`.
    """

    partitions: int = 6
    consumers: int | tuple[int, ...] = 3
    groups: int = 2
    strategy: str = "range"
    protocol: str = "eager"
    rate: float = 200.0
    consumer_rate: float = 100.0
    keys: int = 50
    skew: float = 0.0
    crash_at: float | None = None
    join_at: float | None = None
    session_timeout: float = 1.0
    rebalance_time: float = 0.5
    commit_interval: float = 1.0
    tick: float = 0.1
    seed: int = 0

    def __post_init__(self):
        whole("partitions", self.partitions, 1, "a topic needs at least one partition to hold records")
        whole("groups", self.groups, 1, "at least one consumer group must read the topic")
        counts = (self.consumers,) * self.groups if isinstance(self.consumers, int) else tuple(self.consumers)
        if len(counts) != self.groups:
            raise ValueError(
                f"consumers lists {len(counts)} groups but groups={self.groups}: "
                "give one number per group, or one number for all"
            )
        for c in counts:
            whole("consumers", c, 1, "a group needs at least one consumer to read anything")
        choice("assignment strategy", self.strategy, STRATEGIES)
        choice("rebalance protocol", self.protocol, PROTOCOLS)
        number("rate", self.rate, "records per second the producer writes", minimum=0)
        number("consumer_rate", self.consumer_rate, "records per second one consumer processes", minimum=0)
        whole("keys", self.keys, 1, "there must be at least one distinct key")
        number("skew", self.skew, "0 means every key is equally common, 1 or 2 make a few keys hot", minimum=0)
        for name in ("crash_at", "join_at"):
            if getattr(self, name) is not None:
                number(name, getattr(self, name), "a time in seconds, or None", minimum=0)
        number("session_timeout", self.session_timeout, "seconds before the group notices a crash", minimum=0)
        number("rebalance_time", self.rebalance_time, "seconds a rebalance pauses partitions", minimum=0)
        number("commit_interval", self.commit_interval, "seconds between offset commits", positive=True)
        number("tick", self.tick, "the simulation step in seconds, e.g. 0.1", positive=True)

    @property
    def consumer_counts(self) -> tuple[int, ...]:
        """The number of consumers of each group."""
        return (self.consumers,) * self.groups if isinstance(self.consumers, int) else tuple(self.consumers)


@dataclass(frozen=True)
class GroupSummary:
    """The headline numbers of a run; prints as one line."""

    records: int
    groups: int
    idle: int
    max_lag: int
    final_lag: int
    duplicates: int
    rebalances: int

    def __repr__(self) -> str:
        return (
            f"GroupSummary(records={self.records}, groups={self.groups}, idle={self.idle}, max_lag={self.max_lag}, "
            f"final_lag={self.final_lag}, duplicates={self.duplicates}, rebalances={self.rebalances})"
        )


@dataclass(frozen=True)
class GroupResults:
    """A run's outcome: `samples` (lag per tick, group and partition), `rebalances`, and the final state."""

    scenario: GroupScenario
    until: float
    produced: list[int]
    samples: list[LagSample]
    rebalances: list[RebalanceEvent]
    initial_assignments: dict[str, Assignment]
    assignments: dict[str, Assignment]
    duplicates: dict[str, int]

    def __repr__(self) -> str:
        return f"GroupResults({self.scenario.groups} groups over {self.until:g} s) -> {self.summary()!r}"

    def lag(self) -> dict[str, dict[int, int]]:
        """Final lag per group and partition."""
        last = self.samples[-1].t if self.samples else 0.0
        return {g: {s.partition: s.lag for s in self.samples if s.t == last and s.group == g} for g in self.assignments}

    def idle(self) -> dict[str, list[str]]:
        """Per group, the members owning no partition at the end."""
        return {g: [m for m, owned in a.items() if not owned] for g, a in self.assignments.items()}

    def summary(self) -> GroupSummary:
        """Records written, idle consumers, worst and final total lag, duplicates, rebalances."""
        totals: dict[tuple[float, str], int] = {}
        for s in self.samples:
            totals[(s.t, s.group)] = totals.get((s.t, s.group), 0) + s.lag
        final = self.lag()
        return GroupSummary(
            records=sum(self.produced),
            groups=len(self.assignments),
            idle=sum(len(v) for v in self.idle().values()),
            max_lag=max(totals.values(), default=0),
            final_lag=sum(sum(v.values()) for v in final.values()),
            duplicates=sum(self.duplicates.values()),
            rebalances=len(self.rebalances),
        )


def simulate_groups(scenario: GroupScenario, until: float = 10.0) -> GroupResults:
    """Produce, consume and rebalance for `until` seconds; return lag samples and rebalance diffs.

    Taught in lessons/04_streams.ipynb.

    >>> res = simulate_groups(GroupScenario(partitions=6, consumers=8, groups=1), until=2)
    >>> res.idle()["dashboard"]
    ['c6', 'c7']
    >>> crash = simulate_groups(GroupScenario(crash_at=2.5, commit_interval=1.0), until=6)
    >>> [(r.group, r.reason) for r in crash.rebalances], crash.duplicates["dashboard"] > 0
    ([('dashboard', 'crash c0')], True)
    """
    if not isinstance(scenario, GroupScenario):
        raise ValueError(f"simulate_groups needs a GroupScenario (got {scenario!r})")
    number("until", until, "how many seconds to simulate", positive=True)
    s = scenario
    if s.rate * until > MAX_RECORDS:
        raise ValueError(f"rate * until = {s.rate * until:,.0f} records is more than {MAX_RECORDS:,}: lower the rate")
    if until / s.tick > MAX_TICKS:
        raise ValueError(f"until / tick = {until / s.tick:,.0f} steps is more than {MAX_TICKS:,}: raise tick")
    env = Environment()
    topic = Topic("rides", s.partitions)
    logs = topic.logs
    times = list(Poisson(rate=s.rate).times(until, stream(s.seed, "arrivals")))
    keys = draw_keys(len(times), s.keys, s.skew, s.seed)
    home = {k: partition_for(k, s.partitions) for k in set(keys)}
    groups = [
        ConsumerGroup(name, topic, _member_ids(n), strategy=s.strategy, protocol=s.protocol)
        for name, n in zip(group_names(s.groups), s.consumer_counts, strict=True)
    ]
    initial = {g.name: {m: list(v) for m, v in g.assignment.items()} for g in groups}
    credit = {(g.name, m): 0.0 for g in groups for m in g.members}
    dead: set[tuple[str, str]] = set()
    paused: dict[str, dict[TopicPartition, float]] = {g.name: {} for g in groups}
    samples: list[LagSample] = []
    rebalances: list[RebalanceEvent] = []
    produced = [0] * s.partitions
    state = {"next": 0, "tick": 0}
    per_tick = s.consumer_rate * s.tick
    commit_every = max(1, round(s.commit_interval / s.tick))

    def rebalance(group: ConsumerGroup, reason: str, diff: RebalanceDiff) -> None:
        now = env.now
        rebalances.append(RebalanceEvent(now, group.name, reason, diff))
        for tp in diff.paused(group.protocol):
            paused[group.name][tp] = now + s.rebalance_time
        for m in group.members:
            credit.setdefault((group.name, m), 0.0)

    def crash() -> None:
        group = groups[0]
        victim = group.members[0]
        dead.add((group.name, victim))
        env.schedule(s.session_timeout, lambda: rebalance(group, f"crash {victim}", group.crash(victim)))

    def join() -> None:
        group = groups[0]
        taken = set(group.members) | {m for _, m in dead}
        new = next(m for m in _member_ids(len(taken) + 1) if m not in taken)
        rebalance(group, f"join {new}", group.join(new))

    def step() -> None:
        now = env.now
        i = state["next"]
        while i < len(times) and times[i] <= now:
            p = home[keys[i]]
            topic.append(p, key=keys[i], value=1, timestamp=times[i])
            produced[p] += 1
            i += 1
        state["next"] = i
        state["tick"] += 1
        for group in groups:
            hold = [tp for tp, until_t in paused[group.name].items() if until_t > now]
            for m in group.members:
                if (group.name, m) in dead:
                    continue
                budget = credit[(group.name, m)] + per_tick
                taken = len(group.poll(m, int(budget), paused=hold))
                credit[(group.name, m)] = budget - int(budget) if taken == int(budget) else 0.0
            if state["tick"] % commit_every == 0:
                group.commit([m for m in group.members if (group.name, m) not in dead])
            owner = {tp: m for m, owned in group.assignment.items() for tp in owned}
            for tp, done in sorted(group.committed.items()):
                end = len(logs[tp[1]])
                samples.append(LagSample(now, group.name, tp[1], end, done, end - done, owner.get(tp)))
        env.schedule_at(round((state["tick"] + 1) * s.tick, 9), step)  # exact tick times: no drift

    env.schedule_at(round(s.tick, 9), step)
    if s.crash_at is not None and s.crash_at <= until:
        env.schedule_at(s.crash_at, crash)
    if s.join_at is not None and s.join_at <= until:
        env.schedule_at(s.join_at, join)
    env.run(until=until)
    return GroupResults(
        scenario=s,
        until=float(until),
        produced=produced,
        samples=samples,
        rebalances=rebalances,
        initial_assignments=initial,
        assignments={g.name: {m: list(v) for m, v in g.assignment.items()} for g in groups},
        duplicates={g.name: g.duplicates for g in groups},
    )
