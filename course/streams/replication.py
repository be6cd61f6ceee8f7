"""How a replication scenario runs: a leader and followers per partition, an in-sync replica set, acks.

A follower is **in sync** (in the ISR) while it keeps catching up with the leader's log end: a
follower that has not caught up for `replica_lag_time_max` seconds is dropped from the ISR by its
leader (Kafka's `replica.lag.time.max.ms`). The **high watermark** is the offset below which every
ISR member has the records: consumers read only below it, and an `acks="all"` write is acknowledged
when the high watermark passes it. The producer's `acks` says when a write counts as done: 0 at
once (fire and forget), 1 when the leader has it (it may still sit above the high watermark),
"all" when every in-sync replica has it. With `acks="all"` the leader refuses writes while fewer
than `min_insync_replicas` replicas are in sync. When a broker dies, the controller removes it from
every ISR and each partition it led gets a new leader from its ISR (unclean election is off: no
in-sync replica left means the partition goes offline rather than lose data); the other replicas
truncate their logs to the new leader's, so acknowledged writes above the high watermark are gone.

Simplifications, named: followers fetch everything they miss every `fetch_interval` seconds,
instantly, and the leader learns at once how far they got, so a live follower catches up at every
fetch; it leaves the ISR only if its broker stalls (stops fetching). A dead broker leaves the ISR
`failover_time` seconds after it dies (when the controller notices), a stalled one after
`replica_lag_time_max`. The producer learns of a new leader at once. A dead broker stays dead and a
stalled one stalled for the rest of the run; a stalled broker still leads its own partitions.
"""

from __future__ import annotations

from course.sim import Environment, Poisson, stream

from .records import ClusterEvent, ProduceRecord, ReplicaState
from .results import ReplicationResults
from .scenario import ReplicationScenario

__all__ = ["MAX_RECORDS", "run_replication"]

MAX_RECORDS = 200_000  # a run never produces more than this (rate * until), so it stays bounded


class _Partition:
    __slots__ = ("caught_up", "hw", "isr", "leader", "logs", "number", "pending", "replicas")

    def __init__(self, number: int, replicas: list[int]):
        self.number = number
        self.replicas = replicas
        self.leader: int | None = replicas[0]
        self.isr = set(replicas)
        self.logs: dict[int, list[int]] = {b: [] for b in replicas}  # record ids, offset = index
        self.hw = 0  # high watermark: offsets below it are on every in-sync replica
        self.pending: list[int] = []  # acks="all" record ids waiting for the high watermark
        self.caught_up = dict.fromkeys(replicas, 0.0)  # when each follower last reached the leader's log end


def run_replication(s: ReplicationScenario, until: float, seed: int) -> ReplicationResults:
    """Run a producer against a replicated topic for `until` seconds (already validated), with at most one
    broker failure; see `course.streams.simulate`.

    With `acks="all"` and `min_insync_replicas >= 2`, no acknowledged write is lost when one
    broker dies; with `acks=1` the writes the leader acknowledged in the last `fetch_interval`
    before it died are lost; a write the cluster cannot make safe is rejected or fails, never
    silently dropped.
    """
    if s.rate * until > MAX_RECORDS:
        raise ValueError(
            f"until must be at most {MAX_RECORDS / s.rate:g} s at rate {s.rate:g} (got {until:g}): "
            f"a run produces at most {MAX_RECORDS:,} records; lower the rate or shorten the run"
        )
    if until / s.fetch_interval > MAX_RECORDS:
        raise ValueError(
            f"until must be at most {MAX_RECORDS * s.fetch_interval:g} s with fetch_interval={s.fetch_interval:g} "
            f"(got {until:g}): a run has at most {MAX_RECORDS:,} fetch rounds; raise fetch_interval or shorten it"
        )
    env = Environment()
    alive = [True] * s.brokers
    fetching = [True] * s.brokers  # a stalled broker stops fetching as a follower
    parts = [_Partition(p, s.replicas(p)) for p in range(s.partitions)]
    statuses: list[list] = []  # per record: [partition, sent_at, status, reason, offset, acked_at, leader]
    events: list[ClusterEvent] = []
    snapshots: list[ReplicaState] = []

    def snapshot() -> None:
        for part in parts:
            for b in part.replicas:
                role = "leader" if b == part.leader else "offline" if part.leader is None else "follower"
                snapshots.append(
                    ReplicaState(env.now, part.number, b, role, alive[b], b in part.isr, len(part.logs[b]), part.hw)
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
                    ("served", "", env.now) if enough else ("failed", "not enough replicas after append", -1.0)
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
            row[2], row[3] = "rejected", "no leader (partition offline)"
            return
        if not alive[leader]:  # dead, but the controller has not noticed yet
            if s.acks == 0:  # the producer does not wait: it counts the write done and never hears of it
                row[2], row[3], row[5] = "served", "leader unreachable", env.now
            else:
                row[2], row[3] = "failed", "leader unreachable"
            return
        if s.acks == "all" and len(part.isr) < s.min_insync_replicas:
            row[2], row[3] = "rejected", "not enough replicas"
            return
        log = part.logs[leader]
        row[4] = len(log)
        log.append(rid)
        if s.acks in (0, 1):  # acks=0: done once sent; acks=1: done once the leader has it (at once, here)
            row[2], row[5] = "served", env.now
        else:
            row[2] = "unfinished"
            part.pending.append(rid)
            settle(part)

    def fetch(round_: int) -> None:
        shrunk = False
        for part in parts:
            leader = part.leader
            if leader is None or not alive[leader]:
                continue
            source = part.logs[leader]
            for b in part.replicas:
                if b != leader and alive[b] and fetching[b]:
                    have = part.logs[b]
                    have.extend(source[len(have) :])  # fetch everything missing: caught up
                    part.caught_up[b] = env.now
            for b in sorted(part.isr - {leader}):  # the leader drops a follower that fell behind too long
                behind = len(part.logs[b]) < len(source)
                if behind and env.now - part.caught_up[b] > s.replica_lag_time_max:
                    part.isr.discard(b)
                    events.append(ClusterEvent(env.now, "isr shrink", part.number, b))
                    shrunk = True
                elif not behind:
                    part.caught_up[b] = env.now
            settle(part)
        if shrunk:
            snapshot()
        env.schedule_at(round((round_ + 1) * s.fetch_interval, 9), fetch, round_ + 1)  # exact times: no drift

    def stall(broker: int) -> None:
        snapshot()
        fetching[broker] = False
        events.append(ClusterEvent(env.now, "broker stalled", -1, broker))

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
        env.feed(Poisson(rate=s.rate).times(until, stream(seed, "produce")), produce)
    env.schedule_at(round(s.fetch_interval, 9), fetch, 1)
    if s.fail_broker is not None and s.fail_at <= until:
        env.schedule_at(s.fail_at, die if s.fail_mode == "dies" else stall, s.fail_broker)
    env.run(until=until)
    snapshot()

    final_logs = {}
    for part in parts:
        holder = part.leader if part.leader is not None else next(iter(part.isr))
        final_logs[part.number] = set(part.logs[holder])
    records = []
    for rid, (p, sent, status, reason, offset, acked, leader) in enumerate(statuses):
        if status == "served" and rid not in final_logs[p]:
            status = "lost"  # the producer counted it done; the cluster no longer has it
        records.append(ProduceRecord(rid, p, sent, status, reason, offset, acked, leader))
    return ReplicationResults(s, records, until, events=events, replicas=snapshots)
