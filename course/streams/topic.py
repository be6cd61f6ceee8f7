"""A topic is a set of partitions; each partition is an append-only log whose records have offsets."""

from __future__ import annotations

from typing import Any, NamedTuple

from course.sim.validate import number, whole

__all__ = ["LogRecord", "Topic"]


class LogRecord(NamedTuple):
    """One record in a partition's log: where it sits (`partition`, `offset`) and what it holds."""

    topic: str
    partition: int
    offset: int
    key: Any
    value: Any
    timestamp: float


class Topic:
    """Append records to the end of a partition's log; each gets the next offset, 0, 1, 2, ...

    Records are never changed or removed, so any number of readers can read the same log,
    each remembering only its own offset. Order holds inside a partition, not across them.

    Taught in lessons/04_streams.ipynb.

    >>> rides = Topic("rides", partitions=2)
    >>> rides.append(0, key="paris", value=1).offset, rides.append(0, key="lyon", value=1).offset
    (0, 1)
    >>> rides.append(1, key="rome", value=1).offset
    0
    >>> rides.end_offsets(), [r.key for r in rides.read(0, offset=1)]
    ([2, 1], ['lyon'])
    """

    def __init__(self, name: str, partitions: int):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string (got {name!r}): a topic needs a name such as 'rides'")
        whole("partitions", partitions, minimum=1, maximum=10_000, why="a topic needs at least one partition")
        self.name = name
        self.partitions = partitions
        self.logs: list[list[LogRecord]] = [[] for _ in range(partitions)]

    def __repr__(self) -> str:
        return f"Topic({self.name!r}, partitions={self.partitions}, records={sum(self.end_offsets())})"

    def _check_partition(self, partition: int) -> None:
        last = self.partitions - 1
        whole("partition", partition, maximum=last, why=f"topic {self.name!r} has partitions 0 to {last}")

    def append(self, partition: int, key: Any = None, value: Any = None, timestamp: float = 0.0) -> LogRecord:
        """Add a record at the end of `partition`'s log and return it with its offset."""
        self._check_partition(partition)
        number("timestamp", timestamp, why="when the record was written, in seconds")
        log = self.logs[partition]
        record = LogRecord(self.name, partition, len(log), key, value, timestamp)
        log.append(record)
        return record

    def end_offset(self, partition: int) -> int:
        """The offset the next record of `partition` will get (its number of records)."""
        self._check_partition(partition)
        return len(self.logs[partition])

    def end_offsets(self) -> list[int]:
        """`end_offset` of every partition, in partition order."""
        return [len(log) for log in self.logs]

    def read(self, partition: int, offset: int = 0, max_records: int | None = None) -> list[LogRecord]:
        """Records of `partition` from `offset` on (at most `max_records`); reading never removes them."""
        self._check_partition(partition)
        whole("offset", offset, why="offsets count records from 0")
        end = None if max_records is None else offset + whole("max_records", max_records, why="a count of records")
        return self.logs[partition][offset:end]
