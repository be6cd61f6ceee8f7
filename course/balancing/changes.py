"""The half of a balancer run that changes the pool: health checks, failures and scaling.

`PoolChanges` is mixed into the run in `balancer.py`, which owns the request path; these
handlers change what the balancer believes about its backends, or which backends exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .backend import Backend, LiveBackend
from .scaling import ScaleReport

if TYPE_CHECKING:
    from .scenario import BalancerScenario

__all__ = ["KEYS_FOR_MOVES", "PoolChanges"]

KEYS_FOR_MOVES = 10_000  # keys checked when reporting how many moved on a scaling change


class PoolChanges:
    """Handlers for probes, passive checks, crashes, slowdowns, scaling and the autoscaler."""

    sc: BalancerScenario

    # ---- health -------------------------------------------------------------------------

    def _probe(self, b: LiveBackend) -> None:
        if b.removed:
            return
        check = self.sc.health
        self.env.schedule(check.interval, self._probe, b)
        if b.alive:
            self._probe_result(b, True)
        else:
            self.env.schedule(check.timeout, self._probe_result, b, False)

    def _probe_result(self, b: LiveBackend, ok: bool) -> None:
        if not b.removed and b.health.observe(ok):
            b.marked_up = b.health.up
            self._changed(b)

    def _passive_failure(self, b: LiveBackend) -> None:
        check = self.sc.passive
        if check is None or b.ejected:
            return
        b.fails += 1
        if b.probation or b.fails >= check.failures:
            b.ejected, b.fails, b.probation = True, 0, False
            self.env.schedule(check.ejection, self._uneject, b)
            self._changed(b)

    def _uneject(self, b: LiveBackend) -> None:
        b.ejected, b.probation = False, True
        self._changed(b)

    # ---- failures -----------------------------------------------------------------------

    def _die(self, b: LiveBackend) -> None:
        if b.removed or not b.alive:
            return
        now = self.env.now
        b.die()
        outage = {"backend": b.name, "died": now, "recovered": None, "marked_down": None, "sent": 0}
        self.outages.append(outage)
        self.open_outage[b.name] = outage
        lost = dict(b.inflight)
        b.inflight.clear()
        b.recount()
        for rid, (sent, attempts) in lost.items():  # connections reset: not safe to retry
            b.time_in_system += now - sent
            b.failed += 1
            self._passive_failure(b)
            self._finish(self.requests[rid], 502, b.name, now, attempts, "backend died")
        for conn in list(b.pinned):
            self._unpin(conn)
        b.tls_connections.clear()
        if b.draining:
            self._remove(b)
        self._changed(b)

    def _recover(self, b: LiveBackend) -> None:
        if b.removed or b.alive:
            return
        b.recover()
        self.open_outage.pop(b.name)["recovered"] = self.env.now
        self._changed(b)

    def _slow(self, b: LiveBackend, factor: float) -> None:
        b.slow = factor
        self._changed(b)

    # ---- scaling ------------------------------------------------------------------------

    def _scale_to(self, n: int, startup: float, template: Backend | None, reason: str) -> None:
        active = [b for b in self.members if not b.draining]
        before = tuple(b.name for b in active)
        if n > len(active):
            taken = {b.name for b in self.everyone}
            for _ in range(n - len(active)):
                k = len(self.everyone)
                while f"b{k}" in taken:
                    k += 1
                name = f"b{k}"
                taken.add(name)
                self._join(template or Backend(), name, startup)
        else:
            for b in sorted(active, key=lambda b: b.index)[n:]:
                self._drain(b)
        after = tuple(b.name for b in self.members if not b.draining)
        self.scaling.append(ScaleReport(self.env.now, before, after, reason, self._keys_moved(before, after)))
        self._count_instances()

    def _keys_moved(self, before: tuple[str, ...], after: tuple[str, ...]) -> float | None:
        owners = getattr(self.strategy, "owners", None)
        if owners is None or before == after:
            return None if owners is None else 0.0
        w = self.sc.workload
        if self.strategy.name == "ip_hash":
            keys = list(range(min(w.clients, KEYS_FOR_MOVES)))
        elif w.keys is None:
            keys = [f"client-{c}" for c in range(min(w.clients, KEYS_FOR_MOVES))]
        else:
            keys = [f"key-{k}" for k in range(min(w.keys, KEYS_FOR_MOVES))]
        old, new = owners(keys, before), owners(keys, after)
        return sum(a != b for a, b in zip(old, new, strict=True)) / len(keys)

    def _drain(self, b: LiveBackend) -> None:
        b.draining = True
        self._changed(b)
        if not b.inflight:
            self._remove(b)

    def _remove(self, b: LiveBackend) -> None:
        b.removed, b.removed_at = True, self.env.now
        self.members.remove(b)
        for conn in list(b.pinned):
            self._unpin(conn)
        self._changed(b)

    def _autoscale(self) -> None:
        auto, now = self.sc.autoscaler, self.env.now
        self.env.schedule(auto.interval, self._autoscale)
        running = [b for b in self.members if not (b.draining or b.starting)]
        busy = sum(b.busy_time() - b.busy_mark for b in running)
        capacity = sum(b.servers * min(auto.interval, now - b.added) for b in running)
        for b in self.members:
            b.busy_mark = b.busy_time()
        active = sum(1 for b in self.members if not b.draining)
        if capacity > 0 and len(running) == active:  # no decision while new instances start
            want = auto.desired(active, busy / capacity)
            self.wanted.append((now, want))
            recent = [w for t, w in self.wanted if t >= now - auto.stabilization]
            if want < active:
                want = min(active, max(recent))
            if want != active:
                self._scale_to(want, auto.startup, auto.template, "autoscaler")
