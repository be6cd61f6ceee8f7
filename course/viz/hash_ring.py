"""Consistent hashing in pictures (lesson 2): a hash ring with its points, arcs and keys, and how many keys move.

Each ring node has its own colour *and* marker shape, so no meaning rests on colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Circle

from ..balancing.ring import ConsistentHashRing
from ..sim import validate
from .balancing import DPI, MIN_FONT
from .palette import OKABE_ITO

__all__ = ["NODE_MARKERS", "draw_keys_moved", "draw_ring"]

NODE_MARKERS = "osD^vPX*<>"  # one marker shape per ring node, beside its colour
_NODE_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "bluish green", "reddish purple", "vermillion", "sky blue")]
_NODE_COLOURS += [OKABE_ITO["yellow"], OKABE_ITO["black"], OKABE_ITO["grey"], "#8c564b"]


def _list(name: str, value: object) -> list[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a list (got {value!r})")
    return list(value)


def _keys(name: str, value: object) -> list[str]:
    return [validate.instance(name, key, str, example=f"{name}=['user:1', 'user:2']") for key in _list(name, value)]


def _angle(turn: float) -> float:
    """Ring position (a fraction of a turn, clockwise from the top) as an angle for drawing."""
    return math.pi / 2 - 2 * math.pi * turn


def draw_ring(
    ring: ConsistentHashRing, keys: Sequence[str] = (), moved: Sequence[str] = (), ax: Axes | None = None
) -> dict[str, Any]:
    """Draw a consistent-hash ring: each node's points (its own colour and marker shape), the arcs it
    owns (from the point before, clockwise, up to its point), and `keys` inside the ring in their
    owner's style; keys in `moved` are drawn large with a black edge.

    >>> from course.balancing import ConsistentHashRing
    >>> artists = draw_ring(ConsistentHashRing(["a", "b"], vnodes=3), keys=["k1", "k2"])
    >>> len(artists["points"]), sum(len(drawn.get_xdata()) for drawn in artists["keys"])
    (2, 2)
    >>> plt.close("all")
    """
    validate.instance("ring", ring, ConsistentHashRing, example="ConsistentHashRing(['a', 'b'], vnodes=3)")
    keys, moved = _keys("keys", keys), _keys("moved", moved)
    if ax is not None:
        validate.instance("ax", ax, Axes, example="ax=plt.subplots()[1], or None for a new figure")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.2), dpi=DPI)
    nodes, points = ring.nodes, ring.points()
    style = {
        n: (_NODE_COLOURS[i % len(_NODE_COLOURS)], NODE_MARKERS[i % len(NODE_MARKERS)]) for i, n in enumerate(nodes)
    }
    ax.add_patch(Circle((0, 0), 1.0, fill=False, edgecolor="#cccccc", linewidth=6, zorder=0))
    arcs = []
    for i, (turn, owner) in enumerate(points):
        start = points[i - 1][0] if i else points[-1][0] - 1.0
        steps = max(2, int((turn - start) * 120))
        angles = [_angle(start + (turn - start) * k / steps) for k in range(steps + 1)]
        arcs.append(
            ax.plot([math.cos(a) for a in angles], [math.sin(a) for a in angles], color=style[owner][0], lw=4)[0]
        )
    shares = ring.shares() if nodes else {}
    drawn_points, drawn_keys = [], []
    for node in nodes:
        colour, marker = style[node]
        mine = [_angle(t) for t, owner in points if owner == node]
        label = f"{node} ({shares[node]:.0%} of the ring)"
        drawn_points.append(
            ax.plot(
                [math.cos(a) for a in mine],
                [math.sin(a) for a in mine],
                marker,
                color=colour,
                ms=9,
                mec="black",
                label=label,
                zorder=3,
            )[0]
        )

    if len(points) <= 40:  # name the points, skipping one that would sit on the previous label
        last = -1.0
        for turn, owner in points:
            if turn - last > 0.025:
                a = _angle(turn)
                ax.text(1.18 * math.cos(a), 1.18 * math.sin(a), str(owner), ha="center", va="center", fontsize=MIN_FONT)
                last = turn
    large = set(moved)
    for node in nodes:
        colour, marker = style[node]
        for big in (False, True):
            owned = [k for k in keys if ring.node_for(k) == node and (k in large) == big]
            if not owned:
                continue
            xs = [0.8 * math.cos(_angle(ring.position(k))) for k in owned]
            ys = [0.8 * math.sin(_angle(ring.position(k))) for k in owned]
            drawn_keys.append(
                ax.plot(
                    xs,
                    ys,
                    marker,
                    color=colour,
                    ms=7 if big else 3.5,
                    mec="black" if big else colour,
                    mew=1.2 if big else 0.5,
                    alpha=1.0 if big else 0.8,
                    zorder=4,
                )[0]
            )
    handles = list(drawn_points)
    if moved:
        handles.append(
            plt.Line2D(
                [], [], marker="o", linestyle="none", color="white", mec="black", mew=1.2, label="a key that moved"
            )
        )
    ax.legend(handles=handles, fontsize=MIN_FONT, loc="upper left", bbox_to_anchor=(0.0, -0.02), frameon=False, ncol=2)
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return {"arcs": arcs, "points": drawn_points, "keys": drawn_keys}


def draw_keys_moved(
    nodes: Sequence[int], ring: Sequence[float], modulo: Sequence[float], ax: Axes | None = None
) -> dict[str, Any]:
    """Share of keys that change owner when one node joins N nodes: a ring against `hash % N`,
    beside the ideal 1/(N+1) (only the new node's share moves).

    >>> artists = draw_keys_moved([2, 3], [0.33, 0.25], [0.67, 0.75])
    >>> sorted(artists)
    ['ideal', 'modulo', 'ring']
    >>> plt.close("all")
    """
    sizes = [
        validate.whole("nodes", n, minimum=1, why="how many nodes before one more joins") for n in _list("nodes", nodes)
    ]
    for name, shares in (("ring", ring), ("modulo", modulo)):
        values = _list(name, shares)
        if len(values) != len(sizes):
            raise ValueError(f"{name} must have one share per entry of nodes: {len(sizes)} (got {len(values)})")
        for value in values:
            validate.probability(name, value, why="the share of keys that moved")
    if ax is not None:
        validate.instance("ax", ax, Axes, example="ax=plt.subplots()[1], or None for a new figure")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3), dpi=DPI)
    ideal = ax.plot(sizes, [1 / (n + 1) for n in sizes], ":", color="black", label="ideal: 1 / (N + 1)")[0]
    drawn_ring = ax.plot(nodes, ring, "o-", color=OKABE_ITO["blue"], label="consistent hashing (ring)")[0]
    drawn_mod = ax.plot(nodes, modulo, "s--", color=OKABE_ITO["vermillion"], label="hash % N (IP hash)")[0]
    ax.set_xlabel("nodes before one more joins (N)", fontsize=MIN_FONT + 1)
    ax.set_ylabel("share of keys that move", fontsize=MIN_FONT + 1)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    ax.tick_params(labelsize=MIN_FONT + 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=MIN_FONT + 1, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=2, frameon=False)
    return {"ideal": ideal, "ring": drawn_ring, "modulo": drawn_mod}
