"""The balancer during a run: the path of every request, from arrival to its one record.

A request's life: it arrives; at L7 with TLS the balancer decrypts it first; a cache hit is
served at once; otherwise the strategy picks a backend among those the fleet says are usable. A
pinned connection (every connection at L4; an upgraded WebSocket at L7 too) keeps its backend
while that backend is usable. A live backend queues and serves the request, or rejects it because
its queue is full (a 503). A dead backend that crashed refuses the connection at once (a 502); an
unreachable one lets it time out after `connect_timeout` (a 504). Either way the request was never
sent, so it may be retried on another backend. Requests a backend held when it died were sent:
they fail at once after a crash (502) or after `response_timeout` when it became unreachable (504),
and are retried only when their method is idempotent. No backend usable: rejected at once (a 503).
Every request gets exactly one record; those still in flight at the end are "unfinished".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from course.sim import Environment, Record, ServerPool

from .fleet import Fleet, LiveBackend
from .layers import L7
from .results import BalancerRecord, _record
from .scenario import BalancerScenario
from .strategy import Strategy
from .watchers import OutlierDetector
from .workload import Arrival

__all__ = ["NEVER_SENT", "Balancer"]

Tried = tuple[int, ...]  # the indexes of the backends a request was sent to, in order
NEVER_SENT = ("connection refused", "connect timed out")  # notes of failures before the request left the balancer


class Balancer:
    """Routes each `Arrival` of the run to a backend of `fleet` with `strategy`, and records its fate.

    `detector` (passive checks, or None) hears every request a backend could not take;
    `tls_seconds` adds up the CPU time TLS cost the balancer and the backends.
    """

    def __init__(
        self,
        env: Environment,
        scenario: BalancerScenario,
        fleet: Fleet,
        strategy: Strategy,
        arrivals: Sequence[Arrival],
        detector: OutlierDetector | None,
    ):
        self.env, self.fleet, self.strategy, self.arrivals, self.detector = env, fleet, strategy, arrivals, detector
        self.retries, self.tls = scenario.retries, scenario.tls
        self.connect_timeout, self.response_timeout = scenario.connect_timeout, scenario.response_timeout
        self.layer4 = fleet.layer4
        self.l7: L7 | None = scenario.layer if isinstance(scenario.layer, L7) else None
        self.done: list[BalancerRecord | None] = [None] * len(arrivals)
        self.connecting: dict[int, tuple[LiveBackend, int]] = {}  # request id -> (silent backend, attempts)
        self.cache: dict[tuple[str, str], float] = {}  # L7: (path, key) -> fresh until
        self.tls_seconds = {"balancer": 0.0, "backends": 0.0}
        self.tls_pool: ServerPool | None = None  # the balancer's CPUs, when it terminates TLS
        layer = scenario.layer
        self.terminates_tls = self.l7 is not None or bool(getattr(layer, "terminate_tls", False))
        if self.tls is not None and self.terminates_tls:
            self.tls_pool = ServerPool(env, layer.workers, 1.0, name="balancer", keep_records=False)  # type: ignore[union-attr]

    def start(self) -> None:
        """Feed the arrivals to the kernel, one event each at its time."""
        self.env.feed((r.arrival for r in self.arrivals), self._arrive_next, iter(self.arrivals))

    def _arrive_next(self, arrivals: Iterator[Arrival]) -> None:
        self.arrive(next(arrivals))

    def arrive(self, req: Arrival) -> None:
        """A request reaches the balancer."""
        if self.tls_pool is not None and self.tls is not None:  # terminating TLS on the balancer's CPUs first
            cost = self.tls.per_request + (self.tls.handshake if req.first else 0.0)
            self.tls_seconds["balancer"] += cost
            self.tls_pool.submit(on_done=self._decrypted, tag=req, service_time=cost)
        else:
            self._route(req)

    def _decrypted(self, record: Record) -> None:
        self._route(record.tag)

    def pinned(self, req: Arrival) -> bool:
        """Whether `req` rides a connection pinned to one backend: every connection at L4, a WebSocket at L7 too."""
        return self.layer4 or req.protocol == "websocket"

    def _candidates(self, req: Arrival) -> list[LiveBackend]:
        usable = self.fleet.usable()
        if self.l7 is not None and self.l7.routes:
            route = self.l7.route_for(req)
            if route is not None:
                return [b for b in usable if b.name in route.backends]
        return usable

    def _cacheable(self, req: Arrival) -> bool:
        return self.l7 is not None and self.l7.cache_ttl > 0 and req.path.startswith(self.l7.cacheable)

    def _route(self, req: Arrival) -> None:
        now = self.env.now
        if self._cacheable(req) and self.cache.get((req.path, req.key), -1.0) > now:
            self.finish(req, "served", "cache", now, 0, "cache hit")
            return
        candidates = self._candidates(req)
        if not candidates:
            self.finish(req, "rejected", "", now, 0, "no backend up")
            return
        if self.pinned(req):
            b = self.fleet.pins.get(req.connection)
            if b is None or not b.usable:
                b = self.strategy.pick(candidates, req, now)
                self.fleet.pin(req.connection, b)
        else:
            b = self.strategy.pick(candidates, req, now)
        self._send(req, b, (b.index,))

    def _send(self, req: Arrival, b: LiveBackend, tried: Tried) -> None:
        now, counted = self.env.now, not self.pinned(req)
        b.sent += 1
        if not b.alive or b.pool is None:
            b.sent_while_dead += 1
            self.fleet.open_outages[b.name].sent += 1
            if b.refuses:  # a crashed process: its host refuses the connection at once
                self._failed(req, b, tried, sent=False, outcome="failed", note="connection refused")
            else:  # an unreachable host: the connection attempt waits for its timeout
                self.connecting[req.id] = (b, len(tried))
                if counted:
                    b.loose.add(req.id)
                    b.recount()
                self.env.schedule(self.connect_timeout, self._connect_timed_out, req, b, tried)
            return
        cost = req.cost * b.slow
        if self.tls is not None and not self.terminates_tls:  # TCP passthrough: the backend does the TLS work
            extra = self.tls.per_request
            if req.connection not in b.tls_connections:
                b.tls_connections.add(req.connection)
                extra += self.tls.handshake
            self.tls_seconds["backends"] += extra
            cost += extra
        b.inflight[req.id] = (now, tried)
        if counted:
            b.loose.add(req.id)
        b.recount()
        if len(b.inflight) > b.max_in_flight:
            b.max_in_flight = len(b.inflight)
        b.pool.submit(on_done=self._answered, tag=(req, b, b.generation), service_time=cost)

    def _answered(self, record: Record) -> None:
        req, b, generation = record.tag
        if generation != b.generation:
            return  # the backend died meanwhile; the request was already dealt with
        now = self.env.now
        sent, tried = b.inflight.pop(req.id)
        b.loose.discard(req.id)
        b.recount()
        b.time_in_system += now - sent
        if record.status == "rejected":
            b.rejected += 1
            self.finish(req, "rejected", b.name, now, len(tried), "queue full")
        else:
            b.served += 1
            if self.detector is not None:
                self.detector.success(b)
            self.strategy.observe(b, now - sent, now)
            if self._cacheable(req):
                self.cache[(req.path, req.key)] = now + self.l7.cache_ttl  # type: ignore[union-attr]
            self.finish(req, "served", b.name, record.start, len(tried), "")
        if b.draining and not (b.inflight or b.stranded):
            self.fleet.remove(b)

    def _connect_timed_out(self, req: Arrival, b: LiveBackend, tried: Tried) -> None:
        self.connecting.pop(req.id, None)
        b.loose.discard(req.id)
        b.recount()
        self._failed(req, b, tried, sent=False, outcome="timed_out", note="connect timed out")

    def _failed(self, req: Arrival, b: LiveBackend, tried: Tried, *, sent: bool, outcome: str, note: str) -> None:
        """`req` failed on `b`: retry it on a backend not tried yet if the rules allow, else record `outcome`.

        A request that never left the balancer (`sent=False`) may always be retried; one that was
        sent may have been acted on, so it is retried only when its method is idempotent.
        """
        b.failed += 1
        if self.detector is not None:
            self.detector.failure(b)
        pinned = self.pinned(req)
        if pinned and self.fleet.pins.get(req.connection) is b:
            self.fleet.unpin(req.connection)
        if len(tried) <= self.retries and (not sent or req.idempotent):
            others = [c for c in self._candidates(req) if c.index not in tried]
            if others:
                nb = self.strategy.pick(others, req, self.env.now)
                if pinned:
                    self.fleet.pin(req.connection, nb)
                self._send(req, nb, (*tried, nb.index))
                return
        self.finish(req, outcome, b.name, self.env.now, len(tried), note)

    def lose(self, b: LiveBackend, lost: dict[int, tuple[float, Tried]]) -> None:
        """`b` crashed holding `lost` requests: their connections are reset at once, after they were sent."""
        now = self.env.now
        for rid, (sent, tried) in lost.items():
            b.time_in_system += now - sent
            self._failed(self.arrivals[rid], b, tried, sent=True, outcome="failed", note="backend died")

    def strand(self, b: LiveBackend, held: dict[int, tuple[float, Tried]]) -> None:
        """`b` became unreachable holding `held` requests: each times out `response_timeout` after it was sent."""
        now = self.env.now
        for rid, (sent, tried) in held.items():
            b.stranded[rid] = (sent, tried)
            if not self.pinned(self.arrivals[rid]):
                b.loose.add(rid)
            self.env.schedule(max(0.0, sent + self.response_timeout - now), self._no_response, rid, b)
        b.recount()

    def _no_response(self, rid: int, b: LiveBackend) -> None:
        sent, tried = b.stranded.pop(rid)
        b.loose.discard(rid)
        b.recount()
        b.time_in_system += self.env.now - sent
        self._failed(self.arrivals[rid], b, tried, sent=True, outcome="timed_out", note="no response")
        if b.draining and not (b.inflight or b.stranded) and not b.removed:
            self.fleet.remove(b)

    def finish(self, req: Arrival, outcome: str, backend: str, start: float, attempts: int, note: str) -> None:
        """Record the fate of `req` (its one record)."""
        self.done[req.id] = _record(
            req.id, req.arrival, start, self.env.now, backend, outcome, attempts, req.connection, req.client, note
        )
        if req.last and self.pinned(req):
            self.fleet.unpin(req.connection)

    def records(self, until: float) -> list[BalancerRecord]:
        """Every request's record at the end of the run; those still in flight are "unfinished"."""
        for b in self.fleet.everyone:  # requests still queued, in service, or waiting for a silent backend
            for held in (b.inflight, b.stranded):
                for rid, (sent, tried) in held.items():
                    b.time_in_system += until - sent
                    self._unfinished(self.arrivals[rid], b.name, len(tried), until)
        for rid, (b, attempts) in self.connecting.items():  # still waiting for a silent backend to accept
            self._unfinished(self.arrivals[rid], b.name, attempts, until)
        for req, done in zip(self.arrivals, self.done, strict=True):
            if done is None:
                self._unfinished(req, "", 0, until)
        return [r for r in self.done if r is not None]

    def _unfinished(self, req: Arrival, backend: str, attempts: int, until: float) -> None:
        self.done[req.id] = _record(
            req.id, req.arrival, until, until, backend, "unfinished", attempts, req.connection, req.client, "unfinished"
        )
