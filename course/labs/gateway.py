"""Lesson 1's lab: push traffic through the API gateway and watch who gets served, limited or rejected.

The controls are declared once, below; each starts at the default of the matching knob of
`GatewayScenario.example` (the domain's scenario builder), and every change runs
`simulate(GatewayScenario.example(**values), until=12, seed=seed)` and draws the dashboard.
"""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..gateway import ALGORITHMS, PROTECTIONS, GatewayResults, GatewayScenario, simulate
from ..sim import validate
from ..viz.gateway import draw_gateway_dashboard
from .view import build_lab, dropdown, simulated_view, slider

__all__ = ["CONTROLS", "UNTIL", "gateway_lab", "gateway_view"]

UNTIL = 12.0  # simulated seconds per update: three bursts at the default burstiness

CONTROLS = (
    slider("rate", 0, 500, step=10, label="traffic (req/s)"),
    slider("burstiness", 1.0, 4.0, step=0.5, label="burstiness (×)"),
    dropdown("algorithm", ALGORITHMS, label="rate limiter"),
    slider("limit", 10, 300, step=10, label="limit (req/s per client)"),
    slider("bucket", 1, 200, step=1, label="bucket size (token bucket)"),
    slider("ttl", 0.0, 10.0, step=0.5, label="cache TTL (s)"),
    slider("anonymous_share", 0.0, 0.5, step=0.05, label="share without a key"),
    dropdown("protection", PROTECTIONS, label="overload protection"),
)


def _dashboard(results: GatewayResults) -> Figure:
    figure, _ = draw_gateway_dashboard(results)
    return figure


gateway_view = simulated_view(GatewayScenario.example, simulate, _dashboard, until=UNTIL)
gateway_view.__doc__ = (
    "Simulate GatewayScenario.example(**knobs) for 12 s with `seed` and draw the dashboard: one lab update."
)


def gateway_lab(seed: int = 0) -> widgets.interactive:
    """The lab widget: traffic, rate-limit, cache, auth and overload-protection controls over a live
    picture of the gateway.

    Every change re-simulates 12 seconds of traffic with `seed` and redraws the system graph
    (edge width = requests, dashed = refused or rejected, fill = utilization) and the outcome and
    latency charts, with the run's summary in words above them (it says when a control has no
    effect in the current setting, such as the bucket size of a sliding-window limiter).

    >>> import contextlib, io
    >>> import matplotlib.pyplot as plt
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook the drawing goes to stdout
    ...     lab = gateway_lab(seed=0)
    ...     lab.controls["algorithm"].value = "off"
    >>> list(lab.controls)[0], lab.result.result.summary().rate_limited
    ('rate', 0)
    >>> plt.close("all")
    """
    return build_lab(gateway_view, CONTROLS, seed=validate.seed(seed))
