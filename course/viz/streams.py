"""Pictures of lesson 4: who reads which partition, where the replicas live, and when windows fire.

- `draw_consumer_groups`: the `group_graph` of a run (producer -> partitions -> the consumers of
  each group, placed by `group_layout` on the shared `layered_layout`, one band per group); edge
  width = that group's lag on the partition, consumer fill = how busy it is (cividis), idle and
  crashed consumers labelled as such. Idle consumers share one label; crowded pictures thin their
  labels: a group of more than `LABELLED_MEMBERS` consumers labels one by one only the consumers
  worth a look (crashed, overloaded, given partitions) and the others together; no two labels
  overlap.
- `draw_lag_over_time`, `draw_partition_load`, `rebalance_note`, `draw_rebalance_diffs`: the charts
  around the graph (drawn in `streams_lag.py`, re-exported here).
- `draw_brokers`: brokers as columns, one replica per partition row (`broker_graph`,
  `broker_layout`), leader / follower / out of the ISR written in each cell; `draw_writes`: every
  write's fate over time (both drawn in `streams_replication.py`, re-exported here).
- `draw_window_timeline`: event time against arrival time, the watermark, late and dropped
  events, and the windows each key got (drawn in `streams_windows.py`, re-exported here).

Layouts depend only on the counts (partitions, consumers, groups), never on the traffic, so
nothing jumps while a slider changes the load. Meaning never rests on colour alone: every
colour comes with a label, a marker shape or a line style. Every figure is drawn at `DPI` with
no text under `FONT` points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from course.sim.validate import instance, whole
from course.streams import GroupResults

from .graph import layered_layout
from .palette import OKABE_ITO, utilization_colour
from .streams_lag import (
    GROUP_STYLES,
    draw_lag_over_time,
    draw_partition_load,
    draw_rebalance_diffs,
    group_style,
    rebalance_note,
)
from .streams_replication import (
    DPI,
    FONT,
    _check_ax,
    broker_graph,
    broker_layout,
    draw_brokers,
    draw_replication_dashboard,
    draw_writes,
)
from .streams_windows import draw_window_dashboard, draw_window_results, draw_window_timeline

__all__ = [
    "DPI",
    "FONT",
    "GROUP_STYLES",
    "LABELLED_MEMBERS",
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

X_PRODUCER, X_PARTITION, X_CONSUMER = 0.0, 0.28, 0.56  # the three columns of `group_layout`
LABELLED_MEMBERS = 4  # a group with more consumers labels only those worth a look
_PRIORITY = {"crashed": 0, "overloaded": 1, "gained": 2, "idle": 3, "active": 4}  # who keeps a label when crowded


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
    ((0.0, 0.5), (0.28, 0.666667), (0.56, 0.8))
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


def _consumer_label(data: dict) -> tuple[str, int]:
    """A consumer's label and how much it matters (lower keeps its label when the picture is crowded)."""
    member = data["member"]
    if data["status"] == "crashed":
        return f"{member} crashed", _PRIORITY["crashed"]
    overloaded = data["load"] > 1
    busy = "overloaded" if overloaded else f"{data['load']:.0%} busy"
    text = f"{member} {busy} · lag {data['lag']:,}"
    if data["gained"]:
        text += " · got " + ",".join(f"P{p}" for p in data["gained"])
    kind = "overloaded" if overloaded else "gained" if data["gained"] else "active"
    return text, _PRIORITY[kind]


def _span(names: list[str]) -> str:
    """Member ids as a short list: "c6", "c6, c7" or "c3–c7"."""
    return ", ".join(names) if len(names) <= 2 else f"{names[0]}–{names[-1]}"


def _names(names: list[str]) -> str:
    """Member ids as a short list: "c6", "c6, c7", "c1, c4 + 3 more"."""
    return ", ".join(names) if len(names) <= 3 else f"{names[0]}, {names[1]} + {len(names) - 2} more"


