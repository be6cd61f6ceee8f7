"""Questions for exercises/02_load_balancer.ipynb: least connections, a ring's node_for, the fall/rise health
state machine, a pool that keeps the p99 under a target, and predicting when a dead backend leaves rotation.

Each question builds fresh inputs from a seeded `rng` and compares the learner's answer with the rule the
lesson states (and the library implements), so a hard-coded answer does not pass.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from ..balancing import (
    BalancerScenario,
    Candidate,
    ConsistentHashRing,
    HealthCheck,
    HealthState,
    Outage,
    Strategy,
    Workload,
    backend_pool,
    make_strategy,
    simulate,
    stable_hash,
)
from .registry import Check, question

__all__ = ["PLAN_SPREAD", "PLAN_TARGET", "PLAN_UTILIZATION", "detection_scenario", "pool_scenario"]

PLAN_TARGET = 0.150  # seconds: the p99 the pool must stay under
PLAN_UTILIZATION = 0.6  # every backend at least this busy on average: no over-provisioning
PLAN_SPREAD = 0.5  # backend speeds from 0.5 to 1.5
PLAN_RATES = (200, 240, 280, 320, 360, 400)


# ---- 1. least connections ----------------------------------------------------------------------------------


def _least(candidates):
    best = None
    for c in candidates:
        if best is None or c.in_flight / c.weight < best.in_flight / best.weight:
            best = c
    return best


def _pool(*in_flight, weights=None) -> list[Candidate]:
    weights = weights or [1] * len(in_flight)
    return [Candidate(f"b{i}", i, w, n) for i, (n, w) in enumerate(zip(in_flight, weights, strict=True))]


class _Picker(Strategy):
    """A learner's `pick(candidates)` function as a strategy the simulator can run."""

    name = "your_pick"

    def __init__(self, pick: Callable):
        self._pick = pick
        super().__init__(0)

    def pick(self, candidates, request=None, now=0.0):
        return self._pick(candidates)


@question("balancing.least_connections", title="Least connections: pick a backend")
def least_connections(pick: Callable, rng: random.Random):
    simple = _pool(4, 1, 2)
    yield Check(
        hint="with b0, b1, b2 holding 4, 1 and 2 requests in flight, pick b1 (the fewest)",
        run=lambda: getattr(pick(simple), "name", pick(simple)) == "b1",
    )
    yield Check(
        hint="return the candidate itself (the Candidate object you were given), not its name or index",
        run=lambda: pick(simple) is simple[1],
    )
    tied = _pool(3, 2, 1, 1)
    yield Check(
        hint="on a tie, pick the first of the tied backends in the list: with 3, 2, 1, 1 in flight that is b2",
        run=lambda: pick(tied) is tied[2],
    )
    weighted = _pool(4, 3, weights=[4, 1])
    yield Check(
        hint="compare in_flight / weight: b0 has 4 in flight with weight 4 (1 per unit), b1 has 3 with weight 1 (3)",
        run=lambda: pick(weighted) is weighted[0],
    )
    pools = []
    for _ in range(200):
        n = rng.randint(1, 8)
        pools.append(
            _pool(*(rng.randint(0, 6) for _ in range(n)), weights=[rng.choice([1, 1, 2, 3]) for _ in range(n)])
        )
    yield Check(
        hint="on 200 random pools your pick differs from 'the lowest in_flight / weight, first on a tie'",
        run=lambda: all(pick(p) is _least(p) for p in pools),
    )
    seed = rng.randint(0, 1000)
    yield Check(
        hint="run inside the balancer on backends of speeds 0.4 to 1.6 at 80 % load, your pick should keep "
        "the p99 under 300 ms with nothing dropped (round robin gets about 1.9 s)",
        run=lambda: _in_balancer(pick, seed),
        timeout=20,
    )


def _in_balancer(pick: Callable, seed: int) -> bool:
    sc = BalancerScenario(backends=backend_pool(5, spread=0.6), strategy=_Picker(pick), workload=Workload(rate=320))
    s = simulate(sc, until=20, seed=seed).summary()
    return s.dropped == 0 and s.p99 < 0.3


# ---- 2. a hash ring's node_for -------------------------------------------------------------------------------


