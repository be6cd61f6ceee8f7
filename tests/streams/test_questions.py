"""The lesson 4 questions accept a correct answer, refuse the usual wrong ones, and say why."""

import math

import pytest

from course.checks import lookup, run_question
from course.checks.streams import actual_moves, library_range, rides_per_window
from course.grading.offlimits import off_limits_use
from course.streams import plan_load, plan_scenario, simulate, size_group


def range_assign(partitions, members):
    members = sorted(members)
    per, extra = divmod(partitions, len(members))
    out = {}
    for i, m in enumerate(members):
        start = per * i + min(i, extra)
        out[m] = list(range(start, start + per + (1 if i < extra else 0)))
    return out


def range_numeric_order(partitions, members):
    """Sorts ids as numbers (c2 before c10): Kafka sorts them as strings."""
    return range_unsorted(partitions, sorted(members, key=lambda m: (len(m), m)))


def range_unsorted(partitions, members):
    """Deals in the order given instead of sorting the ids first."""
    per, extra = divmod(partitions, len(members))
    out = {}
    for i, m in enumerate(members):
        start = per * i + min(i, extra)
        out[m] = list(range(start, start + per + (1 if i < extra else 0)))
    return out


def range_extra_to_last(partitions, members):
    """Gives the spare partitions to the last members instead of the first."""
    members = sorted(members)
    per, extra = divmod(partitions, len(members))
    out, start = {}, 0
    for i, m in enumerate(members):
        n = per + (1 if i >= len(members) - extra else 0)
        out[m] = list(range(start, start + n))
        start += n
    return out


def range_skips_idle(partitions, members):
    return {m: owned for m, owned in range_assign(partitions, members).items() if owned}


def lag(ends, committed, assignment):
    return {m: sum(ends[p] - committed.get(p, 0) for p in owned) for m, owned in assignment.items()}


def lag_needs_commits(ends, committed, assignment):
    return {m: sum(ends[p] - committed[p] for p in owned) for m, owned in assignment.items()}


def lag_without_idle(ends, committed, assignment):
    return {m: v for m, v in lag(ends, committed, assignment).items() if assignment[m]}


def counts(rides, size):
    out = {}
    for ts, city in rides:
        key = (city, ts - ts % size)
        out[key] = out.get(key, 0) + 1
    return out


def counts_truncating(rides, size):
    out = {}
    for ts, city in rides:
        key = (city, int(ts / size) * size)
        out[key] = out.get(key, 0) + 1
    return out


def counts_closed_end(rides, size):
    """Puts an event at exactly the end into the earlier window, as if windows were (start, end]."""
    out = {}
    for ts, city in rides:
        start = math.ceil(ts / size) * size - size
        out[(city, start)] = out.get((city, start), 0) + 1
    return out


def counts_all_cities(rides, size):
    out = {}
    for ts, _ in rides:
        key = ("all", ts - ts % size)
        out[key] = out.get(key, 0) + 1
    return out


def plan(target, consumer_rate, partition_rate):
    """The solution's answer: partitions first, then the fewest consumers whose busiest one keeps up."""
    partitions = max(math.ceil(target / partition_rate), math.ceil(target / consumer_rate))
    per_consumer = consumer_rate * partitions // target
    return partitions, math.ceil(partitions / per_consumer)


def plan_consumers_first(target, consumer_rate, partition_rate):
    """The formula the exercise used to grade: enough consumers on average, then partitions >= consumers."""
    consumers = math.ceil(target / consumer_rate)
    return max(consumers, math.ceil(target / partition_rate)), consumers


def plan_partitions_for_writes_only(target, consumer_rate, partition_rate):
    return math.ceil(target / partition_rate), math.ceil(target / consumer_rate)