def _group_labels(g: nx.DiGraph, group: str, members: list[str], crowded: bool) -> list[tuple[list[str], str, int]]:
    """The labels a group asks for: `(nodes it may stand beside, text, priority)`.

    Idle members share one label; in a `crowded` picture a group of more than `LABELLED_MEMBERS`
    consumers labels only those worth a look (crashed, overloaded, given partitions) one by one,
    and the others together.
    """
    nodes = [f"{group}/{m}" for m in members]
    idle = [n for n in nodes if g.nodes[n]["status"] == "idle"]
    wanted: list[tuple[list[str], str, int]] = []
    for n in nodes:
        if g.nodes[n]["status"] != "idle":
            text, priority = _consumer_label(g.nodes[n])
            wanted.append(([n], text, priority))
    if idle:
        names = [g.nodes[n]["member"] for n in idle]
        wanted.append((idle, f"{_span(names)} idle (no partition)", _PRIORITY["idle"]))
    quiet = [w[0][0] for w in wanted if w[2] == _PRIORITY["active"]]
    if not crowded or len(members) <= LABELLED_MEMBERS or len(quiet) < 2:
        return wanted
    loads = [g.nodes[n]["load"] for n in quiet]
    names = [g.nodes[n]["member"] for n in quiet]
    together = f"{_names(names)}: {100 * min(loads):.0f}–{max(loads):.0%} busy"
    return [w for w in wanted if w[2] != _PRIORITY["active"]] + [(quiet, together, _PRIORITY["active"])]


def _place(wanted: list[tuple[list[str], str, int]], ys: Mapping[str, float], gap: float, taken: list[float]) -> list:
    """Keep the labels, most important first, each beside the first of its nodes that stands at least `gap`
    (in y) from every text kept before; return `(node, text)` pairs top to bottom."""
    kept = []
    for nodes, text, _ in sorted(wanted, key=lambda w: (w[2], -ys[w[0][0]])):
        for node in nodes:
            if all(abs(ys[node] - other) >= gap for other in taken):
                kept.append((node, text))
                taken.append(ys[node])
                break
    return sorted(kept, key=lambda k: -ys[k[0]])


