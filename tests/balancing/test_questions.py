"""The lesson 2 questions accept a correct answer, refuse the usual wrong ones, and say why."""

import math
from bisect import bisect_left, bisect_right

import pytest

from course.balancing import ConsistentHashRing, HealthState, LeastConnections, simulate, stable_hash
from course.checks import run_question
from course.checks.balancing import PLAN_TARGET, detection_scenario, pool_scenario

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
        ("balancing.predict_detection", lambda: 10.5),
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
        ("balancing.plan_pool", lambda rate: ("round_robin", int(rate // 48)), "dropped requests"),
        ("balancing.plan_pool", lambda rate: ("peak_ewma", int(rate // 48) + 2), "too many"),
        ("balancing.plan_pool", lambda rate: ("peak_ewma", 5), "p99 is above 150 ms"),
        ("balancing.plan_pool", lambda rate: ("peak_ewma", int(rate // 80)), "dropped requests"),
        ("balancing.plan_pool", lambda rate: ("fastest", 4), "a pair (strategy name, number of backends)"),
        ("balancing.predict_detection", lambda: 9.5, "probes start at t = 0"),
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


def test_the_predicted_time_is_what_the_library_simulates():
    report = simulate(detection_scenario(), until=20).outages[0]
    assert report.marked_down == 10.5 and report.detection == 3.0


def test_round_robin_misses_the_pool_target_that_peak_ewma_meets():
    rr = simulate(pool_scenario(280, "round_robin", 5), until=60).summary()
    ewma = simulate(pool_scenario(280, "peak_ewma", 5), until=60).summary()
    assert rr.rejected > 0 and rr.p99 > 1.0
    assert ewma.rejected == 0 and ewma.p99 < PLAN_TARGET
    assert 280 / (80 * 5) >= 0.6 and not math.isclose(rr.p99, ewma.p99)
