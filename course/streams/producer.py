"""Producers choose a record's partition: a stable hash of its key, or round robin when it has none.

Python's built-in `hash()` of a string changes from one interpreter run to the next (it is
salted), so a partitioner must never use it. We use murmur2, the hash of Kafka's default
partitioner, so a string key lands on the same partition here as with Kafka's Java client.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from course.sim import stream

from ._validate import number, whole
from .topic import LogRecord, Topic

__all__ = ["Producer", "draw_keys", "murmur2", "partition_counts", "partition_for"]

_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's 32-bit murmur2 hash of `data` (seed 0x9747b28c), as a signed 32-bit int like Java's.

    >>> murmur2(b"21"), murmur2(b"abc")
    (-973932308, 479470107)
    """
    if not isinstance(data, (bytes, bytearray)):
        raise ValueError(f"murmur2 hashes bytes (got {type(data).__name__}): encode text first, e.g. 'key'.encode()")
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & _MASK
    full = length - length % 4
    for i in range(0, full, 4):
        k = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k = (k * m) & _MASK
        k ^= k >> r
        k = (k * m) & _MASK
        h = ((h * m) & _MASK) ^ k
    rest = length % 4
    if rest == 3:
        h ^= data[full + 2] << 16
    if rest >= 2:
        h ^= data[full + 1] << 8
    if rest >= 1:
        h ^= data[full]
        h = (h * m) & _MASK
    h ^= h >> 13
    h = (h * m) & _MASK
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def _key_bytes(key: Any) -> bytes:
    if isinstance(key, (bytes, bytearray)):
        return bytes(key)
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key).encode("utf-8")  # a toy choice: Kafka would hash the serializer's bytes
    raise ValueError(f"a key must be a string, bytes or an int (got {key!r}): e.g. the city name 'paris'")


def partition_for(key: Any, partitions: int) -> int:
    """The partition of a keyed record: `(murmur2(key) & 0x7fffffff) % partitions`, Kafka's default rule.

    The same key always lands on the same partition (so its records stay in order), until
    the number of partitions changes. Strings hash as their UTF-8 bytes; ints as their digits.

    Taught in lessons/04_streams.ipynb.

    >>> partition_for("paris", 6) == partition_for("paris", 6)
    True
    >>> partition_for("21", 6)   # murmur2(b"21") is -973932308 in Kafka's own tests
    0
    """
    whole("partitions", partitions, 1, "a topic needs at least one partition to hold records")
    return (murmur2(_key_bytes(key)) & 0x7FFFFFFF) % partitions


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
        if not isinstance(topic, Topic):
            raise ValueError(f"a Producer writes to a Topic, e.g. Producer(Topic('rides', 6)) (got {topic!r})")
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
    whole("n", n, 0, "the number of keys to draw")
    whole("keys", keys, 1, "there must be at least one distinct key")
    number("skew", skew, "0 means every key is equally common, 1 or 2 make a few keys hot", minimum=0)
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
    whole("partitions", partitions, 1, "a topic needs at least one partition to hold records")
    counts = Counter(partition_for(k, partitions) for k in keys)
    return [counts.get(p, 0) for p in range(partitions)]
