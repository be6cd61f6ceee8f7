"""Pictures of lesson 5: commands -> aggregates -> events -> the log -> read models, and what the readers see.

- `eventsourcing_graph` / `draw_eventsourcing_graph`: one node per command type, aggregate,
  event type, the log and each read model; edge width and label = how many went that way up to
  a log position (time travel), dashed vermillion = commands refused; each read model's edge
  says how far it had read at that moment.
- `draw_lag`: events each read model is behind the log, over time, with the moment marked.
- `draw_city_board`: completed rides per city, what the log says against what the dashboard showed.
- `draw_replay_cost`: events folded to load an aggregate, full replay against snapshot + tail.

Positions come from `course.viz.graph.layered_layout` and depend on nothing but the node types,
so the picture stays still while sliders move. Every text is at least 8 pt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, cast

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..sim import validate
from .graph import layered_layout
from .palette import OKABE_ITO

__all__ = [
    "COMMAND_NODES",
    "EVENT_NODES",
    "draw_city_board",
    "draw_eventsourcing_dashboard",
    "draw_eventsourcing_graph",
    "draw_lag",
    "draw_replay_cost",
    "eventsourcing_graph",
    "eventsourcing_layout",
]

FONT = 8  # points: the smallest text in these pictures
COMMAND_NODES = (
    "RequestRide",
    "AcceptRide",
    "CancelRide",
    "StartRide",
    "CompleteRide",
    "PayRide",
    "OpenWallet",
    "Deposit",
)
EVENT_NODES = (
    "RideRequested",
    "RideAccepted",
    "RideCancelled",
    "RideStarted",
    "RideCompleted",
    "RidePaid",
    "WalletOpened",
    "Deposited",
)
AGGREGATE_NODES = ("ride", "wallet", "rejected")
LOG, READERS = "event log", ("rider history", "city dashboard")
LAG_POINTS = 240  # samples of each read model's lag drawn over the run
MODEL_STYLES = {"rider history": (OKABE_ITO["blue"], "-"), "city dashboard": (OKABE_ITO["orange"], "--")}


def _results(results: Any) -> None:
    from ..eventsourcing import EventSourcingResults

    validate.instance(
        "results", results, EventSourcingResults, example="simulate(EventSourcingScenario.example(), until=60)"
    )


def _ax(ax: Any) -> None:
    if ax is not None:
        validate.instance("ax", ax, Axes, example="plt.subplots()[1]")


def _position(results: Any, position: int | None) -> int:
    _results(results)
    end = len(results.entries)
    if position is None:
        return end
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= end:
        raise ValueError(f"position must be a whole number from 0 to {end} (got {position!r}): a position in the log")
    return position


def eventsourcing_graph(results: Any, position: int | None = None) -> nx.DiGraph:
    """The run up to log `position` (default: the end) as a graph.

    Nodes carry `kind` ("command", "aggregate", "event", "log", "read model") and `count` (commands
    handled, events recorded, or events a read model had read); edges carry `flow`, the count that
    went that way (commands refused go to the "rejected" node).

    >>> from course.eventsourcing import EventSourcingScenario, simulate
    >>> g = eventsourcing_graph(simulate(EventSourcingScenario.example(), until=10, seed=0))
    >>> g.edges["ride", "RideRequested"]["flow"] == g.edges["RequestRide", "ride"]["flow"]
    True
    >>> sorted(g.successors("event log"))
    ['city dashboard', 'rider history']
    """
    position = _position(results, position)
    time = results.entries[position - 1].time if position else 0.0
    commands = [r for r in results.records if r.time <= time] if position else []
    by_command = Counter(r.command for r in commands)
    by_aggregate = Counter(r.stream.split("-")[0] for r in commands)
    refused = Counter(r.stream.split("-")[0] for r in commands if r.status == "rejected")
    by_type = Counter(e.type for e in results.entries[:position])
    g = nx.DiGraph()
    for command in COMMAND_NODES:
        g.add_node(command, kind="command", count=by_command.get(command, 0))
    for aggregate in AGGREGATE_NODES:
        count = sum(refused.values()) if aggregate == "rejected" else by_aggregate.get(aggregate, 0)
        g.add_node(aggregate, kind="aggregate", count=count)
    for event in EVENT_NODES:
        g.add_node(event, kind="event", count=by_type.get(event, 0))
    g.add_node(LOG, kind="log", count=position)
    for command in COMMAND_NODES:
        aggregate = "wallet" if command in ("OpenWallet", "Deposit") else "ride"
        g.add_edge(command, aggregate, flow=by_command.get(command, 0))
    for aggregate in ("ride", "wallet"):
        g.add_edge(aggregate, "rejected", flow=refused.get(aggregate, 0), refused=True)
    for event in EVENT_NODES:
        aggregate = "wallet" if event in ("WalletOpened", "Deposited") else "ride"
        g.add_edge(aggregate, event, flow=by_type.get(event, 0))
        g.add_edge(event, LOG, flow=by_type.get(event, 0))
    for name in READERS:
        read = min(position, results.checkpoint_at(name, time))
        g.add_node(name, kind="read model", count=read, behind=position - read)
        g.add_edge(LOG, name, flow=read)
    return g


def eventsourcing_layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Fixed positions: commands, aggregates, event types, the log, read models, left to right.

    >>> from course.eventsourcing import EventSourcingScenario, simulate
    >>> pos = eventsourcing_layout(eventsourcing_graph(simulate(EventSourcingScenario.example(), until=5)))
    >>> xs = [pos[n][0] for n in ("RequestRide", "ride", "RideRequested", "event log", "city dashboard")]
    >>> xs == sorted(xs)
    True
    """
    validate.instance("graph", graph, nx.DiGraph, example="eventsourcing_graph(results)")
    layers = [
        [n for n in COMMAND_NODES if n in graph],
        [n for n in AGGREGATE_NODES if n in graph],
        [n for n in EVENT_NODES if n in graph],
        [LOG],
        [n for n in READERS if n in graph],
    ]
    return layered_layout(layers, width=COLUMNS_WIDTH, height=1.0)


