"""The gateway's clock: times in seconds are counted in whole nanoseconds, so boundaries are exact.

Floats cannot hold 0.1 exactly, so `0.3 % 0.1` is `0.0999...`, not 0. Real rate limiters count
integer clock ticks for the same reason (nginx counts milliseconds). Every component of
`course.gateway` turns `now` into whole nanoseconds first; then "a request at exactly 0.3 s opens
the fourth window of 0.1 s" holds, as it does on paper.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["TICKS_PER_SECOND", "seconds", "ticks"]

TICKS_PER_SECOND = 1_000_000_000  # one tick is one nanosecond


def ticks(now: float, name: str = "now") -> int:
    """Turn `now` seconds into whole nanoseconds (rounded to the nearest one).

    >>> ticks(0.3) - ticks(0.2) == ticks(0.1)
    True
    >>> ticks(1.5)
    1500000000
    """
    kind = type(now)
    if kind is float and now - now == 0:  # the common case; `now - now` is NaN for inf and NaN
        return round(now * TICKS_PER_SECOND)
    if kind is int:
        return now * TICKS_PER_SECOND
    if isinstance(now, numbers.Real) and not isinstance(now, bool) and math.isfinite(now):
        return round(float(now) * TICKS_PER_SECOND)  # numpy numbers and other real types
    raise ValueError(f"{name} must be a finite number of seconds (got {now!r}), e.g. {name}=1.5")


def seconds(count: int) -> float:
    """Turn whole nanoseconds back into seconds.

    >>> seconds(250_000_000)
    0.25
    """
    return count / TICKS_PER_SECOND


def duration(value: float, name: str, what: str, zero_ok: bool = False) -> int:
    """Validate a span of time in seconds and return it in nanoseconds (at least one tick)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and (value > 0 or (zero_ok and value == 0)):
        count = round(value * TICKS_PER_SECOND)
        if count >= 1 or (zero_ok and value == 0):
            return count
    least = "zero or more" if zero_ok else "a positive number of"
    raise ValueError(f"{name} must be {least} seconds (got {value!r}): {what}")
