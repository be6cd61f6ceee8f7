"""The event store: streams of events, appended atomically, never changed, read back in order.

A stream holds the events of one thing (a ride, a wallet); its *version* is how many events it
holds. Every event also gets a *position* in the whole store (1, 2, 3, ... with no gaps), so a
reader can follow everything that happened, in order, and remember where it stopped.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from ..sim import validate

__all__ = ["MAX_STORED", "ConcurrencyError", "EventStore", "RecordedEvent", "compact_streams"]

MAX_STORED = validate.MAX_COUNT  # events one toy store holds at most (it keeps everything in memory)

_make = tuple.__new__  # builds a RecordedEvent without the Python-level __new__ (append is the hot path)


class RecordedEvent(NamedTuple):
    """An event as the store keeps it: its `stream`, its `version` in that stream (1, 2, ...), its
    `position` in the whole store (1, 2, ..., no gaps) and the `event` object that was appended.

    >>> RecordedEvent("ride-1", 1, 1, "RideRequested")
    RecordedEvent(stream='ride-1', version=1, position=1, event='RideRequested')
    """

    stream: str
    version: int
    position: int
    event: Any

    @property
    def type(self) -> str:
        """The event's class name, e.g. 'RideRequested' (what pictures and read models group by)."""
        return type(self.event).__name__


class ConcurrencyError(Exception):
    """Raised by `EventStore.append` when the stream is not at the version the writer expected.

    Someone else appended first, so the writer decided on a stale state: it should load the
    stream again, decide again and retry. Nothing was appended.
    """

    def __init__(self, stream: str, expected: int, actual: int):
        self.stream, self.expected, self.actual = stream, expected, actual
        super().__init__(
            f"stream {stream!r} is at version {actual}, not the expected {expected}: someone else appended "
            "first; load the stream again, decide again and retry"
        )


