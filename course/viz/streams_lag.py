"""Lesson 4's charts around the consumer-group graph: lag over time, partition load, what a rebalance moved.

- `draw_lag_over_time`: each group's total lag, one colour, line style, width and marker per group,
  so that two groups with the very same lag (same consumers, same assignment) both stay visible,
  and the legend says when they coincide; crashes and rebalances marked above the data.
- `draw_partition_load`: records per partition, the hot one hatched.
- `rebalance_note` and `draw_rebalance_diffs`: what each rebalance moved and paused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from course.sim.validate import instance, whole
from course.streams import GroupResults, RebalanceDiff

from .palette import OKABE_ITO
from .streams_replication import DPI, FONT, _check_ax

__all__ = ["GROUP_STYLES", "draw_lag_over_time", "draw_partition_load", "draw_rebalance_diffs", "rebalance_note"]

GROUP_STYLES = [  # (colour, line style, line width, marker) per group, in group order: wide lines first
    (OKABE_ITO["blue"], "-", 3.2, "o"),
    (OKABE_ITO["orange"], "--", 2.0, "s"),
    (OKABE_ITO["bluish green"], ":", 1.6, "^"),
    (OKABE_ITO["reddish purple"], "-.", 1.2, "D"),
]
MARKS = 8  # markers per line: placed at different times for each group


def group_style(i: int) -> tuple[str, str, float, str]:
    """The (colour, line style, width, marker) of the `i`-th group, the same in the graph and the lag chart."""
    return GROUP_STYLES[i % len(GROUP_STYLES)]


def _results(results: object) -> GroupResults:
    return instance("results", results, GroupResults, example="simulate(GroupScenario.example(), until=10)")


def draw_lag_over_time(results: GroupResults, ax: Axes | None = None) -> dict:
    """Total lag of each group over time, crashes and rebalances marked in a band kept free above the data.

    Later groups are drawn thinner on top of earlier ones, each with its own markers at its own
    times, so identical series stay visible; the legend (above the chart) names the group a series
    coincides with.

    >>> from course.streams import GroupScenario, simulate
    >>> lines = draw_lag_over_time(simulate(GroupScenario(), until=1))
    >>> sorted(lines), lines["archiver"].get_label()
    (['archiver', 'dashboard'], 'archiver (= dashboard)')
    >>> plt.close("all")
    """
    _results(results)
    _check_ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.5), dpi=DPI)
    totals = results.total_lag()
    lines = {}
    seen: list[tuple[str, list[int]]] = []
    peak = 0
    for i, (grp, series) in enumerate(totals.items()):
        colour, style, width, marker = group_style(i)
        ts = sorted(series)
        values = [series[t] for t in ts]
        peak = max(peak, *values, 0)
        same = next((name for name, other in seen if other == values), None)
        seen.append((grp, values))
        every = max(1, len(ts) // MARKS)
        lines[grp] = ax.plot(
            ts,
            values,
            color=colour,
            linestyle=style,
            linewidth=width,
            marker=marker,
            markersize=5,
            markevery=(min(len(ts) - 1, i * every // len(totals)) if ts else 0, every),
            label=grp + (f" (= {same})" if same else ""),
            zorder=2 + i,
        )[0]
    top = max(10.0, 1.3 * peak)  # headroom: the markers' labels sit above the data, never on it
    s = results.scenario
    if s.crash_at is not None and s.crash_at <= results.until:
        ax.axvline(s.crash_at, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1)
        ax.text(s.crash_at, 0.98, " crash", transform=ax.get_xaxis_transform(), va="top", fontsize=FONT)
    for event in results.rebalances:
        ax.axvline(event.t, color=OKABE_ITO["grey"], linestyle=":", linewidth=1.2)
        ax.text(event.t, 0.88, " rebalance", transform=ax.get_xaxis_transform(), va="top", fontsize=FONT)
    ax.set_xlim(0, results.until)
    ax.set_ylim(0, top)
    ax.xaxis.set_major_locator(MaxNLocator(5))  # few ticks: each one costs a redraw
    ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.tick_params(labelsize=FONT + 1)
    ax.set_ylabel("lag (records)", fontsize=FONT + 1)
    ax.set_xlabel("time (s)", fontsize=FONT + 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=FONT + 0.5, ncol=min(2, len(totals)), frameon=False)
    return lines


def draw_partition_load(counts: Sequence[int], ax: Axes | None = None) -> dict:
    """Records written to each partition; the hottest one hatched and named when it gets over 1.5x an even share.

    >>> artists = draw_partition_load([10, 10, 40])
    >>> artists["hot"]
    2
    >>> plt.close("all")
    """
    if isinstance(counts, (str, bytes)) or not isinstance(counts, Sequence) or not counts:
        raise ValueError(f"counts must be a non-empty list of records per partition (got {counts!r}): e.g. [10, 40]")
    for c in counts:
        whole("counts", c, why="records written to one partition")
    _check_ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 1.9), dpi=DPI, layout="constrained")
    counts = list(counts)
    total = sum(counts)
    even = total / max(1, len(counts))
    hot = max(range(len(counts)), key=lambda p: counts[p]) if counts else None
    bars = ax.bar(range(len(counts)), counts, color=OKABE_ITO["sky blue"], edgecolor="black", linewidth=0.5)
    if hot is not None and total and counts[hot] > 1.5 * even:
        bars[hot].set_hatch("//")
        bars[hot].set_facecolor(OKABE_ITO["orange"])
        ax.text(hot, counts[hot], f"hot: {counts[hot] / total:.0%}", ha="center", va="bottom", fontsize=FONT)
    else:
        hot = None
    ax.axhline(even, color="black", linestyle="--", linewidth=0.8)
    ax.set_xticks(range(len(counts)), [f"P{p}" for p in range(len(counts))], fontsize=FONT)
    ax.tick_params(axis="y", labelsize=FONT)
    ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.set_ylabel("records", fontsize=FONT + 1)
    ax.set_ylim(0, max(1, *counts) * 1.25)
    ax.set_xlabel("partition  ·  dashed: an even share", fontsize=FONT + 1)
    return {"bars": bars, "hot": hot}


def rebalance_note(results: GroupResults) -> str:
    """One sentence per rebalance: when, why, what moved, what was paused, and the duplicates it caused.

    >>> from course.streams import GroupScenario, simulate
    >>> rebalance_note(simulate(GroupScenario(), until=1))
    'no rebalance: every consumer kept its partitions'
    """
    s = _results(results).scenario
    lines = []
    for e in results.rebalances:
        moved = [f"P{m.partition}" for m in e.diff.moved]
        shown = ", ".join(moved[:5]) + (f" + {len(moved) - 5} more" if len(moved) > 5 else "") or "nothing"
        paused = len(e.diff.paused(s.protocol))
        lines.append(
            f"rebalance at {e.t:g} s ({e.group}, {e.reason}):\n"
            f"    {s.strategy} moved {shown};\n"
            f"    {s.protocol}: {paused} partition{'s' if paused != 1 else ''} paused for {s.rebalance_time:g} s"
        )
    if not lines:
        return "no rebalance: every consumer kept its partitions"
    dup = sum(results.duplicates.values())
    return "\n".join(lines) + f"\n{dup} records processed twice (read, not yet committed,\nwhen their partition moved)"


def draw_rebalance_diffs(diffs: Mapping[str, RebalanceDiff], ax: Axes | None = None) -> dict:
    """A grid: one row per partition, one column per strategy, each cell "before → after"; moved cells hatched.

    >>> from course.streams import rebalance_diff
    >>> d = rebalance_diff({"c0": [("t", 0)], "c1": [("t", 1)]}, {"c1": [("t", 0), ("t", 1)]})
    >>> draw_rebalance_diffs({"range": d})["moved"]
    {'range': 1}
    >>> plt.close("all")
    """
    if not isinstance(diffs, Mapping) or not diffs:
        raise ValueError(
            f"diffs must be a non-empty dict of name -> RebalanceDiff (got {diffs!r}): e.g. {{'range': d}}"
        )
    for name, d in diffs.items():
        instance(f"diffs[{name!r}]", d, RebalanceDiff, example="rebalance_diff(before, after)")
    _check_ax(ax)
    names = list(diffs)
    rows = max((len(d.records) for d in diffs.values()), default=0)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.7 * len(names) + 0.7, 0.3 * rows + 0.75), dpi=DPI)
    moved = {}
    for j, name in enumerate(names):
        d = diffs[name]
        moved[name] = len(d.moved)
        ax.text(
            j + 0.5, 0.2, f"{name}\n{len(d.moved)} moved", ha="center", va="bottom", fontsize=FONT + 1, weight="bold"
        )
        for i, m in enumerate(d.records):
            cell = Rectangle(
                (j + 0.05, -i - 0.9),
                0.9,
                0.8,
                facecolor=OKABE_ITO["orange"] if m.moved else "white",
                hatch="//" if m.moved else None,
                edgecolor="black",
                linewidth=0.5,
            )
            ax.add_patch(cell)
            text = f"{m.before} → {m.after}" if m.moved else f"{m.after} (stays)"
            box = {"facecolor": "white", "edgecolor": "none", "pad": 1} if m.moved else None
            ax.text(
                j + 0.5,
                -i - 0.5,
                text,
                ha="center",
                va="center",
                fontsize=FONT + 0.5,
                weight="bold" if m.moved else None,
                bbox=box,
            )
    for i in range(rows):
        label = f"P{diffs[names[0]].records[i].partition}" if names else ""
        ax.text(-0.05, -i - 0.5, label, ha="right", va="center", fontsize=FONT + 1)
    ax.set_xlim(-0.4, len(names))
    ax.set_ylim(-rows - 0.1, 1.0)
    ax.set_axis_off()
    return {"moved": moved}
