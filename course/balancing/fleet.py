"""The backends during a run: each one's live state, and the fleet that says who may take traffic.

These are the run's components (built inside `simulate`); `Backend` is the definition they start from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from course.sim import Environment, ServerPool, percentile

from .backend import Backend
from .layers import L4
from .reports import BackendStats, OutageReport
from .scenario import BalancerScenario

__all__ = ["Fleet", "LiveBackend", "OutageLog"]


class LiveBackend:
    """A backend during a run: its server pool, what the balancer believes about it, and counters.

    Strategies read `name`, `index`, `weight` and `in_flight`; the rest is the simulator's.
    A backend's life: it joins (perhaps `starting` for a while), takes traffic while `usable`,
    may die (its queue is lost) and recover (empty), may be marked down by health checks or
    ejected by passive ones, and may drain and then be removed.

    `in_flight` is what the balancer can count: the connections pinned here (every connection
    at L4, WebSockets at L7) plus the requests it holds that ride no pinned connection.
    """

    def __init__(self, env: Environment, spec: Backend, name: str, index: int):
        self.env, self.spec, self.name, self.index = env, spec, name, index
        self.weight, self.speed, self.servers = spec.weight, spec.speed, spec.servers
        self.generation = 0  # bumped when the backend dies: answers from before are ignored
        self.pool: ServerPool | None = self._new_pool()
        self.alive, self.slow = True, 1.0
        self.refuses = False  # while dead: True if it refuses connections at once (a crash), False if silent
        self.marked_up, self.ejected = True, False  # what active and passive checks concluded
        self.starting = self.draining = self.removed = False
        self.inflight: dict[int, tuple[float, tuple[int, ...]]] = {}  # request id -> (time sent, backends tried)
        self.stranded: dict[int, tuple[float, tuple[int, ...]]] = {}  # held when it became unreachable
        self.pinned: set[int] = set()  # connections pinned here (L4: all; L7: WebSockets)
        self.loose: set[int] = (
            set()
        )  # requests counted one by one: held, stranded or connecting, on no pinned connection
        self.tls_connections: set[int] = set()  # connections that did their handshake here
        self.in_flight = 0
        self.busy_before = 0.0  # worker-seconds of pools lost to a crash
        self.busy_mark = 0.0  # busy time at the autoscaler's last look
        self.sent = self.sent_while_dead = self.served = self.failed = self.rejected = 0
        self.max_in_flight = 0
        self.time_in_system = 0.0
        self.added: float = env.now
        self.removed_at: float | None = None
        self.timeline: list[tuple[float, str]] = [(env.now, "up")]

    def __repr__(self) -> str:
        return f"LiveBackend({self.name!r}, {self.state}, in_flight={self.in_flight})"

    def _new_pool(self) -> ServerPool:
        spec = self.spec
        return ServerPool(
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
        self.in_flight = len(self.pinned) + len(self.loose)

    @property
    def usable(self) -> bool:
        """Whether the balancer sends it new traffic (it may be dead without the balancer knowing)."""
        return self.marked_up and not (self.ejected or self.starting or self.draining or self.removed)

    @property
    def state(self) -> str:
        """One word of `BACKEND_STATES` for the timeline; "dead" means dead but still in rotation (the
        dangerous window), "down" marked down by health checks, "ejected" taken out by passive checks."""
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
        state, now = self.state, self.env.now
        if self.timeline[-1][1] != state:
            if self.timeline[-1][0] == now:
                self.timeline[-1] = (now, state)
                if len(self.timeline) > 1 and self.timeline[-2][1] == state:
                    self.timeline.pop()
            else:
                self.timeline.append((now, state))

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
            rejected=self.rejected,
            sent_while_dead=self.sent_while_dead,
            share=self.sent / total_sent if total_sent else 0.0,
            utilization=min(1.0, self.busy_time() / (self.servers * present)) if present > 0 else 0.0,
            mean_in_flight=self.time_in_system / present if present > 0 else 0.0,
            max_in_flight=self.max_in_flight,
            p99=percentile(latencies, 99),
            added=self.added,
            removed=self.removed_at,
            timeline=tuple(self.timeline),
        )

    def die(self, refuses: bool) -> None:
        """Die: the pool and its queue are gone; answers still on their way are ignored."""
        self.alive, self.refuses = False, refuses
        self.generation += 1
        if self.pool is not None:
            self.busy_before += self.pool.busy_time()
            self.pool.queue.clear()
            self.pool = None

    def recover(self) -> None:
        """Restart with an empty queue."""
        self.alive = True
        self.pool = self._new_pool()


@dataclass
class OutageLog:
    """One outage while it happens: the run's notes, frozen into an `OutageReport` at the end."""

    backend: str
    died: float
    kind: str
    recovered: float | None = None
    marked_down: float | None = None
    sent: int = 0

    def report(self) -> OutageReport:
        """The frozen report of this outage."""
        return OutageReport(self.backend, self.died, self.recovered, self.marked_down, self.sent, self.kind)