class EventStore:
    """Append events to streams atomically, with an optional optimistic-concurrency check, and read them back.

    An append's life: the writer loads a stream (its events and version), decides, and calls
    `append(stream, events, expected_version=version)`; the store appends every event or none.
    If the stream moved on meanwhile, `ConcurrencyError` says so and nothing is appended.
    Recorded events are never changed or removed.

    >>> store = EventStore()
    >>> store.append("ride-1", ["RideRequested"], expected_version=0)
    1
    >>> store.append("ride-1", ["RideAccepted", "RideStarted"], expected_version=1)
    3
    >>> store.append("ride-1", ["RideCancelled"], expected_version=1)
    Traceback (most recent call last):
    ...
    course.eventsourcing.store.ConcurrencyError: stream 'ride-1' is at version 3, not the expected 1: ...
    >>> [(r.version, r.position, r.event) for r in store.read("ride-1")]
    [(1, 1, 'RideRequested'), (2, 2, 'RideAccepted'), (3, 3, 'RideStarted')]
    """

    __slots__ = ("_log", "_streams")

    def __init__(self) -> None:
        self._log: list[RecordedEvent] = []
        self._streams: dict[str, list[RecordedEvent]] = {}

    def __repr__(self) -> str:
        return f"EventStore({len(self._log):,} events in {len(self._streams):,} streams)"

    def __len__(self) -> int:
        return len(self._log)

    @property
    def position(self) -> int:
        """The position of the last recorded event (0 for an empty store)."""
        return len(self._log)

    def streams(self) -> list[str]:
        """Every stream id, in the order the streams were first written."""
        return list(self._streams)

    def version(self, stream_id: str) -> int:
        """How many events `stream_id` holds: 0 for a stream never written."""
        recorded = self._streams.get(stream_id) if type(stream_id) is str else self._stream_id(stream_id)
        return len(recorded) if recorded else 0

    def append(self, stream_id: str, events: list[Any], expected_version: int | None = None) -> int:
        """Append `events` to `stream_id` (all or none) and return the stream's new version.

        With `expected_version=n` the events are appended only if the stream is at version n
        (0 for a new stream); otherwise `ConcurrencyError` is raised and nothing is appended.
        `None` appends whatever the version (no check: two writers can both succeed).
        """
        recorded = self._streams.get(stream_id) if type(stream_id) is str else self._stream_id(stream_id)
        current = 0 if recorded is None else len(recorded)
        if type(events) is not list and type(events) is not tuple:
            events = self._events(events)
        if expected_version is not None and (type(expected_version) is not int or expected_version != current):
            validate.whole("expected_version", expected_version, why="the version the writer saw: 0 for a new stream")
            raise ConcurrencyError(stream_id, expected_version, current)
        log = self._log
        position = len(log)
        if position + len(events) > MAX_STORED:
            raise ValueError(
                f"events must fit in the store: it holds at most {MAX_STORED:,} events (got {len(events):,} more "
                f"after {position:,}): the toy keeps everything in memory"
            )
        if recorded is None:
            validate.text("stream_id", stream_id, example="'ride-7'", why="it names the stream")
            if not events:
                return 0
            recorded = self._streams[stream_id] = []
        if len(events) == 1:  # the common case, one command's one event: no intermediate list
            event = events[0]
            if event is None:
                self._events(events)  # raises, naming the argument: nothing was appended
            new_event = _make(RecordedEvent, (stream_id, current + 1, position + 1, event))
            recorded.append(new_event)
            log.append(new_event)
            return current + 1
        new = []
        for event in events:
            if event is None:
                self._events(events)  # raises, naming the argument: nothing was appended yet
            current += 1
            position += 1
            new.append(_make(RecordedEvent, (stream_id, current, position, event)))
        recorded.extend(new)
        log.extend(new)
        return current

    def read(self, stream_id: str, after: int = 0) -> list[RecordedEvent]:
        """The events of `stream_id` with a version above `after`, in order (empty for an unknown stream)."""
        recorded = self._streams.get(stream_id) if type(stream_id) is str else self._stream_id(stream_id)
        if type(after) is not int or after < 0:
            validate.whole("after", after, why="read the events after this version; 0 reads the whole stream")
        return recorded[after:] if recorded else []

    def read_all(self, after: int = 0) -> list[RecordedEvent]:
        """Every event with a position above `after`, in position order (what a projection reads)."""
        if type(after) is not int or after < 0:
            validate.whole("after", after, why="read the events after this position; 0 reads from the start")
        return self._log[after:]

    @staticmethod
    def _stream_id(stream_id: object) -> list[RecordedEvent] | None:
        validate.instance("stream_id", stream_id, str, example="'ride-7'")
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _events(events: object) -> list[Any]:
        if not isinstance(events, (list, tuple)):
            raise ValueError(
                f"events must be a list of events (got {events!r:.60}): wrap a single event in a list, e.g. [event]"
            )
        for i, event in enumerate(events):
            if event is None:
                raise ValueError(f"events must not hold None (got None at events[{i}]): append event objects")
        return list(events)


def compact_streams(
    recorded: list[RecordedEvent], key: Callable[[RecordedEvent], Hashable] | None = None
) -> list[RecordedEvent]:
    """Keep only the last event of each key (default: each stream), in position order, as log compaction does.

    What compaction keeps is enough to know each key's *latest value*, not its history: replaying
    a compacted log of deposits and withdrawals gives the wrong balance.

    >>> store = EventStore()
    >>> for e in ["opened", "deposit 50", "withdraw 20"]:
    ...     _ = store.append("wallet-1", [e])
    >>> [r.event for r in compact_streams(store.read_all())]
    ['withdraw 20']
    """
    validate.instance("recorded", recorded, (list, tuple), example="store.read_all()")
    if key is not None and not callable(key):
        raise ValueError(f"key must be a function of a recorded event, e.g. lambda r: r.stream (got {key!r:.60})")
    pick = key or (lambda r: r.stream)
    last: dict[Hashable, RecordedEvent] = {}
    for r in recorded:
        if not isinstance(r, RecordedEvent):
            raise ValueError(f"recorded must hold recorded events, e.g. store.read_all() (got {r!r:.60})")
        last[pick(r)] = r
    return sorted(last.values(), key=lambda r: r.position)
