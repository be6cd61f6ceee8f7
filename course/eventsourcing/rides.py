"""The ride aggregate: a ride is requested, accepted by one driver, started, completed and paid (or cancelled).

Commands ask (`AcceptRide`), events state what happened (`RideAccepted`). `decide_ride` checks a
command against the ride's current state and returns the events, or refuses with the rule in
words; `apply_ride` folds an event into the state. `RIDE` bundles them as an `Aggregate`.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..sim import validate
from .aggregate import Aggregate, CommandRejected

__all__ = [
    "RIDE",
    "RIDE_EVENTS",
    "RIDE_STATUSES",
    "AcceptRide",
    "CancelRide",
    "CompleteRide",
    "PayRide",
    "RequestRide",
    "Ride",
    "RideAccepted",
    "RideCancelled",
    "RideCompleted",
    "RidePaid",
    "RidePaidV1",
    "RideRequested",
    "RideStarted",
    "StartRide",
    "apply_ride",
    "decide_ride",
    "fare_cents",
]

RIDE_STATUSES = ("none", "requested", "accepted", "started", "completed", "paid", "cancelled")


def _text(name: str, value: object) -> str:
    return validate.text(name, value, why="it names who or what is meant")


def _at(value: object) -> float:
    return validate.duration("at", value, why="when it happened, in simulated seconds")


def _cents(name: str, value: object) -> int:
    return validate.whole(name, value, minimum=1, why="money is a whole number of cents, above zero")


def fare_cents(km: float) -> int:
    """The toy's fare: 2.50 to start plus 1.20 per km, in cents.

    >>> fare_cents(10)
    1450
    """
    return 250 + round(120 * validate.number("km", km, minimum=0, maximum=10_000, why="the ride's length"))


# --- what a command and its event both carry ------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    """A ride request's facts: the ride, the rider, the city and when (a command and its event share them)."""

    ride: str
    rider: str
    city: str
    at: float = 0.0

    def __post_init__(self) -> None:
        _text("ride", self.ride), _text("rider", self.rider), _text("city", self.city), _at(self.at)


@dataclass(frozen=True)
class _Acceptance:
    """An assignment's facts: the ride, the driver, the dispatcher and when (a command and its event share them)."""

    ride: str
    driver: str
    dispatcher: str = "d0"
    at: float = 0.0

    def __post_init__(self) -> None:
        _text("ride", self.ride), _text("driver", self.driver), _text("dispatcher", self.dispatcher), _at(self.at)


@dataclass(frozen=True)
class _Cancellation:
    """A cancellation's facts: the ride, the reason and when (a command and its event share them)."""

    ride: str
    reason: str = "rider cancelled"
    at: float = 0.0

    def __post_init__(self) -> None:
        _text("ride", self.ride), _text("reason", self.reason), _at(self.at)


@dataclass(frozen=True)
class _Start:
    """A pick-up's facts: the ride and when (a command and its event share them)."""

    ride: str
    at: float = 0.0

    def __post_init__(self) -> None:
        _text("ride", self.ride), _at(self.at)


@dataclass(frozen=True)
class _Completion:
    """A drop-off's facts: the ride, the kilometres and when (a command and its event share them)."""

    ride: str
    km: float
    at: float = 0.0

    def __post_init__(self) -> None:
        _text("ride", self.ride), _at(self.at)
        validate.number("km", self.km, minimum=0, maximum=10_000, why="the ride's length in kilometres")


@dataclass(frozen=True)
class _Payment:
    """A payment's facts: the ride, `amount_cents` in `currency`, and when (a command and its event share them)."""

    ride: str
    amount_cents: int
    currency: str = "EUR"
    at: float = 0.0

    def __post_init__(self) -> None:
        _text("ride", self.ride), _cents("amount_cents", self.amount_cents), _text("currency", self.currency)
        _at(self.at)


# --- commands: what someone asks for (it may be refused) -------------------------------------------


class RequestRide(_Request):
    """A rider asks for a ride in a city."""


class AcceptRide(_Acceptance):
    """A dispatcher assigns a driver to a requested ride."""


class CancelRide(_Cancellation):
    """The rider cancels a ride that has not started."""


class StartRide(_Start):
    """The driver picks the rider up."""


class CompleteRide(_Completion):
    """The driver drops the rider off after `km` kilometres."""


class PayRide(_Payment):
    """The rider pays `amount_cents` for a completed ride."""


# --- events: what happened (never refused, never changed) ------------------------------------------


class RideRequested(_Request):
    """A rider asked for a ride in a city."""


class RideAccepted(_Acceptance):
    """A dispatcher assigned a driver."""


class RideCancelled(_Cancellation):
    """The ride was cancelled before it started."""


class RideStarted(_Start):
    """The rider was picked up."""


class RideCompleted(_Completion):
    """The rider was dropped off after `km` kilometres."""


class RidePaid(_Payment):
    """The ride was paid: `amount_cents` in `currency` (version 2 of this event)."""


