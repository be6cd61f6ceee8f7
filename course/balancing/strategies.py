"""Load-balancing strategies: given the backends that can take traffic, pick one for a request.

Each strategy is a `Strategy` (see strategy.py for what it sees of a backend); `STRATEGIES`
names them all and `make_strategy` builds one from its name.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

from course.sim import stream, validate

from .ring import ConsistentHashRing, stable_hash
from .strategy import Candidate, Strategy, _Rotating

__all__ = [
    "STRATEGIES",
    "Candidate",  # re-exported from strategy.py: the examples below build candidates
    "ConsistentHash",
    "IPHash",
    "LeastConnections",
    "PeakEWMA",
    "PowerOfTwo",
    "RandomChoice",
    "RoundRobin",
    "WeightedRoundRobin",
    "make_strategy",
]


class RoundRobin(_Rotating):
    """Send each request to the next backend in pool order, wrapping around.

    Skipping a backend that is down keeps the order of the others.

    Taught in lessons/02_load_balancer.ipynb.

    >>> rr = RoundRobin()
    >>> pool = [Candidate("a", 0), Candidate("b", 1), Candidate("c", 2)]
    >>> "".join(rr.pick(pool).name for _ in range(5))
    'abcab'
    """

    name = "round_robin"

    def pick(self, candidates, request=None, now=0.0):
        last = self._last
        chosen = next((b for b in candidates if b.index > last), candidates[0])
        self._last = chosen.index
        return chosen


class WeightedRoundRobin(Strategy):
    """Smooth weighted round robin (nginx): over a cycle of total weight W each backend gets
    exactly its weight in picks, spread out rather than in bursts.

    Each pick adds every candidate's weight to its running score, takes the highest score
    (the first in pool order on a tie) and subtracts the total weight from the winner.

    Taught in lessons/02_load_balancer.ipynb.

    >>> wrr = WeightedRoundRobin()
    >>> pool = [Candidate("a", 0, weight=5), Candidate("b", 1, weight=1), Candidate("c", 2, weight=1)]
    >>> "".join(wrr.pick(pool).name for _ in range(7))
    'aabacaa'
    """

    name = "weighted_round_robin"

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._current: dict[str, float] = {}

    def pick(self, candidates, request=None, now=0.0):
        current, total, best, best_score = self._current, 0.0, None, -math.inf
        for b in candidates:
            score = current.get(b.name, 0.0) + b.weight
            current[b.name] = score
            total += b.weight
            if score > best_score:
                best, best_score = b, score
        assert best is not None  # candidates are never empty
        current[best.name] -= total
        return best


class RandomChoice(Strategy):
    """Pick a backend at random, in proportion to its weight (seeded, so runs repeat).

    Taught in lessons/02_load_balancer.ipynb.

    >>> pool = [Candidate("a", 0), Candidate("b", 1), Candidate("c", 2)]
    >>> one, two = RandomChoice(seed=3), RandomChoice(seed=3)
    >>> [one.pick(pool).name for _ in range(8)] == [two.pick(pool).name for _ in range(8)]
    True
    """

    name = "random"

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._rng = stream(seed, "strategy:random")

    def pick(self, candidates, request=None, now=0.0):
        weights = [b.weight for b in candidates]
        if min(weights) == max(weights):
            return candidates[int(self._rng.random() * len(candidates))]
        return self._rng.choices(candidates, weights=weights)[0]


class LeastConnections(_Rotating):
    """Pick the backend with the fewest requests in flight per unit of weight
    (`in_flight / weight`); ties go round robin among the tied backends.

    Taught in lessons/02_load_balancer.ipynb.

    >>> lc = LeastConnections()
    >>> lc.pick([Candidate("a", 0, in_flight=4), Candidate("b", 1, in_flight=1), Candidate("c", 2, in_flight=2)]).name
    'b'
    >>> pool = [Candidate("a", 0), Candidate("b", 1)]
    >>> [lc.pick(pool).name for _ in range(3)]
    ['a', 'b', 'a']
    """

    name = "least_connections"

    def pick(self, candidates, request=None, now=0.0):
        return self._lowest(candidates, [b.in_flight / b.weight for b in candidates])


class PowerOfTwo(Strategy):
    """Sample two different backends at random and send to the one with fewer requests in flight
    per unit of weight (the first sampled on a tie).

    Nearly as good as least connections, but needs to look at only two backends.

    Taught in lessons/02_load_balancer.ipynb.

    >>> p2c = PowerOfTwo(seed=0)
    >>> pool = [Candidate("a", 0, in_flight=9), Candidate("b", 1, in_flight=0)]
    >>> p2c.pick(pool).name
    'b'
    """

    name = "power_of_two"

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._rng = stream(seed, "strategy:power_of_two")

    def pick(self, candidates, request=None, now=0.0):
        n = len(candidates)
        if n == 1:
            return candidates[0]
        uniform = self._rng.random
        i = int(uniform() * n)
        j = int(uniform() * (n - 1))
        if j >= i:  # two distinct backends, each pair equally likely
            j += 1
        a, b = candidates[i], candidates[j]
        return b if b.in_flight / b.weight < a.in_flight / a.weight else a


class PeakEWMA(_Rotating):
    """Least response time (peak-EWMA, as in Finagle and Linkerd): pick the lowest
    `cost = (in_flight + 1) * latency_estimate`, ties round robin.

    The estimate per backend, after a response of latency `L` at time `t`, is
    `L` if `L` is above it (it jumps to a peak at once), else `ewma * w + L * (1 - w)`
    with `w = exp(-(t - t_last) / tau)`. Read at time `now`, it has decayed by
    `exp(-(now - t_last) / tau)`, so an idle backend is tried again. A backend never heard
    from is assumed to be as fast as the average of the others.

    Taught in lessons/02_load_balancer.ipynb.

    >>> ewma = PeakEWMA(tau=1.0)
    >>> a, b = Candidate("a", 0), Candidate("b", 1)
    >>> ewma.observe(a, latency=0.5, now=0.0); ewma.observe(b, latency=0.1, now=0.0)
    >>> ewma.pick([a, b], now=0.0).name
    'b'
    """

    name = "peak_ewma"

    def __init__(self, tau: float = 1.0, seed: int = 0):
        self.tau = validate.duration("tau", tau, positive=True, maximum=1e4, why="how long the latency memory lasts")
        super().__init__(seed)

    def options(self) -> dict[str, Any]:
        return {"tau": self.tau}

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._estimate: dict[str, tuple[float, float]] = {}  # name -> (ewma, time of last update)

    def observe(self, backend, latency, now):
        old = self._estimate.get(backend.name)
        if old is None or latency > old[0]:
            self._estimate[backend.name] = (latency, now)
        else:
            w = math.exp(-(now - old[1]) / self.tau)
            self._estimate[backend.name] = (old[0] * w + latency * (1 - w), now)

    def estimate(self, name: str, now: float) -> float | None:
        """The decayed latency estimate for backend `name` at `now` (None if never heard from)."""
        old = self._estimate.get(name)
        return None if old is None else old[0] * math.exp(-(now - old[1]) / self.tau)

    def pick(self, candidates, request=None, now=0.0):
        estimates, exp, tau = self._estimate, math.exp, self.tau
        heard = [estimates.get(b.name) for b in candidates]
        known = [e[0] * exp((e[1] - now) / tau) for e in heard if e is not None]
        if not known:  # nothing heard yet: fewest in flight, ties round robin
            return self._lowest(candidates, [b.in_flight for b in candidates])
        default, it = sum(known) / len(known), iter(known)
        scores = [
            (b.in_flight + 1) * (default if e is None else next(it)) for b, e in zip(candidates, heard, strict=True)
        ]
        return self._lowest(candidates, scores)


def _read(request: Any, attribute: str, strategy: Strategy) -> Any:
    """The request's `attribute` that a hashing strategy places it by, or an error that says so."""
    try:
        return getattr(request, attribute)
    except AttributeError:
        raise ValueError(
            f"request must have a `{attribute}` ({strategy.name} places requests by it): "
            f"pass an Arrival from a Workload, or SimpleNamespace({attribute}=...)"
        ) from None


