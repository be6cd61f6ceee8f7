"""Service-time distributions: how long one piece of work takes.

Each is a small value object that validates itself, prints as its definition and
draws from a `random.Random` you pass in, so the caller owns the seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from .validate import MAX_COUNT, duration, instance, number, rate, whole

__all__ = ["Constant", "Distribution", "Exponential", "LogNormal", "Uniform", "as_distribution"]


def _not_a_stream(rng: object) -> NoReturn:
    instance("rng", rng, random.Random, example='rng=course.sim.stream(seed, "service")')
    raise AssertionError("unreachable: instance() accepted something without the Random methods")


class Distribution:
    """Base for service-time distributions: `sample(rng)` draws one value, `mean` is its average.

    A subclass defines `sample` (and `mean`); `sample_many` is here for all of them.
    """

    if TYPE_CHECKING:  # each distribution defines `mean` (a property, or a field for LogNormal)

        @property
        def mean(self) -> float: ...

    def sample(self, rng: random.Random) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def sample_many(self, rng: random.Random, n: int) -> list[float]:
        """`n` draws, the same values as `n` calls of `sample(rng)` (subclasses make it faster).

        >>> Constant(0.5).sample_many(random.Random(0), 3)
        [0.5, 0.5, 0.5]
        """
        whole("n", n, maximum=MAX_COUNT, why="how many times to draw")
        if not isinstance(rng, random.Random):
            _not_a_stream(rng)
        return [self.sample(rng) for _ in range(n)]


@dataclass(frozen=True)
class Exponential(Distribution):
    """Memoryless times with average `1 / rate` (the M in M/M/c).

    >>> Exponential(rate=2.0).mean
    0.5
    >>> round(Exponential(rate=2.0).sample(random.Random(0)), 3)
    0.93
    """

    rate: float

    def __post_init__(self) -> None:
        rate("rate", self.rate, positive=True, why="an exponential needs a rate above zero, e.g. rate=2.0 for 0.5 s")

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    def sample(self, rng: random.Random) -> float:
        try:
            return rng.expovariate(self.rate)
        except AttributeError:
            _not_a_stream(rng)

    def sample_many(self, rng: random.Random, n: int) -> list[float]:
        whole("n", n, maximum=MAX_COUNT, why="how many times to draw")
        if not isinstance(rng, random.Random):
            _not_a_stream(rng)
        uniform, log, rate = rng.random, math.log, self.rate
        return [-log(1.0 - uniform()) / rate for _ in range(n)]  # what expovariate computes


@dataclass(frozen=True)
class Constant(Distribution):
    """Every piece of work takes exactly `value` seconds.

    >>> Constant(0.1).sample(random.Random(0))
    0.1
    """

    value: float

    def __post_init__(self) -> None:
        duration("value", self.value, positive=True, why="a constant service time must take some time, e.g. 0.05")

    @property
    def mean(self) -> float:
        return float(self.value)

    def sample(self, rng: random.Random) -> float:
        if not isinstance(rng, random.Random):
            _not_a_stream(rng)
        return float(self.value)

    def sample_many(self, rng: random.Random, n: int) -> list[float]:
        whole("n", n, maximum=MAX_COUNT, why="how many times to draw")
        if not isinstance(rng, random.Random):
            _not_a_stream(rng)
        return [float(self.value)] * n


@dataclass(frozen=True)
class Uniform(Distribution):
    """Times spread evenly between `low` and `high` seconds.

    >>> Uniform(0.1, 0.3).mean
    0.2
    >>> Uniform(0.3, 0.1)
    Traceback (most recent call last):
    ...
    ValueError: high must be a number above 0.3 and at most 1e+06 (got 0.1): the longest time, above low=0.3
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        low = duration("low", self.low, why="the shortest time, in seconds")
        number("high", self.high, above=low, maximum=1e6, why=f"the longest time, above low={self.low!r}")

    @property
    def mean(self) -> float:
        return round((self.low + self.high) / 2, 12)

    def sample(self, rng: random.Random) -> float:
        try:
            return rng.uniform(self.low, self.high)
        except AttributeError:
            _not_a_stream(rng)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Right-skewed times with average `mean` and coefficient of variation `cv` (std / mean).

    Real request costs look like this: most are quick, a few are very slow.

    >>> LogNormal(mean=0.2, cv=1.0).mean
    0.2
    """

    mean: float
    cv: float = 1.0

    def __post_init__(self) -> None:
        duration("mean", self.mean, positive=True, why="the average service time must be above zero")
        number("cv", self.cv, minimum=0, maximum=100, why="0 means every job takes the mean")

    def sample(self, rng: random.Random) -> float:
        if self.cv == 0:
            if not isinstance(rng, random.Random):
                _not_a_stream(rng)
            return float(self.mean)
        sigma2 = math.log1p(self.cv * self.cv)
        mu = math.log(self.mean) - sigma2 / 2
        try:
            return rng.lognormvariate(mu, math.sqrt(sigma2))
        except AttributeError:
            _not_a_stream(rng)


def as_distribution(value: Distribution | float, *, name: str = "value") -> Distribution:
    """Accept a distribution, or a plain number of seconds meaning a constant time.

    `name` is the argument the caller's user passed (`service`, say), so a refusal names it.

    >>> as_distribution(0.25)
    Constant(value=0.25)
    >>> as_distribution("fast", name="service")
    Traceback (most recent call last):
    ...
    ValueError: service must be a Distribution or an int or a float (got 'fast'): for example Exponential(rate=10)
    """
    instance("name", name, str, example='name="service"')
    if isinstance(value, Distribution):
        return value
    instance(name, value, (Distribution, int, float), example="Exponential(rate=10)")
    return Constant(duration(name, value, positive=True, why="a constant service time must take some time"))
