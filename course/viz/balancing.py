"""Pictures of lesson 2: the balancer and its backends, and their states, outcomes and latency over time.

Conventions as in every lesson: node fill = utilization (cividis), edge width = traffic, dashed
coloured edges = failed (502), rejected (503) or timed-out (504) requests. A backend's trouble is
also marked by shape (a cross, a dashed or dotted ring) and every state has its own hatch, so no
meaning rests on colour alone. Within the dashboard a colour keeps one meaning: blue = served,
black = 502, vermillion = 503, grey = 504, reddish purple = dead, orange = slow, sky blue = up,
white = out of rotation (the hatch says why). Text is at least `MIN_FONT` points on a figure of
`DPI` dots per inch, so it reads at 100 % zoom.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import MaxNLocator

from ..balancing.results import HTTP_STATUS, BalancerResults, BalancerTimeSeries
from ..sim import validate
from .graph import Position, draw_flow_graph, layered_layout
from .palette import OKABE_ITO, status_colour

__all__ = [
    "DPI",
    "MIN_FONT",
    "STATE_STYLE",
    "balancer_graph",
    "balancer_layout",
    "draw_backend_states",
    "draw_balancer",
    "draw_balancer_dashboard",
    "draw_latency_percentiles",
    "draw_outcomes_over_time",
]

DPI = 100  # dots per inch of every figure drawn here: 8 pt text is 11 px, above 8 pt at 100 % zoom
MIN_FONT = 8  # the smallest text, in points
# How each backend state is drawn on a timeline: (fill colour, hatch); hatches tell them apart without colour.
# In rotation: up, slow, dead (the dangerous window); out of rotation (white): down, ejected, starting, draining.
STATE_STYLE = {
    "up": (OKABE_ITO["sky blue"], ""),
    "slow": (OKABE_ITO["orange"], ".."),
    "dead": (OKABE_ITO["reddish purple"], "//"),
    "down": ("white", "xx"),
    "ejected": ("white", "\\\\"),
    "starting": ("white", "--"),
    "draining": ("white", "||"),
}
_WIDTH, _HEIGHT = 1.58, 1.2  # the graph's extent in data units: clients at x=0, outcome boxes at x=_WIDTH
_OUTCOME_NODES = ("502", "503", "504", "cache")  # always in the layout, so nothing jumps as sliders move
_OUTCOME_LABELS = {"502": "502\nfailed", "503": "503\nrejected", "504": "504\ntimeout", "cache": "cache\nhit"}
_FAILED_ON_DEAD = ("connection refused", "connect timed out")  # notes of requests that met a dead backend
_MAX_ERROR_LABELS = 3  # more edges into one status box than this: the box shows the total instead
_FIXED = {"clients", "balancer", *_OUTCOME_NODES}


def _results(results: object) -> BalancerResults:
    return validate.instance("results", results, BalancerResults, example="simulate(BalancerScenario(), until=20)")


def _axes(ax: object) -> None:
    if ax is not None:
        validate.instance("ax", ax, Axes, example="ax=plt.subplots()[1], or None for a new figure")


def _series(ts: object) -> None:
    validate.instance("ts", ts, BalancerTimeSeries, example="results.timeseries(bin=1.0)")


def balancer_graph(results: BalancerResults) -> nx.DiGraph:
    """The run as a graph: clients -> balancer -> each backend, and each source of failed (502),
    rejected (503) or timed-out (504) requests -> its status box, with the attributes `draw_flow_graph` reads.
    When more than 3 sources feed one status box, its edges go unlabelled and the box's `total` is
    written beside it instead.

    >>> from course.balancing import BalancerScenario, Outage, Workload, simulate
    >>> sc = BalancerScenario(backends=2, workload=Workload(rate=50), failures=(Outage("b1", at=1.0, kind="crash"),))
    >>> g = balancer_graph(simulate(sc, until=3))
    >>> sorted(g.nodes), g.edges["b1", "502"]["style"]
    (['502', 'b0', 'b1', 'balancer', 'clients'], 'dashed')
    """
    results = _results(results)
    sc, summary = results.scenario, results.summary()
    g = nx.DiGraph()
    layer = getattr(sc.layer, "name", "L7")
    strategy = getattr(sc.strategy, "name", "").replace("_", " ")
    g.add_node("clients", kind="clients", label="clients")
    balancer: dict[str, Any] = {"kind": "balancer", "label": layer}
    if results.tls_seconds.get("balancer", 0.0) > 0:
        balancer["utilization"] = results.balancer_utilization
    g.add_node("balancer", strategy=strategy, **balancer)
    g.add_edge("clients", "balancer", flow=summary.requests, label=str(summary.requests))
    for b in results.backends:
        g.add_node(b.name, kind="backend", utilization=b.utilization, label=b.name, stats=b)
        g.add_edge("balancer", b.name, flow=b.sent, label=f"{b.share:.0%}")
    errors: dict[str, dict[str, int]] = {"502": {}, "503": {}, "504": {}}
    for r in results.records:
        if r.outcome in ("failed", "rejected", "timed_out"):
            status, source = str(HTTP_STATUS[r.outcome]), r.backend or "balancer"
            errors[status][source] = errors[status].get(source, 0) + 1
    for status, by_source in errors.items():
        crowded = len(by_source) > _MAX_ERROR_LABELS  # a dense graph names the total once, not every edge
        for source, count in by_source.items():
            g.add_node(status, kind="outcome", label=_OUTCOME_LABELS[status], total=sum(by_source.values()))
            label = "" if crowded else str(count)
            g.add_edge(source, status, flow=count, label=label, style="dashed", colour=status_colour(int(status)))
    hits = sum(1 for r in results.records if r.backend == "cache")
    if hits:
        g.add_node("cache", kind="outcome", label=_OUTCOME_LABELS["cache"])
        g.add_edge("balancer", "cache", flow=hits, label=str(hits), colour=OKABE_ITO["bluish green"])
    return g


def balancer_layout(graph: nx.DiGraph) -> dict[str, Position]:
    """Fixed positions from `layered_layout`: clients, balancer, backends (top to bottom in pool
    order), then the 502 / 503 / 504 / cache boxes in slots that never move.

    >>> pos = balancer_layout(nx.DiGraph([("clients", "balancer"), ("balancer", "b0")]))
    >>> pos["clients"], pos["b0"]
    ((0.0, 0.6), (1.053333, 0.6))
    """
    validate.instance("graph", graph, nx.DiGraph, example="balancer_graph(results)")
    backends = [n for n, d in graph.nodes(data=True) if d.get("kind", "backend") == "backend" and n not in _FIXED]
    layers = [["clients"], ["balancer"], backends, list(_OUTCOME_NODES)]
    pos = layered_layout(layers, width=_WIDTH, height=_HEIGHT)
    return {n: pos[n] for n in graph.nodes if n in pos}


def draw_balancer(results: BalancerResults, ax: Axes | None = None) -> dict[str, Any]:
    """Draw clients -> balancer -> backends: edge width = share of traffic, backend fill = utilization,
    dashed edges = failed (502), rejected (503) and timed-out (504) requests; a cross marks a backend
    that died, a dashed ring one that joined or left, a dotted ring one that slowed down.

    >>> from course.balancing import BalancerScenario, Outage, simulate
    >>> res = simulate(BalancerScenario(backends=3, failures=(Outage("b1", at=1.0),)), until=3)
    >>> artists = draw_balancer(res)
    >>> [cross.get_marker() for cross in artists["crosses"]]
    ['X']
    >>> plt.close("all")
    """
    _axes(ax)
    g = balancer_graph(results)
    pos = balancer_layout(g)
    n = sum(1 for _, d in g.nodes(data=True) if d.get("kind") == "backend")
    radius = min(0.085, max(0.06, 0.5 / max(n, 1)))
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.2), dpi=DPI)
    artists = draw_flow_graph(g, pos, ax=ax, max_width=7.0, node_radius=radius)
    for text in [*artists["labels"].values(), *artists["edge_labels"]]:
        text.set_fontsize(MIN_FONT)
    crosses: list[Artist] = []
    rings: list[Artist] = []
    for name, data in g.nodes(data=True):
        b = data.get("stats")
        if b is None:
            continue
        x, y = pos[name]
        states = {s for _, s in b.timeline}
        if states & {"dead", "down", "ejected"}:
            crosses.append(
                ax.plot(
                    [x + radius * 0.8],
                    [y + radius * 0.8],
                    marker="X",
                    markersize=11,
                    color=STATE_STYLE["dead"][0],
                    markeredgecolor="white",
                    zorder=8,
                )[0]
            )
        if states & {"draining", "removed", "starting"} or b.added > 0:
            rings.append(ax.add_patch(Circle((x, y), radius * 1.3, fill=False, linestyle="--", zorder=2)))
        if "slow" in states:
            ring = Circle(
                (x, y), radius * 1.3, fill=False, linestyle=":", lw=2, edgecolor=STATE_STYLE["slow"][0], zorder=2
            )
            rings.append(ax.add_patch(ring))
    strategy = g.nodes["balancer"].get("strategy", "")
    if strategy:
        x, y = pos["balancer"]
        ax.text(x, y - radius * 1.3, f"balancer\n{strategy}", ha="center", va="top", fontsize=MIN_FONT)
    for status in _OUTCOME_NODES:
        if status in g and g.in_degree(status) > _MAX_ERROR_LABELS:
            x, y = pos[status]
            ax.text(x, y - radius * 1.7, f"{g.nodes[status]['total']:,}", ha="center", va="top", fontsize=MIN_FONT)
    ax.text(
        -0.08,
        -0.06,
        "edge width = requests sent · dashed = errors\nfill = utilization (dark idle → yellow busy)\n"
        "✕ died · dashed ring: joined or left · dotted ring: slowed",
        fontsize=MIN_FONT,
        va="top",
        color="#444444",
    )
    ax.set_xlim(-0.16, _WIDTH + 0.14)
    ax.set_ylim(-0.36, _HEIGHT + 0.02)
    artists.update(crosses=crosses, rings=rings)
    return artists


def _key(ax: Axes, title: str, entries: list[tuple[str, dict[str, Any], str]], size: float = MIN_FONT) -> list[Artist]:
    """A legend above `ax`: `title`, then a swatch and a label per entry ("patch", "line" or "marker").

    Entries that do not fit on the row start a new row above it. Cheaper to draw than
    `ax.legend` (nothing is measured), which matters in a lab redrawn on every move.
    """
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    box = ax.get_position()
    width_px = box.width * fig.get_figwidth() * fig.dpi
    height_px = box.height * fig.get_figheight() * fig.dpi
    char = 0.56 * size * fig.dpi / 72 / width_px  # an average character's width, in axes fractions
    row = 1.35 * size * fig.dpi / 72 / height_px  # one row's height, in axes fractions
    swatch_w, swatch_h = 14 / width_px, 8 / height_px
    y = 1.0 + 4 / height_px
    opts: dict[str, Any] = {"transform": ax.transAxes, "clip_on": False}
    drawn: list[Artist] = [ax.text(0, y, title, fontsize=size, va="bottom", ha="left", **opts)]
    x = char * (len(title) + 1.5)
    for kind, style, label in entries:
        step = swatch_w + char * (len(label) + 2.5)
        if x + step - char * 2 > 1.0 and x > char * (len(title) + 1.5):
            x, y = char * (len(title) + 1.5), y + row
        if kind == "patch":
            drawn.append(
                ax.add_patch(plt.Rectangle((x, y), swatch_w, swatch_h, edgecolor="#333333", lw=0.5, **style, **opts))
            )
        elif kind == "marker":
            drawn.extend(ax.plot([x + swatch_w / 2], [y + swatch_h / 2], **style, **opts))
        else:  # a line, with its marker (if any) once in the middle
            xs = [x, x + swatch_w / 2, x + swatch_w]
            drawn.extend(ax.plot(xs, [y + swatch_h / 2] * 3, linewidth=1.5, markevery=[1], **style, **opts))
        drawn.append(ax.text(x + swatch_w + char * 0.6, y, label, fontsize=size, va="bottom", ha="left", **opts))
        x += step
    return drawn


def draw_backend_states(results: BalancerResults, ax: Axes | None = None) -> dict[str, Any]:
    """One row per backend: its state over time (hatched and coloured bars), with a tick for every
    request that met it while it was dead (refused, or its connection timed out): the window the
    health checks leave open. How many were sent to each dead backend is written in the key
    above the axes (returned as "key"), never on the bars; a pool of more than 8 backends names
    every other row.

    >>> from course.balancing import BalancerScenario, simulate
    >>> artists = draw_backend_states(simulate(BalancerScenario(backends=2), until=2))
    >>> len(artists["bars"])
    2
    >>> plt.close("all")
    """
    results = _results(results)
    _axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.8), dpi=DPI)
    until, names = results.until, [b.name for b in results.backends]
    bars: list[Artist] = []
    ticks: list[Artist] = []
    seen: set[str] = set()
    for row, b in enumerate(results.backends):
        y = len(names) - 1 - row
        timeline = [*b.timeline, (b.removed if b.removed is not None else until, "end")]
        spans: dict[str, list[tuple[float, float]]] = {}
        for (t, state), (t_next, _) in pairwise(timeline):
            if state in STATE_STYLE and t_next > t:
                spans.setdefault(state, []).append((t, t_next - t))
        for state, xs in spans.items():
            face, hatch = STATE_STYLE[state]
            bar = ax.broken_barh(xs, (y - 0.35, 0.7), facecolors=face, edgecolor="#333333", linewidth=0.4)
            bar.set_hatch(hatch)
            bars.append(bar)
            seen.add(state)
    dead: dict[str, list[float]] = {name: [] for name in names}
    for r in results.records:
        if r.note in _FAILED_ON_DEAD and r.backend in dead:
            dead[r.backend].append(r.arrival)
    for row, name in enumerate(names):
        if dead[name]:
            y = len(names) - 1 - row
            ticks.append(
                ax.plot(dead[name], [y] * len(dead[name]), "|", color="black", markersize=7, mew=0.6, zorder=3)[0]
            )
    mixed = len({b.speed for b in results.backends}) > 1
    labels = [f"{b.name} ×{b.speed:.2g}" if mixed else b.name for b in results.backends]
    step = max(1, math.ceil(len(names) / 8))  # at most 8 labels: a dense pool names every other row
    rows = list(range(len(names)))[::-1]
    ax.set_yticks(rows[::step], labels[::step], fontsize=MIN_FONT)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlim(0, until)
    ax.tick_params(labelsize=MIN_FONT)
    entries = [
        ("patch", {"facecolor": STATE_STYLE[s][0], "hatch": STATE_STYLE[s][1]}, s) for s in STATE_STYLE if s in seen
    ]
    counts = [(o.backend, o.sent_while_dead) for o in results.outages if o.sent_while_dead]
    if counts:
        totals: dict[str, int] = {}
        for name, n in counts:
            totals[name] = totals.get(name, 0) + n
        written = ", ".join(f"{name} {n:,}" for name, n in totals.items())
        entries.append(("marker", {"marker": "|", "color": "black"}, f"sent while dead: {written}"))
    key = _key(ax, "backend states:", entries)
    return {"bars": bars, "ticks": ticks, "key": key}


def draw_outcomes_over_time(ts: BalancerTimeSeries, ax: Axes | None = None) -> dict[str, Any]:
    """Stacked areas per second: served (200), failed (502: a crashed backend), rejected (503) and timed
    out (504: an unreachable backend), each with its own hatch.

    >>> from course.balancing import BalancerScenario, simulate
    >>> ts = simulate(BalancerScenario(), until=3).timeseries()
    >>> [area.get_hatch() for area in draw_outcomes_over_time(ts)["areas"]]
    ['', '////', 'xx', '..']
    >>> plt.close("all")
    """
    _series(ts)
    _axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.8), dpi=DPI)
    width = ts.t[1] - ts.t[0] if len(ts.t) > 1 else 1.0
    xs = [*ts.t, ts.t[-1] + width]  # the last bin drawn to its end
    columns = (ts.served, ts.failed, ts.rejected, ts.timed_out)
    series = [[n / width for n in s] + [s[-1] / width] for s in columns]
    labels = ["200 served", "502 failed", "503 rejected", "504 timed out"]
    colours = [status_colour(code) for code in (200, 502, 503, 504)]
    areas = ax.stackplot(xs, *series, labels=labels, colors=colours, step="post")
    hatches = ("", "////", "xx", "..")
    for area, hatch in zip(areas, hatches, strict=True):
        area.set_hatch(hatch)
        area.set_edgecolor("white")
        area.set_linewidth(0)
    _key(
        ax,
        "responses/s:",
        [("patch", {"facecolor": c, "hatch": h}, label) for c, h, label in zip(colours, hatches, labels, strict=True)],
    )
    top = max((sum(s[i] for s in series) for i in range(len(xs))), default=0.0)
    ax.set_ylim(0, max(1.0, top * 1.08))  # zero traffic still draws a sane axis
    ax.yaxis.set_major_locator(MaxNLocator(2, integer=True))
    ax.tick_params(labelsize=MIN_FONT)
    ax.grid(alpha=0.3)
    return {"areas": areas}


def draw_latency_percentiles(ts: BalancerTimeSeries, ax: Axes | None = None) -> dict[str, Artist]:
    """p50 (solid, dots) and p99 (dashed, triangles) latency of the requests served in each time bin, in
    milliseconds; both blue, the colour of served requests, told apart by line and marker.

    >>> from course.balancing import BalancerScenario, simulate
    >>> draw_latency_percentiles(simulate(BalancerScenario(), until=3).timeseries())["p99"].get_linestyle()
    '--'
    >>> plt.close("all")
    """
    _series(ts)
    _axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.8), dpi=DPI)
    blue = status_colour(200)
    p50 = ax.plot(ts.t, [x * 1000 for x in ts.p50], color=blue, marker="o", markersize=3)[0]
    p99 = ax.plot(
        ts.t, [x * 1000 for x in ts.p99], color=blue, linestyle="--", marker="^", markersize=5, markerfacecolor="white"
    )[0]
    finite = [x for x in ts.p99 if not math.isnan(x)]
    ax.set_ylim(0, max(50.0, 1100 * max(finite, default=0.0)))
    _key(
        ax,
        "latency of served requests (ms):",
        [
            ("line", {"color": blue, "marker": "o", "markersize": 3}, "p50"),
            ("line", {"color": blue, "linestyle": "--", "marker": "^", "markerfacecolor": "white"}, "p99"),
        ],
    )
    ax.yaxis.set_major_locator(MaxNLocator(2))
    ax.tick_params(labelsize=MIN_FONT)
    ax.set_xlabel("time (s)", fontsize=MIN_FONT)
    ax.grid(alpha=0.3)
    return {"p50": p50, "p99": p99}


def draw_balancer_dashboard(results: BalancerResults, bin: float = 1.0) -> tuple[Figure, dict[str, Any]]:
    """One figure: the balancer graph on the left; backend states, outcomes and latency over time on the right.

    >>> from course.balancing import BalancerScenario, simulate
    >>> fig, artists = draw_balancer_dashboard(simulate(BalancerScenario(), until=3))
    >>> sorted(artists), len(fig.axes)
    (['graph', 'latency', 'outcomes', 'states'], 4)
    >>> plt.close("all")
    """
    results = _results(results)
    ts = results.timeseries(bin)
    fig = plt.figure(figsize=(9.6, 4.8), dpi=DPI)
    grid = fig.add_gridspec(
        3, 2, width_ratios=[0.9, 1.1], left=0.005, right=0.985, top=0.88, bottom=0.09, hspace=0.42, wspace=0.08
    )
    graph_ax = fig.add_subplot(grid[:, 0])
    states_ax = fig.add_subplot(grid[0, 1])
    outcome_ax = fig.add_subplot(grid[1, 1], sharex=states_ax)
    latency_ax = fig.add_subplot(grid[2, 1], sharex=states_ax)
    artists = {
        "graph": draw_balancer(results, ax=graph_ax),
        "states": draw_backend_states(results, ax=states_ax),
        "outcomes": draw_outcomes_over_time(ts, ax=outcome_ax),
        "latency": draw_latency_percentiles(ts, ax=latency_ax),
    }
    for ax in (states_ax, outcome_ax):
        ax.tick_params(labelbottom=False)
    latency_ax.set_xlim(0, results.until)
    latency_ax.xaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))
    return fig, artists