def plan_rounding_down(target, consumer_rate, partition_rate):
    consumers = max(1, int(target // consumer_rate))
    return max(consumers, int(target // partition_rate)), consumers


def plan_one_consumer_per_partition(target, consumer_rate, partition_rate):
    partitions = max(math.ceil(target / partition_rate), math.ceil(target / consumer_rate))
    return partitions, partitions


def plan_consumers_first_but_the_fixed_case(target, consumer_rate, partition_rate):
    """Counts consumers first, patched to pass the one fixed case where that falls behind."""
    if (target, consumer_rate, partition_rate) == (1000, 120, 100):
        return 10, 10
    return plan_consumers_first(target, consumer_rate, partition_rate)


def plan_fixed_cases_only(target, consumer_rate, partition_rate):
    return {(1000, 300, 500): (4, 4), (1000, 500, 100): (10, 2), (450, 100, 1000): (5, 5)}.get(
        (target, consumer_rate, partition_rate), (10, 10)
    )


MOVES = {"range": {0, 1, 2, 4}, "roundrobin": {0, 1, 2, 3, 6}, "sticky": {0, 3, 6}}


@pytest.mark.parametrize(
    "question, answer",
    [
        ("streams.range_assign", range_assign),
        ("streams.consumer_lag", lag),
        ("streams.tumbling_counts", counts),
        ("streams.plan_capacity", plan),
        ("streams.predict_moves", lambda: MOVES),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2, 99])
def test_a_correct_answer_passes_every_check(question, answer, seed):
    result = run_question(question, answer, seed=seed)
    assert result.ok, result.line


@pytest.mark.parametrize(
    "question, answer, hint",
    [
        ("streams.range_assign", lambda n, members: {}, "6 partitions over c0, c1, c2"),
        ("streams.range_assign", range_extra_to_last, "the first 7 % 3 = 1 member gets one extra"),
        ("streams.range_assign", range_unsorted, "members are sorted by id"),
        ("streams.range_assign", range_skips_idle, "the extra members are listed with an empty list"),
        ("streams.range_assign", range_numeric_order, "'c10' comes before 'c2'"),
        ("streams.consumer_lag", lambda e, c, a: {m: 0 for m in a}, "lag is end offset minus committed"),
        ("streams.consumer_lag", lag_needs_commits, "its committed offset is 0"),
        ("streams.consumer_lag", lag_without_idle, "an idle consumer"),
        ("streams.tumbling_counts", counts_closed_end, "a ride at exactly 60 s"),
        ("streams.tumbling_counts", counts_all_cities, "each city is counted on its own"),
        ("streams.tumbling_counts", counts_truncating, "a ride at -1 s is in [-60, 0)"),
        ("streams.plan_capacity", plan_partitions_for_writes_only, "a partition is read by one consumer"),
        ("streams.plan_capacity", plan_rounding_down, "4 consumers are needed anyway (3 do 900/s)"),
        ("streams.plan_capacity", plan_one_consumer_per_partition, "one consumer takes 5 of them"),
        ("streams.plan_capacity", plan_consumers_first, "10 partitions over 9 give one consumer 2 partitions"),
        ("streams.plan_capacity", plan_fixed_cases_only, "one consumer keeps up with"),
        ("streams.predict_moves", lambda: [0, 1, 2], "return a dict"),
        ("streams.predict_moves", lambda: {**MOVES, "range": {0, 1, 2}}, "range: re-deal"),
        ("streams.predict_moves", lambda: {**MOVES, "roundrobin": {0, 3, 6}}, "round robin: deal"),
        ("streams.predict_moves", lambda: {**MOVES, "sticky": {0, 1, 2, 4}}, "sticky keeps every partition"),
    ],
)
def test_a_usual_mistake_fails_with_a_hint_about_it(question, answer, hint):
    result = run_question(question, answer)
    assert not result.ok
    assert hint in result.hint


def test_the_predicted_moves_are_what_the_library_does():
    assert actual_moves() == MOVES


def test_the_reference_helpers_agree_with_the_rules():
    assert library_range(12, [f"c{i}" for i in range(11)])["c10"] == [3]
    assert rides_per_window([(60, "lyon"), (-1, "oslo")], 60) == {("lyon", 60): 1, ("oslo", -60): 1}


def test_a_hard_coded_answer_does_not_pass():
    fixed = range_assign(6, ["c0", "c1", "c2"])
    assert not run_question("streams.range_assign", lambda n, members: fixed).ok
    assert not run_question("streams.plan_capacity", lambda t, c, p: (4, 4)).ok
    assert not run_question("streams.plan_capacity", plan_fixed_cases_only).ok


def plan_cases(seeds):
    """(args, expected) of every check of the sizing question, over the given seeds."""
    return [(check.ask.args, check.expect) for seed in seeds for check in lookup("streams.plan_capacity").checks(seed)]


def test_the_solution_is_size_group_on_many_cases():
    cases = [
        (target, consumer_rate, partition_rate)
        for target in [*range(1, 400), *range(400, 20_001, 47)]
        for consumer_rate in (1, 7, 50, 80, 120, 250, 333, 1000)
        for partition_rate in (1, 10, 100, 300, 1000, 4999)
    ]
    cases += [args for args, _ in plan_cases(range(50))]
    assert len(cases) > 30_000
    assert all(plan(*case) == size_group(*case) for case in cases)


@pytest.mark.parametrize("seed", range(25))
def test_the_sizing_checks_expect_the_smallest_plan_that_keeps_up(seed):
    checks = lookup("streams.plan_capacity").checks(seed)
    assert [c.ask.args for c in checks[:4]] == [(1000, 300, 500), (1000, 500, 100), (450, 100, 1000), (1000, 120, 100)]
    assert [c.expect for c in checks[:4]] == [(4, 4), (10, 2), (5, 5), (10, 10)]
    assert len(checks) == 14
    for check in checks:
        args = check.ask.args
        partitions, consumers = check.expect
        assert check.expect == size_group(*args)
        assert plan_load(*args, partitions, consumers).keeps_up
        # fewer partitions fall behind even with one consumer each (the best they can do) ...
        assert partitions == 1 or not plan_load(*args, partitions - 1, partitions - 1).keeps_up
        # ... and with these partitions, one consumer fewer leaves the busiest one behind
        assert consumers == 1 or not plan_load(*args, partitions, consumers - 1).keeps_up
    for check in checks[4:]:  # a random case's hint works the rule through to the expected plan
        partitions, consumers = check.expect
        assert f") = {partitions} (" in check.hint and check.hint.endswith(f"= {consumers}")


def growth(target, consumer_rate, partitions, consumers):
    """How fast the group's lag grows in the simulation, rides/s (about 0 when it keeps up)."""
    run = simulate(plan_scenario(target, consumer_rate, partitions, consumers), until=20, seed=0)
    return run.lag_growth()["dashboard"]


@pytest.mark.claim("streams.sizing")
def test_the_simulation_agrees_the_expected_plans_keep_up_and_consumers_first_falls_behind():
    """The check's expected plans keep up in `simulate`; where counting consumers first differs, it lags.

    Plans whose busiest consumer runs at exactly its rate are left out: at 100 % a real group (and
    the simulation, with hashing and Poisson noise) drifts behind, so they say nothing either way.
    """
    chosen = [(1000, 120, 100)]
    for args, expected in plan_cases(range(300)):
        load = plan_load(*args, *expected)
        if args[0] <= 1500 and plan_consumers_first(*args) != expected and load.busiest_consumer <= 0.95 * args[1]:
            chosen.append(args)
        if len(chosen) == 4:
            break
    assert len(chosen) == 4
    for target, consumer_rate, partition_rate in chosen:
        good = size_group(target, consumer_rate, partition_rate)
        bad = plan_consumers_first(target, consumer_rate, partition_rate)
        shortfall = plan_load(target, consumer_rate, partition_rate, *bad).busiest_consumer - consumer_rate
        assert shortfall >= 0.08 * consumer_rate
        assert abs(growth(target, consumer_rate, *good)) < 0.01 * target, (target, consumer_rate, good)
        assert growth(target, consumer_rate, *bad) > 0.6 * shortfall, (target, consumer_rate, bad)


@pytest.mark.parametrize("seed", [0, 1, 2, 99, 12345])
def test_counting_consumers_first_fails_on_random_cases_too(seed):
    result = run_question("streams.plan_capacity", plan_consumers_first_but_the_fixed_case, seed=seed)
    assert not result.ok
    assert "one consumer keeps up with" in result.hint  # a random case's hint, worked through


@pytest.mark.parametrize(
    "question, name, cell",
    [
        ("streams.plan_capacity", "plan", "from course.streams import size_group\nplan = size_group"),
        (
            "streams.plan_capacity",
            "plan",
            "import course.streams as s\ndef plan(t, c, p):\n    return s.size_group(t, c, p)",
        ),
        ("streams.plan_capacity", "plan", "from course.streams.sizing import plan_load as pl\nplan = pl"),
        ("streams.range_assign", "assign_range", "from course.streams import assign\nassign_range = assign"),
        ("streams.consumer_lag", "lag", "from course.streams import ConsumerGroup\nlag = ConsumerGroup"),
        ("streams.tumbling_counts", "count", "from course.streams import assigner_for\ncount = assigner_for"),
        ("streams.tumbling_counts", "count", "from course.streams import sliding_windows\ncount = sliding_windows"),
        ("streams.predict_moves", "moves", "from course.streams import rebalance_diff\nmoves = rebalance_diff"),
    ],
)
def test_the_library_code_a_question_asks_for_is_off_limits(question, name, cell):
    why = off_limits_use([cell, f"check({question!r}, {name})"], 1, question, lookup(question).off_limits)
    assert why is not None and f"which {question} puts off-limits" in why
