"""Run a `BalancerScenario`: requests flow through the balancer to backends on the simulation kernel.

A request's life: it arrives; at L7 with TLS the balancer decrypts it first; a cache hit
is answered at once; otherwise the strategy picks a backend among those marked up (at L4
the connection's pinned backend, if still usable). A live backend queues and serves it
(200) or drops it because its queue is full (503); a dead one refuses it (502), and it may
be retried on another backend. No backend up: 503 at once. Every request gets exactly one
record; those still in flight at the end are "unfinished" (status 0).
"""

from __future__ import annotations

import math

from course.sim import Environment, ServerPool

from .backend import Backend, LiveBackend
from .changes import PoolChanges
from .health import HealthState, Outage, Slowdown
from .layers import L4, L7
from .results import BalancerRecord, BalancerResults, OutageReport
from .scaling import ScaleReport
from .scenario import BalancerScenario
from .workload import Request

__all__ = ["simulate"]


def simulate(scenario: BalancerScenario, until: float = 20.0, seed: int = 0) -> BalancerResults:
    """Simulate `scenario` for `until` seconds; the same seed gives the same run.

    Taught in lessons/02_load_balancer.ipynb.

    >>> from course.balancing import BalancerScenario, Workload
    >>> res = simulate(BalancerScenario(backends=4, workload=Workload(rate=200)), until=10)
    >>> c = res.counts(); c["served"] + c["failed"] + c["dropped"] + c["unfinished"] == len(res.records)
    True
    >>> [round(share, 2) for share in res.shares().values()]
    [0.25, 0.25, 0.25, 0.25]
    """
    if not isinstance(scenario, BalancerScenario):
        raise TypeError(f"simulate needs a BalancerScenario(...) (got {type(scenario).__name__})")
    if isinstance(until, bool) or not isinstance(until, (int, float)) or not until > 0 or math.isinf(until):
        raise ValueError(f"until must be a positive number of seconds (got {until!r}), e.g. until=20")
    scenario.check_timers(until)
    return _Run(scenario, float(until), seed).run()


