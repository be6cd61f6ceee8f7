"""Lesson 4's replication pictures: brokers and their replicas (leader, follower, out of the ISR), writes' fates.

Meaning never rests on colour alone: each replica's role is written in its cell, each write's
fate has its own marker shape.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .palette import OKABE_ITO

__all__ = ["draw_brokers", "draw_replication_dashboard", "draw_writes"]

_ROLE_FILL = {
    "leader": OKABE_ITO["blue"],
    "follower": OKABE_ITO["sky blue"],
    "out of ISR": "white",
    "offline": "#dddddd",
}


def _replica_role(state) -> str:
    if state.role == "offline":
        return "offline"
    if not state.in_sync:
        return "out of ISR"
    return state.role


def draw_brokers(result, ax: Axes | None = None) -> dict:
    """Brokers as columns, a row per partition: each cell is a replica, its role written in it.

    Leader (dark), follower in the ISR (light), out of the ISR (white, hatched), offline (grey);
    a dead broker's box is dashed and marked DOWN. The ISR of each partition is listed at the right.

    >>> from course.streams import ReplicationScenario, simulate_replication
    >>> artists = draw_brokers(simulate_replication(ReplicationScenario(fail_broker=0), until=6))
    >>> sorted(artists["roles"].items())[:2]
    [((0, 0), 'out of ISR'), ((0, 1), 'leader')]
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3), dpi=80)
    s = result.scenario
    final = result.final_replicas()
    dead = {e.broker for e in result.events if e.kind == "broker died"}
    roles = {}
    cells = []
    for state in final:
        role = _replica_role(state)
        roles[(state.partition, state.broker)] = role
        x, y = state.broker, -state.partition
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
        ax.text(x, y + 0.12, f"P{state.partition} {role}", ha="center", va="center", fontsize=7, color=colour, bbox=box)
        ax.text(x, y - 0.18, f"{state.log_end_offset} records", ha="center", va="center", fontsize=6, color=colour)
    for b in range(s.brokers):
        down = b in dead
        label = f"broker {b}" + (" · DOWN" if down else "")
        ax.text(b, 0.62, label, ha="center", va="bottom", fontsize=8, weight="bold")
        ax.add_patch(
            Rectangle(
                (b - 0.48, -s.partitions + 0.5),
                0.96,
                s.partitions + 0.1,
                fill=False,
                edgecolor=OKABE_ITO["vermillion"] if down else "black",
                linestyle="--" if down else "-",
                lw=2.0 if down else 1.2,
            )
        )
    for p in range(s.partitions):
        isr = sorted(st.broker for st in final if st.partition == p and st.in_sync and st.role != "offline")
        text = "ISR " + ("{" + ", ".join(map(str, isr)) + "}" if isr else "empty: offline")
        if s.acks == "all":
            ok = len(isr) >= s.min_insync_replicas
            text += f"\n{'≥' if ok else '<'} min {s.min_insync_replicas}: " + ("writes ok" if ok else "refused")
        else:
            text += f"\nacks={s.acks}: not waited for"
        ax.text(s.brokers - 0.4, -p, text, fontsize=7, va="center")
    ax.set_xlim(-0.55, s.brokers + 0.6)
    ax.set_ylim(-s.partitions + 0.35, 1.0)
    ax.set_axis_off()
    return {"cells": cells, "roles": roles}


_FATES = [  # (name, colour, marker, size)
    ("acked", OKABE_ITO["blue"], "|", 30),
    ("sent (acks=0)", OKABE_ITO["sky blue"], "|", 30),
    ("refused", OKABE_ITO["reddish purple"], "_", 40),
    ("failed", OKABE_ITO["orange"], "^", 18),
    ("lost after ack", OKABE_ITO["vermillion"], "X", 60),
]


def _fate(record) -> str:
    if record.lost:
        return "lost after ack"
    if record.status == "sent":
        return "sent (acks=0)"
    return record.status if record.status in ("acked", "refused", "failed") else "failed"


def draw_writes(result, ax: Axes | None = None) -> dict:
    """Every write as a mark at (time sent, partition), its shape and colour its fate; zoomed on a failure.

    The legend counts every write of the run, not only those in view.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.5), dpi=80)
    by_fate: dict[str, list] = {name: [] for name, *_ in _FATES}
    for r in result.records:
        by_fate[_fate(r)].append(r)
    marks = {}
    for name, colour, marker, size in _FATES:
        rows = by_fate[name]
        marks[name] = ax.scatter(
            [r.sent_at for r in rows],
            [r.partition for r in rows],
            s=size,
            c=colour,
            marker=marker,
            linewidths=1,
            label=f"{name} ({len(rows)})",
            zorder=3 if name.startswith("lost") else 2,
        )
    for e in result.events:
        if e.kind == "broker died":
            ax.axvline(e.t, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1)
            ax.text(e.t, 0.02, f" broker {e.broker} dies", transform=ax.get_xaxis_transform(), va="bottom", fontsize=7)
    s = result.scenario
    ax.set_yticks(range(s.partitions), [f"P{p}" for p in range(s.partitions)], fontsize=7)
    ax.set_ylim(-0.6, s.partitions - 0.4 + 0.35 * 3)
    died = [e.t for e in result.events if e.kind == "broker died"]
    if died:  # zoom on the failure: the loss window is a fraction of a second
        ax.set_xlim(max(0.0, died[0] - 1.0), min(result.until, died[0] + 2.0))
        ax.set_xlabel("time sent (s), from 1 s before the failure to 2 s after")
    else:
        ax.set_xlim(0, result.until)
        ax.set_xlabel("time sent (s)")
    ax.legend(loc="upper left", fontsize=6.5, ncol=5, handletextpad=0.2, columnspacing=0.8, borderpad=0.3)
    ax.grid(alpha=0.3, axis="x")
    return marks


def draw_replication_dashboard(result) -> tuple[Figure, dict]:
    """One figure: the brokers and their replicas (left), every write's fate over time (right)."""
    fig = plt.figure(figsize=(11, 3.8), dpi=80)
    grid = fig.add_gridspec(1, 2, width_ratios=[1, 1.2], left=0.01, right=0.98, top=0.9, bottom=0.14, wspace=0.08)
    artists = {
        "brokers": draw_brokers(result, ax=fig.add_subplot(grid[0, 0])),
        "writes": draw_writes(result, ax=fig.add_subplot(grid[0, 1])),
    }
    return fig, artists
