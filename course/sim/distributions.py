"""Service-time distributions: how long one piece of work takes.

Each is a small value object that validates itself, prints as its definition and
draws from a `random.Random` you pass in, so the caller owns the seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = ["Constant", "Distribution", "Exponential", "LogNormal", "Uniform", "as_distribution"]


def _positive(name: str, value: float, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive number (got {value!r}): {what}")


class Distribution:
    """Base for service-time distributions: `sample(rng)` draws one value, `mean` is its average."""

    mean: float

    def sample(self, rng: random.Random) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def sample_many(self, rng: random.Random, n: int) -> list[float]:
        """`n` draws, the same values as `n` calls of `sample(rng)` (subclasses make it faster)."""
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

    def __post_init__(self):
        _positive("rate", self.rate, "an exponential needs a rate above zero, e.g. rate=2.0 for 0.5 s on average")

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(self.rate)

    def sample_many(self, rng: random.Random, n: int) -> list[float]:
        uniform, log, rate = rng.random, math.log, self.rate
        return [-log(1.0 - uniform()) / rate for _ in range(n)]  # what expovariate computes


@dataclass(frozen=True)
class Constant(Distribution):
    """Every piece of work takes exactly `value` seconds.

    >>> Constant(0.1).sample(random.Random(0))
    0.1
    """

    value: float

    def __post_init__(self):
        _positive("value", self.value, "a constant service time must take some time, e.g. Constant(0.05)")

    @property
    def mean(self) -> float:
        return float(self.value)

    def sample(self, rng: random.Random) -> float:
        return float(self.value)


@dataclass(frozen=True)
class Uniform(Distribution):
    """Times spread evenly between `low` and `high` seconds.

    >>> Uniform(0.1, 0.3).mean
    0.2
    """

    low: float
    high: float

    def __post_init__(self):
        if not (isinstance(self.low, (int, float)) and self.low >= 0):
            raise ValueError(f"low must be zero or more seconds (got {self.low!r})")
        if not (isinstance(self.high, (int, float)) and self.high > self.low):
            raise ValueError(f"high must be above low={self.low!r} (got {self.high!r})")

    @property
    def mean(self) -> float:
        return round((self.low + self.high) / 2, 12)

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Right-skewed times with average `mean` and coefficient of variation `cv` (std / mean).

    Real request costs look like this: most are quick, a few are very slow.

    >>> LogNormal(mean=0.2, cv=1.0).mean
    0.2
    """

    mean: float
    cv: float = 1.0

    def __post_init__(self):
        _positive("mean", self.mean, "the average service time must be above zero")
        if not (isinstance(self.cv, (int, float)) and 0 <= self.cv <= 100):
            raise ValueError(f"cv must be between 0 and 100 (got {self.cv!r}): 0 means every job takes the mean")

    def sample(self, rng: random.Random) -> float:
        if self.cv == 0:
            return float(self.mean)
        sigma2 = math.log1p(self.cv * self.cv)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormvariate(mu, math.sqrt(sigma2))


def as_distribution(value: Distribution | float) -> Distribution:
    """Accept a distribution, or a plain number meaning a constant time.

    >>> as_distribution(0.25)
    Constant(value=0.25)
    """
    if isinstance(value, Distribution):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Constant(value)
    raise TypeError(f"expected a distribution such as Exponential(rate=10) or a number of seconds (got {value!r})")
