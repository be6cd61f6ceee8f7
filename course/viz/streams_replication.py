"""Lesson 4's replication pictures: brokers and their replicas (leader, follower, out of the ISR), writes' fates.

`broker_graph` is the cluster at the end of a run (replica nodes, leader -> follower edges) and
`broker_layout` places its replicas on the shared `layered_layout`: one column per broker, one
row per partition. Meaning never rests on colour alone: each replica's role is written in its
cell, each write's fate has its own marker shape. Every picture of lesson 4 is drawn at `DPI`
(96: a point of text is a point on screen at 100 % zoom) with no text under `FONT` points.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course.sim.validate import instance
from course.streams import ReplicaState, ReplicationResults, ReplicationScenario

from .graph import layered_layout
from .palette import OKABE_ITO

__all__ = ["DPI", "FONT", "broker_graph", "broker_layout", "draw_brokers", "draw_replication_dashboard", "draw_writes"]

DPI = 96  # dots per inch of every lesson-4 figure: at 96, a 9 in figure is 864 px, and 8 pt shows as 8 pt
FONT = 8.0  # points: the smallest text in lesson 4's pictures

_ROLE_FILL = {
    "leader": OKABE_ITO["blue"],
    "follower": OKABE_ITO["sky blue"],
    "out of ISR": "white",
    "offline": "#dddddd",
}


def _check_ax(ax: object) -> None:
    """`ax` must be None (draw on a new figure) or a matplotlib Axes."""
    if ax is not None:
        instance("ax", ax, Axes, example="ax=None, or an Axes from plt.subplots()")


def _results(results: object) -> ReplicationResults:
    return instance("results", results, ReplicationResults, example="simulate(ReplicationScenario(), until=10)")


def _replica_role(state: ReplicaState) -> str:
    if state.role == "offline":
        return "offline"
    if not state.in_sync:
        return "out of ISR"
    return state.role


def broker_layout(scenario: ReplicationScenario) -> dict[str, tuple[float, float]]:
    """Fixed positions of the replicas "P{p}@b{b}" on the shared `layered_layout`: broker `b` in column
    `x = b`, partition `p` in row `y = partitions - p` (so P0 is on top), whatever the run did.

    >>> from course.streams import ReplicationScenario
    >>> pos = broker_layout(ReplicationScenario(brokers=3, replication_factor=2, partitions=2))
    >>> pos["P0@b0"], pos["P1@b2"], "P0@b2" in pos
    ((0.0, 2.0), (2.0, 1.0), False)
    """
    s = instance("scenario", scenario, ReplicationScenario, example="ReplicationScenario()")
    layers = [
        [f"P{p}@b{b}" if b in s.replicas(p) else f"_none{p}@b{b}" for p in range(s.partitions)]
        for b in range(s.brokers)
    ]
    pos = layered_layout(layers, width=max(1, s.brokers - 1), height=s.partitions + 1)
    return {node: xy for node, xy in pos.items() if not node.startswith("_none")}


def broker_graph(results: ReplicationResults) -> nx.DiGraph:
    """The cluster at the end of a run: a node per replica "P{p}@b{b}" (attributes `partition`, `broker`,
    `role` as drawn, `alive`, `in_sync`, `records`) and an edge from each partition's leader to every
    replica that copies it (`kind="replicates"`).

    >>> from course.streams import ReplicationScenario, simulate
    >>> g = broker_graph(simulate(ReplicationScenario(fail_broker=0, fail_at=1.0), until=2))
    >>> g.nodes["P0@b0"]["role"], sorted(g.successors("P0@b1"))
    ('out of ISR', ['P0@b2'])
    """
    g = nx.DiGraph()
    final = _results(results).final_replicas()
    for state in final:
        g.add_node(
            f"P{state.partition}@b{state.broker}",
            partition=state.partition,
            broker=state.broker,
            role=_replica_role(state),
            alive=state.alive,
            in_sync=state.in_sync,
            records=state.log_end_offset,
        )
    for leader in (st for st in final if st.role == "leader"):
        for other in final:
            if other.partition == leader.partition and other.broker != leader.broker and other.alive:
                g.add_edge(
                    f"P{leader.partition}@b{leader.broker}", f"P{other.partition}@b{other.broker}", kind="replicates"
                )
    return g


def _failure(results: ReplicationResults) -> tuple[float | None, str]:
    """When the scenario's broker failed (None: it did not in this run) and how ("dies" or "stalls")."""
    s = results.scenario
    kinds = {"broker died": "dies", "broker stalled": "stalls"}
    for e in results.events:
        if e.kind in kinds:
            return e.t, kinds[e.kind]
    return None, s.fail_mode


