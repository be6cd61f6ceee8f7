"""The ride platform as a scenario: rides requested, dispatched, driven and paid; two read models behind the log.

A scenario is plain data, checked when it is built; `course.eventsourcing.simulate` runs it.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..sim import validate

__all__ = ["CITIES", "EventSourcingScenario"]

CITIES = ("paris", "lyon", "rome", "oslo", "lima", "kyiv", "pune", "quito")  # lesson 4's cities
MAX_RATE = 200.0  # rides per second


@dataclass(frozen=True)
class EventSourcingScenario:
    """Riders request `rate` rides per second; each ride is accepted, started, completed and paid (or
    cancelled); each payment credits the driver's wallet. Two read models follow the log.

    - `city_weights`: how busy each of `CITIES` is, relatively (paris busiest by default);
    - `cancel_share`: the share of rides cancelled before a driver accepts them;
    - `race_share`: the share of rides two dispatchers try to accept at the same moment (the
      second gets a `ConcurrencyError`, reloads, and is refused);
    - `history_interval`, `dashboard_interval`: seconds between two reads of the log by the rider
      history and by the city dashboard; `dashboard_batch`: the most events the dashboard applies
      per read (its throughput), so a slow or small dashboard falls behind;
    - `drivers`: how many driver wallets share the payments; `snapshot_every`: snapshot a wallet
      every so many events (0: never), so loading one folds fewer events.

    >>> EventSourcingScenario.example(rate=5).rate
    5.0
    >>> EventSourcingScenario(dashboard_interval=0)
    Traceback (most recent call last):
    ...
    ValueError: dashboard_interval must be a positive number of at most 3600 (got 0): seconds between two reads ...
    """

    rate: float = 3.0
    city_weights: tuple[float, ...] = (8, 4, 3, 2, 2, 1, 1, 1)
    riders: int = 40
    drivers: int = 6
    cancel_share: float = 0.1
    race_share: float = 0.2
    history_interval: float = 0.25
    dashboard_interval: float = 2.0
    dashboard_batch: int = 40
    snapshot_every: int = 0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "rate", validate.rate("rate", self.rate, maximum=MAX_RATE, why="rides requested per second"))
        weights: tuple | list = validate.instance(
            "city_weights", self.city_weights, (tuple, list), example="(8, 4, 3, 2, 2, 1, 1, 1)"
        )
        if len(weights) != len(CITIES):
            raise ValueError(
                f"city_weights must give one weight per city, {len(CITIES)} in all ({', '.join(CITIES)}) "
                f"(got {len(weights)})"
            )
        clean = tuple(
            validate.number("city_weights", w, minimum=0, maximum=1e6, why="a city's relative busyness")
            for w in weights
        )
        if not sum(clean) > 0:
            raise ValueError(f"city_weights must not all be 0 (got {tuple(weights)!r}): rides need a city")
        set_(self, "city_weights", clean)
        validate.whole("riders", self.riders, minimum=1, maximum=100_000, why="how many riders request rides")
        validate.whole("drivers", self.drivers, minimum=1, maximum=10_000, why="how many drivers share the rides")
        set_(self, "cancel_share", validate.probability("cancel_share", self.cancel_share, why="rides cancelled"))
        set_(
            self,
            "race_share",
            validate.probability("race_share", self.race_share, why="rides two dispatchers race for"),
        )
        for name in ("history_interval", "dashboard_interval"):
            value = validate.duration(
                name, getattr(self, name), positive=True, maximum=3600, why="seconds between two reads of the log"
            )
            set_(self, name, value)
        validate.whole(
            "dashboard_batch",
            self.dashboard_batch,
            minimum=1,
            maximum=1_000_000,
            why="events the dashboard applies per read",
        )
        validate.whole(
            "snapshot_every",
            self.snapshot_every,
            maximum=1_000_000,
            why="snapshot a wallet every so many events; 0 for never",
        )

    @classmethod
    def example(
        cls,
        rate: float = 3.0,
        dashboard_interval: float = 2.0,
        snapshot_every: int = 0,
        race_share: float = 0.2,
        **changes: Any,
    ) -> EventSourcingScenario:
        """The lesson's and the lab's platform: 3 rides/s over lesson 4's eight cities, six drivers,
        the dashboard reading every 2 s (40 events at most), the rider history every 0.25 s."""
        base = cls(
            rate=rate, dashboard_interval=dashboard_interval, snapshot_every=snapshot_every, race_share=race_share
        )
        return replace(base, **changes) if changes else base