@dataclass(frozen=True)
class RidePaidV1:
    """Version 1 of `RidePaid`, as an older app wrote it: `amount` in euros as a float, no currency.

    Events already stored in this shape stay in it for ever; readers upcast them (see `UPCASTERS`).
    """

    ride: str
    amount: float
    at: float = 0.0

    def __post_init__(self) -> None:
        _text("ride", self.ride), _at(self.at)
        validate.number("amount", self.amount, positive=True, maximum=1e7, why="the fare in euros")


RIDE_EVENTS = (RideRequested, RideAccepted, RideCancelled, RideStarted, RideCompleted, RidePaid)


@dataclass(frozen=True)
class Ride:
    """A ride's current state: the fold of its events (`status` is one of `RIDE_STATUSES`)."""

    ride: str | None = None
    status: str = "none"
    rider: str | None = None
    city: str | None = None
    driver: str | None = None
    km: float | None = None
    paid_cents: int = 0

    def __post_init__(self) -> None:
        validate.choice("status", self.status, RIDE_STATUSES)
        for name in ("ride", "rider", "city", "driver"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be text or None (got {value!r:.60})")
        if self.km is not None:
            validate.number("km", self.km, minimum=0, maximum=10_000, why="the ride's length in kilometres")
        validate.whole("paid_cents", self.paid_cents, why="money is a whole number of cents")


def _refuse(state: Ride, command: Any, why: str) -> CommandRejected:
    return CommandRejected(f"{type(command).__name__} refused: {command.ride} {why}")


def decide_ride(state: Ride, command: Any) -> list[Any]:
    """The ride's rules: the events `command` causes in `state`, or `CommandRejected` saying which rule it breaks.

    >>> decide_ride(Ride(), RequestRide("ride-7", "ana", "paris", at=1.0))
    [RideRequested(ride='ride-7', rider='ana', city='paris', at=1.0)]
    >>> taken = Ride("ride-7", "accepted", "ana", "paris", driver="driver-2")
    >>> decide_ride(taken, AcceptRide("ride-7", "driver-5"))
    Traceback (most recent call last):
    ...
    course.eventsourcing.aggregate.CommandRejected: AcceptRide refused: ride-7 was already accepted by driver-2: ...
    """
    validate.instance("state", state, Ride, example="Ride()")
    status = state.status
    if isinstance(command, RequestRide):
        if status != "none":
            raise _refuse(state, command, f"was already requested (it is {status})")
        return [RideRequested(command.ride, command.rider, command.city, command.at)]
    if isinstance(command, AcceptRide):
        if status in ("accepted", "started", "completed", "paid"):
            raise _refuse(state, command, f"was already accepted by {state.driver}: one driver per ride")
        if status != "requested":
            raise _refuse(state, command, f"is {status}: only a requested ride can be accepted")
        return [RideAccepted(command.ride, command.driver, command.dispatcher, command.at)]
    if isinstance(command, CancelRide):
        if status not in ("requested", "accepted"):
            raise _refuse(state, command, f"is {status}: only a ride that has not started can be cancelled")
        return [RideCancelled(command.ride, command.reason, command.at)]
    if isinstance(command, StartRide):
        if status != "accepted":
            raise _refuse(state, command, f"is {status}: a ride starts once a driver accepted it")
        return [RideStarted(command.ride, command.at)]
    if isinstance(command, CompleteRide):
        if status != "started":
            raise _refuse(state, command, f"is {status}: only a started ride can be completed")
        return [RideCompleted(command.ride, command.km, command.at)]
    if isinstance(command, PayRide):
        if status != "completed":
            raise _refuse(state, command, f"is {status}: a ride is paid once, after it is completed")
        return [RidePaid(command.ride, command.amount_cents, command.currency, command.at)]
    raise ValueError(
        f"command must be a ride command such as AcceptRide('ride-7', 'driver-2') (got {command!r:.60}): "
        "RequestRide, AcceptRide, CancelRide, StartRide, CompleteRide or PayRide"
    )


def apply_ride(state: Ride, event: Any) -> Ride:
    """The ride after `event`: memory only, no rules (the event already happened).

    >>> apply_ride(Ride(), RideRequested("ride-7", "ana", "paris")).status
    'requested'
    """
    if type(state) is not Ride:
        validate.instance("state", state, Ride, example="Ride()")
    kind = type(event)
    if kind is RideRequested:
        return Ride(event.ride, "requested", event.rider, event.city)
    if kind is RideAccepted:
        return replace(state, status="accepted", driver=event.driver)
    if kind is RideCancelled:
        return replace(state, status="cancelled")
    if kind is RideStarted:
        return replace(state, status="started")
    if kind is RideCompleted:
        return replace(state, status="completed", km=event.km)
    if kind is RidePaid:
        return replace(state, status="paid", paid_cents=state.paid_cents + event.amount_cents)
    if kind is RidePaidV1:
        raise ValueError(
            "event must be the current version: RidePaidV1 is version 1 of RidePaid; upcast old events as they "
            "are read (load(..., upcasters=UPCASTERS)), never rewrite them in the store"
        )
    raise ValueError(f"event must be a ride event such as RideRequested (got {event!r:.60})")


RIDE = Aggregate("ride", Ride(), decide_ride, apply_ride)
