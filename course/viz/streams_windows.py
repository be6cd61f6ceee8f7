"""Lesson 4's window pictures: events at (event time, arrival time), the watermark, and each key's windows.

Late events are triangles, events too late for an older window (but counted in a newer one) are
diamonds, dropped ones crosses; re-fired windows are hatched and say "first → final", windows that
missed late events have a thick dashed vermillion rim and say how many: no meaning rests on colour
alone. A window's label is left out when it would not fit inside its bar.
"""

from __future__ import annotations

import math
from itertools import pairwise

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course.sim.validate import instance, whole
from course.streams import Count, Event, Tumbling, WindowResults

from .palette import OKABE_ITO
from .streams_replication import DPI, FONT, _check_ax

__all__ = ["draw_window_dashboard", "draw_window_results", "draw_window_timeline"]

_EVENT_KINDS = [  # (name, colour, marker)
    ("on time", OKABE_ITO["blue"], "o"),
    ("late: re-fired its window", OKABE_ITO["orange"], "^"),
    ("too late for an older window", OKABE_ITO["reddish purple"], "D"),
    ("too late: dropped", OKABE_ITO["vermillion"], "X"),
]
MISSED_RIM = OKABE_ITO["vermillion"]  # the rim of a window that missed late events, the colour of "too late"


def _results(results: object) -> WindowResults:
    return instance("results", results, WindowResults, example="simulate(WindowScenario.example(), until=40)")


def draw_window_timeline(results: WindowResults, grid: bool | None = None, ax: Axes | None = None) -> dict:
    """Events at (event time, arrival time), the watermark as it advanced, late and dropped events marked.

    Below the diagonal nothing can be: an event arrives after it happens. The watermark (black
    steps) says "no event before this event time should still come"; an event to its left when
    it arrives is late. The windows are cut by the scenario's `time` ("event" or "processing"),
    drawn as alternating bands (vertical: event time; horizontal: arrival time) when `grid` is
    True (by default for tumbling windows, the same for every key) and they do not overlap.

    >>> from course.streams import Event, Tumbling, WindowScenario, simulate
    >>> evs = [Event(1, arrival=1.5), Event(12, arrival=12.5), Event(4, arrival=13)]
    >>> res = simulate(WindowScenario(events=evs, assigner=Tumbling(10), allowed_lateness=5), until=20)
    >>> artists = draw_window_timeline(res)
    >>> [len(artists["events"][name].get_offsets()) for name, *_ in _EVENT_KINDS]
    [2, 1, 0, 0]
    >>> plt.close("all")
    """
    run = _results(results)
    if grid is None:
        grid = isinstance(run.scenario.assigner, Tumbling)
    instance("grid", grid, bool, example="grid=True")
    _check_ax(ax)
    events, windows = run.events, run.scenario.time
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4), dpi=DPI)
    late = {f.seq for f in run.firings if f.kind == "late"}
    missed = {m.seq for m in run.missed}
    dropped = {d.seq for d in run.dropped}
    kinds: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in _EVENT_KINDS}
    names = [name for name, *_ in _EVENT_KINDS]
    for seq, e in enumerate(events):
        kind = 3 if seq in dropped else 2 if seq in missed else 1 if seq in late else 0
        kinds[names[kind]].append((e.time, e.arrival if e.arrival is not None else e.time))
    times = [e.time for e in events] or [0.0]
    arrivals = [e.arrival if e.arrival is not None else e.time for e in events] or [0.0]
    low, high = min(0.0, min(times)), max(max(arrivals), max(times)) + 1
    right = max(times) + 1
    bands = []
    spans = sorted({(f.start, f.end) for f in run.firings})
    overlapping = any(a[1] > b[0] for a, b in pairwise(spans))
    for i, (start, end) in enumerate([] if overlapping or not grid else spans):
        span = ax.axhspan if windows == "processing" else ax.axvspan
        bands.append(span(start, end, color="#eeeeee" if i % 2 else "#f8f8f8", zorder=0))
    ax.plot([low, high], [low, high], color=OKABE_ITO["grey"], linestyle=":", linewidth=1, label="no delay")
    marks = {}
    for name, colour, marker in _EVENT_KINDS:
        xs = [x for x, _ in kinds[name]]
        ys = [y for _, y in kinds[name]]
        size = 26 if marker == "o" else 40 if marker == "D" else 50
        marks[name] = ax.scatter(xs, ys, s=size, c=colour, marker=marker, label=f"{name} ({len(xs)})", zorder=3)
    steps = [(w.watermark, w.at if w.at is not None else w.time) for w in run.watermarks if math.isfinite(w.watermark)]
    watermark = None
    if steps and windows == "event":
        wx, wy = zip(*steps, strict=True)
        watermark = ax.step(wx, wy, where="post", color="black", linewidth=1.2, label="watermark", zorder=2)[0]
    ax.set_xlim(low - 1, right + 1)
    ax.set_ylim(low - 1, high + 1)
    ax.set_xlabel("event time: when the ride happened (s)", fontsize=FONT + 1)
    ax.set_ylabel("arrival time (s)", fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT + 1)
    ax.legend(loc="lower right", fontsize=FONT, ncol=2)  # below the diagonal: where no event can be
    ax.grid(alpha=0.2)
    return {"events": marks, "watermark": watermark, "bands": bands}


