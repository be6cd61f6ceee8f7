"""Pictures of lesson 1: the gateway as a flow graph, outcomes and latency over time, rate limiters
side by side, the load admission control lets through to a service, and a fleet of gateways.

`gateway_graph(results)` turns a run into a networkx graph carrying the drawing attributes of
`course.viz.graph.draw_flow_graph`; `gateway_layout(graph)` places it with the shared
`layered_layout` (clients, gateway, services in columns; outcome nodes in a fixed row below),
so the picture stays still while sliders move. Every figure is drawn at 100 dpi with no text
under 8 pt, legends outside the data, and time axes from 0 to the end of the run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..gateway import FleetResults, GatewayResults
from ..gateway.compare import LimiterOutcome
from ..gateway.results import GatewayTimeSeries
from ..sim import validate
from ..sim.outcomes import OUTCOMES
from .graph import Position, draw_flow_graph, layered_layout
from .palette import OKABE_ITO, status_colour

__all__ = [
    "DPI",
    "OUTCOME_LABELS",
    "draw_fleet",
    "draw_gateway",
    "draw_gateway_dashboard",
    "draw_latency_over_time",
    "draw_limiter_timelines",
    "draw_outcomes_over_time",
    "draw_service_load",
    "gateway_graph",
    "gateway_layout",
]

DPI = 100  # every figure here: 8 pt text is 11 px, readable at 100 % zoom
FONT = 8.5  # the smallest text drawn

# every outcome node a gateway picture may hold, in its fixed slot order (the gateway's refusals
# along the bottom, a full queue to the right of the services), with its label and the HTTP
# status whose colour it takes; the status is drawn in the node, the words under it
OUTCOME_LABELS = {
    "unauthorized": ("401\nno key", 401),
    "forbidden": ("403\nforbidden", 403),
    "not_found": ("404\nno route", 404),
    "rate_limited": ("429\nlimited", 429),
    "shed": ("503\nshed", 503),
    "rejected": ("503\nqueue full", 503),
}
_BOTTOM_ROW = ("unauthorized", "forbidden", "not_found", "rate_limited", "shed")
_SERVED_COLOUR = status_colour(200)
_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))
_MARKERS = ("o", "s", "^", "D", "v")


def _outcome_colour(word: str) -> str:
    return status_colour(OUTCOME_LABELS[word][1]) if word in OUTCOME_LABELS else _SERVED_COLOUR


def _axes(ax: object, size: tuple[float, float] = (5, 2.5)) -> Axes:
    """`ax` if it is a matplotlib Axes, a new figure's Axes of `size` if it is None, else a ValueError naming it."""
    if ax is None:
        _, made = plt.subplots(figsize=size, dpi=DPI)
        return made
    return validate.instance("ax", ax, Axes, example="ax=plt.subplots()[1], or None for a new figure")


