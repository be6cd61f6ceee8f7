"""The claims lessons/03_queues.ipynb makes beyond its experiments, asserted against the library.

(The experiments' own claims, bursts, workers, the 500 ms caution and retries, are in test_experiments.py.)
"""

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.messaging import (
    Faults,
    MessageQueue,
    QueueResults,
    QueueScenario,
    QueueSimulation,
    RetryPolicy,
    backoff_delays,
    simulate,
)
from course.sim import Environment, Poisson, Spike

ORDERS = QueueScenario(
    source=Spike(base=2, peak=60, start=5, duration=5), processing=0.2, consumers=4, capacity=50, produce_for=30
)
KEYED = QueueScenario(
    source=Poisson(rate=20), partitions=3, consumers=3, keys=12, faults=Faults(failure_rate=0.3),
    retry=RetryPolicy(backoff="fixed", base=0.2, max_attempts=None), produce_for=20,
)  # fmt: skip


@pytest.mark.claim("queues.taking-is-not-removing")
def test_taking_is_not_removing_an_unacked_message_comes_back_after_the_timeout():
    env = Environment()
    q = MessageQueue(env, visibility_timeout=5)
    q.send(), q.send()
    first, second = q.receive(consumer=0), q.receive(consumer=1)
    assert q.ack(second)
    env.run(until=6)
    again = q.receive(consumer=1)
    assert (again.message, again.attempt, again.start) == (0, 2, 6.0)
    assert q.ack(first) is False  # the first consumer's receipt is stale
    assert [(e.t, e.kind, e.message) for e in q.events if e.kind in ("timeout", "visible", "late_ack")] == [
        (5.0, "timeout", 0),
        (5.0, "visible", 0),
        (6.0, "late_ack", 0),
    ]


@pytest.mark.claim("queues.idempotent-exactly-once")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_crashes_after_the_work_make_duplicates_that_an_idempotent_consumer_absorbs(seed):
    crashy = QueueScenario(
        source=Poisson(rate=10), processing=0.1, consumers=2, visibility_timeout=2, faults=Faults(crash_rate=0.05),
        produce_for=60,
    )  # fmt: skip
    plain = simulate(crashy, until=70, seed=seed).summary()
    safe = simulate(replace(crashy, idempotent=True), until=70, seed=seed).summary()
    assert plain.served == plain.produced and plain.duplicate_effects > 20
    assert safe.served == safe.produced and safe.duplicates == plain.duplicates and safe.duplicate_effects == 0


@pytest.mark.claim("queues.backoff-schedule")
def test_the_backoff_schedule_doubles_to_its_cap_and_jitter_stays_below_it():
    exponential = RetryPolicy(backoff="exponential", base=0.5, cap=30, max_attempts=8)
    ceilings = backoff_delays(exponential)
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    for seed in range(20):
        full = backoff_delays(replace(exponential, jitter="full"), seed=seed)
        equal = backoff_delays(replace(exponential, jitter="equal"), seed=seed)
        assert all(0 <= d <= c for d, c in zip(full, ceilings, strict=True)) and full != ceilings
        assert all(c / 2 <= d <= c for d, c in zip(equal, ceilings, strict=True))


@pytest.mark.claim("queues.dlq-redrive")
@pytest.mark.parametrize("seed", [0, 1])
def test_a_dead_letter_can_be_inspected_fixed_and_redriven(seed):
    scenario = QueueScenario(
        source=Poisson(rate=5), consumers=2, faults=Faults(poison={3}), retry=RetryPolicy(base=0.5, max_attempts=4),
        produce_for=20,
    )  # fmt: skip
    sim = QueueSimulation(scenario, until=20, seed=seed)
    sim.run()
    [letter] = sim.queue.dlq.inspect()
    assert (letter.message, letter.reason, letter.attempts) == (3, "max attempts", 4)
    sim.set_faults(Faults())
    assert sim.redrive() == 1 and sim.drain()
    after = sim.results().summary()
    assert after.dead_lettered == 0 and after.served == after.produced


@pytest.mark.claim("queues.full-queue-policies")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_three_full_queue_policies_block_reject_or_push_out_the_oldest(seed):
    runs = {p: simulate(replace(ORDERS, when_full=p), until=60, seed=seed) for p in ("block", "reject", "drop_oldest")}
    s = {p: r.summary() for p, r in runs.items()}
    assert s["block"].served == s["block"].produced and s["block"].rejected == 0
    assert max(row[4] for row in runs["block"].gauges) > 100  # the burst waits at the producers
    assert s["reject"].rejected > 100 and s["drop_oldest"].rejected > 100
    reasons = {p: {r.reason for r in runs[p].records if r.state == "rejected"} for p in ("reject", "drop_oldest")}
    assert reasons == {"reject": {"queue full"}, "drop_oldest": {"pushed out by a newer message"}}
    assert s["drop_oldest"].p50 < s["reject"].p50 < s["block"].p50


