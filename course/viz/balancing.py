"""Pictures of lesson 2: the balancer and its backends, their states over time, strategies side by side.

Conventions as in every lesson: node fill = utilization (cividis), edge width = traffic, dashed
coloured edges = failed (502) or dropped (503) requests. A backend's trouble is also marked by
shape (a cross, a dashed or dotted ring) and every state has its own hatch, so no meaning rests
on colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import pairwise

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import MaxNLocator

from .graph import draw_flow_graph
from .palette import OKABE_ITO, status_colour

__all__ = [
    "STATE_STYLE",
    "draw_backend_states",
    "draw_balancer",
    "draw_balancer_dashboard",
    "draw_latency_percentiles",
    "draw_outcomes_over_time",
    "draw_shares",
    "draw_strategy_tails",
]

# How each backend state is drawn on a timeline: (fill colour, hatch); hatches tell them apart without colour.
STATE_STYLE = {
    "up": (OKABE_ITO["sky blue"], ""),
    "slow": (OKABE_ITO["orange"], ".."),
    "dead": (OKABE_ITO["vermillion"], "//"),
    "down": ("#bbbbbb", "xx"),
    "ejected": (OKABE_ITO["reddish purple"], "\\\\"),
    "starting": ("#dddddd", "--"),
    "draining": (OKABE_ITO["yellow"], "||"),
}
_X_CLIENTS, _X_BALANCER, _X_BACKENDS, _X_ERRORS = 0.0, 0.42, 1.0, 1.58
_ERROR_SLOTS = {"502": 0.72, "503": 0.28, "cache": 0.0}  # fixed places, so nothing jumps as sliders move
_ERROR_LABELS = {"502": "502\nfailed", "503": "503\ndropped", "cache": "cache\nhit"}


def _seconds(t: float) -> str:
    return f"{t:.1f}".rstrip("0").rstrip(".")


def _picture(results) -> nx.DiGraph:
    """The run as a graph with the attributes `draw_flow_graph` reads."""
    sc, summary = results.scenario, results.summary()
    g = nx.DiGraph()
    layer = getattr(getattr(sc, "layer", None), "name", "L7")
    strategy = getattr(getattr(sc, "strategy", None), "name", "").replace("_", " ")
    g.add_node("clients", kind="clients", label="clients")
    balancer = {"kind": "balancer", "label": layer}
    if results.tls_seconds.get("balancer", 0.0) > 0:
        balancer["utilization"] = results.balancer_utilization
    g.add_node("balancer", strategy=strategy, **balancer)
    g.add_edge("clients", "balancer", flow=summary.requests, label=str(summary.requests))
    for b in results.backends:
        g.add_node(b.name, kind="backend", utilization=b.utilization, label=b.name, stats=b)
        g.add_edge("balancer", b.name, flow=b.sent, label=f"{b.share:.0%}")
    errors = {"502": {}, "503": {}}
    for r in results.records:
        if r.status in (502, 503):
            source = r.backend or "balancer"
            errors[str(r.status)][source] = errors[str(r.status)].get(source, 0) + 1
    for status, by_source in errors.items():
        for source, count in by_source.items():
            g.add_node(status, kind="error", label=_ERROR_LABELS[status])
            g.add_edge(source, status, flow=count, label=str(count), style="dashed", colour=status_colour(int(status)))
    hits = sum(1 for r in results.records if r.backend == "cache")
    if hits:
        g.add_node("cache", kind="error", label=_ERROR_LABELS["cache"])
        g.add_edge("balancer", "cache", flow=hits, label=str(hits), colour=OKABE_ITO["bluish green"])
    return g


def _layout(g: nx.DiGraph) -> dict:
    """Clients, balancer, backends (top to bottom in pool order), then 502/503 in fixed slots."""
    backends = [n for n, d in g.nodes(data=True) if d.get("kind") == "backend"]
    pos = {"clients": (_X_CLIENTS, 0.5), "balancer": (_X_BALANCER, 0.5)}
    for i, name in enumerate(backends):
        y = 0.5 if len(backends) == 1 else 0.98 - 0.96 * i / (len(backends) - 1)
        pos[name] = (_X_BACKENDS, round(y, 6))
    for n, d in g.nodes(data=True):
        if d.get("kind") == "error":
            pos[n] = (_X_ERRORS, _ERROR_SLOTS[n])
    return pos


def draw_balancer(results, ax: Axes | None = None) -> dict:
    """Draw clients -> balancer -> backends: edge width = share of traffic, backend fill = utilization,
    dashed edges = failed (502) and dropped (503) requests; a cross marks a backend that died, a dashed
    ring one that joined or left, a dotted ring one that slowed down.

    >>> from course.balancing import BalancerScenario, Outage, simulate
    >>> res = simulate(BalancerScenario(backends=3, failures=(Outage("b1", at=1.0),)), until=3)
    >>> artists = draw_balancer(res)
    >>> [cross.get_marker() for cross in artists["crosses"]]
    ['X']
    >>> plt.close("all")
    """
    g = _picture(results)
    pos = _layout(g)
    n = sum(1 for _, d in g.nodes(data=True) if d.get("kind") == "backend")
    radius = min(0.085, max(0.06, 0.42 / max(n, 1)))
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.2))
    artists = draw_flow_graph(g, pos, ax=ax, max_width=7.0, node_radius=radius)
    crosses, rings = [], []
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
                    markersize=10,
                    color=OKABE_ITO["vermillion"],
                    markeredgecolor="white",
                    zorder=8,
                )[0]
            )
        if states & {"draining", "removed", "starting"} or b.added > 0:
            rings.append(ax.add_patch(Circle((x, y), radius * 1.3, fill=False, linestyle="--", zorder=2)))
        if "slow" in states:
            ring = Circle(
                (x, y), radius * 1.3, fill=False, linestyle=":", lw=2, edgecolor=OKABE_ITO["orange"], zorder=2
            )
            rings.append(ax.add_patch(ring))
    strategy = g.nodes["balancer"].get("strategy", "")
    if strategy:
        x, y = pos["balancer"]
        ax.text(x, y - radius * 1.3, f"balancer\n{strategy}", ha="center", va="top", fontsize=7)
    ax.text(
        0.0,
        -0.09,
        "edge width = requests sent · dashed = 502 failed, 503 dropped · fill = utilization\n"
        "(dark idle → yellow busy) · ✕ died · dashed ring: joined or left · dotted ring: slowed",
        fontsize=6.5,
        va="top",
        color="#555555",
    )
    ax.set_xlim(-0.1, _X_ERRORS + 0.12)
    ax.set_ylim(-0.2, 1.1)
    artists.update(crosses=crosses, rings=rings)
    return artists


def _key(ax: Axes, title: str, entries: list[tuple[str, dict, str]], size: float = 7.0) -> list:
    """A one-row legend above `ax`: `title`, then a swatch and a label per entry ("patch", "line" or "marker").

    Cheaper to draw than `ax.legend` (nothing is measured), which matters in a lab redrawn on every move.
    """
    fig = ax.figure
    box = ax.get_position()
    width_px = box.width * fig.get_figwidth() * fig.dpi
    height_px = box.height * fig.get_figheight() * fig.dpi
    char = 0.55 * size * fig.dpi / 72 / width_px  # an average character's width, in axes fractions
    swatch_w, swatch_h = 14 / width_px, 7 / height_px
    y = 1.0 + 5 / height_px
    opts = {"transform": ax.transAxes, "clip_on": False}
    drawn = [ax.text(0, y, title, fontsize=size, va="bottom", ha="left", **opts)]
    x = char * (len(title) + 1.5)
    for kind, style, label in entries:
        if kind == "patch":
            drawn.append(
                ax.add_patch(plt.Rectangle((x, y), swatch_w, swatch_h, edgecolor="#333333", lw=0, **style, **opts))
            )
        else:
            xs = [x + swatch_w / 2] if kind == "marker" else [x, x + swatch_w]
            drawn.extend(ax.plot(xs, [y + swatch_h / 2] * len(xs), linewidth=1.5, **style, **opts))
        drawn.append(ax.text(x + swatch_w + char * 0.6, y, label, fontsize=size, va="bottom", ha="left", **opts))
        x += swatch_w + char * (len(label) + 2.5)
    return drawn


def draw_backend_states(results, ax: Axes | None = None) -> dict:
    """One row per backend: its state over time (hatched and coloured bars), with a tick for every
    request sent to it while it was dead: the window the health checks leave open.

    >>> from course.balancing import BalancerScenario, simulate
    >>> artists = draw_backend_states(simulate(BalancerScenario(backends=2), until=2))
    >>> len(artists["bars"])
    2
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.8))
    until, names = results.until, [b.name for b in results.backends]
    bars, ticks, seen = [], [], set()
    for row, b in enumerate(results.backends):
        y = len(names) - 1 - row
        timeline = [*b.timeline, (b.removed if b.removed is not None else until, "end")]
        spans: dict[str, list[tuple[float, float]]] = {}
        for (t, state), (t_next, _) in pairwise(timeline):
            if state in STATE_STYLE and t_next > t:
                spans.setdefault(state, []).append((t, t_next - t))
        for state, xs in spans.items():
            face, hatch = STATE_STYLE[state]
            bar = ax.broken_barh(xs, (y - 0.35, 0.7), facecolors=face, edgecolor="#333333", linewidth=0)
            bar.set_hatch(hatch)
            bars.append(bar)
            seen.add(state)
    dead = {name: [] for name in names}
    for r in results.records:
        if r.note == "backend dead" and r.backend in dead:
            dead[r.backend].append(r.arrival)
    for row, name in enumerate(names):
        if dead[name]:
            y = len(names) - 1 - row
            ticks.append(
                ax.plot(dead[name], [y] * len(dead[name]), "|", color="black", markersize=6, mew=0.6, zorder=3)[0]
            )
    for o in results.outages:
        if o.sent_while_dead and o.backend in names:
            y = len(names) - 1 - names.index(o.backend)
            end = o.marked_down if o.marked_down is not None else (o.recovered or until)
            right = end > 0.8 * until
            ticks.append(
                ax.text(
                    end - 0.01 * until if right else end + 0.01 * until,
                    y,
                    f"{o.sent_while_dead} sent while dead",
                    fontsize=6.5,
                    ha="right" if right else "left",
                    va="center",
                    zorder=4,
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                )
            )
    mixed = len({b.speed for b in results.backends}) > 1
    labels = [f"{b.name} ×{b.speed:.2g}" if mixed else b.name for b in results.backends]
    ax.set_yticks(range(len(names)), list(reversed(labels)), fontsize=7)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlim(0, until)
    entries = [
        ("patch", {"facecolor": STATE_STYLE[s][0], "hatch": STATE_STYLE[s][1]}, s) for s in STATE_STYLE if s in seen
    ]
    if any(dead.values()):
        entries.append(("marker", {"marker": "|", "color": "black"}, "a request sent while dead"))
    _key(ax, "backend states, as the balancer sees them:", entries)
    return {"bars": bars, "ticks": ticks}


