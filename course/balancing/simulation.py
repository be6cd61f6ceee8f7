"""Run a `BalancerScenario`: the one verb of the package, composing the run's components on the kernel.

A run builds, in this order, SimPy-style: the `Fleet` of backends (with a `HealthChecker` probing each
one that joins), an `OutlierDetector` for passive checks, the `Balancer` that routes every request,
a `FailureInjector` for the scenario's outages and slowdowns, and a `Scaler` for its scaling; then
it feeds the workload's arrivals and runs the kernel to `until`.
"""

from __future__ import annotations

from course.sim import Environment, validate

from .balancer import Balancer
from .changes import FailureInjector, Scaler
from .fleet import Fleet
from .results import BalancerRecord, BalancerResults
from .scenario import MAX_TIMER_EVENTS, BalancerScenario
from .watchers import HealthChecker, OutlierDetector

__all__ = ["simulate"]


def simulate(scenario: BalancerScenario, *, until: float, seed: int = 0) -> BalancerResults:
    """Simulate `scenario` for `until` seconds; the same seed gives the same run.

    Taught in lessons/02_load_balancer.ipynb.

    >>> from course.balancing import BalancerScenario, Workload
    >>> res = simulate(BalancerScenario(backends=4, workload=Workload(rate=200)), until=10)
    >>> sum(res.counts().values()) == len(res.records)
    True
    >>> [round(share, 2) for share in res.shares().values()]
    [0.25, 0.25, 0.25, 0.25]
    >>> simulate(BalancerScenario(), until=float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: until must be a positive number of at most 1e+06 (got inf): a run needs an end, in simulated seconds
    """
    validate.instance("scenario", scenario, BalancerScenario, example="BalancerScenario.example()")
    end = validate.until(until)
    validate.seed(seed)
    events = scenario.timer_events(end)
    if events > MAX_TIMER_EVENTS:
        raise ValueError(
            f"until must be shorter for these health checks and autoscaler ticks (got {until!r}): they need "
            f"{events:,.0f} events, more than the {MAX_TIMER_EVENTS:,} this toy runs; or raise the interval"
        )
    arrivals = scenario.workload.arrivals(end, seed)
    env = Environment()
    strategy = scenario.strategy.fresh(seed)  # type: ignore[union-attr]
    fleet = Fleet(env, scenario)
    checker = HealthChecker(env, scenario.health, fleet) if scenario.health is not None else None
    fleet.start(scenario.backends)  # type: ignore[arg-type]
    detector = OutlierDetector(env, scenario.passive, fleet) if scenario.passive is not None else None
    balancer = Balancer(env, scenario, fleet, strategy, arrivals, detector)
    FailureInjector(env, fleet, balancer, checker).start(scenario)
    scaler = Scaler(env, scenario, fleet, strategy)
    scaler.start()
    balancer.start()
    env.run(until=end)
    return _results(scenario, end, balancer.records(end), fleet, scaler, balancer)


def _results(
    scenario: BalancerScenario,
    until: float,
    records: list[BalancerRecord],
    fleet: Fleet,
    scaler: Scaler,
    balancer: Balancer,
) -> BalancerResults:
    total_sent = sum(b.sent for b in fleet.everyone)
    latencies: dict[str, list[float]] = {b.name: [] for b in fleet.everyone}
    for r in records:
        if r.outcome == "served" and r.backend in latencies:
            latencies[r.backend].append(r.latency)
    return BalancerResults(
        scenario,
        records,
        until,
        backends=[b.stats(until, total_sent, latencies[b.name]) for b in fleet.everyone],
        outages=[o.report() for o in fleet.outages],
        scaling=scaler.reports,
        instances=fleet.instances,
        tls_seconds=balancer.tls_seconds,
    )
