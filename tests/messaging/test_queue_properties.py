"""Invariants over random traffic, crash and failure schedules: no message is ever lost."""

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.messaging import ATTEMPT_OUTCOMES, Faults, QueueScenario, QueueSimulation, RetryPolicy, simulate
from course.sim import OUTCOMES, Poisson

DRAINED = 10_000  # producers send for 5 s; by then every policy below (finite attempts) has long finished

retry_policies = st.builds(
    RetryPolicy,
    backoff=st.sampled_from(["none", "fixed", "exponential"]),
    base=st.floats(0, 2),
    cap=st.floats(0.1, 5),
    jitter=st.sampled_from([None, "full", "equal"]),
    max_attempts=st.integers(1, 4),
)


@st.composite
def faults(draw):
    rates = [draw(st.floats(0, 0.4)) for _ in range(3)]  # at most 1 together
    return Faults(
        failure_rate=rates[0],
        crash_rate=rates[1],
        slow_rate=rates[2] / 2,
        slow_time=draw(st.floats(0.1, 15)),
        poison=draw(st.frozensets(st.integers(0, 30), max_size=3)),
        detect_poison=draw(st.booleans()),
        fail_time=draw(st.one_of(st.none(), st.floats(0.001, 1))),
        schedule=draw(
            st.dictionaries(
                st.tuples(st.integers(0, 30), st.integers(1, 4)), st.sampled_from(ATTEMPT_OUTCOMES), max_size=15
            )
        ),
    )


@st.composite
def scenarios(draw, unbounded=False):
    capacity = None if unbounded else draw(st.one_of(st.none(), st.integers(1, 8)))
    partitions = draw(st.one_of(st.none(), st.integers(1, 3)))
    return QueueScenario(
        source=Poisson(rate=draw(st.floats(0.5, 10))),
        processing=draw(st.floats(0.01, 1)),
        consumers=draw(st.integers(1, 4)),
        capacity=capacity,
        when_full=draw(st.sampled_from(["block", "reject", "drop_oldest"])),
        resend=draw(st.one_of(st.none(), st.just(RetryPolicy(backoff="fixed", base=0.5, max_attempts=3)))),
        partitions=partitions,
        keys=draw(st.one_of(st.none(), st.integers(1, 6))),
        visibility_timeout=draw(st.floats(0.1, 10)),
        retry=draw(retry_policies),
        faults=draw(faults()),
        idempotent=draw(st.booleans()),
        poll_interval=draw(st.sampled_from([0.0, 0.3])),
        restart=draw(st.sampled_from([0.0, 1.5])),
        produce_for=5.0,
    )


def check_bookkeeping(res):
    s = res.summary()
    assert s.accounted
    assert {r.status for r in res.records} <= set(OUTCOMES)  # one shared vocabulary
    deliveries = Counter(e.message for e in res.events if e.kind == "deliver")
    acks = Counter(e.message for e in res.events if e.kind == "ack")
    for r in res.records:
        assert r.deliveries == deliveries[r.id]
        assert acks[r.id] == (r.state == "acked")  # acked once, and only if it ended acked
    assert s.utilization <= 1 + 1e-9
    holding = Counter()  # replay the log: a consumer works on one message at a time
    for e in res.events:
        if e.kind == "deliver":
            holding[e.consumer] += 1
            assert holding[e.consumer] == 1, f"consumer {e.consumer} took message {e.message} while busy"
        elif e.kind in ("ack", "late_ack", "fail", "crash") or (e.kind == "dead_letter" and e.detail == "poison"):
            holding[e.consumer] -= 1
            assert holding[e.consumer] == 0


@given(scenarios(), st.integers(0, 10**6))
def test_every_message_ends_somewhere_and_the_books_balance(scenario, seed):
    res = simulate(scenario, until=DRAINED, seed=seed)
    assert res.drained
    check_bookkeeping(res)


@pytest.mark.claim("queues.nothing-lost")
@given(scenarios(unbounded=True), st.integers(0, 10**6))
def test_no_message_is_ever_lost_each_is_acked_or_dead_lettered(scenario, seed):
    res = simulate(scenario, until=DRAINED, seed=seed)
    s = res.summary()
    assert s.served + s.dead_lettered == s.produced
    for r in res.records:
        if r.state == "acked":
            assert r.effects >= 1  # acked work took effect at least once


@pytest.mark.claim("queues.idempotent-exactly-once")
@given(scenarios(unbounded=True), st.integers(0, 10**6))
def test_an_idempotent_consumer_makes_every_effect_happen_exactly_once(scenario, seed):
    res = simulate(replace(scenario, idempotent=True), until=DRAINED, seed=seed)
    assert res.summary().duplicate_effects == 0
    for r in res.records:
        assert r.effects == (1 if r.state == "acked" else r.effects)
        assert r.effects <= 1


@given(scenarios(), st.lists(st.floats(0, 8), min_size=1, max_size=4))
def test_the_identity_holds_at_every_moment(scenario, cuts):
    sim = QueueSimulation(scenario, until=8)
    for t in sorted(cuts):
        sim.run(until=max(t, sim.env.now, 0.001))
        res = sim.results()
        assert res.summary().accounted
        assert not any(r.state in ("ready", "delayed", "in_flight") and r.enqueued != r.enqueued for r in res.records)
        if scenario.capacity is not None:
            assert all(row[1] + row[2] + row[3] <= scenario.capacity for row in res.gauges)


@pytest.mark.claim("queues.partition-order")
@given(scenarios())
def test_order_holds_within_each_partition(scenario):
    scenario = replace(scenario, partitions=scenario.partitions or 2, keys=scenario.keys or 4)
    res = simulate(scenario, until=DRAINED)
    entered = {e.message: i for i, e in enumerate(res.events) if e.kind == "enqueue"}
    part = {r.id: r.partition for r in res.records}
    for p in range(scenario.partitions):
        acked = [entered[e.message] for e in res.events if e.kind == "ack" and part[e.message] == p]
        assert acked == sorted(acked)


@given(rate=st.floats(0.5, 20), consumers=st.integers(1, 3), seed=st.integers(0, 1000))
def test_a_single_fault_free_queue_acks_in_fifo_order_when_one_consumer_serves(rate, consumers, seed):
    res = simulate(QueueScenario(source=Poisson(rate), consumers=1, produce_for=5), until=60, seed=seed)
    acked = [e.message for e in res.events if e.kind == "ack"]
    assert acked == list(range(len(res.records)))
    starts = [e.message for e in res.events if e.kind == "deliver"]
    many = simulate(QueueScenario(source=Poisson(rate), consumers=consumers, produce_for=5), until=60, seed=seed)
    assert [e.message for e in many.events if e.kind == "deliver"] == list(range(len(many.records)))
    assert starts == acked
