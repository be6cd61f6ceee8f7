"""Pictures of queue runs: the system as a flow graph, and depth, latency and losses over time.

The graph follows the shared conventions of `course.viz.graph` (edge width = messages, dashed =
messages lost, consumer fill = utilization); every chart names its series in a legend and tells
them apart by line style or marker as well as colour. Taught in lessons/03_queues.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..messaging import BurstComparison, QueueResults, QueueTimeSeries, SyncRow, WorkerRow
from ..sim import Spike, validate
from .graph import Position, draw_flow_graph, layered_layout
from .palette import OKABE_ITO

__all__ = [
    "consumer_utilization",
    "draw_burst_comparison",
    "draw_messages_over_time",
    "draw_queue",
    "draw_queue_dashboard",
    "draw_queue_latency",
    "draw_retry_storm",
    "draw_sync_vs_queue",
    "draw_worker_sweep",
    "queue_graph",
    "queue_layout",
]

LOST = OKABE_ITO["vermillion"]
RETRY, DEAD, ACKED = OKABE_ITO["sky blue"], OKABE_ITO["orange"], OKABE_ITO["bluish green"]
LEGEND = "edge width = messages · dashed = lost · consumer fill = utilization (dark idle → yellow saturated)"
WIDTH = 2.3  # the graph's columns: producers, queue (or partitions), consumers, acked / DLQ
NODE_RADIUS = 0.11
BELOW = -0.3  # the row under the columns: rejected messages and the retry loop


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
    >>> len(artists["nodes"].get_paths())
    8
    >>> plt.close("all")
    """
    results, ax = _results(results), _ax(ax)
    g = queue_graph(results)
    pos = queue_layout(g)
    artists = draw_flow_graph(g, pos, ax=ax, max_width=7.0, node_radius=NODE_RADIUS)
    axes = artists["nodes"].axes
    top = max(y for _, y in pos.values())
    axes.text(-0.12, BELOW - 0.2, LEGEND, fontsize=7, color=OKABE_ITO["grey"])
    axes.set_xlim(-0.15, WIDTH + 0.15)
    axes.set_ylim(BELOW - 0.25, top + 0.15)
    return artists


def _shade(ax: Axes, span: tuple[float, float] | None, label: str) -> None:
    if span is not None:
        ax.axvspan(*span, color="#eeeeee", zorder=0, label=label)


