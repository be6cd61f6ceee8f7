"""How a window scenario runs: events summed per key and window, fired by a watermark as Flink does.

Events carry the time they happened (`time`, event time) and may arrive later and out of order
(`arrival`, processing time). A watermark with bounded out-of-orderness says "no event older
than this should still come": `watermark = max event time seen - out_of_orderness`. A window
`[start, end)` fires once the watermark reaches `end`. An event for a window that already fired
is late: within `allowed_lateness` (while `watermark < end + allowed_lateness`) it joins the
window and the window fires again at once with the updated result; after that the window's
state is gone and the window misses the event (`Missed`, one per window). An event that fits
no open window at all is dropped and reported (`Dropped`, Flink's late side output); with
sliding windows an event can miss its older window yet count in a newer one, which Flink
does silently: we count it.

Units and simplifications, named: times are seconds. Flink's watermark is `max - out_of_orderness
- 1 ms` and a window fires when the watermark reaches `end - 1 ms`; the two 1 ms cancel, so
we leave both out and get the same firings. Flink emits watermarks periodically (every 200 ms
by default); we advance the watermark right after each event. At the end of the input Flink
sends a final watermark that fires every window still open; so do we (`flush=True`).
"""

from __future__ import annotations

from typing import Any

from .event_time import Event
from .records import Dropped, Firing, Missed, WatermarkStep
from .scenario import WindowScenario
from .window_results import WindowResults
from .windows import Count, Session

__all__ = ["fire_windows"]


def _order(window: tuple[Any, float, float]) -> tuple[float, float, str]:
    return (window[2], window[1], str(window[0]))


def fire_windows(s: WindowScenario, events: list[Event], until: float) -> WindowResults:
    """Sum event values per key and window, in arrival order, firing windows as Flink's event-time trigger does.

    `time="processing"` windows events by `arrival` instead (every event then has one, in order):
    nothing is ever late, and a window fires when the clock passes its end. `events` are already
    validated; see `course.streams.simulate`.
    """
    processing = s.time == "processing"
    out_of_orderness, lateness = s.out_of_orderness, s.allowed_lateness
    evs = events
    if processing:
        evs = [Event(e.arrival, e.key, e.value, e.arrival) for e in events]  # type: ignore[arg-type]
        out_of_orderness = lateness = 0.0
    if isinstance(s.assigner, Count):
        return _count_run(s, events, evs, s.assigner.size, until)

    assigner = s.assigner
    gap = assigner.gap if isinstance(assigner, Session) else 0.0
    state: dict[tuple[Any, float, float], list] = {}  # (key, start, end) -> [value, count, fired]
    firings: list[Firing] = []
    dropped: list[Dropped] = []
    missed: list[Missed] = []
    marks: list[WatermarkStep] = []
    watermark = float("-inf")
    max_time = float("-inf")

    def fire(window: tuple[Any, float, float], kind: str, seq: int, at: float | None) -> None:
        slot = state[window]
        slot[2] = True
        when = window[2] if processing and kind != "end_of_stream" else at
        firings.append(Firing(window[0], window[1], window[2], slot[0], slot[1], kind, watermark, seq, when))

    for seq, e in enumerate(evs):
        if isinstance(assigner, Session):
            start, end = e.time, e.time + gap
            touching = [w for w in state if w[0] == e.key and w[1] <= end and w[2] >= start]
            for w in touching:
                start, end = min(start, w[1]), max(end, w[2])
            targets = [] if end + lateness <= watermark else [(e.key, start, end)]
            if not targets:
                missed.append(Missed(e.key, e.time, e.time + gap, e.time, e.value, watermark, seq, e.arrival))
            if targets and touching:
                value = sum(state[w][0] for w in touching)
                count = sum(state[w][1] for w in touching)
                for w in touching:
                    del state[w]
                state[targets[0]] = [value, count, False]
        else:
            targets = []
            for a, b in assigner.windows(e.time):
                if b + lateness <= watermark:  # this window's state is gone: it misses the event
                    missed.append(Missed(e.key, a, b, e.time, e.value, watermark, seq, e.arrival))
                else:
                    targets.append((e.key, a, b))
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
            for w in sorted((w for w in state if w[2] <= watermark and not state[w][2]), key=_order):
                fire(w, "on_time", seq, e.arrival)
            for w in [w for w in state if w[2] + lateness <= watermark]:
                del state[w]  # past its allowed lateness: its state is cleared
        marks.append(WatermarkStep(seq, e.arrival, e.time, watermark))
    if s.flush:
        watermark = float("inf")
        last = evs[-1].arrival if evs else None
        for w in sorted((w for w in state if not state[w][2]), key=_order):
            fire(w, "end_of_stream", len(evs), last)
        pending = []
    else:
        pending = [(w[0], w[1], w[2], v[0], v[1]) for w, v in state.items() if not v[2]]
    return WindowResults(
        s, firings, until, events=list(events), dropped=dropped, missed=missed, watermarks=marks, pending=pending
    )


def _count_run(s: WindowScenario, events: list[Event], evs: list[Event], size: int, until: float) -> WindowResults:
    """Count windows: every `size` events of a key fire, whatever the time; an unfinished one never fires."""
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
    pending = [(k, counts[k] - v[1], counts[k] - v[1] + size, v[0], v[1]) for k, v in open_.items()]
    return WindowResults(s, firings, until, events=list(events), dropped=[], missed=[], watermarks=[], pending=pending)
