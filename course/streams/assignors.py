"""Partition assignment inside a consumer group: Kafka's range, round-robin and sticky strategies.

Everything here is a pure function of plain dicts, so a lesson can print an assignment,
draw it, or diff two of them. Partitions are `(topic, partition)` tuples; member ids are
strings and are ordered as plain strings, as Kafka orders them ("c10" sorts before "c2").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from course.sim.validate import choice, instance, whole

__all__ = ["ASSIGNORS", "Assignment", "TopicPartition", "assign", "is_balanced", "partitions_of"]

TopicPartition = tuple[str, int]  # (topic, partition number)
Assignment = dict[str, list[TopicPartition]]  # member id -> the partitions it owns, sorted

ASSIGNORS = ("range", "roundrobin", "sticky")  # Kafka's partition.assignment.strategy values taught here


def partitions_of(topics: Mapping[str, int]) -> list[TopicPartition]:
    """Every partition of `topics` (`{topic: partition_count}`), sorted by topic then number.

    >>> partitions_of({"rides": 2, "alerts": 1})
    [('alerts', 0), ('rides', 0), ('rides', 1)]
    """
    _check_topics(topics)
    return [(topic, p) for topic in sorted(topics) for p in range(topics[topic])]


def _check_topics(topics: Mapping[str, int]) -> None:
    instance("topics", topics, Mapping, example="{'rides': 6} (topic -> partition count)")
    for topic, count in topics.items():
        instance("topics (a topic name)", topic, str, example="{'rides': 6}")
        whole(f"topics[{topic!r}]", count, minimum=1, why="a topic needs at least one partition to hold records")


def _check_subscriptions(subscriptions: Mapping[str, Sequence[str]]) -> None:
    instance("subscriptions", subscriptions, Mapping, example="{'c0': ['rides']} (member id -> topics)")
    for member, subscribed in subscriptions.items():
        instance("subscriptions (a member id)", member, str, example="{'c0': ['rides']}: Kafka sorts ids as strings")
        if isinstance(subscribed, str) or not isinstance(subscribed, Sequence | set | frozenset):
            raise ValueError(
                f"subscriptions[{member!r}] must be a list of topics (got {subscribed!r}): for example ['rides']"
            )


def _check_pairs(name: str, owned: object) -> None:
    """`owned` must be a list of (topic, partition) pairs, as an assignment holds."""
    if isinstance(owned, str) or not isinstance(owned, Sequence | set | frozenset):
        raise ValueError(f"{name} must be a list of (topic, partition) pairs (got {owned!r}): e.g. [('rides', 0)]")
    for tp in owned:
        if not (isinstance(tp, Sequence) and len(tp) == 2 and isinstance(tp[0], str) and isinstance(tp[1], int)):
            raise ValueError(f"{name} must list (topic, partition) pairs such as ('rides', 0) (got {tp!r})")


def _check(topics: Mapping[str, int], subscriptions: Mapping[str, Sequence[str]]) -> None:
    _check_topics(topics)
    _check_subscriptions(subscriptions)
    for member, subscribed in subscriptions.items():
        for topic in subscribed:
            if topic not in topics:
                known = ", ".join(repr(t) for t in sorted(topics)) or "none"
                raise ValueError(
                    f"subscriptions[{member!r}] must name existing topics (got {topic!r}): "
                    f"known topics are {known}; create it or fix the name"
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
    _check_subscriptions(subscriptions)
    instance("assignment", assignment, Mapping, example="the dict assign(...) returns")
    for holder, owned in assignment.items():
        if holder not in subscriptions:
            raise ValueError(f"assignment must only name subscribed members (got {holder!r}): add it to subscriptions")
        _check_pairs(f"assignment[{holder!r}]", owned)
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
    before = previous or {}
    for member in sorted(before):
        for tp in sorted((x[0], x[1]) for x in before[member]):
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
    choice("strategy", strategy, ASSIGNORS)
    _check(topics, subscriptions)
    if previous is not None:
        instance("previous", previous, Mapping, example="the dict an earlier assign(...) returned")
        for member, owned in previous.items():
            _check_pairs(f"previous[{member!r}]", owned)
    if strategy == "range":
        return _range(topics, subscriptions)
    if strategy == "roundrobin":
        return _roundrobin(topics, subscriptions)
    return _sticky(topics, subscriptions, previous)
