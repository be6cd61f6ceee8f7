"""A tier during a run: its instances (each a `course.sim.ServerPool`), its load balancer and its health checks.

A request's life in a tier: the balancer picks an instance with the tier's strategy (lesson 2's
`course.balancing` strategies) among those its health checks believe are up; a pinned connection
goes back to its instance. A dead instance refuses the connection and the balancer tries another
once; a full instance answers 503. The instance works on the request (its server pool), then the
request makes the tier's calls in order (`Step`s: sync calls wait, async hand-offs do not), and
the tier answers. An instance that dies fails every request it holds (502).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..balancing import HealthState, Strategy, make_strategy
from ..sim import Environment, ServerPool, stream
from .parts import Tier

__all__ = ["Instance", "Job", "LiveTier", "TierCounts"]

Reply = Callable[[int], Any]


class Instance:
    """One instance of a tier during a run; strategies read `name`, `index`, `weight` and `in_flight`."""

    __slots__ = (
        "alive",
        "generation",
        "health",
        "in_flight",
        "index",
        "jobs",
        "max_in_flight",
        "name",
        "pool",
        "weight",
    )

    def __init__(self, name: str, index: int, pool: ServerPool, health: HealthState | None):
        self.name, self.index, self.weight = name, index, 1.0
        self.pool: ServerPool | None = pool
        self.health = health
        self.alive = True
        self.generation = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.jobs: set[Job] = set()

    def __repr__(self) -> str:
        return f"Instance({self.name!r}, {'up' if self.alive else 'dead'}, in_flight={self.in_flight})"


class Job:
    """One request inside one instance: who to answer, and how far along the tier's calls it is."""

    __slots__ = ("cost", "done", "generation", "instance", "reply", "req", "start", "step")

    def __init__(self, req: Any, reply: Reply, instance: Instance, start: float):
        self.req, self.reply, self.instance, self.start = req, reply, instance, start
        self.generation = instance.generation
        self.step = 0
        self.done = False
        self.cost = 1.0


class TierCounts:
    """What a tier did: calls that arrived, its answers by status, and the latency of its 200s."""

    __slots__ = ("answers", "arrived", "busy_before", "latencies", "refused_connects")

    def __init__(self) -> None:
        self.arrived = 0
        self.answers: dict[int, int] = {}
        self.latencies: list[float] = []
        self.refused_connects = 0  # connections a dead instance refused (then tried elsewhere)
        self.busy_before = 0.0  # worker-seconds of pools lost when their instance died


