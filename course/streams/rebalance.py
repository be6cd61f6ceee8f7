"""What a rebalance changes: which partitions move between members, and what the group does meanwhile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from course.sim.validate import choice, instance

from .assignors import ASSIGNORS, TopicPartition, _check_pairs

__all__ = [
    "COOPERATIVE_ASSIGNORS",
    "PROTOCOLS",
    "Move",
    "RebalanceDiff",
    "RefusedSetting",
    "check_protocol",
    "rebalance_diff",
]

PROTOCOLS = ("eager", "cooperative")
COOPERATIVE_ASSIGNORS = ("sticky",)  # with "cooperative": Kafka's CooperativeStickyAssignor


class RefusedSetting(ValueError):
    """Settings that are each valid but that the real system refuses together (a lab shows why, not a run)."""


def check_protocol(strategy: str, protocol: str) -> str:
    """Return `protocol` if a group using `strategy` can rebalance with it, else say why not.

    In Kafka's classic group protocol the assignor decides: range, round robin and the plain sticky
    assignor rebalance eagerly; only the cooperative sticky assignor rebalances cooperatively.
    Here "sticky" with "cooperative" stands for that assignor.

    >>> check_protocol("sticky", "cooperative")
    'cooperative'
    >>> check_protocol("range", "cooperative")
    Traceback (most recent call last):
    ...
    course.streams.rebalance.RefusedSetting: protocol must be 'eager' with strategy 'range' (got 'cooperative'): ...
    """
    choice("strategy", strategy, ASSIGNORS)
    choice("protocol", protocol, PROTOCOLS)
    if protocol == "cooperative" and strategy not in COOPERATIVE_ASSIGNORS:
        raise RefusedSetting(
            f"protocol must be 'eager' with strategy {strategy!r} (got 'cooperative'): Kafka rebalances "
            "cooperatively only with the cooperative sticky assignor; choose strategy 'sticky' or protocol 'eager'"
        )
    return protocol


_STEPS = {
    "eager": (
        "every member stops consuming and commits its offsets",
        "every member gives up (revokes) all its partitions: the whole group is paused",
        "the group leader computes the new assignment",
        "every member starts again on its new partitions, from the committed offsets",
    ),
    "cooperative": (
        "members keep consuming the partitions that stay with them",
        "only the partitions that move are revoked (and their offsets committed)",
        "a second, quick round hands the revoked partitions to their new owners",
        "only the moved partitions were paused",
    ),
}


class Move(NamedTuple):
    """One partition's fate in a rebalance: its owner before and after (None for no owner)."""

    topic: str
    partition: int
    before: str | None
    after: str | None

    @property
    def moved(self) -> bool:
        """True when the partition changes hands (gaining or losing an owner counts)."""
        return self.before != self.after


