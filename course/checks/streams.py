"""Questions for exercises/04_streams.ipynb: the range assignor, consumer lag, tumbling counts, sizing, a rebalance.

Each question builds fresh inputs from a seeded `rng` and compares the learner's answer with the
rule the lesson states (and `course.streams` implements), so a hard-coded answer does not pass. Each
check asks the answer for a plain result (`course.checks.asks`); the library code a question asks
the learner to write is off-limits in the answer.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from ..streams import assign, rebalance_diff, size_group, tumbling_window
from .asks import call, calls
from .registry import Check, question

__all__ = ["LEAVE_EXAMPLE", "actual_moves", "library_range", "rides_per_window"]


def library_range(partitions: int, members: list[str]) -> dict[str, list[int]]:
    """Kafka's range assignment of one topic, as plain partition numbers (from `course.streams.assign`)."""
    result = assign("range", {"rides": partitions}, {m: ["rides"] for m in members})
    return {m: [p for _, p in owned] for m, owned in result.items()}


def _same(expected: dict[str, list[int]]) -> Callable[[object], bool]:
    def same_owners(answer: object) -> bool:
        if not isinstance(answer, dict) or set(answer) != set(expected):
            return False
        return all(isinstance(answer[m], (list, tuple)) and list(answer[m]) == expected[m] for m in expected)

    return same_owners


ASSIGNORS = ("course.streams.assign", "course.streams.ConsumerGroup")


@question("streams.range_assign", title="Implement Kafka's range assignor for one topic", off_limits=ASSIGNORS)
def range_assign(rng: random.Random):
    three = ["c0", "c1", "c2"]
    yield Check(
        hint="6 partitions over c0, c1, c2 should give {'c0': [0, 1], 'c1': [2, 3], 'c2': [4, 5]}",
        ask=call(6, three),
        expect=_same(library_range(6, three)),
        shows=str(library_range(6, three)),
    )
    yield Check(
        hint="with 7 partitions and 3 members, the first 7 % 3 = 1 member gets one extra: c0 [0, 1, 2], "
        "c1 [3, 4], c2 [5, 6]",
        ask=call(7, three),
        expect=_same(library_range(7, three)),
        shows=str(library_range(7, three)),
    )
    yield Check(
        hint="members are sorted by id before dealing: assign_range(4, ['c1', 'c0']) gives c0 [0, 1] and c1 [2, 3]",
        ask=call(4, ["c1", "c0"]),
        expect=_same(library_range(4, ["c0", "c1"])),
        shows=str(library_range(4, ["c0", "c1"])),
    )
    yield Check(
        hint="with more members than partitions, the extra members are listed with an empty list: "
        "assign_range(2, ['c0', 'c1', 'c2']) has 'c2': []",
        ask=call(2, three),
        expect=_same(library_range(2, three)),
        shows=str(library_range(2, three)),
    )
    eleven = [f"c{i}" for i in range(11)]
    rng.shuffle(eleven)
    yield Check(
        hint="ids are sorted as strings, as Kafka does: 'c10' comes before 'c2', so with 12 partitions "
        "over c0..c10, c10 gets partition 3",
        ask=call(12, list(eleven)),
        expect=_same(library_range(12, eleven)),
        shows=str(library_range(12, eleven)),
    )
    cases = []
    for _ in range(20):
        members = rng.sample([f"{rng.choice('abc')}{i}" for i in range(30)], rng.randint(1, 9))
        cases.append((rng.randint(1, 24), members))
    wants = [_same(library_range(n, ms)) for n, ms in cases]
    yield Check(
        hint="on 20 random groups your assignment differs from course.streams.assign('range', ...): member i "
        "of k (sorted) starts at (n // k) * i + min(i, n % k)",
        ask=calls([(n, list(ms)) for n, ms in cases]),
        expect=lambda answers: len(answers) == len(wants) and all(w(a) for w, a in zip(wants, answers, strict=True)),
        shows="course.streams.assign('range', ...) for each group",
    )


def _lag(end_offsets: list[int], committed: dict[int, int], assignment: dict[str, list[int]]) -> dict[str, int]:
    return {m: sum(end_offsets[p] - committed.get(p, 0) for p in owned) for m, owned in assignment.items()}


