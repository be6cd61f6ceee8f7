"""What a strategy is: the view it has of each backend (`Candidate`), and the base every strategy builds on.

A strategy sees each candidate backend through a few attributes: `name`, `index` (its
place in the pool, fixed for its life), `weight` and `in_flight` (what the balancer can
count: requests queued or in service at L7, open connections at L4). Candidates always come
in pool order and are never empty. Strategies keep their own state (a pointer, weights,
latency estimates) and draw randomness from `course.sim.stream(seed, ...)`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from course.sim import validate

__all__ = ["Candidate", "Pickable", "Strategy"]


class Pickable(Protocol):
    """What a strategy reads of a backend: a `Candidate`, or a live backend during a run."""

    @property
    def name(self) -> str: ...
    @property
    def index(self) -> int: ...
    @property
    def weight(self) -> float: ...
    @property
    def in_flight(self) -> int: ...


@dataclass(frozen=True)
class Candidate:
    """What a strategy sees of one backend (the simulator's live backends look the same).

    >>> Candidate("b1", 1, in_flight=3)
    Candidate(name='b1', index=1, weight=1.0, in_flight=3)
    >>> Candidate("b1", 1, weight=0)
    Traceback (most recent call last):
    ...
    ValueError: weight must be a positive number (got 0): a backend's share for the weighted strategies
    """

    name: str
    index: int
    weight: float = 1.0
    in_flight: int = 0

    def __post_init__(self) -> None:
        validate.instance("name", self.name, str, example="Candidate('b0', 0)")
        validate.whole("index", self.index, why="its place in the pool, from 0")
        validate.number("weight", self.weight, positive=True, why="a backend's share for the weighted strategies")
        validate.whole("in_flight", self.in_flight, why="requests sent to it and not answered yet")


class Strategy:
    """Base class: `pick(candidates, request, now)` returns one of `candidates`.

    `observe(backend, latency, now)` hears every response (latency-aware strategies use it);
    `fresh(seed)` returns a copy with its state reset, so one definition can run many times.
    """

    name = "strategy"

    def __init__(self, seed: int = 0):
        self.seed = validate.seed(seed)
        self.reset(seed)

    def reset(self, seed: int) -> None:
        """Forget everything learned so far and reseed."""
        self.seed = seed

    def fresh(self, seed: int) -> Strategy:
        """A copy of this strategy with its state reset for a new run with `seed`."""
        validate.seed(seed)
        new = copy.copy(self)
        new.reset(seed)
        return new

    def options(self) -> dict[str, Any]:
        """The settings that define this strategy (shown in its repr)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.options().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.options() == other.options()  # type: ignore[union-attr]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self.options().items())))

    def pick(self, candidates: Sequence[Any], request: Any = None, now: float = 0.0) -> Any:  # pragma: no cover
        raise NotImplementedError

    def observe(self, backend: Any, latency: float, now: float) -> None:
        """Hear that `backend` answered after `latency` seconds (most strategies ignore this)."""


class _Rotating(Strategy):
    """Shared tie-break: among candidates tied for the lowest score, take the first whose index
    comes after the last pick, wrapping around (so ties are shared out in round robin order)."""

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._last = -1

    def _lowest(self, candidates: Sequence[Any], scores: Sequence[Any]) -> Any:
        best, last, first = min(scores), self._last, None
        for b, score in zip(candidates, scores, strict=True):
            if score == best:
                if b.index > last:
                    first = b
                    break
                if first is None:
                    first = b
        assert first is not None  # candidates are never empty
        self._last = first.index
        return first
