"""Givens: what an exercise may import from ``course.checks.<domain>``, the scenarios its questions are built on.

An exercise hands the learner a few ready-made scenarios (``pool_scenario(280, "round_robin", 5)``)
and constants, imported from the question modules by name. They are the question's *setting*, never
its answer, so they are the only part of ``course.checks`` (besides ``check``) that a grading kernel
can import: the grader builds each ``course/checks/<domain>.py`` of the kernel from `GIVENS`. The
domain packages are imported inside the functions, so importing this module costs nothing.

Taught in exercises/02_load_balancer.ipynb.

>>> sorted(GIVENS)
['balancing']
>>> PLAN_TARGET, PLAN_UTILIZATION, PLAN_SPREAD
(0.15, 0.6, 0.5)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GIVENS",
    "PLAN_RATES",
    "PLAN_SPREAD",
    "PLAN_TARGET",
    "PLAN_UTILIZATION",
    "detection_scenario",
    "pool_scenario",
]

PLAN_TARGET = 0.150  # seconds: the p99 the pool must stay under
PLAN_UTILIZATION = 0.6  # every backend at least this busy on average: no over-provisioning
PLAN_SPREAD = 0.5  # backend speeds from 0.5 to 1.5
PLAN_RATES = (200, 240, 280, 320, 360, 400)


def pool_scenario(rate: float, strategy: str, backends: int) -> Any:
    """The exercise's pool: `backends` with speeds spread from 0.5 to 1.5, `rate` requests per second."""
    from course.balancing import BalancerScenario, Workload, backend_pool

    return BalancerScenario(
        backends=backend_pool(backends, spread=PLAN_SPREAD), strategy=strategy, workload=Workload(rate=rate)
    )


def detection_scenario(kind: str = "unreachable") -> Any:
    """The exercise's outage: 3 backends, 60 requests/s, checks every 2 s (fall 2, timeout 0.5 s), b1 dies at 7.5 s.

    `kind` says how b1 dies (`course.balancing.OUTAGE_KINDS`): "unreachable" (it stops answering)
    or "crash" (its host refuses connections).
    """
    from course.balancing import BalancerScenario, HealthCheck, Outage, Workload

    return BalancerScenario(
        backends=3,
        workload=Workload(rate=60),
        health=HealthCheck(interval=2.0, fall=2, rise=2, timeout=0.5),
        failures=(Outage("b1", at=7.5, kind=kind),),
    )


# domain -> the names its question module re-exports for exercises (and a grading kernel may import)
GIVENS: dict[str, tuple[str, ...]] = {
    "balancing": (
        "PLAN_RATES",
        "PLAN_SPREAD",
        "PLAN_TARGET",
        "PLAN_UTILIZATION",
        "detection_scenario",
        "pool_scenario",
    ),
}
