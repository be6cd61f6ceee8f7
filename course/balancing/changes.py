"""What changes the pool during a run: injected failures, scheduled scaling and the autoscaler.

Both are run components built inside `simulate`; `Outage`, `Slowdown`, `Scale` and `Autoscaler`
are their definitions.
"""

from __future__ import annotations

from collections.abc import Sequence

from course.sim import Environment

from .backend import Backend
from .balancer import Balancer
from .fleet import Fleet, LiveBackend
from .health import Outage, Slowdown
from .reports import ScaleReport
from .scenario import BalancerScenario
from .strategy import Strategy
from .watchers import HealthChecker

__all__ = ["KEYS_FOR_MOVES", "FailureInjector", "Scaler"]

KEYS_FOR_MOVES = 10_000  # keys checked when reporting how many moved on a scaling change


class FailureInjector:
    """Makes the scenario's `Outage`s and `Slowdown`s happen on the fleet at their times.

    A crash loses the requests the backend held at once (their connections are reset); an
    unreachable backend strands them until the balancer's response timeout. An outage that starts
    at time 0 starts marked down when there are health checks (they ran before traffic started).
    """

    def __init__(self, env: Environment, fleet: Fleet, balancer: Balancer, checker: HealthChecker | None):
        self.env, self.fleet, self.balancer, self.checker = env, fleet, balancer, checker

    def start(self, scenario: BalancerScenario) -> None:
        """Schedule every failure of `scenario`."""
        for f in scenario.failures:
            b = self.fleet.named(scenario.backend_name(f.backend))
            if isinstance(f, Outage):
                if f.at == 0:
                    self._die(b, f.kind)
                    if self.checker is not None:
                        self.checker.down_from_start(b)
                else:
                    self.env.schedule_at(f.at, self._die, b, f.kind)
                if f.until is not None:
                    self.env.schedule_at(f.until, self._recover, b)
            elif isinstance(f, Slowdown):
                self.env.schedule_at(f.at, self.fleet.slow_down, b, f.factor)
                if f.until is not None:
                    self.env.schedule_at(f.until, self.fleet.slow_down, b, 1.0)

    def _die(self, b: LiveBackend, kind: str) -> None:
        if b.removed or not b.alive:
            return
        held = self.fleet.die(b, kind)
        if kind == "crash":
            self.balancer.lose(b, held)
        else:
            self.balancer.strand(b, held)
        self.fleet.buried(b)

    def _recover(self, b: LiveBackend) -> None:
        if not (b.removed or b.alive):
            self.fleet.recover(b)


class Scaler:
    """Changes how many backends the fleet has: at the scenario's `Scale` times, and on every tick of
    its `Autoscaler`. `reports` lists each change; `wanted` the autoscaler's wishes over time.
    """

    def __init__(self, env: Environment, scenario: BalancerScenario, fleet: Fleet, strategy: Strategy):
        self.env, self.scenario, self.fleet, self.strategy = env, scenario, fleet, strategy
        self.reports: list[ScaleReport] = []
        self.wanted: list[tuple[float, int]] = [(0.0, len(scenario.names))]

    def start(self) -> None:
        """Schedule the scenario's scaling changes and the autoscaler's first tick."""
        for s in self.scenario.scaling:
            self.env.schedule_at(s.at, self.scale_to, s.to, s.startup, s.template, "scheduled")
        if self.scenario.autoscaler is not None:
            self.env.schedule(self.scenario.autoscaler.interval, self._autoscale)

    def scale_to(self, n: int, startup: float, template: Backend | None, reason: str) -> None:
        """Grow the pool to `n` backends (new ones named on from the last) or drain the newest down to `n`."""
        fleet = self.fleet
        active = [b for b in fleet.members if not b.draining]
        before = tuple(b.name for b in active)
        if n > len(active):
            taken = {b.name for b in fleet.everyone}
            for _ in range(n - len(active)):
                k = len(fleet.everyone)
                while f"b{k}" in taken:
                    k += 1
                name = f"b{k}"
                taken.add(name)
                fleet.join(template or Backend(), name, startup)
        else:
            for b in sorted(active, key=lambda b: b.index)[n:]:
                fleet.drain(b)
        after = tuple(b.name for b in fleet.members if not b.draining)
        self.reports.append(ScaleReport(self.env.now, before, after, reason, self._keys_moved(before, after)))
        fleet.count_instances()

    def _keys_moved(self, before: Sequence[str], after: Sequence[str]) -> float | None:
        owners = getattr(self.strategy, "owners", None)
        if owners is None or before == after:
            return None if owners is None else 0.0
        w = self.scenario.workload
        if self.strategy.name == "ip_hash":
            keys: list[object] = list(range(min(w.clients, KEYS_FOR_MOVES)))
        elif w.keys is None:
            keys = [f"client-{c}" for c in range(min(w.clients, KEYS_FOR_MOVES))]
        else:
            keys = [f"key-{k}" for k in range(min(w.keys, KEYS_FOR_MOVES))]
        old, new = owners(keys, before), owners(keys, after)
        return sum(a != b for a, b in zip(old, new, strict=True)) / len(keys)

    def _autoscale(self) -> None:
        auto, now, fleet = self.scenario.autoscaler, self.env.now, self.fleet
        assert auto is not None  # scheduled only when there is one
        self.env.schedule(auto.interval, self._autoscale)
        running = [b for b in fleet.members if not (b.draining or b.starting)]
        busy = sum(b.busy_time() - b.busy_mark for b in running)
        capacity = sum(b.servers * min(auto.interval, now - b.added) for b in running)
        for b in fleet.members:
            b.busy_mark = b.busy_time()
        active = sum(1 for b in fleet.members if not b.draining)
        if capacity > 0 and len(running) == active:  # no decision while new instances start
            want = auto.desired(active, min(1.0, busy / capacity))
            self.wanted.append((now, want))
            recent = [w for t, w in self.wanted if t >= now - auto.stabilization]
            if want < active:
                want = min(active, max(recent))
            if want != active:
                self.scale_to(want, auto.startup, auto.template, "autoscaler")
