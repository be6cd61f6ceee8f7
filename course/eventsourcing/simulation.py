"""Run an `EventSourcingScenario` on the `course.sim` kernel: commands append events, read models follow behind.

Rides arrive as a Poisson process. Each ride is a stream: `RequestRide`, then after 1-4 s either
`CancelRide` or `AcceptRide` (for a `race_share` of rides two dispatchers accept at the same
moment, both having loaded the ride before either wrote: the second gets a `ConcurrencyError`,
reloads and is refused), `StartRide` 1-3 s later, `CompleteRide` after a 5-20 s trip (0.4 km per
simulated second), `PayRide` 0.5 s later, and a `Deposit` of 80 % of the fare into the driver's
wallet. Every command goes through `execute` (load, decide, append with `expected_version`).
The rider history and the city dashboard each read the log on their own timer; the dashboard
applies at most `dashboard_batch` events per read. Commands due after `until` never run.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

import math
from itertools import count
from typing import Any

from ..sim import Environment, Poisson, stream, validate
from .aggregate import Aggregate, CommandRejected, Loaded, execute, load
from .projections import CityView, HistoryView, Projection, city_dashboard, rider_history
from .results import READ_MODELS, CommandRecord, EventSourcingResults, LogEntry, ReadSample
from .rides import RIDE, AcceptRide, CancelRide, CompleteRide, PayRide, RequestRide, StartRide, fare_cents
from .scenario import CITIES, EventSourcingScenario
from .snapshots import SnapshotStore
from .store import EventStore
from .wallet import WALLET, Deposit, OpenWallet

__all__ = ["MAX_RIDES", "simulate"]

MAX_RIDES = 100_000  # rides one run may request (the toy keeps every event in memory)
KM_PER_SECOND = 0.4
DRIVER_SHARE = 0.8


def simulate(scenario: EventSourcingScenario, *, until: float, seed: int = 0) -> EventSourcingResults:
    """Run the ride platform for `until` simulated seconds and return every command, event and lag sample.

    >>> res = simulate(EventSourcingScenario.example(race_share=1.0), until=30, seed=1)
    >>> s = res.summary()
    >>> refused = sum(r.command == "AcceptRide" and r.status == "rejected" for r in res.records)
    >>> s.conflicts > 0 and s.conflicts == refused
    True
    """
    validate.instance("scenario", scenario, EventSourcingScenario, example="EventSourcingScenario.example()")
    until = validate.until(until)
    seed = validate.seed(seed)
    if scenario.rate * until > MAX_RIDES:
        raise ValueError(
            f"until must be at most {MAX_RIDES / scenario.rate:g} s at {scenario.rate:g} rides/s (got {until:g}): "
            f"a run requests at most {MAX_RIDES:,} rides, the toy keeps every event in memory"
        )
    env = Environment()
    store = EventStore()
    snapshots = SnapshotStore(scenario.snapshot_every) if scenario.snapshot_every else None
    appended_at: list[float] = []
    records: list[CommandRecord] = []
    requests, steps = stream(seed, "ride requests"), stream(seed, "ride steps")
    weights = scenario.city_weights
    numbers = count(1)

    def run(aggregate: Aggregate, stream_id: str, command: Any, loaded: Loaded | None = None) -> bool:
        before = loaded.replayed if loaded is not None else 0
        name = type(command).__name__
        try:
            handled = execute(
                store,
                aggregate,
                stream_id,
                command,
                loaded=loaded,
                snapshots=snapshots if aggregate is WALLET else None,
            )
        except CommandRejected as refusal:
            records.append(
                CommandRecord(env.now, name, stream_id, "rejected", refusal.conflicts, before + refusal.replayed, 0)
            )
            return False
        appended_at.extend([env.now] * len(handled.recorded))
        records.append(
            CommandRecord(
                env.now, name, stream_id, "served", handled.conflicts, before + handled.replayed, len(handled.recorded)
            )
        )
        return True

    def driver() -> str:
        return f"driver-{steps.randrange(scenario.drivers)}"

    def request() -> None:
        ride = f"ride-{next(numbers)}"
        rider = f"rider-{requests.randrange(scenario.riders)}"
        city = requests.choices(CITIES, weights)[0]
        if not run(RIDE, ride, RequestRide(ride, rider, city, env.now)):
            return
        delay = steps.uniform(1.0, 4.0)
        if steps.random() < scenario.cancel_share:
            env.schedule(delay, lambda: run(RIDE, ride, CancelRide(ride, at=env.now)))
        else:
            env.schedule(delay, accept, ride, steps.random() < scenario.race_share)

    def accept(ride: str, race: bool) -> None:
        first, second = driver(), driver()
        if race:  # both dispatchers looked at the ride before either wrote
            seen_by_d0, seen_by_d1 = load(store, RIDE, ride), load(store, RIDE, ride)
            accepted = run(RIDE, ride, AcceptRide(ride, first, "d0", env.now), loaded=seen_by_d0)
            run(RIDE, ride, AcceptRide(ride, second, "d1", env.now), loaded=seen_by_d1)
        else:
            accepted = run(RIDE, ride, AcceptRide(ride, first, "d0", env.now))
        if accepted:
            env.schedule(steps.uniform(1.0, 3.0), start, ride, first)

    def start(ride: str, driver_name: str) -> None:
        if run(RIDE, ride, StartRide(ride, env.now)):
            trip = steps.uniform(5.0, 20.0)
            env.schedule(trip, complete, ride, driver_name, round(trip * KM_PER_SECOND, 1))

    def complete(ride: str, driver_name: str, km: float) -> None:
        if run(RIDE, ride, CompleteRide(ride, km, env.now)):
            env.schedule(0.5, pay, ride, driver_name, fare_cents(km))

    def pay(ride: str, driver_name: str, fare: int) -> None:
        if run(RIDE, ride, PayRide(ride, fare, at=env.now)):
            wallet = f"wallet-{driver_name}"
            run(WALLET, wallet, Deposit(wallet, int(fare * DRIVER_SHARE), env.now))

    for d in range(scenario.drivers):
        wallet = f"wallet-driver-{d}"
        run(WALLET, wallet, OpenWallet(wallet, f"driver-{d}", 0.0))

    history = Projection("rider history", rider_history, HistoryView)
    board = Projection("city dashboard", city_dashboard, CityView)
    applied: dict[str, list[float]] = {name: [] for name in READ_MODELS}
    samples: list[ReadSample] = []

    def read(projection: Projection, interval: float, limit: int | None) -> None:
        samples.append(ReadSample(env.now, projection.name, store.position, projection.position))
        n = projection.catch_up(store, limit)
        applied[projection.name].extend([env.now] * n)
        samples.append(ReadSample(env.now, projection.name, store.position, projection.position))
        if env.now + interval <= until:
            env.schedule(interval, read, projection, interval, limit)

    env.schedule(scenario.history_interval, read, history, scenario.history_interval, None)
    env.schedule(scenario.dashboard_interval, read, board, scenario.dashboard_interval, scenario.dashboard_batch)
    env.feed(Poisson(scenario.rate).times(until, stream(seed, "ride arrivals")), request)
    env.run(until=until)

    for projection in (history, board):
        samples.append(ReadSample(until, projection.name, store.position, projection.position))
    nan = math.nan
    entries = []
    history_at, board_at = applied["rider history"], applied["city dashboard"]
    for r, time in zip(store.read_all(), appended_at, strict=True):
        i = r.position - 1
        entries.append(
            LogEntry(
                r.position,
                time,
                r.stream,
                r.type,
                history_at[i] if i < len(history_at) else nan,
                board_at[i] if i < len(board_at) else nan,
            )
        )
    return EventSourcingResults(
        scenario, records, until, store, entries, samples, snapshots.taken if snapshots is not None else 0
    )
