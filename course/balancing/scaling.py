"""Horizontal scaling: add or remove instances during a run, by schedule or by a target-utilization autoscaler."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["Autoscaler", "Scale", "ScaleReport"]


def _time(name: str, value: float, zero_ok: bool = True) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isinf(value)
    if not ok or not (value >= 0 if zero_ok else value > 0):
        kind = "zero or more" if zero_ok else "a positive number of"
        raise ValueError(f"{name} must be {kind} seconds (got {value!r})")


def _count(name: str, value: int, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number of at least {low} (got {value!r})")


@dataclass(frozen=True)
class Scale:
    """At time `at`, change the pool to `to` instances: new ones (copies of `template`, by default
    `Backend()`, named on from the last, e.g. b5, b6) take traffic after `startup` seconds;
    removed ones (the newest first) drain: no new traffic, then they leave once their last
    request is answered.

    Taught in lessons/02_load_balancer.ipynb.

    >>> Scale(at=10, to=8)
    Scale(at=10, to=8, startup=0.0, template=None)
    """

    at: float
    to: int
    startup: float = 0.0
    template: Backend | None = None

    def __post_init__(self):
        _time("at", self.at)
        _count("to", self.to, 1)
        _time("startup", self.startup)


@dataclass(frozen=True)
class Autoscaler:
    """Every `interval` seconds, set the pool to `ceil(n * utilization / target)` instances
    (the Kubernetes HPA rule), kept between `min_backends` and `max_backends`, unless the
    utilization is within `tolerance` of the target. New instances need `startup` seconds,
    and no decision is taken while some are starting. Scaling down uses the largest count
    wanted over the last `stabilization` seconds, so a brief lull does not remove instances.

    Taught in lessons/02_load_balancer.ipynb.

    >>> Autoscaler(target=0.6).desired(backends=4, utilization=0.9)
    6
    >>> Autoscaler(target=0.6).desired(backends=4, utilization=0.62)
    4
    """

    target: float = 0.6
    interval: float = 5.0
    min_backends: int = 1
    max_backends: int = 20
    startup: float = 2.0
    tolerance: float = 0.1
    stabilization: float = 30.0
    template: Backend | None = None

    def __post_init__(self):
        t = self.target
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= 1:
            raise ValueError(f"target must be a utilization above 0 and at most 1 (got {t!r}), e.g. 0.6")
        _time("interval", self.interval, zero_ok=False)
        _count("min_backends", self.min_backends, 1)
        _count("max_backends", self.max_backends, self.min_backends)
        _time("startup", self.startup)
        _time("stabilization", self.stabilization)
        tol = self.tolerance
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1:
            raise ValueError(f"tolerance must be at least 0 and below 1 (got {tol!r}), e.g. 0.1")

    def desired(self, backends: int, utilization: float) -> int:
        """How many instances to run when `backends` run at `utilization` on average."""
        if abs(utilization / self.target - 1) <= self.tolerance:
            return backends
        want = math.ceil(backends * utilization / self.target - 1e-9)
        return max(self.min_backends, min(self.max_backends, want))


@dataclass(frozen=True)
class ScaleReport:
    """One change of the pool: when, the instances taking traffic before and after, why, and the
    share of keys that changed backend (for hash-based strategies; None otherwise)."""

    time: float
    before: tuple[str, ...]
    after: tuple[str, ...]
    reason: str
    keys_moved: float | None

    def __repr__(self) -> str:
        moved = "" if self.keys_moved is None else f", keys_moved={self.keys_moved:.0%}"
        return f"ScaleReport(t={self.time:g} s, {len(self.before)} -> {len(self.after)} backends, {self.reason}{moved})"
