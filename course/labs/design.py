"""Lesson 6's lab: the whole design with its live flows, under the 9:00 rush, with the knobs of `Design.example`.

The controls are declared once, below; each starts at the default of the matching knob of
`Design.example` (the domain's design builder), and every change runs
`simulate(Design.example(**values), until=24, seed=seed)` and draws the dashboard: the design as a
graph (edge width = traffic, dashed and coloured = how requests ended, fill = utilization), then
requests by outcome over time, the answers' p99 and every backlog. A knob that does not apply to the
chosen design says so in the summary.
"""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..design import DESIGNS, FAILURES, Design, DesignResults, simulate
from ..sim import validate
from ..viz.design import draw_design_dashboard
from .view import build_lab, dropdown, simulated_view, slider

__all__ = ["CONTROLS", "UNTIL", "design_lab", "design_view"]

UNTIL = 24.0  # simulated seconds per update: the rush peaks at 12 s

CONTROLS = (
    slider("rate", 0, 200, step=10, label="traffic before the rush (req/s)"),
    slider("instances", 1, 8, step=1, label="instances of the main tier"),
    slider("partitions", 1, 12, step=1, label="partitions of the main stream"),
    slider("queue_capacity", 10, 500, step=10, label="capacity of the main queue"),
    dropdown("failure", FAILURES, label="failure at 8 s"),
    dropdown("name", DESIGNS, label="design"),
)


def _dashboard(results: DesignResults) -> Figure:
    figure, _ = draw_design_dashboard(results)
    return figure


design_view = simulated_view(Design.example, simulate, _dashboard, until=UNTIL)
design_view.__doc__ = "Simulate Design.example(**knobs) for 24 s with `seed` and draw the dashboard: one lab update."


def design_lab(seed: int = 0) -> widgets.interactive:
    """The lab widget: traffic, instances, partitions, queue capacity, a failure and the design, over a live picture.

    >>> import contextlib, io
    >>> import matplotlib.pyplot as plt
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook the drawing goes to stdout
    ...     lab = design_lab(seed=0)
    ...     lab.controls["instances"].value = 1
    >>> list(lab.controls)[0], lab.result.result.design.part("booking").instances
    ('rate', 1)
    >>> plt.close("all")
    """
    return build_lab(design_view, CONTROLS, seed=validate.seed(seed))
