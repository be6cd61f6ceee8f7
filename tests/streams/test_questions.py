"""The lesson 4 questions accept a correct answer, refuse the usual wrong ones, and say why."""

import math

import pytest

from course.checks import run_question
from course.checks.streams import actual_moves, library_range, rides_per_window


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
    consumers = math.ceil(target / consumer_rate)
    return max(consumers, math.ceil(target / partition_rate)), consumers


def plan_partitions_for_writes_only(target, consumer_rate, partition_rate):
    return math.ceil(target / partition_rate), math.ceil(target / consumer_rate)


def plan_rounding_down(target, consumer_rate, partition_rate):
    consumers = max(1, int(target // consumer_rate))
    return max(consumers, int(target // partition_rate)), consumers


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
def test_a_correct_answer_passes_every_check(question, answer):
    result = run_question(question, answer)
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
        ("streams.plan_capacity", plan_partitions_for_writes_only, "4 consumers need 4 partitions"),
        ("streams.plan_capacity", plan_rounding_down, "needs 4 consumers"),
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
