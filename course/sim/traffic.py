"""Traffic sources: when requests arrive.

Each source is a value object; `times(until, rng)` yields ascending arrival times in
`[0, until)`, drawn lazily so `Environment.feed` can consume it. A rate of zero is
allowed and means silence (a slider at its minimum still shows a picture).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import validate
from .kernel import stream
from .validate import MAX_COUNT, duration, function, instance, items, number, rate, whole

__all__ = ["ConstantRate", "OnOff", "Poisson", "RushHour", "Source", "Spike", "TimeVarying", "arrival_times"]

_INF = math.inf


def _horizon(value: object) -> float:
    """The `until` of `times`: seconds from 0, or infinity for an endless stream (drawn lazily)."""
    if isinstance(value, float) and value == _INF:
        return value
    return duration("until", value, why="arrivals are drawn in [0, until); pass math.inf for an endless stream")


def _rng(value: object) -> random.Random:
    return instance("rng", value, random.Random, example='rng=course.sim.stream(seed, "arrivals")')


def _time(t: object) -> float:
    return number("t", t, why="a simulated time in seconds")


class Source:
    """Base for traffic sources: `rate_at(t)` is the intended rate, `times(until, rng)` the arrivals.

    A subclass defines `rate_at` and `times`; `times` validates `until` and `rng` when called
    (not lazily), then returns a generator.
    """

    def rate_at(self, t: float) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def times(self, until: float, rng: random.Random) -> Iterator[float]:  # pragma: no cover
        raise NotImplementedError

    def mean_rate(self, until: float, steps: int = 1000) -> float:
        """Average intended rate over `[0, until)` (a midpoint sum).

        >>> Spike(base=0, peak=10, start=0, duration=5).mean_rate(10)
        5.0
        """
        span = duration("until", until, positive=True, why="the rate is averaged over [0, until)")
        n = whole("steps", steps, minimum=1, maximum=1_000_000, why="points in the midpoint sum")
        dt = span / n
        return sum(self.rate_at((i + 0.5) * dt) for i in range(n)) / n


@dataclass(frozen=True)
class _SteadyRate(Source):
    """A source whose intended rate never changes."""

    rate: float

    def __post_init__(self) -> None:
        rate("rate", self.rate, why="requests per second; 0 means silence")

    def rate_at(self, t: float) -> float:
        _time(t)
        return float(self.rate)


@dataclass(frozen=True)
class Poisson(_SteadyRate):
    """Independent arrivals at `rate` per second on average (exponential gaps).

    >>> ts = list(Poisson(rate=10).times(until=100, rng=random.Random(1)))
    >>> 900 < len(ts) < 1100
    True
    """

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return self._times(_horizon(until), _rng(rng))

    def _times(self, until: float, rng: random.Random) -> Iterator[float]:
        if self.rate == 0:
            return
        t, uniform, log, rate = 0.0, rng.random, math.log, self.rate
        while True:
            t -= log(1.0 - uniform()) / rate  # an exponential gap, as random.expovariate draws it
            if t >= until:
                return
            yield t


@dataclass(frozen=True)
class ConstantRate(_SteadyRate):
    """Perfectly regular arrivals, one every `1 / rate` seconds, the first at `1 / rate`.

    >>> list(ConstantRate(rate=2).times(until=2, rng=random.Random(0)))
    [0.5, 1.0, 1.5]
    """

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return self._times(_horizon(until), _rng(rng))

    def _times(self, until: float, rng: random.Random) -> Iterator[float]:
        if self.rate == 0:
            return
        gap, k = 1.0 / self.rate, 1
        while k * gap < until:
            yield k * gap
            k += 1


@dataclass(frozen=True)
class TimeVarying(Source):
    """Poisson arrivals whose rate follows `rate_fn(t)`, drawn by thinning.

    `peak` must bound `rate_fn` from above; it is checked as arrivals are drawn.

    >>> src = TimeVarying(lambda t: 5.0 if t < 10 else 0.0, peak=5.0)
    >>> max(src.times(until=20, rng=random.Random(0))) < 10
    True
    """

    rate_fn: Callable[[float], float]
    peak: float

    def __post_init__(self) -> None:
        function("rate_fn", self.rate_fn, example="rate_fn=lambda t: 5.0 if t < 10 else 1.0")
        rate("peak", self.peak, why="the highest rate rate_fn ever returns, in requests per second")

    def rate_at(self, t: float) -> float:
        return float(self.rate_fn(_time(t)))

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return self._times(_horizon(until), _rng(rng))

    def _times(self, until: float, rng: random.Random) -> Iterator[float]:
        if self.peak == 0:
            return
        t, peak, rate_fn = 0.0, self.peak, self.rate_fn
        ceiling = peak * (1 + 1e-9)
        while True:
            t += rng.expovariate(peak)
            if t >= until:
                return
            now_rate = rate_fn(t)
            try:
                ok = 0 <= now_rate <= ceiling
            except TypeError:
                ok = False
            if not ok:
                why = f"rate_fn({t:.3g}) must lie within [0, peak={peak:g}]: raise peak if it is higher"
                number("rate_fn", now_rate, minimum=0, maximum=peak, why=why)
            if rng.random() * peak < now_rate:
                yield t


@dataclass(frozen=True)
class OnOff(Source):
    """Bursty traffic: `on_rate` for `on` seconds, then `off_rate` for `off` seconds, repeating.

    >>> src = OnOff(on_rate=100, on=1, off=4)
    >>> src.rate_at(0.5), src.rate_at(2.0), src.mean_rate(10)
    (100.0, 0.0, 20.0)
    """

    on_rate: float
    on: float
    off: float
    off_rate: float = 0.0

    def __post_init__(self) -> None:
        rate("on_rate", self.on_rate, why="requests per second while on")
        rate("off_rate", self.off_rate, why="requests per second while off")
        duration("on", self.on, positive=True, why="seconds of each burst")
        duration("off", self.off, positive=True, why="seconds between bursts")

    def rate_at(self, t: float) -> float:
        return self._rate_at(_time(t))

    def _rate_at(self, t: float) -> float:
        phase = t % (self.on + self.off)
        return float(self.on_rate if phase < self.on else self.off_rate)

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return TimeVarying(self._rate_at, max(self.on_rate, self.off_rate)).times(until, rng)


@dataclass(frozen=True)
class Spike(Source):
    """A steady `base` rate with one spike to `peak` during `[start, start + duration)`.

    >>> Spike(base=10, peak=100, start=5, duration=2).rate_at(6)
    100.0
    """

    base: float
    peak: float
    start: float
    duration: float

    def __post_init__(self) -> None:
        rate("base", self.base, why="requests per second outside the spike")
        rate("peak", self.peak, why="requests per second during the spike")
        duration("start", self.start, why="when the spike begins, in simulated seconds")
        duration("duration", self.duration, positive=True, why="how long the spike lasts, in seconds")

    def rate_at(self, t: float) -> float:
        return self._rate_at(_time(t))

    def _rate_at(self, t: float) -> float:
        return float(self.peak if self.start <= t < self.start + self.duration else self.base)

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return TimeVarying(self._rate_at, max(self.base, self.peak)).times(until, rng)


@dataclass(frozen=True)
class RushHour(Source):
    """A `base` rate that swells smoothly to `peak` around time `at` (a 9:00 rush), `width` wide.

    The bump is a bell curve: `base + (peak - base) * exp(-((t - at) / width)**2 / 2)`.

    >>> RushHour(base=10, peak=50, at=60, width=10).rate_at(60)
    50.0
    >>> RushHour(base=10, peak=50, at=float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: at must be a number from 0 to 1e+06 (got nan): the middle of the rush, in simulated seconds
    """

    base: float
    peak: float
    at: float
    width: float = field(default=10.0)

    def __post_init__(self) -> None:
        rate("base", self.base, why="requests per second away from the rush")
        rate("peak", self.peak, why="requests per second at the height of the rush")
        duration("at", self.at, why="the middle of the rush, in simulated seconds")
        duration("width", self.width, positive=True, why="how wide the rush is, in seconds (one standard deviation)")

    def rate_at(self, t: float) -> float:
        return self._rate_at(_time(t))

    def _rate_at(self, t: float) -> float:
        bump = math.exp(-(((t - self.at) / self.width) ** 2) / 2)
        return float(self.base + (self.peak - self.base) * bump)

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return TimeVarying(self._rate_at, max(self.base, self.peak)).times(until, rng)


def arrival_times(source: Source, until: float, seed: int = 0) -> list[float]:
    """All arrival times of `source` in `[0, until)`, drawn with `seed` (at most 10 million of them).

    >>> arrival_times(ConstantRate(rate=1), until=3)
    [1.0, 2.0]
    """
    instance("source", source, Source, example="source=Poisson(rate=10)")
    end = validate.until(until)
    times = source.times(end, stream(seed, "arrivals"))
    return items(
        "source", times, maximum=MAX_COUNT, why="that many arrivals do not fit: shorten until or lower the rate"
    )
