"""Event time, watermarks and late events: when a window fires, re-fires, or drops an event.

Events carry the time they happened (`time`, event time) and may arrive later and out of
order (`arrival`, processing time). A watermark with bounded out-of-orderness says "no event
older than this should still come": `watermark = max event time seen - out_of_orderness`.
A window `[start, end)` fires once the watermark reaches `end`. An event for a window that
already fired is late: within `allowed_lateness` (while `watermark < end + allowed_lateness`)
it joins the window and the window fires again at once with the updated result; after that
the window's state is gone and the event is dropped and reported (Flink's side output).

Units and simplifications, named: times are seconds. Flink's watermark is `max - out_of_orderness
- 1 ms` and a window fires when the watermark reaches `end - 1 ms`; the two 1 ms cancel, so
we leave both out and get the same firings. Flink emits watermarks periodically (every 200 ms
by default); we advance the watermark right after each event. At the end of the input Flink
sends a final watermark that fires every window still open; so do we (`flush=True`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from course.sim import Poisson, stream

from ._validate import choice, number
from .windows import Count, Session, Sliding, Tumbling, _time

__all__ = ["Dropped", "Event", "Firing", "WatermarkStep", "WindowRun", "event_stream", "run_windows"]

TIME_MODES = ("event", "processing")


class Event(NamedTuple):
    """Something that happened at `time` (event time) for `key`, arriving at `arrival` (processing time, optional)."""

    time: float
    key: Any = "all"
    value: float = 1
    arrival: float | None = None


class Firing(NamedTuple):
    """A window's result: `kind` is "on_time" (the watermark reached its end), "late" (a late event re-fired it)
    or "end_of_stream" (the final watermark); `seq` is the position of the event that triggered it."""

    key: Any
    start: float
    end: float
    value: float
    count: int
    kind: str
    watermark: float
    seq: int
    at: float | None

    @property
    def late(self) -> bool:
        """True for a re-fire caused by a late event (the earlier firing's result was incomplete)."""
        return self.kind == "late"


class Dropped(NamedTuple):
    """A late event that arrived after every window it belongs to was gone (Flink's side output)."""

    key: Any
    time: float
    value: float
    watermark: float
    seq: int
    at: float | None


class WatermarkStep(NamedTuple):
    """The watermark right after event number `seq` (arriving at `at`, with event time `time`)."""

    seq: int
    at: float | None
    time: float
    watermark: float


@dataclass(frozen=True)
class WindowRun:
    """Everything a windowed run produced, as flat records ready for a table or a timeline plot."""

    firings: list[Firing]
    dropped: list[Dropped]
    watermarks: list[WatermarkStep]
    pending: list[tuple[Any, float, float, float, int]]  # (key, start, end, value, count): never fired

    def __repr__(self) -> str:
        late = sum(1 for f in self.firings if f.kind == "late")
        return (
            f"WindowRun(firings={len(self.firings)}, late_firings={late}, dropped={len(self.dropped)}, "
            f"pending={len(self.pending)})"
        )

    def results(self) -> dict[tuple[Any, float, float], float]:
        """The last value fired for each `(key, start, end)` window: what a dashboard finally shows."""
        return {(f.key, f.start, f.end): f.value for f in self.firings}


def _events(events: Iterable[Any]) -> list[Event]:
    out = []
    for i, e in enumerate(events):
        if not isinstance(e, Event):
            if isinstance(e, (str, bytes)) or not isinstance(e, Sequence) or not 1 <= len(e) <= 4:
                raise ValueError(f"event {i} must be an Event or a tuple (time, key, value, arrival) (got {e!r})")
            e = Event(*e)
        _time(f"event {i}'s time", e.time)
        number(f"event {i}'s value", e.value, "values are summed per window")
        if e.arrival is not None:
            _time(f"event {i}'s arrival", e.arrival)
        out.append(e)
    return out


def run_windows(
    events: Iterable[Event | tuple],
    assigner: Tumbling | Sliding | Session | Count,
    out_of_orderness: float = 0.0,
    allowed_lateness: float = 0.0,
    time: str = "event",
    flush: bool = True,
) -> WindowRun:
    """Sum event values per key and window, in arrival order, firing windows as Flink's event-time trigger does.

    `time="processing"` windows events by `arrival` instead (every event then needs one, in
    order): nothing is ever late, and a window fires when the clock passes its end.

    Taught in lessons/04_streams.ipynb.

    >>> events = [Event(1), Event(4), Event(12), Event(3), Event(25), Event(8)]
    >>> run = run_windows(events, Tumbling(10), out_of_orderness=0, allowed_lateness=10)
    >>> [(f.start, f.value, f.kind) for f in run.firings]
    [(0, 2, 'on_time'), (0, 3, 'late'), (10, 1, 'on_time'), (20, 1, 'end_of_stream')]
    >>> [d.time for d in run.dropped]
    [8]
    """
    if not isinstance(assigner, (Tumbling, Sliding, Session, Count)):
        raise ValueError(
            f"assigner must be Tumbling(size), Sliding(size, slide), Session(gap) or Count(size) (got {assigner!r})"
        )
    choice("time mode", time, TIME_MODES)
    number("out_of_orderness", out_of_orderness, "how far (in s) events may arrive out of order", minimum=0)
    number("allowed_lateness", allowed_lateness, "how long (in s) a fired window still accepts late events", minimum=0)
    evs = _events(events)
    processing = time == "processing"
    if processing:
        for i, e in enumerate(evs):
            if e.arrival is None:
                raise ValueError(f"event {i} has no arrival time: processing-time windows need one on every event")
            if i and e.arrival < evs[i - 1].arrival:
                raise ValueError(
                    f"arrival times must not go backwards (event {i}: {e.arrival!r} after {evs[i - 1].arrival!r})"
                )
        evs = [Event(e.arrival, e.key, e.value, e.arrival) for e in evs]
        out_of_orderness = allowed_lateness = 0
    if isinstance(assigner, Count):
        return _count_run(evs, assigner.size)

    merging = isinstance(assigner, Session)
    lateness = allowed_lateness
    state: dict[tuple[Any, float, float], list] = {}  # (key, start, end) -> [value, count, fired]
    firings: list[Firing] = []
    dropped: list[Dropped] = []
    marks: list[WatermarkStep] = []
    watermark = float("-inf")
    max_time = float("-inf")

    def fire(window: tuple, kind: str, seq: int, at: float | None) -> None:
        slot = state[window]
        slot[2] = True
        when = window[2] if processing and kind != "end_of_stream" else at
        firings.append(Firing(window[0], window[1], window[2], slot[0], slot[1], kind, watermark, seq, when))

    for seq, e in enumerate(evs):
        if merging:
            start, end = e.time, e.time + assigner.gap
            touching = [w for w in state if w[0] == e.key and w[1] <= end and w[2] >= start]
            for w in touching:
                start, end = min(start, w[1]), max(end, w[2])
            targets = [] if end + lateness <= watermark else [(e.key, start, end)]
            if targets and touching:
                value = sum(state[w][0] for w in touching)
                count = sum(state[w][1] for w in touching)
                for w in touching:
                    del state[w]
                state[targets[0]] = [value, count, False]
        else:
            targets = [(e.key, s, w_end) for s, w_end in assigner.windows(e.time) if not w_end + lateness <= watermark]
        if not targets:
            dropped.append(Dropped(e.key, e.time, e.value, watermark, seq, e.arrival))
        for w in targets:
            slot = state.setdefault(w, [0, 0, False])
            slot[0] += e.value
            slot[1] += 1
            if w[2] <= watermark:  # the watermark already passed its end: fire again now
                fire(w, "late", seq, e.arrival)
        max_time = max(max_time, e.time)
        if max_time - out_of_orderness > watermark:
            watermark = max_time - out_of_orderness
            for w in sorted(
                (w for w in state if w[2] <= watermark and not state[w][2]), key=lambda w: (w[2], w[1], str(w[0]))
            ):
                fire(w, "on_time", seq, e.arrival)
            for w in [w for w in state if w[2] + lateness <= watermark]:
                del state[w]  # past its allowed lateness: its state is cleared
        marks.append(WatermarkStep(seq, e.arrival, e.time, watermark))
    if flush:
        watermark = float("inf")
        last = evs[-1].arrival if evs else None
        for w in sorted((w for w in state if not state[w][2]), key=lambda w: (w[2], w[1], str(w[0]))):
            fire(w, "end_of_stream", len(evs), last)
        pending = []
    else:
        pending = [(w[0], w[1], w[2], s[0], s[1]) for w, s in state.items() if not s[2]]
    return WindowRun(firings=firings, dropped=dropped, watermarks=marks, pending=pending)


def _count_run(evs: list[Event], size: int) -> WindowRun:
    counts: dict[Any, int] = {}
    open_: dict[Any, list] = {}
    firings: list[Firing] = []
    for seq, e in enumerate(evs):
        n = counts.get(e.key, 0)
        slot = open_.setdefault(e.key, [0, 0])
        slot[0] += e.value
        slot[1] += 1
        counts[e.key] = n + 1
        if slot[1] == size:
            start = n + 1 - size
            firings.append(Firing(e.key, start, start + size, slot[0], size, "on_time", float("nan"), seq, e.arrival))
            del open_[e.key]
    pending = [(k, counts[k] - s[1], counts[k] - s[1] + size, s[0], s[1]) for k, s in open_.items()]
    return WindowRun(firings=firings, dropped=[], watermarks=[], pending=pending)


def event_stream(
    rate: float = 5.0,
    until: float = 60.0,
    keys: Sequence[Any] = ("paris", "lyon", "rome"),
    max_delay: float = 2.0,
    straggler_fraction: float = 0.0,
    straggler_delay: float = 30.0,
    seed: int = 0,
) -> list[Event]:
    """Events happening at `rate` per second for `until` seconds, delivered out of order, sorted by arrival.

    Each arrives `Uniform(0, max_delay)` seconds after it happened; a `straggler_fraction` of
    them arrive `straggler_delay` seconds later still (a phone that was offline). Times are
    rounded to the millisecond.

    >>> evs = event_stream(rate=2, until=10, seed=1)
    >>> all(e.arrival >= e.time for e in evs), evs == sorted(evs, key=lambda e: e.arrival)
    (True, True)
    """
    number("rate", rate, "events per second", minimum=0)
    number("until", until, "seconds of events", positive=True)
    number("max_delay", max_delay, "seconds an event may take to arrive", minimum=0)
    number("straggler_fraction", straggler_fraction, "a share between 0 and 1", minimum=0)
    if straggler_fraction > 1:
        raise ValueError(f"straggler_fraction must be between 0 and 1 (got {straggler_fraction!r})")
    number("straggler_delay", straggler_delay, "extra seconds a straggler takes", minimum=0)
    if rate * until > 100_000:
        raise ValueError(
            f"rate * until = {rate * until:,.0f} events is more than 100,000: lower the rate or shorten the run"
        )
    if not keys:
        raise ValueError("keys must list at least one key, e.g. ('paris', 'lyon')")
    rng = stream(seed, "event delays")
    out = []
    for t in Poisson(rate=rate).times(until, stream(seed, "event times")):
        delay = rng.uniform(0, max_delay)
        if rng.random() < straggler_fraction:
            delay += straggler_delay
        key = keys[rng.randrange(len(keys))]
        out.append(Event(round(t, 3), key, 1, round(t + delay, 3)))
    out.sort(key=lambda e: (e.arrival, e.time))
    return out
