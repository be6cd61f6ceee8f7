"""Lesson 2's lab: a load balancer in front of a pool of backends; pick the strategy, break a backend, watch.

The system is `BalancerScenario.example` (its keyword defaults are where the lab starts); each
control below is declared once, and every change re-runs `simulate` for 20 s and redraws.
"""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..balancing import FAILURE_PRESETS, LAYERS, BalancerResults, BalancerScenario, simulate
from ..sim import validate
from ..viz.balancing import draw_balancer_dashboard
from .view import build_lab, dropdown, simulated_view, slider, toggle

__all__ = ["CONTROLS", "STRATEGY_CHOICES", "UNTIL", "balancer_lab", "balancer_view"]

UNTIL = 20.0  # simulated seconds per update
# The strategies offered, in the words a learner reads (make_strategy accepts them as they are).
STRATEGY_CHOICES = (
    "round robin",
    "weighted round robin",
    "random",
    "least connections",
    "power of two",
    "peak EWMA",
    "IP hash",
    "consistent hash",
)
CONTROLS = (
    slider("rate", 0, 200, step=5, label="requests/s"),
    slider("backends", 1, 8, label="backends"),
    slider("spread", 0.0, 0.9, step=0.1, label="speed spread (±)"),
    slider("cv", 0.0, 3.0, step=0.25, label="request cost variation (cv)"),
    dropdown("strategy", STRATEGY_CHOICES, label="strategy"),
    slider("interval", 0.0, 5.0, step=0.5, label="health check every (s, 0 off)"),
    slider("fall", 1, 5, label="fall (failed checks → down)"),
    slider("rise", 1, 5, label="rise (passed checks → up)"),
    dropdown("failure", FAILURE_PRESETS, label="failure"),
    toggle("layer", LAYERS, label="layer (L7 per request, L4 per connection)"),
    slider("websockets", 0.0, 0.5, step=0.1, label="share on WebSockets"),
    slider("http2", 0.0, 0.5, step=0.1, label="share on HTTP/2 (gRPC)"),
)


def _dashboard(results: BalancerResults) -> Figure:
    figure, _ = draw_balancer_dashboard(results)
    return figure


balancer_view = simulated_view(BalancerScenario.example, simulate, _dashboard, until=UNTIL)
balancer_view.__name__ = balancer_view.__qualname__ = "balancer_view"
balancer_view.__doc__ = """Simulate `BalancerScenario.example(**knobs)` for 20 s with `seed` and draw its dashboard.

>>> import matplotlib.pyplot as plt
>>> balancer_view(rate=0).result.summary().requests
0
>>> plt.close("all")
"""


def balancer_lab(seed: int = 0) -> widgets.interactive:
    """The lab widget: traffic, pool, strategy, health-check and failure controls over a live picture.

    Every change re-simulates 20 seconds with `seed` and redraws the balancer and its backends
    (edge width = share of traffic, fill = utilization, a cross on a dead backend), the
    backends' states over time with a tick for each request that met a dead one, responses per
    second by outcome, and latency percentiles, with the run's summary in words above them (it
    says when a control cannot matter in the current setting, such as L4 with nothing for L7
    to spread, or health checks slower than the outage).
    """
    return build_lab(balancer_view, CONTROLS, seed=validate.seed(seed), columns=3)
