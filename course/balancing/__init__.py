"""Lesson 2, the load balancer: strategies, consistent hashing, health checks, L4 vs L7, scaling.

>>> from course.balancing import BalancerScenario, Workload, simulate
>>> scenario = BalancerScenario(backends=3, strategy="least_connections", workload=Workload(rate=100))
>>> simulate(scenario, until=5).summary().failed
0
"""

from .backend import STATES, Backend, LiveBackend, backend_pool
from .balancer import simulate
from .bins import balls_into_bins
from .health import HealthCheck, HealthState, Outage, PassiveCheck, Slowdown
from .layers import L4, L7, TLS, Route, as_layer
from .results import (
    OUTCOMES,
    BackendStats,
    BalancerRecord,
    BalancerResults,
    BalancerSummary,
    BalancerTimeSeries,
    OutageReport,
)
from .ring import RING_SIZE, ConsistentHashRing, EmptyRingError, keys_moved, stable_hash
from .scaling import Autoscaler, Scale, ScaleReport
from .scenario import BalancerScenario
from .strategies import (
    STRATEGIES,
    Candidate,
    ConsistentHash,
    IPHash,
    LeastConnections,
    PeakEWMA,
    PowerOfTwo,
    RandomChoice,
    RoundRobin,
    Strategy,
    WeightedRoundRobin,
    make_strategy,
)
from .workload import MAX_REQUESTS, Request, Workload

__all__ = [
    "L4",
    "L7",
    "MAX_REQUESTS",
    "OUTCOMES",
    "RING_SIZE",
    "STATES",
    "STRATEGIES",
    "TLS",
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
    "LeastConnections",
    "LiveBackend",
    "Outage",
    "OutageReport",
    "PassiveCheck",
    "PeakEWMA",
    "PowerOfTwo",
    "RandomChoice",
    "Request",
    "RoundRobin",
    "Route",
    "Scale",
    "ScaleReport",
    "Slowdown",
    "Strategy",
    "WeightedRoundRobin",
    "Workload",
    "as_layer",
    "backend_pool",
    "balls_into_bins",
    "keys_moved",
    "make_strategy",
    "simulate",
    "stable_hash",
]
