"""Draw a whole design with its live flows: clients -> gateway -> tiers -> queues and streams -> outcomes.

The conventions of every picture in the course: edge width = requests (or messages, or records),
edges into an outcome are coloured by that outcome and dashed unless it is "served", an internal call
edge turns dashed vermillion when a tenth or more of its calls failed, part fill = utilization (cividis: dark is idle,
yellow is saturated). Beside the graph: how the requests that arrived each second ended, the p99
of their answers, and the backlogs (queue depth, consumer-group lag), with failures marked above.

Taught in lessons/06_putting_it_together.ipynb.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..design import DesignResults, DesignTimeSeries
from ..sim import validate
from ..sim.outcomes import OUTCOMES
from .graph import Position, draw_flow_graph, layered_layout
from .palette import OKABE_ITO, status_colour

__all__ = [
    "OUTCOME_COLOURS",
    "design_graph",
    "design_layout",
    "draw_answer_p99",
    "draw_backlogs",
    "draw_design",
    "draw_design_dashboard",
    "draw_design_outcomes",
]

DPI = 100  # 8 pt text is 11 px at 100 % zoom
FONT = 8.5  # the smallest text drawn
OUTCOME_COLOURS = {  # one colour per outcome word, the HTTP status's colour where it has one
    "served": status_colour(200),
    "rejected": status_colour(503),
    "rate_limited": status_colour(429),
    "unauthorized": status_colour(401),
    "forbidden": status_colour(403),
    "not_found": status_colour(404),
    "failed": status_colour(502),
    "timed_out": OKABE_ITO["sky blue"],
    "dead_lettered": OKABE_ITO["bluish green"],
    "lost": "#8C510A",
    "unfinished": "#D9D9D9",
}
_LABELS = {  # the status in the node, the words under it
    "served": "200\nserved",
    "rejected": "503\nrejected",
    "rate_limited": "429\nlimited",
    "unauthorized": "401\nno key",
    "forbidden": "403\nforbidden",
    "not_found": "404\nno route",
    "failed": "502\nfailed",
    "timed_out": "504\ntimed out",
    "dead_lettered": "dead\nletter",
    "lost": "\nlost",
    "unfinished": "\nunfinished",
}
_FAILED = 0.1  # an internal edge with this share of failed calls is drawn as failing


def _axes(ax: object, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, made = plt.subplots(figsize=size, dpi=DPI)
        return made
    return validate.instance("ax", ax, Axes, example="ax=plt.subplots()[1], or None for a new figure")


def _results(results: object) -> DesignResults:
    return validate.instance("results", results, DesignResults, example="simulate(Design.example('rides'), until=30)")


def _short(n: float) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else f"{n:,.0f}"


def design_graph(results: DesignResults) -> nx.DiGraph:
    """The run as a directed graph ready for `draw_flow_graph`: clients, the gateway, every tier, queue,
    stream and consumer group, and a node per outcome that happened.

    Nodes carry `kind` ("clients", "gateway", "tier", "queue", "stream", "group", "outcome") and
    `depth` (how many hops from the front door); tiers, queues and groups their `utilization`.
    Edges carry `flow` and `count`, `outcome` (on edges into an outcome node), `failed` (the share of
    an edge's calls whose caller got a failure back: a 5xx, a timeout, a refusal, a short-circuit), and
    `colour`, `style` and `label` for the drawing.

    >>> from course.design import Design, simulate
    >>> g = design_graph(simulate(Design.example("rides"), until=10, seed=0))
    >>> g.nodes["booking"]["kind"], g.nodes["matching"]["depth"], g.edges["booking", "matching"]["count"] > 0
    ('tier', 1, True)
    """
    results = _results(results)
    design = results.design
    g = nx.DiGraph()
    g.add_node("clients", kind="clients", depth=-2, label="", name="clients")
    if design.gateway:
        g.add_node("gateway", kind="gateway", depth=-1, label="", name="gateway")
    depth = {name: 0 for name in design.routes.services}
    for _ in design.kinds:  # longest path from the front door (links have no cycle of sync calls)
        for link in design.links:
            if link.source in depth:
                depth[link.target] = max(depth.get(link.target, 0), depth[link.source] + 1)
    stats = {p.name: p for p in results.parts()}
    for name, kind in design.kinds.items():
        p = stats[name]
        if kind == "tier":
            spec = design.part(name)
            label = f"{spec.instances}×{spec.workers}"  # type: ignore[union-attr]
        elif kind == "queue":
            label = f"{p.size} w"
        else:
            label = f"{p.size} p"
        attrs: dict[str, Any] = {
            "kind": kind,
            "depth": depth.get(name, 0),
            "label": label,
            "name": f"{name} {_short(p.arrived)}",
        }
        if not math.isnan(p.utilization):
            attrs["utilization"] = p.utilization
        g.add_node(name, **attrs)
    for p in results.parts():
        if p.kind == "group":
            stream, group = p.name.split(":", 1)
            g.add_node(
                p.name,
                kind="group",
                depth=depth.get(stream, 0) + 1,
                utilization=p.utilization,
                label=f"×{p.size}",
                name=f"{group} {_short(p.ok)}",
            )
    failed_share = results.figures.bad_calls
    for flow in results.flows():
        if flow.target not in g:
            code, _, words = _LABELS.get(flow.target, flow.target).rpartition("\n")
            g.add_node(flow.target, kind="outcome", depth=99, label=code, name=words)
        # edges into an outcome or out of the front door stay unlabelled: the node they reach says how many
        labelled = flow.outcome is None and flow.source not in ("gateway", "clients")
        attrs = {"flow": flow.count, "count": flow.count, "outcome": flow.outcome, "label": ""}
        if flow.outcome is not None:  # dashed when it ends badly, as the key under the picture says
            attrs.update(colour=OUTCOME_COLOURS[flow.outcome], style="solid" if flow.outcome == "served" else "dashed")
        else:
            share = failed_share.get((flow.source, flow.target), 0.0)
            bad = share >= _FAILED
            attrs.update(failed=share, colour=OKABE_ITO["vermillion"] if bad else "#444444")
            if bad:
                attrs["style"] = "dashed"
            if labelled and bad:  # counts are on the nodes; an edge speaks up only when its calls fail
                attrs["label"] = f"{share:.0%} bad"
        g.add_edge(flow.source, flow.target, **attrs)
    counts = results.outcome_counts()
    for node, data in g.nodes(data=True):
        if data["kind"] == "outcome":
            data["name"] = f"{data['name']} {_short(counts.get(node, 0))}"
    return g


def _columns(graph: nx.DiGraph) -> list[list[str]]:
    """The graph's nodes by column: one per depth, then the outcomes in the order of `course.sim.OUTCOMES`."""
    by_depth: dict[int, list[str]] = {}
    guess = {"clients": -2, "gateway": -1, **dict.fromkeys(OUTCOMES, 99)}  # for nodes drawn without a depth
    for node, data in graph.nodes(data=True):
        by_depth.setdefault(int(data.get("depth", guess.get(node, 0))), []).append(node)
    outcomes = sorted(by_depth.pop(99, []), key=lambda w: list(OUTCOMES).index(w) if w in OUTCOMES else 99)
    columns = [by_depth[d] for d in sorted(by_depth)]
    if outcomes:
        columns.append(outcomes)
    return columns


def design_layout(graph: nx.DiGraph) -> dict[str, Position]:
    """Fixed positions from `course.viz.graph.layered_layout`: one column per hop from the front door
    (clients, gateway, the tiers routes lead to, what they call, ...), outcomes in the last column in
    the fixed order of `course.sim.OUTCOMES`, so the picture keeps still as the sliders move.

    >>> pos = design_layout(nx.DiGraph([("clients", "gateway")]))
    >>> pos["clients"][0] < pos["gateway"][0]
    True
    """
    validate.instance("graph", graph, nx.DiGraph, example="design_graph(results)")
    columns = _columns(graph)
    tall = max((len(c) for c in columns), default=1)
    return layered_layout(columns, width=1.25 * max(1, len(columns) - 1), height=max(1.0, 0.55 * tall), min_gap=0.55)


def draw_design(results: DesignResults, ax: Axes | None = None) -> dict[str, Any]:
    """Draw the design with its flows on `ax` (a new figure if None); return the artists by kind.

    >>> from course.design import Design, simulate
    >>> artists = draw_design(simulate(Design.example("rides"), until=5, seed=0))
    >>> sorted(artists)[:3], len(artists["edges"].get_segments()) > 5
    (['arrowheads', 'down', 'edge_labels'], True)
    >>> plt.close("all")
    """
    g = design_graph(results)
    pos = design_layout(g)
    ax = _axes(ax, (7, 4))
    labelled = [(u, v) for u, v, d in g.edges(data=True) if d.get("label")]
    if len(labelled) > 8:  # a dense picture keeps the labels of its 8 widest edges
        keep = set(sorted(labelled, key=lambda e: -g.edges[e]["flow"])[:8])
        for edge in labelled:
            if edge not in keep:
                g.edges[edge]["label"] = ""
    radius = 0.13
    artists = draw_flow_graph(g, pos, ax=ax, max_width=7.0, node_radius=radius)
    for text in [*artists["labels"].values(), *artists["edge_labels"]]:
        text.set_fontsize(FONT)
    names = {}
    fills = list(artists["nodes"].get_facecolors())
    for i, (node, data) in enumerate(g.nodes(data=True)):
        if data.get("kind") == "outcome":  # an outcome node wears its outcome's colour
            fills[i] = OUTCOME_COLOURS.get(node, "white")
            artists["labels"][node].set_color("white" if node in ("failed", "served", "rejected") else "black")
        x, y = pos[node]
        names[node] = ax.text(  # on a white card: a line passing behind a name never crosses out its letters
            x, y - radius - 0.03, data.get("name", node), ha="center", va="top", fontsize=FONT, zorder=4,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 0.6},
        )  # fmt: skip
    artists["nodes"].set_facecolors(fills)
    labelled = [(u, v) for u, v, d in g.edges(data=True) if d.get("label")]
    for (u, v), text in zip(labelled, artists["edge_labels"], strict=True):  # halfway along, clear of the nodes
        (x0, y0), (x1, y1) = pos[u], pos[v]
        text.set_position(((x0 + x1) / 2, (y0 + y1) / 2))
    artists["names"] = names
    down = [f.target for f in results.design.failures]
    for node in down:
        if node in g:
            x, y = pos[node]
            artists["down"].append(
                ax.plot([x + 0.12], [y + 0.12], marker="X", markersize=10, color=OKABE_ITO["vermillion"], zorder=6)[0]
            )
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.3, max(xs) + 0.3)
    ax.set_ylim(min(ys) - 0.42, max(ys) + 0.2)
    ax.text(
        0.0,
        -0.02,
        "edge width = traffic · dashed = ends badly (colour = outcome) · fill = utilization · X = failure injected",
        transform=ax.transAxes,
        fontsize=FONT,
        color="#555555",
        va="top",
    )
    return artists


