"""The claims lessons/03_queues.ipynb makes beyond the scenario functions, asserted against the library.

(The scenarios' own claims, bursts, workers, the 500 ms caution and retries, are in test_queue_scenarios.py.)
"""

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.messaging import (
    RETRY_POLICIES,
    Faults,
    MessageQueue,
    QueueResults,
    QueueScenario,
    QueueSimulation,
    RetryPolicy,
    backoff_delays,
    failure_drill,
    retry_row,
    ride_burst,
    simulate,
)
from course.sim import Environment, Poisson, Spike


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


def test_the_burst_comparison_knows_when_the_burst_ends():
    cmp = ride_burst(at=60.0, duration=5.0)
    assert (cmp.burst_start, cmp.burst_end) == (60.0, 65.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_crashes_after_the_work_make_duplicates_that_an_idempotent_consumer_absorbs(seed):
    crashy = QueueScenario(
        source=Poisson(rate=10), processing=0.1, consumers=2, visibility_timeout=2, faults=Faults(crash_rate=0.05),
        seed=seed,
    )  # fmt: skip
    plain = simulate(crashy, until=60, drain=True).summary()
    safe = simulate(replace(crashy, idempotent=True), until=60, drain=True).summary()
    assert plain.acked == plain.produced and plain.duplicate_effects > 20
    assert safe.acked == safe.produced and safe.duplicates == plain.duplicates and safe.duplicate_effects == 0


def test_the_backoff_schedule_doubles_to_its_cap_and_jitter_stays_below_it():
    exponential = RetryPolicy(backoff="exponential", base=0.5, cap=30, max_attempts=8)
    ceilings = backoff_delays(exponential)
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    full = backoff_delays(replace(exponential, jitter="full"), seed=0)
    assert all(0 <= d <= c for d, c in zip(full, ceilings, strict=True)) and full != ceilings


def test_full_jitter_costs_one_healthy_message_its_attempts_at_the_lessons_seed():
    name = "exponential + full jitter, 8 attempts"
    row = retry_row(name, failure_drill(RETRY_POLICIES[name]))
    assert row.dead_lettered == 2 and row.poison_deliveries == 8


def test_a_dead_letter_can_be_inspected_fixed_and_redriven():
    scenario = QueueScenario(
        source=Poisson(rate=5), consumers=2, faults=Faults(poison={3}), retry=RetryPolicy(base=0.5, max_attempts=4)
    )
    sim = QueueSimulation(scenario, produce_until=20)
    sim.run(until=20)
    [letter] = sim.queue.dlq.inspect()
    assert (letter.message, letter.reason, letter.attempts) == (3, "max attempts", 4)
    sim.set_faults(Faults())
    assert sim.redrive() == 1 and sim.drain()
    after = sim.results().summary()
    assert after.dead_lettered == 0 and after.acked == after.produced


def test_the_three_full_queue_policies_block_reject_or_drop():
    orders = QueueScenario(source=Spike(base=2, peak=60, start=5, duration=5), processing=0.2, consumers=4, capacity=50)
    runs = {p: simulate(replace(orders, when_full=p), until=30, drain=True) for p in ("block", "reject", "drop_oldest")}
    s = {p: r.summary() for p, r in runs.items()}
    assert s["block"].acked == s["block"].produced and s["block"].rejected == s["block"].dropped == 0
    assert max(row[4] for row in runs["block"].gauges) > 100  # the burst waits at the producer
    assert s["reject"].rejected > 100 and s["reject"].dropped == 0
    assert s["drop_oldest"].dropped > 100 and s["drop_oldest"].rejected == 0
    assert s["drop_oldest"].p50 < s["reject"].p50 < s["block"].p50


def test_flows_send_a_last_failed_attempt_to_the_dlq_not_back_to_the_queue():
    scenario = QueueScenario(
        source=Poisson(rate=20), consumers=3, faults=Faults(failure_rate=0.4, poison={2}),
        retry=RetryPolicy(backoff="fixed", base=0.1, max_attempts=2),
    )  # fmt: skip
    res = simulate(scenario, until=20, drain=True)
    s = res.summary()
    assert s.dead_lettered > 10
    flows = {(f.source, f.target): f.messages for f in res.flows()}
    back = sum(m for (a, b), m in flows.items() if a.startswith("consumer") and b == "queue")
    assert back == s.deliveries - s.acked - s.dead_lettered
    assert sum(m for (a, b), m in flows.items() if b == "dlq") == s.dead_lettered
    assert all(m > 0 for m in flows.values())


def test_a_dead_letter_by_hand_with_no_failure_before_it_moves_nothing_back():
    env = Environment()
    q = MessageQueue(env)
    q.send()
    q.dead_letter(q.receive(consumer=0), reason="max attempts")
    hand = QueueResults(
        records=[m.record() for m in q.messages], events=list(q.events), gauges=list(q.gauges),
        dead_letters=list(q.dlq.letters), until=1.0, consumers=1, partitions=None, drained=True, duplicates=0,
    )  # fmt: skip
    assert {(f.source, f.target): f.messages for f in hand.flows()} == {
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
        retry=RetryPolicy(backoff="fixed", base=0.1, max_attempts=attempts), seed=seed,
    )  # fmt: skip
    res = simulate(scenario, until=5, drain=True)
    s, flows = res.summary(), res.flows()
    into, out = Counter(), Counter()
    for f in flows:
        assert f.messages > 0
        out[f.source] += f.messages
        into[f.target] += f.messages
    assert res.drained
    assert out["producers"] == s.produced  # every message entered the queue or was rejected
    assert out["queue"] == s.deliveries + s.dropped
    assert into["acked"] == s.acked and into["dlq"] == s.dead_lettered and into["rejected"] == s.rejected
    assert into["queue"] == out["queue"]  # drained: whatever entered the queue left it
    consumers = [n for n in out if n.startswith("consumer")]
    assert sum(out[c] for c in consumers) == s.deliveries  # each delivery ends in one flow: ack, retry or dlq
