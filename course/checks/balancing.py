"""Questions for exercises/02_load_balancer.ipynb: least connections, a ring's node_for, the fall/rise health
state machine, a pool that keeps the p99 under a target, and predicting when an unreachable (or a crashed) backend
leaves rotation.

Each question builds fresh inputs from a seeded `rng` and compares the learner's answer with the rule the
lesson states (and the library implements), so a hard-coded answer does not pass. Each check asks the answer
for a plain result (`course.checks.asks`); the library code a question asks the learner to write is
off-limits in the answer. The exercise's scenarios live in `course.checks.givens`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ..balancing import (
    ConsistentHashRing,
    HealthState,
    Strategy,
    make_strategy,
    simulate,
    stable_hash,
)
from .asks import Step, attribute, call, drive, drives, method, probe
from .givens import PLAN_RATES, PLAN_SPREAD, PLAN_TARGET, PLAN_UTILIZATION, detection_scenario, pool_scenario
from .probes import balancer_scenario
from .registry import Check, question
from .verdict import close, raises

__all__ = ["PLAN_SPREAD", "PLAN_TARGET", "PLAN_UTILIZATION", "detection_scenario", "marked_down", "pool_scenario"]


# ---- 1. least connections ----------------------------------------------------------------------------------


def _least(pool: list[tuple]) -> int:
    """The position of the lowest in_flight / weight in a pool of (name, index, weight, in_flight), first on a tie."""
    best = 0
    for i, (_, _, weight, in_flight) in enumerate(pool):
        if in_flight / weight < pool[best][3] / pool[best][2]:
            best = i
    return best


def _pool(*in_flight, weights=None) -> list[tuple]:
    weights = weights or [1] * len(in_flight)
    return [(f"b{i}", i, w, n) for i, (n, w) in enumerate(zip(in_flight, weights, strict=True))]


def _named(pool: list[tuple], name: str) -> Callable[[list], bool]:
    """The pick names `name`: the candidate itself, or anything whose name (or text) is `name`."""

    def named(got: list) -> bool:
        picked = got[0]
        if type(picked) is int:
            return 0 <= picked < len(pool) and pool[picked][0] == name
        return isinstance(picked, dict) and picked.get("name") == name

    return named


class _Replayed(Strategy):
    """Replays the positions a learner's pick chose, in order, so the grader runs the balancer itself."""

    name = "your_pick"

    def __init__(self, trace: list):
        self.trace, self.next = list(trace), 0
        super().__init__(0)

    def pick(self, candidates, request=None, now=0.0):
        where = self.trace[self.next] if self.next < len(self.trace) else None
        self.next += 1
        if type(where) is not int or not 0 <= where < len(candidates):
            raise ValueError("your pick returned something that is not one of the candidates it was given")
        return candidates[where]


def _in_balancer(knobs: dict) -> Callable[[list], bool]:
    def keeps_up(trace: list) -> bool:
        sc = balancer_scenario(_Replayed(trace), knobs)
        s = simulate(sc, until=knobs["until"], seed=knobs["seed"]).summary()
        return s.rejected == 0 and s.p99 < 0.3

    return keeps_up