def _marks(results: DesignResults, ax: Axes, top: bool) -> list[Any]:
    """Dotted vertical lines at each failure and its mending; their words above the panel (never on the data)."""
    drawn: list[Any] = []
    for t, text in results.figures.events:
        drawn.append(ax.axvline(t, color="#555555", linestyle=":", linewidth=1.0))
        if top:  # a failure's words end at its line, the mending's start there: neighbours never overlap
            ha = "left" if text == "mended" else "right"
            drawn.append(ax.text(t, 1.02, text, transform=ax.get_xaxis_transform(), fontsize=FONT, ha=ha, va="bottom"))
    return drawn


def draw_design_outcomes(results: DesignResults, ax: Axes | None = None, bin: float = 1.0) -> dict[str, Any]:
    """Stacked steps: requests per second by how they ended, binned by arrival (served at the bottom)."""
    results = _results(results)
    ts = results.timeseries(bin)
    ax = _axes(ax, (6, 2.2))
    width = ts.t[1] - ts.t[0] if len(ts.t) > 1 else results.until
    edges = [*ts.t, ts.t[-1] + width]
    below = [0.0] * len(edges)
    areas = []
    for word in OUTCOMES:
        if word not in ts.outcomes:
            continue
        rate = [n / width for n in ts.outcomes[word]]
        above = [b + r for b, r in zip(below, [*rate, rate[-1]], strict=True)]
        areas.append(
            ax.fill_between(
                edges, below, above, step="post", color=OUTCOME_COLOURS[word], label=word.replace("_", " "), lw=0
            )
        )
        below = above
    ax.set_ylim(0, max(1.0, 1.08 * max(below)))
    _time_axis(ax, ts, results.until)
    ax.set_ylabel("requests/s", fontsize=FONT)
    ax.yaxis.set_major_locator(MaxNLocator(4))
    if areas:
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=4,
            fontsize=FONT,
            frameon=False,
            handlelength=1.2,
            columnspacing=0.8,
        )
    else:
        ax.text(0.5, 0.5, "no requests", transform=ax.transAxes, ha="center", fontsize=FONT, color="#555555")
    return {"areas": areas, "marks": _marks(results, ax, top=False), "timeseries": ts}


