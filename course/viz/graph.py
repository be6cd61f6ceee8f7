"""Draw a system as a networkx graph: nodes coloured by utilization, edges as wide as their traffic.

Every lesson's picture uses these conventions, so learners read each one the same way:
node fill = utilization (cividis: dark is idle, yellow is saturated), edge width = share of
traffic, dashed coloured edges = rejected flows, a red cross = a node that is down.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.text import Text

from ..sim.validate import MAX_UNTIL, covers, distinct, instance, items, number
from .palette import OKABE_ITO, utilization_colour

__all__ = ["draw_flow_graph", "fit_radius", "layered_layout"]

Position = tuple[float, float]
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
_LAYERS_EXAMPLE = 'layers=[["client"], ["gateway"], ["users", "orders"]]'
_MAX_NODES = 10_000  # a picture with more nodes than this is unreadable anyway


def layered_layout(
    layers: Sequence[Sequence[str | None]],
    width: float = 1.0,
    height: float = 1.0,
    *,
    x: Sequence[float] | None = None,
    ends: bool = False,
    min_gap: float = 0.0,
) -> dict[str, Position]:
    """Fixed positions: layer `i` in column `i`, left to right, its nodes spread evenly top to bottom.

    A fixed layout keeps a picture still while sliders change it (no seed to drift). Columns sit
    evenly across `width` (or at the given `x`). A column of `n` slots spreads over `height`: inside
    it with a margin of one step by default, or from the very top to the very bottom with
    `ends=True` (one node sits in the middle either way). `None` is an empty slot: it keeps bands
    apart, or keeps a node in its place while a neighbour is absent. `min_gap` is the least distance
    between neighbours in a column: a crowded column grows past the box, about its middle, so
    nodes drawn with a radius below `min_gap / 2` never overlap. Positions are rounded to 6 places.

    >>> layered_layout([["client"], ["gateway"], ["users", "orders"]])["users"]
    (1.0, 0.666667)
    >>> layered_layout([["a", "b", None, "c"]], height=3, ends=True)
    {'a': (0.0, 3.0), 'b': (0.0, 2.0), 'c': (0.0, 0.0)}
    >>> pos = layered_layout([["p"], [f"c{i}" for i in range(20)]], min_gap=0.1)
    >>> round(pos["c0"][1] - pos["c1"][1], 6), pos["p"]
    (0.1, (0.0, 0.5))
    >>> layered_layout([["a"], ["a"]])
    Traceback (most recent call last):
    ...
    ValueError: layers must not repeat a value (got 'a' twice): a node has one position
    """
    columns = _check_layers(layers)
    width = number("width", width, positive=True, maximum=MAX_UNTIL, why="the horizontal extent of the picture")
    height = number("height", height, positive=True, maximum=MAX_UNTIL, why="the vertical extent of the picture")
    instance("ends", ends, bool, example="ends=True puts a column's first and last nodes at the box's edges")
    gap = number("min_gap", min_gap, minimum=0, maximum=MAX_UNTIL, why="the least distance between neighbours")
    if x is None:
        xs = [width * i / max(1, len(columns) - 1) for i in range(len(columns))]
    else:
        given = items("x", x, minimum=len(columns), maximum=len(columns), why="one horizontal position per layer")
        xs = [number("x", value, why="the horizontal position of a layer") for value in given]
    pos: dict[str, Position] = {}
    for column_x, column in zip(xs, columns, strict=True):
        for node, y in zip(column, _column_heights(len(column), height, ends, gap), strict=True):
            if node is not None:
                pos[node] = (round(column_x, 6), round(y, 6))
    return pos


def _check_layers(layers: object) -> list[list[str | None]]:
    """The layers as lists, refusing anything but columns of distinct node names (or None for a gap)."""
    columns = [
        items("layers", layer, maximum=_MAX_NODES, example=_LAYERS_EXAMPLE)
        for layer in items("layers", layers, maximum=_MAX_NODES, example=_LAYERS_EXAMPLE)
    ]
    nodes = [node for column in columns for node in column if node is not None]
    for node in nodes:
        instance("layers", node, str, example=_LAYERS_EXAMPLE + ": node names are strings")
    distinct("layers", nodes, why="a node has one position")
    return columns


def _column_heights(slots: int, height: float, ends: bool, gap: float) -> list[float]:
    """Heights of `slots` evenly spaced slots, top first, centred on `height / 2`."""
    if ends:
        step = height / (slots - 1) if slots > 1 else 0.0
    else:
        step = height / (slots + 1)
    step = max(step, gap)
    middle = height / 2
    return [middle + step * ((slots - 1) / 2 - j) for j in range(slots)]


def fit_radius(pos: Mapping[str, Position], largest: float = 0.1, fill: float = 0.45) -> float:
    """The node radius for `pos`: `largest`, or less so that no two nodes overlap (`fill` of the closest gap).

    Pass it as `draw_flow_graph(..., node_radius=fit_radius(pos))` when a column can get crowded.

    >>> fit_radius({"a": (0, 0), "b": (0, 1)})
    0.1
    >>> round(fit_radius({"a": (0, 0), "b": (0, 0.1)}), 6)
    0.045
    >>> fit_radius({"a": (0, 0), "b": (0, 0)})
    Traceback (most recent call last):
    ...
    ValueError: pos must not repeat a value (got (0.0, 0.0) twice): two nodes in one place would be drawn as one
    """
    points = _positions(pos)
    largest = number("largest", largest, positive=True, maximum=MAX_UNTIL, why="the radius when there is room")
    fill = number("fill", fill, positive=True, maximum=0.5, why="half the gap or less, so neighbours never touch")
    distinct("pos", points.values(), why="two nodes in one place would be drawn as one")
    closest = min((math.dist(a, b) for a, b in combinations(points.values(), 2)), default=math.inf)
    return min(largest, fill * closest)


def _positions(pos: object) -> dict[Any, Position]:
    """`pos` checked: a mapping from node to an (x, y) pair of finite numbers."""
    instance("pos", pos, Mapping, example='pos={"client": (0, 0.5), "gateway": (1, 0.5)}')
    out: dict[Any, Position] = {}
    for node, xy in pos.items():  # type: ignore[attr-defined]
        x, y = items("pos", xy, minimum=2, maximum=2, why=f"an (x, y) pair for each node, and {node!r} has {xy!r}")
        out[node] = (number("pos", x, why="an x position"), number("pos", y, why="a y position"))
    return out


def _arrowhead(x0: float, y0: float, x1: float, y1: float, size: float) -> list[Position]:
    """A triangle whose tip is at (x1, y1), pointing along the segment from (x0, y0)."""
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bx, by = x1 - ux * size, y1 - uy * size
    return [(x1, y1), (bx - uy * size * 0.45, by + ux * size * 0.45), (bx + uy * size * 0.45, by - ux * size * 0.45)]


def draw_flow_graph(
    graph: nx.DiGraph,
    pos: Mapping[str, Position],
    ax: Axes | None = None,
    max_width: float = 8.0,
    node_radius: float | None = 0.07,
    title: str | None = None,
) -> dict[str, Any]:
    """Draw `graph` on `ax` (a new figure if None) and return the artists by kind.

    Node attributes read: `utilization` (0..1, fill colour; missing means a plain white node),
    `label` (text; defaults to the node name), `down` (True draws a red cross).
    Edge attributes read: `flow` (count; width is proportional to flow / largest flow),
    `colour` (default black), `style` ("solid" or "dashed" for rejected flows), `label`.
    Everything is drawn in data coordinates on an equal-aspect axes (a few collections, so a
    lab can redraw it many times a second). `node_radius=None` picks `fit_radius(pos)`, so
    neighbours never overlap. Returned: "nodes", "edges", "arrowheads" (collections), "labels"
    (node → Text), "edge_labels" and "down" (lists of artists).

    >>> g = nx.DiGraph()
    >>> g.add_edge("client", "gateway", flow=10)
    >>> artists = draw_flow_graph(g, {"client": (0, 0), "gateway": (1, 0)})
    >>> sorted(artists)
    ['arrowheads', 'down', 'edge_labels', 'edges', 'labels', 'nodes']
    >>> plt.close("all")
    """
    instance("graph", graph, nx.Graph, example="graph=nx.DiGraph([('client', 'gateway')])")
    points = _positions(pos)
    covers("pos", points, graph.nodes, why="every node needs a position: add the missing ones to the layout")
    max_width = number("max_width", max_width, positive=True, maximum=100, why="the widest edge, in points")
    if node_radius is None:
        node_radius = fit_radius(points)
    node_radius = number("node_radius", node_radius, positive=True, maximum=MAX_UNTIL, why="in data units")
    if title is not None:
        instance("title", title, str, example='title="clients → gateway"')
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    else:
        instance("ax", ax, Axes, example="fig, ax = plt.subplots(); draw_flow_graph(graph, pos, ax=ax)")
    pos = points
    nodes = list(graph.nodes)
    edges = list(graph.edges(data=True))
    flows = [number("flow", d.get("flow", 1.0), minimum=0, why=f"the count on edge {u!r} → {v!r}") for u, v, d in edges]
    top = max(flows, default=0.0) or 1.0
    segments: list[list[Position]] = []
    widths: list[float] = []
    colours: list[Any] = []
    styles: list[str] = []
    heads: list[list[Position]] = []
    for (u, v, d), flow in zip(edges, flows, strict=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        start = (x0 + ux * node_radius, y0 + uy * node_radius)
        tip = (x1 - ux * node_radius, y1 - uy * node_radius)
        width = 0.5 + (max_width - 0.5) * flow / top if flow > 0 else 0.5
        head = 0.025 + 0.004 * width
        segments.append([start, (tip[0] - ux * head * 0.8, tip[1] - uy * head * 0.8)])
        widths.append(width)
        colours.append(d.get("colour", "black"))
        styles.append("--" if d.get("style") == "dashed" else "-")
        heads.append(_arrowhead(*start, *tip, head))
    edge_artist = LineCollection(segments, linewidths=widths, colors=colours, linestyles=styles, zorder=1)
    ax.add_collection(edge_artist)
    head_artist = PolyCollection(heads, facecolors=colours, edgecolors=colours, zorder=2)
    ax.add_collection(head_artist)
    fills = [
        utilization_colour(graph.nodes[n]["utilization"]) if "utilization" in graph.nodes[n] else (1, 1, 1, 1)
        for n in nodes
    ]
    circles = [Circle(pos[n], node_radius) for n in nodes]
    node_artist = PatchCollection(circles, facecolors=fills, edgecolors="black", linewidths=1.0, zorder=3)
    ax.add_collection(node_artist)
    labels: dict[Any, Text] = {}
    for n in nodes:
        util = graph.nodes[n].get("utilization")
        colour = "white" if util is not None and util < 0.55 else "black"
        text = str(graph.nodes[n].get("label", n))
        labels[n] = ax.text(*pos[n], text, ha="center", va="center", fontsize=8.5, color=colour, zorder=4)
    edge_labels: list[Text] = []
    for u, v, d in edges:
        if d.get("label"):
            (x0, y0), (x1, y1) = pos[u], pos[v]
            mid = (x0 + (x1 - x0) * 0.55, y0 + (y1 - y0) * 0.55)
            edge_labels.append(
                ax.text(*mid, str(d["label"]), fontsize=8.5, ha="center", va="center", zorder=5, bbox=_LABEL_BOX)
            )
    down: list[Line2D] = []
    for n in nodes:
        if graph.nodes[n].get("down"):
            x, y = pos[n]
            down.append(ax.plot([x], [y], marker="x", markersize=22, mew=4, color=OKABE_ITO["vermillion"], zorder=6)[0])
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    pad = node_radius * 1.6
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    return {
        "nodes": node_artist,
        "edges": edge_artist,
        "arrowheads": head_artist,
        "labels": labels,
        "edge_labels": edge_labels,
        "down": down,
    }