def _owners(ring_class, nodes, vnodes, keys) -> bool:
    mine, reference = ring_class(nodes, vnodes), ConsistentHashRing(nodes, vnodes)
    return all(mine.node_for(k) == reference.node_for(k) for k in keys)


def _raises_lookup(ring_class) -> bool:
    try:
        ring_class([], 10).node_for("user:1")
    except LookupError:
        return True
    return False


@question("balancing.ring_node_for", title="Consistent hashing: node_for(key)")
def ring_node_for(ring_class, rng: random.Random):
    yield Check(
        hint="on a ring with a single node, every key belongs to that node",
        run=lambda: all(ring_class(["only"], 5).node_for(f"k{i}") == "only" for i in range(50)),
    )
    nodes = [f"cache-{c}" for c in "abc"]
    ring = ConsistentHashRing(nodes, 2)
    top = max(h for h, _ in ((stable_hash(f"{n}#{i}"), n) for n in nodes for i in range(2)))
    past = [k for k in (f"user:{i}" for i in range(5000)) if stable_hash(k) > top][:20]
    yield Check(
        hint="a key whose hash is past the last point wraps around: it belongs to the node of the FIRST point",
        run=lambda: all(ring_class(nodes, 2).node_for(k) == ring.node_for(k) for k in past),
    )
    on_points = [f"{n}#{i}" for n in nodes for i in range(2)]  # these keys hash exactly onto the points
    yield Check(
        hint="a key that hashes exactly onto a point belongs to that point's node (the first point AT or after "
        "the key's hash, not strictly after): use bisect_left",
        run=lambda: all(ring_class(nodes, 2).node_for(k) == k.split("#")[0] for k in on_points),
    )
    names = [f"node-{rng.randint(100, 999)}-{i}" for i in range(rng.randint(3, 8))]
    vnodes = rng.choice([1, 3, 10, 50, 100])
    keys = [f"key-{rng.randint(0, 10**9)}" for _ in range(2000)]
    yield Check(
        hint=f"on a ring of {len(names)} nodes with {vnodes} points each, your owners differ from "
        "course.balancing.ConsistentHashRing for some of 2,000 random keys",
        run=lambda: _owners(ring_class, names, vnodes, keys),
        timeout=10,
    )
    yield Check(
        hint="a ring with no nodes has no owner for any key: node_for should raise LookupError",
        run=lambda: _raises_lookup(ring_class),
    )


# ---- 3. the fall/rise health state machine --------------------------------------------------------------------


def _replay(make: Callable, fall: int, rise: int, results: list[bool]) -> list[tuple[bool, bool]]:
    state = make(fall, rise)
    return [(bool(state.observe(ok)), bool(state.up)) for ok in results]


def _reference(fall: int, rise: int, results: list[bool]) -> list[tuple[bool, bool]]:
    state = HealthState(fall, rise)
    return [(state.observe(ok), state.up) for ok in results]


F, T = False, True


@question("balancing.health_state", title="Health checks: the fall/rise state machine")
def health_state(make: Callable, rng: random.Random):
    yield Check(hint="a new backend starts up: make(3, 2).up should be True", run=lambda: make(3, 2).up is True)
    yield Check(
        hint="fall=3: two failed checks leave it up, the third marks it down, and observe returns True on that flip",
        run=lambda: _replay(make, 3, 2, [F, F, F]) == [(F, T), (F, T), (T, F)],
    )
    yield Check(
        hint="failures must come in a row: F, F, T, F, F with fall=3 leaves the backend up",
        run=lambda: [up for _, up in _replay(make, 3, 2, [F, F, T, F, F])] == [T] * 5,
    )
    yield Check(
        hint="start counting afresh after a flip: fall=2, rise=2 and F, F, T leaves it down (one pass is not two)",
        run=lambda: [up for _, up in _replay(make, 2, 2, [F, F, T])] == [T, F, F],
    )
    yield Check(
        hint="a down backend comes back after `rise` passes in a row (rise=2: F, then T, T marks it up again)",
        run=lambda: _replay(make, 1, 2, [F, T, T]) == [(T, F), (F, F), (T, T)],
    )
    yield Check(
        hint="passes must come in a row too: with rise=2, a down backend seeing T, F, T stays down",
        run=lambda: [up for _, up in _replay(make, 1, 2, [F, T, F, T])] == [F] * 4,
    )
    cases = []
    for _ in range(30):
        fall, rise = rng.randint(1, 4), rng.randint(1, 4)
        cases.append((fall, rise, [rng.random() < 0.6 for _ in range(60)]))
    yield Check(
        hint="on 30 random sequences of results your state machine disagrees with course.balancing.HealthState",
        run=lambda: all(_replay(make, fall, rise, r) == _reference(fall, rise, r) for fall, rise, r in cases),
    )


