import math

import pytest

from course.messaging import (
    Faults,
    QueueScenario,
    QueueSimulation,
    RetryPolicy,
    simulate,
)
from course.sim import ConstantRate, Poisson, SimulationLimitError, Spike


def test_a_constant_stream_is_served_exactly():
    res = simulate(QueueScenario(source=ConstantRate(rate=2), processing=0.25, consumers=1), until=10)
    s = res.summary()
    assert (s.produced, s.acked, s.queued, s.in_flight) == (19, 19, 0, 0)
    assert s.p50 == s.p99 == 0.25
    assert [r.latency for r in res.records] == [0.25] * 19


def test_summary_is_one_line_and_the_identity_holds():
    res = simulate(QueueScenario(source=Poisson(rate=30), consumers=2, capacity=5), until=20)
    s = res.summary()
    assert "\n" not in repr(s) and repr(s).startswith("QueueSummary(produced=")
    assert s.accounted and s.rejected > 0
    assert s.produced == s.acked + s.dead_lettered + s.dropped + s.rejected + s.queued + s.in_flight + s.at_producer
    assert repr(res).startswith(f"QueueResults({s.produced} messages over 20 s) -> QueueSummary(")


def test_records_are_flat_and_in_id_order():
    res = simulate(QueueScenario(source=Poisson(rate=5), keys=3), until=10)
    assert [r.id for r in res.records] == list(range(len(res.records)))
    assert {r.key for r in res.records} <= {"key-0", "key-1", "key-2"}
    r = res.records[0]
    assert r.status == "acked" and r.wait == r.first_delivery - r.produced and r.latency == r.end - r.produced


def test_the_time_series_adds_up_to_the_summary():
    scenario = QueueScenario(source=Poisson(rate=30), consumers=2, capacity=5, faults=Faults(poison={3}))
    res = simulate(scenario, until=30)
    ts, s = res.timeseries(bin=5), res.summary()
    assert ts.t == [0, 5, 10, 15, 20, 25]
    assert sum(ts.produced) == s.produced and sum(ts.acked) == s.acked
    assert sum(ts.deliveries) == s.deliveries and sum(ts.drops) == s.dropped + s.rejected
    assert sum(ts.dead_lettered) == s.dead_lettered == ts.dlq[-1] == 1
    assert max(ts.depth) <= 5 + 1e-9  # time averages never exceed the capacity
    for column in (ts.depth, ts.in_flight, ts.in_system):
        assert all(v >= 0 for v in column)


def test_time_averages_of_the_gauges_are_exact():
    # one message at a time, each 0.5 s of work, one per second: in flight half of every second
    res = simulate(QueueScenario(source=ConstantRate(rate=1), processing=0.5, consumers=1), until=10)
    ts = res.timeseries(bin=2)
    assert ts.in_flight == pytest.approx([0.25, 0.5, 0.5, 0.5, 0.5])
    assert ts.depth == [0.0] * 5


def test_little_law_is_exact_on_a_drained_run():
    res = simulate(QueueScenario(source=Poisson(rate=8), processing=0.4, consumers=4, seed=3), until=60, drain=True)
    law = res.littles_law()
    assert res.drained
    assert law.L == pytest.approx(law.arrival_rate * law.mean_time, rel=1e-9)


def test_little_law_L_is_the_time_average_of_the_in_system_series():
    res = simulate(QueueScenario(source=Poisson(rate=8), processing=0.4, consumers=4, seed=5), until=60)
    ts = res.timeseries(bin=2)
    assert sum(ts.in_system) * 2 / 60 == pytest.approx(res.littles_law().L, rel=1e-12)


def test_little_law_holds_within_tolerance_in_steady_state():
    from course.sim import Exponential

    res = simulate(QueueScenario(source=Poisson(rate=8), processing=Exponential(2.5), consumers=4), until=600)
    law = res.littles_law()
    assert not res.drained and law.relative_error < 0.02


def test_flows_conserve_messages():
    scenario = QueueScenario(source=Poisson(rate=20), consumers=3, capacity=10, faults=Faults(failure_rate=0.2))
    res = simulate(scenario, until=20, drain=True)
    s = res.summary()
    flows = {(f.source, f.target): f.messages for f in res.flows()}
    assert flows["producers", "queue"] == s.produced - s.rejected
    assert flows.get(("producers", "rejected"), 0) == s.rejected
    assert sum(m for (a, _), m in flows.items() if a == "queue") == s.deliveries
    assert sum(m for (_, b), m in flows.items() if b == "acked") == s.acked
    back = sum(m for (a, b), m in flows.items() if a.startswith("consumer") and b == "queue")
    assert back == s.deliveries - s.acked - s.dead_lettered


