"""Producers choose a record's partition: a stable hash of its key, or round robin when it has none.

Kafka's default partitioner (`partition_for`, murmur2) lives in `course.sim.hashing`, shared with
the partitioned queues of lesson 3; it is re-exported here, where lesson 4 teaches it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from course.sim import stream
from course.sim.hashing import partition_for
from course.sim.validate import instance, number, whole
from course.sim.validate import seed as check_seed

from .topic import LogRecord, Topic

__all__ = ["Producer", "draw_keys", "partition_counts"]


class Producer:
    """Write records to a topic: keyed records go to `partition_for(key)`, keyless ones round robin.

    Kafka 2.4+ sends keyless records in "sticky" batches to one partition at a time; the
    round robin here is the older, simpler rule and spreads them the same way on average.

    Taught in lessons/04_streams.ipynb.

    >>> topic = Topic("rides", partitions=3)
    >>> producer = Producer(topic)
    >>> [producer.send(None, value=i).partition for i in range(4)]
    [0, 1, 2, 0]
    >>> producer.send("paris").partition == producer.send("paris").partition
    True
    """

    def __init__(self, topic: Topic):
        instance("topic", topic, Topic, example="Producer(Topic('rides', 6))")
        self.topic = topic
        self._next = 0

    def __repr__(self) -> str:
        return f"Producer(topic={self.topic.name!r})"

    def partition(self, key: Any) -> int:
        """The partition the next record with this key would go to (advances round robin for None)."""
        if key is None:
            p = self._next
            self._next = (self._next + 1) % self.topic.partitions
            return p
        return partition_for(key, self.topic.partitions)

    def send(self, key: Any = None, value: Any = None, timestamp: float = 0.0) -> LogRecord:
        """Append one record to its partition and return it (with its partition and offset)."""
        return self.topic.append(self.partition(key), key=key, value=value, timestamp=timestamp)


def draw_keys(n: int, keys: int = 50, skew: float = 0.0, seed: int = 0) -> list[str]:
    """`n` keys named "k0", "k1", ... drawn with Zipf weights `1 / (rank + 1) ** skew`.

    `skew=0` draws every key equally often; at `skew=1` "k0" is twice as common as "k1" and
    `keys` times as common as the last one: a hot key, whose partition gets more than its share.

    >>> draw_keys(5, keys=3, seed=1) == draw_keys(5, keys=3, seed=1)
    True
    >>> hot = draw_keys(1000, keys=10, skew=2.0, seed=0)
    >>> hot.count("k0") > 500
    True
    """
    whole("n", n, maximum=1_000_000, why="the number of keys to draw")
    whole("keys", keys, minimum=1, maximum=100_000, why="there must be at least one distinct key")
    number("skew", skew, minimum=0, maximum=10, why="0 means every key is equally common, 1 or 2 make a few keys hot")
    check_seed(seed)
    names = [f"k{i}" for i in range(keys)]
    cumulative, total = [], 0.0
    for i in range(keys):
        total += 1.0 / (i + 1) ** skew
        cumulative.append(total)
    return stream(seed, "keys").choices(names, cum_weights=cumulative, k=n)


def partition_counts(keys: Iterable[Any], partitions: int) -> list[int]:
    """How many records land on each partition when `keys` are sent with the default partitioner.

    >>> partition_counts(["paris"] * 3, partitions=4).count(3)
    1
    """
    whole("partitions", partitions, minimum=1, maximum=10_000, why="a topic needs at least one partition")
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
        raise ValueError(f"keys must be a list of keys (got {keys!r}): e.g. ['paris', 'lyon']")
    counts = Counter(partition_for(k, partitions) for k in keys)
    return [counts.get(p, 0) for p in range(partitions)]
