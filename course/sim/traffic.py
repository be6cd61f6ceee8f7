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

__all__ = ["ConstantRate", "OnOff", "Poisson", "RushHour", "Source", "Spike", "TimeVarying", "arrival_times"]


def _rate(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or math.isinf(value):
        raise ValueError(f"{name} must be zero or more requests per second (got {value!r})")


def _duration(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive number of seconds (got {value!r})")


class Source:
    """Base for traffic sources: `rate_at(t)` is the intended rate, `times` the arrivals."""

    def rate_at(self, t: float) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def times(self, until: float, rng: random.Random) -> Iterator[float]:  # pragma: no cover
        raise NotImplementedError

    def mean_rate(self, until: float, steps: int = 1000) -> float:
        """Average intended rate over `[0, until)` (a midpoint sum)."""
        dt = until / steps
        return sum(self.rate_at((i + 0.5) * dt) for i in range(steps)) / steps


@dataclass(frozen=True)
class _SteadyRate(Source):
    """A source whose intended rate never changes."""

    rate: float

    def __post_init__(self):
        _rate("rate", self.rate)

    def rate_at(self, t: float) -> float:
        return float(self.rate)


@dataclass(frozen=True)
class Poisson(_SteadyRate):
    """Independent arrivals at `rate` per second on average (exponential gaps).

    >>> ts = list(Poisson(rate=10).times(until=100, rng=random.Random(1)))
    >>> 900 < len(ts) < 1100
    True
    """

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
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

    def __post_init__(self):
        _rate("peak", self.peak)

    def rate_at(self, t: float) -> float:
        return float(self.rate_fn(t))

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        if self.peak == 0:
            return
        t, peak = 0.0, self.peak
        while True:
            t += rng.expovariate(peak)
            if t >= until:
                return
            rate = self.rate_at(t)
            if rate > peak * (1 + 1e-9) or rate < 0:
                raise ValueError(f"rate_fn({t:.3g}) = {rate:.3g} lies outside [0, peak={peak:g}]: raise peak")
            if rng.random() * peak < rate:
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

    def __post_init__(self):
        _rate("on_rate", self.on_rate)
        _rate("off_rate", self.off_rate)
        _duration("on", self.on)
        _duration("off", self.off)

    def rate_at(self, t: float) -> float:
        phase = t % (self.on + self.off)
        return float(self.on_rate if phase < self.on else self.off_rate)

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return TimeVarying(self.rate_at, max(self.on_rate, self.off_rate)).times(until, rng)


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

    def __post_init__(self):
        _rate("base", self.base)
        _rate("peak", self.peak)
        if not (isinstance(self.start, (int, float)) and self.start >= 0):
            raise ValueError(f"start must be zero or more seconds (got {self.start!r})")
        _duration("duration", self.duration)

    def rate_at(self, t: float) -> float:
        return float(self.peak if self.start <= t < self.start + self.duration else self.base)

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return TimeVarying(self.rate_at, max(self.base, self.peak)).times(until, rng)


@dataclass(frozen=True)
class RushHour(Source):
    """A `base` rate that swells smoothly to `peak` around time `at` (a 9:00 rush), `width` wide.

    The bump is a bell curve: `base + (peak - base) * exp(-((t - at) / width)**2 / 2)`.

    >>> RushHour(base=10, peak=50, at=60, width=10).rate_at(60)
    50.0
    """

    base: float
    peak: float
    at: float
    width: float = field(default=10.0)

    def __post_init__(self):
        _rate("base", self.base)
        _rate("peak", self.peak)
        _duration("width", self.width)

    def rate_at(self, t: float) -> float:
        bump = math.exp(-(((t - self.at) / self.width) ** 2) / 2)
        return float(self.base + (self.peak - self.base) * bump)

    def times(self, until: float, rng: random.Random) -> Iterator[float]:
        return TimeVarying(self.rate_at, max(self.base, self.peak)).times(until, rng)


def arrival_times(source: Source, until: float, seed: int = 0) -> list[float]:
    """All arrival times of `source` in `[0, until)`, drawn with `seed`.

    >>> arrival_times(ConstantRate(rate=1), until=3)
    [1.0, 2.0]
    """
    from .kernel import stream

    _duration("until", until)
    return list(source.times(until, stream(seed, "arrivals")))
