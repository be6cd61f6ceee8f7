"""Dual writes against the outbox: how a state change and the event announcing it can (not) disagree.

A service that saves a ride's new status in its database *and then* publishes an event to a
broker makes two writes with no transaction around them (a *dual write*): a crash between them
leaves a saved change nobody hears about. The *outbox* writes the change and the event in one
database transaction (the event as a row of an outbox table); a relay publishes outbox rows
afterwards and marks them sent. A crash there publishes a row twice, never zero times, so
consumers deduplicate by event id. Change data capture (Debezium) is such a relay that reads
the database's own log instead of polling the table.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..sim import stream, validate

__all__ = ["Broker", "OutboxComparison", "OutboxRow", "RideService", "compare_dual_write_and_outbox"]

MAX_CHANGES = 1_000_000


class OutboxRow(NamedTuple):
    """One event waiting in (or published from) the outbox table: its id, the ride and its new status."""

    id: int
    ride: str
    status: str


@dataclass
class Broker:
    """Where events are published: `messages` in publish order, each `(id, ride, status)`."""

    messages: list[OutboxRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        validate.instance("messages", self.messages, list, example="[]")

    def consumed(self) -> dict[str, str]:
        """Each ride's latest status as an idempotent consumer sees it (a repeated id is applied once)."""
        seen: set[int] = set()
        latest: dict[str, str] = {}
        for message in self.messages:
            if message.id not in seen:
                seen.add(message.id)
                latest[message.ride] = message.status
        return latest


@dataclass
class RideService:
    """A service with a database: a `rides` table (ride -> status) and an `outbox` table, plus what it sent.

    >>> service, broker = RideService(), Broker()
    >>> service.dual_write(broker, "ride-1", "completed", crash=True)   # crashed between the two writes
    >>> service.rides, broker.messages
    ({'ride-1': 'completed'}, [])
    >>> service.save_with_outbox("ride-2", "completed"); service.relay(broker)
    1
    >>> broker.consumed()
    {'ride-2': 'completed'}
    """

    rides: dict[str, str] = field(default_factory=dict)
    outbox: list[OutboxRow] = field(default_factory=list)
    sent: int = 0  # outbox rows before this index are marked sent
    next_id: int = 1

    def __post_init__(self) -> None:
        validate.instance("rides", self.rides, dict, example="{}")
        validate.instance("outbox", self.outbox, list, example="[]")
        validate.whole("sent", self.sent, maximum=len(self.outbox), why="outbox rows already marked sent")
        validate.whole("next_id", self.next_id, minimum=1, why="the id of the next outbox row")

    def _row(self, ride: str, status: str) -> OutboxRow:
        validate.instance("ride", ride, str, example="'ride-7'")
        validate.instance("status", status, str, example="'completed'")
        row = OutboxRow(self.next_id, ride, status)
        self.next_id += 1
        return row

    def dual_write(self, broker: Broker, ride: str, status: str, *, crash: bool = False) -> None:
        """Commit the change, then publish the event: two writes. `crash=True` dies in between."""
        validate.instance("broker", broker, Broker, example="Broker()")
        validate.instance("crash", crash, bool, example="crash=True")
        row = self._row(ride, status)
        self.rides[ride] = status  # write 1: the database commits
        if crash:
            return  # the process died: the event is never published
        broker.messages.append(row)  # write 2: the broker

    def save_with_outbox(self, ride: str, status: str) -> None:
        """Commit the change and its event together, in one database transaction."""
        row = self._row(ride, status)
        self.rides[ride] = status
        self.outbox.append(row)

    def relay(self, broker: Broker, *, crash_after: int | None = None) -> int:
        """Publish unsent outbox rows in order, marking each sent after the broker has it; return how many.

        `crash_after=k` dies after publishing the k-th row, before marking it sent: the next relay
        publishes it again (at-least-once).
        """
        validate.instance("broker", broker, Broker, example="Broker()")
        if crash_after is not None:
            validate.whole("crash_after", crash_after, minimum=1, why="publish this many rows, then crash")
        published = 0
        while self.sent < len(self.outbox):
            broker.messages.append(self.outbox[self.sent])
            published += 1
            if crash_after is not None and published == crash_after:
                return published  # died before marking the row sent
            self.sent += 1
        return published

    def disagreements(self, broker: Broker) -> dict[str, int]:
        """How the database and what consumers saw differ: rides whose latest status never reached them
        (`lost`), statuses consumers saw that the database never committed (`phantom`), and repeated
        messages (`duplicates`, harmless to an idempotent consumer)."""
        validate.instance("broker", broker, Broker, example="Broker()")
        seen = broker.consumed()
        lost = sum(seen.get(ride) != status for ride, status in self.rides.items())
        phantom = sum(ride not in self.rides for ride in seen)
        duplicates = len(broker.messages) - len({m.id for m in broker.messages})
        return {"lost": lost, "phantom": phantom, "duplicates": duplicates}


class OutboxComparison(NamedTuple):
    """The same changes and crashes, with dual writes and with the outbox: each side's `disagreements`."""

    changes: int
    crashes: int
    dual_write: dict[str, int]
    outbox: dict[str, int]


def compare_dual_write_and_outbox(changes: int = 1000, crash_rate: float = 0.01, seed: int = 0) -> OutboxComparison:
    """Save `changes` ride completions both ways; at each, the process crashes with `crash_rate`.

    A dual-write crash falls between the commit and the publish; an outbox crash falls between
    publishing a row and marking it sent (the relay runs after every change and restarts).

    >>> run = compare_dual_write_and_outbox(changes=2000, crash_rate=0.02, seed=1)
    >>> run.dual_write["lost"] == run.crashes, run.outbox["lost"], run.outbox["duplicates"] == run.crashes
    (True, 0, True)
    """
    changes = validate.whole("changes", changes, minimum=1, maximum=MAX_CHANGES, why="how many state changes")
    crash_rate = validate.probability("crash_rate", crash_rate, why="the chance a process dies mid-change")
    rng = stream(validate.seed(seed), "outbox crashes")
    dual, outbox, dual_broker, outbox_broker = RideService(), RideService(), Broker(), Broker()
    crashes = 0
    for i in range(changes):
        ride = f"ride-{i}"
        crash = rng.random() < crash_rate
        crashes += crash
        dual.dual_write(dual_broker, ride, "completed", crash=crash)
        outbox.save_with_outbox(ride, "completed")
        outbox.relay(outbox_broker, crash_after=1 if crash else None)
    outbox.relay(outbox_broker)  # the restarted relay finishes the job
    return OutboxComparison(changes, crashes, dual.disagreements(dual_broker), outbox.disagreements(outbox_broker))
