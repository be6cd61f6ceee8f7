"""What a simulated run of the ride platform produced: every command's fate, the log, and the read models' lag.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

import math
import textwrap
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from ..sim import RunResults, SummaryBase, format_duration, seconds, validate
from .projections import CityView, Projection, city_dashboard
from .store import EventStore

__all__ = [
    "READ_MODELS",
    "CommandRecord",
    "EventSourcingResults",
    "EventSourcingSummary",
    "EventSourcingTimeSeries",
    "LogEntry",
    "Moment",
    "ReadSample",
]

READ_MODELS = ("rider history", "city dashboard")
_STATUS_OF = {
    "RideRequested": "requested",
    "RideAccepted": "accepted",
    "RideStarted": "started",
    "RideCompleted": "completed",
    "RidePaid": "paid",
    "RideCancelled": "cancelled",
}


class CommandRecord(NamedTuple):
    """One command's fate: when, which `command` on which `stream`, its `status` ("served" or
    "rejected" by a rule), the concurrency `conflicts` retried, the events `replayed` to load the
    state, and how many `events` it appended."""

    time: float
    command: str
    stream: str
    status: str
    conflicts: int
    replayed: int
    events: int


class LogEntry(NamedTuple):
    """One event of the log: its `position`, when it was appended, its `stream` and `type`, and
    when each read model applied it (`history_at`, `dashboard_at`; NaN if not by the end)."""

    position: int
    time: float
    stream: str
    type: str
    history_at: float
    dashboard_at: float


class ReadSample(NamedTuple):
    """A read model's checkpoint just after one of its reads: `log_end` events existed, it had applied `checkpoint`."""

    time: float
    read_model: str
    log_end: int
    checkpoint: int

    @property
    def lag(self) -> int:
        """Events in the log the read model had not applied yet."""
        return self.log_end - self.checkpoint


class Moment(NamedTuple):
    """The platform at one log `position` (time travel): the `time` that event was appended, the
    dashboard's `checkpoint` then, the `truth` (a city view of every event up to `position`), what
    the dashboard showed (`seen`, the view up to its checkpoint) and each ride status's count."""

    position: int
    time: float
    checkpoint: int
    truth: CityView
    seen: CityView
    statuses: dict[str, int]
    total: int = 0

    @property
    def behind(self) -> int:
        """Events the dashboard had not shown yet at that moment."""
        return self.position - self.checkpoint

    def __str__(self) -> str:
        """Two lines: rides by status at that moment, and what the city dashboard showed against the log."""
        statuses = ", ".join(f"{n} {status}" for status, n in self.statuses.items() if n) or "no rides yet"
        shown, held = sum(self.seen.completed.values()), sum(self.truth.completed.values())
        head = f"Position {self.position:,} of {self.total:,} (t = {self.time:.1f} s): {statuses}."
        if self.behind == 0:
            tail = f"The city dashboard had read every event: it showed {shown} completed rides, as the log held."
        else:
            tail = (
                f"The city dashboard had read {self.checkpoint:,} events ({self.behind:,} behind): it showed "
                f"{shown} completed rides while the log held {held}."
            )
        return "\n".join(textwrap.fill(line, SummaryBase.WIDTH, break_on_hyphens=False) for line in (head, tail))


@dataclass(frozen=True, repr=False)
class EventSourcingSummary(SummaryBase):
    """The headline numbers of a run of the ride platform."""

    commands: int
    rejected: int
    conflicts: int
    events: int
    rides: int
    paid: int
    dashboard_lag: int
    dashboard_staleness: float = seconds("dashboard staleness")
    history_lag: int = 0
    ride_replayed: float = 0.0
    wallet_replayed: float = 0.0
    snapshots: int = 0
    snapshot_every: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("int", int):
                validate.whole(f.name, value, why="a count")
            else:
                validate.number(f.name, value, minimum=0, why="a duration or a mean, never negative")

    def lines(self) -> list[str]:
        served = self.commands - self.rejected
        snap = (
            f"a snapshot every {self.snapshot_every} events, {self.snapshots:,} taken"
            if self.snapshot_every
            else "no snapshots: each load folds the whole stream"
        )
        return [
            f"{self.commands:,} commands: {served:,} served, {self.rejected:,} rejected by a rule; "
            f"{self.conflicts:,} concurrency conflicts, each retried on fresh state. {self.events:,} events in "
            f"the log; {self.paid:,} of {self.rides:,} rides paid.",
            f"The city dashboard ran up to {self.dashboard_lag:,} events ({format_duration(self.dashboard_staleness)}) "
            f"behind the log; the rider history up to {self.history_lag:,} events.",
            f"Loading a driver's wallet replayed {self.wallet_replayed:.1f} events on average ({snap}); "
            f"loading a ride, {self.ride_replayed:.1f}.",
        ]


@dataclass(frozen=True)
class EventSourcingTimeSeries:
    """Per bin: events appended, and each read model's lag (events behind) at the bin's end."""

    t: list[float]
    events: list[int]
    history_lag: list[int]
    dashboard_lag: list[int]

    def __post_init__(self) -> None:
        for name in ("t", "events", "history_lag", "dashboard_lag"):
            validate.instance(name, getattr(self, name), list, example="[0.0, 1.0]")


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