class IPHash(Strategy):
    """Send a client to `candidates[stable_hash(client) % len(candidates)]`: the same client
    lands on the same backend while the set of backends is unchanged.

    When a backend goes down or joins, N changes and most clients move (compare
    `ConsistentHash`). Requests need a `client` attribute.

    Taught in lessons/02_load_balancer.ipynb.

    >>> from types import SimpleNamespace as Req
    >>> pool = [Candidate("a", 0), Candidate("b", 1), Candidate("c", 2)]
    >>> [IPHash().pick(pool, Req(client=c)).name for c in (0, 1, 2, 0, 1, 2)]
    ['a', 'b', 'a', 'a', 'b', 'a']
    """

    name = "ip_hash"

    def pick(self, candidates, request=None, now=0.0):
        return candidates[stable_hash(_read(request, "client", self)) % len(candidates)]

    def owners(self, keys: Sequence[object], names: Sequence[str]) -> list[str]:
        """Which of `names` (in pool order) each client in `keys` maps to."""
        return [names[stable_hash(key) % len(names)] for key in keys]


class ConsistentHash(Strategy):
    """Send a request to the owner of its `key` on a `ConsistentHashRing` of the backends; if
    that backend cannot take traffic, to the next one clockwise.

    Only the keys of a backend that leaves (or that a new backend takes over) move.
    Requests need a `key` attribute.

    Taught in lessons/02_load_balancer.ipynb.

    >>> from types import SimpleNamespace as Req
    >>> ch, pool = ConsistentHash(vnodes=50), [Candidate("a", 0), Candidate("b", 1), Candidate("c", 2)]
    >>> first = ch.pick(pool, Req(key="user:1")).name
    >>> ch.pick([b for b in pool if b.name != first], Req(key="user:1")).name != first
    True
    """

    name = "consistent_hash"

    def __init__(self, vnodes: int = 100, seed: int = 0):
        self.vnodes = ConsistentHashRing(vnodes=vnodes).vnodes  # validated with the ring's own message
        super().__init__(seed)

    def options(self) -> dict[str, Any]:
        return {"vnodes": self.vnodes}

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._rings: dict[tuple[str, ...], ConsistentHashRing] = {}

    def pick(self, candidates, request=None, now=0.0):
        # Skipping a backend that cannot take traffic, clockwise, is the same as taking it off
        # the ring, so a ring of exactly the candidates gives the owner (and is remembered).
        names = tuple(b.name for b in candidates)
        ring = self._rings.get(names)
        if ring is None:
            if len(self._rings) >= 64:
                self._rings.clear()
            ring = self._rings[names] = ConsistentHashRing(names, self.vnodes)
        return candidates[names.index(ring.node_for(_read(request, "key", self)))]

    def owners(self, keys: Sequence[object], names: Sequence[str]) -> list[Hashable]:
        """Which of `names` each of `keys` maps to on a ring holding exactly those backends."""
        ring = ConsistentHashRing(names, self.vnodes)
        return [ring.node_for(key) for key in keys]


