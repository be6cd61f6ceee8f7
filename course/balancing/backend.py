"""Backends: the definition of one instance behind the balancer, and pools of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from course.sim import validate

__all__ = ["BACKEND_STATES", "MAX_BACKENDS", "Backend", "backend_pool"]

# What a backend's timeline can show, from the balancer's point of view.
BACKEND_STATES = ("up", "slow", "dead", "down", "ejected", "starting", "draining", "removed")
MAX_BACKENDS = 1000  # the toy simulates and draws every backend


@dataclass(frozen=True)
class Backend:
    """One instance: `servers` workers of `speed` (2.0 serves twice as fast) sharing a queue that
    holds `queue_capacity` waiting requests (None: unbounded); `weight` is its share for the
    weighted strategies.

    Taught in lessons/02_load_balancer.ipynb.

    >>> Backend(speed=2.0)
    Backend(speed=2.0, weight=1, servers=1, queue_capacity=50, name='')
    >>> Backend(weight=0)
    Traceback (most recent call last):
    ...
    ValueError: weight must be a positive number (got 0): to stop sending traffic to a backend, drain or remove it
    """

    speed: float = 1.0
    weight: float = 1
    servers: int = 1
    queue_capacity: int | None = 50
    name: str = ""

    def __post_init__(self) -> None:
        validate.number("speed", self.speed, positive=True, why="2.0 serves twice as fast as 1.0")
        validate.number(
            "weight", self.weight, positive=True, why="to stop sending traffic to a backend, drain or remove it"
        )
        validate.whole("servers", self.servers, minimum=1, maximum=1000, why="the workers of one backend")
        if self.queue_capacity is not None:
            validate.whole(
                "queue_capacity", self.queue_capacity, why="requests that may wait (None: unbounded, 0: no waiting)"
            )
        validate.instance("name", self.name, str, example="name='b0', or '' for an automatic name")


def backend_pool(backends: int, spread: float = 0.0, *, weighted: bool = False, **spec: Any) -> tuple[Backend, ...]:
    """`backends` backends whose speeds are spaced evenly from `1 - spread` to `1 + spread` (mean 1.0),
    so the pool's total capacity stays the same whatever the spread.

    `weighted=True` gives each backend a weight equal to its speed: what a careful operator
    configures for weighted round robin when the speeds are known.

    >>> [b.speed for b in backend_pool(3, spread=0.5)]
    [0.5, 1.0, 1.5]
    >>> [b.weight for b in backend_pool(3, spread=0.5, weighted=True)]
    [0.5, 1.0, 1.5]
    >>> backend_pool(0)
    Traceback (most recent call last):
    ...
    ValueError: backends must be a whole number of at least 1 (got 0): a load balancer needs somewhere to send traffic
    """
    n = validate.whole(
        "backends",
        backends,
        minimum=1,
        maximum=MAX_BACKENDS,
        why="a load balancer needs somewhere to send traffic",
    )
    spread = validate.number(
        "spread", spread, minimum=0.0, maximum=0.95, why="0.5 gives speeds from 0.5 to 1.5; 1 would stop the slowest"
    )
    validate.instance("weighted", weighted, bool, example="weighted=True")
    if "speed" in spec or ("weight" in spec and weighted):
        clash = "speed" if "speed" in spec else "weight"
        raise ValueError(f"{clash} is set by backend_pool itself: leave it out (spread sets the speeds)")
    speeds = [1.0] if n == 1 else [round(1 - spread + 2 * spread * i / (n - 1), 12) for i in range(n)]
    if weighted:
        return tuple(Backend(speed=s, weight=s, **spec) for s in speeds)
    return tuple(Backend(speed=s, **spec) for s in speeds)
