"""The reports inside a balancer run's results: each backend over the run, each outage, each change of the pool.

The simulator builds them at the end of a run; each checks its fields, so one built by hand is
checked too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from course.sim import format_duration, validate

from .health import OUTAGE_KINDS

__all__ = ["BackendStats", "OutageReport", "ScaleReport"]


def _time(name: str, value: object) -> float:
    return validate.duration(name, value, why="a time in the run, in simulated seconds")


def _count(name: str, value: object) -> int:
    return validate.whole(name, value, why="a count of requests")


def _latency(name: str, value: object) -> None:
    """A latency in seconds, or NaN when there was nothing to measure (nothing was served)."""
    if not (isinstance(value, float) and math.isnan(value)):
        validate.duration(name, value, why="a latency of served requests in seconds (NaN: none served)")


@dataclass(frozen=True)
class BackendStats:
    """One backend over the run: its share of the traffic sent, how busy it was, and its states.

    `share` is its part of all attempts the balancer sent to a backend; `utilization` is busy
    worker time over worker time while it was in the pool; `mean_in_flight` is the average
    number of requests queued or in service (Little's law); `timeline` lists
    `(time, state)` changes with states from `BACKEND_STATES`.
    """

    name: str
    speed: float
    weight: float
    sent: int
    served: int
    failed: int
    rejected: int
    sent_while_dead: int
    share: float
    utilization: float
    mean_in_flight: float
    max_in_flight: int
    p99: float
    added: float
    removed: float | None
    timeline: tuple[tuple[float, str], ...]

    def __post_init__(self) -> None:
        validate.instance("name", self.name, str, example="name='b0'")
        validate.number("speed", self.speed, positive=True, why="how fast the backend serves")
        validate.number("weight", self.weight, positive=True, why="its share for the weighted strategies")
        for name in ("sent", "served", "failed", "rejected", "sent_while_dead", "max_in_flight"):
            _count(name, getattr(self, name))
        validate.probability("share", self.share, why="its part of the attempts sent to backends")
        validate.probability("utilization", self.utilization, why="busy worker time over worker time")
        validate.number("mean_in_flight", self.mean_in_flight, minimum=0.0, why="requests held on average")
        _latency("p99", self.p99)
        _time("added", self.added)
        if self.removed is not None:
            _time("removed", self.removed)
        validate.instance("timeline", self.timeline, tuple, example="timeline=((0.0, 'up'),)")

    def __repr__(self) -> str:
        return (
            f"BackendStats({self.name!r}, speed={self.speed:g}, share={self.share:.0%}, "
            f"utilization={self.utilization:.0%}, p99={format_duration(self.p99)}, served={self.served}, "
            f"failed={self.failed}, rejected={self.rejected}, state={self.timeline[-1][1]})"
        )

    def state_at(self, t: float) -> str:
        """The backend's state at time `t` ("absent" before it joined)."""
        _time("t", t)
        current = "absent"
        for time, state in self.timeline:
            if time > t:
                break
            current = state
        return current


@dataclass(frozen=True)
class OutageReport:
    """One outage: when `backend` died (`kind`: "unreachable" or "crash") and came back, when the
    balancer stopped sending it traffic (`marked_down`), `detection = marked_down - died`, and how
    many requests were sent to it while it was dead.

    >>> OutageReport("b2", died=10.0, recovered=25.0, marked_down=15.0, sent_while_dead=233)
    OutageReport('b2' unreachable at 10 s, detected after 5.00 s, 233 requests sent to it while dead, back at 25 s)
    >>> OutageReport("b2", died=10.0, recovered=None, marked_down=14.0, sent_while_dead=187, kind="crash")
    OutageReport('b2' crashed at 10 s, detected after 4.00 s, 187 requests sent to it while dead)
    """

    backend: str
    died: float
    recovered: float | None
    marked_down: float | None
    sent_while_dead: int
    kind: str = "unreachable"

    def __post_init__(self) -> None:
        validate.instance("backend", self.backend, str, example="backend='b0'")
        _time("died", self.died)
        for name in ("recovered", "marked_down"):
            value = getattr(self, name)
            if value is not None and _time(name, value) < self.died:
                raise ValueError(f"{name} must not come before died (got {value!r} < {self.died!r})")
        _count("sent_while_dead", self.sent_while_dead)
        validate.choice("kind", self.kind, OUTAGE_KINDS)

    @property
    def died_how(self) -> str:
        """How it died, in words: "crashed" or "unreachable"."""
        return "crashed" if self.kind == "crash" else "unreachable"

    @property
    def detection(self) -> float | None:
        """Seconds from death until the balancer stopped routing to it (None: it never did)."""
        return None if self.marked_down is None else self.marked_down - self.died

    def __repr__(self) -> str:
        detect = "never detected" if self.detection is None else f"detected after {self.detection:.2f} s"
        back = "" if self.recovered is None else f", back at {self.recovered:g} s"
        return (
            f"OutageReport({self.backend!r} {self.died_how} at {self.died:g} s, {detect}, "
            f"{self.sent_while_dead} requests sent to it while dead{back})"
        )


@dataclass(frozen=True)
class ScaleReport:
    """One change of the pool: when, the instances taking traffic before and after, why, and the
    share of keys that changed backend (for hash-based strategies; None otherwise).

    >>> ScaleReport(10.0, ("b0",), ("b0", "b1"), "scheduled", None)
    ScaleReport(t=10 s, 1 -> 2 backends, scheduled)
    """

    time: float
    before: tuple[str, ...]
    after: tuple[str, ...]
    reason: str
    keys_moved: float | None

    def __post_init__(self) -> None:
        _time("time", self.time)
        validate.instance("before", self.before, tuple, example="before=('b0', 'b1')")
        validate.instance("after", self.after, tuple, example="after=('b0', 'b1', 'b2')")
        validate.instance("reason", self.reason, str, example="reason='autoscaler'")
        if self.keys_moved is not None:
            validate.probability("keys_moved", self.keys_moved, why="the share of keys that changed backend")

    def __repr__(self) -> str:
        moved = "" if self.keys_moved is None else f", keys_moved={self.keys_moved:.0%}"
        return f"ScaleReport(t={self.time:g} s, {len(self.before)} -> {len(self.after)} backends, {self.reason}{moved})"
