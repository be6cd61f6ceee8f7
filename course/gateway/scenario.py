"""A simulated gateway scenario: who sends what, how fast, through which gateway, to which backends.

A scenario is plain data, checked when it is built; `course.gateway.simulate` runs it.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..sim import Distribution, Exponential, OnOff, Poisson, Source, as_distribution
from .auth import Authenticator
from .cache import Cache
from .gateway import Gateway
from .messages import METHODS
from .rate_limit import RateLimiter, TokenBucket
from .routing import Route, RouteTable
from .transform import AddHeader, Chain, StripPrefix, Transform, chain

__all__ = ["RESERVED_NAMES", "Backend", "Client", "Endpoint", "GatewayScenario"]

RESERVED_NAMES = ("gateway", "cache", "anonymous")  # node names the results use for other things


@dataclass(frozen=True)
class Client:
    """A client `name` sending traffic from `source` (a `course.sim` source), with API `key`
    (None: it sends no key, so an authenticating gateway answers 401).

    >>> Client("alice", Poisson(rate=50), key="key-alice")
    Client(name='alice', source=Poisson(rate=50), key='key-alice')
    """

    name: str
    source: Source
    key: str | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name or self.name in RESERVED_NAMES:
            raise ValueError(
                f"a client needs a name such as 'alice' (got {self.name!r}; {', '.join(RESERVED_NAMES)} are reserved)"
            )
        if not isinstance(self.source, Source):
            raise ValueError(f"client {self.name!r}: source must be a traffic source such as Poisson(rate=50)")
        if self.key is not None and (not isinstance(self.key, str) or not self.key):
            raise ValueError(f"client {self.name!r}: key must be text such as 'key-alice', or None for no key")


@dataclass(frozen=True)
class Endpoint:
    """One line of the request mix: `method path`, chosen with relative `weight`. A `{id}` in the
    path becomes a whole number drawn evenly from 1 to `ids` (how many distinct resources exist).

    >>> Endpoint("GET", "/users/{id}", weight=6, ids=200)
    Endpoint(method='GET', path='/users/{id}', weight=6, ids=200)
    """

    method: str
    path: str
    weight: float = 1.0
    ids: int = 100

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)} (got {self.method!r})")
        if not isinstance(self.path, str) or not self.path.startswith("/") or self.path.count("{") > 1:
            raise ValueError(
                f"path must start with '/' and hold at most one {{id}}, e.g. '/users/{{id}}' ({self.path!r})"
            )
        if "{" in self.path and "{id}" not in self.path:
            raise ValueError(f"the only placeholder a path may hold is {{id}} (got {self.path!r})")
        ok = isinstance(self.weight, (int, float)) and not isinstance(self.weight, bool) and math.isfinite(self.weight)
        if not ok or self.weight <= 0:
            raise ValueError(
                f"weight must be a positive number (got {self.weight!r}): it is this line's share of the mix"
            )
        if isinstance(self.ids, bool) or not isinstance(self.ids, int) or self.ids < 1:
            raise ValueError(
                f"ids must be a whole number of at least 1 (got {self.ids!r}): how many distinct resources"
            )


@dataclass(frozen=True)
class Backend:
    """A service's server pool: `servers` workers, a `service` time per request, and a bounded
    queue of `queue_capacity` (a request that finds it full gets a 503).

    >>> Backend(servers=4, service=Exponential(rate=50), queue_capacity=50)
    Backend(servers=4, service=Exponential(rate=50), queue_capacity=50)
    """

    servers: int = 4
    service: Distribution | float = field(default_factory=lambda: Exponential(rate=50))
    queue_capacity: int = 50

    def __post_init__(self):
        if isinstance(self.servers, bool) or not isinstance(self.servers, int) or self.servers < 1:
            raise ValueError(
                f"servers must be a whole number of at least 1 (got {self.servers!r}): a service needs a worker"
            )
        object.__setattr__(self, "service", as_distribution(self.service))
        capacity = self.queue_capacity
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
            raise ValueError(
                f"queue_capacity must be a whole number of 0 or more (got {capacity!r}): simulated queues are "
                "bounded, so a flood ends in 503s instead of an endless queue"
            )

    @property
    def capacity(self) -> float:
        """Requests per second the pool can serve: servers / mean service time."""
        return self.servers / self.service.mean


def _shape(rate: float, burstiness: float) -> Source:
    """Traffic averaging `rate`: Poisson when `burstiness` is 1, else on/off bursts `burstiness` times
    as intense, on for 4 / burstiness s of every 4 s."""
    if burstiness == 1:
        return Poisson(rate)
    return OnOff(on_rate=rate * burstiness, on=4.0 / burstiness, off=4.0 - 4.0 / burstiness)


def _mean_rate(source: Source) -> float:
    if isinstance(source, OnOff):
        return (source.on_rate * source.on + source.off_rate * source.off) / (source.on + source.off)
    if hasattr(source, "rate"):
        return float(source.rate)
    return source.mean_rate(60.0)  # other sources: averaged over the first minute


def _example_parts(rate: float, burstiness: float) -> dict[str, Any]:
    return dict(
        clients=(
            Client("alice", _shape(0.5 * rate, burstiness), key="key-alice"),
            Client("bob", _shape(0.3 * rate, burstiness), key="key-bob"),
            Client("carol", _shape(0.2 * rate, burstiness), key="key-carol"),
        ),
    )


_MIX = (
    Endpoint("GET", "/users/{id}", weight=55, ids=200),
    Endpoint("GET", "/api/v1/users/{id}", weight=10, ids=200),
    Endpoint("GET", "/orders/{id}", weight=15, ids=1000),
    Endpoint("POST", "/orders", weight=10),
    Endpoint("GET", "/admin/stats", weight=5),
    Endpoint("GET", "/products/{id}", weight=5, ids=50),
)
_ROUTES = RouteTable(
    [
        Route("/users/{id}", "users-service"),
        Route("/orders/{id}", "orders-service"),
        Route("/orders", "orders-service", methods=("POST",)),
        Route("/admin/*", "admin-service", methods=("GET", "POST")),
    ]
)
_AUTH = Authenticator(
    keys={"key-alice": "alice", "key-bob": "bob", "key-carol": "carol"},
    allowed={"alice": {"users-service", "orders-service"}, "bob": {"users-service", "orders-service"}, "carol": "*"},
)
_BACKENDS = {
    "users-service": Backend(servers=4, service=Exponential(rate=50), queue_capacity=50),
    "orders-service": Backend(servers=2, service=Exponential(rate=40), queue_capacity=30),
    "admin-service": Backend(servers=1, service=Exponential(rate=50), queue_capacity=10),
}


@dataclass(frozen=True, repr=False)
class GatewayScenario:
    """Everything a simulated gateway run needs: `clients` and their traffic, the request `mix`,
    the gateway's stages (`routes`, `auth`, `limiter`, `cache`, `transforms`), a `Backend` per
    service, and the share of requests sent without a key (`anonymous_share`, answered 401 when
    auth is on). The defaults are the lesson's example: 200 requests per second on average, in
    bursts twice as intense (`GatewayScenario.example()`).

    Taught in lessons/01_api_gateway.ipynb.

    >>> GatewayScenario().rate
    200.0
    >>> GatewayScenario.example(rate=100, limiter=None).limiter is None
    True
    """

    clients: tuple[Client, ...] = field(default_factory=lambda: _example_parts(200.0, 2.0)["clients"])
    mix: tuple[Endpoint, ...] = _MIX
    routes: RouteTable = _ROUTES
    auth: Authenticator | None = _AUTH
    limiter: RateLimiter | None = field(default_factory=lambda: TokenBucket(capacity=20, rate=100))
    cache: Cache | None = field(default_factory=lambda: Cache(capacity=500, ttl=2.0))
    transforms: Chain = field(default_factory=lambda: StripPrefix("/api/v1") + AddHeader("X-Request-Id", "req-{n}"))
    backends: Mapping[str, Backend] = field(default_factory=lambda: dict(_BACKENDS))
    anonymous_share: float = 0.05
    overhead: float = 0.001

    def __post_init__(self):
        clients = tuple(self.clients) if isinstance(self.clients, (list, tuple)) else (self.clients,)
        if not clients or not all(isinstance(c, Client) for c in clients):
            raise ValueError("clients must be a list of Client(name, source, key), e.g. [Client('alice', Poisson(50))]")
        names = [c.name for c in clients]
        if len(set(names)) < len(names):
            raise ValueError(f"client names must be unique (got {names})")
        object.__setattr__(self, "clients", clients)
        mix = tuple(self.mix) if isinstance(self.mix, (list, tuple)) else (self.mix,)
        if not mix or not all(isinstance(e, Endpoint) for e in mix):
            raise ValueError(
                "mix must be a list of Endpoint(method, path, weight), e.g. [Endpoint('GET', '/users/{id}')]"
            )
        object.__setattr__(self, "mix", mix)
        object.__setattr__(
            self, "routes", self.routes if isinstance(self.routes, RouteTable) else RouteTable(self.routes)
        )
        if isinstance(self.transforms, Transform) and not isinstance(self.transforms, Chain):
            object.__setattr__(self, "transforms", chain(self.transforms))
        elif not isinstance(self.transforms, Chain):
            object.__setattr__(self, "transforms", chain(list(self.transforms or ())))
        if not isinstance(self.backends, Mapping) or not all(isinstance(b, Backend) for b in self.backends.values()):
            raise ValueError("backends must map each service to Backend(servers, service, queue_capacity)")
        missing = [s for s in self.routes.services if s not in self.backends]
        if missing:
            raise ValueError(
                f"no backend for {', '.join(missing)}: add backends={{{missing[0]!r}: Backend(servers=2)}} "
                "so routed requests have somewhere to go"
            )
        clash = sorted(set(self.backends) & (set(names) | set(RESERVED_NAMES)))
        if clash:
            raise ValueError(f"service names must differ from client names and {RESERVED_NAMES} (got {clash})")
        share = self.anonymous_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ValueError(
                f"anonymous_share must be between 0 and 1 (got {share!r}): 0.1 sends one request in ten without a key"
            )
        # builds the gateway once, so a bad limiter, cache or overhead is refused here, not mid-run
        self.gateway()

    def __repr__(self) -> str:
        clients = ", ".join(c.name for c in self.clients)
        cache = "None" if self.cache is None else f"Cache(capacity={self.cache.capacity}, ttl={self.cache.ttl:g})"
        backends = ", ".join(f"{name} x{b.servers}" for name, b in self.backends.items())
        return (
            f"GatewayScenario({self.rate:g} req/s from {clients}, {self.anonymous_share:.0%} without a key; "
            f"limiter={self.limiter!r}, cache={cache}; backends {backends})"
        )

    @classmethod
    def example(cls, rate: float = 200.0, burstiness: float = 2.0, **changes: Any) -> GatewayScenario:
        """The lesson's example scenario at `rate` requests per second in total (alice 50 %, bob 30 %,
        carol 20 %), with traffic `burstiness` times as intense in bursts (1 means smooth Poisson
        traffic); any other field can be changed by keyword.

        >>> GatewayScenario.example(rate=300, burstiness=3).rate
        300.0
        """
        ok = isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 <= rate < math.inf
        if not ok:
            raise ValueError(f"rate must be zero or more requests per second (got {rate!r})")
        ok = isinstance(burstiness, (int, float)) and not isinstance(burstiness, bool) and 1 <= burstiness <= 100
        if not ok:
            raise ValueError(
                f"burstiness must be between 1 (smooth) and 100 (got {burstiness!r}): 3 means bursts 3x the mean"
            )
        return cls(**{**_example_parts(float(rate), float(burstiness)), **changes})

    def replace(self, **changes: Any) -> GatewayScenario:
        """A copy with some fields changed (the scenario itself never changes)."""
        return replace(self, **changes)

    @property
    def rate(self) -> float:
        """Requests per second, averaged over the clients' sources."""
        return round(sum(_mean_rate(c.source) for c in self.clients), 9)

    def gateway(self) -> Gateway:
        """A new gateway with this scenario's stages and no history."""
        return Gateway(
            self.routes,
            auth=self.auth,
            limiter=self.limiter.fresh() if isinstance(self.limiter, RateLimiter) else self.limiter,
            cache=self.cache.fresh() if isinstance(self.cache, Cache) else self.cache,
            transforms=self.transforms,
            overhead=self.overhead,
        )
