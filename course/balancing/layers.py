"""L4 versus L7: what the balancer looks at, and what it can do with it.

At L4 (TCP) the balancer sees connections: it picks a backend when a connection opens and
every request on it follows. At L7 (HTTP) it sees each request: it picks per request, can
route by path or header, terminates TLS and can cache.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["L4", "L7", "TLS", "Route", "as_layer"]


def _seconds(name: str, value: float, why: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or math.isinf(value):
        raise ValueError(f"{name} must be zero or more seconds (got {value!r}): {why}")


@dataclass(frozen=True)
class TLS:
    """The CPU cost of TLS: `handshake` seconds once per connection, `per_request` seconds for
    every request (encryption), both on a CPU of speed 1.

    Whoever terminates TLS pays: the backends at L4 (the balancer only forwards bytes), the
    balancer at L7 (it must decrypt to read paths and headers).

    >>> TLS(handshake=0.002, per_request=0.0002)
    TLS(handshake=0.002, per_request=0.0002)
    """

    handshake: float = 0.002
    per_request: float = 0.0002

    def __post_init__(self):
        _seconds("handshake", self.handshake, "the CPU time of one TLS handshake")
        _seconds("per_request", self.per_request, "the CPU time to encrypt one request and its response")


@dataclass(frozen=True)
class L4:
    """Balance connections: pick a backend when a connection opens; all its requests follow.

    The balancer sees connections, not requests, so `in_flight` counts a backend's open
    connections: a WebSocket carrying 100 messages a second counts once. A connection whose
    backend stops taking traffic (down, ejected, draining) is re-balanced on its next request.
    Simplifications: a connection is pinned when its first request arrives, and latency-aware
    strategies still hear each response time (a real L4 balancer sees only connection timing).

    Taught in lessons/02_load_balancer.ipynb.

    >>> L4()
    L4()
    """

    name = "L4"


@dataclass(frozen=True)
class Route:
    """Send requests whose path starts with `path` (or whose header equals `header`) only to `backends`.

    >>> Route(path="/static", backends=("b0", "b1"))
    Route(path='/static', header=None, backends=('b0', 'b1'))
    """

    path: str | None = None
    header: str | None = None
    backends: tuple[str, ...] = ()

    def __post_init__(self):
        if (self.path is None) == (self.header is None):
            raise ValueError("a Route matches on exactly one of path='/prefix' or header='value'")
        if isinstance(self.backends, str) or not self.backends or not all(isinstance(b, str) for b in self.backends):
            raise ValueError(
                f"backends must be a non-empty tuple of backend names like ('b0', 'b1') (got {self.backends!r})"
            )
        object.__setattr__(self, "backends", tuple(self.backends))

    def matches(self, request) -> bool:
        """Whether `request` (with `path` and `header`) takes this route."""
        if self.path is not None:
            return request.path.startswith(self.path)
        return request.header == self.header


@dataclass(frozen=True)
class L7:
    """Balance requests: pick a backend for every request, after the first matching `routes` rule
    narrowed the candidates; terminate TLS on `workers` balancer CPUs; answer paths starting
    with a `cacheable` prefix from a cache for `cache_ttl` seconds after a backend served that key.

    Taught in lessons/02_load_balancer.ipynb.

    >>> L7()
    L7(routes=(), workers=2, cache_ttl=0.0, cacheable=('/static',))
    >>> L7(routes=(Route(path="/static", backends=("b0",)),)).routes[0].backends
    ('b0',)
    """

    routes: tuple[Route, ...] = ()
    workers: int = 2
    cache_ttl: float = 0.0
    cacheable: tuple[str, ...] = ("/static",)

    name = "L7"

    def __post_init__(self):
        if isinstance(self.routes, Route):
            object.__setattr__(self, "routes", (self.routes,))
        if not all(isinstance(r, Route) for r in self.routes):
            raise ValueError(f"routes must be a tuple of Route(...) rules (got {self.routes!r})")
        object.__setattr__(self, "routes", tuple(self.routes))
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(
                f"workers must be a whole number of at least 1 (got {self.workers!r}): the balancer's CPUs for TLS"
            )
        _seconds("cache_ttl", self.cache_ttl, "how long a cached response stays fresh (0: no cache)")
        if isinstance(self.cacheable, str):
            object.__setattr__(self, "cacheable", (self.cacheable,))

    def route_for(self, request) -> Route | None:
        """The first route `request` matches, or None (any backend may take it)."""
        for route in self.routes:
            if route.matches(request):
                return route
        return None


def as_layer(value: L4 | L7 | str) -> L4 | L7:
    """Accept L4(), L7(...) or the names "L4" / "L7".

    >>> as_layer("l4")
    L4()
    """
    if isinstance(value, (L4, L7)):
        return value
    if isinstance(value, str) and value.strip().upper() in ("L4", "L7"):
        return L4() if value.strip().upper() == "L4" else L7()
    raise ValueError(f"unknown layer {value!r}: choose 'L4' (per connection) or 'L7' (per request), or L7(routes=...)")