def _time_axis(ax: Axes, end: float) -> None:
    """A time axis from 0 to `end` seconds (never the -0.05..0.05 s of an empty plot)."""
    ax.set_xlim(0, max(end, 1.0))
    ax.set_xlabel("time (s)", fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    ax.grid(alpha=0.3)


def gateway_graph(results: GatewayResults) -> nx.DiGraph:
    """The run as a directed graph ready for `draw_flow_graph`: every client and service of the
    scenario, the gateway, the cache (when it answered) and an outcome node per kind of refusal.

    Nodes carry `kind` (client, gateway, service, cache, outcome), services their `utilization`;
    edges carry `count` and `flow` (requests), `outcome` (set on edges into an outcome node, which
    are dashed and coloured by status) and a `label`.

    >>> from course.gateway import GatewayScenario, simulate
    >>> g = gateway_graph(simulate(GatewayScenario.example(rate=300), until=4, seed=0))
    >>> g.nodes["rate_limited"]["kind"], g.edges["gateway", "rate_limited"]["style"]
    ('outcome', 'dashed')
    """
    validate.instance("results", results, GatewayResults, example="simulate(GatewayScenario.example(), until=12)")
    scenario = results.scenario
    g = nx.DiGraph()
    for client in scenario.clients:
        g.add_node(client.name, kind="client")
    if scenario.anonymous_share > 0 or any(r.client == "anonymous" for r in results.records):
        g.add_node("anonymous", kind="client", label="no key")
    g.add_node("gateway", kind="gateway", label="gate-\nway")
    for service in scenario.services:
        utilization = results.utilization.get(service, 0.0)
        g.add_node(service, kind="service", utilization=utilization, label=service.replace("-service", ""))
    for flow in results.flows():
        for node in (flow.source, flow.target):
            if node in g:
                continue
            if node == "cache":
                g.add_node(node, kind="cache", label="cache\nhit")
            else:
                g.add_node(node, kind="outcome", label=OUTCOME_LABELS.get(node, (node, 0))[0])
        attrs: dict[str, Any] = {"count": flow.count, "flow": flow.count, "outcome": flow.outcome}
        attrs["label"] = str(flow.count) if flow.count else ""
        if flow.outcome is not None:
            attrs.update(colour=_outcome_colour(flow.target), style="dashed")
        elif flow.target == "cache":
            attrs.update(colour=OKABE_ITO["bluish green"])
        g.add_edge(flow.source, flow.target, **attrs)
    return g


def _kind(graph: nx.DiGraph, node: str) -> str:
    """A node's kind: its `kind` attribute, else guessed from its name and edges."""
    kind = graph.nodes[node].get("kind")
    if kind:
        return str(kind)
    if node in ("gateway", "cache"):
        return node
    if node in OUTCOMES or node in OUTCOME_LABELS:
        return "outcome"
    return "client" if graph.has_edge(node, "gateway") else "service"


def gateway_layout(graph: nx.DiGraph) -> dict[str, Position]:
    """Fixed positions from `course.viz.graph.layered_layout`: clients in the left column, the
    gateway in the middle, services and the cache on the right, the gateway's refusals along the
    bottom and the full-queue node right of the services, each in a fixed slot (present or not),
    so the picture stays still as traffic changes.

    >>> pos = gateway_layout(nx.DiGraph([("alice", "gateway"), ("gateway", "users-service")]))
    >>> pos["alice"][0] < pos["gateway"][0] < pos["users-service"][0]
    True
    """
    validate.instance("graph", graph, nx.DiGraph, example="gateway_graph(results)")
    kinds = {node: _kind(graph, node) for node in graph.nodes}
    clients = [n for n in graph.nodes if kinds[n] == "client"]
    served = [n for n in graph.nodes if kinds[n] in ("service", "cache")]
    columns = layered_layout([clients, ["gateway"], served], width=2.0, height=1.25)
    pos = {node: (x, round(y + 0.1, 6)) for node, (x, y) in columns.items()}
    step = 0.36
    row = layered_layout([[word] for word in _BOTTOM_ROW], width=step * (len(_BOTTOM_ROW) - 1), height=1.0)
    slots = {word: (round(x + 0.1, 6), 0.0) for word, (x, _) in row.items()}  # mid-height: move to 0
    slots["rejected"] = (2.55, round(0.1 + 1.25 / 2, 6))  # right of the services, level with the middle one
    extra = [n for n in graph.nodes if kinds[n] == "outcome" and n not in slots]
    for i, node in enumerate(extra):  # an outcome without a slot of its own goes to the right of the row
        slots[node] = (round(0.1 + step * (len(_BOTTOM_ROW) + i), 6), 0.0)
    pos.update({node: xy for node, xy in slots.items() if node in graph})
    return pos


def draw_gateway(results: GatewayResults, ax: Axes | None = None) -> dict[str, Any]:
    """Draw clients -> gateway -> services: edge width is traffic, dashed edges are refusals and
    rejections (colour = status), service fill is utilization (cividis: yellow is saturated).

    >>> from course.gateway import GatewayScenario, simulate
    >>> artists = draw_gateway(simulate(GatewayScenario.example(rate=50), until=2))
    >>> len(artists["edges"].get_segments()) > 5
    True
    >>> plt.close("all")
    """
    g = gateway_graph(results)
    pos = gateway_layout(g)
    words = {}
    for node, data in g.nodes(data=True):
        if data.get("kind") == "outcome" and "\n" in data.get("label", ""):
            data["label"], words[node] = data["label"].split("\n", 1)  # the status in the node, the words below
    artists = draw_flow_graph(g, pos, ax=_axes(ax, (6, 4)), max_width=7.0, node_radius=0.13)
    axes = artists["nodes"].axes
    for node, text in words.items():
        artists["labels"][f"{node} words"] = axes.text(
            pos[node][0], pos[node][1] - 0.16, text, ha="center", va="top", fontsize=FONT, zorder=4
        )
    labelled = [(u, v) for u, v, d in g.edges(data=True) if d.get("label")]
    for (u, v), text in zip(labelled, artists["edge_labels"], strict=True):
        if g.nodes[v].get("kind") == "outcome":  # refusals fan out from the gateway: label them near their end
            (x0, y0), (x1, y1) = pos[u], pos[v]
            along = 0.72 if u == "gateway" else 0.42
            text.set_position((x0 + along * (x1 - x0), y0 + along * (y1 - y0)))
    for text in [*artists["labels"].values(), *artists["edge_labels"]]:
        text.set_fontsize(FONT)
    axes.text(
        0.0,
        -0.36,
        "edge width = requests · dashed = refused\nservice fill = utilization (dark idle → yellow busy)",
        fontsize=FONT,
        color="#555555",
        va="top",
    )
    axes.set_xlim(-0.17, 2.72)
    axes.set_ylim(-0.66, 1.5)
    return artists


def draw_outcomes_over_time(ts: GatewayTimeSeries, ax: Axes | None = None) -> dict[str, Any]:
    """Stacked steps: requests per second by outcome, binned by arrival (served at the bottom), the
    legend above the data; the time axis runs from 0 to the end of the run even with no traffic."""
    validate.instance("ts", ts, GatewayTimeSeries, example="results.timeseries(bin=1.0)")
    ax = _axes(ax)
    words = list(ts.by_outcome)
    edges = [*ts.t, ts.t[-1] + ts.width] if ts.t else [0.0, ts.width]
    below = [0.0] * len(edges)
    areas = []
    for word in words:
        rate = [n / ts.width for n in ts.by_outcome[word]]
        above = [b + r for b, r in zip(below, [*rate, rate[-1]], strict=True)]
        label = word.replace("_", " ") + (" (503)" if word == "rejected" else "")
        areas.append(ax.fill_between(edges, below, above, step="post", color=_outcome_colour(word), label=label, lw=0))
        below = above
    if words:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=FONT, frameon=False)
    else:
        ax.text(0.5, 0.5, "no requests", transform=ax.transAxes, ha="center", color="#555555", fontsize=FONT)
    ax.set_ylim(0, max(1.0, 1.05 * max(below)))
    ax.set_ylabel("requests / s", fontsize=FONT)
    _time_axis(ax, edges[-1])
    return {"areas": areas}


