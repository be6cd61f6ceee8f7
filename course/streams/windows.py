"""Window assignment with Flink's rules: tumbling, sliding, session and count windows.

A time window is half-open, `[start, end)`: an event at exactly `end` belongs to the next
window. Use whole numbers (seconds or milliseconds) for exact edges; floats work too, but
inherit floating-point rounding right at an edge (`0.3` is not exactly three tenths).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real

__all__ = [
    "Count",
    "Session",
    "Sliding",
    "Tumbling",
    "Window",
    "count_window",
    "session_windows",
    "sliding_windows",
    "tumbling_window",
]

Window = tuple[float, float]  # (start, end): start included, end excluded


def _time(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of seconds (got {value!r})")
    return value  # type: ignore[return-value]


def _positive(name: str, value: object, why: str) -> float:
    _time(name, value)
    if not value > 0:  # type: ignore[operator]
        raise ValueError(f"{name} must be a positive number of seconds (got {value!r}): {why}")
    return value  # type: ignore[return-value]


def _start(ts: float, offset: float, size: float) -> float:
    """The start of the window of `size` (aligned to `offset`) that holds `ts`: ts - (ts - offset) mod size."""
    if not any(isinstance(x, float) for x in (ts, offset, size)):
        return ts - (ts - offset) % size  # exact for ints and fractions; Python's % is a floored mod
    start = offset + math.floor((ts - offset) / size) * size  # the same value, with less float rounding
    if start > ts:
        start -= size
    elif start + size <= ts:
        start += size
    return start


def tumbling_window(ts: float, size: float, offset: float = 0) -> Window:
    """The one tumbling window `[start, start + size)` holding `ts`, where `start = ts - (ts - offset) mod size`.

    The mod is a floored one (Python's `%`), so negative timestamps work, as in Flink's
    `TimeWindow.getWindowStartWithOffset`. Like Flink, `offset` must be smaller than `size`
    in absolute value.

    Taught in lessons/04_streams.ipynb.

    >>> tumbling_window(61, size=60)
    (60, 120)
    >>> tumbling_window(60, size=60), tumbling_window(59, size=60)
    ((60, 120), (0, 60))
    >>> tumbling_window(-1, size=60), tumbling_window(61, size=60, offset=-15)
    ((-60, 0), (45, 105))
    """
    _time("ts", ts)
    _positive("size", size, "a window must last some time, e.g. size=60 for one minute")
    _time("offset", offset)
    if not abs(offset) < size:
        raise ValueError(
            f"offset must be smaller than size in absolute value (got offset={offset!r}, size={size!r}): "
            "Flink's rule; an offset of size (or more) gives the same windows as offset mod size"
        )
    start = _start(ts, offset, size)
    return (start, start + size)


def sliding_windows(ts: float, size: float, slide: float, offset: float = 0) -> list[Window]:
    """Every sliding window `[start, start + size)` that holds `ts`, with a new window every `slide`, sorted by start.

    Flink's `SlidingEventTimeWindows`: the last window starts at `tumbling_window(ts, slide,
    offset)[0]`, and earlier ones every `slide` before it while they still reach past `ts`.
    Flink also allows `slide > size` (gaps between windows); here that is refused as a
    likely mistake.

    Taught in lessons/04_streams.ipynb.

    >>> sliding_windows(7, size=10, slide=5)
    [(0, 10), (5, 15)]
    >>> sliding_windows(5, size=10, slide=5)
    [(0, 10), (5, 15)]
    >>> sliding_windows(-3, size=10, slide=5)
    [(-10, 0), (-5, 5)]
    """
    _time("ts", ts)
    _positive("size", size, "a window must last some time, e.g. size=60 for one minute")
    _positive("slide", slide, "a new window starts every `slide` seconds, e.g. slide=10")
    _time("offset", offset)
    if slide > size:
        raise ValueError(
            f"slide ({slide!r}) must not be larger than size ({size!r}): events between windows would "
            "belong to none; use slide <= size (slide == size is a tumbling window)"
        )
    if not abs(offset) < slide:
        raise ValueError(
            f"offset must be smaller than slide in absolute value (got offset={offset!r}, slide={slide!r}): "
            "Flink's rule"
        )
    last = _start(ts, offset, slide)
    windows = []
    k = 0
    while True:
        start = last - k * slide
        if not start > ts - size:
            break
        windows.append((start, start + size))
        k += 1
    return windows[::-1]


def session_windows(timestamps: Iterable[float], gap: float) -> list[Window]:
    """Session windows of one key: events at most `gap` apart share a session `[first, last + gap)`.

    As in Flink, each event starts a window `[ts, ts + gap)` and windows that overlap or
    merely touch are merged, so two events exactly `gap` apart are in one session. Any
    arrival order gives the same sessions, sorted by start.

    Taught in lessons/04_streams.ipynb.

    >>> session_windows([1, 2, 10], gap=3)
    [(1, 5), (10, 13)]
    >>> session_windows([10, 1, 4], gap=3)   # 1 and 4 are exactly 3 apart: one session
    [(1, 7), (10, 13)]
    >>> session_windows([], gap=3)
    []
    """
    _positive("gap", gap, "a session closes after `gap` seconds without events, e.g. gap=30")
    times = sorted(_time("timestamp", t) for t in timestamps)
    sessions: list[list[float]] = []
    for t in times:
        if sessions and sessions[-1][1] >= t:  # [t, t + gap) touches or overlaps the open session
            sessions[-1][1] = max(sessions[-1][1], t + gap)
        else:
            sessions.append([t, t + gap])
    return [(s, e) for s, e in sessions]


def count_window(index: int, size: int) -> tuple[int, int]:
    """The count window of the `index`-th event of a key (0-based): events `[n * size, (n + 1) * size)`.

    A count window fires when its `size`-th event arrives, whatever the time (Flink's
    `countWindow(size)`); an unfinished one never fires.

    >>> count_window(0, size=3), count_window(3, size=3)
    ((0, 3), (3, 6))
    """
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"index must be a whole number of 0 or more (got {index!r}): events are counted from 0")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a whole number of at least 1 (got {size!r}): events per count window")
    start = index - index % size
    return (start, start + size)


@dataclass(frozen=True)
class Tumbling:
    """Fixed, non-overlapping windows of `size` seconds (see `tumbling_window`).

    >>> Tumbling(60).windows(61)
    [(60, 120)]
    """

    size: float
    offset: float = 0

    def __post_init__(self):
        tumbling_window(0, self.size, self.offset)  # validates

    def windows(self, ts: float) -> list[Window]:
        """The windows that hold an event at `ts`."""
        return [tumbling_window(ts, self.size, self.offset)]


@dataclass(frozen=True)
class Sliding:
    """Windows of `size` seconds, a new one every `slide` seconds (see `sliding_windows`).

    >>> Sliding(10, 5).windows(7)
    [(0, 10), (5, 15)]
    """

    size: float
    slide: float
    offset: float = 0

    def __post_init__(self):
        sliding_windows(0, self.size, self.slide, self.offset)  # validates

    def windows(self, ts: float) -> list[Window]:
        """The windows that hold an event at `ts`."""
        return sliding_windows(ts, self.size, self.slide, self.offset)


@dataclass(frozen=True)
class Session:
    """Per-key sessions that close after `gap` seconds without events (see `session_windows`).

    >>> Session(30).windows(100)
    [(100, 130)]
    """

    gap: float

    def __post_init__(self):
        _positive("gap", self.gap, "a session closes after `gap` seconds without events, e.g. gap=30")

    def windows(self, ts: float) -> list[Window]:
        """The window an event at `ts` opens before merging: `[ts, ts + gap)`."""
        return [(ts, ts + self.gap)]


@dataclass(frozen=True)
class Count:
    """Per-key windows of `size` events that fire on their last event (see `count_window`).

    >>> Count(3)
    Count(size=3)
    """

    size: int

    def __post_init__(self):
        count_window(0, self.size)  # validates
