"""Pictures of queue runs: the system as a flow graph, and where the messages are and how long they take, over time.

The graph follows the shared conventions of `course.viz.graph` (edge width = messages, dashed =
messages lost, consumer fill = utilization); every chart names its series in a legend above the
data and tells them apart by line style or marker as well as colour. One colour, one meaning in
a figure: blue queued, sky blue waiting to retry, reddish purple held at the producers,
vermillion lost, orange dead-lettered, bluish green acked, black latency. Every text is at least
8 pt at the figure's 100 dpi. The comparison charts of the lesson are in `course.viz.messaging_compare`.
Taught in lessons/03_queues.ipynb.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..messaging import QueueResults, QueueTimeSeries
from ..sim import Spike, validate
from .graph import Position, draw_flow_graph, layered_layout
from .palette import OKABE_ITO

__all__ = [
    "COLOURS",
    "DPI",
    "FONT",
    "consumer_utilization",
    "draw_messages_over_time",
    "draw_queue",
    "draw_queue_dashboard",
    "draw_queue_latency",
    "queue_graph",
    "queue_layout",
]

DPI = 100  # every figure of lesson 3: with FONT, text is at least 8 pt as displayed
FONT = 8  # points: the smallest text in these pictures
COLOURS = {
    "queued": OKABE_ITO["blue"],
    "retrying": OKABE_ITO["sky blue"],
    "held": OKABE_ITO["reddish purple"],
    "lost": OKABE_ITO["vermillion"],
    "dlq": OKABE_ITO["orange"],
    "acked": OKABE_ITO["bluish green"],
    "latency": OKABE_ITO["black"],
    "reference": OKABE_ITO["grey"],
}
LOST, RETRY, DEAD, ACKED = COLOURS["lost"], COLOURS["retrying"], COLOURS["dlq"], COLOURS["acked"]
LEGEND = "edge width = messages · dashed = lost · consumer fill = utilization (dark idle → yellow busy)"
WIDTH = 2.3  # the graph's columns: producers, queue (or partitions), consumers, acked / DLQ
NODE_RADIUS = 0.15
BELOW = -0.35  # the row under the columns: rejected messages and the retry loop


def _results(results: object) -> QueueResults:
    return validate.instance("results", results, QueueResults, example="results=simulate(QueueScenario(), until=60)")


def _ax(ax: object) -> Axes | None:
    return None if ax is None else validate.instance("ax", ax, Axes, example="ax=plt.subplots()[1]")


def _ts(ts: object) -> QueueTimeSeries:
    return validate.instance("ts", ts, QueueTimeSeries, example="ts=results.timeseries(bin=1.0)")


def _span(span: object, name: str = "span") -> tuple[float, float] | None:
    if span is None:
        return None
    if not isinstance(span, (tuple, list)) or len(span) != 2:
        raise ValueError(f"{name} must be (start, end) in seconds, or None (got {span!r})")
    start = validate.duration(name, span[0], why="(start, end) of the shaded time window")
    end = validate.duration(name, span[1], why="(start, end) of the shaded time window")
    if not start < end:
        raise ValueError(f"{name} must be (start, end) with start < end (got {span!r})")
    return start, end


def _burst(results: QueueResults) -> tuple[float, float] | None:
    """The burst window of a run whose one source is a `Spike` (None otherwise)."""
    source = results.scenario.source
    return (float(source.start), float(source.start + source.duration)) if isinstance(source, Spike) else None


def consumer_utilization(results: QueueResults) -> list[float]:
    """The share of the run each consumer spent working, from the event log (delivery to ack, fail or crash).

    >>> from course.messaging import QueueScenario, simulate
    >>> from course.sim import ConstantRate
    >>> one = QueueScenario(source=ConstantRate(rate=1), processing=0.5, consumers=1)
    >>> consumer_utilization(simulate(one, until=10))
    [0.45]
    """
    results = _results(results)
    busy = [0.0] * results.consumers
    start: dict[tuple[int, int], float] = {}
    for e in results.events:
        if e.consumer < 0:
            continue
        if e.kind == "deliver":
            start[e.message, e.consumer] = e.t
        elif e.kind in ("ack", "fail", "crash", "late_ack") or (e.kind == "dead_letter" and e.detail == "poison"):
            began = start.pop((e.message, e.consumer), None)
            if began is not None:
                busy[e.consumer] += e.t - began
    for (_, c), began in start.items():  # still working when the run ended
        busy[c] += results.until - began
    return [round(b / results.until, 6) if results.until else 0.0 for b in busy]


def queue_graph(results: QueueResults) -> nx.DiGraph:
    """The run's flows as a graph with the attributes `draw_flow_graph` reads.

    Producers -> queue (or one node per partition) -> consumers -> acked; failed and timed-out
    deliveries go through a "retry" node back to the queue, exhausted ones to the "dlq"; messages
    refused by a full queue (or pushed out of it) end in "rejected", on dashed edges.

    >>> from course.messaging import QueueScenario, simulate
    >>> g = queue_graph(simulate(QueueScenario(consumers=2), until=5))
    >>> sorted(g.nodes)
    ['acked', 'consumer 0', 'consumer 1', 'dlq', 'producers', 'queue', 'retry']
    """
    results = _results(results)
    s = results.summary()
    partitions = results.partitions
    queues = ["queue"] if partitions is None else [f"partition {p}" for p in range(partitions)]
    use = consumer_utilization(results)
    g = nx.DiGraph()
    g.add_node("producers", label=f"sent\n{s.produced}" + (f"\n{s.held} held" if s.held else ""))
    for q in queues:
        g.add_node(q, label=(q.replace("partition ", "part. ") if partitions else f"queue\nmax {s.max_depth}"))
    for c in range(results.consumers):
        g.add_node(f"consumer {c}", label=f"c{c}", utilization=use[c])
    g.add_node("acked", label=f"acked\n{s.served}")
    g.add_node("retry", label="retry")
    g.add_node("dlq", label=f"DLQ\n{len(results.dead_letters)}")
    retries: dict[str, int] = {}
    rejected = 0
    for f in results.flows():
        a, b, n = f.source, f.target, int(f.count)  # messages: whole numbers
        if a.startswith("consumer") and b in queues:  # a failure or a timeout: back through the retry node
            g.add_edge(a, "retry", flow=n, colour=RETRY)
            retries[b] = retries.get(b, 0) + n
        elif b == "rejected":
            rejected += n
            g.add_edge(a, b, flow=n, colour=LOST, style="dashed", label=str(n))
        elif b == "dlq" or a == "dlq":
            g.add_edge(a, b, flow=n, colour=DEAD, label=str(n) if a == "dlq" else "")
        elif b == "acked":
            g.add_edge(a, b, flow=n, colour=ACKED)
        else:
            g.add_edge(a, b, flow=n, label=str(n) if a == "producers" else "")
    if rejected:
        g.nodes["rejected"]["label"] = f"rejected\n{rejected}"
    for q, n in retries.items():
        g.add_edge("retry", q, flow=n, colour=RETRY, label=str(n))
    return g


def _numbered(g: nx.DiGraph, prefix: str) -> list[str]:
    return sorted((n for n in g.nodes if n.startswith(prefix)), key=lambda n: int(n.split()[1]))


def queue_layout(g: nx.DiGraph) -> dict[str, Position]:
    """Fixed positions: producers, queue (or partitions), consumers and outcomes in four columns; losses below.

    The columns come from `course.viz.graph.layered_layout`; more than four consumers zig-zag so
    that neighbours never touch. Positions depend only on which nodes exist, so a picture stays
    still while sliders move.

    >>> queue_layout(nx.DiGraph([("producers", "queue")]))
    {'producers': (0.0, 0.6), 'queue': (0.766667, 0.6)}
    """
    validate.instance("g", g, nx.DiGraph, example="g=queue_graph(results)")
    consumers = _numbered(g, "consumer ")
    queues = _numbered(g, "partition ") or ["queue"]
    height = max(1.2, 2.2 * NODE_RADIUS * (len(consumers) + 1))  # every other consumer at least a node apart
    pos = layered_layout([["producers"], queues, consumers, ["acked", "dlq"]], width=WIDTH, height=height)
    if len(consumers) > 4:
        for i, n in enumerate(consumers):
            x, y = pos[n]
            pos[n] = (round(x + (0.12 if i % 2 else -0.12), 6), y)
    column = [pos["producers"][0], pos[queues[0]][0], WIDTH * 2 / 3]
    pos["rejected"] = (round((column[0] + column[1]) / 2, 6), BELOW)
    pos["retry"] = (round(column[2], 6), BELOW)
    missing = [n for n in g.nodes if n not in pos]
    if missing:
        raise ValueError(f"g must hold only the nodes queue_graph makes (got {missing})")
    return {n: pos[n] for n in g.nodes}


def draw_queue(results: QueueResults, ax: Axes | None = None) -> dict[str, Any]:
    """Draw producers -> queue -> consumers -> acked, with the retry loop, the DLQ and the losses.

    >>> from course.messaging import QueueScenario, simulate
    >>> artists = draw_queue(simulate(QueueScenario(consumers=3), until=5))
    >>> len(artists["nodes"].get_paths()), min(t.get_fontsize() for t in artists["labels"].values())
    (8, 8.0)
    >>> plt.close("all")
    """
    results, ax = _results(results), _ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4), dpi=DPI)
    g = queue_graph(results)
    pos = queue_layout(g)
    artists = draw_flow_graph(g, pos, ax=ax, max_width=7.0, node_radius=NODE_RADIUS)
    for text in [*artists["labels"].values(), *artists["edge_labels"]]:
        text.set_fontsize(FONT)
    top = max(y for _, y in pos.values())
    artists["legend"] = ax.text(
        WIDTH / 2, BELOW - NODE_RADIUS - 0.08, LEGEND.replace(" · consumer", "\nconsumer"), fontsize=FONT,
        color=OKABE_ITO["black"], ha="center", va="top",
    )  # fmt: skip
    ax.set_xlim(-0.2, WIDTH + 0.2)
    ax.set_ylim(BELOW - NODE_RADIUS - 0.4, top + NODE_RADIUS + 0.05)
    return artists


def _shade(ax: Axes, span: tuple[float, float] | None, label: str) -> None:
    if span is not None:
        ax.axvspan(*span, color="#e8e8e8", zorder=0, label=label)


def _legend_above(ax: Axes, ncol: int) -> None:
    """The legend in one row above the axes: it never covers the data."""
    ax.legend(
        loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=ncol, fontsize=FONT, frameon=False, borderaxespad=0.2,
        handlelength=2.2, columnspacing=1.0, handletextpad=0.4,
    )  # fmt: skip


def draw_messages_over_time(
    ts: QueueTimeSeries,
    ax: Axes | None = None,
    capacity: int | None = None,
    span: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Where the messages are over time: queued (ready), waiting out a retry backoff, held back at the
    producers by a full queue, lost so far, and in the DLQ.

    Queued and retrying are stacked areas (retrying on top), time averages per bin; the held line
    is a time average too; "lost" counts the messages rejected for good since the start; the DLQ
    line is its size at each bin's end (both legend entries give the count at the end). A series
    that stays at 0 says "(none)" in the legend, as it may be hidden under another line. Dashed
    grey: the queue's capacity.

    >>> from course.messaging import QueueScenario, simulate
    >>> artists = draw_messages_over_time(simulate(QueueScenario(), until=10).timeseries(1.0))
    >>> [text.get_text() for text in plt.gca().get_legend().get_texts()]
    ['queued', '+ waiting to retry (none)', 'held (none)', 'lost (none)', 'DLQ (none)']
    >>> plt.close("all")
    """
    ts, ax, span = _ts(ts), _ax(ax), _span(span)
    if capacity is not None:
        validate.whole("capacity", capacity, minimum=1, why="the queue's capacity line (None: no line)")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.4), dpi=DPI)
    _shade(ax, span, "_burst")
    waiting = [a + b for a, b in zip(ts.depth, ts.delayed, strict=True)]
    lost, total = [], 0
    for n in ts.rejected:
        total += n
        lost.append(total)

    def named(label: str, values: list[float] | list[int], total: int | None = None) -> str:
        if not any(values):
            return f"{label} (none)"
        return label if total is None else f"{label} ({total})"

    every = max(1, len(ts.t) // 12)  # sparse markers, each series starting elsewhere: coinciding lines stay visible
    artists: dict[str, Any] = {
        "ready": ax.fill_between(ts.t, ts.depth, step="post", color=COLOURS["queued"], alpha=0.55, linewidth=0,
                                 label=named("queued", ts.depth)),
        "waiting": ax.fill_between(ts.t, ts.depth, waiting, step="post", color=COLOURS["retrying"], alpha=0.7,
                                   hatch="///", linewidth=0, label=named("+ waiting to retry", ts.delayed)),
        "held": ax.step(ts.t, ts.at_producer, where="post", color=COLOURS["held"], linestyle="-.", marker="^",
                        markersize=4, markevery=(0, every), label=named("held", ts.at_producer))[0],
        "lost": ax.step(ts.t, lost, where="post", color=COLOURS["lost"], linestyle="--", marker="x", markersize=4,
                        markevery=(every // 3, every), label=named("lost", lost, total))[0],
        "dlq": ax.step(ts.t, ts.dlq, where="post", color=COLOURS["dlq"], linestyle=":", marker="o", markersize=3,
                       markevery=(2 * every // 3, every), label=named("DLQ", ts.dlq, ts.dlq[-1] if ts.dlq else 0))[0],
    }  # fmt: skip
    if capacity is not None:
        artists["capacity"] = ax.axhline(
            capacity, color=COLOURS["reference"], linestyle="--", linewidth=1.0, label=f"capacity {capacity}"
        )
    top = max([*waiting, *ts.at_producer, *lost, *ts.dlq], default=0.0)
    ax.set_ylim(0, max(10.0, 1.1 * top, 1.15 * (capacity or 0)))
    ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.tick_params(labelsize=FONT)
    ax.set_ylabel("messages", fontsize=FONT)
    _legend_above(ax, ncol=3)
    ax.grid(alpha=0.3)
    return artists


def draw_queue_latency(
    ts: QueueTimeSeries, ax: Axes | None = None, span: tuple[float, float] | None = None
) -> dict[str, Any]:
    """p50 and p99 latency (production to ack) of the messages acked in each time bin, in seconds."""
    ts, ax, span = _ts(ts), _ax(ax), _span(span)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.4), dpi=DPI)
    _shade(ax, span, "_burst")
    colour = COLOURS["latency"]
    p50 = ax.plot(ts.t, ts.p50, color=colour, marker=".", markersize=4, linewidth=1.2, label="p50")[0]
    p99 = ax.plot(ts.t, ts.p99, color=colour, linestyle="--", marker="^", markersize=3, linewidth=1.0,
                  label="p99")[0]  # fmt: skip
    finite = [x for x in ts.p99 if not math.isnan(x)]
    if not finite:
        ax.text(0.5, 0.5, "no message acked", transform=ax.transAxes, ha="center", fontsize=FONT,
                color=OKABE_ITO["black"])  # fmt: skip
    ax.set_ylim(0, max(1.0, 1.15 * max(finite, default=0.0)))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.tick_params(labelsize=FONT)
    ax.set_ylabel("latency (s)", fontsize=FONT)
    _legend_above(ax, ncol=2)
    ax.grid(alpha=0.3)
    return {"p50": p50, "p99": p99}


def draw_queue_dashboard(
    results: QueueResults,
    bin: float = 1.0,
    span: tuple[float, float] | None = None,
    xmax: float | None = None,
) -> tuple[Figure, dict[str, Any]]:
    """One figure: the system graph on the left; where the messages are, and their latency, over time on the right.

    The capacity line comes from the run's scenario; `span` shades a time window (default: the
    burst of a `Spike` source); `xmax` ends the time axis (default: the run's end).

    >>> from course.messaging import QueueScenario, simulate
    >>> fig, artists = draw_queue_dashboard(simulate(QueueScenario.example(), until=60))
    >>> sorted(artists), len(fig.axes), tuple(map(float, fig.axes[1].get_xlim()))
    (['graph', 'latency', 'messages'], 3, (0.0, 60.0))
    >>> plt.close(fig)
    """
    results = _results(results)
    span = _burst(results) if span is None else _span(span)
    end = results.until if xmax is None else validate.duration("xmax", xmax, positive=True, why="the time axis' end")
    ts = results.timeseries(bin)
    fig = plt.figure(figsize=(10, 4.6), dpi=DPI)
    grid = fig.add_gridspec(
        2, 2, width_ratios=[1.0, 1.05], left=0.01, right=0.985, top=0.9, bottom=0.11, hspace=0.42, wspace=0.1
    )
    graph_ax = fig.add_subplot(grid[:, 0])
    count_ax = fig.add_subplot(grid[0, 1])
    latency_ax = fig.add_subplot(grid[1, 1], sharex=count_ax)
    artists = {
        "graph": draw_queue(results, ax=graph_ax),
        "messages": draw_messages_over_time(ts, ax=count_ax, capacity=results.scenario.capacity, span=span),
        "latency": draw_queue_latency(ts, ax=latency_ax, span=span),
    }
    count_ax.set_xlim(0.0, max(end, float(bin)))
    count_ax.tick_params(labelbottom=False)
    latency_ax.set_xlabel("time (s)" + (" · grey band: the burst" if span else ""), fontsize=FONT)
    return fig, artists