def test_flows_name_partitions():
    res = simulate(QueueScenario(source=Poisson(rate=10), partitions=2, consumers=2, keys=10), until=10)
    nodes = {f.source for f in res.flows()} | {f.target for f in res.flows()}
    assert {"partition 0", "partition 1", "consumer 0", "consumer 1", "acked", "producers"} <= nodes


def test_per_partition_order_holds_in_a_run_with_failures():
    scenario = QueueScenario(
        source=Poisson(rate=20), partitions=3, consumers=3, keys=12, faults=Faults(failure_rate=0.3),
        retry=RetryPolicy(backoff="fixed", base=0.2, max_attempts=None),
    )  # fmt: skip
    res = simulate(scenario, until=20, drain=True)
    part = {r.id: r.partition for r in res.records}
    for p in range(3):
        acked = [e.message for e in res.events if e.kind == "ack" and part[e.message] == p]
        assert acked == sorted(acked)
    overall = [e.message for e in res.events if e.kind == "ack"]
    assert overall != sorted(overall)  # but not across partitions


def test_priorities_serve_urgent_messages_first_in_a_backlog():
    scenario = QueueScenario(source=Poisson(rate=12), processing=0.1, consumers=1, ordering="priority", priorities=3)
    res = simulate(scenario, until=120)
    wait = {p: [r.wait for r in res.records if r.priority == p and r.status == "acked"] for p in range(3)}
    mean = {p: sum(w) / len(w) for p, w in wait.items()}
    assert mean[0] < mean[1] < mean[2]


def test_block_slows_the_producer_to_the_consumers_pace_and_loses_nothing():
    burst = Spike(base=0, peak=100, start=0, duration=2)  # 200 messages in 2 s, 10 per second served
    res = simulate(QueueScenario(source=burst, processing=0.1, consumers=1, capacity=10, when_full="block"), until=5)
    s = res.summary()
    assert s.at_producer > 100 and s.rejected == s.dropped == 0 and s.accounted
    assert res.summary().acked == pytest.approx(50, abs=1)
    drained = simulate(
        QueueScenario(source=burst, processing=0.1, consumers=1, capacity=10, when_full="block"), until=5, drain=True
    )
    assert drained.drained and drained.summary().acked == drained.summary().produced


def test_reject_with_resend_backs_off_and_rejects_fewer_for_good():
    burst = Spike(base=0, peak=100, start=0, duration=2)
    plain = QueueScenario(source=burst, processing=0.1, consumers=1, capacity=10)
    patient = QueueScenario(
        source=burst, processing=0.1, consumers=1, capacity=10, resend=RetryPolicy(base=0.5, max_attempts=6)
    )
    a = simulate(plain, until=5, drain=True).summary()
    b_res = simulate(patient, until=5, drain=True)
    b = b_res.summary()
    assert a.accounted and b.accounted
    assert b.rejected < a.rejected
    assert sum(b_res.timeseries(bin=1).rejections) > b.rejected  # many 503s, fewer final rejections


def test_drop_oldest_keeps_the_newest():
    burst = Spike(base=0, peak=100, start=0, duration=1)
    res = simulate(QueueScenario(source=burst, processing=0.1, consumers=1, capacity=5, when_full="drop_oldest"), 3)
    s = res.summary()
    assert s.dropped > 50 and s.accounted
    acked = [r.id for r in res.records if r.status == "acked"]
    assert acked[-5:] == list(range(s.produced - 5, s.produced))  # the last five arrivals all made it


def test_zero_consumers_shows_everything_queued_and_the_run_ends():
    res = simulate(QueueScenario(source=Poisson(rate=10), consumers=0), until=10, drain=True)
    s = res.summary()
    assert s.queued == s.produced > 0 and s.acked == 0
    assert not res.drained and res.until == pytest.approx(10, abs=0.2)  # nothing more could happen


def test_an_endless_retry_loop_is_stopped_by_the_drain_limit():
    scenario = QueueScenario(
        source=ConstantRate(rate=1), consumers=1, faults=Faults(poison={0}, fail_time=0.01),
        retry=RetryPolicy(backoff="none", max_attempts=None),
    )  # fmt: skip
    res = simulate(scenario, until=5, drain=True, drain_limit=10)
    assert not res.drained and res.until == 15.0
    assert res.records[0].status in ("ready", "in_flight") and res.records[0].deliveries > 1000
    assert res.summary().accounted