def _lanes(windows: list[tuple[float, float]]) -> list[int]:
    """Give each window (sorted by start) the first sub-lane where it does not overlap the previous one."""
    ends: list[float] = []
    lanes = []
    for start, end in windows:
        for i, last in enumerate(ends):
            if last <= start:
                ends[i] = end
                lanes.append(i)
                break
        else:
            ends.append(end)
            lanes.append(len(ends) - 1)
    return lanes


def _count_extents(events: list[Event], windows: list[tuple]) -> dict:
    """For count windows `(key, first, last)`: the event-time span of the events they hold."""
    by_key: dict = {}
    for e in events:
        by_key.setdefault(e.key, []).append(e.time)
    out = {}
    for key, start, end in windows:
        times = by_key.get(key, [])[int(start) : int(end)]
        if times:
            out[(key, start, end)] = (min(times), max(times) + 0.5)
    return out


def draw_window_results(results: WindowResults, ax: Axes | None = None, max_labels: int = 60) -> dict:
    """One lane per key: every window as a bar over its time span, labelled with its final value.

    A window that late events re-fired is hatched and labelled "first → final"; one that missed late
    events (its state was gone when they came) has a thick dashed vermillion rim and says "· 2 too
    late", and is drawn hollow if nothing reached it in time. Count windows span from their first to
    their last event's time, and the unfinished ones (which never fire) are drawn hollow and dashed.
    Labels are left out beyond `max_labels` windows, and where one would not fit inside its bar.

    >>> from course.streams import Event, Tumbling, WindowScenario, simulate
    >>> evs = [Event(1, "paris"), Event(12, "paris"), Event(4, "paris"), Event(25, "paris"), Event(2, "paris")]
    >>> res = simulate(WindowScenario(events=evs, assigner=Tumbling(10), allowed_lateness=3), until=25)
    >>> sorted(draw_window_results(res)["labels"])
    ['1', '1', '1 → 2 · 1 too late']
    >>> plt.close("all")
    """
    run = _results(results)
    _check_ax(ax)
    whole("max_labels", max_labels, maximum=10_000, why="how many windows get a text label")
    events, count = run.events, isinstance(run.scenario.assigner, Count)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 2), dpi=DPI)
    first: dict = {}
    final: dict = {}
    for f in run.firings:
        first.setdefault((f.key, f.start, f.end), f.value)
        final[(f.key, f.start, f.end)] = f.value
    missed = run.missed_by_window()
    unfinished = {(k, a, b): v for k, a, b, v, _ in run.pending} if count else {}
    never = [w for w in missed if w not in final]  # every event of these windows came too late
    windows = [*final, *unfinished, *never]
    spans = _count_extents(events, windows) if count else {w: (w[1], w[2]) for w in windows}
    keys = sorted({e.key for e in events}, key=str)
    fig = ax.get_figure(root=True)
    assert fig is not None  # an Axes always sits in a figure
    if len(ax.get_shared_x_axes().get_siblings(ax)) == 1:  # on its own axes: show every window
        ax.set_xlim(
            min((a for a, _ in spans.values()), default=0.0) - 1, max((b for _, b in spans.values()), default=1.0) + 1
        )
    lo, hi = ax.get_xlim()
    px_per_second = ax.get_position().width * fig.get_figwidth() * fig.dpi / (hi - lo)
    char_px = 0.62 * FONT * fig.dpi / 72  # an average character of the label font
    rows, labels, bars, y = [], [], [], 0.0
    show_labels = len(windows) <= max_labels
    for key in keys:
        mine = sorted((spans[w], w) for w in windows if w[0] == key and w in spans)
        lanes = _lanes([extent for extent, _ in mine])
        depth = max(lanes, default=0) + 1
        height = 0.8 / depth
        for ((start, end), w), lane in zip(mine, lanes, strict=True):
            pending = w in unfinished
            empty = w in never
            refired = not pending and not empty and final[w] != first[w]
            bottom = y + lane * height + 0.05
            fill = "white" if pending or empty else OKABE_ITO["orange"] if refired else OKABE_ITO["sky blue"]
            short = missed.get(w, 0)
            bars.append(
                Rectangle(
                    (start, bottom),
                    end - start,
                    height * 0.9,
                    facecolor=fill,
                    edgecolor=MISSED_RIM if short else "black",
                    linewidth=2.0 if short else 0.5,
                    linestyle="--" if pending or short else "-",
                    hatch="//" if refired else None,
                )
            )
            if pending:
                text = f"{unfinished[w]:g} so far: never fired"
            elif empty:
                text = "0"
            else:
                text = f"{first[w]:g} → {final[w]:g}" if refired else f"{final[w]:g}"
            if short:
                text += f" · {short} too late"
            labels.append(text)
            seen_from, seen_to = max(start, lo), min(end, hi)  # the part of the bar in view
            if show_labels and len(text) * char_px <= (seen_to - seen_from) * px_per_second:
                box = {"facecolor": "white", "edgecolor": "none", "pad": 0.5} if refired else None
                middle = (seen_from + seen_to) / 2
                ax.text(middle, bottom + height * 0.45, text, ha="center", va="center", fontsize=FONT, bbox=box)
        rows.append((y + 0.45, str(key)))
        y += 1.0
    for bar in bars:
        ax.add_patch(bar)
    ax.set_yticks([r for r, _ in rows], [k for _, k in rows], fontsize=FONT + 1)
    ax.tick_params(axis="x", labelsize=FONT + 1)
    ax.set_ylim(0, max(1.0, y))
    ax.grid(alpha=0.2, axis="x")
    return {"bars": bars, "labels": labels}


