"""Sizing a consumer group: `size_group`'s answer keeps up, is the smallest that does, and the simulation agrees."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.streams import plan_load, plan_scenario, simulate, size_group

UNTIL = 20  # seconds simulated per plan: long enough for a 5 % shortfall to show above the commit sawtooth


def old_formula(target, consumer_rate, partition_rate):
    """The formula the exercise used to grade: consumers first, then partitions >= consumers."""
    consumers = math.ceil(target / consumer_rate)
    return max(consumers, math.ceil(target / partition_rate)), consumers


def growth(target, consumer_rate, partitions, consumers, seed=0):
    """How fast the group's lag grows in the simulation, records/s (about 0 when it keeps up)."""
    run = simulate(plan_scenario(target, consumer_rate, partitions, consumers), until=UNTIL, seed=seed)
    return run.lag_growth()["dashboard"]


@pytest.mark.claim("streams.sizing")
def test_the_lessons_plan_keeps_up_where_consumers_first_falls_behind():
    assert size_group(1000, 120, 100) == (10, 10)
    assert old_formula(1000, 120, 100) == (10, 9)
    lagging = plan_load(1000, 120, 100, partitions=10, consumers=9)
    assert (lagging.busiest_consumer, lagging.keeps_up) == (200.0, False)  # one consumer holds 2 partitions
    assert growth(1000, 120, 10, 9) > 0.6 * (200 - 120)  # about 80 records/s behind, as the rule says
    assert abs(growth(1000, 120, 10, 10)) < 0.01 * 1000
    run = simulate(plan_scenario(1000, 120, partitions=10, consumers=9), until=UNTIL)
    assert run.summary().final_lag > 1000  # the "2,328 records behind after 20 s", here with even keys


@pytest.mark.parametrize(
    ("case", "answer"),
    [((1000, 300, 500), (4, 4)), ((1000, 500, 100), (10, 2)), ((450, 100, 1000), (5, 5)), ((1000, 120, 100), (10, 10))],
)
def test_the_exercises_fixed_cases(case, answer):
    assert size_group(*case) == answer


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 200), st.sampled_from([50, 80, 120, 250]), st.sampled_from([100, 300, 1000]))
def test_the_answer_keeps_up_and_is_the_smallest_plan_that_does(hundreds, consumer_rate, partition_rate):
    target = 50 * hundreds  # the check's own draws
    partitions, consumers = size_group(target, consumer_rate, partition_rate)
    assert plan_load(target, consumer_rate, partition_rate, partitions, consumers).keeps_up
    assert consumers <= partitions  # never an idle consumer
    for fewer in range(1, partitions):  # no plan with fewer partitions keeps up, whatever the consumers
        best = plan_load(target, consumer_rate, partition_rate, fewer, fewer)  # one partition each: the best case
        assert not best.keeps_up
    if consumers > 1:
        assert not plan_load(target, consumer_rate, partition_rate, partitions, consumers - 1).keeps_up


def test_exact_division_is_not_lost_to_floating_point():
    assert size_group(0.3, consumer_rate=0.1, partition_rate=0.3) == (3, 3)  # 0.3 / 0.1 is 2.9999... in floats
    assert size_group(1000, 500, 100)[1] == 2  # 500 / (1000 / 10) is exactly 5 partitions per consumer


def test_the_simulation_agrees_with_the_rule_on_random_plans():
    """Plans the rule says keep up (with 5 % headroom for hashing and Poisson noise) keep up in the simulation;
    plans it says fall behind by 10 % or more do fall behind, by about the shortfall it predicts."""
    rng = random.Random(11)
    kept, behind = 0, 0
    while kept < 4 or behind < 4:
        target = rng.choice([400, 600, 1000, 1500])
        consumer_rate = rng.choice([80, 120, 250])
        partitions, consumers = rng.randint(2, 16), rng.randint(1, 12)
        load = plan_load(target, consumer_rate, 10_000, partitions, consumers)
        ratio = load.busiest_consumer / consumer_rate
        if ratio <= 0.95 and kept < 4:
            assert abs(growth(target, consumer_rate, partitions, consumers)) < 0.01 * target, (partitions, consumers)
            kept += 1
        elif ratio >= 1.1 and behind < 4:
            busiest = math.ceil(partitions / consumers)
            holders = partitions - (busiest - 1) * consumers if partitions % consumers else consumers
            shortfall = holders * (load.busiest_consumer - consumer_rate)  # every consumer holding `busiest`
            assert growth(target, consumer_rate, partitions, consumers) > 0.6 * shortfall, (partitions, consumers)
            behind += 1


def test_the_old_formula_lags_in_the_simulation_where_the_new_answer_keeps_up():
    rng = random.Random(3)
    found = 0
    while found < 3:
        case = (50 * rng.randint(4, 40), rng.choice([80, 120, 250]), rng.choice([100, 300, 1000]))
        old, new = old_formula(*case), size_group(*case)
        if old == new or plan_load(*case, *old).busiest_consumer < 1.1 * case[1]:
            continue
        assert growth(case[0], case[1], *old) > 0.05 * case[0], case
        assert abs(growth(case[0], case[1], *new)) < 0.02 * case[0], case
        found += 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: size_group(0, 100, 100), r"target must be a positive number"),
        (lambda: size_group(100, -1, 100), r"consumer_rate must be a positive number"),
        (lambda: plan_load(100, 10, 10, partitions=0, consumers=1), r"partitions must be a whole number of at least 1"),
        (lambda: plan_scenario(100, 10, partitions=2, consumers=2000), r"consumers must be a whole number of at most"),
    ],
)
def test_bad_plans_get_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
