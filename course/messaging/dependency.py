"""The service a consumer calls for each message (a payment service, say), and the breaker that stops calling it.

A `Dependency` answers `rate` calls per second, one after another in arrival order, so a call
waits behind every call it already holds. Its caller gives up after `timeout` seconds, but the
service does not know that: it still does the work of every call it accepted. That is what makes
it fail *more* under load: once it holds more than `rate * timeout` calls, every new call times
out, its retry adds another call, and the abandoned work keeps the service busy with answers
nobody is waiting for.

A `CircuitBreaker` counts the calls that failed in a row (timed out, or refused while the
service is down); after `failures` of them it opens: consumers stop taking messages for
`cooldown` seconds, so the service can work off what it holds. Then one message is let through
(half-open): if its call succeeds the breaker closes, if not it opens again.

>>> Dependency(rate=100, timeout=0.5).capacity
50.0
>>> CircuitBreaker(failures=5, cooldown=2.0)
CircuitBreaker(failures=5, cooldown=2.0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from course.sim import Environment, validate

__all__ = ["BREAKER_STATES", "Breaker", "Call", "CircuitBreaker", "Dependency", "DependencyState"]

BREAKER_STATES = ("closed", "open", "half_open")


@dataclass(frozen=True, kw_only=True)
class Dependency:
    """A service answering `rate` calls per second in arrival order; its callers give up after `timeout` seconds.

    `capacity` is how many seconds' worth of calls it can hold before new ones time out:
    `rate * timeout` calls. Taught in lessons/03_queues.ipynb.

    >>> Dependency(rate=50, timeout=0.2)
    Dependency(rate=50, timeout=0.2)
    >>> Dependency(rate=0)
    Traceback (most recent call last):
    ...
    ValueError: rate must be a positive number of at most 1e+07 (got 0): calls per second the service finishes
    """

    rate: float = 100.0
    timeout: float = 0.5

    def __post_init__(self):
        validate.rate("rate", self.rate, positive=True, why="calls per second the service finishes")
        validate.duration("timeout", self.timeout, positive=True, why="seconds a caller waits for an answer")

    @property
    def capacity(self) -> float:
        """Calls the service can hold before a new one waits longer than `timeout`."""
        return float(self.rate * self.timeout)


class Call(NamedTuple):
    """One call a consumer made to the dependency: when, for which delivery, how long the answer took.

    `answered` is False when the caller gave up first (`response` above the timeout) or the
    service refused the call (it was down: `response` is how long the refusal took).
    """

    t: float
    message: int
    consumer: int
    attempt: int
    response: float
    answered: bool


class DependencyState:
    """One run's dependency: when it will be free, and what every call cost it (the pool calls `call`).

    >>> state = DependencyState(Dependency(rate=10, timeout=0.25))
    >>> [round(state.call(0.0), 3) for _ in range(4)]  # 0.1 s each, one after another
    [0.1, 0.2, 0.3, 0.4]
    >>> state.abandoned, round(state.backlog(0.0), 3)      # two callers gave up; 0.4 s of work is queued anyway
    (2, 0.4)
    """

    __slots__ = ("abandoned", "calls", "dependency", "free_at", "service", "wasted")

    def __init__(self, dependency: Dependency):
        self.dependency = validate.instance("dependency", dependency, Dependency, example="Dependency(rate=100)")
        self.service = 1.0 / dependency.rate
        self.free_at = 0.0
        self.calls = 0
        self.abandoned = 0  # calls whose caller gave up before the answer
        self.wasted = 0.0  # seconds of work done for callers who had gone

    def call(self, now: float) -> float:
        """Accept a call at `now`; return its response time (above `timeout`: the caller has given up).

        Calls must come in time order (a call at `now` may not precede the last one's `now`).
        """
        validate.duration("now", now, why="the simulated time of the call, in seconds")
        return self._call(now)

    def _call(self, now: float) -> float:  # the pool's hot path: `now` is the simulation clock
        d = self.dependency
        self.calls += 1
        start = max(now, self.free_at)
        deadline = now + d.timeout
        self.free_at = start + self.service
        response = self.free_at - now
        if response > d.timeout:
            self.abandoned += 1
            self.wasted += self.free_at - max(start, deadline)  # the part done after the caller left
        return response

    def backlog(self, now: float) -> float:
        """Seconds of work the service holds at `now` (calls it has accepted and not finished)."""
        validate.duration("now", now, why="the simulated time, in seconds")
        return max(0.0, self.free_at - now)


@dataclass(frozen=True, kw_only=True)
class CircuitBreaker:
    """Open after `failures` failed calls in a row: stop calling for `cooldown` seconds, then try one call.

    Taught in lessons/03_queues.ipynb.

    >>> CircuitBreaker(failures=0)
    Traceback (most recent call last):
    ...
    ValueError: failures must be a whole number of at least 1 (got 0): failed calls in a row that open the breaker
    """

    failures: int = 5
    cooldown: float = 2.0

    def __post_init__(self):
        validate.whole("failures", self.failures, minimum=1, why="failed calls in a row that open the breaker")
        validate.duration("cooldown", self.cooldown, positive=True, why="seconds the breaker stays open")


class Breaker:
    """One run's circuit breaker: closed, open or half-open, with a log of when it changed.

    `allows()` says whether a consumer may take a message now ("call", "probe" or None);
    `record(ok, probe)` reports how a call went. `on_half_open` is called when the cooldown ends.

    >>> env = Environment()
    >>> b = Breaker(CircuitBreaker(failures=2, cooldown=1.0), env, lambda: None)
    >>> b.record(False, False), b.record(False, False), b.allows()
    (None, None, None)
    >>> env.run(until=1.0)
    >>> b.allows(), b.allows()               # half-open: one probe at a time
    ('probe', None)
    >>> b.record(True, True), b.state, [state for _, state in b.log]
    (None, 'closed', ['closed', 'open', 'half_open', 'closed'])
    """

    def __init__(self, breaker: CircuitBreaker, env: Environment, on_half_open: Callable[[], Any]):
        self.breaker = validate.instance("breaker", breaker, CircuitBreaker, example="CircuitBreaker(failures=5)")
        self.env = env
        self.on_half_open = on_half_open
        self.state = "closed"
        self.failures = 0
        self.probing = False
        self.log: list[tuple[float, str]] = [(env.now, "closed")]

    def allows(self) -> str | None:
        """Say whether a consumer may take a message now: "call" (closed), "probe" (the half-open trial) or None."""
        if self.state == "closed":
            return "call"
        if self.state == "half_open" and not self.probing:
            self.probing = True
            return "probe"
        return None

    def record(self, ok: bool, probe: bool) -> None:
        """A call ended: `ok` if it was answered in time; `probe` if it was the half-open trial."""
        if probe:
            self.probing = False
            self._set("closed" if ok else "open")
        elif self.state == "closed":
            self.failures = 0 if ok else self.failures + 1
            if self.failures >= self.breaker.failures:
                self._set("open")

    def release(self) -> None:
        """The probe ended without calling the service (its message failed before the call): let another try."""
        self.probing = False
        if self.state == "half_open":
            self.on_half_open()

    def _set(self, state: str) -> None:
        self.state = state
        self.failures = 0
        self.log.append((self.env.now, state))
        if state == "open":
            self.env.schedule(self.breaker.cooldown, self._half_open)

    def _half_open(self) -> None:
        if self.state == "open":
            self._set("half_open")
            self.on_half_open()