def draw_brokers(results: ReplicationResults, ax: Axes | None = None) -> dict:
    """Brokers as columns, a row per partition: each cell is a replica, its role written in it.

    Leader (dark), follower in the ISR (light), out of the ISR (white, hatched), offline (grey);
    a dead broker's box is dashed and marked DOWN, a stalled one dotted and marked STALLED. Each
    partition's ISR and high watermark (the end of what consumers may read) are written at the right.

    >>> from course.streams import ReplicationScenario, simulate
    >>> artists = draw_brokers(simulate(ReplicationScenario(fail_broker=0), until=6))
    >>> sorted(artists["roles"].items())[:2]
    [((0, 0), 'out of ISR'), ((0, 1), 'leader')]
    >>> plt.close("all")
    """
    g = broker_graph(results)
    _check_ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 3), dpi=DPI)
    s = results.scenario
    pos = broker_layout(s)
    final = results.final_replicas()
    _, mode = _failure(results)
    failed = {e.broker for e in results.events if e.kind in ("broker died", "broker stalled")}
    roles = {}
    cells = []
    small = s.brokers > 3  # five narrow columns: shorter words in each cell
    for node, data in g.nodes(data=True):
        role = data["role"]
        roles[(data["partition"], data["broker"])] = role
        x, y = pos[node]
        cell = Rectangle(
            (x - 0.42, y - 0.4),
            0.84,
            0.8,
            facecolor=_ROLE_FILL[role],
            edgecolor=OKABE_ITO["grey"] if role == "out of ISR" else "black",
            linestyle="--" if role == "out of ISR" else "-",
            hatch="//" if role == "out of ISR" else None,
            linewidth=0.8,
        )
        ax.add_patch(cell)
        cells.append(cell)
        colour = "white" if role == "leader" else "black"
        box = {"facecolor": "white", "edgecolor": "none", "pad": 1} if role == "out of ISR" else None
        if small:  # narrow columns: the partition, its role and its records on three lines
            word = {"out of ISR": "not ISR"}.get(role, role)
            text, height, records = f"P{data['partition']}\n{word}", y + 0.12, y - 0.25
        else:
            text, height, records = f"P{data['partition']} {role}", y + 0.14, y - 0.16
        ax.text(x, height, text, ha="center", va="center", fontsize=FONT, color=colour, bbox=box, linespacing=1.1)
        ax.text(x, records, f"{data['records']} rec.", ha="center", va="center", fontsize=FONT, color=colour, bbox=box)
    top = s.partitions  # the row of P0
    for b in range(s.brokers):
        down = b in failed
        word = {"dies": "DOWN", "stalls": "STALLED"}[mode] if down else ""
        label = f"broker {b}" + (f"\n{word}" if down else "")
        ax.text(b, top + 0.62, label, ha="center", va="bottom", fontsize=FONT if small else FONT + 1, weight="bold")
        ax.add_patch(
            Rectangle(
                (b - 0.48, 0.5),
                0.96,
                s.partitions + 0.05,
                fill=False,
                edgecolor=OKABE_ITO["vermillion"] if down and mode == "dies" else "black",
                linestyle=("--" if mode == "dies" else ":") if down else "-",
                lw=2.0 if down else 1.2,
            )
        )
    hws = results.high_watermarks()
    for p in range(s.partitions):
        isr = sorted(st.broker for st in final if st.partition == p and st.in_sync and st.role != "offline")
        text = "ISR " + ("{" + ", ".join(map(str, isr)) + "}" if isr else "empty: offline")
        text += f"\nHW {hws.get(p, 0)}"
        if s.acks == "all":
            ok = len(isr) >= s.min_insync_replicas
            text += f"\n{'≥' if ok else '<'} min {s.min_insync_replicas}: " + ("writes ok" if ok else "rejected")
        else:
            text += f"\nacks={s.acks}: not waited for"
        ax.text(s.brokers - 0.4, top - p, text, fontsize=FONT, va="center", linespacing=1.15)
    ax.set_xlim(-0.55, s.brokers + 0.95)
    ax.set_ylim(0.4, top + 1.45)
    ax.set_axis_off()
    return {"cells": cells, "roles": roles}


