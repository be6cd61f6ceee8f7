"""The lesson 2 questions accept a correct answer, refuse the usual wrong ones, and say why."""

import math
from bisect import bisect_left, bisect_right

import pytest

from course.balancing import ConsistentHashRing, HealthState, LeastConnections, simulate, stable_hash
from course.checks import lookup, run_question
from course.checks.balancing import PLAN_TARGET, detection_scenario, pool_scenario
from course.checks.probes import balancer_scenario
from course.grading.offlimits import off_limits_use

# ---- least connections ---------------------------------------------------------------------------------------


def least(candidates):
    best = candidates[0]
    for c in candidates[1:]:
        if c.in_flight / c.weight < best.in_flight / best.weight:
            best = c
    return best


def least_last_on_tie(candidates):
    best = candidates[0]
    for c in candidates[1:]:
        if c.in_flight / c.weight <= best.in_flight / best.weight:
            best = c
    return best


# ---- the ring ------------------------------------------------------------------------------------------------


class Ring:
    def __init__(self, nodes, vnodes=100):
        self.points = sorted((stable_hash(f"{node}#{i}"), node) for node in nodes for i in range(vnodes))

    def node_for(self, key):
        if not self.points:
            raise LookupError("no nodes")
        i = bisect_left(self.points, (stable_hash(key),))
        return self.points[i % len(self.points)][1]


class ScanningRing(Ring):
    """Correct but slow: a linear scan instead of a binary search."""

    def node_for(self, key):
        if not self.points:
            raise LookupError("no nodes")
        h = stable_hash(key)
        return next((node for point, node in self.points if point >= h), self.points[0][1])


class StrictlyAfter(Ring):
    def node_for(self, key):
        if not self.points:
            raise LookupError("no nodes")
        i = bisect_right(self.points, (stable_hash(key), "\U0010ffff"))
        return self.points[i % len(self.points)][1]


class NoWrap(Ring):
    def node_for(self, key):
        if not self.points:
            raise LookupError("no nodes")
        i = bisect_left(self.points, (stable_hash(key),))
        return self.points[min(i, len(self.points) - 1)][1]


class DividesByZero(Ring):
    def node_for(self, key):
        i = bisect_left(self.points, (stable_hash(key),))
        return self.points[i % len(self.points)][1] if self.points else None


# ---- health --------------------------------------------------------------------------------------------------


class Health(HealthState):
    """A correct answer: the library's own state machine (the mistakes below override `observe`)."""


class CountsAllFailures(Health):
    """Never resets on an agreeing result: counts every failure, in a row or not."""

    def observe(self, ok):
        if ok == self.up:
            return False
        self.streak += 1
        if self.streak >= (self.fall if self.up else self.rise):
            self.up, self.streak = not self.up, 0
            return True
        return False


class KeepsCountingAfterAFlip(Health):
    def observe(self, ok):
        if ok == self.up:
            self.streak = 0
            return False
        self.streak += 1
        if self.streak >= (self.fall if self.up else self.rise):
            self.up = not self.up
            return True
        return False


class ReturnsTheState(Health):
    def observe(self, ok):
        super().observe(ok)
        return self.up