def draw_latency_over_time(ts: GatewayTimeSeries, ax: Axes | None = None) -> dict[str, Any]:
    """p50 (solid, dots) and p99 (dashed, squares) latency of the served requests per time bin, in ms."""
    validate.instance("ts", ts, GatewayTimeSeries, example="results.timeseries(bin=1.0)")
    ax = _axes(ax)
    mid = [t + ts.width / 2 for t in ts.t]
    p50 = ax.plot(mid, [x * 1000 for x in ts.p50], color=OKABE_ITO["blue"], marker="o", ms=3, label="p50")[0]
    p99 = ax.plot(
        mid, [x * 1000 for x in ts.p99], color=OKABE_ITO["vermillion"], linestyle="--", marker="s", ms=3, label="p99"
    )[0]
    finite = [x for x in ts.p99 if not math.isnan(x)]
    if not finite:
        ax.text(0.5, 0.5, "nothing served", transform=ax.transAxes, ha="center", color="#555555", fontsize=FONT)
    ax.set_ylim(0, max(50.0, 1100 * max(finite, default=0.0)))
    ax.set_ylabel("latency (ms)", fontsize=FONT)
    _time_axis(ax, (ts.t[-1] + ts.width) if ts.t else ts.width)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=FONT, frameon=False)
    return {"p50": p50, "p99": p99}


def draw_gateway_dashboard(results: GatewayResults, bin: float = 1.0) -> tuple[Figure, dict[str, Any]]:
    """One figure: the system graph on the left, outcomes and latency over time on the right.

    >>> from course.gateway import GatewayScenario, simulate
    >>> fig, artists = draw_gateway_dashboard(simulate(GatewayScenario.example(), until=3))
    >>> sorted(artists), len(fig.axes)
    (['graph', 'latency', 'outcomes'], 3)
    >>> plt.close("all")
    """
    validate.instance("results", results, GatewayResults, example="simulate(GatewayScenario.example(), until=12)")
    ts = results.timeseries(bin)  # validates `bin` before anything is drawn
    fig = plt.figure(figsize=(10, 4.6), dpi=DPI)
    grid = fig.add_gridspec(
        2, 2, width_ratios=[1.3, 1], left=0.0, right=0.925, top=0.86, bottom=0.11, hspace=0.35, wspace=0.1
    )
    graph_ax = fig.add_subplot(grid[:, 0])
    outcome_ax = fig.add_subplot(grid[0, 1])
    latency_ax = fig.add_subplot(grid[1, 1], sharex=outcome_ax)
    artists = {
        "graph": draw_gateway(results, ax=graph_ax),
        "outcomes": draw_outcomes_over_time(ts, ax=outcome_ax),
        "latency": draw_latency_over_time(ts, ax=latency_ax),
    }
    outcome_ax.set_xlabel("")
    outcome_ax.tick_params(labelbottom=False)
    return fig, artists


