"""Workloads for the balancer: clients open connections that carry requests.

The whole workload is drawn before the run from its own seeded streams, so two runs with
the same seed (L4 and L7, or two strategies) see exactly the same connections and requests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, NamedTuple, cast

from course.sim import Constant, Distribution, Exponential, stream, validate

__all__ = ["MAX_REQUESTS", "Arrival", "Workload"]

MAX_REQUESTS = 1_000_000  # a bound so that no slider setting makes a run hang


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
    websocket: bool


class Arrival(_ArrivalFields):
    """One request as it reaches the balancer: when, from which client, on which connection, and its work.

    `cost` is the service time in seconds on a backend of speed 1; `key` is what
    consistent hashing places (the client, or a cache key); `path` and `header` are what
    an L7 balancer can route on; `first`/`last` mark the ends of its connection. A
    `Workload` draws them (`Workload.arrivals`); building one by hand checks every field.

    >>> Arrival(0, 0.5, client=7, connection=0, key="client-7", path="/api", header="", cost=0.01,
    ...         first=True, last=True, websocket=False).arrival
    0.5
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
        websocket: bool,
    ) -> Arrival:
        validate.whole("id", id, why="requests are numbered 0, 1, 2, ...")
        validate.duration("arrival", arrival, why="when it arrives, in simulated seconds")
        validate.whole("client", client, why="clients are numbered 0, 1, 2, ...")
        validate.whole("connection", connection, why="connections are numbered 0, 1, 2, ...")
        for name, text in (("key", key), ("path", path), ("header", header)):
            validate.instance(name, text, str, example=f"{name}='client-7'" if name == "key" else f"{name}='/api'")
        validate.duration("cost", cost, why="seconds of work on a backend of speed 1")
        for name, flag in (("first", first), ("last", last), ("websocket", websocket)):
            validate.instance(name, flag, bool, example=f"{name}=True")
        return super().__new__(cls, id, arrival, client, connection, key, path, header, cost, first, last, websocket)


