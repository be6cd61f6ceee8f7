"""A response cache with a time to live (TTL) and least-recently-used (LRU) eviction.

An entry stored at time `t` is fresh while `now < t + ttl` (so at exactly `t + ttl` it has
expired, and `ttl=0` caches nothing). When the cache is full, storing a new key evicts the
entry used least recently (a hit counts as a use). Times are counted in whole nanoseconds.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..sim.validate import duration, whole
from .clock import TICKS_PER_SECOND, seconds, ticks
from .messages import _hashable

__all__ = ["Cache", "CacheStats"]


@dataclass(frozen=True)
class CacheStats:
    """What a cache did: `hits`, `misses` (expired look-ups included), `expired` (look-ups that
    found a stale entry), `evictions`, and `hit_ratio = hits / (hits + misses)`."""

    hits: int
    misses: int
    expired: int
    evictions: int

    @property
    def lookups(self) -> int:
        """Every `get`: hits plus misses."""
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        """Share of look-ups answered from the cache (0.0 before any look-up)."""
        return self.hits / self.lookups if self.lookups else 0.0

    def __repr__(self) -> str:
        return (
            f"CacheStats(hits={self.hits}, misses={self.misses}, expired={self.expired}, "
            f"evictions={self.evictions}, hit_ratio={self.hit_ratio:.0%})"
        )


class Cache:
    """Keep up to `capacity` entries, each fresh for `ttl` seconds; evict the least recently used.

    Taught in lessons/01_api_gateway.ipynb.

    >>> cache = Cache(capacity=2, ttl=10)
    >>> cache.put("/users/1", "alice", now=0)
    >>> cache.get("/users/1", now=9.5), cache.get("/users/1", now=10)
    ('alice', None)
    >>> cache.stats
    CacheStats(hits=1, misses=1, expired=1, evictions=0, hit_ratio=50%)
    """

    def __init__(self, capacity: int, ttl: float):
        self.capacity = whole(
            "capacity",
            capacity,
            minimum=1,
            why="entries; a cache that holds nothing never hits (to turn caching off, use cache=None)",
        )
        self.ttl = ttl
        seconds_fresh = duration("ttl", ttl, why="how long an entry stays fresh, e.g. ttl=5.0 (0 caches nothing)")
        self._ttl = round(seconds_fresh * TICKS_PER_SECOND)
        self._entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()  # key -> (value, expires), LRU first
        self.hits = self.misses = self.expired = self.evictions = 0

    def __repr__(self) -> str:
        held = f"holding {len(self)}, hit ratio {self.stats.hit_ratio:.0%}"
        return f"Cache(capacity={self.capacity}, ttl={self.ttl:g}) {held}"

    def __len__(self) -> int:
        return len(self._entries)

    def __eq__(self, other: object) -> bool:  # equal settings; what is stored is history, not identity
        if not isinstance(other, Cache):
            return NotImplemented
        return (self.capacity, self.ttl) == (other.capacity, other.ttl)

    def __hash__(self) -> int:
        return hash((self.capacity, self.ttl))

    def __contains__(self, key: Any) -> bool:
        return key in self._entries

    def fresh(self) -> Cache:
        """An empty cache with the same settings (each simulated run uses one)."""
        return Cache(self.capacity, self.ttl)

    @property
    def stats(self) -> CacheStats:
        """Hits, misses, expired look-ups, evictions and the hit ratio so far."""
        return CacheStats(self.hits, self.misses, self.expired, self.evictions)

    def keys(self) -> list:
        """Keys held (fresh or not yet noticed as stale), least recently used first."""
        return list(self._entries)

    def expires_at(self, key: Any) -> float | None:
        """When the entry for `key` stops being fresh, in seconds (None if it is not held)."""
        entry = self._entries.get(_hashable("key", key))
        return None if entry is None else seconds(entry[1])

    def get(self, key: Any, now: float, default: Any = None) -> Any:
        """The fresh value for `key` (a hit, which marks it recently used), else `default` (a miss)."""
        t = ticks(now)
        entry = self._entries.get(_hashable("key", key))
        if entry is not None:
            if t < entry[1]:
                self.hits += 1
                self._entries.move_to_end(key)
                return entry[0]
            del self._entries[key]  # stale: drop it, and count the look-up as a miss
            self.expired += 1
        self.misses += 1
        return default

    def put(self, key: Any, value: Any, now: float) -> None:
        """Store `value` for `key` as of `now`, evicting the least recently used entry if full.

        With `ttl=0` nothing is stored: the entry would never be fresh.
        """
        t = ticks(now)
        if self._ttl == 0:
            return
        expires = t + self._ttl
        entries = self._entries
        if _hashable("key", key) in entries:
            entries.move_to_end(key)
        elif len(entries) >= self.capacity:
            entries.popitem(last=False)
            self.evictions += 1
        entries[key] = (value, expires)
