"""Stable hashing shared by every lesson: the same key gives the same number in every process.

Python's built-in `hash()` of a string changes from one interpreter run to the next (it is
salted), so nothing in the course uses it to place data. `stable_hash` (md5-based) places keys
on a consistent-hash ring and picks a backend for IP hash (lesson 2); `partition_for` is Kafka's
default partitioner (murmur2), used by streams (lesson 4) and partitioned queues (lesson 3), so
a string key lands on the same partition here as with Kafka's Java client.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .validate import instance, whole

__all__ = ["murmur2", "partition_for", "stable_hash"]


def stable_hash(text: object) -> int:
    """A 64-bit hash of `str(text)` that is the same in every process (md5, first 8 bytes).

    >>> stable_hash("client-1") == stable_hash("client-1")
    True
    >>> stable_hash(1) == stable_hash("1")
    True
    """
    return int.from_bytes(hashlib.md5(str(text).encode()).digest()[:8], "big")


_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's 32-bit murmur2 hash of `data` (seed 0x9747b28c), as a signed 32-bit int like Java's.

    >>> murmur2(b"21"), murmur2(b"abc")
    (-973932308, 479470107)
    """
    instance("data", data, (bytes, bytearray), example="murmur2('paris'.encode()): encode text first")
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
    instance("key", key, (str, bytes, bytearray, int), example="the city name 'paris'")
    if isinstance(key, (bytes, bytearray)):
        return bytes(key)
    if isinstance(key, str):
        return key.encode("utf-8")
    return str(key).encode("utf-8")  # an int: a toy choice, Kafka would hash the serializer's bytes


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
    whole("partitions", partitions, minimum=1, why="a topic needs at least one partition to hold records")
    return (murmur2(_key_bytes(key)) & 0x7FFFFFFF) % partitions
