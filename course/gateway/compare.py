"""Compare rate limiters on the same request times: how many each admits, and how bunched up."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .rate_limit import RateLimiter

__all__ = ["LimiterOutcome", "busiest_window", "compare_limiters"]


def busiest_window(accepted: Sequence[float], window: float = 1.0) -> int:
    """The most accepted requests in any half-open window `(t - window, t]` (times ascending).

    >>> busiest_window([0.999] * 3 + [1.0] * 3, window=1.0)
    6
    >>> busiest_window([0.0, 1.0, 2.0], window=1.0)
    1
    """
    return max((bisect_right(accepted, t) - bisect_right(accepted, t - window) for t in accepted), default=0)


@dataclass(frozen=True)
class LimiterOutcome:
    """What one limiter did with a list of request times: `accepted` times, their count, the busiest window."""

    name: str
    accepted: tuple[float, ...]
    busiest: int

    @property
    def admitted(self) -> int:
        return len(self.accepted)

    def __repr__(self) -> str:
        return f"LimiterOutcome({self.name}: admitted={self.admitted}, busiest {self.busiest} in one window)"


def compare_limiters(
    times: Sequence[float], limiters: Iterable[RateLimiter], window: float = 1.0
) -> list[LimiterOutcome]:
    """Run each limiter (a fresh copy) over the same ascending request `times` from one client.

    >>> from course.gateway import FixedWindow, SlidingWindowLog
    >>> burst = [0.999] * 100 + [1.0] * 100
    >>> [o.admitted for o in compare_limiters(burst, [FixedWindow(100, 1.0), SlidingWindowLog(100, 1.0)])]
    [200, 100]
    """
    outcomes = []
    for limiter in limiters:
        fresh = limiter.fresh()
        accepted = tuple(t for t in times if fresh.allow(t))
        outcomes.append(LimiterOutcome(fresh.name, accepted, busiest_window(accepted, window)))
    return outcomes
