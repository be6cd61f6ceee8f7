"""Compare rate limiters on the same request times: how many each admits, and how bunched up.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..sim.validate import MAX_UNTIL, instance, number
from .rate_limit import RateLimiter

__all__ = ["LimiterOutcome", "busiest_window", "compare_limiters"]


def _times(name: str, values: object) -> list[float]:
    """`values` as a list if they are ascending times in simulated seconds, else say what is wrong."""
    if not isinstance(values, (list, tuple)):
        raise ValueError(f"{name} must be a list of times in seconds, in ascending order (got {values!r})")
    times = [
        number(name, t, minimum=0.0, maximum=MAX_UNTIL, why="each one a time in simulated seconds") for t in values
    ]
    for a, b in itertools.pairwise(times):
        if b < a:
            raise ValueError(f"{name} must be in ascending order (got {b!r} after {a!r}): sort them first")
    return times


def busiest_window(accepted: Sequence[float], window: float = 1.0) -> int:
    """The most accepted requests in any half-open window `(t - window, t]` (times ascending).

    >>> busiest_window([0.999] * 3 + [1.0] * 3, window=1.0)
    6
    >>> busiest_window([0.0, 1.0, 2.0], window=1.0)
    1
    >>> busiest_window([0.0, 1.0], window=0)
    Traceback (most recent call last):
    ...
    ValueError: window must be a positive number of at most 1e+06 (got 0): the span of time to count in, in seconds
    """
    window = number("window", window, positive=True, maximum=MAX_UNTIL, why="the span of time to count in, in seconds")
    times = _times("accepted", accepted)
    return max((bisect_right(times, t) - bisect_right(times, t - window) for t in times), default=0)


@dataclass(frozen=True)
class LimiterOutcome:
    """What one limiter did with a list of request times: `accepted` times, their count, the busiest window."""

    name: str
    accepted: tuple[float, ...]
    busiest: int

    @property
    def admitted(self) -> int:
        """How many requests the limiter let through."""
        return len(self.accepted)

    def __repr__(self) -> str:
        return f"LimiterOutcome({self.name}: admitted={self.admitted}, busiest {self.busiest} in one window)"


def compare_limiters(
    times: Sequence[float], limiters: Iterable[RateLimiter], window: float = 1.0
) -> list[LimiterOutcome]:
    """Run each limiter (a fresh copy) over the same ascending request `times` from one client,
    and count the busiest `window` seconds of what each admitted.

    >>> from course.gateway import FixedWindow, SlidingWindowLog
    >>> burst = [0.999] * 100 + [1.0] * 100
    >>> [o.admitted for o in compare_limiters(burst, [FixedWindow(100, 1.0), SlidingWindowLog(100, 1.0)])]
    [200, 100]
    """
    checked = _times("times", times)
    window = number("window", window, positive=True, maximum=MAX_UNTIL, why="the span of time to count in, in seconds")
    if not isinstance(limiters, (list, tuple)) or not limiters:
        raise ValueError(f"limiters must be a list of rate limiters (got {limiters!r}): e.g. [FixedWindow(100, 1.0)]")
    for limiter in limiters:
        instance("limiters", limiter, RateLimiter, example="[TokenBucket(100, 100), FixedWindow(100, 1.0)]")
    outcomes = []
    for limiter in limiters:
        fresh = limiter.fresh()
        accepted = tuple(t for t in checked if fresh.allow(t))
        outcomes.append(LimiterOutcome(fresh.name, accepted, busiest_window(list(accepted), window)))
    return outcomes