class LiveTier:
    """The run's tier: `call(req, reply, cost)` answers `reply(status)` exactly once (200, 502, 503 or 504)."""

    def __init__(self, env: Environment, spec: Tier, seed: int, keep_latencies: bool = True):
        self.env, self.spec, self.name = env, spec, spec.name
        self.seed = seed
        self.strategy = make_strategy(spec.strategy, seed=seed)
        self.listens = type(self.strategy).observe is not Strategy.observe  # latency-aware (peak EWMA)
        self.rng = stream(seed, f"design:{spec.name}:work")
        self.concurrency = spec.concurrency
        self.slow = 1.0
        self.counts = TierCounts()
        self.keep_latencies = keep_latencies
        self.instances = [self._instance(i) for i in range(spec.instances)]
        self._usable: list[Instance] = list(self.instances)
        self.steps: list[Any] = []  # the tier's outgoing links, in order (set by the simulation)
        self.pins: dict[Any, Instance] = {}  # connection -> its instance (pinned tiers)
        if spec.health is not None:
            check = spec.health
            for inst in self.instances:
                offset = check.interval * (inst.index + 1) / (len(self.instances) + 1)
                env.schedule(offset, self._probe, inst)

    def __repr__(self) -> str:
        return f"LiveTier({self.name!r}, {sum(i.alive for i in self.instances)}/{len(self.instances)} alive)"

    def _instance(self, i: int) -> Instance:
        spec = self.spec
        pool = self._pool(f"{spec.name}-{i}")
        health = None if spec.health is None else HealthState(fall=spec.health.fall, rise=spec.health.rise)
        return Instance(f"{spec.name}-{i}", i, pool, health)

    def _pool(self, name: str) -> ServerPool:
        return ServerPool(
            self.env,
            self.spec.workers,
            self.spec.service_time,  # type: ignore[arg-type]  # a Distribution once the Tier is built
            queue_capacity=None,  # the instance's concurrency bounds what waits
            speed=1.0 / self.slow,
            seed=self.seed,
            name=f"design:{name}",
            keep_records=False,
        )

    # -- the balancer -----------------------------------------------------------------------------------------

    def call(self, req: Any, reply: Reply, cost: float = 1.0) -> None:
        """A request for this tier: balance it, work on it, make the tier's calls, answer `reply(status)`."""
        counts = self.counts
        counts.arrived += 1
        usable = self._usable
        if not usable:
            self._answer(503, reply)
            return
        inst = None
        if self.spec.pin:
            inst = self.pins.get(req.key)
            if inst is not None and not inst.alive:  # the connection broke with its instance: the message is lost
                del self.pins[req.key]
                self._answer(502, reply)
                return
        if inst is None:
            inst = self.strategy.pick(usable, req, self.env.now)
            if not inst.alive:  # connection refused: nothing reached the server, so trying another is safe
                counts.refused_connects += 1
                others = [i for i in usable if i is not inst]
                if not others:
                    self._answer(502, reply)
                    return
                inst = self.strategy.pick(others, req, self.env.now)
                if not inst.alive:
                    counts.refused_connects += 1
                    self._answer(502, reply)
                    return
            if self.spec.pin:
                self.pins[req.key] = inst
        if inst.in_flight >= self.concurrency:
            self._answer(503, reply)
            return
        job = Job(req, reply, inst, self.env.now)
        inst.in_flight += 1
        if inst.in_flight > inst.max_in_flight:
            inst.max_in_flight = inst.in_flight
        inst.jobs.add(job)
        pool = inst.pool
        assert pool is not None  # an instance that is alive has a pool
        if cost == 1.0:
            pool.submit(on_done=self._worked, tag=job)
        else:
            job.cost = cost
            pool.submit(on_done=self._worked, tag=job, service_time=self.spec.service_time.sample(self.rng) * cost)  # type: ignore[union-attr]

    def _answer(self, status: int, reply: Reply) -> None:
        answers = self.counts.answers
        answers[status] = answers.get(status, 0) + 1
        reply(status)

    def _worked(self, record: Any) -> None:
        job: Job = record.tag
        if job.done or job.generation != job.instance.generation:
            return  # the instance died meanwhile: the request already failed
        self.advance(job)

    def advance(self, job: Job) -> None:
        """Make the job's next calls; answer 200 when none is left (steps call back into this)."""
        if job.done or job.generation != job.instance.generation:
            return  # its instance died: the request already failed
        steps = self.steps
        while job.step < len(steps):
            step = steps[job.step]
            job.step += 1
            if not step.begin(job, self):
                return  # a sync call or a blocked hand-off: it resumes the job (or finishes it) later
        self.finish(job, 200)

    def finish(self, job: Job, status: int) -> None:
        """Answer the job's caller once; free its slot on the instance."""
        if job.done or job.generation != job.instance.generation:
            return
        job.done = True
        inst = job.instance
        inst.in_flight -= 1
        inst.jobs.discard(job)
        if status == 200:
            latency = self.env.now - job.start
            if self.keep_latencies:
                self.counts.latencies.append(latency)
            if self.listens:
                self.strategy.observe(inst, latency, self.env.now)
        self._answer(status, job.reply)

    # -- failures ---------------------------------------------------------------------------------------------

    def die(self, inst: Instance) -> None:
        """`inst` crashes: every request it holds fails (502); answers on their way are ignored."""
        if not inst.alive:
            return
        inst.alive = False
        inst.generation += 1
        if inst.pool is not None:
            self.counts.busy_before += inst.pool.busy_time()
            inst.pool = None
        held = list(inst.jobs)
        inst.jobs.clear()
        inst.in_flight = 0
        for job in held:
            job.done = True
            self._answer(502, job.reply)

    def recover(self, inst: Instance) -> None:
        """`inst` restarts with nothing in it; health checks bring it back into rotation."""
        if inst.alive:
            return
        inst.alive = True
        inst.pool = self._pool(f"{inst.name}-r{inst.generation}")

    def slow_down(self, factor: float) -> None:
        """Every instance takes `factor` times longer per request from now on (1.0: normal again)."""
        self.slow = factor
        for inst in self.instances:
            if inst.pool is not None:
                inst.pool.speed = 1.0 / factor

    def _probe(self, inst: Instance) -> None:
        check = self.spec.health
        assert check is not None and inst.health is not None
        if inst.alive:
            self._observe(inst, True)
        else:
            self.env.schedule(check.timeout, self._observe, inst, False)
        self.env.schedule(check.interval, self._probe, inst)

    def _observe(self, inst: Instance, ok: bool) -> None:
        assert inst.health is not None
        if inst.health.observe(ok):
            self._usable = [i for i in self.instances if i.health is None or i.health.up]

    # -- figures ----------------------------------------------------------------------------------------------

    def busy_time(self) -> float:
        """Worker-seconds spent serving so far, across every instance and restart."""
        return self.counts.busy_before + sum(i.pool.busy_time() for i in self.instances if i.pool is not None)

    def utilization(self, elapsed: float) -> float:
        """Share of the tier's worker time spent busy over `elapsed` seconds."""
        capacity = len(self.instances) * self.spec.workers * elapsed
        return min(1.0, self.busy_time() / capacity) if capacity > 0 else 0.0
