"""Events in time: when a ride happened (event time) and when its record arrived (processing time).

Events carry the time they happened (`time`) and may arrive later and out of order (`arrival`),
because phones buffer, networks lag and some phones are offline for a while. `event_stream` makes
such a stream; a `WindowScenario` windows it (see `course.streams.watermarks` for the rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from course.sim import Poisson, stream
from course.sim.validate import duration, probability
from course.sim.validate import rate as check_rate
from course.sim.validate import seed as check_seed
from course.sim.validate import until as check_until

__all__ = ["MAX_EVENTS", "Event", "event_stream"]

MAX_EVENTS = 100_000  # the most events one stream or one windowed run holds


class Event(NamedTuple):
    """Something that happened at `time` (event time) for `key`, arriving at `arrival` (processing time, optional).

    >>> Event(61.5, "paris", arrival=63.0)
    Event(time=61.5, key='paris', value=1, arrival=63.0)
    """

    time: float
    key: Any = "all"
    value: float = 1
    arrival: float | None = None


def event_stream(
    rate: float = 5.0,
    until: float = 60.0,
    keys: Sequence[Any] = ("paris", "lyon", "rome"),
    max_delay: float = 2.0,
    straggler_fraction: float = 0.0,
    straggler_delay: float = 30.0,
    seed: int = 0,
) -> list[Event]:
    """Events happening at `rate` per second for `until` seconds, delivered out of order, sorted by arrival.

    Each arrives `Uniform(0, max_delay)` seconds after it happened; a `straggler_fraction` of
    them arrive `straggler_delay` seconds later still (a phone that was offline). Times are
    rounded to the millisecond.

    >>> evs = event_stream(rate=2, until=10, seed=1)
    >>> all(e.arrival >= e.time for e in evs), evs == sorted(evs, key=lambda e: e.arrival)
    (True, True)
    """
    check_rate("rate", rate, why="events per second")
    check_until(until)
    duration("max_delay", max_delay, why="seconds an event may take to arrive")
    probability("straggler_fraction", straggler_fraction, why="the share of events that arrive very late")
    duration("straggler_delay", straggler_delay, why="extra seconds a straggler takes")
    check_seed(seed)
    if rate * until > MAX_EVENTS:
        raise ValueError(
            f"rate * until must be at most {MAX_EVENTS:,} events (got {rate * until:,.0f}): "
            "lower the rate or shorten the run"
        )
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Sequence) or not keys:
        raise ValueError(f"keys must be a non-empty list of keys (got {keys!r}): e.g. ('paris', 'lyon')")
    rng = stream(seed, "event delays")
    out = []
    for t in Poisson(rate=rate).times(until, stream(seed, "event times")):
        delay = rng.uniform(0, max_delay)
        if rng.random() < straggler_fraction:
            delay += straggler_delay
        key = keys[rng.randrange(len(keys))]
        out.append(Event(round(t, 3), key, 1, round(t + delay, 3)))
    out.sort(key=lambda e: (e.arrival, e.time))
    return out