@question(
    "balancing.least_connections",
    title="Least connections: pick a backend",
    off_limits=("course.balancing.LeastConnections", "course.balancing.make_strategy", "course.balancing.STRATEGIES"),
)
def least_connections(rng: random.Random):
    simple = _pool(4, 1, 2)
    yield Check(
        hint="with b0, b1, b2 holding 4, 1 and 2 requests in flight, pick b1 (the fewest)",
        ask=probe("pick", [simple], text=f"pick({simple})"),
        expect=_named(simple, "b1"),
        shows="b1",
    )
    yield Check(
        hint="return the candidate itself (the Candidate object you were given), not its name or index",
        ask=probe("pick", [simple], text=f"pick({simple})"),
        expect=[1],
        shows="[1] (the position of b1, returned as the candidate itself)",
    )
    tied = _pool(3, 2, 1, 1)
    yield Check(
        hint="on a tie, pick the first of the tied backends in the list: with 3, 2, 1, 1 in flight that is b2",
        ask=probe("pick", [tied], text=f"pick({tied})"),
        expect=[2],
    )
    weighted = _pool(4, 3, weights=[4, 1])
    yield Check(
        hint="compare in_flight / weight: b0 has 4 in flight with weight 4 (1 per unit), b1 has 3 with weight 1 (3)",
        ask=probe("pick", [weighted], text=f"pick({weighted})"),
        expect=[0],
    )
    pools = []
    for _ in range(200):
        n = rng.randint(1, 8)
        pools.append(
            _pool(*(rng.randint(0, 6) for _ in range(n)), weights=[rng.choice([1, 1, 2, 3]) for _ in range(n)])
        )
    yield Check(
        hint="on 200 random pools your pick differs from 'the lowest in_flight / weight, first on a tie'",
        ask=probe("pick", pools, text=f"200 random pools, the first {pools[0]}"),
        expect=[_least(p) for p in pools],
    )
    knobs = {"backends": 5, "spread": 0.6, "rate": 320, "until": 20, "seed": rng.randint(0, 1000)}
    yield Check(
        hint="run inside the balancer on backends of speeds 0.4 to 1.6 at 80 % load, your pick should keep "
        "the p99 under 300 ms with no request rejected (round robin lets the slow backends' queues fill: it "
        "rejects hundreds of requests with a 503 and its p99 is about 1.9 s)",
        ask=probe("balancer_trace", knobs, text=f"your pick as the balancer's strategy, seed {knobs['seed']}"),
        expect=_in_balancer(knobs),
        shows="no request rejected and a p99 under 300 ms",
        timeout=20,
    )


# ---- 2. a hash ring's node_for -------------------------------------------------------------------------------


def _owners(nodes: list[str], vnodes: int, keys: list[str]):
    """Ask: a new ring ``ring_class(nodes, vnodes)``, then ``node_for(key)`` for each key."""
    return drive((nodes, vnodes), [method("node_for", k) for k in keys])


@question(
    "balancing.ring_node_for",
    title="Consistent hashing: node_for(key)",
    off_limits=("course.balancing.ConsistentHashRing", "course.balancing.ConsistentHash"),
)
def ring_node_for(rng: random.Random):
    yield Check(
        hint="on a ring with a single node, every key belongs to that node",
        ask=_owners(["only"], 5, [f"k{i}" for i in range(50)]),
        expect=["only"] * 50,
    )
    nodes = [f"cache-{c}" for c in "abc"]
    ring = ConsistentHashRing(nodes, 2)
    top = max(h for h, _ in ((stable_hash(f"{n}#{i}"), n) for n in nodes for i in range(2)))
    past = [k for k in (f"user:{i}" for i in range(5000)) if stable_hash(k) > top][:20]
    yield Check(
        hint="a key whose hash is past the last point wraps around: it belongs to the node of the FIRST point",
        ask=_owners(nodes, 2, past),
        expect=[ring.node_for(k) for k in past],
    )
    on_points = [f"{n}#{i}" for n in nodes for i in range(2)]  # these keys hash exactly onto the points
    yield Check(
        hint="a key that hashes exactly onto a point belongs to that point's node (the first point AT or after "
        "the key's hash, not strictly after): use bisect_left",
        ask=_owners(nodes, 2, on_points),
        expect=[k.split("#")[0] for k in on_points],
    )
    names = [f"node-{rng.randint(100, 999)}-{i}" for i in range(rng.randint(3, 8))]
    vnodes = rng.choice([1, 3, 10, 50, 100])
    keys = [f"key-{rng.randint(0, 10**9)}" for _ in range(2000)]
    reference = ConsistentHashRing(names, vnodes)
    yield Check(
        hint=f"on a ring of {len(names)} nodes with {vnodes} points each, some of 2,000 random keys get the wrong "
        "owner: a key belongs to the node of the first point at or after stable_hash(key), wrapping around to "
        "the first point when the key lies past the last one",
        ask=_owners(names, vnodes, keys),
        expect=[reference.node_for(k) for k in keys],
        timeout=10,
    )
    yield Check(
        hint="a ring with no nodes has no owner for any key: node_for should raise LookupError",
        ask=_owners([], 10, ["user:1"]),
        expect=raises("LookupError"),
    )


