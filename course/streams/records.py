"""The flat records a streams run produces: one named tuple per row, ready for a table or a plot.

A consumer-group run records a `LagSample` per tick, group and partition and a `RebalanceEvent` per
rebalance; a replication run a `ProduceRecord` per write, a `ReplicaState` per replica snapshot and a
`ClusterEvent` per thing the cluster did; a windowed run a `Firing` per window result, a `Dropped`
per event that fits no open window, a `Missed` per window a late event could not join, and a
`WatermarkStep` per event read.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .rebalance import RebalanceDiff

__all__ = [
    "ClusterEvent",
    "Dropped",
    "Firing",
    "LagSample",
    "Missed",
    "ProduceRecord",
    "RebalanceEvent",
    "ReplicaState",
    "WatermarkStep",
]


class LagSample(NamedTuple):
    """One partition as one group saw it at time `t`: its end offset, the group's committed offset, the lag."""

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


class ProduceRecord(NamedTuple):
    """One write's fate, `status`, an outcome from `course.sim.OUTCOMES`:

    - "served": the producer counted it done (with acks=0 as soon as it was sent) and it is in the log;
    - "lost": the producer counted it done, but it is not in the partition's log at the end;
    - "rejected": the cluster refused it ("not enough replicas", "no leader (partition offline)");
    - "failed": accepted, then ended in an error the producer sees ("leader unreachable", ...);
    - "unfinished": still waiting for the in-sync replicas when the run ended.

    `reason` says why a write was rejected or failed; `offset` is -1 when it never reached a log;
    `acked_at` is when the producer counted it done (-1 if never).
    """

    id: int
    partition: int
    sent_at: float
    status: str
    reason: str
    offset: int
    acked_at: float
    leader: int

    @property
    def lost(self) -> bool:
        """True for a write the producer counted as done that the cluster no longer has."""
        return self.status == "lost"


class ReplicaState(NamedTuple):
    """One replica at time `t`: its broker, role ("leader", "follower", "offline"), liveness, sync, log end,
    and its partition's `high_watermark`: the offset below which every in-sync replica has the records,
    the end of what consumers may read."""

    t: float
    partition: int
    broker: int
    role: str
    alive: bool
    in_sync: bool
    log_end_offset: int
    high_watermark: int


class ClusterEvent(NamedTuple):
    """Something the cluster did: "broker died", "broker stalled", "isr shrink", "leader elected",
    "partition offline"."""

    t: float
    kind: str
    partition: int
    broker: int


class Firing(NamedTuple):
    """A window's result: `kind` is "on_time" (the watermark reached its end), "late" (a late event re-fired it)
    or "end_of_stream" (the final watermark); `value` sums the window's `events`; `seq` is the position of the
    event that triggered it and `at` its arrival time."""

    key: Any
    start: float
    end: float
    value: float
    events: int
    kind: str
    watermark: float
    seq: int
    at: float | None

    @property
    def late(self) -> bool:
        """True for a re-fire caused by a late event (the earlier firing's result was incomplete)."""
        return self.kind == "late"


class Dropped(NamedTuple):
    """A late event that arrived after every window it belongs to was gone (Flink's side output)."""

    key: Any
    time: float
    value: float
    watermark: float
    seq: int
    at: float | None


class Missed(NamedTuple):
    """A late event left out of one window `[start, end)` of `key` it belongs to: the window's state was gone.

    With tumbling windows each dropped event misses its one window; with sliding windows an event
    can miss its older window while still counting in a newer one (and so not be dropped).
    """

    key: Any
    start: float
    end: float
    time: float
    value: float
    watermark: float
    seq: int
    at: float | None


class WatermarkStep(NamedTuple):
    """The watermark right after event number `seq` (arriving at `at`, with event time `time`)."""

    seq: int
    at: float | None
    time: float
    watermark: float