def draw_window_dashboard(results: WindowResults) -> tuple[Figure, dict]:
    """One figure: the event-time/arrival-time timeline on top, each key's windows and results below.

    Tumbling windows (the same for every key) are also drawn as bands behind the timeline.

    >>> from course.streams import WindowScenario, simulate
    >>> figure, artists = draw_window_dashboard(simulate(WindowScenario.example(), until=10))
    >>> len(figure.axes), sorted(artists)
    (2, ['results', 'timeline'])
    >>> plt.close("all")
    """
    windows = _results(results).scenario.time
    fig = plt.figure(figsize=(9.0, 5.0), dpi=DPI)
    spec = fig.add_gridspec(2, 1, height_ratios=[2.1, 1], left=0.08, right=0.99, top=0.98, bottom=0.09, hspace=0.08)
    top = fig.add_subplot(spec[0])
    bottom = fig.add_subplot(spec[1], sharex=top if windows == "event" else None)
    artists = {"timeline": draw_window_timeline(results, ax=top)}
    if windows == "processing":
        bottom.set_xlim(top.get_ylim())
    artists["results"] = draw_window_results(results, ax=bottom)
    if windows == "processing":
        bottom.set_xlabel(
            "arrival time (s) · bars: each city's windows, cut by arrival time, labelled with rides counted",
            fontsize=FONT + 1,
        )
    else:
        top.set_xlabel("")
        top.tick_params(labelbottom=False)
        bottom.set_xlabel("event time (s) · bars: each city's windows, labelled with rides counted", fontsize=FONT + 1)
    return fig, artists
