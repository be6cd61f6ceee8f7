"""Draw a system as a networkx graph: nodes coloured by utilization, edges as wide as their traffic.

Every lesson's picture uses these conventions, so learners read each one the same way:
node fill = utilization (cividis: dark is idle, yellow is saturated), edge width = share of
traffic, dashed coloured edges = rejected flows, a red cross = a node that is down.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.patches import Circle

from .palette import OKABE_ITO, utilization_colour

__all__ = ["draw_flow_graph", "layered_layout"]

Position = tuple[float, float]
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}


def layered_layout(layers: Sequence[Sequence[str]], width: float = 1.0, height: float = 1.0) -> dict[str, Position]:
    """Fixed positions: layer `i` in column `i`, its nodes spread evenly top to bottom.

    A fixed layout keeps a picture still while sliders change it (no seed to drift).

    >>> layered_layout([["client"], ["gateway"], ["users", "orders"]])["users"]
    (1.0, 0.666667)
    """
    pos: dict[str, Position] = {}
    columns = max(1, len(layers) - 1)
    for i, layer in enumerate(layers):
        for j, node in enumerate(layer):
            x = width * i / columns
            y = height * (len(layer) - j) / (len(layer) + 1)
            pos[node] = (round(x, 6), round(y, 6))
    return pos


def _arrowhead(x0: float, y0: float, x1: float, y1: float, size: float) -> list[tuple[float, float]]:
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
    node_radius: float = 0.07,
    title: str | None = None,
) -> dict:
    """Draw `graph` on `ax` (a new figure if None) and return the artists by kind.

    Node attributes read: `utilization` (0..1, fill colour; missing means a plain white node),
    `label` (text; defaults to the node name), `down` (True draws a red cross).
    Edge attributes read: `flow` (count; width is proportional to flow / largest flow),
    `colour` (default black), `style` ("solid" or "dashed" for rejected flows), `label`.
    Everything is drawn in data coordinates on an equal-aspect axes (a few collections, so a
    lab can redraw it many times a second).

    >>> g = nx.DiGraph()
    >>> g.add_edge("client", "gateway", flow=10)
    >>> artists = draw_flow_graph(g, {"client": (0, 0), "gateway": (1, 0)})
    >>> sorted(artists)
    ['arrowheads', 'down', 'edge_labels', 'edges', 'labels', 'nodes']
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    missing = [n for n in graph.nodes if n not in pos]
    if missing:
        raise ValueError(f"no position for nodes {missing}: add them to the layout")
    nodes = list(graph.nodes)
    edges = list(graph.edges(data=True))
    flows = [max(0.0, float(d.get("flow", 1.0))) for _, _, d in edges]
    top = max(flows, default=0.0) or 1.0
    segments, widths, colours, styles, heads = [], [], [], [], []
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
    labels = {}
    for n in nodes:
        util = graph.nodes[n].get("utilization")
        colour = "white" if util is not None and util < 0.55 else "black"
        text = str(graph.nodes[n].get("label", n))
        labels[n] = ax.text(*pos[n], text, ha="center", va="center", fontsize=7, color=colour, zorder=4)
    edge_labels = []
    for u, v, d in edges:
        if d.get("label"):
            (x0, y0), (x1, y1) = pos[u], pos[v]
            mid = (x0 + (x1 - x0) * 0.55, y0 + (y1 - y0) * 0.55)
            edge_labels.append(
                ax.text(*mid, str(d["label"]), fontsize=7, ha="center", va="center", zorder=5, bbox=_LABEL_BOX)
            )
    down = []
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