def _choices(name: str, value: object) -> tuple[tuple[str, float], ...]:
    example = "{'/api': 0.9, '/static': 0.1}"
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
    """Requests at `rate` per second on average, carried by connections.

    Short connections carry `requests_per_connection` requests on average (1 means a new
    connection per request), `gap` seconds apart. A `websocket_share` of all requests
    instead travel on long-lived WebSockets: each lasts `websocket_duration` seconds on
    average and sends messages at its own rate (exponentially spread around
    `websocket_rate`), so a few connections carry much of the traffic. Connections opened
    before time 0 are included, so the run starts in steady state. Each request's `cost`
    is drawn from `service` (seconds at speed 1); `paths` and `headers` are drawn by weight.

    Taught in lessons/02_load_balancer.ipynb.

    >>> reqs = Workload(rate=100).arrivals(until=10, seed=1)
    >>> 900 < len(reqs) < 1100, len({r.connection for r in reqs}) == len(reqs)
    (True, True)
    >>> ws = Workload.websocket_heavy(rate=100, share=0.8).arrivals(until=10, seed=1)
    >>> round(sum(r.websocket for r in ws) / len(ws), 1), len({r.connection for r in ws if r.websocket}) < 60
    (0.8, True)
    >>> Workload(rate=100).arrivals(10, seed=2) == Workload(rate=100).arrivals(10, seed=2)
    True
    """

    rate: float = 320.0
    service: Distribution | float = field(default=Exponential(rate=80.0))
    clients: int = 1000
    keys: int | None = None
    requests_per_connection: float = 1.0
    gap: float = 0.1
    websocket_share: float = 0.0
    websocket_rate: float = 2.0
    websocket_duration: float = 60.0
    paths: tuple[tuple[str, float], ...] | Mapping[str, float] = (("/api", 1.0),)
    headers: tuple[tuple[str, float], ...] | Mapping[str, float] = (("", 1.0),)

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
        validate.number(
            "websocket_rate", self.websocket_rate, minimum=0.01, maximum=1e6, why="messages per second on one WebSocket"
        )
        validate.duration(
            "websocket_duration", self.websocket_duration, positive=True, why="how long a WebSocket stays open"
        )
        if self.websocket_duration < 0.01:
            raise ValueError(
                f"websocket_duration must be at least 0.01 s (got {self.websocket_duration!r}): "
                "how long a WebSocket stays open, on average"
            )
        object.__setattr__(self, "paths", _choices("paths", self.paths))
        object.__setattr__(self, "headers", _choices("headers", self.headers))

    @classmethod
    def websocket_heavy(cls, rate: float = 320.0, share: float = 0.8, **options: Any) -> Workload:
        """A mix where `share` of the requests ride long-lived WebSockets (chat, live feeds)."""
        validate.probability("share", share, why="the share of requests sent over WebSockets")
        return cls(rate=rate, websocket_share=share, **options)

    def with_(self, **changes: Any) -> Workload:
        """A copy with some settings changed (the original is unchanged)."""
        return replace(self, **changes)

    def _short_warmup(self, until: float) -> float:
        m = self.requests_per_connection
        return 0.0 if m == 1 else min(3 * (m - 1) * self.gap, max(until, 10.0))

    def expected_requests(self, until: float) -> float:
        """About how many requests (and WebSocket connections) `arrivals(until)` draws."""
        until = validate.until(until)
        ws = self.rate * self.websocket_share
        ws_connections = ws / (self.websocket_rate * self.websocket_duration) * (5 * self.websocket_duration + until)
        short = self.rate * (1 - self.websocket_share) * (until + self._short_warmup(until))
        return short + ws * until + ws_connections

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
        arrivals: list[tuple[float, int, int, bool]] = []  # (time, connection, client, websocket)
        conn = 0
        m = self.requests_per_connection
        short_rate = self.rate * (1 - self.websocket_share) / m
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
                        arrivals.append((s, conn, client, False))
                conn += 1
        ws_rate = self.rate * self.websocket_share / (self.websocket_rate * self.websocket_duration)
        if ws_rate > 0:
            t = -5 * self.websocket_duration
            while True:
                t += expo(ws_rate)
                if t >= until:
                    break
                client = int(uniform() * clients)
                end = min(t + expo(1 / self.websocket_duration), until)
                chatter = expo(1 / self.websocket_rate)  # this connection's own message rate
                s = max(t, 0.0)
                while True:
                    s += expo(chatter)
                    if s >= end:
                        break
                    arrivals.append((s, conn, client, True))
                conn += 1
        arrivals.sort()
        return self._dress(arrivals, seed)

    def _dress(self, arrivals: list[tuple[float, int, int, bool]], seed: int) -> list[Arrival]:
        n = len(arrivals)
        service = cast(Distribution, self.service)  # made a distribution by __post_init__
        costs = service.sample_many(stream(seed, "workload:cost"), n)
        rng = stream(seed, "workload:attributes")
        path_weights = cast(tuple[tuple[str, float], ...], self.paths)  # made pairs by __post_init__
        header_weights = cast(tuple[tuple[str, float], ...], self.headers)
        paths = rng.choices([p for p, _ in path_weights], weights=[w for _, w in path_weights], k=n)
        headers = rng.choices([h for h, _ in header_weights], weights=[w for _, w in header_weights], k=n)
        keys = None if self.keys is None else [int(rng.random() * self.keys) for _ in range(n)]
        number: dict[int, int] = {}  # raw connection -> its number, counted by first request
        last_index: dict[int, int] = {}
        for i, (_, raw, _, _) in enumerate(arrivals):
            number.setdefault(raw, len(number))
            last_index[raw] = i
        out: list[Arrival] = []
        seen: set[int] = set()
        new = tuple.__new__  # drawn values are valid by construction: skip Arrival's checks
        for i, (t, raw, client, websocket) in enumerate(arrivals):
            key = f"client-{client}" if keys is None else f"key-{keys[i]}"
            first = raw not in seen
            if first:
                seen.add(raw)
            last = last_index[raw] == i
            out.append(
                new(Arrival, (i, t, client, number[raw], key, paths[i], headers[i], costs[i], first, last, websocket))
            )
        return out


@lru_cache(maxsize=8)
def _drawn(workload: Workload, until: float, seed: int) -> tuple[Arrival, ...]:
    return tuple(workload._draw(until, seed))
