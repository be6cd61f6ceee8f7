"""Projections: read models kept up to date from the log, each remembering the position it has read to.

A projection applies `handle(view, recorded)` to every event after its checkpoint, in position
order. It is a *derived* copy: throw it away and `rebuild` it from position 0 (after fixing a bug,
or to add a new screen) and it comes back the same. Delivery may repeat events (a consumer that
crashed before saving its checkpoint reads them again): `deliver` skips what the checkpoint
already covers, so the view counts each event once.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..sim import validate
from .rides import RideAccepted, RideCancelled, RideCompleted, RidePaid, RideRequested, RideStarted
from .store import EventStore, RecordedEvent
from .upcasting import Upcasters

__all__ = ["CityView", "HistoryView", "Projection", "city_dashboard", "rider_history"]


class Projection:
    """A read model `view` built by `handle(view, recorded)` from every event up to `position` (its checkpoint).

    >>> store = EventStore()
    >>> _ = store.append("ride-1", [RideRequested("ride-1", "ana", "paris")])
    >>> _ = store.append("ride-2", [RideRequested("ride-2", "bo", "paris")])
    >>> board = Projection("city dashboard", city_dashboard, CityView)
    >>> board.catch_up(store), board.position, board.view.waiting
    (2, 2, {'paris': 2})
    >>> board.deliver(store.read_all()[0])  # delivered again: already counted
    False
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[Any, RecordedEvent], None],
        initial: Callable[[], Any] = dict,
        *,
        upcasters: Upcasters | None = None,
    ):
        self.name = validate.instance("name", name, str, example="'city dashboard'")
        if not callable(handle):
            raise ValueError(f"handle must be a function (view, recorded) -> None (got {handle!r:.60})")
        if not callable(initial):
            raise ValueError(f"initial must make an empty view, e.g. dict or CityView (got {initial!r:.60})")
        if upcasters is not None:
            validate.instance("upcasters", upcasters, Upcasters, example="UPCASTERS")
        self.handle, self.initial, self.upcasters = handle, initial, upcasters
        self.view: Any = initial()
        self.position = 0  # the checkpoint: every event up to here is in the view
        self.duplicates = 0  # deliveries skipped because the checkpoint already covered them

    def __repr__(self) -> str:
        return f"Projection({self.name!r} at position {self.position:,})"

    def lag(self, store: EventStore) -> int:
        """How many events the store holds that this read model has not applied yet."""
        validate.instance("store", store, EventStore, example="EventStore()")
        return store.position - self.position

    def catch_up(self, store: EventStore, limit: int | None = None) -> int:
        """Apply the events after the checkpoint (at most `limit` of them); return how many were applied."""
        validate.instance("store", store, EventStore, example="EventStore()")
        events = store.read_all(after=self.position)
        if limit is not None:
            events = events[: validate.whole("limit", limit, why="the most events to apply in one go")]
        if not events:
            return 0
        if self.upcasters is not None:
            events = self.upcasters.upcast_all(events)
        handle, view = self.handle, self.view
        for recorded in events:
            handle(view, recorded)
        self.position = events[-1].position
        return len(events)

    def deliver(self, recorded: RecordedEvent) -> bool:
        """Apply one delivered event unless the checkpoint already covers it; say whether it was applied.

        Events arrive in position order, possibly more than once (at-least-once delivery).
        """
        validate.instance("recorded", recorded, RecordedEvent, example="store.read_all()[0]")
        if recorded.position <= self.position:
            self.duplicates += 1
            return False
        if self.upcasters is not None:
            recorded = recorded._replace(event=self.upcasters.upcast(recorded.event))
        self.handle(self.view, recorded)
        self.position = recorded.position
        return True

    def rebuild(
        self,
        store: EventStore,
        handle: Callable[[Any, RecordedEvent], None] | None = None,
        initial: Callable[[], Any] | None = None,
    ) -> int:
        """Start again from position 0 with an empty view and catch up; return how many events were applied.

        A fix may bring a new `handle` (and a new `initial` when the view's shape changes too).
        """
        validate.instance("store", store, EventStore, example="EventStore()")
        if handle is not None:
            if not callable(handle):
                raise ValueError(f"handle must be a function (view, recorded) -> None (got {handle!r:.60})")
            self.handle = handle
        if initial is not None:
            if not callable(initial):
                raise ValueError(f"initial must make an empty view, e.g. dict or CityView (got {initial!r:.60})")
            self.initial = initial
        self.view, self.position, self.duplicates = self.initial(), 0, 0
        return self.catch_up(store)