def draw_outcomes_over_time(ts, ax: Axes | None = None) -> dict:
    """Stacked areas per second: served (200), failed (502, a backend was dead) and dropped (503),
    each with its own hatch.

    >>> from course.balancing import BalancerScenario, simulate
    >>> [area.get_hatch() for area in draw_outcomes_over_time(simulate(BalancerScenario(), 3).timeseries())["areas"]]
    ['', '////', 'xx']
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.8))
    width = ts.t[1] - ts.t[0] if len(ts.t) > 1 else 1.0
    xs = [*ts.t, ts.t[-1] + width]  # the last bin drawn to its end
    series = [[n / width for n in s] + [s[-1] / width] for s in (ts.served, ts.failed, ts.dropped)]
    labels = ["200 served", "502 failed", "503 dropped"]
    colours = [status_colour(200), status_colour(502), status_colour(503)]
    areas = ax.stackplot(xs, *series, labels=labels, colors=colours, step="post")
    hatches = ("", "////", "xx")
    for area, hatch in zip(areas, hatches, strict=True):
        area.set_hatch(hatch)
        area.set_edgecolor("white")
        area.set_linewidth(0)
    _key(
        ax,
        "responses per second:",
        [("patch", {"facecolor": c, "hatch": h}, label) for c, h, label in zip(colours, hatches, labels, strict=True)],
    )
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(2, integer=True))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    return {"areas": areas}


def draw_latency_percentiles(ts, ax: Axes | None = None) -> dict:
    """p50 (solid) and p99 (dashed) latency of the requests served in each time bin, in milliseconds.

    >>> from course.balancing import BalancerScenario, simulate
    >>> draw_latency_percentiles(simulate(BalancerScenario(), 3).timeseries())["p99"].get_linestyle()
    '--'
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.8))
    p50 = ax.plot(ts.t, [x * 1000 for x in ts.p50], color=OKABE_ITO["blue"], marker=".")[0]
    p99 = ax.plot(ts.t, [x * 1000 for x in ts.p99], color=OKABE_ITO["vermillion"], linestyle="--", marker=".")[0]
    finite = [x for x in ts.p99 if not math.isnan(x)]
    ax.set_ylim(0, max(50.0, 1100 * max(finite, default=0.0)))
    _key(
        ax,
        "latency of served requests (ms):",
        [
            ("line", {"color": OKABE_ITO["blue"]}, "p50"),
            ("line", {"color": OKABE_ITO["vermillion"], "linestyle": "--"}, "p99"),
        ],
    )
    ax.yaxis.set_major_locator(MaxNLocator(2))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("time (s)", fontsize=8)
    ax.grid(alpha=0.3)
    return {"p50": p50, "p99": p99}