def _per_second(times: Sequence[float], n: int, width: float) -> list[float]:
    counts = [0] * n
    for t in times:
        counts[min(int(t / width), n - 1)] += 1
    return [c / width for c in counts] + [counts[-1] / width if counts else 0.0]


def draw_limiter_timelines(
    times: Sequence[float], outcomes: Sequence[LimiterOutcome], bin: float = 0.1, limit: float | None = None
) -> tuple[Figure, dict[str, Any]]:
    """One panel per limiter: requests per second offered (grey) and admitted (colour), per `bin`,
    with the limiter's counts in the panel's title, above the data.

    `limit` (requests per second) draws a dashed reference line in every panel.

    >>> from course.gateway import FixedWindow, compare_limiters
    >>> times = [0.05 * k for k in range(40)]
    >>> fig, artists = draw_limiter_timelines(times, compare_limiters(times, [FixedWindow(5, 1.0)]), limit=5)
    >>> sorted(artists)
    ['fixed_window']
    >>> plt.close("all")
    """
    if not isinstance(times, (list, tuple)):
        raise ValueError(f"times must be a list of request times in seconds (got {times!r})")
    end = max((validate.duration("times", t) for t in times), default=0.0)
    width = validate.number("bin", bin, positive=True, why="the width of one time bin, in seconds")
    validate.bin_count(width, end + width)
    if not isinstance(outcomes, (list, tuple)):
        raise ValueError(f"outcomes must be what compare_limiters returns (got {outcomes!r})")
    for outcome in outcomes:
        validate.instance("outcomes", outcome, LimiterOutcome, example="compare_limiters(times, [FixedWindow(5, 1)])")
    if limit is not None:
        validate.number("limit", limit, minimum=0.0, why="requests per second, drawn as a dashed line")
    rows = max(1, len(outcomes))
    fig, axes = plt.subplots(rows, 1, figsize=(8, 1.5 * rows + 0.7), dpi=DPI, sharex=True, sharey=True, squeeze=False)
    n = max(1, math.ceil((end + width) / width))
    edges = [i * width for i in range(n + 1)]
    offered = _per_second(times, n, width)
    colours = [OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish green"], OKABE_ITO["reddish purple"]]
    artists = {}
    for i, (ax, outcome) in enumerate(zip(axes[:, 0], outcomes, strict=False)):
        ax.fill_between(edges, offered, step="post", color="#dddddd", label="offered")
        admitted = _per_second(outcome.accepted, n, width)
        artists[outcome.name] = ax.step(edges, admitted, where="post", color=colours[i % 4], lw=1.4)[0]
        if limit is not None:
            ax.axhline(limit, color="black", linestyle="--", linewidth=0.9)
        ax.set_title(
            f"{outcome.name.replace('_', ' ')}: {outcome.admitted} admitted, at most {outcome.busiest} in one second",
            fontsize=FONT + 0.5,
            loc="left",
        )
        ax.set_ylabel("req/s", fontsize=FONT)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=FONT)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("time (s)  ·  grey: offered, colour: admitted, dashed: the limit", fontsize=FONT)
    axes[-1, 0].set_xlim(0, edges[-1])
    fig.tight_layout(h_pad=0.4)
    return fig, artists


