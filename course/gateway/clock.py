"""The gateway's clock: times in seconds are counted in whole nanoseconds, so boundaries are exact.

Floats cannot hold 0.1 exactly, so `0.3 % 0.1` is `0.0999...`, not 0. Real rate limiters count
integer clock ticks for the same reason (nginx counts milliseconds). Every component of
`course.gateway` turns `now` into whole nanoseconds first; then "a request at exactly 0.3 s opens
the fourth window of 0.1 s" holds, as it does on paper.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from ..sim.validate import MAX_UNTIL, number

__all__ = ["TICKS_PER_SECOND", "seconds", "span", "ticks"]

TICKS_PER_SECOND = 1_000_000_000  # one tick is one nanosecond


def ticks(now: float, name: str = "now") -> int:
    """Turn `now` seconds (from 0 to `course.sim.validate.MAX_UNTIL`) into whole nanoseconds, rounded.

    >>> ticks(0.3) - ticks(0.2) == ticks(0.1)
    True
    >>> ticks(1.5)
    1500000000
    >>> ticks(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: now must be a number from 0 to 1e+06 (got nan): a time in simulated seconds
    """
    kind = type(now)
    if kind is float or kind is int:  # the common case, checked without a call
        if 0 <= now <= MAX_UNTIL:  # False for NaN
            return round(now * TICKS_PER_SECOND)
    value = number(name, now, minimum=0.0, maximum=MAX_UNTIL, why="a time in simulated seconds")
    return round(value * TICKS_PER_SECOND)  # numpy numbers and other real types


def span(name: str, value: float, why: str) -> int:
    """A positive span of time in seconds (at least one nanosecond), validated, in whole nanoseconds.

    >>> span("window", 0.1, "one window")
    100000000
    """
    seconds = number(name, value, minimum=1 / TICKS_PER_SECOND, maximum=MAX_UNTIL, why=why)
    return max(1, round(seconds * TICKS_PER_SECOND))


def seconds(count: int) -> float:
    """Turn whole nanoseconds back into seconds.

    >>> seconds(250_000_000)
    0.25
    """
    return count / TICKS_PER_SECOND
