"""How the balancer learns that a backend is in trouble during a run: active probes and passive ejection.

Both are run components built inside `simulate`; `HealthCheck` and `PassiveCheck` are their definitions.
"""

from __future__ import annotations

from course.sim import Environment

from .fleet import Fleet, LiveBackend
from .health import HealthCheck, HealthState, PassiveCheck

__all__ = ["HealthChecker", "OutlierDetector"]


class HealthChecker:
    """Active checks: probe every backend of the fleet every `check.interval` seconds from the moment it
    joins; a probe of a live backend passes at once; one of a crashed backend fails at once (its host
    refuses the connection), one of an unreachable backend when the probe's timeout ends.

    Each backend has its own `HealthState` (fall/rise); when it flips, the balancer's view flips.
    """

    def __init__(self, env: Environment, check: HealthCheck, fleet: Fleet):
        self.env, self.check, self.fleet = env, check, fleet
        self.states: dict[int, HealthState] = {}  # backend index -> its fall/rise state machine
        fleet.on_join.append(self.watch)

    def watch(self, b: LiveBackend) -> None:
        """Start probing `b` now."""
        self.states[b.index] = HealthState(self.check.fall, self.check.rise)
        self.env.schedule(0.0, self._probe, b)

    def down_from_start(self, b: LiveBackend) -> None:
        """`b` was dead before traffic started: the checks that ran before have marked it down."""
        self.states[b.index].up = b.marked_up = False
        self.fleet.changed(b)

    def _probe(self, b: LiveBackend) -> None:
        if b.removed:
            return
        self.env.schedule(self.check.interval, self._probe, b)
        if b.alive:
            self._result(b, True)
        elif b.refuses:
            self._result(b, False)
        else:
            self.env.schedule(self.check.timeout, self._result, b, False)

    def _result(self, b: LiveBackend, ok: bool) -> None:
        state = self.states[b.index]
        if not b.removed and state.observe(ok):
            b.marked_up = state.up
            self.fleet.changed(b)


class OutlierDetector:
    """Passive checks: after `check.failures` failed requests in a row, eject a backend for
    `check.ejection` seconds; it then returns on probation, where one failure ejects it again
    and one success clears it.
    """

    def __init__(self, env: Environment, check: PassiveCheck, fleet: Fleet):
        self.env, self.check, self.fleet = env, check, fleet
        self.fails: dict[int, int] = {}  # backend index -> failed requests in a row
        self.probation: set[int] = set()  # backends back from an ejection, not yet cleared

    def failure(self, b: LiveBackend) -> None:
        """A request to `b` failed (it could not be reached)."""
        if b.ejected:
            return
        fails = self.fails[b.index] = self.fails.get(b.index, 0) + 1
        if b.index in self.probation or fails >= self.check.failures:
            b.ejected = True
            self.fails[b.index] = 0
            self.probation.discard(b.index)
            self.env.schedule(self.check.ejection, self._return, b)
            self.fleet.changed(b)

    def success(self, b: LiveBackend) -> None:
        """`b` answered a request: the count starts again and probation ends."""
        self.fails[b.index] = 0
        self.probation.discard(b.index)

    def _return(self, b: LiveBackend) -> None:
        b.ejected = False
        self.probation.add(b.index)
        self.fleet.changed(b)