def test_a_huge_max_attempts_with_exponential_backoff_stays_bounded():
    retry = RetryPolicy(backoff="exponential", base=0.1, cap=5, max_attempts=10**12)
    scenario = QueueScenario(source=ConstantRate(rate=1), consumers=1, retry=retry, faults=Faults(poison={0}))
    res = simulate(scenario, until=5, drain=True, drain_limit=100)
    assert res.records[0].deliveries < 40 and not res.drained


def test_a_run_that_needs_too_many_events_stops_with_a_clear_error():
    sim = QueueSimulation(QueueScenario(source=Poisson(rate=100)), produce_until=100, max_events=1000)
    with pytest.raises(SimulationLimitError, match="shorten the run or lower the traffic"):
        sim.run(until=100)


def test_a_flood_of_messages_is_refused_before_it_starts():
    with pytest.raises(ValueError, match="would produce about 60,000,000 messages, more than the 100,000"):
        simulate(QueueScenario(source=Poisson(rate=1e6)), until=60)


def test_a_source_that_sends_more_than_it_promised_is_stopped(monkeypatch):
    from course.messaging import simulation
    from course.sim import Source

    class Liar(Source):  # claims silence, then floods
        def rate_at(self, t):
            return 0.0

        def times(self, until, rng):
            yield from (k / 100 for k in range(1, int(until * 100)))

    monkeypatch.setattr(simulation, "MAX_MESSAGES", 50)
    with pytest.raises(SimulationLimitError, match="the producers sent more than 50 messages"):
        simulate(QueueScenario(source=Liar()), until=10)


def test_redrive_after_a_fix_gets_every_message_acked():
    sim = QueueSimulation(QueueScenario(source=ConstantRate(rate=2), faults=Faults(poison={1, 4})), produce_until=5)
    sim.run(until=40)
    assert sorted(d.message for d in sim.queue.dlq) == [1, 4]
    sim.set_faults(Faults())
    assert sim.redrive() == 2
    assert sim.drain() is True
    res = sim.results()
    assert res.summary().acked == res.summary().produced
    assert [e.kind for e in res.events if e.message == 1][-4:] == ["redrive", "visible", "deliver", "ack"]


def test_the_scenario_prints_what_differs_from_the_defaults():
    assert repr(QueueScenario()) == "QueueScenario()"
    assert repr(QueueScenario(consumers=4, capacity=10, when_full="block")) == (
        "QueueScenario(consumers=4, capacity=10, when_full='block')"
    )
    two = QueueScenario(source=(Poisson(1), Poisson(2)))
    assert two.sources == (Poisson(1), Poisson(2))


def test_several_producers_each_send_their_own_stream():
    res = simulate(QueueScenario(source=(ConstantRate(1), ConstantRate(2))), until=10)
    assert [sum(r.producer == p for r in res.records) for p in (0, 1)] == [9, 19]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(consumers=-1), ValueError, "consumers must be a whole number of 0 or more"),
        (dict(capacity=0), ValueError, "capacity must be a whole number of at least 1"),
        (dict(visibility_timeout=-5), ValueError, "visibility_timeout must be a positive number of seconds"),
        (dict(poll_interval=-0.1), ValueError, "poll_interval must be zero or more seconds"),
        (dict(keys=0), ValueError, "keys must be a whole number of at least 1, or None"),
        (dict(priorities=0), ValueError, "priorities must be a whole number of at least 1"),
        (dict(when_full="shrug"), ValueError, "when_full must be one of"),
        (dict(source=5), TypeError, "source must be a traffic source"),
        (dict(source=()), ValueError, "at least one traffic source"),
        (dict(resend=RetryPolicy(backoff="none", max_attempts=None)), ValueError, "at the same instant forever"),
        (dict(seed=1.5), TypeError, "seed must be an int"),
        (dict(processing="slow"), TypeError, "expected a distribution"),
    ],
)
def test_bad_scenarios_are_refused_with_the_fix(kwargs, error, message):
    with pytest.raises(error, match=message):
        QueueScenario(**kwargs)


def test_max_attempts_of_zero_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="max_attempts=1 means no retries"):
        QueueScenario(retry=RetryPolicy(max_attempts=0))


@pytest.mark.parametrize("bin", [0, -1, math.nan, math.inf])
def test_bad_bins_are_refused(bin):
    res = simulate(QueueScenario(), until=1)
    with pytest.raises(ValueError, match="bin must be a positive number of seconds"):
        res.timeseries(bin=bin)


def test_bad_runs_are_refused():
    with pytest.raises(ValueError, match="produce_until must be a positive number of seconds"):
        simulate(QueueScenario(), until=0)
    with pytest.raises(ValueError, match="limit must be zero or more seconds"):
        simulate(QueueScenario(), until=1, drain=True, drain_limit=-1)
