"""Replication: each partition has a leader and followers on other brokers, and an in-sync replica set.

The producer's `acks` says when a write counts as done: 0 at once (fire and forget), 1 when
the leader has it, "all" when every in-sync replica has it. With `acks="all"` the leader
refuses writes while fewer than `min_insync_replicas` replicas are in sync. When a broker
dies, the controller removes it from every in-sync set and each partition it led gets a new
leader from its in-sync set (unclean election is off: no in-sync replica left means the
partition goes offline rather than lose data).

Simplifications, named: followers fetch everything they miss every `fetch_interval` seconds,
instantly, and the leader learns at once how far they got; a live follower therefore never
falls out of sync, only a dead broker leaves the in-sync set, `failover_time` seconds after it
dies (when the controller notices). The producer learns of a new leader at once. A dead broker
stays dead for the rest of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from course.sim import Environment, Poisson, stream

from ._validate import number, whole

__all__ = [
    "ACKS",
    "ClusterEvent",
    "ProduceRecord",
    "ReplicaState",
    "ReplicationResult",
    "ReplicationScenario",
    "ReplicationSummary",
    "simulate_replication",
]

ACKS = (0, 1, "all")
MAX_RECORDS = 200_000  # a run never produces more than this (rate * until), so it stays bounded


class ProduceRecord(NamedTuple):
    """One write's fate: "acked", "sent" (acks=0: no answer awaited), "refused", "failed" or "pending".

    `reason` says why a write was refused or failed ("not enough replicas", "no leader",
    "leader unreachable", "leader died before replicas confirmed", ...); `offset` is -1
    when the record never reached a log; `lost` is True for an acked or sent record that is
    not in the partition's log at the end.
    """

    id: int
    partition: int
    sent_at: float
    status: str
    reason: str
    offset: int
    acked_at: float
    leader: int
    lost: bool


class ReplicaState(NamedTuple):
    """One replica at time `t`: its broker, role ("leader", "follower", "offline"), liveness, sync, log end."""

    t: float
    partition: int
    broker: int
    role: str
    alive: bool
    in_sync: bool
    log_end_offset: int


class ClusterEvent(NamedTuple):
    """Something the cluster did: "broker died", "isr shrink", "leader elected", "partition offline"."""

    t: float
    kind: str
    partition: int
    broker: int


@dataclass(frozen=True)
class ReplicationScenario:
    """A cluster of `brokers`, a topic of `partitions` replicated `replication_factor` times, and a producer.

    Partition `p` lives on brokers `p, p+1, ...` (mod `brokers`), the first being its leader,
    so leaders spread over the brokers. `fail_broker` dies at `fail_at` seconds (None: no failure).
    """

    brokers: int = 3
    replication_factor: int = 3
    partitions: int = 3
    acks: int | str = "all"
    min_insync_replicas: int = 2
    rate: float = 100.0
    fetch_interval: float = 0.05
    failover_time: float = 0.2
    fail_broker: int | None = None
    fail_at: float = 5.03  # mid-way between two fetches, so acks=1 shows its loss window
    seed: int = 0

    def __post_init__(self):
        whole("brokers", self.brokers, 1, "a cluster needs at least one broker")
        whole("partitions", self.partitions, 1, "a topic needs at least one partition to hold records")
        whole("replication_factor", self.replication_factor, 1, "every partition needs at least one copy")
        if self.replication_factor > self.brokers:
            raise ValueError(
                f"replication_factor {self.replication_factor} is larger than the {self.brokers} brokers: "
                "each copy needs its own broker, so add brokers or lower the replication factor"
            )
        if isinstance(self.acks, bool) or self.acks not in ACKS:
            raise ValueError(
                f"acks must be 0, 1 or 'all' (got {self.acks!r}): 0 = do not wait, 1 = the leader has it, "
                "'all' = every in-sync replica has it"
            )
        whole("min_insync_replicas", self.min_insync_replicas, 1, "at least the leader must have a write")
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                f"min_insync_replicas {self.min_insync_replicas} is larger than replication_factor "
                f"{self.replication_factor}: acks='all' writes could never succeed; lower it"
            )
        number("rate", self.rate, "records per second the producer sends", minimum=0)
        number(
            "fetch_interval", self.fetch_interval, "followers fetch from the leader every this many s", positive=True
        )
        number("failover_time", self.failover_time, "seconds before the controller notices a dead broker", minimum=0)
        if self.fail_broker is not None:
            if isinstance(self.fail_broker, bool) or not isinstance(self.fail_broker, int):
                raise ValueError(f"fail_broker must be a broker number or None (got {self.fail_broker!r})")
            if not 0 <= self.fail_broker < self.brokers:
                raise ValueError(
                    f"fail_broker must be from 0 to {self.brokers - 1} (got {self.fail_broker}): "
                    f"the cluster has {self.brokers} brokers"
                )
        number("fail_at", self.fail_at, "the second at which fail_broker dies", minimum=0)

    def replicas(self, partition: int) -> list[int]:
        """The brokers holding `partition`, preferred leader first."""
        return [(partition + i) % self.brokers for i in range(self.replication_factor)]


@dataclass(frozen=True)
class ReplicationSummary:
    """Counts of writes by fate; prints as one line."""

    sent: int
    acked: int
    refused: int
    failed: int
    pending: int
    lost: int
    unavailable: int

    def __repr__(self) -> str:
        return (
            f"ReplicationSummary(sent={self.sent}, acked={self.acked}, refused={self.refused}, "
            f"failed={self.failed}, pending={self.pending}, lost={self.lost}, unavailable={self.unavailable})"
        )


@dataclass(frozen=True)
class ReplicationResult:
    """Every write (`records`), what the cluster did (`events`), and replica snapshots (`replicas`)."""

    scenario: ReplicationScenario
    until: float
    records: list[ProduceRecord]
    events: list[ClusterEvent]
    replicas: list[ReplicaState]

    def __repr__(self) -> str:
        return f"ReplicationResult({len(self.records)} writes over {self.until:g} s) -> {self.summary()!r}"

    def summary(self) -> ReplicationSummary:
        """How many writes were acked, refused, failed, still pending, and lost."""
        status = [r.status for r in self.records]
        offline = {e.partition for e in self.events if e.kind == "partition offline"}
        believed = [r for r in self.records if r.status in ("acked", "sent")]
        return ReplicationSummary(
            sent=len(self.records),
            acked=status.count("acked"),
            refused=status.count("refused"),
            failed=status.count("failed"),
            pending=status.count("pending"),
            lost=sum(1 for r in self.records if r.lost),
            unavailable=sum(1 for r in believed if r.partition in offline and not r.lost),
        )

    def final_replicas(self) -> list[ReplicaState]:
        """The replica snapshot taken at the end of the run (one row per partition and replica)."""
        return [s for s in self.replicas if s.t == self.until]


class _Partition:
    __slots__ = ("hw", "isr", "leader", "logs", "number", "pending", "replicas")

    def __init__(self, number: int, replicas: list[int]):
        self.number = number
        self.replicas = replicas
        self.leader: int | None = replicas[0]
        self.isr = set(replicas)
        self.logs: dict[int, list[int]] = {b: [] for b in replicas}  # record ids, offset = index
        self.hw = 0  # high watermark: offsets below it are on every in-sync replica
        self.pending: list[int] = []  # acks="all" record ids waiting for the high watermark


def simulate_replication(scenario: ReplicationScenario, until: float = 10.0) -> ReplicationResult:
    """Run a producer against a replicated topic for `until` seconds, with at most one broker failure.

    With `acks="all"` and `min_insync_replicas >= 2`, no acknowledged write is lost when one
    broker dies; with `acks=1` the writes the leader acknowledged in the last `fetch_interval`
    before it died are lost; a write the cluster cannot make safe is refused or fails, never
    silently dropped.

    Taught in lessons/04_streams.ipynb.

    >>> safe = simulate_replication(ReplicationScenario(acks="all", fail_broker=0, fail_at=2.03), until=4)
    >>> safe.summary().lost
    0
    >>> risky = simulate_replication(ReplicationScenario(acks=1, fail_broker=0, fail_at=2.03), until=4)
    >>> risky.summary().lost > 0
    True
    >>> tight = ReplicationScenario(replication_factor=2, min_insync_replicas=2, fail_broker=1, fail_at=1.0)
    >>> {r.reason for r in simulate_replication(tight, until=3).records if r.status == "refused"}
    {'not enough replicas'}
    """
    if not isinstance(scenario, ReplicationScenario):
        raise ValueError(f"simulate_replication needs a ReplicationScenario (got {scenario!r})")
    number("until", until, "how many seconds to simulate", positive=True)
    if scenario.rate * until > MAX_RECORDS:
        raise ValueError(
            f"rate * until = {scenario.rate * until:,.0f} records is more than {MAX_RECORDS:,}: "
            "lower the rate or shorten the run"
        )
    if until / scenario.fetch_interval > MAX_RECORDS:
        raise ValueError(
            f"until / fetch_interval = {until / scenario.fetch_interval:,.0f} fetch rounds is more than "
            f"{MAX_RECORDS:,}: raise fetch_interval or shorten the run"
        )
    s = scenario
    env = Environment()
    alive = [True] * s.brokers
    parts = [_Partition(p, s.replicas(p)) for p in range(s.partitions)]
    statuses: list[list] = []  # per record: [partition, sent_at, status, reason, offset, acked_at, leader]
    events: list[ClusterEvent] = []
    snapshots: list[ReplicaState] = []

    def snapshot() -> None:
        for part in parts:
            for b in part.replicas:
                role = "leader" if b == part.leader else "offline" if part.leader is None else "follower"
                snapshots.append(
                    ReplicaState(env.now, part.number, b, role, alive[b], b in part.isr, len(part.logs[b]))
                )

    def settle(part: _Partition) -> None:
        """Advance the high watermark and answer the acks="all" writes below it."""
        if part.leader is None:
            return
        part.hw = min(len(part.logs[b]) for b in part.isr)
        enough = len(part.isr) >= s.min_insync_replicas
        waiting = []
        for rid in part.pending:
            row = statuses[rid]
            if row[4] < part.hw:
                row[2], row[3], row[5] = (
                    ("acked", "", env.now) if enough else ("failed", "not enough replicas after append", -1.0)
                )
            else:
                waiting.append(rid)
        part.pending = waiting

    def produce() -> None:
        rid = len(statuses)
        part = parts[rid % s.partitions]
        leader = part.leader
        row = [part.number, env.now, "", "", -1, -1.0, -1 if leader is None else leader]
        statuses.append(row)
        if leader is None:
            row[2], row[3] = "refused", "no leader (partition offline)"
            return
        if not alive[leader]:  # dead, but the controller has not noticed yet
            row[2], row[3] = ("sent", "leader unreachable") if s.acks == 0 else ("failed", "leader unreachable")
            return
        if s.acks == "all" and len(part.isr) < s.min_insync_replicas:
            row[2], row[3] = "refused", "not enough replicas"
            return
        log = part.logs[leader]
        row[4] = len(log)
        log.append(rid)
        if s.acks == 0:
            row[2] = "sent"
        elif s.acks == 1:
            row[2], row[5] = "acked", env.now
        else:
            row[2] = "pending"
            part.pending.append(rid)
            settle(part)

    def fetch(round_: int) -> None:
        for part in parts:
            leader = part.leader
            if leader is None or not alive[leader]:
                continue
            source = part.logs[leader]
            for b in part.replicas:
                if b != leader and alive[b]:
                    have = part.logs[b]
                    have.extend(source[len(have) :])  # fetch everything missing
            settle(part)
        env.schedule_at(round((round_ + 1) * s.fetch_interval, 9), fetch, round_ + 1)  # exact times: no drift

    def die(broker: int) -> None:
        snapshot()
        alive[broker] = False
        events.append(ClusterEvent(env.now, "broker died", -1, broker))
        env.schedule(s.failover_time, notice, broker)

    def notice(broker: int) -> None:
        for part in parts:
            if broker not in part.isr:
                continue
            if part.leader == broker:
                for rid in part.pending:
                    statuses[rid][2], statuses[rid][3] = "failed", "leader died before replicas confirmed"
                part.pending = []
                candidates = [b for b in part.replicas if b != broker and alive[b] and b in part.isr]
                if not candidates:  # unclean election is off: wait for the last in-sync replica
                    part.leader = None
                    events.append(ClusterEvent(env.now, "partition offline", part.number, broker))
                    continue
                part.isr.discard(broker)
                new = part.leader = candidates[0]
                events.append(ClusterEvent(env.now, "leader elected", part.number, new))
                keep = len(part.logs[new])
                for b in part.replicas:  # followers drop whatever the new leader does not have
                    if b != broker and len(part.logs[b]) > keep:
                        part.logs[b] = part.logs[b][:keep]
            else:
                part.isr.discard(broker)
                events.append(ClusterEvent(env.now, "isr shrink", part.number, broker))
            settle(part)
        snapshot()

    if s.rate > 0:
        env.feed(Poisson(rate=s.rate).times(until, stream(s.seed, "produce")), produce)
    env.schedule_at(round(s.fetch_interval, 9), fetch, 1)
    if s.fail_broker is not None and s.fail_at <= until:
        env.schedule_at(s.fail_at, die, s.fail_broker)
    env.run(until=until)
    snapshot()

    final_logs = {}
    for part in parts:
        holder = part.leader if part.leader is not None else next(iter(part.isr))
        final_logs[part.number] = set(part.logs[holder])
    records = [
        ProduceRecord(
            rid,
            p,
            sent,
            status,
            reason,
            offset,
            acked,
            leader,
            status in ("acked", "sent") and rid not in final_logs[p],
        )
        for rid, (p, sent, status, reason, offset, acked, leader) in enumerate(statuses)
    ]
    return ReplicationResult(scenario=s, until=float(until), records=records, events=events, replicas=snapshots)
