"""Pictures of a simulated gateway run: the system as a flow graph, and outcomes and latency over time.

`gateway_graph(results)` turns a run into a networkx graph carrying the drawing attributes of
`course.viz.graph.draw_flow_graph`; `gateway_layout(graph)` places it with the shared
`layered_layout` (clients, gateway, services in columns; outcome nodes in a fixed row below),
so the picture stays still while sliders move.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..gateway import GatewayResults
from ..gateway.compare import LimiterOutcome
from ..gateway.results import GatewayTimeSeries
from ..sim import validate
from ..sim.outcomes import OUTCOMES
from .graph import Position, draw_flow_graph, layered_layout
from .palette import OKABE_ITO, status_colour

__all__ = [
    "OUTCOME_LABELS",
    "draw_gateway",
    "draw_gateway_dashboard",
    "draw_latency_over_time",
    "draw_limiter_timelines",
    "draw_outcomes_over_time",
    "gateway_graph",
    "gateway_layout",
]

# every outcome node a gateway picture may hold, in its fixed slot order along the bottom,
# with its label and the HTTP status whose colour it takes
OUTCOME_LABELS = {
    "unauthorized": ("401\nunauthorized", 401),
    "forbidden": ("403\nforbidden", 403),
    "not_found": ("404\nno route", 404),
    "rate_limited": ("429\nrate limited", 429),
    "rejected": ("503\nqueue full", 503),
}
_SERVED_COLOUR = status_colour(200)


def _outcome_colour(word: str) -> str:
    return status_colour(OUTCOME_LABELS[word][1]) if word in OUTCOME_LABELS else _SERVED_COLOUR


def _axes(ax: object, size: tuple[float, float] = (5, 2.5)) -> Axes:
    """`ax` if it is a matplotlib Axes, a new figure's Axes of `size` if it is None, else a ValueError naming it."""
    if ax is None:
        _, made = plt.subplots(figsize=size)
        return made
    return validate.instance("ax", ax, Axes, example="ax=plt.subplots()[1], or None for a new figure")


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
        g.add_node("anonymous", kind="client")
    g.add_node("gateway", kind="gateway")
    for service in scenario.services:
        utilization = results.utilization.get(service, 0.0)
        g.add_node(service, kind="service", utilization=utilization, label=service.replace("-service", "\nservice"))
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
            attrs.update(colour=_outcome_colour(flow.outcome), style="dashed")
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
    if node in OUTCOMES:
        return "outcome"
    return "client" if graph.has_edge(node, "gateway") else "service"


def gateway_layout(graph: nx.DiGraph) -> dict[str, Position]:
    """Fixed positions from `course.viz.graph.layered_layout`: clients in the left column, the
    gateway in the middle, services and the cache on the right, outcome nodes along the bottom in
    a fixed slot each (present or not), so the picture stays still as traffic changes.

    >>> pos = gateway_layout(nx.DiGraph([("alice", "gateway"), ("gateway", "users-service")]))
    >>> pos["alice"][0] < pos["gateway"][0] < pos["users-service"][0]
    True
    """
    validate.instance("graph", graph, nx.DiGraph, example="gateway_graph(results)")
    kinds = {node: _kind(graph, node) for node in graph.nodes}
    clients = [n for n in graph.nodes if kinds[n] == "client"]
    served = [n for n in graph.nodes if kinds[n] in ("service", "cache")]
    columns = layered_layout([clients, ["gateway"], served], width=1.9, height=1.2)
    pos = {node: (x, round(y + 0.05, 6)) for node, (x, y) in columns.items()}
    row = layered_layout([[word] for word in OUTCOME_LABELS], width=0.35 * (len(OUTCOME_LABELS) - 1), height=1.0)
    slots = {word: (x, 0.0) for word, (x, _) in row.items()}  # one node per column sits mid-height: move to 0
    extra = [n for n in graph.nodes if kinds[n] == "outcome" and n not in slots]
    for i, node in enumerate(extra):  # an outcome without a slot of its own goes to the right of the row
        slots[node] = (round(0.35 * (len(OUTCOME_LABELS) + i), 6), 0.0)
    pos.update({node: (round(x + 0.2, 6), y) for node, (x, y) in slots.items() if node in graph})
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
    artists = draw_flow_graph(g, gateway_layout(g), ax=_axes(ax, (7, 4)), max_width=7.0, node_radius=0.1)
    axes = artists["nodes"].axes
    axes.text(
        0.0,
        -0.2,
        "edge width = requests · dashed = refused or rejected · service fill = utilization (dark idle → yellow busy)",
        fontsize=7,
        color=OKABE_ITO["grey"],
    )
    axes.set_ylim(-0.25, 1.12)
    return artists


def draw_outcomes_over_time(ts: GatewayTimeSeries, ax: Axes | None = None) -> dict[str, Any]:
    """Stacked areas: requests per second by outcome, binned by arrival (served at the bottom)."""
    validate.instance("ts", ts, GatewayTimeSeries, example="results.timeseries(bin=1.0)")
    ax = _axes(ax)
    words = list(ts.by_outcome)
    width = ts.t[1] - ts.t[0] if len(ts.t) > 1 else 1.0
    series = [[n / width for n in ts.by_outcome[w]] for w in words]
    if words:
        labels = [w.replace("_", " ") for w in words]
        stack = ax.stackplot(ts.t, *series, labels=labels, colors=[_outcome_colour(w) for w in words])
        ax.legend(loc="upper right", fontsize=7, ncol=min(3, len(words)))
    else:
        stack = []
        ax.text(0.5, 0.5, "no requests", transform=ax.transAxes, ha="center", color=OKABE_ITO["grey"])
    ax.set_ylabel("requests / s")
    ax.set_xlabel("time (s)")
    ax.locator_params(nbins=4)
    ax.grid(alpha=0.3)
    return {"areas": stack}


def draw_latency_over_time(ts: GatewayTimeSeries, ax: Axes | None = None) -> dict[str, Any]:
    """p50 and p99 latency of the served requests per time bin, in milliseconds."""
    validate.instance("ts", ts, GatewayTimeSeries, example="results.timeseries(bin=1.0)")
    ax = _axes(ax)
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
    fig = plt.figure(figsize=(11, 4.4), dpi=80)
    grid = fig.add_gridspec(2, 2, width_ratios=[1.25, 1], left=0.01, right=0.98, top=0.97, bottom=0.11, hspace=0.12)
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


def draw_limiter_timelines(
    times: Sequence[float], outcomes: Sequence[LimiterOutcome], bin: float = 0.1, limit: float | None = None
) -> tuple[Figure, dict[str, Any]]:
    """One panel per limiter: requests per second offered (grey) and admitted (colour), per `bin`.

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
    fig, axes = plt.subplots(rows, 1, figsize=(9, 1.3 * rows + 0.6), sharex=True, sharey=True, squeeze=False)
    n = max(1, math.ceil((end + width) / width))
    edges = [i * width for i in range(n + 1)]

    def per_second(ts: Sequence[float]) -> list[float]:
        counts = [0] * n
        for t in ts:
            counts[min(int(t / width), n - 1)] += 1
        return [c / width for c in counts] + [0.0]

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