@dataclass(frozen=True)
class RebalanceDiff:
    """The difference between two assignments of one group; `records` has one `Move` per partition.

    Taught in lessons/04_streams.ipynb.

    >>> before = {"c0": [("t", 0), ("t", 1)], "c1": [("t", 2)]}
    >>> d = rebalance_diff(before, {"c0": [("t", 0)], "c1": [("t", 1), ("t", 2)]})
    >>> d
    RebalanceDiff(partitions=3, moved=1, kept=2, eager_paused=3, cooperative_paused=1)
    >>> d.moved
    [Move(topic='t', partition=1, before='c0', after='c1')]
    """

    before: dict[str, list[TopicPartition]]
    after: dict[str, list[TopicPartition]]
    records: list[Move]

    def __repr__(self) -> str:
        return (
            f"RebalanceDiff(partitions={len(self.records)}, moved={len(self.moved)}, kept={self.kept}, "
            f"eager_paused={len(self.paused('eager'))}, cooperative_paused={len(self.paused('cooperative'))})"
        )

    @property
    def moved(self) -> list[Move]:
        """The partitions that change hands, sorted by topic and partition."""
        return [m for m in self.records if m.moved]

    @property
    def kept(self) -> int:
        """How many partitions keep the same owner."""
        return sum(1 for m in self.records if not m.moved and m.after is not None)

    @property
    def revoked(self) -> dict[str, list[TopicPartition]]:
        """For each member of `before`, the partitions it loses."""
        out: dict[str, list[TopicPartition]] = {member: [] for member in sorted(self.before)}
        for m in self.moved:
            if m.before is not None:
                out.setdefault(m.before, []).append((m.topic, m.partition))
        return out

    @property
    def assigned(self) -> dict[str, list[TopicPartition]]:
        """For each member of `after`, the partitions it gains."""
        out: dict[str, list[TopicPartition]] = {member: [] for member in sorted(self.after)}
        for m in self.moved:
            if m.after is not None:
                out.setdefault(m.after, []).append((m.topic, m.partition))
        return out

    @property
    def joined(self) -> list[str]:
        """Members in `after` but not in `before`."""
        return sorted(set(self.after) - set(self.before))

    @property
    def left(self) -> list[str]:
        """Members in `before` but not in `after` (they left or crashed)."""
        return sorted(set(self.before) - set(self.after))

    def paused(self, protocol: str = "eager") -> list[TopicPartition]:
        """Partitions nobody consumes during the rebalance.

        Eager (Kafka's classic protocol): every partition that had an owner, because every
        member revokes everything before the new assignment is handed out ("stop the world").
        Cooperative (incremental): only the partitions that move.
        """
        choice("protocol", protocol, PROTOCOLS)
        if protocol == "eager":
            return [(m.topic, m.partition) for m in self.records if m.before is not None or m.after is not None]
        return [(m.topic, m.partition) for m in self.moved]

    def steps(self, protocol: str = "eager") -> tuple[str, ...]:
        """What the group does meanwhile, one sentence per step."""
        choice("protocol", protocol, PROTOCOLS)
        return _STEPS[protocol]


def _owners(assignment: Mapping[str, Sequence[TopicPartition]], name: str) -> dict[TopicPartition, str]:
    instance(name, assignment, Mapping, example="the dict assign(...) returns")
    owners: dict[TopicPartition, str] = {}
    for member, owned in assignment.items():
        _check_pairs(f"{name}[{member!r}]", owned)
        for tp in owned:
            tp = (tp[0], tp[1])
            if tp in owners:
                raise ValueError(
                    f"{name} gives partition {tp} to both {owners[tp]!r} and {member!r}: "
                    "inside a group each partition has exactly one owner"
                )
            owners[tp] = member
    return owners


def rebalance_diff(
    before: Mapping[str, Sequence[TopicPartition]], after: Mapping[str, Sequence[TopicPartition]]
) -> RebalanceDiff:
    """Compare two assignments of one group: which partitions moved, from whom, to whom.

    Taught in lessons/04_streams.ipynb.

    >>> from course.streams import assign
    >>> subs = {"c0": ["rides"], "c1": ["rides"], "c2": ["rides"]}
    >>> old = assign("range", {"rides": 6}, subs)
    >>> new = assign("range", {"rides": 6}, {"c0": ["rides"], "c1": ["rides"]})   # c2 leaves
    >>> [(m.partition, m.before, m.after) for m in rebalance_diff(old, new).moved]
    [(2, 'c1', 'c0'), (4, 'c2', 'c1'), (5, 'c2', 'c1')]
    """
    old, new = _owners(before, "before"), _owners(after, "after")
    records = [Move(tp[0], tp[1], old.get(tp), new.get(tp)) for tp in sorted(set(old) | set(new))]
    return RebalanceDiff(
        before={m: sorted((tp[0], tp[1]) for tp in owned) for m, owned in sorted(before.items())},
        after={m: sorted((tp[0], tp[1]) for tp in owned) for m, owned in sorted(after.items())},
        records=records,
    )