@dataclass
class CityView:
    """The city dashboard: rides `waiting` for a driver or `riding` now, and rides `completed`, per city.

    `city_of` is the projection's own lookup from ride to city (later events name only the ride).
    """

    waiting: dict[str, int] = field(default_factory=dict)
    riding: dict[str, int] = field(default_factory=dict)
    completed: dict[str, int] = field(default_factory=dict)
    city_of: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in ("waiting", "riding", "completed", "city_of"):
            validate.instance(name, getattr(self, name), dict, example="{}")


def _add(counts: dict[str, int], key: str, n: int) -> None:
    counts[key] = counts.get(key, 0) + n


def city_dashboard(view: CityView, recorded: RecordedEvent) -> None:
    """Update the city dashboard with one event (rides waiting, riding and completed per city).

    Waiting means requested and not yet started (a driver may be on the way); riding means started.
    """
    if type(view) is not CityView:
        validate.instance("view", view, CityView, example="CityView()")
    if type(recorded) is not RecordedEvent:
        validate.instance("recorded", recorded, RecordedEvent, example="store.read_all()[0]")
    event = recorded.event
    kind = type(event)
    if kind is RideRequested:
        view.city_of[event.ride] = event.city
        _add(view.waiting, event.city, 1)
    elif kind is RideStarted:
        city = view.city_of[event.ride]
        _add(view.waiting, city, -1)
        _add(view.riding, city, 1)
    elif kind is RideCancelled:
        _add(view.waiting, view.city_of[event.ride], -1)
    elif kind is RideCompleted:
        city = view.city_of[event.ride]
        _add(view.riding, city, -1)
        _add(view.completed, city, 1)


@dataclass
class HistoryView:
    """Rider history: for each rider, one line per thing that happened to their rides."""

    lines: dict[str, list[str]] = field(default_factory=dict)
    rider_of: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in ("lines", "rider_of"):
            validate.instance(name, getattr(self, name), dict, example="{}")

    def of(self, rider: str) -> list[str]:
        """The history lines of `rider` (empty for a rider never seen)."""
        validate.instance("rider", rider, str, example="'rider-3'")
        return list(self.lines.get(rider, []))


_WHAT = {
    RideAccepted: lambda e: f"driver {e.driver} accepted",
    RideCancelled: lambda e: f"cancelled ({e.reason})",
    RideStarted: lambda e: "picked up",
    RideCompleted: lambda e: f"dropped off after {e.km:g} km",
    RidePaid: lambda e: f"paid {e.amount_cents / 100:.2f} {e.currency}",
}


def rider_history(view: HistoryView, recorded: RecordedEvent) -> None:
    """Add one event to its rider's history (ride events only; other streams are ignored)."""
    if type(view) is not HistoryView:
        validate.instance("view", view, HistoryView, example="HistoryView()")
    if type(recorded) is not RecordedEvent:
        validate.instance("recorded", recorded, RecordedEvent, example="store.read_all()[0]")
    event = recorded.event
    kind = type(event)
    if kind is RideRequested:
        view.rider_of[event.ride] = event.rider
        what = f"requested a ride in {event.city}"
    elif kind in _WHAT:
        what = _WHAT[kind](event)
    else:
        return
    rider = view.rider_of.get(event.ride)
    if rider is not None:
        view.lines.setdefault(rider, []).append(f"{event.at:6.1f} s  {event.ride}: {what}")
