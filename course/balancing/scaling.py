"""Horizontal scaling: add or remove instances during a run, by schedule or by a target-utilization autoscaler."""

from __future__ import annotations

import math
from dataclasses import dataclass

from course.sim import validate

from .backend import MAX_BACKENDS, Backend

__all__ = ["Autoscaler", "Scale"]


def _template(value: object) -> None:
    if value is not None:
        validate.instance("template", value, Backend, example="template=Backend(speed=2.0)")


@dataclass(frozen=True)
class Scale:
    """At time `at`, change the pool to `to` instances: new ones (copies of `template`, by default
    `Backend()`, named on from the last, e.g. b5, b6) take traffic after `startup` seconds;
    removed ones (the newest first) drain: no new traffic, then they leave once their last
    request is answered.

    Taught in lessons/02_load_balancer.ipynb.

    >>> Scale(at=10, to=8)
    Scale(at=10, to=8, startup=0.0, template=None)
    >>> Scale(at=10, to=0)
    Traceback (most recent call last):
    ...
    ValueError: to must be a whole number of at least 1 (got 0): the pool keeps at least one backend
    """

    at: float
    to: int
    startup: float = 0.0
    template: Backend | None = None

    def __post_init__(self) -> None:
        validate.duration("at", self.at, why="when the pool changes, in simulated seconds")
        validate.whole("to", self.to, minimum=1, maximum=MAX_BACKENDS, why="the pool keeps at least one backend")
        validate.duration("startup", self.startup, why="seconds before a new instance takes traffic")
        _template(self.template)


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

    def __post_init__(self) -> None:
        validate.number("target", self.target, positive=True, maximum=1.0, why="the utilization to aim for, e.g. 0.6")
        validate.duration("interval", self.interval, positive=True, why="seconds between two decisions")
        validate.whole("min_backends", self.min_backends, minimum=1, maximum=MAX_BACKENDS, why="the fewest instances")
        validate.whole(
            "max_backends",
            self.max_backends,
            minimum=self.min_backends,
            maximum=MAX_BACKENDS,
            why="the most instances, at least min_backends",
        )
        validate.duration("startup", self.startup, why="seconds before a new instance takes traffic")
        validate.number(
            "tolerance", self.tolerance, minimum=0.0, maximum=0.99, why="no change while this close to the target"
        )
        validate.duration("stabilization", self.stabilization, why="seconds of wishes a scale-down looks back over")
        _template(self.template)

    def desired(self, backends: int, utilization: float) -> int:
        """How many instances to run when `backends` run at `utilization` on average."""
        validate.whole("backends", backends, minimum=1, maximum=MAX_BACKENDS, why="instances running now")
        validate.number("utilization", utilization, minimum=0.0, maximum=1.0, why="the share of worker time busy")
        if abs(utilization / self.target - 1) <= self.tolerance:
            return backends
        want = math.ceil(backends * utilization / self.target - 1e-9)
        return max(self.min_backends, min(self.max_backends, want))