class EventSourcingResults(RunResults):
    """Everything a run produced: `records` (one per command), the `store`, the `entries` of the log
    (with when each read model applied them) and the read models' `samples` (checkpoint after each read).

    >>> from course.eventsourcing import EventSourcingScenario, simulate
    >>> res = simulate(EventSourcingScenario.example(), until=20, seed=0)
    >>> s = res.summary()
    >>> s.events == len(res.store) == len(res.entries)
    True
    >>> res.moment(s.events).truth.completed == res.moment(s.events).seen.completed or s.dashboard_lag > 0
    True
    """

    records: list[CommandRecord]

    def __init__(
        self,
        scenario: Any,
        records: list[CommandRecord],
        until: float,
        store: EventStore,
        entries: list[LogEntry],
        samples: list[ReadSample],
        snapshots: int,
    ):
        from .scenario import EventSourcingScenario

        validate.instance("scenario", scenario, EventSourcingScenario, example="EventSourcingScenario.example()")
        validate.instance("records", records, list, example="[]")
        until = validate.until(until)
        validate.instance("store", store, EventStore, example="EventStore()")
        validate.instance("entries", entries, list, example="[]")
        validate.instance("samples", samples, list, example="[]")
        validate.whole("snapshots", snapshots, why="how many snapshots were taken")
        super().__init__(scenario, records, until)
        self.store = store
        self.entries = entries
        self.samples = samples
        self.snapshots = snapshots
        self._times = [e.time for e in entries]
        self._by_model = {m: [s for s in samples if s.read_model == m] for m in READ_MODELS}
        self._sample_times = {m: [s.time for s in self._by_model[m]] for m in READ_MODELS}

    def summary(self) -> EventSourcingSummary:
        """Commands, refusals and conflicts, the log's size, the read models' worst lag, replay cost."""
        rejected = sum(r.status == "rejected" for r in self.records)
        stale = [(e.dashboard_at if not math.isnan(e.dashboard_at) else self.until) - e.time for e in self.entries]
        types = Counter(e.type for e in self.entries)
        return EventSourcingSummary(
            commands=len(self.records),
            rejected=rejected,
            conflicts=sum(r.conflicts for r in self.records),
            events=len(self.entries),
            rides=types["RideRequested"],
            paid=types["RidePaid"],
            dashboard_lag=max((s.lag for s in self._by_model["city dashboard"]), default=0),
            dashboard_staleness=max(stale, default=0.0),
            history_lag=max((s.lag for s in self._by_model["rider history"]), default=0),
            ride_replayed=_mean([r.replayed for r in self.records if r.stream.startswith("ride-")]),
            wallet_replayed=_mean([r.replayed for r in self.records if r.stream.startswith("wallet-")]),
            snapshots=self.snapshots,
            snapshot_every=self.scenario.snapshot_every,
        )

    def log_end_at(self, time: float) -> int:
        """How many events the log held at `time` (events appended at exactly `time` count)."""
        return bisect_right(self._times, validate.number("time", time, why="simulated seconds"))

    def checkpoint_at(self, read_model: str, time: float) -> int:
        """The position `read_model` had applied up to at `time` (0 before its first read)."""
        validate.choice("read_model", read_model, READ_MODELS)
        k = bisect_right(self._sample_times[read_model], validate.number("time", time, why="simulated seconds"))
        return self._by_model[read_model][k - 1].checkpoint if k else 0

    def lag_at(self, read_model: str, time: float) -> int:
        """Events in the log at `time` that `read_model` had not applied yet."""
        return max(0, self.log_end_at(time) - self.checkpoint_at(read_model, time))

    def moment(self, position: int) -> Moment:
        """Time travel: the platform as it was when the event at `position` was appended (0: the start)."""
        position = validate.whole("position", position, maximum=len(self.entries), why="a position in the run's log")
        time = self.entries[position - 1].time if position else 0.0
        checkpoint = min(position, self.checkpoint_at("city dashboard", time))
        views = []
        for upto in (position, checkpoint):
            board = Projection("city dashboard", city_dashboard, CityView)
            board.catch_up(self.store, limit=upto)
            views.append(board.view)
        status_of: dict[str, str] = {}
        for entry in self.entries[:position]:
            status = _STATUS_OF.get(entry.type)
            if status is not None:
                status_of[entry.stream] = status
        statuses = {s: 0 for s in _STATUS_OF.values()}
        for status in status_of.values():
            statuses[status] += 1
        return Moment(position, time, checkpoint, views[0], views[1], statuses, len(self.entries))

    def timeseries(self, bin: float = 1.0) -> EventSourcingTimeSeries:
        """Events appended per `bin` seconds, and each read model's lag at each bin's end."""
        n, width = self.bins(bin)
        events = [0] * n
        for e in self.entries:
            events[min(int(e.time / width), n - 1)] += 1
        ends = [min((i + 1) * width, self.until) for i in range(n)]
        return EventSourcingTimeSeries(
            t=[i * width for i in range(n)],
            events=events,
            history_lag=[self.lag_at("rider history", t) for t in ends],
            dashboard_lag=[self.lag_at("city dashboard", t) for t in ends],
        )