# ---- 3. the fall/rise health state machine --------------------------------------------------------------------


def _steps(results: list[bool], observed: bool = True) -> list[Step]:
    """After each result: what observe(result) returned (unless not `observed`), then whether it is up."""
    steps = []
    for ok in results:
        steps += [method("observe", ok, truthy=True, keep=observed), attribute("up", truthy=True)]
    return steps


def _reference(fall: int, rise: int, results: list[bool], observed: bool = True) -> list[bool]:
    state, out = HealthState(fall, rise), []
    for ok in results:
        flipped = state.observe(ok)
        out += [bool(flipped), bool(state.up)] if observed else [bool(state.up)]
    return out


F, T = False, True


@question(
    "balancing.health_state",
    title="Health checks: the fall/rise state machine",
    off_limits=("course.balancing.HealthState", "course.balancing.HealthCheck"),
)
def health_state(rng: random.Random):
    yield Check(
        hint="a new backend starts up: make(3, 2).up should be True", ask=drive((3, 2), [attribute("up")]), expect=[T]
    )
    yield Check(
        hint="fall=3: two failed checks leave it up, the third marks it down, and observe returns True on that flip",
        ask=drive((3, 2), _steps([F, F, F])),
        expect=[F, T, F, T, T, F],
        shows="(observe, up) after each result: (False, True), (False, True), (True, False)",
    )
    yield Check(
        hint="failures must come in a row: F, F, T, F, F with fall=3 leaves the backend up",
        ask=drive((3, 2), _steps([F, F, T, F, F], observed=False)),
        expect=[T] * 5,
    )
    yield Check(
        hint="start counting afresh after a flip: fall=2, rise=2 and F, F, T leaves it down (one pass is not two)",
        ask=drive((2, 2), _steps([F, F, T], observed=False)),
        expect=[T, F, F],
    )
    yield Check(
        hint="a down backend comes back after `rise` passes in a row (rise=2: F, then T, T marks it up again)",
        ask=drive((1, 2), _steps([F, T, T])),
        expect=[T, F, F, F, T, T],
        shows="(observe, up) after each result: (True, False), (False, False), (True, True)",
    )
    yield Check(
        hint="passes must come in a row too: with rise=2, a down backend seeing T, F, T stays down",
        ask=drive((1, 2), _steps([F, T, F, T], observed=False)),
        expect=[F] * 4,
    )
    cases = []
    for _ in range(30):
        fall, rise = rng.randint(1, 4), rng.randint(1, 4)
        cases.append((fall, rise, [rng.random() < 0.6 for _ in range(60)]))
    yield Check(
        hint="on 30 random sequences of results your state machine breaks the rule somewhere: an up backend goes "
        "down after `fall` failures in a row, a down one comes up after `rise` passes in a row, and a result that "
        "agrees with the state, or a flip, starts the count again",
        ask=drives([((fall, rise), _steps(r)) for fall, rise, r in cases]),
        expect=[_reference(fall, rise, r) for fall, rise, r in cases],
    )


# ---- 4. a pool that keeps the p99 under a target ---------------------------------------------------------------


def _valid_plan(answer) -> bool:
    try:
        strategy, backends = answer
        make_strategy(strategy)
    except (TypeError, ValueError):
        return False
    return type(strategy) is str and type(backends) is int and backends >= 1


