"""The gateway: the single entry point that runs every request through the same stages, in order.

    transform -> route -> auth -> rate_limit -> cache -> admission -> backend

Each stage either answers the request (a 404 from routing, a 401/403 from auth, a 429 from the
rate limiter, a 200 from the cache, a 503 from admission control) or passes it on; the backend
answers everything that reaches it. So every request gets exactly one outcome, and each stage's counts add up:
`arrived = passed + answered`, and what one stage passes on is what the next one receives.
Stages you do not configure are skipped. The rate limiter counts per client (the client the API
key belongs to when auth is on: fairness); admission control counts per service, every client
together (overload protection); the cache stores successful GET responses per service and path.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from ..sim.outcomes import OUTCOMES
from ..sim.validate import MAX_UNTIL, duration, instance, number, whole
from .access_log import STAGES, AccessLog, AccessLogEntry
from .admission import Admission
from .auth import Authenticator
from .cache import Cache
from .clock import ticks
from .messages import Request, Response, outcome_of
from .rate_limit import RateLimiter
from .routing import Route, RouteMatch, RouteTable
from .transform import Chain, Transform, chain

__all__ = ["Forwarded", "Gateway", "StageCount", "Stopped"]

BackendTime = float | Mapping[str, float] | Callable[[Request, RouteMatch], float]  # how long a service takes


class StageCount(NamedTuple):
    """What one stage did: requests that `arrived`, and those it `answered`, by status.

    `passed` = arrived - answered went on to the next stage (for the backend: still in flight).
    """

    stage: str
    arrived: int
    answered: dict[int, int]

    @property
    def passed(self) -> int:
        return self.arrived - sum(self.answered.values())


class Stopped(NamedTuple):
    """What `Gateway.decide` returns when a stage answers without the backend (a 401, a 429, a cache hit, ...)."""

    stage: str
    status: int
    service: str | None
    reason: str
    headers: dict | None
    cache_hit: bool


class Forwarded(NamedTuple):
    """What `Gateway.decide` returns when the request goes on to its service; `Gateway.answer` ends it.

    `request` is what the service receives (after the transforms), `original` what the client sent,
    `time` when the gateway forwarded it, `number` the request's place in the gateway's arrivals.
    """

    request: Request
    original: Request
    match: RouteMatch
    cache_key: Any
    time: float
    number: int


class Gateway:
    """Answer each request through the stages transform, route, auth, rate_limit, cache, admission, backend.

    `backend` says how long a service takes in `handle`: seconds, a dict of seconds per service,
    or a function `(request, match) -> seconds`. `overhead` is the gateway's own time, added to
    every response. Under simulated traffic (`course.gateway.simulate`) real server pools answer.
    Every request is written to the access log `log`, unless `keep_log=False` (a run of millions
    of requests): the counts (`counts`, `outcomes`, `by_status`) are kept either way.

    Taught in lessons/01_api_gateway.ipynb.

    >>> from course.gateway import Authenticator, Route, TokenBucket
    >>> gw = Gateway([Route("/users/{id}", "users-service")],
    ...              auth=Authenticator(keys={"key-alice": "alice"}), limiter=TokenBucket(capacity=1, rate=1))
    >>> gw.stages
    ('route', 'auth', 'rate_limit', 'backend')
    >>> key = {"X-Api-Key": "key-alice"}
    >>> [gw.handle(Request("GET", p, "alice", headers=key), now=0.0).status for p in ("/users/1", "/users/2", "/x")]
    [200, 429, 404]
    >>> gw.handle(Request("GET", "/users/1", "eve"), now=0.5)
    Response(401 Unauthorized: no API key)
    """

    def __init__(
        self,
        routes: RouteTable | Iterable[Route],
        auth: Authenticator | None = None,
        limiter: RateLimiter | None = None,
        cache: Cache | None = None,
        transforms: Transform | Iterable[Transform] | None = (),
        backend: BackendTime = 0.02,
        overhead: float = 0.001,
        admission: Admission | None = None,
        keep_log: bool = True,
    ):
        self.routes = routes if isinstance(routes, RouteTable) else RouteTable(routes)
        if len(self.routes) == 0:
            raise ValueError(
                "routes must hold at least one route (got none): e.g. [Route('/users/{id}', 'users-service')]"
            )
        for name, value, kind, example in (
            ("auth", auth, Authenticator, "Authenticator(keys={'key-alice': 'alice'})"),
            ("limiter", limiter, RateLimiter, "TokenBucket(capacity=20, rate=100)"),
            ("cache", cache, Cache, "Cache(capacity=100, ttl=5)"),
            ("admission", admission, Admission, "LoadShedder(max_in_flight=6)"),
        ):
            if value is not None:
                instance(name, value, kind, example=f"{name}={example}, or None to skip the stage")
        self.auth, self.limiter, self.cache, self.admission = auth, limiter, cache, admission
        self.transforms: Chain = chain(transforms)  # type: ignore[arg-type]  # refuses anything else, with the fix
        self.backend: BackendTime
        if isinstance(backend, Mapping):
            missing = [s for s in self.routes.services if s not in backend]
            if missing:
                raise ValueError(f"backend has no latency for {', '.join(missing)}: add it to the dict")
            for service, seconds in backend.items():
                duration(f"backend[{service!r}]", seconds, why="seconds that service takes to answer")
            self.backend = backend
        elif callable(backend):
            self.backend = backend
        else:
            self.backend = duration("backend", backend, why="seconds a service takes to answer, e.g. backend=0.02")
        self.overhead = duration("overhead", overhead, why="the gateway's own seconds per request, e.g. 0.001")
        present = {"transform": len(self.transforms) > 0, "auth": auth is not None}
        present |= {"rate_limit": limiter is not None, "cache": cache is not None, "admission": admission is not None}
        self.stages: tuple[str, ...] = tuple(stage for stage in STAGES if present.get(stage, True))
        instance("keep_log", keep_log, bool, example="keep_log=False for runs of millions (counts are kept)")
        self.keep_log = keep_log
        self.log = AccessLog()  # stays empty when not keep_log
        self._arrived = dict.fromkeys(self.stages, 0)
        self._answered: dict[str, Counter] = {stage: Counter() for stage in self.stages}
        self._now = -math.inf
        self._held: Counter = Counter()  # requests forwarded to each service and not answered yet
        self._open: set[int] = set()  # the numbers of those requests
        self.received = 0
        self.saved = 0.0  # backend seconds the cache saved

    def fresh(self) -> Gateway:
        """The same configuration with no history: an empty log, cache and rate-limit state."""
        return Gateway(
            self.routes,
            auth=self.auth,
            limiter=None if self.limiter is None else self.limiter.fresh(),
            cache=None if self.cache is None else self.cache.fresh(),
            transforms=self.transforms,
            backend=self.backend,
            overhead=self.overhead,
            admission=None if self.admission is None else self.admission.fresh(),
        )

    def __repr__(self) -> str:
        parts = {
            "transform": repr(self.transforms),
            "route": f"{len(self.routes)} routes to {', '.join(self.routes.services)}",
            "auth": repr(self.auth),
            "rate_limit": f"{self.limiter!r} per client",
            "cache": repr(self.cache),
            "admission": f"{self.admission!r} per service",
            "backend": "a function" if callable(self.backend) else f"{self.backend!r} s",
        }
        lines = [f"Gateway({' -> '.join(self.stages)})"]
        lines += [f"  {stage:<10}  {parts[stage]}" for stage in self.stages]
        return "\n".join(lines)

    # -- counting ---------------------------------------------------------------------------

    def counts(self) -> list[StageCount]:
        """Per stage, in order: how many requests arrived and how many it answered, by status."""
        return [StageCount(s, self._arrived[s], dict(sorted(self._answered[s].items()))) for s in self.stages]

    def counts_table(self) -> str:
        """`counts()` as a text table a lesson can print."""
        lines = [f"{'stage':<10}  {'arrived':>7}  {'passed':>6}  answered"]
        for c in self.counts():
            answered = ", ".join(f"{status}: {n}" for status, n in c.answered.items()) or "-"
            lines.append(f"{c.stage:<10}  {c.arrived:>7}  {c.passed:>6}  {answered}")
        return "\n".join(lines)

    def by_status(self) -> dict[int, int]:
        """Responses so far by HTTP status, whichever stage gave them."""
        total: Counter = Counter()
        for answered in self._answered.values():
            total.update(answered)
        return dict(sorted(total.items()))

    def outcomes(self) -> dict[str, int]:
        """Responses so far by outcome (`course.sim.OUTCOMES`: "served", "rate_limited", ...)."""
        total: Counter = Counter()
        for status, n in self.by_status().items():
            total[outcome_of(status)] += n
        return {word: total[word] for word in OUTCOMES if word in total}

    @property
    def in_flight(self) -> int:
        """Requests forwarded to a backend that has not answered yet."""
        return self._arrived["backend"] - sum(self._answered["backend"].values())

    # -- the stages -------------------------------------------------------------------------

    def _front(self, original: Request, now: float) -> Stopped | Forwarded:
        """Run every stage before the backend; stop at the first that answers."""
        if now < self._now:  # `now` is a checked time (see `handle`), or the simulator's clock
            raise ValueError(
                f"time went backwards: now={now!r} s comes before {self._now!r} s; hand requests over in time order"
            )
        self._now = now
        n = self.received
        self.received = n + 1
        arrived, answered = self._arrived, self._answered
        request = original
        if self.transforms.steps:
            arrived["transform"] += 1
            request = self.transforms._apply(request, n)
        arrived["route"] += 1
        match = self.routes.match(request.method, request.path)
        if match is None:
            allowed = self.routes.allowed_methods(request.path)
            if allowed:
                answered["route"][405] += 1
                reason = f"{request.path} does not accept {request.method} (allowed: {', '.join(allowed)})"
                return Stopped("route", 405, None, reason, {"Allow": ", ".join(allowed)}, False)
            answered["route"][404] += 1
            return Stopped("route", 404, None, f"no route for {request.method} {request.path}", None, False)
        service, client = match.service, request.client
        if self.auth is not None:
            arrived["auth"] += 1
            decision = self.auth._decide(request, service)
            if decision.status != 200:
                answered["auth"][decision.status] += 1
                headers = {"WWW-Authenticate": "ApiKey"} if decision.status == 401 else None
                return Stopped("auth", decision.status, service, decision.reason, headers, False)
            client = decision.client or client
        if self.limiter is not None:
            arrived["rate_limit"] += 1
            if not self.limiter.allow(now, client):
                wait = self.limiter.retry_after(now, client)
                answered["rate_limit"][429] += 1
                reason = f"{client} is over the rate limit; retry after {wait!r} s"
                return Stopped("rate_limit", 429, service, reason, {"Retry-After": repr(wait)}, False)
        cache_key = None
        if self.cache is not None:
            arrived["cache"] += 1
            if request.method in ("GET", "HEAD"):
                cache_key = (service, request.path)
                saved = self.cache.get(cache_key, now)
                if saved is not None:
                    answered["cache"][200] += 1
                    self.saved += saved
                    return Stopped("cache", 200, service, "OK", None, True)
        if self.admission is not None:
            arrived["admission"] += 1
            held = self._held[service]
            if not self.admission._admit(now, service, held):
                wait = self.admission._retry_after(now, service)
                answered["admission"][503] += 1
                reason = f"{service} is busy ({held} requests in flight); retry after {wait!r} s"
                return Stopped("admission", 503, service, reason, {"Retry-After": repr(wait)}, False)
        arrived["backend"] += 1
        self._held[service] += 1
        self._open.add(n)
        return Forwarded(request, original, match, cache_key, now, n)

    def _stopped(self, original: Request, now: float, stop: Stopped) -> AccessLogEntry:
        record = AccessLogEntry._trusted(
            now,
            original.client,
            original.method,
            original.path,
            stop.status,
            stop.service,
            self.overhead,
            stop.cache_hit,
            stop.stage,
        )
        if self.keep_log:
            self.log.records.append(record)  # built here from checked parts: no second check
        return record

    def _answered_by_backend(self, forward: Forwarded, status: int, latency: float, end: float) -> AccessLogEntry:
        """Count and log a backend's answer: `latency` is the backend's time, `end` when it answered."""
        self._answered["backend"][status] += 1
        self._held[forward.match.service] -= 1
        self._open.discard(forward.number)
        if status == 200 and forward.cache_key is not None and self.cache is not None:
            self.cache.put(forward.cache_key, latency, end)
        original = forward.original
        record = AccessLogEntry._trusted(
            forward.time,
            original.client,
            original.method,
            original.path,
            status,
            forward.match.service,
            self.overhead + (latency if status == 200 else 0.0),
            False,
            "backend",
        )
        if self.keep_log:
            self.log.records.append(record)
        return record

    def decide(self, request: Request, now: float | None = None) -> Stopped | Forwarded:
        """Run the stages before the backend at time `now` (default: `request.time`); the backend answers later.

        The gateway either answers at once (a `Stopped`: logged and counted now) or passes the
        request on (a `Forwarded`: report the service's answer with `answer`). This is `handle`
        cut in two, for a simulation in which the service takes time.

        >>> gw = Gateway([Route("/users/{id}", "users-service")])
        >>> step = gw.decide(Request("GET", "/users/7", "alice"), now=1.0)
        >>> step.match.service, gw.in_flight
        ('users-service', 1)
        >>> gw.answer(step, 200, latency=0.05, now=1.05)
        >>> gw.in_flight, gw.decide(Request("GET", "/nowhere", "alice"), now=2.0).status
        (0, 404)
        """
        if request.__class__ is not Request:
            instance("request", request, Request, example="Request('GET', '/users/123', 'alice')")
        if now is None:
            now = request.time
        elif now.__class__ is not float or not 0.0 <= now <= MAX_UNTIL:  # type: ignore[operator]
            ticks(now)  # a time in simulated seconds, from 0 to course.sim.validate.MAX_UNTIL, or a clear refusal
            now = float(now)
        step = self._front(request, now)
        if step.__class__ is Stopped:
            self._stopped(request, now, step)  # type: ignore[arg-type]
        return step

    def answer(self, forwarded: Forwarded, status: int, latency: float, now: float) -> None:
        """The service answered `forwarded` with `status` at time `now`, after `latency` seconds.

        A 200 fills the cache (for a GET). A 504 is the gateway giving up on a service that did not
        answer in time; a 503 or 502 a service that refused or failed. Each `Forwarded` gets one answer.
        """
        if forwarded.__class__ is not Forwarded:
            instance("forwarded", forwarded, Forwarded, example="forwarded=gateway.decide(request, now)")
        if status.__class__ is not int or not 100 <= status <= 599:  # type: ignore[operator]
            whole("status", status, minimum=100, maximum=599, why="an HTTP status such as 200, 503 or 504")
        if latency.__class__ is not float or not 0.0 <= latency <= MAX_UNTIL:  # type: ignore[operator]
            latency = duration("latency", latency, why="the service's seconds of work on this request")
        if now.__class__ is not float or not forwarded.time <= now <= MAX_UNTIL:  # type: ignore[operator]
            now = number("now", now, minimum=forwarded.time, maximum=MAX_UNTIL, why="an answer comes after its request")
        if forwarded.number not in self._open:
            raise ValueError(
                f"forwarded has been answered already (got {forwarded.original!r}): each Forwarded gets one answer"
            )
        self._answered_by_backend(forwarded, status, latency, now)

    def handle(self, request: Request, now: float | None = None) -> Response:
        """Answer one request at time `now` (default: `request.time`), backend included, at once.

        The backend's latency is reported in the response but the clock does not move: a
        cached answer is stored as of `now`.
        """
        step = self.decide(request, now)
        if step.__class__ is Stopped:
            return Response(step.status, step.service, self.overhead, step.headers, step.cache_hit, step.reason)  # type: ignore[union-attr]
        assert isinstance(step, Forwarded)
        backend = self.backend
        if isinstance(backend, Mapping):
            latency = backend[step.match.service]
        elif callable(backend):
            answer = backend(step.request, step.match)
            latency = duration("backend", answer, maximum=MAX_UNTIL, why="what the backend function returns: seconds")
        else:
            latency = backend
        record = self._answered_by_backend(step, 200, latency, step.time)
        return Response(200, step.match.service, record.latency)