@question("streams.consumer_lag", title="Compute each consumer's lag", off_limits=("course.streams.ConsumerGroup",))
def consumer_lag(rng: random.Random):
    yield Check(
        hint="lag is end offset minus committed offset: ends [10, 7], committed {0: 4, 1: 7}, c0 owning both "
        "gives {'c0': 6}",
        ask=call([10, 7], {0: 4, 1: 7}, {"c0": [0, 1]}),
        expect={"c0": 6},
    )
    yield Check(
        hint="a partition the group never committed is missing from `committed` (a KeyError?): its committed "
        "offset is 0, so all its records are lag",
        ask=call([5, 3], {0: 5}, {"c0": [0], "c1": [1]}),
        expect={"c0": 0, "c1": 3},
        hint_on=("KeyError",),
    )
    yield Check(
        hint="an idle consumer (it owns no partition) is still in the answer, with lag 0",
        ask=call([4], {0: 1}, {"c0": [0], "c1": []}),
        expect={"c0": 3, "c1": 0},
    )
    partitions = rng.randint(4, 12)
    ends = [rng.randint(0, 500) for _ in range(partitions)]
    committed = {p: rng.randint(0, ends[p]) for p in range(partitions) if rng.random() < 0.8}
    members = [f"c{i}" for i in range(rng.randint(2, partitions + 2))]
    owned = assign(rng.choice(["range", "roundrobin"]), {"rides": partitions}, {m: ["rides"] for m in members})
    assignment = {m: [p for _, p in tps] for m, tps in owned.items()}
    yield Check(
        hint=f"on a random group ({len(members)} consumers, {partitions} partitions) your lags differ from "
        "the sum over each consumer's partitions of end offset - committed offset",
        ask=call(list(ends), dict(committed), {m: list(v) for m, v in assignment.items()}),
        expect=_lag(ends, committed, assignment),
    )


def rides_per_window(rides: list[tuple[float, str]], size: float) -> dict[tuple[str, float], int]:
    """Rides per (city, window start) in tumbling windows of `size` seconds (from `course.streams.tumbling_window`)."""
    counts: dict[tuple[str, float], int] = {}
    for ts, city in rides:
        start = tumbling_window(ts, size)[0]
        counts[(city, start)] = counts.get((city, start), 0) + 1
    return counts


@question(
    "streams.tumbling_counts",
    title="Count rides per city in tumbling windows",
    off_limits=(
        "course.streams.tumbling_window",
        "course.streams.Tumbling",
        "course.streams.sliding_windows",  # sliding windows whose slide is their size are tumbling windows
        "course.streams.Sliding",
        "course.streams.assigner_for",  # assigner_for("tumbling", size) is a Tumbling
        "course.streams.count_window",
        "course.streams.count_by_key",
    ),
)
def tumbling_counts(rng: random.Random):
    yield Check(
        hint="each city is counted on its own: [(1, 'paris'), (2, 'rome')] gives two keys, each with 1",
        ask=call([(1, "paris"), (2, "rome")], 60),
        expect={("paris", 0): 1, ("rome", 0): 1},
    )
    yield Check(
        hint="rides at 5 s and 59 s are both in [0, 60): [(5, 'paris'), (59, 'paris')] gives {('paris', 0): 2}",
        ask=call([(5, "paris"), (59, "paris")], 60),
        expect={("paris", 0): 2},
    )
    yield Check(
        hint="windows are half-open, [start, start + size): a ride at exactly 60 s belongs to the window "
        "starting at 60, not the one starting at 0",
        ask=call([(60, "lyon")], 60),
        expect={("lyon", 60): 1},
    )
    yield Check(
        hint="start = ts - (ts mod size) with a floored mod: a ride at -1 s is in [-60, 0), start -60 "
        "(int() rounds toward zero; use // or %)",
        ask=call([(-1, "oslo")], 60),
        expect={("oslo", -60): 1},
    )
    cities = ["paris", "lyon", "rome", "oslo"]
    size = rng.choice([10, 30, 60])
    rides: list[tuple[float, str]] = [(rng.randint(-120, 600), rng.choice(cities)) for _ in range(200)]
    yield Check(
        hint=f"on 200 random rides with {size} s windows your counts differ from course.streams.tumbling_window's",
        ask=call(list(rides), size),
        expect=rides_per_window(rides, size),
    )


SIZING = ("course.streams.size_group", "course.streams.plan_load", "course.streams.plan_scenario")


def _draw(rng: random.Random) -> tuple[int, int, int]:
    """A random (target, consumer_rate, partition_rate): whole rides/s, as the lesson's numbers are."""
    return rng.randint(1, 200) * 50, rng.choice([50, 80, 120, 250]), rng.choice([100, 300, 1000])


def _behind_on_average(rng: random.Random) -> tuple[int, int, int]:
    """A random case where ⌈target / consumer_rate⌉ consumers, enough on average, leave the busiest one behind.

    About one draw in six is such a case, so the loop ends after a few draws.
    """
    while True:
        case = _draw(rng)
        if size_group(*case)[1] > math.ceil(case[0] / case[1]):
            return case


