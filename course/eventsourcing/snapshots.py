"""Snapshots: an aggregate's state saved at a version, so loading it folds only the events after it.

A snapshot is a cache of a fold, never the truth: the events are. Snapshot + the events after
it gives the same state as a full replay, and a lost snapshot store costs time, not data.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..sim import validate

__all__ = ["Snapshot", "SnapshotStore"]


class Snapshot(NamedTuple):
    """The `state` of `stream` after its first `version` events."""

    stream: str
    version: int
    state: Any


class SnapshotStore:
    """Keep the latest snapshot of each stream, taking a new one every `every` events.

    States must be immutable (frozen dataclasses, numbers, tuples): a snapshot must not change
    when the live state does.

    >>> snapshots = SnapshotStore(every=10)
    >>> snapshots.offer("wallet-1", 9, 900), snapshots.offer("wallet-1", 12, 1200)
    (False, True)
    >>> snapshots.latest("wallet-1")
    Snapshot(stream='wallet-1', version=12, state=1200)
    >>> snapshots.offer("wallet-1", 21, 2100), snapshots.offer("wallet-1", 22, 2200)
    (False, True)
    """

    def __init__(self, every: int = 100):
        self.every = validate.whole("every", every, minimum=1, why="take a snapshot every so many events")
        self._latest: dict[str, Snapshot] = {}
        self.taken = 0

    def __repr__(self) -> str:
        return f"SnapshotStore(every={self.every}, streams={len(self._latest)}, taken={self.taken})"

    def latest(self, stream_id: str) -> Snapshot | None:
        """The newest snapshot of `stream_id`, or None."""
        validate.instance("stream_id", stream_id, str, example="'wallet-driver-1'")
        return self._latest.get(stream_id)

    def save(self, snapshot: Snapshot) -> None:
        """Keep `snapshot` as its stream's latest (whatever the policy says)."""
        validate.instance("snapshot", snapshot, Snapshot, example="Snapshot('wallet-1', 20, state)")
        validate.whole("snapshot.version", snapshot.version, why="how many events the state folds")
        self._latest[snapshot.stream] = snapshot
        self.taken += 1

    def offer(self, stream_id: str, version: int, state: Any) -> bool:
        """Take a snapshot if `every` or more events came since the last one; say whether it did."""
        last = self.latest(stream_id)
        validate.whole("version", version, why="how many events the state folds")
        if version - (last.version if last else 0) < self.every:
            return False
        self.save(Snapshot(stream_id, version, state))
        return True
