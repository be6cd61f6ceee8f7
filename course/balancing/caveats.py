"""What a run's summary says about settings that could not matter in it.

A learner moving a lab's controls should hear when a control has no effect in the current
setting ("L4 here balances as L7 would", "the health checks were slower than the outage"),
rather than wonder why nothing moved. Each rule below looks only at the scenario and the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from course.sim import RunResults, validate

from .health import Outage
from .layers import L4
from .scenario import BalancerScenario
from .strategies import WeightedRoundRobin

if TYPE_CHECKING:  # results.py imports this module: only the type checker sees the cycle
    from .results import BalancerResults

__all__ = ["MAX_CAVEATS", "caveats", "layers_alike"]

MAX_CAVEATS = 2  # a summary stays two or three lines


def _checked(results: object) -> BalancerScenario:
    """The scenario of a balancer run, refusing anything that is not one."""
    example = "simulate(BalancerScenario(), until=20)"
    run = validate.instance("results", results, RunResults, example=example)
    return validate.instance("results", run.scenario, BalancerScenario, example=example)  # type: ignore[no-any-return]


def layers_alike(results: BalancerResults) -> bool:
    """Whether this run at L4 balances exactly as it would at L7 (and the other way round).

    True when nothing tells the layers apart: every HTTP/1.1 request has a connection of its
    own, no HTTP/2 connection multiplexes requests, the L7 side would not route or cache, and
    no TLS is terminated (WebSockets are pinned at both layers).

    >>> from course.balancing import BalancerScenario, Workload, simulate
    >>> layers_alike(simulate(BalancerScenario(layer="L4", workload=Workload(rate=10)), until=1))
    True
    >>> layers_alike(simulate(BalancerScenario(layer="L4", workload=Workload.http2_heavy(rate=10)), until=1))
    False
    """
    sc = _checked(results)
    w = sc.workload
    plain_l7 = getattr(sc.layer, "routes", ()) == () and getattr(sc.layer, "cache_ttl", 0.0) == 0.0
    return w.http2_share == 0 and w.requests_per_connection == 1 and plain_l7 and sc.tls is None


def caveats(results: BalancerResults) -> tuple[str, ...]:
    """Settings of this run that could not change it, each in a short clause (at most `MAX_CAVEATS`).

    >>> from course.balancing import BalancerScenario, HealthCheck, Workload, simulate
    >>> run = simulate(BalancerScenario(layer="L4", health=HealthCheck(), workload=Workload(rate=10)), until=2)
    >>> for caveat in caveats(run):
    ...     print(caveat)
    L4 balances as L7 would here: every request has a connection of its own
    no backend dies, so the health checks change nothing (a slow backend passes them)
    """
    sc = _checked(results)
    out: list[str] = []
    if isinstance(sc.layer, L4) and layers_alike(results):
        if sc.workload.websocket_share > 0:
            out.append(
                "L4 balances as L7 would here: WebSockets are pinned at both layers, other requests have "
                "a connection each"
            )
        else:
            out.append("L4 balances as L7 would here: every request has a connection of its own")
    outages = [f for f in sc.failures if isinstance(f, Outage)]
    if sc.health is None and outages:
        out.append("no health checks, so fall and rise have no effect")
    elif sc.health is not None and not outages:
        out.append("no backend dies, so the health checks change nothing (a slow backend passes them)")
    elif sc.health is not None:
        early = [(o, o.recovered) for o in results.outages if o.recovered is not None and o.detection is None]
        if early:
            o, back = early[0]
            worst = sc.health.detection_window(o.kind)[1]
            out.append(
                f"the health checks were slower than the outage: {o.backend} was back after "
                f"{back - o.died:g} s, before they marked it down (they need up to {worst:g} s)"
            )
    weights = {b.weight for b in sc.backends}  # type: ignore[union-attr]  # named Backends after __post_init__
    if isinstance(sc.strategy, WeightedRoundRobin) and len(weights) == 1:
        out.append("every weight is equal, so weighted round robin is round robin here")
    return tuple(out[:MAX_CAVEATS])