def _rule(target: int, consumer_rate: int, partition_rate: int) -> str:
    """The sizing rule worked through for one case (whole numbers), for the hint of a random case.

    >>> _rule(1000, 120, 100).split("; ")[1]
    'one consumer keeps up with ⌊120 × 10 / 1000⌋ = 1 of them (100 rides/s each), so consumers = ⌈10/1⌉ = 10'
    """
    partitions, consumers = size_group(target, consumer_rate, partition_rate)
    each = consumer_rate * partitions // target
    return (
        f"plan({target}, {consumer_rate}, {partition_rate}): partitions = max(⌈{target}/{partition_rate}⌉, "
        f"⌈{target}/{consumer_rate}⌉) = {partitions} (for the writes, and a partition is read by one consumer at "
        f"most); one consumer keeps up with ⌊{consumer_rate} × {partitions} / {target}⌋ = {each} of them "
        f"({target / partitions:.4g} rides/s each), so consumers = ⌈{partitions}/{each}⌉ = {consumers}"
    )


@question("streams.plan_capacity", title="Choose partitions and consumers for a target throughput", off_limits=SIZING)
def plan_capacity(rng: random.Random):
    fixed = [
        (
            (1000, 300, 500),
            "(1000, 300, 500): 4 consumers are needed anyway (3 do 900/s), and a partition is read by one "
            "consumer of the group at most, so 4 partitions: (4, 4)",
        ),
        (
            (1000, 500, 100),
            "(1000, 500, 100): the writes need 10 partitions of 100/s; one consumer takes 5 of them (500/s), "
            "so 2 consumers: (10, 2)",
        ),
        (
            (450, 100, 1000),
            "round up, not down: 450 rides/s at 100/s per consumer needs 5 partitions and 5 consumers",
        ),
        (
            (1000, 120, 100),
            "(1000, 120, 100): 9 consumers suffice on average, but 10 partitions over 9 give one consumer "
            "2 partitions, 200 rides/s for its 120: it falls behind; expected (10, 10)",
        ),
    ]
    for case, hint in fixed:
        yield Check(hint=hint, ask=call(*case), expect=size_group(*case))
    for case in [_draw(rng) for _ in range(8)]:
        yield Check(hint=_rule(*case), ask=call(*case), expect=size_group(*case))
    for case in [_behind_on_average(rng) for _ in range(2)]:
        target, consumer_rate, _ = case
        on_average = math.ceil(target / consumer_rate)
        yield Check(
            hint=f"{on_average} consumers suffice on average, but the busiest one owns ⌈P/C⌉ whole partitions: "
            + _rule(*case),
            ask=call(*case),
            expect=size_group(*case),
        )


LEAVE_EXAMPLE: dict[str, Any] = {"partitions": 7, "before": ["c0", "c1", "c2"], "after": ["c1", "c2"]}


def actual_moves() -> dict[str, set[int]]:
    """Which partitions change owner when c0 leaves a group of c0, c1, c2 reading 7 partitions, per strategy."""
    topics = {"rides": LEAVE_EXAMPLE["partitions"]}
    out = {}
    for strategy in ("range", "roundrobin", "sticky"):
        before = assign(strategy, topics, {m: ["rides"] for m in LEAVE_EXAMPLE["before"]})
        after = assign(strategy, topics, {m: ["rides"] for m in LEAVE_EXAMPLE["after"]}, previous=before)
        out[strategy] = {m.partition for m in rebalance_diff(before, after).moved}
    return out


def _moves_of(strategy: str, want: set[int]) -> Callable[[object], bool]:
    return lambda predicted: set(predicted[strategy]) == want  # type: ignore[index]


@question(
    "streams.predict_moves",
    title="Predict which partitions move when a consumer leaves",
    off_limits=("course.streams.*",),
)
def predict_moves():
    actual = actual_moves()
    yield Check(
        hint="return a dict with the keys 'range', 'roundrobin' and 'sticky', each a set of partition numbers",
        ask=call(),
        expect=lambda predicted: isinstance(predicted, dict) and set(predicted) == set(actual),
        shows="a dict with the keys 'range', 'roundrobin' and 'sticky'",
    )
    yield Check(
        hint="range: re-deal 7 partitions over c1, c2 (c1 gets 0-3, c2 4-6) and compare with before: c0's "
        "partitions move, and so does one of c1's",
        ask=call(),
        expect=_moves_of("range", actual["range"]),
        reveal=False,
    )
    yield Check(
        hint="round robin: deal 0..6 alternately to c1 and c2 and compare with before: most partitions change "
        "hands, even ones whose owner stayed",
        ask=call(),
        expect=_moves_of("roundrobin", actual["roundrobin"]),
        reveal=False,
    )
    yield Check(
        hint="sticky keeps every partition whose owner is still there, if balance allows: only c0's move",
        ask=call(),
        expect=_moves_of("sticky", actual["sticky"]),
        reveal=False,
    )