_FATES = [  # (outcome, legend label, colour, marker, size)
    ("served", "acknowledged", OKABE_ITO["blue"], "|", 30),
    ("rejected", "rejected", OKABE_ITO["reddish purple"], "_", 40),
    ("failed", "failed", OKABE_ITO["orange"], "^", 18),
    ("unfinished", "unfinished", OKABE_ITO["grey"], ".", 18),
    ("lost", "lost after ack", OKABE_ITO["vermillion"], "X", 60),
]


def draw_writes(results: ReplicationResults, ax: Axes | None = None) -> dict:
    """Every write as a mark at (time sent, partition), its shape and colour its fate; zoomed on a failure.

    The legend (above the marks) counts every write of the run, not only those in view. When a
    follower stalls under `acks="all"`, the span in which writes wait for it is shaded.

    >>> from course.streams import ReplicationScenario, simulate
    >>> marks = draw_writes(simulate(ReplicationScenario(acks=1, fail_broker=0, fail_at=2.03), until=4))
    >>> len(marks["lost after ack"].get_offsets()) > 0
    True
    >>> plt.close("all")
    """
    _results(results)
    _check_ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.5), dpi=DPI)
    by_fate: dict[str, list] = {outcome: [] for outcome, *_ in _FATES}
    for r in results.records:
        by_fate[r.status].append(r)
    marks = {}
    for outcome, name, colour, marker, size in _FATES:
        rows = by_fate[outcome]
        marks[name] = ax.scatter(
            [r.sent_at for r in rows],
            [r.partition for r in rows],
            s=size,
            c=colour,
            marker=marker,
            linewidths=1,
            label=f"{name} ({len(rows)})",
            zorder=3 if outcome == "lost" else 2,
        )
    s = results.scenario
    failed_at, mode = _failure(results)
    below = ax.get_xaxis_transform()
    if failed_at is not None:
        verb = "dies" if mode == "dies" else "stalls"
        ax.axvline(failed_at, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1)
        ax.text(failed_at, 0.01, f" broker {s.fail_broker} {verb}", transform=below, va="bottom", fontsize=FONT)
        shrinks = [e.t for e in results.events if e.kind == "isr shrink" and e.broker == s.fail_broker]
        if mode == "stalls" and shrinks:
            ax.axvline(shrinks[0], color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
            ax.text(shrinks[0], 0.01, " leaves the ISR", transform=below, va="bottom", fontsize=FONT)
            if s.acks == "all":
                label = f"waiting for broker {s.fail_broker}"
                ax.axvspan(failed_at, shrinks[0], color="#e4e4e4", zorder=0, label=label)
    ax.set_yticks(range(s.partitions), [f"P{p}" for p in range(s.partitions)], fontsize=FONT + 1)
    ax.tick_params(axis="x", labelsize=FONT + 1)
    ax.set_ylim(-0.75, s.partitions - 0.4)
    if failed_at is not None:  # zoom on the failure: the loss window is a fraction of a second
        ax.set_xlim(max(0.0, failed_at - 1.0), min(results.until, failed_at + 2.0))
        ax.set_xlabel("time sent (s), from 1 s before the failure to 2 s after", fontsize=FONT + 1)
    else:
        ax.set_xlim(0, results.until)
        ax.set_xlabel("time sent (s)", fontsize=FONT + 1)
    entries = len(ax.get_legend_handles_labels()[0])
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        fontsize=FONT,
        ncol=3 if entries <= 5 else 2,
        handletextpad=0.2,
        columnspacing=0.8,
        borderpad=0.2,
        frameon=False,
    )
    ax.grid(alpha=0.3, axis="x")
    return marks


def draw_replication_dashboard(results: ReplicationResults) -> tuple[Figure, dict]:
    """One figure: the brokers and their replicas (left), every write's fate over time (right).

    >>> from course.streams import ReplicationScenario, simulate
    >>> figure, artists = draw_replication_dashboard(simulate(ReplicationScenario(), until=1))
    >>> len(figure.axes), sorted(artists)
    (2, ['brokers', 'writes'])
    >>> plt.close("all")
    """
    _results(results)
    fig = plt.figure(figsize=(9.2, 3.7), dpi=DPI)
    grid = fig.add_gridspec(1, 2, width_ratios=[1.15, 1], left=0.01, right=0.98, top=0.84, bottom=0.14, wspace=0.1)
    artists = {
        "brokers": draw_brokers(results, ax=fig.add_subplot(grid[0, 0])),
        "writes": draw_writes(results, ax=fig.add_subplot(grid[0, 1])),
    }
    return fig, artists
