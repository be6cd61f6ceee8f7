"""Pictures of lesson 4: who reads which partition, where the replicas live, and when windows fire.

- `draw_consumer_groups`: the `group_graph` of a run (producer -> partitions -> the consumers of
  each group, placed by `group_layout` on the shared `layered_layout`, one band per group); edge
  width = that group's lag on the partition, consumer fill = how busy it is (cividis), idle and
  crashed consumers labelled as such.
- `draw_brokers`: brokers as columns, one replica per partition row (`broker_graph`,
  `broker_layout`), leader / follower / out of the ISR written in each cell; `draw_writes`: every
  write's fate over time (both drawn in `streams_replication.py`, re-exported here).
- `draw_window_timeline`: event time against arrival time, the watermark, late and dropped
  events, and the windows each key got (drawn in `streams_windows.py`, re-exported here).

Layouts depend only on the counts (partitions, consumers, groups), never on the traffic, so
nothing jumps while a slider changes the load. Meaning never rests on colour alone: every
colour comes with a label, a marker shape or a line style.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from course.sim.validate import instance, whole
from course.streams import GroupResults, RebalanceDiff

from .graph import layered_layout
from .palette import OKABE_ITO, utilization_colour
from .streams_replication import (
    _check_ax,
    broker_graph,
    broker_layout,
    draw_brokers,
    draw_replication_dashboard,
    draw_writes,
)
from .streams_windows import draw_window_dashboard, draw_window_results, draw_window_timeline

__all__ = [
    "GROUP_STYLES",
    "broker_graph",
    "broker_layout",
    "draw_brokers",
    "draw_consumer_groups",
    "draw_group_dashboard",
    "draw_lag_over_time",
    "draw_partition_load",
    "draw_rebalance_diffs",
    "draw_replication_dashboard",
    "draw_window_dashboard",
    "draw_window_results",
    "draw_window_timeline",
    "draw_writes",
    "group_graph",
    "group_layout",
    "rebalance_note",
]

GROUP_STYLES = [  # (colour, line style) per group, in group order
    (OKABE_ITO["blue"], "-"),
    (OKABE_ITO["orange"], "--"),
    (OKABE_ITO["bluish green"], ":"),
    (OKABE_ITO["reddish purple"], "-."),
]
X_PRODUCER, X_PARTITION, X_CONSUMER = 0.0, 0.36, 0.72  # the three columns of `group_layout`
_NOTE = {"fontsize": 7, "color": OKABE_ITO["grey"]}


def _style(i: int) -> tuple[str, str]:
    return GROUP_STYLES[i % len(GROUP_STYLES)]


def _results(results: object) -> GroupResults:
    return instance("results", results, GroupResults, example="simulate(GroupScenario.example(), until=10)")


def group_graph(results: GroupResults) -> nx.DiGraph:
    """The run as a graph: producer -> partition edges (`records`), partition -> consumer ownership edges (`lag`).

    Consumer nodes are named "group/member" and carry `status` ("active", "idle" or "crashed"),
    `load` (records/s of its partitions over what it can process), `lag` and `gained` (the
    partitions a rebalance gave it).

    >>> from course.streams import GroupScenario, simulate
    >>> g = group_graph(simulate(GroupScenario(partitions=2, consumers=3, groups=1), until=1))
    >>> sorted(g.successors("P0")), g.nodes["dashboard/c2"]["status"]
    (['dashboard/c0'], 'idle')
    """
    s = _results(results).scenario
    g = nx.DiGraph()
    g.add_node("producer", kind="producer")
    per_second = [n / results.until for n in results.produced]
    for p in range(s.partitions):
        g.add_node(f"P{p}", kind="partition", records=results.produced[p])
        g.add_edge("producer", f"P{p}", kind="write", records=results.produced[p])
    lag = results.lag()
    for group, final in results.assignments.items():
        gained: dict[str, set[int]] = {}
        for event in results.rebalances:
            if event.group == group:
                for move in event.diff.moved:
                    if move.after is not None:
                        gained.setdefault(move.after, set()).add(move.partition)
        for member in sorted(set(results.initial_assignments[group]) | set(final)):
            owned = [p for _, p in final.get(member, [])]
            status = "crashed" if member not in final else "active" if owned else "idle"
            load = sum(per_second[p] for p in owned)
            load = load / s.consumer_rate if s.consumer_rate > 0 else (math.inf if load else 0.0)
            node = f"{group}/{member}"
            g.add_node(
                node,
                kind="consumer",
                group=group,
                member=member,
                status=status,
                load=load,
                lag=sum(lag[group].get(p, 0) for p in owned),
                gained=sorted(gained.get(member, set()) & set(owned)),
            )
            for p in owned:
                g.add_edge(f"P{p}", node, kind="owns", group=group, lag=lag[group].get(p, 0))
    return g


def group_layout(partitions: int, members: Mapping[str, Sequence[str]]) -> dict[str, tuple[float, float]]:
    """Fixed positions on the shared `layered_layout`: the producer, the partitions in a column, and
    each group's members in a band on the right (a blank row between bands).

    Positions depend only on the counts, so the picture stays still while the traffic changes.

    >>> pos = group_layout(2, {"dashboard": ["c0"], "archiver": ["c0", "c1"]})
    >>> pos["producer"], pos["P0"], pos["dashboard/c0"]
    ((0.0, 0.5), (0.36, 0.666667), (0.72, 0.8))
    """
    whole("partitions", partitions, minimum=1, maximum=10_000, why="a topic needs a partition")
    instance("members", members, Mapping, example="{'dashboard': ['c0', 'c1']}")
    rows: list[str] = []
    for i, (group, names) in enumerate(members.items()):
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise ValueError(f"members[{group!r}] must be a list of member ids (got {names!r}): e.g. ['c0', 'c1']")
        if i:
            rows.append(f"_gap{i}")  # a blank row between bands
        rows += [f"{group}/{m}" for m in names]
    layers = [["producer"], [f"P{p}" for p in range(partitions)], rows]
    pos = layered_layout(layers, width=X_CONSUMER, height=1.0)
    return {node: xy for node, xy in pos.items() if not node.startswith("_gap")}


def _consumer_label(data: dict) -> str:
    member = data["member"]
    if data["status"] == "crashed":
        return f"{member}  crashed"
    if data["status"] == "idle":
        return f"{member}  idle (no partition)"
    busy = "overloaded" if data["load"] > 1 else f"{data['load']:.0%} busy"
    text = f"{member}  {busy} · lag {data['lag']}"
    if data["gained"]:
        text += " · got " + ",".join(f"P{p}" for p in data["gained"])
    return text


def draw_consumer_groups(results: GroupResults, ax: Axes | None = None) -> dict:
    """Draw producer -> partitions -> consumers of every group, for one consumer-group run.

    Edge width from the producer = records written; an ownership edge is drawn in its group's
    colour, as wide as that group's lag on the partition. Consumer fill = load (cividis, dark
    idle to yellow saturated); idle consumers are hollow with a dashed rim, crashed ones crossed.

    >>> from course.streams import GroupScenario, simulate
    >>> artists = draw_consumer_groups(simulate(GroupScenario(), until=2))
    >>> len(artists["owns"].get_segments())   # 6 partitions, each owned once in each of 2 groups
    12
    >>> plt.close("all")
    """
    _results(results)
    _check_ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5), dpi=80)
    g = group_graph(results)
    groups = list(results.assignments)
    members: dict[str, list[str]] = {
        grp: [g.nodes[n]["member"] for n in g.nodes if g.nodes[n].get("group") == grp] for grp in groups
    }
    pos = group_layout(results.scenario.partitions, members)
    rows = max(results.scenario.partitions, sum(len(v) for v in members.values()) + len(groups) - 1)
    size = max(5.0, min(16.0, 230.0 / rows))  # marker size in points, smaller when crowded
    font = 7 if rows <= 16 else 6

    writes = [(u, v, d) for u, v, d in g.edges(data=True) if d["kind"] == "write"]
    most = max((d["records"] for *_, d in writes), default=0) or 1
    write_lines = LineCollection(
        [[pos[u], pos[v]] for u, v, _ in writes],
        linewidths=[0.5 + 5.5 * d["records"] / most for *_, d in writes],
        colors=OKABE_ITO["grey"],
        zorder=1,
    )
    ax.add_collection(write_lines)
    owns = [(u, v, d) for u, v, d in g.edges(data=True) if d["kind"] == "owns"]
    worst = max([50, *(d["lag"] for *_, d in owns)])
    own_lines = LineCollection(
        [[pos[u], pos[v]] for u, v, _ in owns],
        linewidths=[1.0 + 7.0 * d["lag"] / worst for *_, d in owns],
        colors=[_style(groups.index(d["group"]))[0] for *_, d in owns],
        alpha=0.85,
        zorder=1,
    )
    ax.add_collection(own_lines)

    px, py = pos["producer"]
    ax.scatter([px], [py], s=(size * 1.3) ** 2, marker="s", c="black", zorder=3)
    ax.text(px, py - 0.05, f"producer\n{results.scenario.rate:g} rides/s", ha="center", va="top", fontsize=font)
    total = sum(results.produced) or 1
    even = total / results.scenario.partitions
    parts = [pos[f"P{p}"] for p in range(results.scenario.partitions)]
    ax.scatter(
        [x for x, _ in parts], [y for _, y in parts], s=size**2, marker="s", c="white", edgecolors="black", zorder=3
    )
    for p, (x, y) in enumerate(parts):
        share = results.produced[p] / total
        hot = " hot" if results.produced[p] > 2 * even else ""
        ax.text(x - 0.03, y, f"P{p} {share:.0%}{hot}", ha="right", va="center", fontsize=font, zorder=4)

    consumers = [n for n in g.nodes if g.nodes[n]["kind"] == "consumer"]
    active = [n for n in consumers if g.nodes[n]["status"] == "active"]
    others = [n for n in consumers if g.nodes[n]["status"] != "active"]
    marks = {
        "active": ax.scatter(
            [pos[n][0] for n in active],
            [pos[n][1] for n in active],
            s=size**2,
            c=[utilization_colour(g.nodes[n]["load"]) for n in active],
            edgecolors="black",
            linewidths=1,
            zorder=3,
        ),
        "idle": ax.scatter(
            [pos[n][0] for n in others],
            [pos[n][1] for n in others],
            s=size**2,
            c="white",
            edgecolors=OKABE_ITO["grey"],
            linewidths=1.2,
            linestyle="--",
            zorder=3,
        ),
    }
    crashed = [pos[n] for n in others if g.nodes[n]["status"] == "crashed"]
    marks["crashed"] = ax.scatter(
        [x for x, _ in crashed],
        [y for _, y in crashed],
        s=size**2,
        marker="x",
        c=OKABE_ITO["vermillion"],
        linewidths=2.5,
        zorder=4,
    )
    for n in consumers:
        d = g.nodes[n]
        x, y = pos[n]
        colour = "black" if d["status"] == "active" else OKABE_ITO["grey"]
        ax.text(x + 0.035, y, _consumer_label(d), ha="left", va="center", fontsize=font, color=colour, zorder=4)
    step = 1.0 / (len(consumers) + len(groups))  # the row spacing of `group_layout`
    for i, grp in enumerate(groups):
        ys = [pos[f"{grp}/{m}"][1] for m in members[grp]]
        colour, style = _style(i)
        ax.plot(
            [X_CONSUMER - 0.04] * 2,
            [min(ys) - 0.015, max(ys) + 0.015],
            color=colour,
            linestyle=style,
            linewidth=3,
            solid_capstyle="butt",
        )
        ax.text(
            X_CONSUMER - 0.04,
            max(ys) + min(0.05, max(0.55 * step, 0.025)),
            f"group '{grp}'",
            ha="left",
            va="center",
            fontsize=font + 1,
            color=colour,
            weight="bold",
        )
    ax.text(
        0.0,
        0.0,
        "grey width = records written · coloured width = lag · fill = how busy",
        fontsize=6.5,
        color=OKABE_ITO["grey"],
        transform=ax.transAxes,
    )
    ax.set_xlim(-0.06, 1.12)
    ax.set_ylim(-0.06, 1.0)
    ax.set_axis_off()
    return {"writes": write_lines, "owns": own_lines, "consumers": marks, "graph": g, "pos": pos}


def draw_lag_over_time(results: GroupResults, ax: Axes | None = None) -> dict:
    """Total lag of each group over time (one colour and line style per group), crashes and rebalances marked.

    >>> from course.streams import GroupScenario, simulate
    >>> sorted(draw_lag_over_time(simulate(GroupScenario(), until=1)))
    ['archiver', 'dashboard']
    >>> plt.close("all")
    """
    _results(results)
    _check_ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.5), dpi=80)
    totals = results.total_lag()
    lines = {}
    for i, (grp, series) in enumerate(totals.items()):
        colour, style = _style(i)
        ts = sorted(series)
        lines[grp] = ax.plot(ts, [series[t] for t in ts], color=colour, linestyle=style, label=grp)[0]
    s = results.scenario
    if s.crash_at is not None and s.crash_at <= results.until:
        ax.axvline(s.crash_at, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1)
        ax.text(s.crash_at, 0.97, " crash", transform=ax.get_xaxis_transform(), va="top", fontsize=7)
    for event in results.rebalances:
        ax.axvline(event.t, color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
        ax.text(event.t, 0.85, " rebalance", transform=ax.get_xaxis_transform(), va="top", fontsize=7)
    ax.set_xlim(0, results.until)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(5))  # few ticks: each one costs a redraw
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.tick_params(labelsize=7)
    ax.set_ylabel("lag (records)")
    ax.set_xlabel("time (s)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=7)
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
        _, ax = plt.subplots(figsize=(5, 2), dpi=80)
    counts = list(counts)
    total = sum(counts)
    even = total / max(1, len(counts))
    hot = max(range(len(counts)), key=lambda p: counts[p]) if counts else None
    bars = ax.bar(range(len(counts)), counts, color=OKABE_ITO["sky blue"], edgecolor="black", linewidth=0.5)
    if hot is not None and total and counts[hot] > 1.5 * even:
        bars[hot].set_hatch("//")
        bars[hot].set_facecolor(OKABE_ITO["orange"])
        ax.text(hot, counts[hot], f"hot: {counts[hot] / total:.0%}", ha="center", va="bottom", fontsize=7)
    else:
        hot = None
    ax.axhline(even, color="black", linestyle="--", linewidth=0.8)
    ax.set_xticks(range(len(counts)), [f"P{p}" for p in range(len(counts))], fontsize=7)
    ax.set_ylabel("records", fontsize=8)
    ax.set_ylim(0, max(1, *counts) * 1.25)
    ax.set_xlabel("partition  ·  dashed: an even share", fontsize=8)
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
        moved = ", ".join(f"P{m.partition}" for m in e.diff.moved) or "nothing"
        paused = len(e.diff.paused(s.protocol))
        lines.append(
            f"rebalance at {e.t:g} s ({e.group}, {e.reason}): {s.strategy} moved {moved}\n"
            f"    {s.protocol}: {paused} partition{'s' if paused != 1 else ''} paused for {s.rebalance_time:g} s"
        )
    if not lines:
        return "no rebalance: every consumer kept its partitions"
    dup = sum(results.duplicates.values())
    return "\n".join(lines) + f"\n{dup} records processed twice (read but not committed when ownership moved)"


def draw_group_dashboard(results: GroupResults) -> tuple[Figure, dict]:
    """One figure: the consumer-group graph on the left, lag over time and what each rebalance did on the right.

    >>> from course.streams import GroupScenario, simulate
    >>> figure, artists = draw_group_dashboard(simulate(GroupScenario(), until=1))
    >>> len(figure.axes), sorted(artists)
    (2, ['graph', 'lag', 'note'])
    >>> plt.close("all")
    """
    _results(results)
    fig = plt.figure(figsize=(11, 4.6), dpi=80)
    grid = fig.add_gridspec(
        2, 2, width_ratios=[1.5, 1], height_ratios=[1, 0.22], left=0.01, right=0.98, top=0.97, bottom=0.03, hspace=0.4
    )
    graph_ax = fig.add_subplot(grid[:, 0])
    lag_ax = fig.add_subplot(grid[0, 1])
    artists: dict = {
        "graph": draw_consumer_groups(results, ax=graph_ax),
        "lag": draw_lag_over_time(results, ax=lag_ax),
    }
    artists["note"] = fig.text(
        lag_ax.get_position().x0 - 0.04, 0.02, rebalance_note(results), fontsize=7.5, va="bottom", wrap=False
    )
    return fig, artists


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
        _, ax = plt.subplots(figsize=(1.8 * len(names) + 0.8, 0.3 * rows + 0.7), dpi=80)
    moved = {}
    for j, name in enumerate(names):
        d = diffs[name]
        moved[name] = len(d.moved)
        ax.text(j + 0.5, 0.2, f"{name}\n{len(d.moved)} moved", ha="center", va="bottom", fontsize=8, weight="bold")
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
                fontsize=7,
                weight="bold" if m.moved else None,
                bbox=box,
            )
    for i in range(rows):
        label = f"P{diffs[names[0]].records[i].partition}" if names else ""
        ax.text(-0.05, -i - 0.5, label, ha="right", va="center", fontsize=8)
    ax.set_xlim(-0.4, len(names))
    ax.set_ylim(-rows - 0.1, 0.9)
    ax.set_axis_off()
    return {"moved": moved}
