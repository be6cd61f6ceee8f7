"""Event sourcing: the log is the truth, and any state built from it can be rebuilt by replaying it.

A consumer that keeps a running state (rides per city) applies each record once, as it
arrives. Because a topic never changes or forgets its records (in this toy; a real topic
deletes old segments after its retention time or size unless retention is infinite or the
old segments move to tiered storage), a new reader can start at offset 0, apply the same
function to the same records, and reach the same state: after a bug fix, for a new
dashboard, or to recover a lost cache. Log compaction (`compact`) is not a way to keep that
history: it keeps only the last record of each key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from course.sim.validate import instance, whole

from .topic import LogRecord, Topic

__all__ = ["compact", "count_by_key", "replay"]

State = TypeVar("State")


def count_by_key(counts: Mapping[Any, int], record: LogRecord) -> dict[Any, int]:
    """One step of a per-key count: a new dict with `record.key`'s count raised by one.

    >>> count_by_key({"paris": 2}, LogRecord("rides", 0, 2, "paris", 1, 0.0))
    {'paris': 3}
    """
    instance("counts", counts, Mapping, example="{} to start, or the dict the last step returned")
    instance("record", record, LogRecord, example="a record read from a Topic")
    out = dict(counts)
    out[record.key] = out.get(record.key, 0) + 1
    return out


def replay(
    topic: Topic,
    apply: Callable[[State, LogRecord], State],
    initial: State,
    upto: Iterable[int] | None = None,
) -> State:
    """Rebuild a state by applying `apply(state, record)` to every record of `topic` from offset 0.

    Partitions are replayed one after the other, each in offset order. Order is guaranteed
    only inside a partition, so `apply` must not depend on the order of records of different
    partitions; a per-key state is safe, because all records of a key share a partition.
    `upto` gives, per partition, the end offset to stop at (default: everything written).

    Taught in lessons/04_streams.ipynb.

    >>> rides = Topic("rides", partitions=2)
    >>> for city in ["paris", "lyon", "paris", "rome"]:
    ...     _ = rides.append(0 if city == "paris" else 1, key=city)
    >>> replay(rides, count_by_key, {})
    {'paris': 2, 'lyon': 1, 'rome': 1}
    >>> replay(rides, count_by_key, {}, upto=[1, 0])
    {'paris': 1}
    """
    instance("topic", topic, Topic, example="Topic('rides', 6)")
    if not callable(apply):
        raise ValueError(f"apply must be a function (state, record) -> new state (got {apply!r}): e.g. count_by_key")
    ends = topic.end_offsets()
    if upto is not None:
        if isinstance(upto, (str, bytes)) or not isinstance(upto, Iterable):
            raise ValueError(f"upto must be a list of end offsets, one per partition (got {upto!r}): e.g. [3, 0]")
        stops = list(upto)
        if len(stops) != topic.partitions:
            raise ValueError(
                f"upto must give one end offset per partition ({topic.partitions}) (got {len(stops)}): "
                "e.g. topic.end_offsets()"
            )
        for p, (stop, end) in enumerate(zip(stops, ends, strict=True)):
            whole(f"upto[{p}]", stop, maximum=end, why=f"partition {p} holds {end} records")
        ends = stops
    state = initial
    for p, end in enumerate(ends):
        for record in topic.read(p, 0, end):
            state = apply(state, record)
    return state


def compact(records: Iterable[LogRecord]) -> list[LogRecord]:
    """What log compaction leaves of a log: the last record of each key in each partition, offsets unchanged.

    Kafka's compacted topics (`cleanup.policy=compact`) keep at least the latest value per key: the
    current state of each key (a driver's last position), not the events that led to it. A replay
    of a compacted log therefore rebuilds "latest value per key" views, never counts or histories.
    (The toy compacts everything at once; Kafka's cleaner leaves the newest segment alone.)

    Taught in lessons/04_streams.ipynb.

    >>> rides = [LogRecord("rides", 0, i, city, 1, float(i)) for i, city in enumerate(["paris", "lyon", "paris"])]
    >>> [(r.offset, r.key) for r in compact(rides)]
    [(1, 'lyon'), (2, 'paris')]
    >>> len(rides), len(compact(rides))
    (3, 2)
    """
    if isinstance(records, (str, bytes)) or not isinstance(records, Iterable):
        raise ValueError(f"records must be a list of LogRecord (got {records!r}): e.g. topic.read(0)")
    last: dict[tuple[str, int, Any], LogRecord] = {}
    for i, record in enumerate(records):
        instance(f"records[{i}]", record, LogRecord, example="a record read from a Topic")
        if record.key is None:
            raise ValueError(
                f"records[{i}].key must not be None (got None): a compacted topic keeps one record per key, "
                "so Kafka refuses records without one"
            )
        last[(record.topic, record.partition, record.key)] = record
    return sorted(last.values(), key=lambda r: (r.topic, r.partition, r.offset))
