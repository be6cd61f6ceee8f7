"""Health checks and failures: how a balancer learns that a backend died, and the failures to inject.

Active checks probe every backend on a timer; passive checks watch real traffic. Either
way there is a window between a backend dying and the balancer knowing, and requests sent
in that window fail. How a backend dies decides how fast anyone notices (`OUTAGE_KINDS`): a
crashed process leaves its host up, and the host refuses every connection at once; an
unreachable host (dead, hung or cut off by a network partition) answers nothing, so connections
and probes wait for their timeouts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from course.sim import validate

from .backend import MAX_BACKENDS

__all__ = ["OUTAGE_KINDS", "HealthCheck", "HealthState", "Outage", "PassiveCheck", "Slowdown"]


MAX_STREAK = 1000  # fall, rise and failures: more checks in a row than any balancer would wait for
OUTAGE_KINDS = {
    "unreachable": "the host is dead, hung or cut off: nothing answers, so connections and probes time out",
    "crash": "the process exited but its host is up: the host refuses every connection at once",
}


def _count(name: str, value: object, why: str) -> int:
    return validate.whole(name, value, minimum=1, maximum=MAX_STREAK, why=why)


class HealthState:
    """An up backend is marked down after `fall` failed checks in a row; a down one is marked up
    after `rise` passed checks in a row. Any other result resets the count.

    This is the state machine of HAProxy's `fall`/`rise` (3 and 2 by default, a probe every
    2 s) and of the `fails`/`passes` of NGINX Plus's active `health_check` (open-source NGINX
    has no active checks, only the passive `max_fails`/`fail_timeout`).

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
    """Active checks: probe each backend every `interval` seconds; `fall` failed probes in a row
    mark it down, `rise` passed probes mark it up again.

    A probe of a crashed backend fails at once (its host refuses the connection); a probe of an
    unreachable one fails when its `timeout` runs out. So a backend that dies is marked down
    after `detection_window(kind)`: from `interval * (fall - 1)` to `interval * fall` seconds
    after a crash, `timeout` later when unreachable. Probes of live backends pass at once, even
    of slow ones: a health check does not see slowness.

    Taught in lessons/02_load_balancer.ipynb.

    >>> HealthCheck(interval=2.0, fall=3, timeout=1.0).worst_detection
    7.0
    >>> HealthCheck(interval=2.0, fall=3, timeout=1.0).detection_window("crash")
    (4.0, 6.0)
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
        """The longest a dead backend can stay marked up (an unreachable one): `interval * fall + timeout`."""
        return self.interval * self.fall + self.timeout

    def detection_window(self, kind: str = "unreachable") -> tuple[float, float]:
        """The shortest and longest time from a backend dying (an `OUTAGE_KINDS` word) to its being marked down."""
        validate.choice("kind", kind, OUTAGE_KINDS)
        wait = self.timeout if kind == "unreachable" else 0.0
        return self.interval * (self.fall - 1) + wait, self.interval * self.fall + wait


@dataclass(frozen=True)
class PassiveCheck:
    """Passive checks: after `failures` failed requests in a row on real traffic, eject the backend
    for `ejection` seconds; then it gets traffic again, on probation: one more failure ejects it
    again at once, one success clears it.

    Like Envoy's outlier detection on consecutive errors (`consecutive_5xx`, 5 by default);
    open-source NGINX's passive `max_fails`/`fail_timeout` counts failures within a window of
    `fail_timeout` seconds instead of in a row. Only a failure to reach the backend counts (a
    refused or timed-out connection, a lost request), not a full queue (a 503).

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
    (None: never), with an empty queue, like a restarted process; `kind` says how it dies.

    - "unreachable" (the default): the host is dead, hung or cut off by a partition, so nothing
      answers. A connection to it fails when the balancer's `connect_timeout` runs out (a 504;
      the request was never sent); requests it held fail when `response_timeout` runs out (a
      504; they were sent). Probes fail when their own timeout runs out.
    - "crash": the process exited but its host is up, so the host refuses every connection at
      once (a 502; never sent); requests it held fail at `at` (a 502; they were sent). Probes
      fail at once.

    >>> Outage("b1", at=5.0, until=15.0)
    Outage(backend='b1', at=5.0, until=15.0, kind='unreachable')
    >>> Outage("b1", at=5.0, kind="crash").kind
    'crash'
    """

    backend: str | int
    at: float
    until: float | None = None
    kind: str = "unreachable"

    def __post_init__(self) -> None:
        _backend_ref(self.backend)
        _window(self.at, self.until)
        validate.choice("kind", self.kind, OUTAGE_KINDS)

    @property
    def refuses(self) -> bool:
        """Whether connections to the dead backend are refused at once (a crash) rather than timing out."""
        return self.kind == "crash"


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
