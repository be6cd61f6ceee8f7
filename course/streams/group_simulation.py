"""How a consumer-group scenario runs: a producer feeding a partitioned topic read by several groups.

The dashboard scenario: rides keyed by city go to a topic; each group (the dashboard, the
archiver, ...) reads every record with its own offsets, its members sharing the partitions.
A consumer can crash or a new one join; the group rebalances and its lag shows the cost.

Simplifications, named: time moves in ticks of `tick` seconds; in each tick a consumer
processes up to `consumer_rate * tick` records from its partitions (shared fairly) and the
producer's records of that tick are appended first; consumers commit every
`commit_interval` seconds and before a rebalance; a crash is noticed `session_timeout`
seconds later (1 s by default, Kafka's default is 45 s); the partitions a rebalance pauses
(all of them for "eager", the moved ones for "cooperative") stay unread for `rebalance_time`
seconds.
"""

from __future__ import annotations

from course.sim import Environment, Poisson, stream
from course.sim.hashing import partition_for
from course.sim.validate import whole

from .assignors import TopicPartition
from .consumer_group import ConsumerGroup
from .producer import draw_keys
from .rebalance import RebalanceDiff
from .records import LagSample, RebalanceEvent
from .results import GroupResults
from .scenario import GroupScenario
from .topic import Topic

__all__ = ["MAX_RECORDS", "MAX_TICKS", "group_names", "run_groups"]

MAX_RECORDS = 200_000  # a run never produces more than this (rate * until)
MAX_TICKS = 20_000  # nor takes more steps than this (until / tick)


def group_names(groups: int) -> list[str]:
    """Names for `groups` consumer groups: the dashboard, the archiver, then group2, group3, ...

    >>> group_names(3)
    ['dashboard', 'archiver', 'group2']
    >>> group_names(0)
    Traceback (most recent call last):
    ...
    ValueError: groups must be a whole number of at least 1 (got 0): name at least one group
    """
    whole("groups", groups, minimum=1, maximum=100, why="name at least one group")
    return ["dashboard", "archiver", *[f"group{i}" for i in range(2, groups)]][:groups]


def _member_ids(n: int) -> list[str]:
    width = len(str(n - 1))  # zero-padded so that string order is number order: c01 < c02 < c10
    return [f"c{i:0{width}d}" for i in range(n)]


def run_groups(s: GroupScenario, until: float, seed: int) -> GroupResults:
    """Produce, consume and rebalance for `until` seconds (already validated); see `course.streams.simulate`."""
    if s.rate * until > MAX_RECORDS:
        raise ValueError(
            f"until must be at most {MAX_RECORDS / s.rate:g} s at rate {s.rate:g} (got {until:g}): "
            f"a run produces at most {MAX_RECORDS:,} records; lower the rate or shorten the run"
        )
    if until / s.tick > MAX_TICKS:
        raise ValueError(
            f"until must be at most {MAX_TICKS * s.tick:g} s with tick={s.tick:g} (got {until:g}): "
            f"a run takes at most {MAX_TICKS:,} steps; raise tick or shorten the run"
        )
    env = Environment()
    topic = Topic("rides", s.partitions)
    logs = topic.logs
    times = list(Poisson(rate=s.rate).times(until, stream(seed, "arrivals")))
    keys = draw_keys(len(times), s.keys, s.skew, seed)
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
        s,
        samples,
        until,
        produced=produced,
        rebalances=rebalances,
        initial_assignments=initial,
        assignments={g.name: {m: list(v) for m, v in g.assignment.items()} for g in groups},
        duplicates={g.name: g.duplicates for g in groups},
    )