COLUMNS_WIDTH = 4.0
_HEADERS = ("commands", "aggregates", "events", "the log", "read models")
_FACE = {
    "command": "#E8F1FA",
    "aggregate": "#FFFFFF",
    "event": "#FDF6D8",
    "log": "#E6E6E6",
    "read model": "#FBE6CC",
}
_HALF = 0.3  # room for half the widest box at each side, in data units


def _label(name: str, data: dict) -> str:
    kind, count = data["kind"], data["count"]
    if kind == "read model":
        behind = data["behind"]
        return f"{name}\nread {count:,} · " + ("up to date" if behind == 0 else f"{behind:,} behind")
    if kind == "log":
        return f"event log\n{count:,} events"
    if kind == "aggregate":
        return f"{name} ×{count:,}"
    return f"{name} ×{count:,}"


def draw_eventsourcing_graph(results: Any, position: int | None = None, ax: Axes | None = None) -> dict:
    """Draw the graph of `results` up to `position`: labelled boxes, edges as wide as their counts.

    Refused commands go to "rejected" along dashed vermillion edges; each read model says how far
    it had read and how far behind the log it was at that moment.

    >>> from course.eventsourcing import EventSourcingScenario, simulate
    >>> artists = draw_eventsourcing_graph(simulate(EventSourcingScenario.example(), until=10, seed=0), position=5)
    >>> min(t.get_fontsize() for t in artists["labels"].values()) >= 8
    True
    >>> artists["labels"]["event log"].get_text()
    'event log\\n5 events'
    >>> plt.close("all")
    """
    _ax(ax)
    graph = eventsourcing_graph(results, position)
    pos = eventsourcing_layout(graph)
    if ax is None:
        _, ax = plt.subplots(figsize=(9.6, 3.4), dpi=100)
    xlim = (-_HALF - 0.08, COLUMNS_WIDTH + _HALF + 0.12)
    ax.set_xlim(*xlim)
    texts = {name: _label(name, data) for name, data in graph.nodes(data=True)}
    figure = cast(Figure, ax.figure)
    inches = ax.get_position().width * figure.get_figwidth()
    char = 0.6 * FONT / 72 * (xlim[1] - xlim[0]) / inches  # an average character's width, in data units
    half = {name: char * max(map(len, text.split("\n"))) / 2 + 0.6 * char for name, text in texts.items()}
    tall = ax.get_position().height * figure.get_figheight()
    line = 1.3 * FONT / 72 * (1.1 - 0.03) / tall  # a text line's height, in data units
    top = max(d["flow"] for _, _, d in graph.edges(data=True)) or 1
    segments, widths, colours, styles = [], [], [], []
    for u, v, d in graph.edges(data=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        if x0 == x1 and u == "ride":  # down the aggregates' column to "rejected", around the wallet
            bend = x0 - half["wallet"] - char
            segments.append([(x0 - half[u] / 2, y0 - line), (bend, pos["wallet"][1]), (x1 - half[v] / 2, y1 + line)])
        elif x0 == x1:
            segments.append([(x0, y0 - line), (x1, y1 + line)])
        else:
            segments.append([(x0 + half[u], y0), (x1 - half[v], y1)])
        flow = d["flow"]
        widths.append(0.4 + 4.6 * flow / top if flow else 0.4)
        refused = d.get("refused", False)
        colours.append(OKABE_ITO["vermillion"] if refused else (OKABE_ITO["black"] if flow else OKABE_ITO["grey"]))
        styles.append("--" if refused or not flow else "-")
    edges = LineCollection(segments, linewidths=widths, colors=colours, linestyles=styles, zorder=1)
    ax.add_collection(edges)
    labels = {}
    for name, data in graph.nodes(data=True):
        x, y = pos[name]
        refused = name == "rejected"
        labels[name] = ax.text(
            x,
            y,
            texts[name],
            ha="center",
            va="center",
            fontsize=FONT,
            zorder=3,
            linespacing=1.1,
            bbox={
                "boxstyle": "round,pad=0.3",
                "facecolor": _FACE[data["kind"]],
                "edgecolor": OKABE_ITO["vermillion"] if refused else OKABE_ITO["black"],
                "linestyle": "--" if refused else "-",
                "linewidth": 0.8,
            },
        )
    for i, header in enumerate(_HEADERS):
        ax.text(COLUMNS_WIDTH * i / 4, 1.02, header, ha="center", va="bottom", fontsize=FONT + 1, weight="bold")
    ax.set_ylim(0.03, 1.1)
    ax.set_axis_off()
    return {"graph": graph, "edges": edges, "labels": labels}


def draw_lag(results: Any, position: int | None = None, ax: Axes | None = None) -> dict:
    """Events each read model is behind the log over time (just before and after each read); the moment marked."""
    _ax(ax)
    position = _position(results, position)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.4), dpi=100)
    lines = {}
    grid = [results.until * i / LAG_POINTS for i in range(LAG_POINTS + 1)]
    for name in READERS:
        colour, style = MODEL_STYLES[name]
        lag = [results.lag_at(name, t) for t in grid]
        lines[name] = ax.plot(grid, lag, color=colour, linestyle=style, linewidth=1.2, label=name)[0]
    time = results.entries[position - 1].time if position else 0.0
    ax.axvline(time, color=OKABE_ITO["black"], linewidth=1, linestyle=":")
    right = time > 0.8 * results.until  # near the right edge the label goes left of the line, inside the axes
    ax.text(
        time,
        0.97,
        f"t = {time:.1f} s " if right else f" t = {time:.1f} s",
        ha="right" if right else "left",
        transform=ax.get_xaxis_transform(),
        va="top",
        fontsize=FONT,
    )
    ax.set_xlim(0, results.until)
    ax.set_ylim(bottom=-0.04 * max(1.0, ax.get_ylim()[1]))  # a read model that keeps up stays visible at 0
    ax.xaxis.set_major_locator(MaxNLocator(4))  # few ticks: each text costs a redraw
    ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
    ax.tick_params(labelsize=FONT)
    ax.set_xlabel("time (s)", fontsize=FONT, labelpad=1)
    ax.set_ylabel("events behind", fontsize=FONT)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=FONT, frameon=False, bbox_to_anchor=(0.0, 1.22), ncol=2)
    return lines


