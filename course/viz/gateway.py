"""Pictures of a simulated gateway run: the system as a flow graph, and statuses and latency over time."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .graph import draw_flow_graph
from .palette import OKABE_ITO, status_colour

__all__ = [
    "draw_gateway",
    "draw_gateway_dashboard",
    "draw_latency_over_time",
    "draw_limiter_timelines",
    "draw_status_over_time",
]

REJECTION_LABELS = {
    "401": "401\nno key",
    "403": "403\nforbidden",
    "404": "404\nno route",
    "429": "429\nrate limited",
    "503": "503\nbackend full",
}


def _picture(results) -> nx.DiGraph:
    """The run's graph with the drawing attributes `draw_flow_graph` reads."""
    source = results.graph()
    g = nx.DiGraph()
    for node, data in source.nodes(data=True):
        attrs = {}
        if data.get("kind") == "service":
            attrs["utilization"] = data.get("utilization", 0.0)
            attrs["label"] = node.replace("-service", "\nservice")
        elif data.get("kind") == "rejected":
            attrs["label"] = REJECTION_LABELS.get(node, node)
        elif data.get("kind") == "cache":
            attrs["label"] = "cache\nhit"
        g.add_node(node, kind=data.get("kind"), **attrs)
    for u, v, data in source.edges(data=True):
        count = data.get("count", 0)
        status = data.get("status")
        attrs = {"flow": count, "label": str(count) if count else ""}
        if data.get("kind") == "rejected" and status is not None:
            attrs.update(colour=status_colour(status), style="dashed")
        elif data.get("kind") == "cache":
            attrs.update(colour=OKABE_ITO["bluish green"])
        g.add_edge(u, v, **attrs)
    return g


def _spread(nodes: list[str], x: float, top: float, bottom: float) -> dict:
    if len(nodes) == 1:
        return {nodes[0]: (x, (top + bottom) / 2)}
    step = (top - bottom) / (len(nodes) - 1)
    return {n: (x, round(top - i * step, 6)) for i, n in enumerate(nodes)}


def _layout(g: nx.DiGraph) -> dict:
    """Clients on the left, the gateway in the middle, services and the cache on the right,
    rejections along the bottom: a fixed layout, so the picture stays still as sliders move."""
    kinds = {n: d.get("kind") for n, d in g.nodes(data=True)}
    clients = [n for n in g.nodes if kinds[n] == "client"]
    served = [n for n in g.nodes if kinds[n] in ("service", "cache")]
    rejected = [n for n in g.nodes if kinds[n] == "rejected"]
    pos = {"gateway": (0.9, 0.62)}
    pos.update(_spread(clients, 0.0, 1.0, 0.3))
    pos.update(_spread(served, 1.9, 1.0, 0.3))
    slots = list(REJECTION_LABELS)  # a fixed slot per status, present or not, so nothing jumps
    for n in rejected:
        i = slots.index(n) if n in slots else len(slots)
        pos[n] = (round(0.2 + 0.35 * i, 6), 0.0)
    return pos


def draw_gateway(results, ax: Axes | None = None) -> dict:
    """Draw clients -> gateway -> services: edge width is traffic, dashed edges are rejections,
    service colour is utilization (cividis: yellow is saturated).

    >>> from course.gateway import GatewayScenario, simulate
    >>> artists = draw_gateway(simulate(GatewayScenario.example(rate=50), until=2))
    >>> len(artists["edges"].get_segments()) > 5
    True
    >>> plt.close("all")
    """
    g = _picture(results)
    artists = draw_flow_graph(g, _layout(g), ax=ax, max_width=7.0, node_radius=0.1)
    axes = artists["nodes"].axes
    axes.text(
        0.0,
        -0.2,
        "edge width = requests · dashed = rejected · service fill = utilization (dark idle → yellow saturated)",
        fontsize=7,
        color=OKABE_ITO["grey"],
    )
    axes.set_ylim(-0.25, 1.12)
    return artists


