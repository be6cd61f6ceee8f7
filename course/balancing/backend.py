"""Backends: the definition of one instance behind the balancer, and its live state during a run."""

from __future__ import annotations

import math
from dataclasses import dataclass

from course.sim import Environment, ServerPool, percentile

from .health import HealthState
from .results import BackendStats

__all__ = ["STATES", "Backend", "LiveBackend", "backend_pool"]

# What a backend's timeline can show, from the balancer's point of view.
STATES = ("up", "slow", "dead", "down", "ejected", "starting", "draining", "removed")


@dataclass(frozen=True)
class Backend:
    """One instance: `servers` workers of `speed` (2.0 serves twice as fast) sharing a queue that
    holds `queue_capacity` waiting requests (None: unbounded); `weight` is its share for the
    weighted strategies.

    Taught in lessons/02_load_balancer.ipynb.

    >>> Backend(speed=2.0)
    Backend(speed=2.0, weight=1, servers=1, queue_capacity=50, name='')
    >>> Backend(weight=0)
    Traceback (most recent call last):
    ...
    ValueError: weight must be a positive number (got 0): to stop sending traffic to a backend, drain or remove it
    """

    speed: float = 1.0
    weight: float = 1
    servers: int = 1
    queue_capacity: int | None = 50
    name: str = ""

    def __post_init__(self):
        w = self.weight
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not w > 0 or math.isinf(w):
            raise ValueError(
                f"weight must be a positive number (got {w!r}): "
                "to stop sending traffic to a backend, drain or remove it"
            )
        if not isinstance(self.name, str):
            raise ValueError(f"name must be a string like 'b0' or '' for an automatic name (got {self.name!r})")
        # The server pool owns the rules for speed, servers and queue_capacity; ask it now.
        ServerPool(Environment(), self.servers, 1.0, queue_capacity=self.queue_capacity, speed=self.speed)


def backend_pool(n: int, spread: float = 0.0, **spec) -> tuple[Backend, ...]:
    """`n` backends whose speeds are spaced evenly from `1 - spread` to `1 + spread` (mean 1.0),
    so the pool's total capacity stays the same whatever the spread.

    >>> [b.speed for b in backend_pool(3, spread=0.5)]
    [0.5, 1.0, 1.5]
    >>> backend_pool(0)
    Traceback (most recent call last):
    ...
    ValueError: backends must be at least 1 (got 0): a load balancer needs somewhere to send traffic
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"backends must be at least 1 (got {n!r}): a load balancer needs somewhere to send traffic")
    if isinstance(spread, bool) or not isinstance(spread, (int, float)) or not 0 <= spread < 1:
        raise ValueError(f"spread must be at least 0 and below 1 (got {spread!r}): 0.5 gives speeds from 0.5 to 1.5")
    if n == 1:
        return (Backend(**spec),)
    return tuple(Backend(speed=round(1 - spread + 2 * spread * i / (n - 1), 12), **spec) for i in range(n))


class LiveBackend:
    """A backend during a run: its server pool, what the balancer believes about it, and counters.

    Strategies read `name`, `index`, `weight` and `in_flight`; the rest is the simulator's.
    """

    def __init__(
        self, env: Environment, spec: Backend, name: str, index: int, layer4: bool, health: HealthState | None
    ):
        self.env, self.spec, self.name, self.index = env, spec, name, index
        self.weight, self.speed, self.servers = spec.weight, spec.speed, spec.servers
        self.layer4 = layer4
        self.health = health
        self.generation = 0  # bumped when the backend dies: answers from before are ignored
        self.pool: ServerPool | None = None
        self._new_pool()
        self.alive, self.slow = True, 1.0
        self.marked_up, self.ejected, self.probation, self.fails = True, False, False, 0
        self.starting = self.draining = self.removed = False
        self.inflight: dict[int, tuple[float, int]] = {}  # request id -> (time sent, attempts so far)
        self.pinned: set[int] = set()  # L4 connections pinned here
        self.tls_connections: set[int] = set()  # connections that did their handshake here
        self._counted = self.pinned if layer4 else self.inflight
        # What the balancer can count: requests queued or in service (L7), open connections (L4).
        self.in_flight = 0
        self.busy_before = 0.0  # worker-seconds of pools lost to a crash
        self.busy_mark = 0.0  # busy time at the autoscaler's last look
        self.sent = self.sent_while_dead = self.served = self.failed = self.dropped = 0
        self.max_in_flight = 0
        self.time_in_system = 0.0
        self.added, self.removed_at = env.now, None
        self.timeline: list[tuple[float, str]] = [(env.now, "up")]

    def __repr__(self) -> str:
        return f"LiveBackend({self.name!r}, {self.state}, in_flight={self.in_flight})"

    def _new_pool(self) -> None:
        spec = self.spec
        self.pool = ServerPool(
            self.env,
            spec.servers,
            1.0,
            queue_capacity=spec.queue_capacity,
            speed=spec.speed,
            name=self.name,
            keep_records=False,
        )

    def recount(self) -> None:
        """Refresh `in_flight` after a request or a connection came or went."""
        self.in_flight = len(self._counted)

    @property
    def usable(self) -> bool:
        """Whether the balancer sends it new traffic (it may be dead without the balancer knowing)."""
        return self.marked_up and not (self.ejected or self.starting or self.draining or self.removed)

    @property
    def state(self) -> str:
        """One word for the timeline; "dead" means dead but still in rotation (the dangerous window),
        "down" marked down by health checks, "ejected" taken out by passive checks."""
        if self.removed:
            return "removed"
        if self.draining:
            return "draining"
        if self.starting:
            return "starting"
        if not self.alive and self.marked_up and not self.ejected:
            return "dead"
        if not self.marked_up:
            return "down"
        if self.ejected:
            return "ejected"
        return "slow" if self.slow != 1.0 else "up"

    def note(self) -> None:
        """Append the current state to the timeline if it changed."""
        state = self.state
        if self.timeline[-1][1] != state:
            if self.timeline[-1][0] == self.env.now:
                self.timeline[-1] = (self.env.now, state)
                if len(self.timeline) > 1 and self.timeline[-2][1] == state:
                    self.timeline.pop()
            else:
                self.timeline.append((self.env.now, state))

    def busy_time(self) -> float:
        """Worker-seconds spent serving so far, across restarts."""
        return self.busy_before + (self.pool.busy_time() if self.pool is not None else 0.0)

    def stats(self, until: float, total_sent: int, latencies: list[float]) -> BackendStats:
        """This backend's `BackendStats` at the end of a run of `until` seconds."""
        present = (self.removed_at if self.removed_at is not None else until) - self.added
        return BackendStats(
            name=self.name,
            speed=self.speed,
            weight=self.weight,
            sent=self.sent,
            served=self.served,
            failed=self.failed,
            dropped=self.dropped,
            sent_while_dead=self.sent_while_dead,
            share=self.sent / total_sent if total_sent else 0.0,
            utilization=self.busy_time() / (self.servers * present) if present > 0 else 0.0,
            mean_in_flight=self.time_in_system / present if present > 0 else 0.0,
            max_in_flight=self.max_in_flight,
            p99=percentile(latencies, 99),
            added=self.added,
            removed=self.removed_at,
            timeline=tuple(self.timeline),
        )

    def die(self) -> None:
        """Crash: the pool and its queue are gone; answers still on their way are ignored."""
        self.alive = False
        self.generation += 1
        if self.pool is not None:
            self.busy_before += self.pool.busy_time()
            self.pool.queue.clear()
            self.pool = None

    def recover(self) -> None:
        """Restart with an empty queue."""
        self.alive = True
        self._new_pool()