class Fleet:
    """The backends during a run: who is in the pool, who may take traffic, which connection is pinned where.

    Every change to a backend goes through `changed`, which refreshes the usable list, notes when
    the balancer stopped routing to a dead backend (the end of the dangerous window) and extends
    the backend's timeline. Each function in `on_join` is called with every backend that joins
    (the health checker starts probing it).
    """

    def __init__(self, env: Environment, scenario: BalancerScenario):
        self.env = env
        self.layer4 = isinstance(scenario.layer, L4)
        self.members: list[LiveBackend] = []  # in pool order; removed ones leave
        self.everyone: list[LiveBackend] = []  # every backend that ever joined
        self.on_join: list[Callable[[LiveBackend], None]] = []
        self.outages: list[OutageLog] = []
        self.open_outages: dict[str, OutageLog] = {}
        self.instances: list[tuple[float, int]] = []  # (time, backends taking traffic) changes
        self.pins: dict[int, LiveBackend] = {}  # pinned connection (L4: all; L7: WebSockets) -> backend
        self._usable: list[LiveBackend] | None = None

    def start(self, specs: Iterable[Backend]) -> None:
        """The pool at time 0: every backend of the scenario, named."""
        for spec in specs:
            self.join(spec, spec.name)
        self.count_instances()

    def join(self, spec: Backend, name: str, startup: float = 0.0) -> LiveBackend:
        """Add a backend; it takes traffic after `startup` seconds."""
        b = LiveBackend(self.env, spec, name, len(self.everyone))
        self.everyone.append(b)
        self.members.append(b)
        if startup > 0:
            b.starting = True
            b.note()
            self.env.schedule(startup, self._started, b)
        for listener in self.on_join:
            listener(b)
        self.changed(b)
        return b

    def _started(self, b: LiveBackend) -> None:
        b.starting = False
        self.changed(b)
        self.count_instances()

    def named(self, name: str) -> LiveBackend:
        """The backend called `name` (the scenario checked that it exists)."""
        return next(b for b in self.everyone if b.name == name)

    def changed(self, b: LiveBackend) -> None:
        """Take note that something about `b` changed."""
        self._usable = None
        if not b.usable:
            outage = self.open_outages.get(b.name)
            if outage is not None and outage.marked_down is None:
                outage.marked_down = self.env.now
        b.note()

    def usable(self) -> list[LiveBackend]:
        """The backends the balancer may send new traffic to, in pool order."""
        if self._usable is None:
            self._usable = [b for b in self.members if b.usable]
        return self._usable

    def count_instances(self) -> None:
        """Note how many backends take traffic now (or will, once drained ones leave)."""
        n, now = sum(1 for b in self.members if not (b.draining or b.starting)), self.env.now
        if self.instances and self.instances[-1][0] == now:
            self.instances.pop()
        if not self.instances or self.instances[-1][1] != n:
            self.instances.append((now, n))

    # ---- pinned connections (L4: every connection; L7: WebSockets) ---------------------------

    def pin(self, connection: int, b: LiveBackend) -> None:
        """Send every later request of `connection` to `b`."""
        self.unpin(connection)
        self.pins[connection] = b
        b.pinned.add(connection)
        b.recount()

    def unpin(self, connection: int) -> None:
        """Forget where `connection` goes (it closed, or its backend went away)."""
        old = self.pins.pop(connection, None)
        if old is not None:
            old.pinned.discard(connection)
            old.recount()

    # ---- failures and scaling -------------------------------------------------------------

    def die(self, b: LiveBackend, kind: str) -> dict[int, tuple[float, tuple[int, ...]]]:
        """`b` dies (an `OUTAGE_KINDS` word): open an outage, and return the requests it held (they are lost)."""
        b.die(refuses=kind == "crash")
        outage = OutageLog(b.name, self.env.now, kind)
        self.outages.append(outage)
        self.open_outages[b.name] = outage
        lost = dict(b.inflight)
        b.inflight.clear()
        b.loose.difference_update(lost)
        b.recount()
        return lost

    def buried(self, b: LiveBackend) -> None:
        """After it died: its connections are gone (re-balanced on their next request), a draining backend leaves."""
        for connection in list(b.pinned):
            self.unpin(connection)
        b.tls_connections.clear()
        if b.draining:
            self.remove(b)
        self.changed(b)

    def recover(self, b: LiveBackend) -> None:
        """`b` restarts with an empty queue; its outage ends."""
        b.recover()
        self.open_outages.pop(b.name).recovered = self.env.now
        self.changed(b)

    def slow_down(self, b: LiveBackend, factor: float) -> None:
        """Every request on `b` now takes `factor` times its cost (1.0: back to normal)."""
        b.slow = factor
        self.changed(b)

    def drain(self, b: LiveBackend) -> None:
        """No new traffic for `b`; it leaves once its last request is answered."""
        b.draining = True
        self.changed(b)
        if not (b.inflight or b.stranded):
            self.remove(b)

    def remove(self, b: LiveBackend) -> None:
        """`b` leaves the pool; its connections are re-balanced on their next request."""
        b.removed, b.removed_at = True, self.env.now
        self.members.remove(b)
        for connection in list(b.pinned):
            self.unpin(connection)
        self.changed(b)
