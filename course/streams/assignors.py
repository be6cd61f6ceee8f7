"""Partition assignment inside a consumer group: Kafka's range, round-robin and sticky strategies.

Everything here is a pure function of plain dicts, so a lesson can print an assignment,
draw it, or diff two of them. Partitions are `(topic, partition)` tuples; member ids are
strings and are ordered as plain strings, as Kafka orders them ("c10" sorts before "c2").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._validate import choice, whole

__all__ = ["STRATEGIES", "Assignment", "TopicPartition", "assign", "is_balanced", "partitions_of"]

TopicPartition = tuple[str, int]  # (topic, partition number)
Assignment = dict[str, list[TopicPartition]]  # member id -> the partitions it owns, sorted

STRATEGIES = ("range", "roundrobin", "sticky")


def partitions_of(topics: Mapping[str, int]) -> list[TopicPartition]:
    """Every partition of `topics` (`{topic: partition_count}`), sorted by topic then number.

    >>> partitions_of({"rides": 2, "alerts": 1})
    [('alerts', 0), ('rides', 0), ('rides', 1)]
    """
    return [(topic, p) for topic in sorted(topics) for p in range(topics[topic])]


def _check(topics: Mapping[str, int], subscriptions: Mapping[str, Sequence[str]]) -> None:
    if not isinstance(topics, Mapping):
        raise ValueError(f"topics must be a dict of topic -> partition count, e.g. {{'rides': 6}} (got {topics!r})")
    if not isinstance(subscriptions, Mapping):
        raise ValueError(
            f"subscriptions must be a dict of member id -> topics, e.g. {{'c0': ['rides']}} (got {subscriptions!r})"
        )
    for topic, count in topics.items():
        if not isinstance(topic, str):
            raise ValueError(f"topic names must be strings (got {topic!r})")
        whole(
            f"the partition count of topic {topic!r}", count, 1, "a topic needs at least one partition to hold records"
        )
    for member, subscribed in subscriptions.items():
        if not isinstance(member, str):
            raise ValueError(f"member ids must be strings such as 'c0' (got {member!r}): Kafka sorts them as strings")
        if isinstance(subscribed, str) or not isinstance(subscribed, Sequence | set | frozenset):
            raise ValueError(
                f"member {member!r} must subscribe to a list of topics, e.g. ['rides'] (got {subscribed!r})"
            )
        for topic in subscribed:
            if topic not in topics:
                known = ", ".join(repr(t) for t in sorted(topics)) or "none"
                raise ValueError(
                    f"member {member!r} subscribes to topic {topic!r}, which does not exist; "
                    f"known topics: {known} (create it or fix the name)"
                )


def _empty(subscriptions: Mapping[str, Sequence[str]]) -> Assignment:
    return {member: [] for member in sorted(subscriptions)}


def _range(topics: Mapping[str, int], subscriptions: Mapping[str, Sequence[str]]) -> Assignment:
    result = _empty(subscriptions)
    for topic in sorted(topics):
        members = sorted(m for m, subscribed in subscriptions.items() if topic in subscribed)
        if not members:
            continue
        n, k = topics[topic], len(members)
        per_member, extra = divmod(n, k)
        for i, member in enumerate(members):
            start = per_member * i + min(i, extra)
            length = per_member + (1 if i < extra else 0)
            result[member] += [(topic, p) for p in range(start, start + length)]
    return result


def _roundrobin(topics: Mapping[str, int], subscriptions: Mapping[str, Sequence[str]]) -> Assignment:
    result = _empty(subscriptions)
    members = sorted(subscriptions)
    subscribed_topics = sorted({t for topics_of in subscriptions.values() for t in topics_of})
    cursor = 0  # a circular cursor over the sorted members, never reset between topics
    for topic in subscribed_topics:
        for p in range(topics[topic]):
            while topic not in subscriptions[members[cursor]]:
                cursor = (cursor + 1) % len(members)
            result[members[cursor]].append((topic, p))
            cursor = (cursor + 1) % len(members)
    return result


def is_balanced(assignment: Mapping[str, Sequence[TopicPartition]], subscriptions: Mapping[str, Sequence[str]]) -> bool:
    """True when no member that could own a partition has two or more fewer partitions than its owner.

    This is the sticky assignor's first goal (KIP-54); when every member subscribes to every
    topic it means the sizes differ by at most one.

    >>> subs = {"a": ["t"], "b": ["t"]}
    >>> is_balanced({"a": [("t", 0), ("t", 1)], "b": []}, subs)
    False
    >>> is_balanced({"a": [("t", 0)], "b": [("t", 1)]}, subs)
    True
    """
    count = {m: len(assignment.get(m, [])) for m in subscriptions}
    by_topic: dict[str, list[str]] = {}
    for member, topics in subscriptions.items():
        for topic in topics:
            by_topic.setdefault(topic, []).append(member)
    for holder, owned in assignment.items():
        for topic, _ in owned:
            if any(count[m] <= count[holder] - 2 for m in by_topic.get(topic, [])):
                return False
    return True


def _sticky(
    topics: Mapping[str, int],
    subscriptions: Mapping[str, Sequence[str]],
    previous: Mapping[str, Sequence[TopicPartition]] | None,
) -> Assignment:
    eligible: dict[TopicPartition, list[str]] = {}
    for tp in partitions_of(topics):
        members = sorted(m for m, subscribed in subscriptions.items() if tp[0] in subscribed)
        if members:
            eligible[tp] = members
    owned: dict[str, list[TopicPartition]] = {m: [] for m in subscriptions}
    owner: dict[TopicPartition, str] = {}
    was_owner: dict[TopicPartition, str] = {}
    # 1. keep every previous ownership that is still valid (member present and subscribed, partition exists)
    for member in sorted(previous or {}):
        for tp in sorted(tuple(x) for x in previous[member]):
            if member in owned and tp in eligible and member in eligible[tp] and tp not in owner:
                owner[tp] = was_owner[tp] = member
                owned[member].append(tp)
    # 2. hand out the rest, the partitions with the fewest candidates first, each to the least loaded candidate
    for tp in sorted((tp for tp in eligible if tp not in owner), key=lambda tp: (len(eligible[tp]), tp)):
        member = min(eligible[tp], key=lambda m: (len(owned[m]), m))
        owner[tp] = member
        owned[member].append(tp)
    # 3. while some partition's owner has two or more partitions than a member that could take it, move it;
    #    moves that cost no stickiness go first. Each move lowers the sum of squared sizes, so this ends.
    while True:
        move = None
        for holder in sorted(owned, key=lambda m: (-len(owned[m]), m)):
            size = len(owned[holder])
            candidates = sorted(owned[holder], key=lambda tp: (was_owner.get(tp) == holder, tp))
            for tp in candidates:
                taker = min(eligible[tp], key=lambda m: (len(owned[m]), m))
                if len(owned[taker]) <= size - 2:
                    move = (tp, holder, taker)
                    break
            if move:
                break
        if move is None:
            break
        tp, holder, taker = move
        owned[holder].remove(tp)
        owned[taker].append(tp)
        owner[tp] = taker
    # 4. hand a moved partition back to its previous owner whenever the result stays balanced
    #    (each hand-back keeps one more partition in place, so this ends too)
    returned = True
    while returned:
        returned = False
        for tp in sorted(was_owner):
            home, now = was_owner[tp], owner[tp]
            if home == now:
                continue
            owned[now].remove(tp)
            owned[home].append(tp)
            if is_balanced(owned, subscriptions):
                owner[tp] = home
                returned = True
            else:
                owned[home].remove(tp)
                owned[now].append(tp)
    return {m: sorted(owned[m]) for m in sorted(owned)}


def assign(
    strategy: str,
    topics: Mapping[str, int],
    subscriptions: Mapping[str, Sequence[str]],
    previous: Mapping[str, Sequence[TopicPartition]] | None = None,
) -> Assignment:
    """Give every partition of the subscribed topics exactly one owner in the group, as Kafka's assignors do.

    `topics` is `{topic: partition_count}`, `subscriptions` is `{member_id: [topic, ...]}`, and
    the result is `{member_id: [(topic, partition), ...]}` with every member listed (idle ones
    with `[]`) and lists sorted. Strategies:

    - "range": per topic, the subscribed members in string order each get a contiguous run;
      member `i` of `k` starts at `(n // k) * i + min(i, n % k)`, the first `n % k` get one extra
      (Kafka's RangeAssignor).
    - "roundrobin": all partitions sorted by topic then number are dealt to the members in
      string order by a cursor that is never reset, skipping members not subscribed to the
      partition's topic (Kafka's RoundRobinAssignor).
    - "sticky": balanced first, then as many partitions as possible stay with their owner in
      `previous` (the goals of Kafka's StickyAssignor, KIP-54, reached by our own algorithm).
      When every member subscribes to every topic it keeps the most partitions balance allows;
      with mixed subscriptions no single partition could go back to its previous owner without
      breaking balance. Range and round robin ignore `previous`.

    Taught in lessons/04_streams.ipynb.

    >>> assign("range", {"t0": 3, "t1": 3}, {"C0": ["t0", "t1"], "C1": ["t0", "t1"]})
    {'C0': [('t0', 0), ('t0', 1), ('t1', 0), ('t1', 1)], 'C1': [('t0', 2), ('t1', 2)]}
    >>> assign("roundrobin", {"t0": 3, "t1": 3}, {"C0": ["t0", "t1"], "C1": ["t0", "t1"]})
    {'C0': [('t0', 0), ('t0', 2), ('t1', 1)], 'C1': [('t0', 1), ('t1', 0), ('t1', 2)]}
    >>> assign("range", {"rides": 2}, {"c0": ["rides"], "c1": ["rides"], "c2": ["rides"]})["c2"]
    []
    >>> before = {"c0": [("rides", 0), ("rides", 1)], "c1": [("rides", 2), ("rides", 3)]}
    >>> after = assign("sticky", {"rides": 4}, {"c0": ["rides"], "c1": ["rides"], "c2": ["rides"]}, previous=before)
    >>> after   # c2 joins: it takes one partition and the other three stay where they were
    {'c0': [('rides', 1)], 'c1': [('rides', 2), ('rides', 3)], 'c2': [('rides', 0)]}
    """
    choice("assignment strategy", strategy, STRATEGIES)
    _check(topics, subscriptions)
    if previous is not None:
        if not isinstance(previous, Mapping):
            raise ValueError(f"previous must be an assignment dict such as assign(...) returns (got {previous!r})")
        for member, owned in previous.items():
            for tp in owned:
                if not (isinstance(tp, Sequence) and len(tp) == 2 and isinstance(tp[1], int)):
                    raise ValueError(
                        f"previous[{member!r}] must list (topic, partition) pairs such as ('rides', 0) (got {tp!r})"
                    )
    if strategy == "range":
        return _range(topics, subscriptions)
    if strategy == "roundrobin":
        return _roundrobin(topics, subscriptions)
    return _sticky(topics, subscriptions, previous)