# ---- the tests -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, answer",
    [
        ("balancing.least_connections", least),
        ("balancing.least_connections", lambda candidates: LeastConnections().pick(candidates)),
        ("balancing.ring_node_for", Ring),
        ("balancing.ring_node_for", ScanningRing),
        ("balancing.ring_node_for", ConsistentHashRing),
        ("balancing.health_state", Health),
        ("balancing.health_state", lambda fall, rise: HealthState(fall, rise)),
        ("balancing.plan_pool", lambda rate: ("peak_ewma", int(rate // 48))),
        ("balancing.plan_pool", lambda rate: ("least_connections", int(rate // 48))),
        ("balancing.predict_detection", lambda kind: 10.5 if kind == "unreachable" else 10.0),
        ("balancing.predict_detection", lambda kind: {"unreachable": 10.5, "crash": 10}[kind]),
    ],
)
def test_a_correct_answer_passes_every_check(question, answer):
    result = run_question(question, answer)
    assert result.ok, result.line


@pytest.mark.parametrize(
    "question, answer, hint",
    [
        ("balancing.least_connections", lambda c: max(c, key=lambda b: b.in_flight), "pick b1 (the fewest)"),
        ("balancing.least_connections", lambda c: least(c).name, "return the candidate itself"),
        ("balancing.least_connections", least_last_on_tie, "on a tie, pick the first"),
        ("balancing.least_connections", lambda c: min(c, key=lambda b: b.in_flight), "compare in_flight / weight"),
        ("balancing.least_connections", lambda c: c[1], "on a tie"),
        ("balancing.ring_node_for", NoWrap, "wraps around"),
        ("balancing.ring_node_for", StrictlyAfter, "exactly onto a point"),
        ("balancing.ring_node_for", DividesByZero, "should raise LookupError"),
        ("balancing.health_state", CountsAllFailures, "failures must come in a row"),
        ("balancing.health_state", KeepsCountingAfterAFlip, "start counting afresh after a flip"),
        ("balancing.health_state", ReturnsTheState, "observe returns True on that flip"),
        ("balancing.plan_pool", lambda rate: ("round_robin", int(rate // 48)), "rejected requests (503)"),
        ("balancing.plan_pool", lambda rate: ("peak_ewma", int(rate // 48) + 2), "too many"),
        ("balancing.plan_pool", lambda rate: ("peak_ewma", 5), "p99 is above 150 ms"),
        ("balancing.plan_pool", lambda rate: ("peak_ewma", int(rate // 80)), "rejected requests (503)"),
        ("balancing.plan_pool", lambda rate: ("fastest", 4), "a pair (strategy name, number of backends)"),
        ("balancing.predict_detection", lambda kind: 9.5, "a probe of an unreachable backend fails when its"),
        ("balancing.predict_detection", lambda kind: 10.0, "a crashed one would fail at once"),
        ("balancing.predict_detection", lambda kind: 10.5, "not yet for a crash"),
        ("balancing.predict_detection", lambda kind: 10.5 if kind == "unreachable" else 8.0, "fall = 2 failed"),
    ],
)
def test_a_usual_mistake_fails_with_a_hint_about_it(question, answer, hint):
    result = run_question(question, answer)
    assert not result.ok
    assert hint in result.hint, result.line


def test_a_hard_coded_pool_size_fails_somewhere():
    # The two rates need different pool sizes: the small one at most 5, the large one more.
    for n in range(1, 10):
        assert not run_question("balancing.plan_pool", lambda rate, n=n: ("peak_ewma", n)).ok


def test_the_predicted_times_are_what_the_library_simulates():
    # The question's text: b1 becomes unreachable at 7.5 s (the default kind of outage); probes at 8 and
    # 10 s wait out their 0.5 s timeout. Crashed instead, its host refuses those probes at once.
    unreachable = simulate(detection_scenario(), until=20).outages[0]
    assert unreachable.kind == "unreachable" and unreachable.died == 7.5
    assert unreachable.marked_down == 10.5 and unreachable.detection == 3.0
    crashed = simulate(detection_scenario("crash"), until=20).outages[0]
    assert crashed.kind == "crash" and crashed.marked_down == 10.0 and crashed.detection == 2.5


def test_the_prediction_must_be_worked_out_without_the_simulator():
    rules = lookup("balancing.predict_detection").off_limits
    top = "from course.balancing import simulate\nfrom course.checks.balancing import detection_scenario"
    simulated = "def f(kind):\n    return simulate(detection_scenario(kind), until=20).outages[0].marked_down"
    by_hand = "def f(kind):\n    return 10.5 if kind == 'unreachable' else 10.0"
    check_cell = "check('balancing.predict_detection', f)"
    assert "course.balancing.simulate" in off_limits_use(
        [top, simulated, check_cell], 2, "balancing.predict_detection", rules
    )
    assert off_limits_use([top, by_hand, check_cell], 2, "balancing.predict_detection", rules) is None


def test_the_prediction_may_not_read_the_scenario_either():
    rules = lookup("balancing.predict_detection").off_limits
    top = "from course.checks.balancing import detection_scenario"
    reads = "def f(kind):\n    return detection_scenario(kind).failures[0].at + 3"
    why = off_limits_use(
        [top, reads, "check('balancing.predict_detection', f)"], 2, "balancing.predict_detection", rules
    )
    assert why is not None and "detection_scenario" in why


@pytest.mark.parametrize("strategy", ["round_robin", "random"])
def test_the_least_connections_hint_says_what_load_blind_strategies_do_in_its_balancer(strategy):
    # The hint: round robin lets the slow backends' queues fill, rejects hundreds with a 503, p99 about 1.9 s.
    for seed in range(3):
        knobs = {"backends": 5, "spread": 0.6, "rate": 320, "until": 20, "seed": seed}
        results = simulate(balancer_scenario(strategy, knobs), until=20, seed=seed)
        s = results.summary()
        assert s.rejected >= 200 and 1.5 < s.p99 < 2.3, (seed, s.rejected, s.p99)
        assert {r.note for r in results.records if r.outcome == "rejected"} == {"queue full"}
        least = simulate(balancer_scenario("least_connections", knobs), until=20, seed=seed).summary()
        assert least.rejected == 0 and least.p99 < 0.3


def test_round_robin_misses_the_pool_target_that_peak_ewma_meets():
    rr = simulate(pool_scenario(280, "round_robin", 5), until=60).summary()
    ewma = simulate(pool_scenario(280, "peak_ewma", 5), until=60).summary()
    assert rr.rejected > 0 and rr.p99 > 1.0
    assert {
        r.note for r in simulate(pool_scenario(280, "round_robin", 5), until=60).records if r.outcome == "rejected"
    } == {"queue full"}
    assert ewma.rejected == 0 and ewma.p99 < PLAN_TARGET
    assert 280 / (80 * 5) >= 0.6 and not math.isclose(rr.p99, ewma.p99)