def draw_service_load(
    runs: Mapping[str, GatewayResults], service: str = "orders-service", bin: float = 1.0, ax: Axes | None = None
) -> dict[str, Any]:
    """The load each run sends `service` per `bin` seconds, as a share of what it can answer: one line per
    run (its own dash and marker), 100 % = the service's capacity, the 70-80 % band shaded, legend outside."""
    validate.instance("runs", runs, Mapping, example="{'off': simulate(GatewayScenario.example(), until=20)}")
    if not runs:
        raise ValueError("runs must hold at least one run (got {}): e.g. {'off': results}")
    for result in runs.values():
        validate.instance("runs", result, GatewayResults, example="{'off': simulate(GatewayScenario.example())}")
    loads = {name: [100 * x for x in result.load(service, bin)] for name, result in runs.items()}  # validates first
    ax = _axes(ax, (8, 3.2))
    ax.axhspan(70, 80, color=OKABE_ITO["bluish green"], alpha=0.18, lw=0, label="70-80 % of capacity")
    ax.axhline(100, color="black", linewidth=0.9, label="capacity")
    lines = {}
    colours = [OKABE_ITO[c] for c in ("vermillion", "reddish purple", "blue", "bluish green", "orange")]
    end = peak = 0.0
    for i, (name, load) in enumerate(loads.items()):
        mid = [(k + 0.5) * bin for k in range(len(load))]
        end, peak = max(end, len(load) * bin), max(peak, *load)
        lines[name] = ax.plot(
            mid, load, color=colours[i % 5], linestyle=_STYLES[i % 5], marker=_MARKERS[i % 5], ms=3.5, label=name
        )[0]
    ax.set_ylabel(f"{service}\nload (% of capacity)", fontsize=FONT)
    ax.set_ylim(0, max(110.0, 1.08 * peak))
    _time_axis(ax, end)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=FONT, frameon=False)
    return {"lines": lines}


def draw_fleet(runs: Mapping[str, FleetResults], bin: float = 1.0) -> tuple[Figure, dict[str, Any]]:
    """One panel per fleet run: the client's requests per second offered (grey) and admitted (blue),
    the limit (dashed), and when the shared store was down (a band above the data); each run's
    numbers in its title.

    >>> from course.gateway import FleetScenario, simulate
    >>> fig, artists = draw_fleet({"shared": simulate(FleetScenario(), until=4)})
    >>> sorted(artists)
    ['shared']
    >>> plt.close("all")
    """
    validate.instance("runs", runs, Mapping, example="{'shared': simulate(FleetScenario(), until=12)}")
    if not runs:
        raise ValueError("runs must hold at least one run (got {}): e.g. {'shared': results}")
    for result in runs.values():
        validate.instance("runs", result, FleetResults, example="{'shared': simulate(FleetScenario(), until=12)}")
    rows = len(runs)
    fig, axes = plt.subplots(rows, 1, figsize=(8, 1.45 * rows + 0.7), dpi=DPI, sharex=True, squeeze=False)
    artists = {}
    top = 1.0
    for ax, (name, result) in zip(axes[:, 0], runs.items(), strict=True):
        ts = result.timeseries(bin)
        edges = [*ts.t, ts.t[-1] + bin]
        offered = [(a + b + c) / bin for a, b, c in zip(ts.served, ts.rate_limited, ts.rejected, strict=True)]
        admitted = [n / bin for n in ts.served]
        ax.fill_between(edges, [*offered, offered[-1]], step="post", color="#dddddd", lw=0)
        artists[name] = ax.step(edges, [*admitted, admitted[-1]], where="post", color=OKABE_ITO["blue"], lw=2.4)[0]
        ax.axhline(result.scenario.limit, color="black", linestyle="--", linewidth=0.9, zorder=3)
        down = result.scenario.store_down
        if down is not None and result.scenario.counters == "shared":  # a band above the data, not over it
            ax.axvspan(*down, ymin=0.86, ymax=1.0, color=OKABE_ITO["vermillion"], alpha=0.25, lw=0)
            ax.text(
                sum(down) / 2,
                0.93,
                "store down",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="center",
                fontsize=FONT,
            )
        s = result.summary()
        ax.set_title(
            f"{name}: {s.admitted_rate:.0f}/s admitted, busiest second {s.busiest}", fontsize=FONT + 0.5, loc="left"
        )
        ax.set_ylabel("req/s", fontsize=FONT)
        ax.tick_params(labelsize=FONT)
        ax.grid(alpha=0.3)
        top = max(top, *offered)
    for ax in axes[:, 0]:
        ax.set_ylim(0, 1.25 * top)
    end = max(r.until for r in runs.values())
    axes[-1, 0].set_xlim(0, end)
    axes[-1, 0].set_xlabel("time (s)  ·  grey: sent, blue: admitted, dashed: the limit", fontsize=FONT)
    fig.tight_layout(h_pad=0.4)
    return fig, artists