def _time_axis(ax: Axes, ts: DesignTimeSeries, until: float) -> list[float]:
    """Bin middles; the time axis from 0 to the end of the run, a few ticks, a light grid."""
    width = ts.t[1] - ts.t[0] if len(ts.t) > 1 else until
    ax.set_xlim(0, max(until, 1.0))
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.set_xlabel("time (s)", fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    ax.grid(alpha=0.3)
    return [t + width / 2 for t in ts.t]


def draw_backlogs(results: DesignResults, ts: DesignTimeSeries | None = None, ax: Axes | None = None) -> dict[str, Any]:
    """Every queue's depth and every consumer group's lag over time, one line each (style and marker differ,
    so equal lines stay visible), with the failures marked and named above the panel."""
    results = _results(results)
    ts = (
        results.timeseries()
        if ts is None
        else validate.instance("ts", ts, DesignTimeSeries, example="results.timeseries()")
    )
    ax = _axes(ax, (6, 2.2))
    mid = _time_axis(ax, ts, results.until)
    styles = ["-", "--", "-.", ":"]
    markers = ["o", "s", "^", "D", "v", "P"]
    colours = [OKABE_ITO["orange"], OKABE_ITO["reddish purple"], OKABE_ITO["bluish green"], OKABE_ITO["blue"]]
    lines = []
    for i, (name, series) in enumerate(ts.backlogs.items()):
        kind = "lag" if ":" in name else "depth"
        lines.append(
            ax.plot(
                mid,
                series,
                linestyle=styles[i % len(styles)],
                marker=markers[i % len(markers)],
                markersize=3,
                color=colours[i % len(colours)],
                label=f"{name.split(':')[-1]} {kind}",
            )[0]
        )
    top = max((max(s) for s in ts.backlogs.values() if s), default=0)
    ax.set_ylim(0, max(5, 1.15 * top))
    ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.set_ylabel("backlog", fontsize=FONT)
    if lines:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=FONT, frameon=False, handlelength=1.6)
    else:
        ax.text(0.5, 0.5, "no queue or stream", transform=ax.transAxes, ha="center", fontsize=FONT, color="#555555")
    return {"lines": lines, "marks": _marks(results, ax, top=True)}