@pytest.mark.claim("queues.capacity-bounds-depth")
def test_a_full_queue_never_holds_more_than_its_capacity_in_flight_included():
    for policy in ("block", "reject", "drop_oldest"):
        res = simulate(replace(ORDERS, when_full=policy, faults=Faults(failure_rate=0.3)), until=60)
        assert max(row[1] + row[2] + row[3] for row in res.gauges) == 50  # full, never over
    lab = simulate(QueueScenario.example(visibility_timeout=0.5), until=60)  # once showed max_depth 102
    assert lab.summary().max_depth <= 100 and max(r[1] + r[2] + r[3] for r in lab.gauges) == 100


@pytest.mark.claim("queues.capacity-bounds-depth")
def test_the_toy_counts_messages_in_flight_where_rabbitmq_counts_only_ready_ones():
    res = simulate(replace(ORDERS, when_full="reject"), until=60)
    rows = res.gauges
    refused_while_ready_below = 0
    for e in res.events:
        if e.kind == "reject":
            _, ready, delayed, in_flight, *_ = max((r for r in rows if r[0] <= e.t), key=lambda r: r[0])
            assert ready + delayed + in_flight == 50  # full, counting the four messages the workers hold
            refused_while_ready_below += ready + delayed < 50
    assert refused_while_ready_below > 100  # a ready-only limit (RabbitMQ's max-length) would have taken these


@pytest.mark.claim("queues.priority-order")
def test_a_priority_queue_serves_lower_numbers_first_and_equals_in_arrival_order():
    urgent = MessageQueue(Environment(), ordering="priority")
    for priority in (2, 0, 1, 0):
        urgent.send(priority=priority)
    assert [urgent.receive(consumer=0).message for _ in range(4)] == [1, 3, 2, 0]
    busy = QueueScenario(source=Poisson(rate=9), processing=0.1, consumers=1, priorities=3, ordering="priority")
    res = simulate(busy, until=120)
    waits = {p: [r.wait for r in res.records if r.priority == p and r.state == "acked"] for p in range(3)}
    assert sum(waits[0]) / len(waits[0]) < sum(waits[2]) / len(waits[2]) / 2  # urgent work jumps the line
    overloaded = simulate(replace(busy, source=Poisson(rate=30)), until=60).records
    served = {p: sum(r.priority == p and r.state == "acked" for r in overloaded) for p in range(3)}
    assert served[0] > 300 and served[2] == 0  # when urgent work never stops, the lowest priority starves


@pytest.mark.claim("queues.partition-order")
def test_order_holds_within_each_partition_of_the_lesson_run_but_not_across_them():
    res = simulate(KEYED, until=120)
    assert res.drained
    part = {r.id: r.partition for r in res.records}
    acks = [e.message for e in res.events if e.kind == "ack"]
    for p in range(3):
        mine = [m for m in acks if part[m] == p]
        assert mine == sorted(mine)
    assert acks != sorted(acks)


def test_a_dead_letter_by_hand_with_no_failure_before_it_moves_nothing_back():
    env = Environment()
    q = MessageQueue(env)
    q.send()
    q.dead_letter(q.receive(consumer=0), reason="max attempts")
    hand = QueueResults(
        QueueScenario(consumers=1), [m.record() for m in q.messages], 1.0, events=list(q.events),
        gauges=list(q.gauges), dead_letters=list(q.dlq.letters), drained=True, duplicates=0,
    )  # fmt: skip
    assert {(f.source, f.target): f.count for f in hand.flows()} == {
        ("producers", "queue"): 1,
        ("queue", "consumer 0"): 1,
        ("consumer 0", "dlq"): 1,
    }


@settings(max_examples=60)
@given(
    failure_rate=st.floats(0, 0.6),
    crash_rate=st.floats(0, 0.3),
    attempts=st.integers(1, 4),
    poison=st.frozensets(st.integers(0, 20), max_size=3),
    detect=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_the_flows_the_picture_draws_account_for_every_delivery(
    failure_rate, crash_rate, attempts, poison, detect, seed
):
    scenario = QueueScenario(
        source=Poisson(rate=10), consumers=2, capacity=15, visibility_timeout=0.5,
        faults=Faults(failure_rate=failure_rate, crash_rate=crash_rate, poison=poison, detect_poison=detect),
        retry=RetryPolicy(backoff="fixed", base=0.1, max_attempts=attempts), produce_for=5,
    )  # fmt: skip
    res = simulate(scenario, until=600, seed=seed)
    s, flows = res.summary(), res.flows()
    into, out = Counter(), Counter()
    for f in flows:
        assert f.count > 0
        out[f.source] += f.count
        into[f.target] += f.count
    assert res.drained
    assert out["producers"] == s.produced  # every message entered the queue or was refused at the door
    assert into["acked"] == s.served and into["dlq"] == s.dead_lettered and into["rejected"] == s.rejected
    pushed_out = sum(f.count for f in flows if f.source == "queue" and f.target == "rejected")
    assert out["queue"] == s.deliveries + pushed_out
    assert into["queue"] == out["queue"]  # drained: whatever entered the queue left it
    consumers = [n for n in out if n.startswith("consumer")]
    assert sum(out[c] for c in consumers) == s.deliveries  # each delivery ends in one flow: ack, retry or dlq
