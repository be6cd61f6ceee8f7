"""Consistent hashing: nodes and keys hashed onto one ring; a key belongs to the first node clockwise.

Hashes are md5-based (`stable_hash`), never Python's salted `hash()`, so every run, every
machine and every learner sees the same ring.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Iterator

from course.sim import validate
from course.sim.hashing import stable_hash

__all__ = ["MAX_POINTS", "RING_SIZE", "ConsistentHashRing", "EmptyRingError", "keys_moved", "stable_hash"]

RING_SIZE = 2**64  # positions on the ring run from 0 to RING_SIZE - 1
MAX_POINTS = 1_000_000  # nodes x vnodes: the ring keeps every point in memory


def _collection(name: str, value: object, example: str) -> list[Hashable]:
    """`value` as a list, if it is a collection of hashable items (not a string, which would be split up)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValueError(f"{name} must be a list, like {example} (got {value!r})")
    items = list(value)
    for item in items:
        if not isinstance(item, Hashable):
            raise ValueError(f"{name} must hold names or numbers, like {example} (got {item!r} in it)")
    return items


class EmptyRingError(LookupError):
    """Raised when a key is looked up on a ring that has no nodes."""


class ConsistentHashRing:
    """Place `vnodes` points per node on a ring of 2**64 positions; a key belongs to the first point
    at or after its own hash, going clockwise (wrapping past the top).

    Point `i` of node `n` sits at `stable_hash(f"{n}#{i}")`, so the ring depends only on
    which nodes are on it, never on the order they joined. Adding a node moves only the keys
    it takes over (about 1/(N+1) of them); removing one moves only its own keys.

    Taught in lessons/02_load_balancer.ipynb.

    >>> ring = ConsistentHashRing(["cache-a", "cache-b", "cache-c"], vnodes=100)
    >>> ring.node_for("user:42")
    'cache-a'
    >>> ring.add("cache-d"); ring.node_for("user:42") in ("cache-a", "cache-d")
    True
    >>> round(sum(ring.shares().values()), 9)
    1.0
    """

    def __init__(self, nodes: Iterable[Hashable] = (), vnodes: int = 100):
        self.vnodes = validate.whole(
            "vnodes",
            vnodes,
            minimum=1,
            maximum=10_000,
            why="each node needs at least one point on the ring; 100 or more evens out the load",
        )
        self._nodes: list[Hashable] = []
        self._hashes: list[int] = []
        self._owners: list[Hashable] = []
        for node in _collection("nodes", nodes, "['cache-a', 'cache-b']"):
            self._check_new(node)
            self._nodes.append(node)
        self._rebuild()

    def __repr__(self) -> str:
        return f"ConsistentHashRing(nodes={self._nodes!r}, vnodes={self.vnodes})"

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    @property
    def nodes(self) -> list[Hashable]:
        """The nodes on the ring, in the order they joined."""
        return list(self._nodes)

    def _check_new(self, node: object) -> None:
        if isinstance(node, bool) or not isinstance(node, (str, int)):
            raise ValueError(f"node must be a name or a whole number, like 'cache-a' (got {node!r})")
        if node in self._nodes:
            raise ValueError(f"node {node!r} is already on the ring: each node joins once")
        if (len(self._nodes) + 1) * self.vnodes > MAX_POINTS:
            raise ValueError(
                f"nodes times vnodes must stay within {MAX_POINTS:,} points on the ring "
                f"(got {len(self._nodes) + 1} nodes x {self.vnodes} vnodes): use fewer vnodes"
            )

    def _rebuild(self) -> None:
        # Sorting by (position, name) makes even a hash collision independent of join order.
        points = sorted(
            (stable_hash(f"{node}#{i}"), str(node), node) for node in self._nodes for i in range(self.vnodes)
        )
        self._hashes = [p[0] for p in points]
        self._owners = [p[2] for p in points]

    def add(self, node: Hashable) -> None:
        """Put `node` (its `vnodes` points) on the ring."""
        self._check_new(node)
        self._nodes.append(node)
        self._rebuild()

    def remove(self, node: Hashable) -> None:
        """Take `node` and all its points off the ring; its keys pass to the next node clockwise."""
        if node not in self._nodes:
            raise ValueError(f"node {node!r} is not on the ring; the nodes are {self._nodes!r}")
        self._nodes.remove(node)
        self._rebuild()

    def _index(self, key: object) -> int:
        if not self._hashes:
            raise EmptyRingError(
                "the ring has no nodes, so no key has an owner: add one first, e.g. ring.add('cache-1')"
            )
        i = bisect_left(self._hashes, stable_hash(key))
        return 0 if i == len(self._hashes) else i

    def node_for(self, key: object) -> Hashable:
        """The node that owns `key`: the first point at or after `stable_hash(key)`, clockwise."""
        return self._owners[self._index(key)]

    def successors(self, key: object) -> Iterator[Hashable]:
        """Every node once, in the order met walking clockwise from `key` (the owner first).

        A balancer that skips a node which is down takes the next one: exactly the owner the
        key would have if that node were removed from the ring.
        """
        start, n = self._index(key), len(self._owners)
        seen: set = set()
        for k in range(n):
            owner = self._owners[(start + k) % n]
            if owner not in seen:
                seen.add(owner)
                yield owner
                if len(seen) == len(self._nodes):
                    return

    @staticmethod
    def position(key: object) -> float:
        """Where `key` sits on the ring, as a fraction of a turn in [0, 1) (for drawing)."""
        return stable_hash(key) / RING_SIZE

    def points(self) -> list[tuple[float, Hashable]]:
        """Every point as (fraction of a turn in [0, 1), owner), sorted clockwise (for drawing)."""
        return [(h / RING_SIZE, owner) for h, owner in zip(self._hashes, self._owners, strict=True)]

    def shares(self) -> dict[Hashable, float]:
        """The fraction of the ring each node owns: the arcs ending at its points, added up.

        With uniform keys this is the share of keys each node gets; more vnodes make the
        shares closer to 1/N.
        """
        shares = {node: 0.0 for node in self._nodes}
        n = len(self._hashes)
        for i in range(n):
            gap = (self._hashes[i] - self._hashes[i - 1]) % RING_SIZE if n > 1 else RING_SIZE
            shares[self._owners[i]] += gap / RING_SIZE
        return shares


