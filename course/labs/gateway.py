"""Lesson 1's lab: push traffic through the API gateway and watch who gets served, limited or rejected."""

from __future__ import annotations

import ipywidgets as widgets

from ..gateway import Cache, GatewayResults, GatewayScenario, make_limiter, simulate
from ..viz.gateway import draw_gateway_dashboard
from .view import LabView, build_lab, choose

__all__ = ["ALGORITHMS", "gateway_lab", "gateway_view"]

ALGORITHMS = {
    "token bucket": "token_bucket",
    "fixed window": "fixed_window",
    "sliding log": "sliding_log",
    "sliding counter": "sliding_counter",
    "off": None,
}
UNTIL = 12.0  # simulated seconds per update: three bursts at the default burstiness


def gateway_scenario(
    rate: float, burstiness: float, algorithm: str, limit: int, bucket: int, ttl: float, anonymous: float
) -> GatewayScenario:
    """The lab's slider values as a scenario: `limit` requests per second per client, with
    `bucket` tokens of burst allowance for the token bucket (windows are one second long)."""
    name = choose("algorithm", algorithm, ALGORITHMS)
    if name is None:
        limiter = None
    elif name == "token_bucket":
        limiter = make_limiter(name, capacity=bucket, rate=limit)
    else:
        limiter = make_limiter(name, limit=limit, window=1.0)
    cache = Cache(capacity=500, ttl=ttl) if ttl > 0 else None
    return GatewayScenario.example(
        rate=rate, burstiness=burstiness, limiter=limiter, cache=cache, anonymous_share=anonymous
    )


def gateway_view(
    rate: float = 200,
    burstiness: float = 2.0,
    algorithm: str = "token bucket",
    limit: int = 100,
    bucket: int = 20,
    ttl: float = 2.0,
    anonymous: float = 0.05,
    seed: int = 0,
) -> LabView:
    """Simulate the lab's scenario for 12 s and draw it: what one slider move computes.

    >>> import matplotlib.pyplot as plt
    >>> view = gateway_view(rate=0)
    >>> view.result.summary().requests
    0
    >>> plt.close("all")
    """
    scenario = gateway_scenario(rate, burstiness, algorithm, limit, bucket, ttl, anonymous)
    results: GatewayResults = simulate(scenario, until=UNTIL, seed=seed)
    figure, _ = draw_gateway_dashboard(results)
    return LabView(results, figure, repr(results.summary()))


def gateway_lab(seed: int = 0) -> widgets.interactive:
    """The lab widget: traffic, rate-limit, cache and auth sliders over a live picture of the gateway.

    Every change re-simulates 12 seconds of traffic with `seed` and redraws the system graph
    (edge width = requests, dashed = rejected, fill = utilization) and the status and latency
    charts, with a one-line summary above them.
    """

    def update(rate, burstiness, algorithm, limit, bucket, ttl, anonymous):
        return gateway_view(rate, burstiness, algorithm, limit, bucket, ttl, anonymous, seed=seed)

    return build_lab(
        update,
        rate=widgets.IntSlider(value=200, min=0, max=500, step=10, description="traffic (req/s)"),
        burstiness=widgets.FloatSlider(value=2.0, min=1.0, max=4.0, step=0.5, description="burstiness (×)"),
        algorithm=widgets.Dropdown(options=list(ALGORITHMS), value="token bucket", description="rate limiter"),
        limit=widgets.IntSlider(value=100, min=10, max=300, step=10, description="limit (req/s per client)"),
        bucket=widgets.IntSlider(value=20, min=1, max=200, step=1, description="bucket size (token bucket)"),
        ttl=widgets.FloatSlider(value=2.0, min=0.0, max=10.0, step=0.5, description="cache TTL (s)"),
        anonymous=widgets.FloatSlider(value=0.05, min=0.0, max=0.5, step=0.05, description="share without a key"),
    )
