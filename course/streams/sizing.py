"""Sizing a consumer group: how many partitions and consumers keep up with a target rate.

The rule, in English: a partition takes at most `partition_rate` records/s of writes, and a
consumer processes at most `consumer_rate` records/s. Records spread evenly over the partitions
(many keys, no hot key), so each gets `target / P`. A consumer owns **whole** partitions: with `P`
partitions over `C` consumers the busiest one owns `ceil(P / C)` of them and must process
`ceil(P / C) * target / P` records/s. A plan keeps up when the busiest partition and the busiest
consumer both stay within their rates.

`size_group` returns the plan with the fewest partitions that can keep up (Kafka's rule of thumb
`max(target / partition_rate, target / consumer_rate)`, rounded up), and for it the fewest
consumers: each consumer carries `floor(consumer_rate * P / target)` partitions at most.
`plan_scenario` turns any plan into a one-group `GroupScenario` with evenly spread keys, so that
`simulate` shows whether it really keeps up (`GroupResults.lag_growth`).

Taught in lessons/04_streams.ipynb.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

from course.sim.validate import rate as check_rate
from course.sim.validate import whole

from .scenario import GroupScenario

__all__ = ["EVEN_KEYS", "PlanLoad", "plan_load", "plan_scenario", "size_group"]

EVEN_KEYS = 100_000  # keys in `plan_scenario`: enough that hashing spreads records within ~1 % per partition


class PlanLoad(NamedTuple):
    """What a plan asks of its busiest partition and its busiest consumer, in records/s, and whether both fit."""

    partitions: int
    consumers: int
    busiest_partition: float
    busiest_consumer: float
    keeps_up: bool


def _rate(name: str, value: object, why: str) -> Fraction:
    """A positive rate, as an exact fraction (so that 500 / 100 is exactly 5 partitions, never 4.999...)."""
    return Fraction(check_rate(name, value, positive=True, why=why))


def size_group(target: float, consumer_rate: float, partition_rate: float) -> tuple[int, int]:
    """The fewest partitions that can carry `target` records/s, then the fewest consumers that keep up with them.

    Partitions: enough for the writes (`target / partition_rate`) and for the reads (one consumer
    reads a partition at most, so `target / consumer_rate`), rounded up. Consumers: one carries
    `floor(consumer_rate / (target / partitions))` whole partitions, so `ceil(partitions / that)`.

    Taught in lessons/04_streams.ipynb.

    >>> size_group(1000, consumer_rate=120, partition_rate=100)   # (10, 9) would give one consumer 200/s
    (10, 10)
    >>> size_group(1000, consumer_rate=500, partition_rate=100)   # each consumer takes 5 partitions of 100/s
    (10, 2)
    >>> size_group(450, consumer_rate=100, partition_rate=1000)
    (5, 5)
    """
    t = _rate("target", target, "records per second the topic must carry")
    c = _rate("consumer_rate", consumer_rate, "records per second one consumer processes")
    p = _rate("partition_rate", partition_rate, "records per second one partition takes")
    partitions = max(math.ceil(t / p), math.ceil(t / c))
    each = math.floor(c * partitions / t)  # whole partitions one consumer keeps up with: at least 1
    return partitions, math.ceil(partitions / each)


def plan_load(target: float, consumer_rate: float, partition_rate: float, partitions: int, consumers: int) -> PlanLoad:
    """The load on the busiest partition and the busiest consumer of a plan, with records spread evenly.

    The busiest consumer owns `ceil(partitions / consumers)` partitions (any balanced assignor);
    a consumer beyond the partition count owns none.

    >>> plan_load(1000, 120, 100, partitions=10, consumers=9)
    PlanLoad(partitions=10, consumers=9, busiest_partition=100.0, busiest_consumer=200.0, keeps_up=False)
    >>> plan_load(1000, 120, 100, partitions=10, consumers=10).keeps_up
    True
    """
    t = _rate("target", target, "records per second the topic must carry")
    c = _rate("consumer_rate", consumer_rate, "records per second one consumer processes")
    p = _rate("partition_rate", partition_rate, "records per second one partition takes")
    whole("partitions", partitions, minimum=1, maximum=10_000, why="a topic needs a partition")
    whole("consumers", consumers, minimum=1, maximum=10_000, why="a group needs a consumer to read anything")
    per_partition = t / partitions
    busiest = math.ceil(Fraction(partitions, consumers)) * per_partition
    return PlanLoad(partitions, consumers, float(per_partition), float(busiest), per_partition <= p and busiest <= c)


def plan_scenario(target: float, consumer_rate: float, partitions: int, consumers: int) -> GroupScenario:
    """One group of `consumers` reading `partitions`, fed `target` records/s over evenly spread keys.

    What `size_group` assumes, as a scenario `simulate` can run (the toy has no per-partition
    write limit: `plan_load` checks that side).

    >>> from course.streams import simulate
    >>> lagging = simulate(plan_scenario(1000, 120, partitions=10, consumers=9), until=20)
    >>> lagging.lag_growth()["dashboard"] > 50      # one consumer gets 200/s for its 120/s
    True
    >>> simulate(plan_scenario(1000, 120, partitions=10, consumers=10), until=20).lag_growth()["dashboard"] < 10
    True
    """
    _rate("target", target, "records per second the topic must carry")
    _rate("consumer_rate", consumer_rate, "records per second one consumer processes")
    return GroupScenario(
        partitions=partitions,
        consumers=consumers,
        groups=1,
        rate=target,
        consumer_rate=consumer_rate,
        keys=EVEN_KEYS,
    )