def draw_balancer_dashboard(results, bin: float = 1.0) -> tuple[Figure, dict]:
    """One figure: the balancer graph on the left; backend states, outcomes and latency over time on the right.

    >>> from course.balancing import BalancerScenario, simulate
    >>> fig, artists = draw_balancer_dashboard(simulate(BalancerScenario(), until=3))
    >>> sorted(artists), len(fig.axes)
    (['graph', 'latency', 'outcomes', 'states'], 4)
    >>> plt.close("all")
    """
    fig = plt.figure(figsize=(10.5, 4.4), dpi=80)
    grid = fig.add_gridspec(
        3, 2, width_ratios=[1.0, 1.1], left=0.005, right=0.985, top=0.9, bottom=0.09, hspace=0.3, wspace=0.06
    )
    graph_ax = fig.add_subplot(grid[:, 0])
    states_ax = fig.add_subplot(grid[0, 1])
    outcome_ax = fig.add_subplot(grid[1, 1], sharex=states_ax)
    latency_ax = fig.add_subplot(grid[2, 1], sharex=states_ax)
    ts = results.timeseries(bin)
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


def draw_shares(results: Mapping[str, object], ax: Axes | None = None, what: str = "share") -> dict:
    """Per backend, side by side for each run in `results` (label -> results): its share of the
    requests (`what="share"`) or its utilization (`what="utilization"`).

    >>> from course.balancing import BalancerScenario, simulate
    >>> runs = {"L7": simulate(BalancerScenario(backends=2), until=2)}
    >>> len(draw_shares(runs)["L7"])
    2
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    width = 0.8 / max(1, len(results))
    colours, hatches = [OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["bluish green"]], ["//", "", "xx"]
    artists, names = {}, []
    for i, (label, res) in enumerate(results.items()):
        names = [b.name for b in res.backends]
        values = [getattr(b, what) for b in res.backends]
        xs = [k + (i - (len(results) - 1) / 2) * width for k in range(len(values))]
        artists[label] = ax.bar(
            xs, values, width=width, color=colours[i % 3], hatch=hatches[i % 3], edgecolor="white", label=label
        )
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(f"{what} of the run" if what == "utilization" else "share of requests")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return artists


def draw_strategy_tails(results: Mapping[str, object]) -> tuple[Figure, dict]:
    """Strategies on the same traffic: p50 and p99 latency (left, log scale) and how busy each
    backend was under each strategy (right, with the numbers written in).

    >>> from course.balancing import BalancerScenario, simulate
    >>> fig, artists = draw_strategy_tails({"random": simulate(BalancerScenario(strategy="random"), until=2)})
    >>> sorted(artists)
    ['p50', 'p99', 'utilization']
    >>> plt.close("all")
    """
    names = list(results)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11, 0.5 * len(names) + 1.6), dpi=80, gridspec_kw={"width_ratios": [1.1, 1]}
    )
    ys = list(range(len(names)))[::-1]
    summaries = [results[n].summary() for n in names]
    p50 = left.barh(
        [y + 0.2 for y in ys], [s.p50 * 1000 for s in summaries], height=0.38, color=OKABE_ITO["blue"], label="p50"
    )
    p99 = left.barh(
        [y - 0.2 for y in ys],
        [s.p99 * 1000 for s in summaries],
        height=0.38,
        color=OKABE_ITO["vermillion"],
        hatch="//",
        edgecolor="white",
        label="p99",
    )
    for y, s in zip(ys, summaries, strict=True):
        dropped = f", {s.dropped / s.requests:.0%} dropped" if s.requests and s.dropped else ""
        left.text(s.p99 * 1000 * 1.08, y - 0.2, f"{s.p99 * 1000:.0f} ms{dropped}", va="center", fontsize=7)
    left.set_xscale("log")
    left.set_yticks(ys, [n.replace("_", " ") for n in names], fontsize=8)
    left.set_xlabel("latency of served requests (ms, log scale)")
    left.set_xlim(right=max([s.p99 * 1000 for s in summaries] + [10]) * 8)
    left.legend(fontsize=8, loc="lower right")
    left.grid(alpha=0.3, axis="x")
    backends = results[names[0]].backends
    grid = [[b.utilization for b in results[n].backends] for n in names]
    image = right.imshow(grid, cmap="cividis", vmin=0, vmax=1, aspect="auto")
    for i, row in enumerate(grid):
        for j, u in enumerate(row):
            right.text(j, i, f"{u:.0%}", ha="center", va="center", fontsize=8, color="white" if u < 0.55 else "black")
    right.set_yticks(range(len(names)), [n.replace("_", " ") for n in names], fontsize=8)
    right.set_xticks(range(len(backends)), [f"{b.name} ×{b.speed:g}" for b in backends], fontsize=8)
    right.set_title("utilization of each backend (speed)", fontsize=9)
    fig.tight_layout()
    return fig, {"p50": p50, "p99": p99, "utilization": image}