def keys_moved(
    keys: Iterable[object],
    before: Iterable[Hashable],
    after: Iterable[Hashable],
    method: str = "ring",
    vnodes: int = 100,
) -> float:
    """The fraction of `keys` whose owner changes when the nodes go from `before` to `after`.

    `method="ring"` places keys with a `ConsistentHashRing`; `method="modulo"` uses
    `stable_hash(key) % N` over the nodes (how IP hash picks), which moves most keys.

    >>> keys = [f"user:{i}" for i in range(10_000)]
    >>> round(keys_moved(keys, ["a", "b", "c", "d"], ["a", "b", "c", "d", "e"]), 2)
    0.21
    >>> round(keys_moved(keys, ["a", "b", "c", "d"], ["a", "b", "c", "d", "e"], method="modulo"), 2)
    0.8
    """
    validate.choice("method", method, ("ring", "modulo"))
    validate.whole("vnodes", vnodes, minimum=1, maximum=10_000, why="points per node on the ring")
    keys = _collection("keys", keys, "['user:1', 'user:2']")
    before = _collection("before", before, "['cache-a', 'cache-b']")
    after = _collection("after", after, "['cache-a', 'cache-b', 'cache-c']")
    for name, nodes in (("before", before), ("after", after)):
        if not nodes:
            raise ValueError(f"{name} must hold at least one node (got []): with no nodes no key has an owner")
    if not keys:
        return math.nan
    if method == "ring":
        old, new = ConsistentHashRing(before, vnodes), ConsistentHashRing(after, vnodes)
        moved = sum(old.node_for(k) != new.node_for(k) for k in keys)
    else:
        moved = sum(before[stable_hash(k) % len(before)] != after[stable_hash(k) % len(after)] for k in keys)
    return moved / len(keys)
