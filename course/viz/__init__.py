"""Shared drawing helpers: the colour-blind-safe palette, flow graphs, progress bars."""

from .charts import draw_latency_curve
from .graph import draw_flow_graph, fit_radius, layered_layout
from .palette import OKABE_ITO, STATUS_COLOURS, UTILIZATION_CMAP, status_colour, utilization_colour
from .progress import progress

__all__ = [
    "OKABE_ITO",
    "STATUS_COLOURS",
    "UTILIZATION_CMAP",
    "draw_flow_graph",
    "draw_latency_curve",
    "fit_radius",
    "layered_layout",
    "progress",
    "status_colour",
    "utilization_colour",
]
