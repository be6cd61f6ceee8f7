"""Lesson 3's comparison charts: a burst with and without a queue, a worker sweep, a caller waiting through a
queue, and retry policies in a storm.

Each chart keeps one colour for one meaning across its panels (named in its docstring), puts its
legend above the data, and writes every text at 8 pt or more at the figure's 100 dpi.
Taught in lessons/03_queues.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator

from ..messaging import BurstComparison, QueueResults, RequestReplyResults, SyncRow, WorkerRow
from ..sim import validate
from .messaging import COLOURS, DPI, FONT, _legend_above, _span
from .palette import OKABE_ITO

__all__ = [
    "draw_burst_comparison",
    "draw_request_reply",
    "draw_retry_storm",
    "draw_sync_vs_queue",
    "draw_worker_sweep",
]

NO_QUEUE, QUEUE = OKABE_ITO["vermillion"], OKABE_ITO["blue"]  # the two set-ups of the burst chart, in every panel
BAND = "#e8e8e8"


def draw_burst_comparison(cmp: BurstComparison, bin: float = 2.0) -> tuple[Figure, dict[str, Any]]:
    """The same burst without and with a queue: requests rejected, the queue's backlog, and p99 latency over time.

    Vermillion is always "no queue", blue always "queue". `cmp` is a
    `course.messaging.BurstComparison`; the time axis spans the burst and the backlog's drain.
    """
    validate.instance("cmp", cmp, BurstComparison, example="cmp=ride_burst(scenario, until=240)")
    validate.number("bin", bin, positive=True, why="the width of one time bin, in simulated seconds")
    fig, (lost_ax, depth_ax, lat_ax) = plt.subplots(3, 1, figsize=(9, 5.6), dpi=DPI, sharex=True)
    direct, queued = cmp.direct.timeseries(bin), cmp.queued.timeseries(bin)
    n = min(len(direct.t), len(queued.t))
    t = direct.t[:n]
    for ax in (lost_ax, depth_ax, lat_ax):
        ax.axvspan(cmp.burst_start, cmp.burst_end, color=BAND, zorder=0)
    lost = lost_ax.bar(t, direct.rejected[:n], width=bin, align="edge", color=NO_QUEUE, hatch="//",
                       label=f"no queue: rejected ({cmp.rejected_direct} in all)")  # fmt: skip
    kept = lost_ax.step(t, queued.rejected[:n], where="post", color=QUEUE, linewidth=2,
                        label=f"queue: rejected ({cmp.rejected_queued})")[0]  # fmt: skip
    lost_ax.set_ylabel(f"rejected\nper {bin:g} s", fontsize=FONT)
    depth = depth_ax.step(t, queued.depth[:n], where="post", color=QUEUE, linewidth=2,
                          label=f"queue: messages waiting (peak {cmp.peak_backlog})")[0]  # fmt: skip
    depth_ax.set_ylabel("backlog", fontsize=FONT)
    d99 = lat_ax.plot(t, direct.p99[:n], color=NO_QUEUE, linestyle=":", marker="x", markersize=5,
                      label="no queue: p99 of the served")[0]  # fmt: skip
    q99 = lat_ax.plot(t, queued.p99[:n], color=QUEUE, linestyle="--", marker="o", markersize=3,
                      label="queue: p99")[0]  # fmt: skip
    lat_ax.set_ylabel("latency (s)", fontsize=FONT)
    lat_ax.set_xlabel("time (s) · grey band: the burst", fontsize=FONT)
    for ax, ncol in ((lost_ax, 2), (depth_ax, 1), (lat_ax, 2)):
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=FONT)
        ax.set_ylim(bottom=0)
        _legend_above(ax, ncol)
    lat_ax.set_xlim(max(0.0, cmp.burst_start - 30), min(t[-1] + bin, cmp.backlog_cleared + 30))
    fig.subplots_adjust(left=0.09, right=0.98, top=0.94, bottom=0.09, hspace=0.45)
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
    fig, (tp_ax, bl_ax) = plt.subplots(1, 2, figsize=(9, 3), dpi=DPI)
    workers = [r.workers for r in rows]
    tp = tp_ax.plot(workers, [r.throughput for r in rows], marker="o", color=QUEUE, label="throughput")[0]
    tp_ax.axhline(rate, color=OKABE_ITO["black"], linestyle="--", linewidth=0.9, label=f"uploads ({rate:g}/s)")
    tp_ax.set_ylabel("images / s", fontsize=FONT)
    tp_ax.set_ylim(0, 1.25 * rate)
    _legend_above(tp_ax, 2)
    top = max(r.backlog for r in rows) or 1
    bars = bl_ax.bar(workers, [r.backlog for r in rows], color=OKABE_ITO["vermillion"], hatch="//")
    for w, r in zip(workers, rows, strict=True):
        bl_ax.text(w, r.backlog + 0.02 * top, str(r.backlog), ha="center", va="bottom", fontsize=FONT)
    bl_ax.set_ylim(0, 1.15 * top)
    bl_ax.set_ylabel("images still waiting at the end", fontsize=FONT)
    for ax in (tp_ax, bl_ax):
        ax.set_xlabel("workers", fontsize=FONT)
        ax.set_xticks(workers)
        ax.tick_params(labelsize=FONT)
        ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.16, wspace=0.28)
    return fig, {"throughput": tp, "backlog": bars}


def draw_sync_vs_queue(rows: Sequence[SyncRow]) -> tuple[Figure, dict[str, Any]]:
    """p50 and p99 of a synchronous call, direct (black) and through a queue (blue), against utilization.

    Dotted: the budget. `rows` are `course.messaging.SyncRow`s.
    """
    rows = _rows("rows", rows, SyncRow)
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=DPI)
    x = [100 * r.utilization for r in rows]
    direct, queue = OKABE_ITO["black"], QUEUE
    lines = {
        "direct_p50": ax.plot(x, [r.direct_p50 for r in rows], color=direct, marker="o", label="direct p50"),
        "direct_p99": ax.plot(x, [r.direct_p99 for r in rows], color=direct, marker="o", linestyle="--",
                              label="direct p99"),
        "queue_p50": ax.plot(x, [r.queue_p50 for r in rows], color=queue, marker="s", markersize=4,
                             label="through a queue p50"),
        "queue_p99": ax.plot(x, [r.queue_p99 for r in rows], color=queue, marker="s", markersize=4,
                             linestyle="--", label="through a queue p99"),
    }  # fmt: skip
    budget = rows[0].budget
    ax.axhline(budget, color=OKABE_ITO["grey"], linestyle=":", linewidth=1.5, label=f"budget ({budget * 1000:.0f} ms)")
    ax.set_xlabel("utilization of the workers (%)", fontsize=FONT)
    ax.set_ylabel("response time (s)", fontsize=FONT)
    ax.set_ylim(0, max(1.0, 1.1 * max(r.queue_p99 for r in rows)))
    ax.tick_params(labelsize=FONT)
    ax.grid(alpha=0.3)
    _legend_above(ax, 3)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.82, bottom=0.15)
    return fig, {name: line[0] for name, line in lines.items()}


def draw_request_reply(rr: RequestReplyResults, xmax: float | None = None) -> tuple[Figure, dict[str, Any]]:
    """Every request a caller sent through the queue: when it was sent (x) and how long its reply took (y, log).

    Bluish green: answered within the budget (dotted line); vermillion crosses: the caller had
    given up, but the work was still done and its reply came for nobody; grey at the top: no
    reply by the end of the run. Below, in blue, the messages waiting in the queue (the
    backlog the requests waited behind).
    """
    validate.instance("rr", rr, RequestReplyResults, example="rr=request_reply(scenario, until=60)")
    end = rr.until if xmax is None else validate.duration("xmax", xmax, positive=True, why="the time axis' end")
    fig, (ax, depth_ax) = plt.subplots(
        2, 1, figsize=(9, 4.6), dpi=DPI, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]}
    )
    answered = [r for r in rr.records if r.outcome == "served"]
    orphans = [r for r in rr.records if r.orphan]
    waiting = [r for r in rr.records if math.isnan(r.replied)]
    replies = [r.response for r in rr.records if not math.isnan(r.replied)]
    top = max([rr.budget * 4, *replies]) * 1.6
    artists: dict[str, Any] = {
        "answered": ax.scatter([r.sent for r in answered], [r.response for r in answered], s=10,
                               color=COLOURS["acked"], label=f"answered in time ({len(answered)})"),
        "orphans": ax.scatter([r.sent for r in orphans], [r.response for r in orphans], s=18, marker="x",
                              color=COLOURS["lost"], label=f"caller gave up, work done anyway ({len(orphans)})"),
        "waiting": ax.scatter([r.sent for r in waiting], [top / 1.3] * len(waiting), s=14, marker="^",
                              color=OKABE_ITO["grey"], label=f"no reply by the end ({len(waiting)})"),
    }  # fmt: skip
    artists["budget"] = ax.axhline(rr.budget, color=OKABE_ITO["black"], linestyle=":", linewidth=1.2,
                                   label=f"the caller's budget ({rr.budget * 1000:.0f} ms)")  # fmt: skip
    ax.set_yscale("log")
    ax.set_ylim(min([0.01, *replies]) / 1.5, top)
    ax.set_ylabel("reply time (s, log)", fontsize=FONT)
    ts = rr.queued.timeseries(1.0)
    artists["backlog"] = depth_ax.fill_between(ts.t, ts.depth, step="post", color=COLOURS["queued"], alpha=0.55,
                                               linewidth=0, label="messages waiting in the queue")  # fmt: skip
    depth_ax.set_ylim(0, max(10.0, 1.15 * max(ts.depth, default=0.0)))
    depth_ax.set_ylabel("backlog", fontsize=FONT)
    depth_ax.set_xlabel("time the request was sent (s)", fontsize=FONT)
    depth_ax.set_xlim(0, end)
    for a, ncol in ((ax, 2), (depth_ax, 1)):
        a.grid(alpha=0.3)
        a.tick_params(labelsize=FONT)
        _legend_above(a, ncol)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.86, bottom=0.11, hspace=0.42)
    return fig, artists


def draw_retry_storm(
    runs: Mapping[str, QueueResults],
    outage: tuple[float, float] | None = None,
    bin: float = 0.5,
    xmax: float | None = None,
) -> tuple[Figure, dict[str, Any]]:
    """One panel per run: calls per second the consumers make (blue) and messages acked per second (green).

    The y axis is linear up to 10 per second and logarithmic above, so a storm of 1,000 calls a
    second and 20 acks a second both show. Grey band: the outage; hatched purple: the circuit
    breaker open. `runs` maps a name to its `QueueResults`; `outage` defaults to the first run's
    `faults.outage`. Each panel's title gives its totals.
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
    fig, axes = plt.subplots(rows, 1, figsize=(9, 1.25 * rows + 1.0), dpi=DPI, sharex=True, sharey=True,
                             squeeze=False)  # fmt: skip
    artists: dict[str, Any] = {}
    for ax, (name, res) in zip(axes[:, 0], runs.items(), strict=True):
        ts = res.timeseries(bin)
        if outage is not None:
            ax.axvspan(*outage, color=BAND, zorder=0)
        opened = [t for t, state in res.breaker_log if state == "open"]
        ends = [t for t, _ in res.breaker_log[1:]] + [res.until] if res.breaker_log else []
        for (start, state), stop in zip(res.breaker_log, ends, strict=True):
            if state == "open":
                ax.axvspan(start, stop, facecolor="none", edgecolor=OKABE_ITO["reddish purple"], hatch="////",
                           linewidth=0, zorder=1)  # fmt: skip
        calls = ax.step(ts.t, [n / bin for n in ts.deliveries], where="post", color=QUEUE, linewidth=1.2)[0]
        acks = ax.step(ts.t, [n / bin for n in ts.served], where="post", color=COLOURS["acked"], linestyle="--",
                       linewidth=1.4)[0]  # fmt: skip
        artists[name] = {"calls": calls, "acks": acks}
        s = res.summary()
        title = f"{name}: {s.deliveries:,} deliveries, {s.served:,} of {s.produced:,} acked, DLQ {s.dead_lettered}"
        title += "" if res.drained else ", never drained"
        title += f", breaker opened {len(opened)}×" if res.scenario.breaker is not None else ""
        ax.set_title(title, fontsize=FONT + 1, loc="left", pad=3)
        ax.set_ylabel("per s", fontsize=FONT)
        ax.tick_params(labelsize=FONT)
        ax.grid(alpha=0.3)
    ax0 = axes[0, 0]
    ax0.set_yscale("symlog", linthresh=10, linscale=0.6)
    ax0.set_ylim(0, 3000)
    ax0.yaxis.set_major_locator(FixedLocator([0, 10, 100, 1000]))
    ax0.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    if xmax is not None:
        ax0.set_xlim(0, xmax)
    handles: list[Artist] = [
        plt.Line2D([], [], color=QUEUE, linewidth=1.2, label="deliveries (attempts) per second"),
        plt.Line2D([], [], color=COLOURS["acked"], linestyle="--", linewidth=1.4, label="acks per second"),
    ]
    if outage is not None:
        handles.append(Patch(facecolor=BAND, label="outage: every call refused"))
    if any(res.breaker_log for res in runs.values()):
        handles.append(
            Patch(facecolor="none", edgecolor=OKABE_ITO["reddish purple"], hatch="////", label="breaker open")
        )
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.07, 1.0), ncol=len(handles), fontsize=FONT,
               frameon=False)  # fmt: skip
    axes[-1, 0].set_xlabel("time (s)", fontsize=FONT)
    fig.subplots_adjust(left=0.08, right=0.98, top=1 - 0.5 / (1.25 * rows + 1.0), bottom=0.5 / (1.25 * rows + 1.0),
                        hspace=0.55)  # fmt: skip
    return fig, artists
