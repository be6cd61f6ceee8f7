"""Workloads for the balancer: clients open connections that carry requests.

The whole workload is drawn before the run from its own seeded streams, so two runs with
the same seed (L4 and L7, or two strategies) see exactly the same connections and requests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

from course.sim import Distribution, Exponential, as_distribution, stream

__all__ = ["MAX_REQUESTS", "Request", "Workload"]

MAX_REQUESTS = 1_000_000  # a bound so that no slider setting makes a run hang


class Request(NamedTuple):
    """One request: when it arrives, from which client, on which connection, and its work.

    `cost` is the service time in seconds on a backend of speed 1; `key` is what
    consistent hashing places (the client, or a cache key); `path` and `header` are what
    an L7 balancer can route on; `first`/`last` mark the ends of its connection.
    """

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


def _choices(name: str, value: tuple | Mapping) -> tuple[tuple[str, float], ...]:
    items = tuple(value.items()) if isinstance(value, Mapping) else tuple(value)
    ok = items and all(
        isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], (int, float))
        for item in items
    )
    if not ok or any(w < 0 for _, w in items) or sum(w for _, w in items) <= 0:
        raise ValueError(
            f"{name} must map names to weights of zero or more, not all zero, e.g. {{'/api': 0.9, '/static': 0.1}} "
            f"(got {value!r})"
        )
    return tuple((p, float(w)) for p, w in items)


def _number(name: str, value: float, low: float, why: str, high: float = math.inf) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high or math.isinf(value):
        raise ValueError(f"{name} must be a number between {low:g} and {high:g} (got {value!r}): {why}")


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

    >>> reqs = Workload(rate=100).requests(until=10, seed=1)
    >>> 900 < len(reqs) < 1100, len({r.connection for r in reqs}) == len(reqs)
    (True, True)
    >>> ws = Workload.websocket_heavy(rate=100, share=0.8).requests(until=10, seed=1)
    >>> round(sum(r.websocket for r in ws) / len(ws), 1), len({r.connection for r in ws if r.websocket}) < 60
    (0.8, True)
    >>> Workload(rate=100).requests(10, seed=2) == Workload(rate=100).requests(10, seed=2)
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

    def __post_init__(self):
        _number("rate", self.rate, 0, "requests per second on average (0 is silence)")
        object.__setattr__(self, "service", as_distribution(self.service))
        if isinstance(self.clients, bool) or not isinstance(self.clients, int) or self.clients < 1:
            raise ValueError(f"clients must be a whole number of at least 1 (got {self.clients!r})")
        if self.keys is not None and (isinstance(self.keys, bool) or not isinstance(self.keys, int) or self.keys < 1):
            raise ValueError(
                f"keys must be None (the key is the client) or a whole number of at least 1 (got {self.keys!r})"
            )
        _number("requests_per_connection", self.requests_per_connection, 1, "1 means one request per connection")
        _number("gap", self.gap, 1e-6, "the mean seconds between two requests on one connection")
        _number("websocket_share", self.websocket_share, 0, "the share of requests sent over WebSockets", high=1)
        _number("websocket_rate", self.websocket_rate, 0.01, "messages per second on one WebSocket, on average")
        _number("websocket_duration", self.websocket_duration, 0.01, "how long a WebSocket stays open, on average")
        object.__setattr__(self, "paths", _choices("paths", self.paths))
        object.__setattr__(self, "headers", _choices("headers", self.headers))

    @classmethod
    def websocket_heavy(cls, rate: float = 320.0, share: float = 0.8, **options) -> Workload:
        """A mix where `share` of the requests ride long-lived WebSockets (chat, live feeds)."""
        return cls(rate=rate, websocket_share=share, **options)

    def with_(self, **changes) -> Workload:
        """A copy with some settings changed (the original is unchanged)."""
        return replace(self, **changes)

    def _short_warmup(self, until: float) -> float:
        m = self.requests_per_connection
        return 0.0 if m == 1 else min(3 * (m - 1) * self.gap, max(until, 10.0))

    def expected_requests(self, until: float) -> float:
        """About how many requests (and WebSocket connections) `requests(until)` draws."""
        ws = self.rate * self.websocket_share
        ws_connections = ws / (self.websocket_rate * self.websocket_duration) * (5 * self.websocket_duration + until)
        short = self.rate * (1 - self.websocket_share) * (until + self._short_warmup(until))
        return short + ws * until + ws_connections

    def requests(self, until: float, seed: int = 0) -> list[Request]:
        """Every request arriving in `[0, until)`, in arrival order, ids 0, 1, 2, ...

        Recent draws are remembered (a lab re-runs the same traffic on every slider move);
        the list returned is a fresh copy each time.
        """
        _number("until", until, 1e-9, "how many seconds of traffic to draw")
        stream(seed, "")  # checks the seed
        return list(_drawn(self, float(until), seed))

    def _draw(self, until: float, seed: int) -> list[Request]:
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

    def _dress(self, arrivals: list[tuple[float, int, int, bool]], seed: int) -> list[Request]:
        n = len(arrivals)
        costs = self.service.sample_many(stream(seed, "workload:cost"), n)
        rng = stream(seed, "workload:attributes")
        paths = rng.choices([p for p, _ in self.paths], weights=[w for _, w in self.paths], k=n)
        headers = rng.choices([h for h, _ in self.headers], weights=[w for _, w in self.headers], k=n)
        keys = None if self.keys is None else [int(rng.random() * self.keys) for _ in range(n)]
        number: dict[int, int] = {}  # raw connection -> its number, counted by first request
        last_index: dict[int, int] = {}
        for i, (_, raw, _, _) in enumerate(arrivals):
            number.setdefault(raw, len(number))
            last_index[raw] = i
        out, seen, new = [], set(), tuple.__new__
        for i, (t, raw, client, websocket) in enumerate(arrivals):
            key = f"client-{client}" if keys is None else f"key-{keys[i]}"
            first = raw not in seen
            if first:
                seen.add(raw)
            last = last_index[raw] == i
            out.append(
                new(Request, (i, t, client, number[raw], key, paths[i], headers[i], costs[i], first, last, websocket))
            )
        return out


@lru_cache(maxsize=8)
def _drawn(workload: Workload, until: float, seed: int) -> tuple[Request, ...]:
    return tuple(workload._draw(until, seed))