# ---- 4. a pool that keeps the p99 under a target ---------------------------------------------------------------


def pool_scenario(rate: float, strategy: str, backends: int) -> BalancerScenario:
    """The exercise's pool: `backends` with speeds spread from 0.5 to 1.5, `rate` requests per second."""
    return BalancerScenario(
        backends=backend_pool(backends, spread=PLAN_SPREAD), strategy=strategy, workload=Workload(rate=rate)
    )


def _valid_plan(answer) -> bool:
    try:
        strategy, backends = answer
        make_strategy(strategy)
    except (TypeError, ValueError):
        return False
    return isinstance(backends, int) and not isinstance(backends, bool) and backends >= 1


@question("balancing.plan_pool", title="Choose a strategy and a pool size for a p99 target")
def plan_pool(plan: Callable, rng: random.Random):
    rates = [rng.choice(PLAN_RATES[:2]), rng.choice(PLAN_RATES[-2:])]  # a small and a large pool: no one n fits both
    seed = rng.randint(0, 1000)
    answers: dict[float, tuple] = {}
    runs: dict[float, object] = {}

    def answer(rate):
        if rate not in answers:
            answers[rate] = tuple(plan(rate))
        return answers[rate]

    def run(rate):
        if rate not in runs:
            strategy, backends = answer(rate)
            runs[rate] = simulate(pool_scenario(rate, strategy, backends), until=60, seed=seed).summary()
        return runs[rate]

    for rate in rates:
        yield Check(
            hint="plan(rate) should return a pair (strategy name, number of backends), e.g. ('random', 4); "
            "the name must be one the balancer knows (see course.balancing.STRATEGIES)",
            run=lambda rate=rate: _valid_plan(answer(rate)),
            timeout=30,
        )
        yield Check(
            hint=f"at {rate} requests/s each backend must be at least {PLAN_UTILIZATION:.0%} busy on average, so "
            f"at most rate / ({80 * PLAN_UTILIZATION:g} requests/s) backends: you asked for too many",
            run=lambda rate=rate: rate / (80 * answer(rate)[1]) >= PLAN_UTILIZATION,
        )
        yield Check(
            hint=f"at {rate} requests/s your pool dropped requests: some backend's queue overflowed (round robin "
            "and random overload the slowest backend, speed 0.5)",
            run=lambda rate=rate: run(rate).dropped == 0,
            timeout=20,
        )
        yield Check(
            hint=f"at {rate} requests/s your pool's p99 is above {PLAN_TARGET * 1000:.0f} ms: compare strategies "
            "with simulate(pool_scenario(...)) as the lesson did, and pick one that adapts to slow backends",
            run=lambda rate=rate: run(rate).p99 < PLAN_TARGET,
            timeout=20,
        )


# ---- 5. predict, then run -------------------------------------------------------------------------------------


def detection_scenario() -> BalancerScenario:
    """The exercise's outage: 3 backends, 60 requests/s, checks every 2 s (fall 2, timeout 0.5 s), b1 dies at 7.5 s."""
    return BalancerScenario(
        backends=3,
        workload=Workload(rate=60),
        health=HealthCheck(interval=2.0, fall=2, rise=2, timeout=0.5),
        failures=(Outage("b1", at=7.5),),
    )


@question("balancing.predict_detection", title="Predict when a dead backend leaves rotation")
def predict_detection(predicted: Callable):
    actual = simulate(detection_scenario(), until=20).outages[0].marked_down
    yield Check(
        hint="not yet: probes start at t = 0 and repeat every 2 s; a probe of a dead backend fails when its "
        "0.5 s timeout runs out; fall = 2 failed probes in a row take the backend out",
        run=lambda: math.isclose(float(predicted()), actual, abs_tol=1e-9),
    )