@question("balancing.plan_pool", title="Choose a strategy and a pool size for a p99 target")
def plan_pool(rng: random.Random):
    rates = [rng.choice(PLAN_RATES[:2]), rng.choice(PLAN_RATES[-2:])]  # a small and a large pool: no one n fits both
    seed = rng.randint(0, 1000)
    runs: dict[tuple, object] = {}

    def run(rate: float, answer) -> Any:
        """The summary of 60 s of the planned pool at `rate`, or None for a plan that cannot run."""
        if not _valid_plan(answer) or answer[1] > 100:  # more than 100 backends fails the budget check anyway
            return None
        strategy, backends = answer
        if (rate, strategy, backends) not in runs:
            runs[rate, strategy, backends] = simulate(
                pool_scenario(rate, strategy, backends), until=60, seed=seed
            ).summary()
        return runs[rate, strategy, backends]

    def busy_enough(rate: float) -> Callable:
        return lambda answer: _valid_plan(answer) and rate / (80 * answer[1]) >= PLAN_UTILIZATION

    def nothing_rejected(rate: float) -> Callable:
        return lambda answer: (summary := run(rate, answer)) is not None and summary.rejected == 0

    def fast_enough(rate: float) -> Callable:
        return lambda answer: (summary := run(rate, answer)) is not None and summary.p99 < PLAN_TARGET

    for rate in rates:
        yield Check(
            hint="plan(rate) should return a pair (strategy name, number of backends), e.g. ('random', 4); "
            "the name must be one the balancer knows (see course.balancing.STRATEGIES)",
            ask=call(rate),
            expect=_valid_plan,
            shows="a pair (strategy name, number of backends)",
            timeout=30,
        )
        yield Check(
            hint=f"at {rate} requests/s each backend must be at least {PLAN_UTILIZATION:.0%} busy on average, so "
            f"at most rate / ({80 * PLAN_UTILIZATION:g} requests/s) backends: you asked for too many",
            ask=call(rate),
            expect=busy_enough(rate),
            shows=f"at most {int(rate // (80 * PLAN_UTILIZATION))} backends",
            timeout=30,
        )
        yield Check(
            hint=f"at {rate} requests/s your pool rejected requests (503): some backend's queue was full (round "
            "robin and random send every backend the same share, so the slowest one, at speed 0.5, falls behind)",
            ask=call(rate),
            expect=nothing_rejected(rate),
            shows="no request rejected in 60 s",
            timeout=30,
        )
        yield Check(
            hint=f"at {rate} requests/s your pool's p99 is above {PLAN_TARGET * 1000:.0f} ms: compare strategies "
            "with simulate(pool_scenario(...)) as the lesson did, and pick one that adapts to slow backends",
            ask=call(rate),
            expect=fast_enough(rate),
            shows=f"a p99 under {PLAN_TARGET * 1000:.0f} ms",
            timeout=30,
        )


# ---- 5. predict, then run -------------------------------------------------------------------------------------


def marked_down(kind: str = "unreachable") -> float:
    """When the library's balancer marks `b1` down in `detection_scenario(kind)`, in simulated seconds.

    >>> marked_down(), marked_down("crash")
    (10.5, 10.0)
    """
    report = simulate(detection_scenario(kind), until=20).outages[0]
    if report.marked_down is None:
        raise AssertionError(f"detection_scenario({kind!r}) never marks b1 down within 20 s")
    return report.marked_down


@question(
    "balancing.predict_detection",
    title="Predict when an unreachable, or a crashed, backend leaves rotation",
    off_limits=("course.balancing.*", "course.checks.balancing.detection_scenario"),
)
def predict_detection():
    yield Check(
        hint="not yet: probes start at t = 0 and repeat every 2 s; a probe of an unreachable backend fails when its "
        "0.5 s timeout runs out (a crashed one would fail at once); fall = 2 failed probes in a row take the "
        "backend out",
        ask=call("unreachable"),
        expect=close(marked_down("unreachable"), rel=0, abs=1e-9),
        reveal=False,
    )
    yield Check(
        hint="not yet for a crash: its host refuses the probe's connection, so the probe fails at once, with no "
        "timeout to wait for; the probes still come every 2 s from t = 0, and fall = 2 failed probes in a row "
        "take the backend out",
        ask=call("crash"),
        expect=close(marked_down("crash"), rel=0, abs=1e-9),
        reveal=False,
    )
