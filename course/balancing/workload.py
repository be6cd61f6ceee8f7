"""Workloads for the balancer: clients open connections that carry requests.

Three kinds of connection (`CONNECTION_PROTOCOLS`): short or keep-alive HTTP/1.1 connections
("http1") that carry a few requests one after another; long-lived HTTP/2 connections ("http2", as gRPC clients
keep) that multiplex many requests as streams; and WebSockets ("websocket"): after the HTTP
Upgrade, one long-lived connection carrying messages both ways. The whole workload is drawn before
the run from its own seeded streams, so two runs with the same seed (L4 and L7, or two strategies)
see exactly the same connections and requests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, NamedTuple, cast

from course.sim import Constant, Distribution, Exponential, stream, validate

__all__ = ["CONNECTION_PROTOCOLS", "IDEMPOTENT_METHODS", "MAX_REQUESTS", "REQUEST_METHODS", "Arrival", "Workload"]

MAX_REQUESTS = 1_000_000  # a bound so that no slider setting makes a run hang
CONNECTION_PROTOCOLS = ("http1", "http2", "websocket")  # what a connection carries (see the module's docstring)
REQUEST_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE", "POST", "PATCH")  # what a workload may draw
# RFC 9110 section 9.2.2: the safe methods (GET, HEAD, OPTIONS, TRACE), PUT and DELETE are idempotent:
# sending one twice has the same effect as once, so a request of these may be repeated after it was sent.
IDEMPOTENT_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE")


class _ArrivalFields(NamedTuple):
    id: int
    arrival: float
    client: int
    connection: int
    key: str
    path: str
    header: str
    cost: float
    first: bool
    last: bool
    protocol: str
    method: str


class Arrival(_ArrivalFields):
    """One request as it reaches the balancer: when, from which client, on which connection, and its work.

    `cost` is the service time in seconds on a backend of speed 1; `key` is what
    consistent hashing places (the client, or a cache key); `path` and `header` are what
    an L7 balancer can route on; `first`/`last` mark the ends of its connection; `protocol`
    (one of `CONNECTION_PROTOCOLS`) is what its connection carries, and on a WebSocket the request
    is one message; `method` is its HTTP method. A `Workload` draws them (`Workload.arrivals`);
    building one by hand checks every field.

    >>> a = Arrival(0, 0.5, client=7, connection=0, key="client-7", path="/api", header="", cost=0.01,
    ...             first=True, last=True, protocol="http1", method="POST")
    >>> a.arrival, a.idempotent, a.websocket
    (0.5, False, False)
    """

    __slots__ = ()

    def __new__(
        cls,
        id: int,
        arrival: float,
        client: int,
        connection: int,
        key: str,
        path: str,
        header: str,
        cost: float,
        first: bool,
        last: bool,
        protocol: str = "http1",
        method: str = "GET",
    ) -> Arrival:
        validate.whole("id", id, why="requests are numbered 0, 1, 2, ...")
        validate.duration("arrival", arrival, why="when it arrives, in simulated seconds")
        validate.whole("client", client, why="clients are numbered 0, 1, 2, ...")
        validate.whole("connection", connection, why="connections are numbered 0, 1, 2, ...")
        for name, text in (("key", key), ("path", path), ("header", header)):
            validate.instance(name, text, str, example=f"{name}='client-7'" if name == "key" else f"{name}='/api'")
        validate.duration("cost", cost, why="seconds of work on a backend of speed 1")
        for name, flag in (("first", first), ("last", last)):
            validate.instance(name, flag, bool, example=f"{name}=True")
        validate.choice("protocol", protocol, CONNECTION_PROTOCOLS)
        validate.choice("method", method, REQUEST_METHODS)
        fields = (id, arrival, client, connection, key, path, header, cost, first, last, protocol, method)
        return super().__new__(cls, *fields)

    @property
    def websocket(self) -> bool:
        """Whether it is a message on a WebSocket (an upgraded, long-lived connection)."""
        return self.protocol == "websocket"

    @property
    def idempotent(self) -> bool:
        """Whether its method may be repeated after it was sent (GET, PUT, DELETE, ...; not POST or PATCH)."""
        return self.method in IDEMPOTENT_METHODS


def _choices(name: str, value: object, example: str = "{'/api': 0.9, '/static': 0.1}") -> tuple[tuple[str, float], ...]:
    items = tuple(value.items()) if isinstance(value, Mapping) else value
    if isinstance(items, (str, bytes)) or not isinstance(items, tuple | list) or not items:
        raise ValueError(f"{name} must map names to weights, e.g. {example} (got {value!r})")
    out = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise ValueError(f"{name} must map names to weights, e.g. {example} (got {item!r} in it)")
        out.append((item[0], validate.number(name, item[1], minimum=0.0, why=f"a weight, e.g. {example}")))
    if sum(w for _, w in out) <= 0:
        raise ValueError(f"{name} must have a weight above zero (got {value!r}): e.g. {example}")
    return tuple(out)


def _service(value: object) -> Distribution:
    if isinstance(value, Distribution):
        return value
    seconds = validate.duration(
        "service", value, positive=True, why="seconds of work per request at speed 1, or Exponential(rate=80.0)"
    )
    return Constant(seconds)


@dataclass(frozen=True)
class Workload:
    """Requests at `rate` per second on average, carried by connections of three kinds.

    Short HTTP/1.1 connections carry `requests_per_connection` requests on average (1 means a
    new connection per request; more means keep-alive), `gap` seconds apart. A `websocket_share`
    of all requests are messages on WebSockets and an `http2_share` are requests (streams) on
    long-lived HTTP/2 connections such as gRPC clients keep open: each such connection lasts
    `long_duration` seconds on average and carries requests at its own rate (exponentially
    spread around `long_rate`), so a few connections carry much of the traffic. Connections
    opened before time 0 are included, so the run starts in steady state. Each request's `cost`
    is drawn from `service` (seconds at speed 1); `paths`, `headers` and `methods` are drawn by
    weight.

    Taught in lessons/02_load_balancer.ipynb.

    >>> reqs = Workload(rate=100).arrivals(until=10, seed=1)
    >>> 900 < len(reqs) < 1100, len({r.connection for r in reqs}) == len(reqs)
    (True, True)
    >>> grpc = Workload.http2_heavy(rate=100, share=0.8).arrivals(until=10, seed=1)
    >>> round(sum(r.protocol == "http2" for r in grpc) / len(grpc), 1), len({r.connection for r in grpc}) < 300
    (0.8, True)
    >>> Workload(websocket_share=0.6, http2_share=0.6)
    Traceback (most recent call last):
    ...
    ValueError: websocket_share + http2_share must be at most 1 (got 0.6 + 0.6): they are shares of all requests
    """

    rate: float = 320.0
    service: Distribution | float = field(default=Exponential(rate=80.0))
    clients: int = 1000
    keys: int | None = None
    requests_per_connection: float = 1.0
    gap: float = 0.1
    websocket_share: float = 0.0
    http2_share: float = 0.0
    long_rate: float = 2.0
    long_duration: float = 60.0
    paths: tuple[tuple[str, float], ...] | Mapping[str, float] = (("/api", 1.0),)
    headers: tuple[tuple[str, float], ...] | Mapping[str, float] = (("", 1.0),)
    methods: tuple[tuple[str, float], ...] | Mapping[str, float] = (("GET", 1.0),)

    def __post_init__(self) -> None:
        validate.rate("rate", self.rate, why="requests per second on average (0 is silence)")
        object.__setattr__(self, "service", _service(self.service))
        validate.whole("clients", self.clients, minimum=1, maximum=10_000_000, why="how many clients send requests")
        if self.keys is not None:
            validate.whole("keys", self.keys, minimum=1, why="how many cache keys requests use (None: the client)")
        validate.number(
            "requests_per_connection",
            self.requests_per_connection,
            minimum=1.0,
            maximum=1e6,
            why="1 means one request per connection",
        )
        validate.duration("gap", self.gap, positive=True, why="the mean seconds between two requests on one connection")
        validate.probability("websocket_share", self.websocket_share, why="the share of requests sent over WebSockets")
        validate.probability(
            "http2_share", self.http2_share, why="the share of requests on long-lived HTTP/2 connections"
        )
        if self.websocket_share + self.http2_share > 1:
            raise ValueError(
                f"websocket_share + http2_share must be at most 1 (got {self.websocket_share!r} + "
                f"{self.http2_share!r}): they are shares of all requests"
            )
        validate.number(
            "long_rate",
            self.long_rate,
            minimum=0.01,
            maximum=1e6,
            why="requests per second on one long-lived connection",
        )
        validate.duration(
            "long_duration", self.long_duration, positive=True, why="how long a long-lived connection stays open"
        )
        if self.long_duration < 0.01:
            raise ValueError(
                f"long_duration must be at least 0.01 s (got {self.long_duration!r}): "
                "how long a long-lived connection stays open, on average"
            )
        object.__setattr__(self, "paths", _choices("paths", self.paths))
        object.__setattr__(self, "headers", _choices("headers", self.headers))
        methods = _choices("methods", self.methods, example="{'GET': 0.8, 'POST': 0.2}")
        for method, _ in methods:
            validate.choice("methods", method, REQUEST_METHODS)
        object.__setattr__(self, "methods", methods)

    @classmethod
    def websocket_heavy(cls, rate: float = 320.0, share: float = 0.8, **options: Any) -> Workload:
        """A mix where `share` of the requests are messages on long-lived WebSockets (chat, live feeds)."""
        validate.probability("share", share, why="the share of requests sent over WebSockets")
        return cls(rate=rate, websocket_share=share, **options)

    @classmethod
    def http2_heavy(cls, rate: float = 320.0, share: float = 0.8, **options: Any) -> Workload:
        """A mix where `share` of the requests are streams on long-lived HTTP/2 connections (gRPC clients)."""
        validate.probability("share", share, why="the share of requests on long-lived HTTP/2 connections")
        return cls(rate=rate, http2_share=share, **options)

    def with_(self, **changes: Any) -> Workload:
        """A copy with some settings changed (the original is unchanged)."""
        return replace(self, **changes)

    @property
    def long_lived(self) -> float:
        """The share of requests on long-lived connections (WebSockets and HTTP/2)."""
        return self.websocket_share + self.http2_share

    def _short_warmup(self, until: float) -> float:
        m = self.requests_per_connection
        return 0.0 if m == 1 else min(3 * (m - 1) * self.gap, max(until, 10.0))

    def expected_requests(self, until: float) -> float:
        """About how many requests (and long-lived connections) `arrivals(until)` draws."""
        until = validate.until(until)
        long = self.rate * self.long_lived
        long_connections = long / (self.long_rate * self.long_duration) * (5 * self.long_duration + until)
        short = self.rate * (1 - self.long_lived) * (until + self._short_warmup(until))
        return short + long * until + long_connections

    def arrivals(self, until: float, seed: int = 0) -> list[Arrival]:
        """Every request arriving in `[0, until)`, in arrival order, ids 0, 1, 2, ...

        Recent draws are remembered (a lab re-runs the same traffic on every slider move);
        the list returned is a fresh copy each time.
        """
        end = validate.until(until)
        validate.seed(seed)
        return list(_drawn(self, end, seed))

    def _draw(self, until: float, seed: int) -> list[Arrival]:
        if self.expected_requests(until) > MAX_REQUESTS:
            raise ValueError(
                f"this workload would draw about {self.expected_requests(until):,.0f} requests and connections, "
                f"more than the {MAX_REQUESTS:,} this toy simulates: shorten the run or lower the rate"
            )
        rng = stream(seed, "workload:connections")
        expo, uniform, clients = rng.expovariate, rng.random, self.clients
        arrivals: list[tuple[float, int, int, str]] = []  # (time, connection, client, protocol)
        conn = 0
        m = self.requests_per_connection
        short_rate = self.rate * (1 - self.long_lived) / m
        if short_rate > 0:
            p = 1 / m  # requests on a connection: geometric with mean m
            t = -self._short_warmup(until)
            while True:
                t += expo(short_rate)
                if t >= until:
                    break
                client = int(uniform() * clients)
                k = 1 if p == 1 else 1 + int(math.log(1.0 - uniform()) / math.log(1 - p))
                s = t
                for j in range(k):
                    if j:
                        s += expo(1 / self.gap)
                    if s >= until:
                        break
                    if s >= 0:
                        arrivals.append((s, conn, client, "http1"))
                conn += 1
        for protocol, share in (("websocket", self.websocket_share), ("http2", self.http2_share)):
            opened = self.rate * share / (self.long_rate * self.long_duration)  # connections opened per second
            if opened <= 0:
                continue
            t = -5 * self.long_duration
            while True:
                t += expo(opened)
                if t >= until:
                    break
                client = int(uniform() * clients)
                end = min(t + expo(1 / self.long_duration), until)
                chatter = expo(1 / self.long_rate)  # this connection's own request rate
                s = max(t, 0.0)
                while True:
                    s += expo(chatter)
                    if s >= end:
                        break
                    arrivals.append((s, conn, client, protocol))
                conn += 1
        arrivals.sort()
        return self._dress(arrivals, seed)

    def _dress(self, arrivals: list[tuple[float, int, int, str]], seed: int) -> list[Arrival]:
        n = len(arrivals)
        service = cast(Distribution, self.service)  # made a distribution by __post_init__
        costs = service.sample_many(stream(seed, "workload:cost"), n)
        rng = stream(seed, "workload:attributes")
        path_weights = cast(tuple[tuple[str, float], ...], self.paths)  # made pairs by __post_init__
        header_weights = cast(tuple[tuple[str, float], ...], self.headers)
        method_weights = cast(tuple[tuple[str, float], ...], self.methods)
        paths = rng.choices([p for p, _ in path_weights], weights=[w for _, w in path_weights], k=n)
        headers = rng.choices([h for h, _ in header_weights], weights=[w for _, w in header_weights], k=n)
        keys = None if self.keys is None else [int(rng.random() * self.keys) for _ in range(n)]
        if len(method_weights) == 1:
            methods = [method_weights[0][0]] * n
        else:  # drawn from their own stream, so adding methods changes nothing else
            methods = stream(seed, "workload:methods").choices(
                [m for m, _ in method_weights], weights=[w for _, w in method_weights], k=n
            )
        number: dict[int, int] = {}  # raw connection -> its number, counted by first request
        last_index: dict[int, int] = {}
        for i, (_, raw, _, _) in enumerate(arrivals):
            number.setdefault(raw, len(number))
            last_index[raw] = i
        out: list[Arrival] = []
        seen: set[int] = set()
        new = tuple.__new__  # drawn values are valid by construction: skip Arrival's checks
        for i, (t, raw, client, protocol) in enumerate(arrivals):
            key = f"client-{client}" if keys is None else f"key-{keys[i]}"
            first = raw not in seen
            if first:
                seen.add(raw)
            last = last_index[raw] == i
            fields = (i, t, client, number[raw], key, paths[i], headers[i], costs[i], first, last, protocol, methods[i])
            out.append(new(Arrival, fields))
        return out


@lru_cache(maxsize=8)
def _drawn(workload: Workload, until: float, seed: int) -> tuple[Arrival, ...]:
    return tuple(workload._draw(until, seed))
