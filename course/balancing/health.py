"""Health checks and failures: how a balancer learns that a backend died, and the failures to inject.

Active checks probe every backend on a timer; passive checks watch real traffic. Either
way there is a window between a backend dying and the balancer knowing, and requests sent
in that window fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from course.sim import validate

from .backend import MAX_BACKENDS

__all__ = ["HealthCheck", "HealthState", "Outage", "PassiveCheck", "Slowdown"]


MAX_STREAK = 1000  # fall, rise and failures: more checks in a row than any balancer would wait for


def _count(name: str, value: object, why: str) -> int:
    return validate.whole(name, value, minimum=1, maximum=MAX_STREAK, why=why)


class HealthState:
    """An up backend is marked down after `fall` failed checks in a row; a down one is marked up
    after `rise` passed checks in a row. Any other result resets the count.

    This is the state machine of HAProxy's `fall`/`rise` and nginx's `fails`/`passes`.

    Taught in lessons/02_load_balancer.ipynb.

    >>> state = HealthState(fall=3, rise=2)
    >>> [state.observe(ok) for ok in (False, False, True, False, False, False)]
    [False, False, False, False, False, True]
    >>> state.up
    False
    >>> HealthState(fall=2, rise=2, up=False).replay([True, False, True, True])
    ['down', 'down', 'down', 'up']
    """

    def __init__(self, fall: int = 3, rise: int = 2, up: bool = True):
        self.fall = _count("fall", fall, "how many failed checks in a row mark a backend down")
        self.rise = _count("rise", rise, "how many passed checks in a row mark a backend up again")
        self.up: bool = validate.instance("up", up, bool, example="up=True (a new backend starts up)")
        self.streak = 0  # results in a row that disagree with the current state

    def __repr__(self) -> str:
        return f"HealthState({'up' if self.up else 'down'}, streak={self.streak}, fall={self.fall}, rise={self.rise})"

    def observe(self, ok: bool) -> bool:
        """Take one check result (True: passed); return True if it flipped the state."""
        validate.instance("ok", ok, bool, example="observe(True) for a passed check")
        if ok == self.up:
            self.streak = 0
            return False
        self.streak += 1
        if self.streak >= (self.fall if self.up else self.rise):
            self.up, self.streak = not self.up, 0
            return True
        return False

    def replay(self, results: Iterable[bool]) -> list[str]:
        """Feed `results` in order; the state ("up" or "down") after each one."""
        if isinstance(results, (str, bytes)) or not isinstance(results, Iterable):
            raise ValueError(f"results must be a list of True/False check results (got {results!r})")
        out = []
        for ok in results:
            self.observe(ok)
            out.append("up" if self.up else "down")
        return out


@dataclass(frozen=True)
class HealthCheck:
    """Active checks: probe each backend every `interval` seconds; a probe to a dead backend
    fails after `timeout` seconds; `fall` failures in a row mark it down, `rise` passes mark it up.

    A backend that dies is marked down within `interval * fall + timeout` seconds, and not
    before `interval * (fall - 1) + timeout`. Probes of live backends pass at once, even of
    slow ones: a health check does not see slowness.

    Taught in lessons/02_load_balancer.ipynb.

    >>> HealthCheck(interval=2.0, fall=3, timeout=1.0).worst_detection
    7.0
    >>> HealthCheck(interval=1.0, timeout=2.0)
    Traceback (most recent call last):
    ...
    ValueError: timeout must not exceed interval (got timeout=2.0, interval=1.0): ...
    """

    interval: float = 2.0
    fall: int = 3
    rise: int = 2
    timeout: float = 1.0

    def __post_init__(self) -> None:
        validate.duration("interval", self.interval, positive=True, why="the time between two probes of a backend")
        _count("fall", self.fall, "how many failed probes in a row mark a backend down")
        _count("rise", self.rise, "how many passed probes in a row mark a backend up again")
        validate.duration("timeout", self.timeout, why="how long a probe waits for an answer")
        if self.timeout > self.interval:
            raise ValueError(
                f"timeout must not exceed interval (got timeout={self.timeout!r}, interval={self.interval!r}): "
                "a probe ends before the next one starts"
            )

    @property
    def worst_detection(self) -> float:
        """The longest a dead backend can stay marked up: `interval * fall + timeout`."""
        return self.interval * self.fall + self.timeout


@dataclass(frozen=True)
class PassiveCheck:
    """Passive checks: after `failures` failed requests in a row on real traffic, eject the backend
    for `ejection` seconds; then it gets traffic again, on probation: one more failure ejects it
    again at once, one success clears it.

    Like nginx's `max_fails`/`fail_timeout` and Envoy's outlier detection. Only a failure to
    reach the backend counts (a 502), not a full queue (a 503).

    Taught in lessons/02_load_balancer.ipynb.

    >>> PassiveCheck(failures=3, ejection=10.0)
    PassiveCheck(failures=3, ejection=10.0)
    """

    failures: int = 3
    ejection: float = 10.0

    def __post_init__(self) -> None:
        _count("failures", self.failures, "how many failed requests in a row eject a backend")
        validate.duration("ejection", self.ejection, positive=True, why="how long an ejected backend gets no traffic")


def _backend_ref(value: object) -> None:
    if isinstance(value, str):
        return
    validate.whole("backend", value, maximum=MAX_BACKENDS, why="a backend's name like 'b0' or its position 0, 1, ...")


def _window(at: object, until: object) -> None:
    validate.duration("at", at, why="the time the failure starts, in simulated seconds")
    if until is not None:
        end = validate.duration("until", until, why="the time the backend is well again (None: never)")
        if not end > at:  # type: ignore[operator]
            raise ValueError(f"until must come after at (got at={at!r}, until={until!r}): None means never")


@dataclass(frozen=True)
class Outage:
    """Backend `backend` (a name or a position) dies at time `at` and comes back at `until`
    (None: never), with an empty queue, like a restarted process.

    Requests it was serving fail with 502 at `at`; requests sent to it while it is dead
    fail with 502 after the balancer's connect timeout.

    >>> Outage("b1", at=5.0, until=15.0)
    Outage(backend='b1', at=5.0, until=15.0)
    """

    backend: str | int
    at: float
    until: float | None = None

    def __post_init__(self) -> None:
        _backend_ref(self.backend)
        _window(self.at, self.until)


@dataclass(frozen=True)
class Slowdown:
    """Backend `backend` takes `factor` times longer per request from `at` until `until`
    (None: for good). It stays up: health probes still pass.

    >>> Slowdown(0, at=2.0, factor=5.0)
    Slowdown(backend=0, at=2.0, factor=5.0, until=None)
    """

    backend: str | int
    at: float
    factor: float = 4.0
    until: float | None = None

    def __post_init__(self) -> None:
        _backend_ref(self.backend)
        _window(self.at, self.until)
        validate.number("factor", self.factor, positive=True, maximum=1e6, why="4.0 makes every request 4 times slower")