def draw_answer_p99(
    results: DesignResults, ts: DesignTimeSeries | None = None, ax: Axes | None = None
) -> dict[str, Any]:
    """The p99 of the answers to the requests that arrived each second, in milliseconds, failures marked."""
    results = _results(results)
    ts = (
        results.timeseries()
        if ts is None
        else validate.instance("ts", ts, DesignTimeSeries, example="results.timeseries()")
    )
    ax = _axes(ax, (6, 2.2))
    mid = _time_axis(ax, ts, results.until)
    p99 = [x * 1000 for x in ts.p99]
    line = ax.plot(mid, p99, color=OKABE_ITO["blue"], linewidth=1.5, marker="o", markersize=3, label="p99 answer")[0]
    finite = [x for x in p99 if not math.isnan(x)]
    ax.set_ylim(0, max(50.0, 1.1 * max(finite, default=0.0)))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.set_ylabel("p99 answer (ms)", fontsize=FONT)
    if not finite:
        ax.text(0.5, 0.5, "nothing served", transform=ax.transAxes, ha="center", fontsize=FONT, color="#555555")
    return {"line": line, "marks": _marks(results, ax, top=True)}


def draw_design_dashboard(results: DesignResults, bin: float = 1.0) -> tuple[Figure, dict[str, Any]]:
    """One figure: the design and its flows on top; below, requests by outcome over time, and every queue's
    depth and group's lag over time (or, for a design without either, the answers' p99).

    >>> from course.design import Design, simulate
    >>> fig, artists = draw_design_dashboard(simulate(Design.example("rides"), until=5, seed=0))
    >>> sorted(artists)
    ['backlogs', 'graph', 'outcomes']
    >>> plt.close("all")
    """
    results = _results(results)
    results.bins(bin)  # refuse a bad bin before drawing anything
    rows = max((len(column) for column in _columns(design_graph(results))), default=1)
    graph_inches = 0.9 + 0.62 * rows  # the graph's row grows with its tallest column
    fig = plt.figure(figsize=(11, graph_inches + 2.9), dpi=DPI)
    grid = fig.add_gridspec(
        2,
        2,
        height_ratios=[graph_inches, 2.3],
        left=0.055,
        right=0.79,
        top=0.99,
        bottom=0.55 / (graph_inches + 2.9),
        hspace=0.45 / (graph_inches + 2.9) * 4,
        wspace=0.3,
    )
    graph_ax = fig.add_subplot(grid[0, :])
    outcome_ax = fig.add_subplot(grid[1, 0])
    backlog_ax = fig.add_subplot(grid[1, 1])
    outcomes = draw_design_outcomes(results, ax=outcome_ax, bin=bin)
    ts = outcomes["timeseries"]
    artists = {"graph": draw_design(results, ax=graph_ax), "outcomes": outcomes}
    if ts.backlogs:  # queues and streams: how far behind they fell says more than the p99 (in the summary)
        artists["backlogs"] = draw_backlogs(results, ts, ax=backlog_ax)
    else:
        artists["p99"] = draw_answer_p99(results, ts, ax=backlog_ax)
    return fig, artists
