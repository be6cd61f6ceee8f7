"""The API gateway toys of lesson 1: requests, routing, auth, rate limits, caching, logging, a gateway.

Each piece works on its own in a notebook cell and inside a simulated run on `course.sim`:
a `Gateway` runs `transform -> route -> auth -> rate_limit -> cache -> backend`, and
`simulate(GatewayScenario(), until=20, seed=0)` runs clients, gateway and backend server pools.

Taught in lessons/01_api_gateway.ipynb.

>>> from course.gateway import Gateway, Request, Route
>>> Gateway([Route("/users/{id}", "users-service")]).handle(Request("GET", "/users/123", "alice"), now=0)
Response(200 OK from users-service in 21 ms)
"""

from .access_log import STAGES, AccessLog, LogRecord
from .auth import AuthDecision, Authenticator
from .cache import Cache, CacheStats
from .compare import LimiterOutcome, busiest_window, compare_limiters
from .gateway import Gateway, StageCount
from .messages import METHODS, REASONS, Headers, Request, Response
from .rate_limit import (
    LIMITERS,
    FixedWindow,
    RateLimiter,
    SlidingWindowCounter,
    SlidingWindowLog,
    TokenBucket,
    make_limiter,
)
from .routing import Route, RouteMatch, RouteTable, split_path
from .scenario import RESERVED_NAMES, Backend, Client, Endpoint, GatewayScenario
from .simulation import Flow, GatewayResults, GatewaySummary, GatewayTimeSeries, simulate
from .transform import AddHeader, Chain, RemoveHeader, RewritePrefix, StripPrefix, Transform, chain

__all__ = [
    "LIMITERS",
    "METHODS",
    "REASONS",
    "RESERVED_NAMES",
    "STAGES",
    "AccessLog",
    "AddHeader",
    "AuthDecision",
    "Authenticator",
    "Backend",
    "Cache",
    "CacheStats",
    "Chain",
    "Client",
    "Endpoint",
    "FixedWindow",
    "Flow",
    "Gateway",
    "GatewayResults",
    "GatewayScenario",
    "GatewaySummary",
    "GatewayTimeSeries",
    "Headers",
    "LimiterOutcome",
    "LogRecord",
    "RateLimiter",
    "RemoveHeader",
    "Request",
    "Response",
    "RewritePrefix",
    "Route",
    "RouteMatch",
    "RouteTable",
    "SlidingWindowCounter",
    "SlidingWindowLog",
    "StageCount",
    "StripPrefix",
    "TokenBucket",
    "Transform",
    "busiest_window",
    "chain",
    "compare_limiters",
    "make_limiter",
    "simulate",
    "split_path",
]
