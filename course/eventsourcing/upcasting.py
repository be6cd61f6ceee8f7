"""Upcasting: old versions of an event are translated to the current version as they are read.

Stored events are never rewritten: the log is the record of what was said, in the words of the
time. When an event's shape changes (`RidePaidV1` held euros as a float, `RidePaid` holds
cents and a currency), an upcaster turns each old event into the new shape on the way out of
the store, so aggregates and projections only ever see the current version.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..sim import validate
from .rides import RidePaid, RidePaidV1
from .store import EventStore, RecordedEvent

__all__ = ["UPCASTERS", "Upcasters", "ride_paid_v1_to_v2"]


def ride_paid_v1_to_v2(old: RidePaidV1) -> RidePaid:
    """`RidePaidV1(amount=euros)` as `RidePaid(amount_cents, currency="EUR")`: v1 apps only took euros.

    Rounds to the nearest cent (19.99 euros are 1999 cents; `int(19.99 * 100)` would say 1998).

    >>> ride_paid_v1_to_v2(RidePaidV1("ride-7", 19.99, at=3.0))
    RidePaid(ride='ride-7', amount_cents=1999, currency='EUR', at=3.0)
    """
    validate.instance("old", old, RidePaidV1, example="RidePaidV1('ride-7', 12.5)")
    return RidePaid(old.ride, round(old.amount * 100), "EUR", old.at)


class Upcasters:
    """A chain of upcasters, one per old event type: each turns an event of that type into the next version.

    `upcast(event)` follows the chain until the event's type has no upcaster (v1 -> v2 -> v3...);
    events of other types pass through unchanged (the same object).

    >>> UPCASTERS.upcast(RidePaidV1("ride-7", 12.5))
    RidePaid(ride='ride-7', amount_cents=1250, currency='EUR', at=0.0)
    >>> UPCASTERS.upcast("not an old event")
    'not an old event'
    """

    def __init__(self, steps: Mapping[type, Callable[[Any], Any]]):
        validate.instance("steps", steps, Mapping, example="{RidePaidV1: ride_paid_v1_to_v2}")
        for old, step in steps.items():
            if not isinstance(old, type) or not callable(step):
                raise ValueError(
                    f"steps must map an old event class to a function old -> newer (got {old!r:.40}: {step!r:.40})"
                )
        self.steps = dict(steps)

    def __repr__(self) -> str:
        return f"Upcasters({', '.join(old.__name__ for old in self.steps)})"

    def upcast(self, event: Any) -> Any:
        """`event` in its current version (unchanged if no upcaster applies)."""
        steps = self.steps
        for _ in range(len(steps) + 1):
            step = steps.get(type(event))
            if step is None:
                return event
            event = step(event)
        raise ValueError(f"steps must not loop: upcasting kept finding an upcaster after {len(steps)} steps")

    def upcast_all(self, recorded: list[RecordedEvent]) -> list[RecordedEvent]:
        """The recorded events with each `event` upcast (stream, version and position unchanged)."""
        steps, out = self.steps, []
        for r in recorded:
            out.append(r._replace(event=self.upcast(r.event)) if type(r.event) in steps else r)
        return out

    def read(self, store: EventStore, stream_id: str, after: int = 0) -> list[RecordedEvent]:
        """`store.read(stream_id, after)`, upcast."""
        validate.instance("store", store, EventStore, example="EventStore()")
        return self.upcast_all(store.read(stream_id, after))

    def read_all(self, store: EventStore, after: int = 0) -> list[RecordedEvent]:
        """`store.read_all(after)`, upcast."""
        validate.instance("store", store, EventStore, example="EventStore()")
        return self.upcast_all(store.read_all(after))


UPCASTERS = Upcasters({RidePaidV1: ride_paid_v1_to_v2})
