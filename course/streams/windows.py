"""Window assignment with Flink's rules: tumbling, sliding, session and count windows.

A time window is half-open, `[start, end)`: an event at exactly `end` belongs to the next
window. Use whole numbers (seconds or milliseconds) for exact edges; floats work too, but
inherit floating-point rounding right at an edge (`0.3` is not exactly three tenths).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from course.sim.validate import choice, instance, number, whole

__all__ = [
    "WINDOW_KINDS",
    "Count",
    "Session",
    "Sliding",
    "Tumbling",
    "Window",
    "assigner_for",
    "count_window",
    "describe",
    "session_windows",
    "sliding_windows",
    "tumbling_window",
]

Window = tuple[float, float]  # (start, end): start included, end excluded


WINDOW_KINDS = ("tumbling", "sliding", "session", "count")
MAX_OVERLAP = 1_000  # the most sliding windows one event may belong to (size / slide)
_TIME_LIMIT = 1e12  # seconds either side of 0: beyond any timestamp, and small enough to keep float edges exact


def _time(name: str, value: object) -> float:
    """A timestamp or offset: any finite number of seconds (kept as given, so whole numbers stay exact)."""
    number(name, value, minimum=-_TIME_LIMIT, maximum=_TIME_LIMIT, why="a time in seconds")
    return value  # type: ignore[return-value]


def _positive(name: str, value: object, why: str) -> float:
    """A length of time: a positive number of seconds (kept as given)."""
    number(name, value, positive=True, maximum=_TIME_LIMIT, why=why)
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
            f"offset must be smaller than size={size!r} in absolute value (got {offset!r}): "
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
    number(
        "slide",
        slide,
        positive=True,
        maximum=size,  # type: ignore[arg-type]
        why=f"a new window starts every `slide` seconds, at most size={size!r} (events between windows would "
        "belong to none; slide == size is a tumbling window)",
    )
    if size / slide > MAX_OVERLAP:
        raise ValueError(
            f"slide must be at least size / {MAX_OVERLAP:,} = {size / MAX_OVERLAP:g} (got {slide!r}): "
            f"each event would belong to more than {MAX_OVERLAP:,} windows"
        )
    _time("offset", offset)
    if not abs(offset) < slide:
        raise ValueError(
            f"offset must be smaller than slide={slide!r} in absolute value (got {offset!r}): Flink's rule"
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
    if isinstance(timestamps, (str, bytes)) or not isinstance(timestamps, Iterable):
        raise ValueError(f"timestamps must be a list of times in seconds (got {timestamps!r}): e.g. [1, 2, 10]")
    times = sorted(_time("timestamps", t) for t in timestamps)
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
    whole("index", index, maximum=10**15, why="events are counted from 0")
    whole("size", size, minimum=1, why="events per count window")
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
        _time("ts", ts)
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


def assigner_for(kind: str, size: float) -> Tumbling | Sliding | Session | Count:
    """The window of `kind` with one length knob, as the lesson's lab offers it: tumbling windows of `size`
    seconds, sliding windows of `size` seconds every `size / 2`, sessions with a gap of `size` seconds, or
    count windows of `size` events.

    >>> assigner_for("sliding", 10)
    Sliding(size=10, slide=5.0, offset=0)
    >>> assigner_for("count", 3)
    Count(size=3)
    """
    choice("kind", kind, WINDOW_KINDS)
    _positive("size", size, "the window's length in seconds (its gap for sessions, its events for count windows)")
    if kind == "tumbling":
        return Tumbling(size)
    if kind == "sliding":
        return Sliding(size, size / 2)
    if kind == "session":
        return Session(size)
    return Count(size)  # type: ignore[arg-type]


def describe(assigner: Tumbling | Sliding | Session | Count) -> str:
    """An assigner in words: "tumbling 10 s", "sliding 10 s every 5 s", "sessions (gap 30 s)", "count windows of 3".

    >>> describe(Sliding(10, 5))
    'sliding 10 s every 5 s'
    """
    instance("assigner", assigner, (Tumbling, Sliding, Session, Count), example="Tumbling(10)")
    if isinstance(assigner, Tumbling):
        return f"tumbling {assigner.size:g} s"
    if isinstance(assigner, Sliding):
        return f"sliding {assigner.size:g} s every {assigner.slide:g} s"
    if isinstance(assigner, Session):
        return f"sessions (gap {assigner.gap:g} s)"
    return f"count windows of {assigner.size} events"