def draw_city_board(moment: Any, ax: Axes | None = None) -> dict:
    """Completed rides per city at a `Moment`: the log's truth (bars) against what the dashboard showed (outlines).

    >>> from course.eventsourcing import EventSourcingScenario, simulate
    >>> moment = simulate(EventSourcingScenario.example(), until=30, seed=0).moment(300)
    >>> artists = draw_city_board(moment)
    >>> counts = [moment.truth.completed[c] for c in artists["cities"]]
    >>> counts == sorted(counts, reverse=True) and len(artists["truth"]) == len(counts)
    True
    >>> plt.close("all")
    """
    from ..eventsourcing import Moment

    validate.instance("moment", moment, Moment, example="results.moment(120)")
    _ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 2.4), dpi=100)
    named = set(moment.truth.completed) | set(moment.seen.completed)
    cities = sorted(named, key=lambda c: (-moment.truth.completed.get(c, 0), c))  # busiest first, ties by name
    xs = range(len(cities))
    truth = [moment.truth.completed.get(c, 0) for c in cities]
    seen = [moment.seen.completed.get(c, 0) for c in cities]
    bars = ax.bar(xs, truth, color=OKABE_ITO["sky blue"], label="in the log")
    shown = ax.bar(
        xs, seen, fill=False, edgecolor=OKABE_ITO["black"], linewidth=1.2, linestyle="--", label="on the dashboard"
    )
    ax.set_xticks(list(xs), cities, rotation=45, ha="right", fontsize=FONT)
    ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.tick_params(axis="y", labelsize=FONT)
    ax.set_ylabel("rides completed", fontsize=FONT)
    ax.legend(loc="upper right", fontsize=FONT, frameon=False)
    return {"truth": bars, "seen": shown, "cities": cities}