class _Run(PoolChanges):
    def __init__(self, sc: BalancerScenario, until: float, seed: int):
        self.sc, self.until = sc, until
        self.env = env = Environment()
        self.l4 = isinstance(sc.layer, L4)
        self.l7: L7 | None = None if self.l4 else sc.layer
        self.strategy = sc.strategy.fresh(seed)
        self.requests = sc.workload.requests(until, seed)
        self.done: list[BalancerRecord | None] = [None] * len(self.requests)
        self.members: list[LiveBackend] = []  # in pool order; removed ones leave
        self.everyone: list[LiveBackend] = []
        self._usable: list[LiveBackend] | None = None
        self.pin: dict[int, LiveBackend] = {}  # L4: connection -> backend
        self.connecting: dict[int, tuple[LiveBackend, int]] = {}  # waiting on a dead backend
        self.cache: dict[tuple[str, str], float] = {}  # L7: (path, key) -> fresh until
        self.tls_seconds = {"balancer": 0.0, "backends": 0.0}
        self.lb_pool = None
        if sc.tls is not None and self.l7 is not None:
            self.lb_pool = ServerPool(env, self.l7.workers, 1.0, name="balancer", keep_records=False)
        self.outages: list[dict] = []
        self.open_outage: dict[str, dict] = {}
        self.scaling: list[ScaleReport] = []
        self.instances: list[tuple[float, int]] = []
        self.wanted: list[tuple[float, int]] = [(0.0, len(sc.backends))]  # the autoscaler's wishes
        for spec in sc.backends:
            self._join(spec, spec.name)
        self._count_instances()

    # ---- the pool ---------------------------------------------------------------------

    def _join(self, spec: Backend, name: str, startup: float = 0.0) -> LiveBackend:
        health = HealthState(self.sc.health.fall, self.sc.health.rise) if self.sc.health else None
        b = LiveBackend(self.env, spec, name, len(self.everyone), self.l4, health)
        self.everyone.append(b)
        self.members.append(b)
        if startup > 0:
            b.starting = True
            b.note()
            self.env.schedule(startup, self._started, b)
        if self.sc.health:
            self.env.schedule(0.0, self._probe, b)
        self._changed(b)
        return b

    def _started(self, b: LiveBackend) -> None:
        b.starting = False
        self._changed(b)
        self._count_instances()

    def _changed(self, b: LiveBackend) -> None:
        self._usable = None
        if not b.usable:
            outage = self.open_outage.get(b.name)
            if outage is not None and outage["marked_down"] is None:
                outage["marked_down"] = self.env.now
        b.note()

    def usable(self) -> list[LiveBackend]:
        if self._usable is None:
            self._usable = [b for b in self.members if b.usable]
        return self._usable

    def _count_instances(self) -> None:
        n, now = sum(1 for b in self.members if not (b.draining or b.starting)), self.env.now
        if self.instances and self.instances[-1][0] == now:
            self.instances.pop()
        if not self.instances or self.instances[-1][1] != n:
            self.instances.append((now, n))

    # ---- a request's path ---------------------------------------------------------------

    def _arrive(self, req: Request) -> None:
        if self.lb_pool is not None:  # L7 terminates TLS on the balancer's CPUs first
            tls = self.sc.tls
            cost = tls.per_request + (tls.handshake if req.first else 0.0)
            self.tls_seconds["balancer"] += cost
            self.lb_pool.submit(on_done=self._decrypted, tag=req, service_time=cost)
        else:
            self._route(req)

    def _decrypted(self, record) -> None:
        self._route(record.tag)

    def _candidates(self, req: Request) -> list[LiveBackend]:
        usable = self.usable()
        if self.l7 is not None and self.l7.routes:
            route = self.l7.route_for(req)
            if route is not None:
                return [b for b in usable if b.name in route.backends]
        return usable

    def _route(self, req: Request) -> None:
        now = self.env.now
        l7 = self.l7
        if l7 is not None and l7.cache_ttl > 0 and req.path.startswith(l7.cacheable):
            if self.cache.get((req.path, req.key), -1.0) > now:
                self._finish(req, 200, "cache", now, 0, "cache hit")
                return
        candidates = self._candidates(req)
        if not candidates:
            self._finish(req, 503, "", now, 0, "no backend up")
            return
        if self.l4:
            b = self.pin.get(req.connection)
            if b is None or not b.usable:
                b = self.strategy.pick(candidates, req, now)
                self._pin(req.connection, b)
        else:
            b = self.strategy.pick(candidates, req, now)
        self._send(req, b, (b.index,))

    def _pin(self, conn: int, b: LiveBackend) -> None:
        old = self.pin.get(conn)
        if old is not None:
            old.pinned.discard(conn)
            old.recount()
        self.pin[conn] = b
        b.pinned.add(conn)
        b.recount()

    def _unpin(self, conn: int) -> None:
        old = self.pin.pop(conn, None)
        if old is not None:
            old.pinned.discard(conn)
            old.recount()

    def _send(self, req: Request, b: LiveBackend, tried: tuple[int, ...]) -> None:
        now = self.env.now
        b.sent += 1
        if not b.alive:
            b.sent_while_dead += 1
            self.open_outage[b.name]["sent"] += 1
            if self.sc.connect_timeout > 0:
                self.connecting[req.id] = (b, len(tried))
                self.env.schedule(self.sc.connect_timeout, self._refused, req, b, tried)
            else:
                self._refused(req, b, tried)
            return
        cost = req.cost * b.slow
        if self.l4 and self.sc.tls is not None:  # TCP passthrough: the backend does the TLS work
            tls = self.sc.tls
            extra = tls.per_request
            if req.connection not in b.tls_connections:
                b.tls_connections.add(req.connection)
                extra += tls.handshake
            self.tls_seconds["backends"] += extra
            cost += extra
        b.inflight[req.id] = (now, len(tried))
        b.recount()
        if len(b.inflight) > b.max_in_flight:
            b.max_in_flight = len(b.inflight)
        b.pool.submit(on_done=self._answered, tag=(req, b, b.generation), service_time=cost)

    def _answered(self, record) -> None:
        req, b, generation = record.tag
        if generation != b.generation:
            return  # the backend crashed meanwhile; the request already failed
        now = self.env.now
        sent, attempts = b.inflight.pop(req.id)
        b.recount()
        b.time_in_system += now - sent
        if record.status == "dropped":
            b.dropped += 1
            self._finish(req, 503, b.name, now, attempts, "queue full")
        else:
            b.served += 1
            b.fails, b.probation = 0, False  # a success clears the passive check
            self.strategy.observe(b, now - sent, now)
            l7 = self.l7
            if l7 is not None and l7.cache_ttl > 0 and req.path.startswith(l7.cacheable):
                self.cache[(req.path, req.key)] = now + l7.cache_ttl
            self._finish(req, 200, b.name, record.start, attempts, "")
        if b.draining and not b.inflight:
            self._remove(b)

    def _refused(self, req: Request, b: LiveBackend, tried: tuple[int, ...]) -> None:
        self.connecting.pop(req.id, None)
        b.failed += 1
        self._passive_failure(b)
        if self.l4 and self.pin.get(req.connection) is b:
            self._unpin(req.connection)
        if len(tried) <= self.sc.retries:  # retry on a backend not tried yet, if there is one
            others = [c for c in self._candidates(req) if c.index not in tried]
            if others:
                nb = self.strategy.pick(others, req, self.env.now)
                if self.l4:
                    self._pin(req.connection, nb)
                self._send(req, nb, (*tried, nb.index))
                return
        self._finish(req, 502, b.name, self.env.now, len(tried), "backend dead")

    def _finish(self, req: Request, status: int, backend: str, start: float, attempts: int, note: str) -> None:
        now = self.env.now
        self.done[req.id] = BalancerRecord(
            req.id, req.arrival, start, now, backend, status, attempts, req.connection, req.client, note
        )
        if self.l4 and req.last:
            self._unpin(req.connection)

    # ---- the run ------------------------------------------------------------------------

    def run(self) -> BalancerResults:
        env, sc = self.env, self.sc
        for f in sc.failures:
            b = next(x for x in self.everyone if x.name == sc.backend_name(f.backend))
            if isinstance(f, Outage):
                if f.at == 0:
                    self._die(b)
                    if b.health is not None:  # checks ran before traffic: it starts marked down
                        b.health.up = b.marked_up = False
                        self._changed(b)
                else:
                    env.schedule_at(f.at, self._die, b)
                if f.until is not None:
                    env.schedule_at(f.until, self._recover, b)
            elif isinstance(f, Slowdown):
                env.schedule_at(f.at, self._slow, b, f.factor)
                if f.until is not None:
                    env.schedule_at(f.until, self._slow, b, 1.0)
        for s in sc.scaling:
            env.schedule_at(s.at, self._scale_to, s.to, s.startup, s.template, "scheduled")
        if sc.autoscaler is not None:
            env.schedule(sc.autoscaler.interval, self._autoscale)
        requests = self.requests
        env.feed((r.arrival for r in requests), self._arrive_next, iter(requests))
        env.run(until=self.until)
        return self._results()

    def _arrive_next(self, it) -> None:
        self._arrive(next(it))

    def _results(self) -> BalancerResults:
        until = self.until
        for b in self.everyone:  # requests still queued or in service
            for rid, (sent, attempts) in b.inflight.items():
                b.time_in_system += until - sent
                req = self.requests[rid]
                self.done[rid] = BalancerRecord(
                    rid, req.arrival, until, until, b.name, 0, attempts, req.connection, req.client, "unfinished"
                )
        for rid, (b, attempts) in self.connecting.items():  # still waiting for a dead backend to answer
            req = self.requests[rid]
            self.done[rid] = BalancerRecord(
                rid, req.arrival, until, until, b.name, 0, attempts, req.connection, req.client, "unfinished"
            )
        records = [
            r
            if r is not None
            else BalancerRecord(q.id, q.arrival, until, until, "", 0, 0, q.connection, q.client, "unfinished")
            for r, q in zip(self.done, self.requests, strict=True)
        ]
        total_sent = sum(b.sent for b in self.everyone)
        latencies: dict[str, list[float]] = {b.name: [] for b in self.everyone}
        for r in records:
            if r.status == 200 and r.backend in latencies:
                latencies[r.backend].append(r.latency)
        stats = [b.stats(until, total_sent, latencies[b.name]) for b in self.everyone]
        outages = [
            OutageReport(o["backend"], o["died"], o["recovered"], o["marked_down"], o["sent"]) for o in self.outages
        ]
        return BalancerResults(records, stats, outages, self.scaling, self.instances, until, self.tls_seconds, self.sc)
