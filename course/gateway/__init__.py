"""The API gateway toys of lesson 1: requests, routing, auth, rate limits, caching, logging, a gateway.

Each piece works on its own in a notebook cell and inside a simulated run on `course.sim`:
a `Gateway` runs `transform -> route -> auth -> rate_limit -> cache -> admission -> backend`, and
the domain has the library's one shape: a frozen `GatewayScenario` (the system), `simulate(scenario,
until=, seed=)` (the run) and `GatewayResults` (flat records, `summary()`, `timeseries(bin)`,
`flows()`). The same `simulate` runs a `FleetScenario`: several gateway instances sharing one
client's rate limit (local or shared counters, and what happens when the shared store is down).

Taught in lessons/01_api_gateway.ipynb.

>>> from course.gateway import Gateway, GatewayScenario, Request, Route, simulate
>>> Gateway([Route("/users/{id}", "users-service")]).handle(Request("GET", "/users/123", "alice"), now=0)
Response(200 OK from users-service in 21 ms)
>>> simulate(GatewayScenario.example(), until=2, seed=0).summary().requests > 0
True
"""

from .access_log import STAGES, AccessLog, AccessLogEntry
from .admission import ADMISSIONS, Admission, GlobalRateLimit, LoadShedder
from .auth import Authenticator
from .cache import Cache
from .compare import busiest_window, compare_limiters
from .fleet import BALANCERS, COUNTERS, FAILURE_MODES, FleetResults, FleetScenario, FleetSummary
from .gateway import Forwarded, Gateway, Stopped
from .messages import METHODS, OUTCOME_OF_STATUS, REASONS, Headers, Request, Response, outcome_of
from .rate_limit import (
    LIMITERS,
    FixedWindow,
    RateLimiter,
    SlidingWindowCounter,
    SlidingWindowLog,
    TokenBucket,
    make_limiter,
)
from .results import GATEWAY_OUTCOMES, GatewayResults, GatewaySummary, compare_runs
from .routing import Route, RouteTable, split_path
from .scenario import ALGORITHMS, PROTECTIONS, RESERVED_NAMES, Client, Endpoint, GatewayScenario, Service
from .simulation import simulate
from .transform import AddHeader, Chain, RemoveHeader, RewritePrefix, StripPrefix, Transform, chain

# Values the library builds for you (`AuthDecision`, `RouteMatch`, `StageCount`, `CacheStats`,
# `LimiterOutcome`, `GatewayTimeSeries`, `FleetRecord`, `FleetTimeSeries`) live in their modules:
# you read them, you never make them.

__all__ = [
    "ADMISSIONS",
    "ALGORITHMS",
    "BALANCERS",
    "COUNTERS",
    "FAILURE_MODES",
    "GATEWAY_OUTCOMES",
    "LIMITERS",
    "METHODS",
    "OUTCOME_OF_STATUS",
    "PROTECTIONS",
    "REASONS",
    "RESERVED_NAMES",
    "STAGES",
    "AccessLog",
    "AccessLogEntry",
    "AddHeader",
    "Admission",
    "Authenticator",
    "Cache",
    "Chain",
    "Client",
    "Endpoint",
    "FixedWindow",
    "FleetResults",
    "FleetScenario",
    "FleetSummary",
    "Forwarded",
    "Gateway",
    "GatewayResults",
    "GatewayScenario",
    "GatewaySummary",
    "GlobalRateLimit",
    "Headers",
    "LoadShedder",
    "RateLimiter",
    "RemoveHeader",
    "Request",
    "Response",
    "RewritePrefix",
    "Route",
    "RouteTable",
    "Service",
    "SlidingWindowCounter",
    "SlidingWindowLog",
    "Stopped",
    "StripPrefix",
    "TokenBucket",
    "Transform",
    "busiest_window",
    "chain",
    "compare_limiters",
    "compare_runs",
    "make_limiter",
    "outcome_of",
    "simulate",
    "split_path",
]
