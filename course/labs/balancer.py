"""Lesson 2's lab: a load balancer in front of a pool of backends; pick the strategy, break a backend, watch."""

from __future__ import annotations

import ipywidgets as widgets

from ..balancing import (
    Backend,
    BalancerResults,
    BalancerScenario,
    HealthCheck,
    Outage,
    Slowdown,
    Workload,
    backend_pool,
    simulate,
)
from ..sim import LogNormal
from ..viz.balancing import draw_balancer_dashboard
from .view import LabView, build_lab, choose

__all__ = ["FAILURES", "LAYERS", "STRATEGIES", "UNTIL", "balancer_lab", "balancer_scenario", "balancer_view"]

UNTIL = 20.0  # simulated seconds per update
COST = 0.05  # mean seconds of work per request on a backend of speed 1 (20 requests/s each)
STRATEGIES = {
    "round robin": "round_robin",
    "weighted round robin": "weighted_round_robin",
    "random": "random",
    "least connections": "least_connections",
    "power of two choices": "power_of_two",
    "peak EWMA": "peak_ewma",
    "IP hash": "ip_hash",
    "consistent hash": "consistent_hash",
}
FAILURES = {
    "none": (),
    "b0 dies at 6 s": (Outage("b0", at=6.0),),
    "b0 dies at 6 s, back at 14 s": (Outage("b0", at=6.0, until=14.0),),
    "b0 turns 5× slower at 6 s": (Slowdown("b0", at=6.0, factor=5.0),),
}
LAYERS = {"L7 (per request)": "L7", "L4 (per connection)": "L4"}


def balancer_scenario(
    rate: float = 70,
    backends: int = 5,
    spread: float = 0.0,
    cv: float = 1.0,
    strategy: str = "round robin",
    interval: float = 2.0,
    fall: int = 3,
    rise: int = 2,
    failure: str = "b0 dies at 6 s, back at 14 s",
    layer: str = "L7 (per request)",
    websockets: float = 0.0,
) -> BalancerScenario:
    """The lab's settings as a scenario: `backends` with speeds from `1 - spread` to `1 + spread`,
    requests costing 50 ms on average at speed 1 (spread by `cv`), `websockets` of them riding
    long-lived WebSockets; health checks every `interval` seconds (0: none) with a 0.5 s timeout.

    >>> balancer_scenario(backends=2, interval=0, failure="none")
    BalancerScenario(backends=2, strategy=RoundRobin(), workload=Workload(...))
    """
    name = choose("strategy", strategy, STRATEGIES)
    pool = backend_pool(backends, spread=spread)
    if name == "weighted_round_robin":  # the operator sets each weight to the backend's speed
        pool = tuple(Backend(speed=b.speed, weight=b.speed) for b in pool)
    workload = Workload(rate=rate, service=LogNormal(mean=COST, cv=cv), websocket_share=websockets)
    health = HealthCheck(interval=interval, fall=fall, rise=rise, timeout=min(0.5, interval)) if interval > 0 else None
    return BalancerScenario(
        backends=pool,
        strategy=name,
        workload=workload,
        layer=choose("layer", layer, LAYERS),
        health=health,
        failures=choose("failure", failure, FAILURES),
    )


def _window(results: BalancerResults) -> str:
    """One clause on the outage, if any: when it died, when the balancer noticed, what it cost."""
    if not results.outages:
        return ""
    o = results.outages[0]
    noticed = "never taken out of rotation" if o.detection is None else f"out of rotation after {o.detection:.1f} s"
    return f" · {o.backend} dead at {o.died:g} s, {noticed}, {o.sent_while_dead} requests sent to it while dead"


def balancer_view(
    rate: float = 70,
    backends: int = 5,
    spread: float = 0.0,
    cv: float = 1.0,
    strategy: str = "round robin",
    interval: float = 2.0,
    fall: int = 3,
    rise: int = 2,
    failure: str = "b0 dies at 6 s, back at 14 s",
    layer: str = "L7 (per request)",
    websockets: float = 0.0,
    seed: int = 0,
) -> LabView:
    """Simulate the lab's scenario for 20 s and draw it: what one move of a control computes.

    >>> import matplotlib.pyplot as plt
    >>> balancer_view(rate=0).result.summary().requests
    0
    >>> plt.close("all")
    """
    scenario = balancer_scenario(rate, backends, spread, cv, strategy, interval, fall, rise, failure, layer, websockets)
    results = simulate(scenario, until=UNTIL, seed=seed)
    figure, _ = draw_balancer_dashboard(results)
    return LabView(results, figure, repr(results.summary()) + _window(results))


def balancer_lab(seed: int = 0) -> widgets.interactive:
    """The lab widget: traffic, pool, strategy, health-check and failure controls over a live picture.

    Every change re-simulates 20 seconds with `seed` and redraws the balancer and its backends
    (edge width = share of traffic, fill = utilization, a cross on a dead backend), the
    backends' states over time with a tick for each request sent to a dead one, responses per
    second by outcome, and latency percentiles, with a one-line summary above them.
    """

    def update(rate, backends, spread, cv, strategy, interval, fall, rise, failure, layer, websockets):
        return balancer_view(
            rate, backends, spread, cv, strategy, interval, fall, rise, failure, layer, websockets, seed=seed
        )

    return build_lab(
        update,
        columns=3,
        rate=widgets.IntSlider(value=70, min=0, max=200, step=5, description="requests/s"),
        backends=widgets.IntSlider(value=5, min=1, max=8, description="backends"),
        spread=widgets.FloatSlider(value=0.0, min=0.0, max=0.9, step=0.1, description="speed spread (±)"),
        cv=widgets.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.25, description="request cost variation (cv)"),
        strategy=widgets.Dropdown(options=list(STRATEGIES), value="round robin", description="strategy"),
        interval=widgets.FloatSlider(
            value=2.0, min=0.0, max=5.0, step=0.5, description="health check every (s, 0 off)"
        ),
        fall=widgets.IntSlider(value=3, min=1, max=5, description="fall (failed checks → down)"),
        rise=widgets.IntSlider(value=2, min=1, max=5, description="rise (passed checks → up)"),
        failure=widgets.Dropdown(options=list(FAILURES), value="b0 dies at 6 s, back at 14 s", description="failure"),
        layer=widgets.ToggleButtons(options=list(LAYERS), value="L7 (per request)", description="layer"),
        websockets=widgets.FloatSlider(value=0.0, min=0.0, max=0.9, step=0.1, description="share on WebSockets"),
    )
