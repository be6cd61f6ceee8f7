"""Draw a system as a networkx graph: nodes coloured by utilization, edges as wide as their traffic.

Every lesson's picture uses these conventions, so learners read each one the same way:
node fill = utilization (cividis: dark is idle, yellow is saturated), edge width = share of
traffic, dashed coloured edges = rejected flows, a red cross = a node that is down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes

from .palette import OKABE_ITO, utilization_colour

__all__ = ["draw_flow_graph", "layered_layout"]

Position = tuple[float, float]


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


def draw_flow_graph(
    graph: nx.DiGraph,
    pos: Mapping[str, Position],
    ax: Axes | None = None,
    max_width: float = 8.0,
    title: str | None = None,
) -> dict:
    """Draw `graph` on `ax` (a new figure if None) and return the artists by kind.

    Node attributes read: `utilization` (0..1, fill colour; missing means a plain white node),
    `label` (text; defaults to the node name), `down` (True draws a red cross).
    Edge attributes read: `flow` (count; width is proportional to flow / largest flow),
    `colour` (default black), `style` ("solid" or "dashed" for rejected flows), `label`.

    >>> g = nx.DiGraph()
    >>> g.add_edge("client", "gateway", flow=10)
    >>> artists = draw_flow_graph(g, {"client": (0, 0), "gateway": (1, 0)})
    >>> sorted(artists)
    ['down', 'edges', 'labels', 'nodes']
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    missing = [n for n in graph.nodes if n not in pos]
    if missing:
        raise ValueError(f"no position for nodes {missing}: add them to the layout")
    nodes = list(graph.nodes)
    fills = [
        utilization_colour(graph.nodes[n]["utilization"]) if "utilization" in graph.nodes[n] else "white" for n in nodes
    ]
    node_artist = nx.draw_networkx_nodes(
        graph, pos, nodelist=nodes, node_color=fills, edgecolors="black", node_size=1400, ax=ax
    )
    flows = [max(0.0, float(d.get("flow", 1.0))) for _, _, d in graph.edges(data=True)]
    top = max(flows, default=0.0) or 1.0
    edge_artists = []
    for (u, v, d), flow in zip(graph.edges(data=True), flows, strict=True):
        width = 0.5 + (max_width - 0.5) * flow / top if flow > 0 else 0.5
        drawn = nx.draw_networkx_edges(
            graph,
            pos,
            edgelist=[(u, v)],
            width=width,
            edge_color=d.get("colour", "black"),
            style=d.get("style", "solid"),
            arrows=True,
            arrowsize=14,
            node_size=1400,
            connectionstyle=d.get("connectionstyle", "arc3"),
            ax=ax,
        )
        edge_artists.extend(drawn if isinstance(drawn, list) else [drawn])
    labels = {n: graph.nodes[n].get("label", n) for n in nodes}
    label_artists = nx.draw_networkx_labels(graph, pos, labels=labels, font_size=8, ax=ax)
    for n, text in label_artists.items():
        util = graph.nodes[n].get("utilization")
        text.set_color("white" if util is not None and util < 0.55 else "black")
    edge_labels = {(u, v): d["label"] for u, v, d in graph.edges(data=True) if d.get("label")}
    if edge_labels:
        nx.draw_networkx_edge_labels(graph, pos, edge_labels=edge_labels, font_size=7, ax=ax)
    down = []
    for n in nodes:
        if graph.nodes[n].get("down"):
            x, y = pos[n]
            down.append(ax.plot([x], [y], marker="x", markersize=26, mew=4, color=OKABE_ITO["vermillion"])[0])
    if title:
        ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    ax.margins(0.15)
    return {"nodes": node_artist, "edges": edge_artists, "labels": label_artists, "down": down}
