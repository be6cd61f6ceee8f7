"""Admission control: protect the services from overload, counting every client together.

A per-client rate limit (`course.gateway.rate_limit`) is about *fairness*: no client takes more
than its share. It does not protect the services: three clients each within a quota of 100
requests per second still send 300 per second to a service that can answer 80. Admission control
looks at the *service* instead, and refuses work it cannot take, whoever sends it, with a
**503 Service Unavailable** (the service is busy; it is nobody's fault) and a `Retry-After`:

- `LoadShedder(max_in_flight)`: a concurrency limit. A service already holding `max_in_flight`
  requests (in service or queued) gets no more until one finishes. It needs no estimate of the
  service's capacity, and it bounds the queue, so it bounds the wait.
- `GlobalRateLimit(rate, burst)`: one token bucket per service, shared by all clients, so at most
  `rate` requests per second (after a burst of `burst`) reach it. Sized at 70-80 % of what the
  service can answer, it keeps the service below the knee of the latency curve.

The gateway runs admission control after the cache (a cache hit costs the services nothing) and
just before the backend. Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..sim import validate
from .clock import seconds, ticks
from .messages import _text
from .rate_limit import TokenBucket, _number

__all__ = ["ADMISSIONS", "Admission", "GlobalRateLimit", "LoadShedder"]


def _per_service(name: str, value: object, check: Any, example: str) -> float | dict[str, Any]:
    """One number for every service, or a dict of numbers by service name, each passed through `check`."""
    if isinstance(value, Mapping):
        if not value:
            raise ValueError(f"{name} must name at least one service (got {{}}): e.g. {name}={example}")
        checked = {}
        for service, number in value.items():
            _text(name, service, example)
            checked[service] = check(number)
        return checked
    return check(value)  # type: ignore[no-any-return]


class Admission:
    """Base of admission control: `admit(now, service, in_flight)` decides on one request for `service`,
    given how many requests that service holds now; `retry_after` is what a 503 says; `fresh()` copies."""

    name = ""
    _params: tuple[str, ...] = ()

    def __repr__(self) -> str:
        def shown(value: Any) -> str:
            if isinstance(value, dict):
                return "{" + ", ".join(f"{k!r}: {_number(v)}" for k, v in value.items()) + "}"
            return _number(value)

        return f"{type(self).__name__}({', '.join(f'{p}={shown(getattr(self, p))}' for p in self._params)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Admission):
            return NotImplemented
        return type(self) is type(other) and all(getattr(self, p) == getattr(other, p) for p in self._params)

    def __hash__(self) -> int:
        return hash(repr(self))

    def fresh(self) -> Admission:
        """The same settings with no history (each simulated run uses one)."""
        return type(self)(**{p: getattr(self, p) for p in self._params})

    def admit(self, now: float, service: str, in_flight: int) -> bool:
        """True if one more request may go to `service` at `now`, which holds `in_flight` requests."""
        ticks(now)
        _text("service", service, "'orders-service'")
        validate.whole("in_flight", in_flight, why="requests the service holds now, in service or queued")
        return self._admit(now, service, in_flight)

    def _admit(self, now: float, service: str, in_flight: int) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def retry_after(self, now: float, service: str) -> float:
        """Seconds a refused client should wait before trying again (the 503's `Retry-After`)."""
        ticks(now)
        _text("service", service, "'orders-service'")
        return self._retry_after(now, service)

    def _retry_after(self, now: float, service: str) -> float:
        return 1.0


class LoadShedder(Admission):
    """Refuse (503) a request when its service already holds `max_in_flight` requests, from all clients together.

    `max_in_flight` is one whole number for every service, or a dict by service name (a service
    it does not name is not limited). A request counts from the moment the gateway forwards it
    until its service answers, queued or in service.

    Taught in lessons/01_api_gateway.ipynb.

    >>> shedder = LoadShedder(max_in_flight=6)
    >>> shedder.admit(now=0.0, service="orders-service", in_flight=5), shedder.admit(0.0, "orders-service", 6)
    (True, False)
    >>> LoadShedder({"orders-service": 4}).admit(0.0, "users-service", in_flight=1000)
    True
    """

    name = "load_shedder"
    _params = ("max_in_flight",)

    def __init__(self, max_in_flight: int | Mapping[str, int]):
        def check(n: object) -> int:
            return validate.whole(
                "max_in_flight",
                n,
                minimum=1,
                why="requests a service may hold at once (its workers plus a short queue), e.g. max_in_flight=6",
            )

        self.max_in_flight = _per_service("max_in_flight", max_in_flight, check, "{'orders-service': 6}")

    def limit(self, service: str) -> int | None:
        """The most requests `service` may hold at once (None: not limited)."""
        _text("service", service, "'orders-service'")
        return self._limit(service)

    def _limit(self, service: str) -> int | None:
        if isinstance(self.max_in_flight, dict):
            return self.max_in_flight.get(service)
        return int(self.max_in_flight)

    def _admit(self, now: float, service: str, in_flight: int) -> bool:
        most = self._limit(service)
        return most is None or in_flight < most


class GlobalRateLimit(Admission):
    """Admit at most `rate` requests per second to each service, from all clients together (503 for the rest).

    One token bucket per service, holding `burst` tokens and refilling `rate` per second, shared by
    every client (`rate` is one number for every service, or a dict by service name; a service it
    does not name is not limited). Size `rate` at 70-80 % of what the service can answer.

    Taught in lessons/01_api_gateway.ipynb.

    >>> limit = GlobalRateLimit(rate={"orders-service": 60}, burst=2)
    >>> [limit.admit(0.0, "orders-service", in_flight=0) for _ in range(3)]
    [True, True, False]
    >>> limit.retry_after(0.0, "orders-service"), limit.admit(0.0, "users-service", in_flight=0)
    (0.016666667, True)
    """

    name = "global_rate"
    _params = ("rate", "burst")

    def __init__(self, rate: float | Mapping[str, float], burst: float = 1):
        def check(r: object) -> float:
            return validate.rate("rate", r, positive=True, why="requests per second the service is sent, all clients")

        self.rate = _per_service("rate", rate, check, "{'orders-service': 60}")
        validate.number(
            "burst",
            burst,
            minimum=1,
            maximum=validate.MAX_COUNT,
            why="requests a quiet service may take at once (the bucket's size), e.g. burst=10",
        )
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}

    def _bucket(self, service: str) -> TokenBucket | None:
        bucket = self._buckets.get(service)
        if bucket is None:
            rate = self.rate.get(service) if isinstance(self.rate, dict) else self.rate
            if rate is None:
                return None
            bucket = self._buckets[service] = TokenBucket(capacity=self.burst, rate=rate)
        return bucket

    def _admit(self, now: float, service: str, in_flight: int) -> bool:
        bucket = self._bucket(service)
        return bucket is None or bucket.allow(now, service)

    def _retry_after(self, now: float, service: str) -> float:
        bucket = self._bucket(service)
        return 0.0 if bucket is None else round(seconds(bucket._wait(ticks(now), service)), 9)


ADMISSIONS: dict[str, type[Admission]] = {cls.name: cls for cls in (LoadShedder, GlobalRateLimit)}
