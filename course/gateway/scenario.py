"""A simulated gateway scenario: who sends what, how fast, through which gateway, to which services.

A scenario is plain, frozen data describing the *system*, checked when it is built;
`course.gateway.simulate(scenario, until=..., seed=...)` runs it. `GatewayScenario.example(...)`
builds the lesson's and the lab's system from a few knobs.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..sim import Constant, Distribution, Exponential, OnOff, Poisson, Source, validate
from ..sim.outcomes import OUTCOMES
from .admission import ADMISSIONS, Admission, GlobalRateLimit, LoadShedder
from .auth import Authenticator
from .cache import Cache
from .gateway import Gateway
from .messages import _method, _path, _text
from .rate_limit import LIMITERS, RateLimiter, TokenBucket, make_limiter
from .routing import Route, RouteTable
from .transform import AddHeader, Chain, StripPrefix, Transform, chain

__all__ = ["ALGORITHMS", "PROTECTIONS", "RESERVED_NAMES", "Client", "Endpoint", "GatewayScenario", "Service"]

# node names the results and the picture use for other things: no client or service may take them
RESERVED_NAMES = ("gateway", "cache", "anonymous", "shed", *OUTCOMES)
ALGORITHMS = (*LIMITERS, "off")  # what `GatewayScenario.example(algorithm=...)` accepts
PROTECTIONS = ("off", *ADMISSIONS)  # what `GatewayScenario.example(protection=...)` accepts
TARGET_UTILIZATION = 0.75  # the share of a service's capacity `protection="global_rate"` admits


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

    def __post_init__(self) -> None:
        _text("name", self.name, "'alice'")
        if self.name in RESERVED_NAMES:
            raise ValueError(
                f"name must not be one of {', '.join(RESERVED_NAMES)} (got {self.name!r}): the picture uses them"
            )
        validate.instance("source", self.source, Source, example="Poisson(rate=50)")
        if self.key is not None:
            _text("key", self.key, "'key-alice' (or None: the client sends no key)")


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", _method("method", self.method))
        _path("path", self.path, "'/users/{id}'")
        if self.path.replace("{id}", "", 1).count("{") or self.path.replace("{id}", "", 1).count("}"):
            raise ValueError(
                f"path may hold one placeholder, {{id}}, and no other (got {self.path!r}): e.g. '/users/{{id}}'"
            )
        validate.number("weight", self.weight, positive=True, maximum=1e6, why="this line's share of the request mix")
        validate.whole("ids", self.ids, minimum=1, why="how many distinct resources the {id} stands for")


@dataclass(frozen=True)
class Service:
    """A service behind the gateway: `servers` workers, a `service_time` per request (a
    distribution, or a number of seconds), and a bounded queue of `queue_capacity` waiting
    requests (a request that finds it full is rejected: 503).

    >>> users = Service(servers=4, service_time=Exponential(rate=50), queue_capacity=50)
    >>> users.capacity  # requests per second: servers / mean service time
    200.0
    """

    servers: int = 4
    service_time: Distribution | float = field(default_factory=lambda: Exponential(rate=50))
    queue_capacity: int = 50

    def __post_init__(self) -> None:
        validate.whole("servers", self.servers, minimum=1, maximum=10_000, why="a service needs a worker to answer")
        if not isinstance(self.service_time, Distribution):
            seconds = validate.duration(
                "service_time",
                self.service_time,
                positive=True,
                why="seconds per request, or a distribution such as Exponential(rate=50)",
            )
            object.__setattr__(self, "service_time", Constant(seconds))
        validate.whole(
            "queue_capacity",
            self.queue_capacity,
            maximum=validate.MAX_COUNT,
            why="simulated queues are bounded, so a flood ends in 503s instead of an endless queue",
        )

    @property
    def capacity(self) -> float:
        """Requests per second the service can answer: servers / mean service time."""
        mean = self.service_time.mean  # type: ignore[union-attr]  # a Distribution after __post_init__
        return self.servers / mean


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


def _clients(rate: float, burstiness: float) -> tuple[Client, ...]:
    return (
        Client("alice", _shape(0.5 * rate, burstiness), key="key-alice"),
        Client("bob", _shape(0.3 * rate, burstiness), key="key-bob"),
        Client("carol", _shape(0.2 * rate, burstiness), key="key-carol"),
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
_SERVICES = {
    "users-service": Service(servers=4, service_time=Exponential(rate=50), queue_capacity=50),
    "orders-service": Service(servers=2, service_time=Exponential(rate=40), queue_capacity=30),
    "admin-service": Service(servers=1, service_time=Exponential(rate=50), queue_capacity=10),
}


@dataclass(frozen=True, repr=False)
class GatewayScenario:
    """Everything a simulated gateway run needs: `clients` and their traffic, the request `mix`,
    the gateway's stages (`routes`, `auth`, `limiter`, `cache`, `transforms`, its own `overhead`
    in seconds), a `Service` per service name, and the share of requests sent without a key
    (`anonymous_share`, answered 401 when auth is on), and the gateway's overload protection
    (`admission`: a `LoadShedder` or a `GlobalRateLimit` per service, every client together; None
    for none). The defaults are the lesson's example
    (`GatewayScenario.example()`): 200 requests per second on average, in bursts twice as intense.

    Taught in lessons/01_api_gateway.ipynb.

    >>> GatewayScenario().rate
    200.0
    >>> GatewayScenario.example(rate=100, algorithm="off").limiter is None
    True
    """

    clients: tuple[Client, ...] = field(default_factory=lambda: _clients(200.0, 2.0))
    mix: tuple[Endpoint, ...] = _MIX
    routes: RouteTable = _ROUTES
    auth: Authenticator | None = _AUTH
    limiter: RateLimiter | None = field(default_factory=lambda: TokenBucket(capacity=20, rate=100))
    cache: Cache | None = field(default_factory=lambda: Cache(capacity=500, ttl=2.0))
    transforms: Chain = field(default_factory=lambda: StripPrefix("/api/v1") + AddHeader("X-Request-Id", "req-{n}"))
    services: Mapping[str, Service] = field(default_factory=lambda: dict(_SERVICES))
    anonymous_share: float = 0.05
    overhead: float = 0.001
    admission: Admission | None = None

    def __post_init__(self) -> None:
        clients = _tuple_of("clients", self.clients, Client, "[Client('alice', Poisson(rate=50), key='key-alice')]")
        names = [c.name for c in clients]
        if len(set(names)) < len(names):
            raise ValueError(f"clients must have different names (got {names}): rename one")
        object.__setattr__(self, "clients", clients)
        object.__setattr__(self, "mix", _tuple_of("mix", self.mix, Endpoint, "[Endpoint('GET', '/users/{id}')]"))
        if not isinstance(self.routes, RouteTable):
            object.__setattr__(self, "routes", RouteTable(self.routes))
        if isinstance(self.transforms, Transform) and not isinstance(self.transforms, Chain):
            object.__setattr__(self, "transforms", chain(self.transforms))
        elif not isinstance(self.transforms, Chain):
            object.__setattr__(self, "transforms", chain(self.transforms))  # refuses what is not a step or a list
        validate.instance("services", self.services, Mapping, example="services={'users-service': Service(servers=2)}")
        for name, service in self.services.items():
            _text("services", name, "{'users-service': Service(servers=2)}")
            validate.instance("services", service, Service, example="{'users-service': Service(servers=2)}")
        missing = [s for s in self.routes.services if s not in self.services]
        if missing:
            raise ValueError(
                f"services must include every service a route leads to (missing {', '.join(missing)}): "
                f"add services={{{missing[0]!r}: Service(servers=2), ...}}"
            )
        clash = sorted(set(self.services) & (set(names) | set(RESERVED_NAMES)))
        if clash:
            raise ValueError(
                f"services must be named differently from the clients and from {', '.join(RESERVED_NAMES)} "
                f"(got {clash})"
            )
        validate.probability("anonymous_share", self.anonymous_share, why="0.1 sends one request in ten without a key")
        if self.admission is not None:
            validate.instance(
                "admission", self.admission, Admission, example="LoadShedder(max_in_flight=6), or None: no protection"
            )
        # builds the gateway once, so a bad auth, limiter, cache or overhead is refused here, not mid-run
        self.gateway()

    def __repr__(self) -> str:
        clients = ", ".join(c.name for c in self.clients)
        cache = "None" if self.cache is None else f"Cache(capacity={self.cache.capacity}, ttl={self.cache.ttl:g})"
        services = ", ".join(f"{name} x{s.servers}" for name, s in self.services.items())
        return (
            f"GatewayScenario({self.rate:g} req/s from {clients}, {self.anonymous_share:.0%} without a key; "
            f"limiter={self.limiter!r}, cache={cache}, admission={self.admission!r}; services {services})"
        )

    @classmethod
    def example(
        cls,
        rate: float = 200,
        burstiness: float = 2.0,
        algorithm: str = "token_bucket",
        limit: int = 100,
        bucket: int = 20,
        ttl: float = 2.0,
        anonymous_share: float = 0.05,
        protection: str = "off",
        **changes: Any,
    ) -> GatewayScenario:
        """The lesson's and the lab's scenario from a few knobs (their defaults are the lab's start).

        `rate` requests per second in total (alice 50 %, bob 30 %, carol 20 %), in bursts
        `burstiness` times as intense (1: smooth Poisson traffic); each client limited to `limit`
        requests per second by `algorithm` (one of `ALGORITHMS`; the token bucket holds `bucket`
        tokens, windows last one second, "off" limits nothing); cached answers fresh for `ttl`
        seconds (0: no cache); `anonymous_share` of requests without a key; `protection` against
        overload, one of `PROTECTIONS`: "load_shedder" lets each service hold at most twice its
        workers in requests (in service or queued), "global_rate" admits at most 75 % of each
        service's capacity, all clients together ("off": none). Any field of the scenario can be
        set as well, by keyword; it wins over the knobs.

        >>> GatewayScenario.example(rate=300, burstiness=3).rate
        300.0
        >>> GatewayScenario.example(algorithm="fixed_window", limit=50).limiter
        FixedWindow(limit=50, window=1)
        >>> GatewayScenario.example(protection="load_shedder").admission
        LoadShedder(max_in_flight={'users-service': 8, 'orders-service': 4, 'admin-service': 2})
        """
        total = validate.rate("rate", rate, why="requests per second, all clients together")
        bursts = validate.number(
            "burstiness", burstiness, minimum=1, maximum=100, why="3 means bursts 3x the mean rate"
        )
        name = validate.choice("algorithm", algorithm, ALGORITHMS)
        validate.whole("limit", limit, minimum=1, why="requests per second each client may send")
        validate.whole("bucket", bucket, minimum=1, why="tokens: the burst a token bucket allows")
        fresh = validate.duration("ttl", ttl, why="seconds a cached answer stays fresh; 0 turns the cache off")
        share = validate.probability(
            "anonymous_share", anonymous_share, why="0.1 sends one request in ten without a key"
        )
        guard = validate.choice("protection", protection, PROTECTIONS)
        unknown = sorted(set(changes) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} is neither a knob of example() nor a field of GatewayScenario: "
                f"use rate, burstiness, algorithm, limit, bucket, ttl, anonymous_share, protection or "
                f"{', '.join(f.name for f in fields(cls))}"
            )
        if name == "off":
            limiter = None
        elif name == "token_bucket":
            limiter = make_limiter(name, capacity=bucket, rate=limit)
        else:
            limiter = make_limiter(name, limit=limit, window=1.0)
        knobs: dict[str, Any] = {
            "clients": _clients(total, bursts),
            "limiter": limiter,
            "cache": Cache(capacity=500, ttl=fresh) if fresh > 0 else None,
            "anonymous_share": share,
            "admission": _protection(guard, changes.get("services", _SERVICES)),
        }
        return cls(**{**knobs, **changes})

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
            admission=self.admission.fresh() if isinstance(self.admission, Admission) else self.admission,
        )


def _protection(name: str, services: Mapping[str, Service]) -> Admission | None:
    """The admission control `GatewayScenario.example(protection=name)` builds for `services`."""
    if name == "load_shedder":
        return LoadShedder({service: 2 * s.servers for service, s in services.items()})
    if name == "global_rate":
        rates = {service: round(TARGET_UTILIZATION * s.capacity, 6) for service, s in services.items()}
        return GlobalRateLimit(rates, burst=max(s.servers for s in services.values()))
    return None


def _tuple_of(name: str, values: Any, kind: type, example: str) -> tuple[Any, ...]:
    """`values` (a list or tuple of `kind`, at least one) as a tuple, else a ValueError naming `name`."""
    if not isinstance(values, (list, tuple)) or not values or not all(isinstance(v, kind) for v in values):
        raise ValueError(f"{name} must be a non-empty list of {kind.__name__} (got {values!r}): e.g. {name}={example}")
    return tuple(values)
