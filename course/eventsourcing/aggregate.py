"""Aggregates: a command is checked against the current state and becomes events; events fold into state.

An aggregate is three things: an `initial` state, `decide(state, command) -> events` (the rules:
it may refuse with `CommandRejected`, and never changes anything) and `apply(state, event) ->
state` (memory: it never refuses, because an event already happened). Its current state is
always the fold of its events, so `load` rebuilds it from the store (from the latest snapshot
when there is one) and `execute` runs one command with an optimistic-concurrency retry.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from ..sim import validate
from .store import ConcurrencyError, EventStore, RecordedEvent

if TYPE_CHECKING:
    from .snapshots import SnapshotStore
    from .upcasting import Upcasters

__all__ = ["Aggregate", "CommandRejected", "Handled", "Loaded", "execute", "load"]

MAX_RETRIES = 100  # a writer that loses this many races in a row has a design problem, not bad luck


class CommandRejected(ValueError):
    """A command the aggregate refuses, with the rule it breaks in words; nothing was appended.

    It is a `ValueError`: the command asked for something the current state does not allow.

    `execute` sets `conflicts` (concurrency conflicts retried before the refusal) and `replayed`
    (events folded to load the state) on the way out.
    """

    conflicts = 0
    replayed = 0


@dataclass(frozen=True)
class Aggregate:
    """How one kind of thing decides and remembers: an `initial` state, `decide` and `apply`.

    `decide(state, command)` returns the list of events the command causes, or raises
    `CommandRejected`; `apply(state, event)` returns the new state. Both are pure functions.

    >>> def decide(count, command):
    ...     if command != "add":
    ...         raise CommandRejected(f"unknown command {command!r}")
    ...     return ["added"]
    >>> counter = Aggregate("counter", 0, decide, lambda count, event: count + 1)
    >>> counter.fold(["added", "added"])
    2
    """

    name: str
    initial: Any
    decide: Callable[[Any, Any], list[Any]]
    apply: Callable[[Any, Any], Any]

    def __post_init__(self) -> None:
        validate.instance("name", self.name, str, example="'ride'")
        for role in ("decide", "apply"):
            if not callable(getattr(self, role)):
                raise ValueError(
                    f"{role} must be a function (got {getattr(self, role)!r:.60}): "
                    + (
                        "decide(state, command) -> list of events"
                        if role == "decide"
                        else "apply(state, event) -> state"
                    )
                )

    def __repr__(self) -> str:
        return f"Aggregate({self.name!r})"

    def fold(self, events: Iterable[Any], state: Any = None) -> Any:
        """Apply `events` (domain events or recorded events) in order, from `state` (default: `initial`)."""
        if isinstance(events, (str, bytes)) or not isinstance(events, Iterable):
            raise ValueError(f"events must be a list of events, e.g. store.read('ride-7') (got {events!r:.60})")
        apply = self.apply
        state = self.initial if state is None else state
        for event in events:
            state = apply(state, event.event if isinstance(event, RecordedEvent) else event)
        return state


class Loaded(NamedTuple):
    """An aggregate as loaded: its `state`, the stream's `version`, how many events were `replayed`
    to rebuild it, and the version of the snapshot it started from (`snapshot`, 0 for none)."""

    state: Any
    version: int
    replayed: int
    snapshot: int = 0


class Handled(NamedTuple):
    """What one executed command did: the `recorded` events, the new `state`, the concurrency
    `conflicts` it retried past, and the events `replayed` to load the state (over all attempts)."""

    recorded: list[RecordedEvent]
    state: Any
    conflicts: int
    replayed: int


def _check(store: object, aggregate: object, stream_id: object) -> None:
    validate.instance("store", store, EventStore, example="EventStore()")
    validate.instance("aggregate", aggregate, Aggregate, example="RIDE")
    validate.instance("stream_id", stream_id, str, example="'ride-7'")


def load(
    store: EventStore,
    aggregate: Aggregate,
    stream_id: str,
    *,
    snapshots: SnapshotStore | None = None,
    upcasters: Upcasters | None = None,
    upto: int | None = None,
) -> Loaded:
    """Rebuild `stream_id`'s state: the latest snapshot (if any) plus the events after it.

    `upcasters` translate old event versions as they are read; `upto` stops at a store position
    (time travel: the state as it was then; snapshots are not used, they may be newer).

    >>> from course.eventsourcing import RIDE, RequestRide
    >>> store = EventStore()
    >>> store.append("ride-1", RIDE.decide(RIDE.initial, RequestRide("ride-1", "ana", "paris")))
    1
    >>> loaded = load(store, RIDE, "ride-1")
    >>> loaded.state.status, loaded.version, loaded.replayed
    ('requested', 1, 1)
    """
    _check(store, aggregate, stream_id)
    if snapshots is not None:
        from .snapshots import SnapshotStore

        validate.instance("snapshots", snapshots, SnapshotStore, example="SnapshotStore(every=20)")
    if upto is not None:
        validate.whole("upto", upto, why="a store position: the state as it was after that event")
    if upcasters is not None:
        from .upcasting import Upcasters

        validate.instance("upcasters", upcasters, Upcasters, example="UPCASTERS")
    snapshot = snapshots.latest(stream_id) if snapshots is not None and upto is None else None
    state, after = (snapshot.state, snapshot.version) if snapshot is not None else (aggregate.initial, 0)
    tail = store.read(stream_id, after=after)
    if upto is not None:
        tail = [r for r in tail if r.position <= upto]
    if upcasters is not None:
        tail = upcasters.upcast_all(tail)
    state = aggregate.fold(tail, state)
    version = tail[-1].version if tail else after
    return Loaded(state, version, len(tail), after)


def execute(
    store: EventStore,
    aggregate: Aggregate,
    stream_id: str,
    command: Any,
    *,
    snapshots: SnapshotStore | None = None,
    upcasters: Upcasters | None = None,
    loaded: Loaded | None = None,
    retries: int = 3,
) -> Handled:
    """Load, decide, append with `expected_version`; on a `ConcurrencyError` load again and retry.

    `loaded` is a state the caller loaded earlier (it may be stale: a dispatcher who looked at
    the ride a moment ago); the first attempt decides on it. After `retries` lost races the
    `ConcurrencyError` is raised. A refusal raises `CommandRejected`, appending nothing.

    >>> from course.eventsourcing import RIDE, AcceptRide, RequestRide
    >>> store = EventStore()
    >>> _ = execute(store, RIDE, "ride-1", RequestRide("ride-1", "ana", "paris"))
    >>> execute(store, RIDE, "ride-1", AcceptRide("ride-1", "driver-3")).state.driver
    'driver-3'
    """
    _check(store, aggregate, stream_id)
    validate.whole("retries", retries, maximum=MAX_RETRIES, why="how many lost races to retry before giving up")
    if loaded is not None:
        validate.instance("loaded", loaded, Loaded, example="load(store, RIDE, 'ride-7')")
    conflicts = replayed = 0
    while True:
        if loaded is None:
            loaded = load(store, aggregate, stream_id, snapshots=snapshots, upcasters=upcasters)
            replayed += loaded.replayed
        try:
            events = aggregate.decide(loaded.state, command)
        except CommandRejected as refusal:
            refusal.conflicts, refusal.replayed = conflicts, replayed
            raise
        try:
            version = store.append(stream_id, events, expected_version=loaded.version)
        except ConcurrencyError:
            conflicts += 1
            if conflicts > retries:
                raise
            loaded = None
            continue
        recorded = store.read(stream_id, after=loaded.version)
        state = aggregate.fold(recorded, loaded.state)
        if snapshots is not None:
            snapshots.offer(stream_id, version, state)
        return Handled(recorded, state, conflicts, replayed)
