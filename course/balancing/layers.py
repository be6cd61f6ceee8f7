"""L4 versus L7: what the balancer looks at, and what it can do with it.

At L4 (TCP, or UDP flows) the balancer sees connections: it picks a backend when a connection
opens and every request on it follows; it may pass TLS through or terminate it. At L7 (HTTP) it
sees each request: it picks per request (each request of a keep-alive connection, each stream of
an HTTP/2 connection), can route by path or header, terminates TLS and can cache; an upgraded
WebSocket is one long-lived connection, which it pins to one backend for its life as L4 does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from course.sim import validate

__all__ = ["L4", "L7", "LAYERS", "TLS", "L7Route", "as_layer"]

MAX_TLS_SECONDS = 10.0  # CPU seconds for one handshake or one request: far beyond any real cost


class Routable(Protocol):
    """What an L7 rule reads of a request: its path and its header."""

    @property
    def path(self) -> str: ...
    @property
    def header(self) -> str: ...


@dataclass(frozen=True)
class TLS:
    """The CPU cost of TLS: `handshake` seconds once per connection, `per_request` seconds for
    every request (encryption), both on a CPU of speed 1.

    Whoever terminates TLS pays: the balancer at L7 (it must decrypt to read paths and headers)
    and at L4 when it terminates (`L4(terminate_tls=True)`, like an AWS NLB TLS listener); the
    backends when an L4 balancer passes the encrypted bytes through (an NLB TCP listener).

    >>> TLS(handshake=0.002, per_request=0.0002)
    TLS(handshake=0.002, per_request=0.0002)
    """

    handshake: float = 0.002
    per_request: float = 0.0002

    def __post_init__(self) -> None:
        why = "CPU seconds on a CPU of speed 1"
        validate.duration("handshake", self.handshake, maximum=MAX_TLS_SECONDS, why="the " + why + " per handshake")
        validate.duration("per_request", self.per_request, maximum=MAX_TLS_SECONDS, why="the " + why + " per request")


@dataclass(frozen=True)
class L4:
    """Balance connections: pick a backend when a connection opens; all its requests follow.

    The balancer sees connections, not requests, so `in_flight` counts a backend's open
    connections: a WebSocket or an HTTP/2 connection carrying 100 requests a second counts once.
    With `terminate_tls` it decrypts on `workers` CPUs of its own (as an AWS NLB TLS listener
    does); otherwise it passes TLS through and the backends decrypt. A connection whose backend
    stops taking traffic (down, ejected, draining, dead) is re-balanced on its next request (as
    if its client reconnected). Simplifications: a connection is pinned when its first request
    arrives, and latency-aware strategies still hear each response time (a real L4 balancer sees
    only connection timing).

    Taught in lessons/02_load_balancer.ipynb.

    >>> L4()
    L4()
    >>> L4(terminate_tls=True)
    L4(terminate_tls=True, workers=2)
    """

    terminate_tls: bool = False
    workers: int = 2

    name = "L4"

    def __post_init__(self) -> None:
        validate.instance("terminate_tls", self.terminate_tls, bool, example="terminate_tls=True")
        validate.whole("workers", self.workers, minimum=1, maximum=1000, why="the balancer's CPUs for TLS")

    def __repr__(self) -> str:
        return f"L4(terminate_tls=True, workers={self.workers})" if self.terminate_tls else "L4()"


@dataclass(frozen=True)
class L7Route:
    """Send requests whose path starts with `path` (or whose header equals `header`) only to `backends`.

    An L7 rule: the balancer reads the HTTP request to apply it (an L4 balancer cannot).

    >>> L7Route(path="/static", backends=("b0", "b1"))
    L7Route(path='/static', header=None, backends=('b0', 'b1'))
    >>> L7Route(path="/static", header="beta", backends=("b0",))
    Traceback (most recent call last):
    ...
    ValueError: an L7Route matches on exactly one of path='/prefix' or header='value' (got path='/static', ...)
    """

    path: str | None = None
    header: str | None = None
    backends: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.path is not None:
            validate.instance("path", self.path, str, example="path='/static'")
        if self.header is not None:
            validate.instance("header", self.header, str, example="header='beta'")
        if (self.path is None) == (self.header is None):
            raise ValueError(
                "an L7Route matches on exactly one of path='/prefix' or header='value' "
                f"(got path={self.path!r}, header={self.header!r})"
            )
        names = self.backends
        if isinstance(names, str) or not isinstance(names, Sequence) or not names:
            raise ValueError(f"backends must be a non-empty tuple of backend names like ('b0', 'b1') (got {names!r})")
        for name in names:
            validate.instance("backends", name, str, example="backends=('b0', 'b1')")
        object.__setattr__(self, "backends", tuple(names))

    def matches(self, request: Routable) -> bool:
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
    >>> L7(routes=(L7Route(path="/static", backends=("b0",)),)).routes[0].backends
    ('b0',)
    """

    routes: tuple[L7Route, ...] = ()
    workers: int = 2
    cache_ttl: float = 0.0
    cacheable: tuple[str, ...] = ("/static",)

    name = "L7"

    def __post_init__(self) -> None:
        routes = (self.routes,) if isinstance(self.routes, L7Route) else self.routes
        example = "routes=(L7Route(path='/static', backends=('b0',)),)"
        if isinstance(routes, str) or not isinstance(routes, Sequence):
            raise ValueError(
                f"routes must be a tuple of L7Route(...) rules (got {self.routes!r}): for example {example}"
            )
        for route in routes:
            validate.instance("routes", route, L7Route, example=example)
        object.__setattr__(self, "routes", tuple(routes))
        validate.whole("workers", self.workers, minimum=1, maximum=1000, why="the balancer's CPUs for TLS")
        validate.duration("cache_ttl", self.cache_ttl, why="how long a cached response stays fresh (0: no cache)")
        cacheable = (self.cacheable,) if isinstance(self.cacheable, str) else self.cacheable
        if not isinstance(cacheable, Sequence):
            raise ValueError(f"cacheable must be a path prefix or a tuple of them, like '/static' (got {cacheable!r})")
        for prefix in cacheable:
            validate.instance("cacheable", prefix, str, example="cacheable=('/static', '/images')")
        object.__setattr__(self, "cacheable", tuple(cacheable))

    def route_for(self, request: Routable) -> L7Route | None:
        """The first route `request` matches, or None (any backend may take it)."""
        for route in self.routes:
            if route.matches(request):
                return route
        return None


LAYERS = ("L7", "L4")  # the names `as_layer` accepts: per request, per connection


def as_layer(layer: L4 | L7 | str) -> L4 | L7:
    """Accept L4(), L7(...) or the names "L4" / "L7" (any case).

    >>> as_layer("l4")
    L4()
    >>> as_layer("L3")
    Traceback (most recent call last):
    ...
    ValueError: layer must be one of 'L7', 'L4' (got 'L3')
    """
    if isinstance(layer, (L4, L7)):
        return layer
    name = layer.strip().upper() if isinstance(layer, str) else layer
    if name not in LAYERS:
        validate.choice("layer", layer, LAYERS)  # raises, listing the names
    return L4() if name == "L4" else L7()