def draw_status_over_time(ts, ax: Axes | None = None) -> dict:
    """Stacked areas: requests answered per second by status (200 at the bottom)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.5))
    statuses = sorted(ts.by_status)
    width = ts.t[1] - ts.t[0] if len(ts.t) > 1 else 1.0
    series = [[n / width for n in ts.by_status[s]] for s in statuses]
    if statuses:
        colours = [status_colour(s) for s in statuses]
        stack = ax.stackplot(ts.t, *series, labels=[str(s) for s in statuses], colors=colours)
        ax.legend(loc="upper right", fontsize=7, ncol=len(statuses))
    else:
        stack = []
        ax.text(0.5, 0.5, "no requests", transform=ax.transAxes, ha="center", color=OKABE_ITO["grey"])
    ax.set_ylabel("responses / s")
    ax.set_xlabel("time (s)")
    ax.locator_params(nbins=4)
    ax.grid(alpha=0.3)
    return {"areas": stack}


def draw_latency_over_time(ts, ax: Axes | None = None) -> dict:
    """p50 and p99 latency of successful requests per time bin, in milliseconds."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.5))
    p50 = ax.plot(ts.t, [x * 1000 for x in ts.p50], color=OKABE_ITO["blue"], marker=".", label="p50")[0]
    p99 = ax.plot(
        ts.t, [x * 1000 for x in ts.p99], color=OKABE_ITO["vermillion"], linestyle="--", marker=".", label="p99"
    )[0]
    finite = [x for x in ts.p99 if not math.isnan(x)]
    ax.set_ylim(0, max(50.0, 1100 * max(finite, default=0.0)))
    ax.set_ylabel("latency (ms)")
    ax.set_xlabel("time (s)")
    ax.locator_params(nbins=4)
    ax.legend(loc="upper right", fontsize=7)
    ax.grid(alpha=0.3)
    return {"p50": p50, "p99": p99}


def draw_gateway_dashboard(results, bin: float = 1.0) -> tuple[Figure, dict]:
    """One figure: the system graph on the left, statuses and latency over time on the right."""
    fig = plt.figure(figsize=(11, 4.4), dpi=80)
    grid = fig.add_gridspec(2, 2, width_ratios=[1.25, 1], left=0.01, right=0.98, top=0.97, bottom=0.11, hspace=0.12)
    graph_ax = fig.add_subplot(grid[:, 0])
    status_ax = fig.add_subplot(grid[0, 1])
    latency_ax = fig.add_subplot(grid[1, 1], sharex=status_ax)
    ts = results.timeseries(bin)
    artists = {
        "graph": draw_gateway(results, ax=graph_ax),
        "status": draw_status_over_time(ts, ax=status_ax),
        "latency": draw_latency_over_time(ts, ax=latency_ax),
    }
    status_ax.set_xlabel("")
    status_ax.tick_params(labelbottom=False)
    return fig, artists


def draw_limiter_timelines(times, outcomes, bin: float = 0.1, limit: float | None = None) -> tuple[Figure, dict]:
    """One panel per limiter: requests per second offered (grey) and admitted (colour), per `bin`.

    `limit` (requests per second) draws a dashed reference line in every panel.

    >>> from course.gateway import FixedWindow, compare_limiters
    >>> times = [0.05 * k for k in range(40)]
    >>> fig, artists = draw_limiter_timelines(times, compare_limiters(times, [FixedWindow(5, 1.0)]), limit=5)
    >>> sorted(artists)
    ['fixed_window']
    >>> plt.close("all")
    """
    rows = max(1, len(outcomes))
    fig, axes = plt.subplots(rows, 1, figsize=(9, 1.3 * rows + 0.6), sharex=True, sharey=True, squeeze=False)
    end = max(times, default=0.0) + bin
    n = max(1, math.ceil(end / bin))
    edges = [i * bin for i in range(n + 1)]

    def per_second(ts):
        counts = [0] * n
        for t in ts:
            counts[min(int(t / bin), n - 1)] += 1
        return [c / bin for c in counts] + [0.0]

    offered = per_second(times)
    colours = [OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish green"], OKABE_ITO["reddish purple"]]
    artists = {}
    for i, (ax, outcome) in enumerate(zip(axes[:, 0], outcomes, strict=False)):
        ax.fill_between(edges, offered, step="post", color="#dddddd", label="offered")
        artists[outcome.name] = ax.step(edges, per_second(outcome.accepted), where="post", color=colours[i % 4])[0]
        if limit is not None:
            ax.axhline(limit, color="black", linestyle="--", linewidth=0.8)
        ax.text(
            0.005,
            0.93,
            f"{outcome.name.replace('_', ' ')}: {outcome.admitted} admitted, at most {outcome.busiest} in one second",
            transform=ax.transAxes,
            fontsize=8,
            va="top",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )
        ax.set_ylabel("req/s", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("time (s)  ·  grey: offered, colour: admitted, dashed: the limit")
    fig.tight_layout(h_pad=0.3)
    return fig, artists