def draw_consumer_groups(results: GroupResults, ax: Axes | None = None) -> dict:
    """Draw producer -> partitions -> consumers of every group, for one consumer-group run.

    Edge width from the producer = records written; an ownership edge is drawn in its group's
    colour, as wide as that group's lag on the partition. Consumer fill = load (cividis, dark
    idle to yellow saturated); idle consumers are hollow with a dashed rim, crashed ones crossed.
    `artists["labels"]` holds the consumer labels drawn (crowded pictures drop the least useful).

    >>> from course.streams import GroupScenario, simulate
    >>> artists = draw_consumer_groups(simulate(GroupScenario(), until=2))
    >>> len(artists["owns"].get_segments())   # 6 partitions, each owned once in each of 2 groups
    12
    >>> plt.close("all")
    """
    _results(results)
    _check_ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.4, 4.4), dpi=DPI)
    g = group_graph(results)
    s = results.scenario
    groups = list(results.assignments)
    members: dict[str, list[str]] = {
        grp: [g.nodes[n]["member"] for n in g.nodes if g.nodes[n].get("group") == grp] for grp in groups
    }
    pos = group_layout(s.partitions, members)
    ax.set_xlim(-0.1, 1.12)
    ax.set_ylim(-0.07, 1.0)
    rows = max(s.partitions, sum(len(v) for v in members.values()) + len(groups) - 1)
    size = max(5.0, min(16.0, 200.0 / rows))  # marker size in points, smaller when crowded
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)  # an Axes always sits in a figure
    height_px = ax.get_position().height * fig.get_figheight() * fig.dpi
    line = 1.25 * FONT * fig.dpi / 72 / height_px * 1.07  # one line of text, in data units (ylim span 1.07)

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
        colors=[group_style(groups.index(d["group"]))[0] for *_, d in owns],
        alpha=0.85,
        zorder=1,
    )
    ax.add_collection(own_lines)

    px, py = pos["producer"]
    ax.scatter([px], [py], s=(size * 1.3) ** 2, marker="s", c="black", zorder=3)
    ax.text(px, py - 0.05, f"producer\n{s.rate:g} rides/s", ha="center", va="top", fontsize=FONT)
    total = sum(results.produced) or 1
    even = total / s.partitions
    parts = [pos[f"P{p}"] for p in range(s.partitions)]
    ax.scatter(
        [x for x, _ in parts], [y for _, y in parts], s=size**2, marker="s", c="white", edgecolors="black", zorder=3
    )
    for p, (x, y) in enumerate(parts):
        share = results.produced[p] / total
        hot = " hot" if results.produced[p] > 2 * even else ""
        ax.text(x - 0.025, y + 0.004, f"P{p} {share:.0%}{hot}", ha="right", va="bottom", fontsize=FONT, zorder=4)

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
    step = 1.0 / (len(consumers) + len(groups))  # the row spacing of `group_layout`
    titles = []
    labels = []
    taken: list[float] = []  # heights of the texts already in the consumer column
    wanted_by_group = {}
    for i, grp in enumerate(groups):
        ys = [pos[f"{grp}/{m}"][1] for m in members[grp]]
        colour, style, *_ = group_style(i)
        ax.plot(
            [X_CONSUMER - 0.04] * 2,
            [min(ys) - 0.015, max(ys) + 0.015],
            color=colour,
            linestyle=style,
            linewidth=3,
            solid_capstyle="butt",
        )
        wanted_by_group[grp] = _group_labels(g, grp, members[grp], crowded=step < 1.6 * line)
        title_y = max(ys) + (max(step, 1.05 * line) if i == 0 else min(step, 1.3 * line))  # the row above the band
        if title_y + 0.6 * line > ax.get_ylim()[1]:  # the top band's title: above the rows, never on its c0
            ax.set_ylim(ax.get_ylim()[0], title_y + 0.6 * line)
        title = f"group '{grp}'" + (f" ({len(members[grp])} consumers)" if len(members[grp]) > LABELLED_MEMBERS else "")
        titles.append(
            ax.text(X_CONSUMER - 0.02, title_y, title, ha="left", va="center", fontsize=FONT + 0.5, color=colour)
        )
        titles[-1].set_fontweight("bold")
        taken.append(title_y)
    for grp in groups:  # titles first, then the labels that fit between them
        wanted = wanted_by_group[grp]
        heights = {n: pos[n][1] for nodes, *_ in wanted for n in nodes}
        for node, text in _place(wanted, heights, line, taken):
            ink = "black" if g.nodes[node]["status"] == "active" else OKABE_ITO["grey"]
            labels.append(
                ax.text(X_CONSUMER + 0.035, heights[node], text, ha="left", va="center", fontsize=FONT, color=ink)
            )
    ax.text(
        0.01,
        0.005,
        "grey width = records written · coloured width = lag · fill = how busy",
        fontsize=FONT,
        va="bottom",
        color=OKABE_ITO["grey"],
        transform=ax.transAxes,
    )
    ax.set_axis_off()
    return {
        "writes": write_lines,
        "owns": own_lines,
        "consumers": marks,
        "labels": labels,
        "titles": titles,
        "graph": g,
        "pos": pos,
    }


def draw_group_dashboard(results: GroupResults) -> tuple[Figure, dict]:
    """One figure: the consumer-group graph on the left, lag over time and what each rebalance did on the right.

    >>> from course.streams import GroupScenario, simulate
    >>> figure, artists = draw_group_dashboard(simulate(GroupScenario(), until=1))
    >>> len(figure.axes), sorted(artists)
    (2, ['graph', 'lag', 'note'])
    >>> plt.close("all")
    """
    _results(results)
    fig = plt.figure(figsize=(9.2, 4.6), dpi=DPI)
    graph_ax = fig.add_axes((0.0, 0.0, 0.6, 0.97))
    lag_ax = fig.add_axes((0.66, 0.36, 0.32, 0.5))  # room above for the legend, below for the note
    artists: dict = {
        "graph": draw_consumer_groups(results, ax=graph_ax),
        "lag": draw_lag_over_time(results, ax=lag_ax),
    }
    artists["note"] = fig.text(0.6, 0.02, rebalance_note(results), fontsize=FONT, va="bottom")
    return fig, artists
