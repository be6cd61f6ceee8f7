"""A pool of `c` identical workers in front of one bounded FIFO queue (the backend of every lesson)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from heapq import heappush
from typing import Any

from . import validate
from .distributions import Constant, Distribution, Exponential, LogNormal, Uniform, as_distribution
from .kernel import Environment, read_ahead, stream
from .results import Record, Results
from .traffic import Source
from .validate import duration, function, instance, number, whole

__all__ = ["ServerPool", "run_pool"]

MAX_SERVERS = 100_000  # the toy keeps one slot per worker
_OWN_DISTRIBUTIONS = (Constant, Exponential, LogNormal, Uniform)  # their fields are checked, so every draw is valid
_Job = tuple[int, float, float, Callable[[Record], Any] | None, Any]  # number, arrival, work, on_done, tag


class ServerPool:
    """Serve jobs on `servers` workers; jobs wait in FIFO order, and one that finds
    `queue_capacity` jobs already waiting is rejected.

    A job's life: submitted (it *arrives*), waits in the queue if every worker is busy,
    is served for a time drawn from `service` divided by `speed`, then *ends* with a
    `Record`; or is *rejected* at once when the queue is full. `queue_capacity=None` means
    an unbounded queue, `0` means no waiting room at all.

    Taught in lessons/01_api_gateway.ipynb.

    >>> env = Environment()
    >>> pool = ServerPool(env, servers=1, service=1.0, queue_capacity=1)
    >>> [pool.submit() is not None for _ in range(3)]
    [True, True, False]
    >>> env.run()
    >>> [(r.job, r.start, r.end, r.status) for r in pool.records]
    [(2, 0.0, 0.0, 'rejected'), (0, 0.0, 1.0, 'served'), (1, 1.0, 2.0, 'served')]
    """

    def __init__(
        self,
        env: Environment,
        servers: int,
        service: Distribution | float,
        queue_capacity: int | None = None,
        speed: float = 1.0,
        seed: int = 0,
        name: str = "pool",
        keep_records: bool = True,
    ):
        instance("env", env, Environment, example="env=Environment()")
        whole(
            "servers", servers, minimum=1, maximum=MAX_SERVERS, why="a pool needs at least one worker to serve anything"
        )
        if queue_capacity is not None:
            whole("queue_capacity", queue_capacity, why="jobs that may wait; None means an unbounded queue")
        speed = number("speed", speed, positive=True, maximum=1e6, why="2.0 serves twice as fast as 1.0")
        instance("name", name, str, example='name="pool"')
        instance("keep_records", keep_records, bool, example="keep_records=False")
        self.env = env
        self.servers = servers
        self.service = as_distribution(service, name="service")
        self.queue_capacity = queue_capacity
        self.speed = float(speed)
        self.name = name
        self.keep_records = keep_records
        self.rng = stream(seed, f"service:{name}")  # also checks the seed
        # The kernel's heap and ticket counter, shared: a job's end is pushed without a call to
        # `env.schedule` (its checks are for outside callers; a drawn duration is already valid).
        self._heap = env._heap
        self._on_finish = self._finish
        self._draws: list[float] = []  # service times drawn in blocks, used from the end
        self.records: list[Record] = []
        self.queue: deque[_Job] = deque()
        self.free: list[int] = list(range(servers - 1, -1, -1))  # pop() hands out worker 0 first
        self._workers = [(server,) for server in range(servers)]  # each worker's `_finish` arguments, made once
        # per worker: the job it serves (number, arrival, work, on_done, tag) or None, and when it started
        self.in_service: list[_Job | None] = [None] * servers
        self.started: list[float] = [0.0] * servers
        self.submitted = 0
        self.rejected = 0
        self.total_wait = 0.0
        self.total_latency = 0.0
        self._start_time = env.now

    def __repr__(self) -> str:
        return (
            f"ServerPool({self.name!r}, servers={self.servers}, busy={self.busy}, "
            f"queued={len(self.queue)}, served={self.served}, rejected={self.rejected})"
        )

    @property
    def busy(self) -> int:
        """Workers serving a job right now."""
        return self.servers - len(self.free)

    @property
    def served(self) -> int:
        """Jobs that finished service: every job submitted is served, rejected or still in the system."""
        return self.submitted - self.rejected - self.in_system

    @property
    def in_system(self) -> int:
        """Jobs queued or in service: what least-connections balancing counts."""
        return self.busy + len(self.queue)

    def busy_time(self) -> float:
        """Total worker-seconds spent serving so far (in-progress work counted up to `now`)."""
        now = self.env.now
        finished = self.total_latency - self.total_wait  # a finished job was served for latency - wait
        started = self.started
        return finished + sum(now - started[server] for server, busy in enumerate(self.in_service) if busy is not None)

    def utilization(self) -> float:
        """Share of worker capacity used since the pool was created."""
        elapsed = self.env.now - self._start_time
        return self.busy_time() / (self.servers * elapsed) if elapsed > 0 else 0.0

    def submit(
        self,
        on_done: Callable[[Record], Any] | None = None,
        tag: Any = None,
        service_time: float | None = None,
    ) -> int | None:
        """Hand a job to the pool; return its job number, or None if it was rejected.

        `on_done(record)` is called when the job ends (also when it is rejected, at once).
        `service_time` overrides the drawn time (before dividing by `speed`).
        """
        if on_done is not None and not callable(on_done):
            function("on_done", on_done, example="on_done=records.append")
        if service_time is None:
            draws = self._draws
            if not draws:
                draws = self._draws = self._draw_block()
            service_time = draws.pop()
        else:
            service_time = duration("service_time", service_time, why="seconds of work before dividing by speed")
        job_id = self.submitted
        self.submitted = job_id + 1
        now = self.env.now
        free = self.free
        if free:
            server = free.pop()
            work = service_time / self.speed
            self.in_service[server] = (job_id, now, work, on_done, tag)
            self.started[server] = now
            env = self.env
            ticket = env._next_ticket
            env._next_ticket = ticket + 1
            heappush(self._heap, (now + work, ticket, self._on_finish, self._workers[server]))
            return job_id
        if self.queue_capacity is not None and len(self.queue) >= self.queue_capacity:
            self._reject(job_id, now, on_done, tag)
            return None
        self.queue.append((job_id, now, service_time / self.speed, on_done, tag))
        return job_id

    def _reject(self, job_id: int, now: float, on_done: Callable[[Record], Any] | None, tag: Any) -> None:
        """Turn job `job_id` away: the queue is full."""
        self.rejected += 1
        record = Record(job_id, now, now, now, -1, "rejected", tag)
        if self.keep_records:
            self.records.append(record)
        if on_done is not None:
            on_done(record)

    def feed(self, times: Iterable[float]) -> None:
        """Submit one job at each time of the ascending iterable `times`.

        It does what `env.feed(times, pool.submit)` does, in one step per arrival instead of two
        (the M/M/c benchmark runs through here); times are read ahead in blocks.

        >>> env = Environment()
        >>> pool = ServerPool(env, servers=1, service=1.0)
        >>> pool.feed([0.5, 0.75])
        >>> env.run()
        >>> [(r.arrival, r.start, r.end) for r in pool.records]
        [(0.5, 0.5, 1.5), (0.75, 1.5, 2.5)]
        """
        instance("times", times, Iterable, example="times=[0.5, 1.5, 9.0]")
        env, heap, it = self.env, self._heap, iter(times)
        free, queue, in_service, started = self.free, self.queue, self.in_service, self.started
        finish, speed, capacity, workers = self._on_finish, self.speed, self.queue_capacity, self._workers
        ahead = read_ahead(it, env.now)  # the next arrival times, last first

        def arrive() -> None:
            if not ahead:
                ahead.extend(read_ahead(it, env.now))
            now = env.now
            if ahead:  # the next arrival goes on the heap before this one is served
                ticket = env._next_ticket
                env._next_ticket = ticket + 1
                heappush(heap, (ahead.pop(), ticket, arrive, ()))
            draws = self._draws
            if not draws:
                draws = self._draws = self._draw_block()
            job_id = self.submitted
            self.submitted = job_id + 1
            if free:
                server = free.pop()
                work = draws.pop() / speed
                in_service[server] = (job_id, now, work, None, None)
                started[server] = now
                ticket = env._next_ticket
                env._next_ticket = ticket + 1
                heappush(heap, (now + work, ticket, finish, workers[server]))
            elif capacity is None or len(queue) < capacity:
                queue.append((job_id, now, draws.pop() / speed, None, None))
            else:
                draws.pop()  # drawn and unused, exactly as `submit` does
                self._reject(job_id, now, None, None)

        if ahead:
            env.schedule_at(ahead.pop(), arrive)

    def _draw_block(self) -> list[float]:
        """The next 256 service times, last first; a distribution not from this course has its draws checked."""
        block = self.service.sample_many(self.rng, 256)[::-1]
        if type(self.service) not in _OWN_DISTRIBUTIONS:
            for drawn in block:
                number(
                    "service_time", drawn, minimum=0.0, why=f"{type(self.service).__name__} must draw seconds of work"
                )
        return block

    def _finish(self, server: int) -> None:
        in_service, started = self.in_service, self.started
        job_id, arrival, _, on_done, tag = in_service[server]  # type: ignore[misc]  # it is busy
        start, now = started[server], self.env.now
        self.total_wait += start - arrival
        self.total_latency += now - arrival
        queue = self.queue
        if queue:  # the worker takes the next job at once
            job = in_service[server] = queue.popleft()
            started[server] = now
            env = self.env
            ticket = env._next_ticket
            env._next_ticket = ticket + 1
            heappush(self._heap, (now + job[2], ticket, self._on_finish, self._workers[server]))
        else:
            in_service[server] = None
            self.free.append(server)
        if self.keep_records or on_done is not None:
            record = Record(job_id, arrival, start, now, server, "served", tag)
            if self.keep_records:
                self.records.append(record)
            if on_done is not None:
                on_done(record)

    def unfinished(self) -> list[Record]:
        """Records for jobs still queued or in service at `now` (status "unfinished")."""
        now = self.env.now
        left = []
        for server, busy in enumerate(self.in_service):
            if busy is not None:
                job_id, arrival, _, _, tag = busy
                left.append(Record(job_id, arrival, self.started[server], now, server, "unfinished", tag))
        left += [Record(job[0], job[1], now, now, -1, "unfinished", job[4]) for job in self.queue]
        return left

    def results(self) -> Results:
        """Every job so far, in job order (finished, rejected and unfinished), as `Results`."""
        records = sorted(self.records + self.unfinished(), key=lambda r: r.job)
        return Results(records, until=self.env.now - self._start_time, servers=self.servers, busy_time=self.busy_time())


def run_pool(
    source: Source,
    service: Distribution | float,
    servers: int = 1,
    queue_capacity: int | None = None,
    until: float = 60.0,
    seed: int = 0,
) -> Results:
    """Simulate `source` traffic on one `ServerPool` for `until` seconds.

    >>> from course.sim import ConstantRate
    >>> run_pool(ConstantRate(rate=1), service=0.5, servers=1, until=10).summary().p99
    0.5
    >>> run_pool(ConstantRate(rate=1), service=0.5, until=float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: until must be a positive number of at most 1e+06 (got inf): a run needs an end, in simulated seconds
    """
    instance("source", source, Source, example="source=Poisson(rate=10)")
    end = validate.until(until)
    env = Environment()
    pool = ServerPool(env, servers=servers, service=service, queue_capacity=queue_capacity, seed=seed)
    pool.feed(source.times(end, stream(seed, "arrivals")))
    env.run(until=end)
    return pool.results()