def draw_eventsourcing_dashboard(results: Any, position: int | None = None) -> tuple[Figure, dict]:
    """One figure at log `position`: the graph on top, the read models' lag over time below (the moment marked).

    >>> from course.eventsourcing import EventSourcingScenario, simulate
    >>> fig, artists = draw_eventsourcing_dashboard(simulate(EventSourcingScenario.example(), until=10, seed=0))
    >>> sorted(artists)
    ['graph', 'lag']
    >>> plt.close("all")
    """
    position = _position(results, position)
    fig = plt.figure(figsize=(9.6, 5.4), dpi=100)
    grid = fig.add_gridspec(2, 1, height_ratios=[1.9, 1], left=0.07, right=0.98, top=0.99, bottom=0.09, hspace=0.28)
    graph_ax = fig.add_subplot(grid[0])
    lag_ax = fig.add_subplot(grid[1])
    artists = {
        "graph": draw_eventsourcing_graph(results, position, ax=graph_ax),
        "lag": draw_lag(results, position, ax=lag_ax),
    }
    return fig, artists


def draw_replay_cost(
    history: Sequence[int],
    full: Sequence[float],
    from_snapshot: Sequence[float],
    ax: Axes | None = None,
    ylabel: str = "events folded to load it",
) -> dict:
    """Events folded (or milliseconds spent) to load one aggregate against its history's length, on log-log axes:
    full replay against the latest snapshot plus the events after it.

    >>> artists = draw_replay_cost([10, 100, 1000], [10, 100, 1000], [10, 0, 0])
    >>> sorted(artists)
    ['full', 'snapshot']
    >>> plt.close("all")
    """
    for name, values in (("history", history), ("full", full), ("from_snapshot", from_snapshot)):
        validate.instance(name, values, (list, tuple), example="[100, 1000, 10000]")
        for value in values:
            validate.number(name, value, minimum=0, why="counts of events, or seconds")
    _ax(ax)
    if not len(history) == len(full) == len(from_snapshot):
        raise ValueError(
            f"history, full and from_snapshot must have the same length (got {len(history)}, {len(full)}, "
            f"{len(from_snapshot)}): one cost of each kind per history length"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 2.8), dpi=100)
    full_line = ax.plot(history, full, marker="o", color=OKABE_ITO["vermillion"], label="full replay")[0]
    snap_line = ax.plot(
        history, from_snapshot, marker="s", linestyle="--", color=OKABE_ITO["blue"], label="snapshot + tail"
    )[0]
    if all(v > 0 for v in (*history, *full, *from_snapshot)):
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("events in the stream", fontsize=FONT + 1)
    ax.set_ylabel(validate.instance("ylabel", ylabel, str, example="'milliseconds'"), fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=FONT, frameon=False)
    return {"full": full_line, "snapshot": snap_line}