def draw_messages_over_time(
    ts: QueueTimeSeries,
    ax: Axes | None = None,
    capacity: int | None = None,
    span: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Where the messages are over time: in the queue (ready, or delayed by a backoff), held back at the
    producers by a full queue, lost so far, and in the DLQ.

    The queue and producer lines are time averages per bin; "lost" counts the messages rejected
    for good since the start; the DLQ line is its size at each bin's end. Dashed black: the
    queue's capacity.
    """
    ts, ax, span = _ts(ts), _ax(ax), _span(span)
    if capacity is not None:
        validate.whole("capacity", capacity, minimum=1, why="the queue's capacity line (None: no line)")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.2))
    _shade(ax, span, "_burst")
    waiting = [a + b for a, b in zip(ts.depth, ts.delayed, strict=True)]
    lost, total = [], 0
    for n in ts.rejected:
        total += n
        lost.append(total)
    artists = {
        "ready": ax.step(ts.t, ts.depth, where="post", color=OKABE_ITO["blue"], label="queued")[0],
        "waiting": ax.step(ts.t, waiting, where="post", color=RETRY, linestyle=":", label="+ retrying")[0],
        "held": ax.step(ts.t, ts.at_producer, where="post", color=OKABE_ITO["reddish purple"], linestyle="-.",
                        label="held")[0],
        "lost": ax.step(ts.t, lost, where="post", color=LOST, linestyle="--", label="lost")[0],
        "dlq": ax.step(ts.t, ts.dlq, where="post", color=DEAD, marker="o", markersize=2.5, label="DLQ")[0],
    }  # fmt: skip
    if capacity is not None:
        ax.axhline(capacity, color="black", linestyle="--", linewidth=0.8, label="capacity")
    top = max([*waiting, *ts.at_producer, *lost, *ts.dlq], default=0.0)
    ax.set_ylim(0, max(10.0, 1.4 * top, 1.4 * (capacity or 0)))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.set_ylabel("messages")
    ax.legend(loc="upper right", fontsize=7, ncol=6, handlelength=1.5, columnspacing=0.8)
    ax.grid(alpha=0.3)
    return artists


def draw_queue_latency(
    ts: QueueTimeSeries, ax: Axes | None = None, span: tuple[float, float] | None = None
) -> dict[str, Any]:
    """p50 and p99 latency (production to ack) of the messages acked in each time bin, in seconds."""
    ts, ax, span = _ts(ts), _ax(ax), _span(span)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.2))
    _shade(ax, span, "_burst")
    p50 = ax.plot(ts.t, ts.p50, color=OKABE_ITO["blue"], marker=".", label="p50")[0]
    p99 = ax.plot(ts.t, ts.p99, color=OKABE_ITO["vermillion"], linestyle="--", marker=".", label="p99")[0]
    finite = [x for x in ts.p99 if not math.isnan(x)]
    if not finite:
        ax.text(0.5, 0.5, "no message acked", transform=ax.transAxes, ha="center", color=OKABE_ITO["grey"])
    ax.set_ylim(0, max(1.0, 1.3 * max(finite, default=0.0)))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.set_ylabel("latency (s)")
    ax.legend(loc="upper right", fontsize=7, ncol=2)
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
    fig = plt.figure(figsize=(11, 4.4), dpi=80)
    grid = fig.add_gridspec(2, 2, width_ratios=[1.1, 1], left=0.01, right=0.98, top=0.98, bottom=0.11, hspace=0.08)
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
    latency_ax.set_xlabel("time (s)" + (" · grey band: the burst" if span else ""))
    return fig, artists


def draw_burst_comparison(cmp: BurstComparison, bin: float = 2.0) -> tuple[Figure, dict[str, Any]]:
    """The same burst without and with a queue: requests rejected, the queue's backlog, and p99 latency over time.

    `cmp` is a `course.messaging.BurstComparison`; the time axis spans the burst and the backlog's drain.
    """
    validate.instance("cmp", cmp, BurstComparison, example="cmp=ride_burst(scenario, until=240)")
    fig, (lost_ax, depth_ax, lat_ax) = plt.subplots(3, 1, figsize=(9, 5.2), dpi=80, sharex=True)
    direct, queued = cmp.direct.timeseries(bin), cmp.queued.timeseries(bin)
    n = min(len(direct.t), len(queued.t))
    t = direct.t[:n]
    lost = lost_ax.bar(t, direct.rejected[:n], width=bin, align="edge", color=LOST, hatch="//",
                       label="no queue: rejected")  # fmt: skip
    kept = lost_ax.step(t, queued.rejected[:n], where="post", color=OKABE_ITO["blue"], marker="o", markersize=3,
                        label="queue: rejected")[0]  # fmt: skip
    lost_ax.set_ylabel(f"rejected per {bin:g} s")
    depth = depth_ax.step(t, queued.depth[:n], where="post", color=OKABE_ITO["blue"], label="queue: waiting")[0]
    depth_ax.set_ylabel("backlog")
    d99 = lat_ax.plot(t, direct.p99[:n], color=OKABE_ITO["black"], linestyle=":", marker="x", label="no queue: p99")[0]
    q99 = lat_ax.plot(t, queued.p99[:n], color=OKABE_ITO["vermillion"], linestyle="--", marker=".",
                      label="queue: p99")[0]  # fmt: skip
    lat_ax.set_ylabel("latency (s)")
    lat_ax.set_xlabel("time (s) · grey band: the burst")
    for ax in (lost_ax, depth_ax, lat_ax):
        ax.axvspan(cmp.burst_start, cmp.burst_end, color="#eeeeee", zorder=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
    lat_ax.set_ylim(bottom=0)
    lat_ax.set_xlim(max(0.0, cmp.burst_start - 30), min(t[-1] + bin, cmp.backlog_cleared + 30))
    fig.tight_layout(h_pad=0.4)
    return fig, {"rejected": lost, "queue_rejected": kept, "depth": depth, "direct_p99": d99, "queue_p99": q99}


def _rows(name: str, rows: object, kind: type) -> list[Any]:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise ValueError(f"{name} must be a non-empty list of {kind.__name__}s (got {rows!r})")
    for row in rows:
        validate.instance(name, row, kind)
    return list(rows)


def draw_worker_sweep(rows: Sequence[WorkerRow], rate: float) -> tuple[Figure, dict[str, Any]]:
    """Throughput (left) and the backlog left at the end (right) against the number of workers.

    `rows` are `course.messaging.WorkerRow`s; `rate` is the upload rate, drawn as a dashed line.
    """
    rows = _rows("rows", rows, WorkerRow)
    rate = validate.rate("rate", rate, positive=True, why="arrivals per second, drawn as a dashed line")
    fig, (tp_ax, bl_ax) = plt.subplots(1, 2, figsize=(9, 2.8), dpi=80)
    workers = [r.workers for r in rows]
    tp = tp_ax.plot(workers, [r.throughput for r in rows], marker="o", color=OKABE_ITO["blue"], label="throughput")[0]
    tp_ax.axhline(rate, color="black", linestyle="--", linewidth=0.8, label=f"uploads ({rate:g}/s)")
    tp_ax.set_xlabel("workers")
    tp_ax.set_ylabel("images / s")
    tp_ax.set_ylim(0, 1.25 * rate)
    tp_ax.legend(loc="lower right", fontsize=7)
    bars = bl_ax.bar(workers, [r.backlog for r in rows], color=OKABE_ITO["vermillion"], hatch="//")
    for w, r in zip(workers, rows, strict=True):
        bl_ax.text(w, r.backlog, str(r.backlog), ha="center", va="bottom", fontsize=7)
    bl_ax.set_xlabel("workers")
    bl_ax.set_ylabel("images still waiting at the end")
    for ax in (tp_ax, bl_ax):
        ax.set_xticks(workers)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig, {"throughput": tp, "backlog": bars}


def draw_sync_vs_queue(rows: Sequence[SyncRow]) -> tuple[Figure, dict[str, Any]]:
    """p50 and p99 of a synchronous call, direct and through a queue, against utilization; dashed: the budget.

    `rows` are `course.messaging.SyncRow`s.
    """
    rows = _rows("rows", rows, SyncRow)
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=80)
    x = [100 * r.utilization for r in rows]
    lines = {
        "direct_p50": ax.plot(x, [r.direct_p50 for r in rows], color=OKABE_ITO["blue"], marker="o", label="direct p50"),
        "direct_p99": ax.plot(x, [r.direct_p99 for r in rows], color=OKABE_ITO["blue"], marker="o", linestyle="--",
                              label="direct p99"),
        "queue_p50": ax.plot(x, [r.queue_p50 for r in rows], color=OKABE_ITO["vermillion"], marker="s",
                             label="through a queue p50"),
        "queue_p99": ax.plot(x, [r.queue_p99 for r in rows], color=OKABE_ITO["vermillion"], marker="s",
                             linestyle="--", label="through a queue p99"),
    }  # fmt: skip
    budget = rows[0].budget
    ax.axhline(budget, color="black", linestyle=":", linewidth=1.2, label=f"budget ({budget * 1000:.0f} ms)")
    ax.set_xlabel("utilization of the workers (%)")
    ax.set_ylabel("response time (s)")
    ax.set_ylim(0, max(1.0, 1.1 * max(r.queue_p99 for r in rows)))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=7, ncol=2)
    fig.tight_layout()
    return fig, {name: line[0] for name, line in lines.items()}


def draw_retry_storm(
    runs: Mapping[str, QueueResults],
    outage: tuple[float, float] | None = None,
    bin: float = 0.5,
    xmax: float | None = None,
) -> tuple[Figure, dict[str, Any]]:
    """One panel per retry policy: deliveries per second over time (the load on the dependency), outage shaded.

    `runs` maps a policy's name to its `QueueResults` (a failure drill run under that policy);
    `outage` defaults to the first run's `faults.outage`.
    """
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError(f"runs must map policy names to QueueResults, e.g. {{'at once': results}} (got {runs!r})")
    for res in runs.values():
        validate.instance("runs", res, QueueResults, example="runs={'at once': simulate(drill, until=120)}")
    first = next(iter(runs.values()))
    outage = first.scenario.faults.outage if outage is None else _span(outage, "outage")
    validate.number("bin", bin, positive=True, why="the width of one time bin, in simulated seconds")
    if xmax is not None:
        validate.duration("xmax", xmax, positive=True, why="the time axis' end")
    rows = len(runs)
    fig, axes = plt.subplots(rows, 1, figsize=(9, 1.15 * rows + 0.7), dpi=80, sharex=True, sharey=True, squeeze=False)
    artists = {}
    top = 0.0
    for ax, (name, res) in zip(axes[:, 0], runs.items(), strict=True):
        ts = res.timeseries(bin)
        per_second = [n / bin for n in ts.deliveries]
        top = max(top, *per_second)
        _shade(ax, outage, "outage")
        artists[name] = ax.step(ts.t, per_second, where="post", color=OKABE_ITO["blue"])[0]
        s = res.summary()
        note = f"{name}: {s.deliveries} deliveries for {s.produced} messages, DLQ {s.dead_lettered}"
        note += "" if res.drained else ", never drained"
        ax.text(0.005, 0.9, note, transform=ax.transAxes, fontsize=8, va="top",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})  # fmt: skip
        ax.set_ylabel("deliv./s", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylim(0, 1.3 * top if top else 1.0)
    if xmax is not None:
        axes[0, 0].set_xlim(0, xmax)
    axes[-1, 0].set_xlabel("time (s) · grey band: the downstream outage, every attempt fails")
    fig.tight_layout(h_pad=0.3)
    return fig, artists
