"""Lesson 2, the load balancer: strategies, consistent hashing, health checks, L4 vs L7, scaling.

The package's one shape: a frozen `BalancerScenario` (the system), `simulate(scenario, until=, seed=)`
(the run), `BalancerResults` (records, `summary()`, `timeseries(bin)`).

>>> from course.balancing import BalancerScenario, simulate
>>> results = simulate(BalancerScenario.example(), until=20, seed=0)
>>> print(results.summary())
1,313 of 1,377 requests served (95%); 54 failed (502), 10 still in flight at the
end.
p50 72 ms, p95 370 ms, p99 582 ms; busiest backend b3, 76% busy.
b0 crashed at 6 s, out of rotation after 4.0 s: 54 requests sent to it while
dead.
"""

from .backend import BACKEND_STATES, MAX_BACKENDS, Backend, backend_pool
from .bins import MAX_BALLS, balls_into_bins
from .caveats import caveats, layers_alike
from .health import OUTAGE_KINDS, HealthCheck, HealthState, Outage, PassiveCheck, Slowdown
from .layers import L4, L7, LAYERS, TLS, L7Route, as_layer
from .reports import BackendStats, OutageReport, ScaleReport
from .results import (
    BALANCER_OUTCOMES,
    HTTP_STATUS,
    BalancerRecord,
    BalancerResults,
    BalancerSummary,
    BalancerTimeSeries,
)
from .ring import MAX_POINTS, RING_SIZE, ConsistentHashRing, EmptyRingError, keys_moved, stable_hash
from .scaling import Autoscaler, Scale
from .scenario import EXAMPLE_COST, FAILURE_PRESETS, MAX_TIMER_EVENTS, BalancerScenario
from .simulation import simulate
from .strategies import (
    STRATEGIES,
    ConsistentHash,
    IPHash,
    LeastConnections,
    PeakEWMA,
    PowerOfTwo,
    RandomChoice,
    RoundRobin,
    WeightedRoundRobin,
    make_strategy,
)
from .strategy import Candidate, Strategy
from .workload import CONNECTION_PROTOCOLS, IDEMPOTENT_METHODS, MAX_REQUESTS, REQUEST_METHODS, Arrival, Workload

__all__ = [
    "BACKEND_STATES",
    "BALANCER_OUTCOMES",
    "CONNECTION_PROTOCOLS",
    "EXAMPLE_COST",
    "FAILURE_PRESETS",
    "HTTP_STATUS",
    "IDEMPOTENT_METHODS",
    "L4",
    "L7",
    "LAYERS",
    "MAX_BACKENDS",
    "MAX_BALLS",
    "MAX_POINTS",
    "MAX_REQUESTS",
    "MAX_TIMER_EVENTS",
    "OUTAGE_KINDS",
    "REQUEST_METHODS",
    "RING_SIZE",
    "STRATEGIES",
    "TLS",
    "Arrival",
    "Autoscaler",
    "Backend",
    "BackendStats",
    "BalancerRecord",
    "BalancerResults",
    "BalancerScenario",
    "BalancerSummary",
    "BalancerTimeSeries",
    "Candidate",
    "ConsistentHash",
    "ConsistentHashRing",
    "EmptyRingError",
    "HealthCheck",
    "HealthState",
    "IPHash",
    "L7Route",
    "LeastConnections",
    "Outage",
    "OutageReport",
    "PassiveCheck",
    "PeakEWMA",
    "PowerOfTwo",
    "RandomChoice",
    "RoundRobin",
    "Scale",
    "ScaleReport",
    "Slowdown",
    "Strategy",
    "WeightedRoundRobin",
    "Workload",
    "as_layer",
    "backend_pool",
    "balls_into_bins",
    "caveats",
    "keys_moved",
    "layers_alike",
    "make_strategy",
    "simulate",
    "stable_hash",
]
