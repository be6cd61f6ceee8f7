"""A consumer group: members share a topic's partitions, and the group remembers its own offsets."""

from __future__ import annotations

from collections.abc import Iterable

from course.sim.validate import choice, whole

from .assignors import ASSIGNORS, Assignment, TopicPartition, assign
from .rebalance import RebalanceDiff, check_protocol, rebalance_diff
from .topic import LogRecord, Topic

__all__ = ["ConsumerGroup"]


class ConsumerGroup:
    """Members of a group split the partitions so that each partition has exactly one owner.

    Every group keeps its own committed offsets, so two groups reading the same topic each
    see every record. A member reads from its `position`; `commit` makes the position the
    group's `committed` offset. `lag` is records written but not yet committed. When members
    join, leave or crash the group rebalances with its `strategy`; a new owner starts from the
    committed offset, so records read but not committed by a crashed member are read again.
    With more members than partitions, the extra members sit idle. `protocol` ("eager" or
    "cooperative", the latter only with the "sticky" strategy, as Kafka's cooperative sticky
    assignor) only decides which partitions a rebalance pauses (`RebalanceDiff.paused`).

    Taught in lessons/04_streams.ipynb.

    >>> rides = Topic("rides", partitions=2)
    >>> for city in ["paris", "lyon", "rome"]:
    ...     _ = rides.append(0 if city != "rome" else 1, key=city)
    >>> group = ConsumerGroup("dashboard", rides, members=["c0", "c1", "c2"])
    >>> group.assignment, group.idle
    ({'c0': [('rides', 0)], 'c1': [('rides', 1)], 'c2': []}, ['c2'])
    >>> [r.key for r in group.poll("c0")], group.lag()
    (['paris', 'lyon'], {('rides', 0): 2, ('rides', 1): 1})
    >>> group.commit("c0"); group.total_lag()
    1
    """

    def __init__(
        self,
        name: str,
        topics: Topic | Iterable[Topic],
        members: Iterable[str] = (),
        strategy: str = "range",
        protocol: str = "eager",
    ):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string (got {name!r}): e.g. 'dashboard'")
        choice("strategy", strategy, ASSIGNORS)
        check_protocol(strategy, protocol)
        if isinstance(topics, Topic):
            topic_list = [topics]
        elif isinstance(topics, Iterable) and not isinstance(topics, str):
            topic_list = list(topics)
        else:
            topic_list = []
        if not topic_list or not all(isinstance(t, Topic) for t in topic_list):
            raise ValueError(f"topics must be one or more Topic objects (got {topics!r}): e.g. Topic('rides', 6)")
        if isinstance(members, str) or not isinstance(members, Iterable):
            raise ValueError(f"members must be a list of member ids (got {members!r}): e.g. ['c0', 'c1']")
        self.name = name
        self.topics = {t.name: t for t in topic_list}
        self.strategy = strategy
        self.protocol = protocol
        self.committed: dict[TopicPartition, int] = {}
        self.position: dict[TopicPartition, int] = {}
        self.delivered = 0
        self.duplicates = 0
        self._seen: dict[TopicPartition, int] = {}  # highest offset + 1 ever delivered, to count re-reads
        for topic in topic_list:
            for p in range(topic.partitions):
                self.committed[(topic.name, p)] = 0
                self.position[(topic.name, p)] = 0
                self._seen[(topic.name, p)] = 0
        self.members: list[str] = []
        self.assignment: Assignment = {}
        self.history: list[RebalanceDiff] = []
        for member in members:
            self._check_new(member)
            self.members.append(member)
        self._rebalance()

    def __repr__(self) -> str:
        return (
            f"ConsumerGroup({self.name!r}, members={len(self.members)}, strategy={self.strategy!r}, "
            f"idle={len(self.idle)}, lag={self.total_lag()})"
        )

    def _check_new(self, member: str) -> None:
        if not isinstance(member, str) or not member:
            raise ValueError(
                f"member must be a non-empty string such as 'c0' (got {member!r}): Kafka sorts ids as strings"
            )
        if member in self.members:
            raise ValueError(f"member {member!r} is already in group {self.name!r}: pick a new id")

    def _check_member(self, member: str) -> None:
        if not isinstance(member, str) or member not in self.members:
            listed = ", ".join(repr(m) for m in sorted(self.members)) or "none"
            raise ValueError(f"member must be one of the members of group {self.name!r}: {listed} (got {member!r})")

    def _rebalance(self) -> RebalanceDiff:
        before = self.assignment
        subscriptions = {m: sorted(self.topics) for m in self.members}
        counts = {name: t.partitions for name, t in self.topics.items()}
        after = assign(self.strategy, counts, subscriptions, previous=before)
        diff = rebalance_diff(before, after)
        for move in diff.moved:  # a new owner starts where the group last committed
            self.position[(move.topic, move.partition)] = self.committed[(move.topic, move.partition)]
        self.assignment = after
        self.history.append(diff)
        return diff

    def owner(self, topic: str, partition: int) -> str | None:
        """The member that owns a partition, or None when the group has no members."""
        choice("topic", topic, sorted(self.topics))
        last = self.topics[topic].partitions - 1
        whole("partition", partition, maximum=last, why=f"topic {topic!r} has partitions 0 to {last}")
        for member, owned in self.assignment.items():
            if (topic, partition) in owned:
                return member
        return None

    @property
    def idle(self) -> list[str]:
        """Members that own no partition (more members than partitions)."""
        return [m for m, owned in self.assignment.items() if not owned]

    def join(self, member: str) -> RebalanceDiff:
        """Add a member and rebalance; return what moved."""
        self._check_new(member)
        self.commit()  # members commit what they give up before a rebalance
        self.members.append(member)
        return self._rebalance()

    def leave(self, member: str) -> RebalanceDiff:
        """A member leaves cleanly: it commits its offsets, then the group rebalances."""
        self._check_member(member)
        self.commit()
        self.members.remove(member)
        return self._rebalance()

    def crash(self, member: str) -> RebalanceDiff:
        """A member dies without committing: its partitions restart from the committed offsets."""
        self._check_member(member)
        self.commit([m for m in self.members if m != member])
        self.members.remove(member)
        return self._rebalance()

    def poll(
        self, member: str, max_records: int | None = None, paused: Iterable[TopicPartition] = ()
    ) -> list[LogRecord]:
        """Read the next records of the member's partitions and advance its positions.

        With `max_records`, the partitions share the budget evenly (one with less waiting
        leaves the rest to the others), as a fair fetch would; records come grouped by partition.
        Partitions in `paused` are not read (a rebalance is moving them).
        """
        self._check_member(member)
        if isinstance(paused, str) or not isinstance(paused, Iterable):
            raise ValueError(f"paused must be a list of (topic, partition) pairs (got {paused!r}): e.g. [('rides', 0)]")
        skip = {tuple(tp) if isinstance(tp, list) else tp for tp in paused}
        owned = [tp for tp in self.assignment[member] if tp not in skip]
        ends = {tp: len(self.topics[tp[0]].logs[tp[1]]) for tp in owned}
        if max_records is None:
            take = {tp: ends[tp] - self.position[tp] for tp in owned}
        else:
            budget = whole("max_records", max_records, minimum=0, why="a count of records")
            take = dict.fromkeys(owned, 0)
            active = [tp for tp in owned if ends[tp] > self.position[tp]]
            while budget > 0 and active:
                share = max(1, budget // len(active))
                for tp in active:
                    n = min(share, ends[tp] - self.position[tp] - take[tp], budget)
                    take[tp] += n
                    budget -= n
                active = [tp for tp in active if ends[tp] > self.position[tp] + take[tp]]
        out: list[LogRecord] = []
        for tp in owned:
            if not take[tp]:
                continue
            start = self.position[tp]
            records = self.topics[tp[0]].logs[tp[1]][start : start + take[tp]]
            self.position[tp] = start + len(records)
            self.duplicates += max(0, min(self._seen[tp], self.position[tp]) - start)
            self._seen[tp] = max(self._seen[tp], self.position[tp])
            out += records
        self.delivered += len(out)
        return out

    def commit(self, members: str | Iterable[str] | None = None) -> None:
        """Make the current positions of `members` (default: everyone) the group's committed offsets."""
        if members is None:
            chosen = list(self.members)
        elif isinstance(members, str):
            chosen = [members]
        elif isinstance(members, Iterable):
            chosen = list(members)
        else:
            raise ValueError(f"members must be a member id, a list of them or None (got {members!r}): e.g. 'c0'")
        for member in chosen:
            self._check_member(member)
            for tp in self.assignment[member]:
                self.committed[tp] = self.position[tp]

    def lag(self) -> dict[TopicPartition, int]:
        """Per partition: records written but not yet committed by this group."""
        return {tp: self.topics[tp[0]].end_offset(tp[1]) - done for tp, done in sorted(self.committed.items())}

    def total_lag(self) -> int:
        """The group's lag summed over partitions."""
        return sum(self.lag().values())