STRATEGIES: dict[str, type[Strategy]] = {
    "round_robin": RoundRobin,
    "weighted_round_robin": WeightedRoundRobin,
    "random": RandomChoice,
    "least_connections": LeastConnections,
    "power_of_two": PowerOfTwo,
    "peak_ewma": PeakEWMA,
    "least_response_time": PeakEWMA,
    "ip_hash": IPHash,
    "consistent_hash": ConsistentHash,
}


def make_strategy(strategy: str | Strategy, seed: int = 0, **options: Any) -> Strategy:
    """Build a strategy from its name (case, spaces and dashes do not matter), or a fresh copy of one.

    >>> make_strategy("Least connections")
    LeastConnections()
    >>> make_strategy("peak-ewma", tau=0.5)
    PeakEWMA(tau=0.5)
    >>> make_strategy("fastest")
    Traceback (most recent call last):
    ...
    ValueError: strategy must be one of 'round_robin', 'weighted_round_robin', 'random', 'least_connections', \
'power_of_two', 'peak_ewma', 'least_response_time', 'ip_hash', 'consistent_hash' (got 'fastest')
    """
    validate.seed(seed)
    if isinstance(strategy, Strategy):
        if options:
            raise ValueError(f"options {sorted(options)} only apply when the strategy is given by name")
        return strategy.fresh(seed)
    key = strategy.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(strategy, str) else None
    if key not in STRATEGIES:
        validate.choice("strategy", strategy, STRATEGIES)  # raises, listing the names
    cls = STRATEGIES[key]
    try:
        return cls(seed=seed, **options)
    except TypeError:
        allowed = [p for p in cls.__init__.__code__.co_varnames[1 : cls.__init__.__code__.co_argcount] if p != "seed"]
        raise ValueError(f"{key} does not take {sorted(options)}; its options are {allowed or 'none'}") from None
