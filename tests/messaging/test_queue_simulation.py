import math
from dataclasses import replace

import pytest

from course.messaging import (
    MAX_MESSAGES,
    Faults,
    QueueResults,
    QueueScenario,
    QueueSimulation,
    RetryPolicy,
    simulate,
)
from course.sim import OUTCOMES, ConstantRate, Exponential, Poisson, SimulationLimitError, Spike, SummaryBase


def test_a_constant_stream_is_served_exactly():
    res = simulate(QueueScenario(source=ConstantRate(rate=2), processing=0.25, consumers=1), until=10)
    s = res.summary()
    assert (s.produced, s.served, s.unfinished) == (19, 19, 0)
    assert s.p50 == s.p99 == 0.25
    assert [r.latency for r in res.records] == [0.25] * 19


def test_the_run_is_the_verb_and_the_system_is_the_scenario():
    scenario = QueueScenario(source=Poisson(rate=30), consumers=2, capacity=5)
    res = simulate(scenario, until=20, seed=4)
    assert isinstance(res, QueueResults) and res.scenario is scenario and res.until == 20
    assert [r.produced for r in simulate(scenario, until=20, seed=4).records] == [r.produced for r in res.records]
    assert [r.produced for r in simulate(scenario, until=20, seed=5).records] != [r.produced for r in res.records]


def test_the_summary_speaks_the_shared_outcome_words_and_the_identity_holds():
    res = simulate(QueueScenario(source=Poisson(rate=30), consumers=2, capacity=5), until=20)
    s = res.summary()
    assert isinstance(s, SummaryBase) and "\n" not in repr(s) and repr(s).startswith("QueueSummary(produced=")
    assert s.accounted and s.rejected > 0
    assert s.produced == s.served + s.rejected + s.dead_lettered + s.unfinished
    assert {r.status for r in res.records} <= set(OUTCOMES) and "dropped" not in repr(s)
    counts = {"served": s.served, "rejected": s.rejected, "dead_lettered": s.dead_lettered, "unfinished": s.unfinished}
    assert res.outcomes() == {word: n for word, n in counts.items() if n}
    text = str(s)
    assert 2 <= len(text.splitlines()) <= 4 and text.startswith(f"{s.produced:,} messages produced")


def test_records_are_flat_and_in_id_order():
    res = simulate(QueueScenario(source=Poisson(rate=5), keys=3), until=10)
    assert [r.id for r in res.records] == list(range(len(res.records)))
    assert {r.key for r in res.records} <= {"key-0", "key-1", "key-2"}
    r = res.records[0]
    assert (r.status, r.state) == ("served", "acked")
    assert r.wait == r.first_delivery - r.produced and r.latency == r.end - r.produced


def test_the_time_series_adds_up_to_the_summary():
    scenario = QueueScenario(source=Poisson(rate=30), consumers=2, capacity=5, faults=Faults(poison={3}))
    res = simulate(scenario, until=30)
    ts, s = res.timeseries(bin=5), res.summary()
    assert ts.t == [0, 5, 10, 15, 20, 25]
    assert sum(ts.produced) == s.produced and sum(ts.served) == s.served
    assert sum(ts.deliveries) == s.deliveries and sum(ts.rejected) == s.rejected == sum(ts.refusals)
    assert sum(ts.dead_lettered) == s.dead_lettered == ts.dlq[-1] == 1
    held = [a + b + c for a, b, c in zip(ts.depth, ts.delayed, ts.in_flight, strict=True)]
    assert max(held) <= 5 + 1e-9  # never past capacity
    for column in (ts.depth, ts.in_flight, ts.in_system):
        assert all(v >= 0 for v in column)


def test_time_averages_of_the_gauges_are_exact():
    # one message at a time, each 0.5 s of work, one per second: in flight half of every second
    res = simulate(QueueScenario(source=ConstantRate(rate=1), processing=0.5, consumers=1), until=10)
    ts = res.timeseries(bin=2)
    assert ts.in_flight == pytest.approx([0.25, 0.5, 0.5, 0.5, 0.5])
    assert ts.depth == [0.0] * 5


def test_little_law_is_exact_on_a_drained_run():
    scenario = QueueScenario(source=Poisson(rate=8), processing=0.4, consumers=4, produce_for=60)
    res = simulate(scenario, until=80, seed=3)
    law = res.littles_law()
    assert res.drained
    assert law.L == pytest.approx(law.arrival_rate * law.mean_time, rel=1e-9)


def test_little_law_L_is_the_time_average_of_the_in_system_series():
    res = simulate(QueueScenario(source=Poisson(rate=8), processing=0.4, consumers=4), until=60, seed=5)
    ts = res.timeseries(bin=2)
    assert sum(ts.in_system) * 2 / 60 == pytest.approx(res.littles_law().L, rel=1e-12)


def test_little_law_holds_within_tolerance_in_steady_state():
    res = simulate(QueueScenario(source=Poisson(rate=8), processing=Exponential(2.5), consumers=4), until=600)
    law = res.littles_law()
    assert not res.drained and law.relative_error < 0.02


def test_flows_conserve_messages_and_name_their_outcomes():
    scenario = QueueScenario(
        source=Poisson(rate=20), consumers=3, capacity=10, faults=Faults(failure_rate=0.2), produce_for=20
    )
    res = simulate(scenario, until=40)
    s = res.summary()
    flows = {(f.source, f.target): f.count for f in res.flows()}
    assert flows["producers", "queue"] == s.produced - s.rejected
    assert flows.get(("producers", "rejected"), 0) == s.rejected
    assert sum(m for (a, _), m in flows.items() if a == "queue") == s.deliveries
    assert sum(m for (_, b), m in flows.items() if b == "acked") == s.served
    back = sum(m for (a, b), m in flows.items() if a.startswith("consumer") and b == "queue")
    assert back == s.deliveries - s.served - s.dead_lettered
    outcome = {f.target: f.outcome for f in res.flows()}
    assert outcome["acked"] == "served" and outcome.get("rejected", "rejected") == "rejected"
    assert outcome["queue"] is None


def test_flows_name_partitions():
    res = simulate(QueueScenario(source=Poisson(rate=10), partitions=2, consumers=2, keys=10), until=10)
    nodes = {f.source for f in res.flows()} | {f.target for f in res.flows()}
    assert {"partition 0", "partition 1", "consumer 0", "consumer 1", "acked", "producers"} <= nodes


def test_priorities_serve_urgent_messages_first_in_a_backlog():
    scenario = QueueScenario(source=Poisson(rate=12), processing=0.1, consumers=1, ordering="priority", priorities=3)
    res = simulate(scenario, until=120)
    wait = {p: [r.wait for r in res.records if r.priority == p and r.state == "acked"] for p in range(3)}
    mean = {p: sum(w) / len(w) for p, w in wait.items()}
    assert mean[0] < mean[1] < mean[2]


def test_block_slows_the_producer_to_the_consumers_pace_and_loses_nothing():
    burst = Spike(base=0, peak=100, start=0, duration=2)  # 200 messages in 2 s, 10 per second served
    blocking = QueueScenario(source=burst, processing=0.1, consumers=1, capacity=10, when_full="block", produce_for=5)
    res = simulate(blocking, until=5)
    s = res.summary()
    assert s.held > 100 and s.rejected == 0 and s.accounted
    assert s.served == pytest.approx(50, abs=1)
    drained = simulate(blocking, until=30)
    assert drained.drained and drained.summary().served == drained.summary().produced


def test_reject_with_resend_backs_off_and_rejects_fewer_for_good():
    burst = Spike(base=0, peak=100, start=0, duration=2)
    plain = QueueScenario(source=burst, processing=0.1, consumers=1, capacity=10, produce_for=5)
    patient = replace(plain, resend=RetryPolicy(base=0.5, max_attempts=6))
    a = simulate(plain, until=60).summary()
    b_res = simulate(patient, until=60)
    b = b_res.summary()
    assert a.accounted and b.accounted
    assert b.rejected < a.rejected
    assert sum(b_res.timeseries(bin=1).refusals) > b.rejected  # many 503s, fewer final rejections


def test_drop_oldest_keeps_the_newest():
    burst = Spike(base=0, peak=100, start=0, duration=1)
    res = simulate(
        QueueScenario(source=burst, processing=0.1, consumers=1, capacity=5, when_full="drop_oldest"), until=3
    )
    s = res.summary()
    assert s.rejected > 50 and s.accounted
    acked = [r.id for r in res.records if r.state == "acked"]
    assert acked[-4:] == list(range(s.produced - 4, s.produced))  # the last arrivals all made it
    assert {r.reason for r in res.records if r.state == "rejected"} == {"pushed out by a newer message"}


def test_zero_consumers_shows_everything_queued_and_the_run_ends():
    res = simulate(QueueScenario(source=Poisson(rate=10), consumers=0, produce_for=10), until=20)
    s = res.summary()
    assert s.unfinished == s.produced > 0 and s.served == 0
    assert not res.drained and res.until == 20


def test_an_endless_retry_loop_is_bounded_by_until():
    scenario = QueueScenario(
        source=ConstantRate(rate=1), consumers=1, faults=Faults(poison={0}, fail_time=0.01),
        retry=RetryPolicy(backoff="none", max_attempts=None), produce_for=5,
    )  # fmt: skip
    res = simulate(scenario, until=15)
    assert not res.drained and res.until == 15.0
    assert res.records[0].state in ("ready", "in_flight") and res.records[0].deliveries > 1000
    assert res.summary().accounted


def test_a_huge_max_attempts_with_exponential_backoff_stays_bounded():
    retry = RetryPolicy(backoff="exponential", base=0.1, cap=5, max_attempts=10**12)
    scenario = QueueScenario(source=ConstantRate(rate=1), consumers=1, retry=retry, faults=Faults(poison={0}))
    res = simulate(scenario, until=105)
    assert res.records[0].deliveries < 40 and not res.drained


def test_a_run_that_needs_too_many_events_stops_with_a_clear_error():
    sim = QueueSimulation(QueueScenario(source=Poisson(rate=100)), until=100, max_events=1000)
    with pytest.raises(SimulationLimitError, match="shorten the run or lower the traffic"):
        sim.run()


def test_a_flood_of_messages_is_refused_before_it_starts():
    with pytest.raises(ValueError, match=r"until must keep a run under 100,000 messages .*about 60,000,000"):
        simulate(QueueScenario(source=Poisson(rate=1e6)), until=60)
    # producers that stop early make a long run cheap
    assert simulate(QueueScenario(source=Poisson(rate=1000), produce_for=1), until=10_000).summary().produced < 1200


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
    assert MAX_MESSAGES == 100_000


def test_redrive_after_a_fix_gets_every_message_acked():
    scenario = QueueScenario(source=ConstantRate(rate=2), faults=Faults(poison={1, 4}), produce_for=5)
    sim = QueueSimulation(scenario, until=40)
    sim.run()
    assert sorted(d.message for d in sim.queue.dlq) == [1, 4]
    sim.set_faults(Faults())
    assert sim.redrive() == 2
    assert sim.drain() is True
    res = sim.results()
    assert res.summary().served == res.summary().produced
    assert [e.kind for e in res.events if e.message == 1][-4:] == ["redrive", "visible", "deliver", "ack"]


def test_a_redrive_into_a_full_queue_moves_only_what_fits_and_loses_nothing():
    scenario = QueueScenario(source=ConstantRate(rate=2), consumers=0, capacity=3, produce_for=1)
    sim = QueueSimulation(scenario, until=2)
    sim.run()
    q = sim.queue
    q.dead_letter(q.receive())  # the consumer-less queue: take one by hand and give up on it
    assert q.held == 0 and len(q.dlq) == 1
    q.send(), q.send(), q.send()  # now full
    assert sim.redrive() == 0 and len(q.dlq) == 1  # no room: the letter waits in the DLQ
    q.ack(q.receive())
    assert sim.redrive() == 1 and q.held == 3


def test_the_scenario_prints_what_differs_from_the_defaults():
    for kwargs in ({}, {"consumers": 4, "capacity": 10, "when_full": "block"}, {"produce_for": 5.0}):
        text = repr(QueueScenario(**kwargs))
        shown = text[len("QueueScenario(") : -1]
        assert [part.split("=")[0] for part in shown.split(", ") if part] == list(kwargs)
    two = QueueScenario(source=(Poisson(1), Poisson(2)))
    assert two.sources == (Poisson(1), Poisson(2))


def test_several_producers_each_send_their_own_stream():
    res = simulate(QueueScenario(source=(ConstantRate(1), ConstantRate(2))), until=10)
    assert [sum(r.producer == p for r in res.records) for p in (0, 1)] == [9, 19]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(consumers=-1), "consumers must be a whole number of at least 0"),
        (dict(capacity=0), "capacity must be a whole number of at least 1"),
        (dict(visibility_timeout=-5), "visibility_timeout must be a positive number"),
        (dict(poll_interval=-0.1), "poll_interval must be a number from 0"),
        (dict(keys=0), r"keys must be a whole number of at least 1 .*\(got 0\)"),
        (dict(priorities=0), "priorities must be a whole number of at least 1"),
        (dict(when_full="shrug"), "when_full must be one of"),
        (dict(source=5), "source must be a Source"),
        (dict(source=()), "at least one traffic source"),
        (dict(resend=RetryPolicy(backoff="none", max_attempts=None)), "at the same instant forever"),
        (dict(processing="slow"), "processing must be a distribution such as Exponential"),
        (dict(produce_for=0), "produce_for must be a positive number"),
        (dict(produce_for=math.inf), "produce_for must be a positive number"),
    ],
)
def test_bad_scenarios_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        QueueScenario(**kwargs)


def test_max_attempts_of_zero_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="max_attempts=1 means no retries"):
        QueueScenario(retry=RetryPolicy(max_attempts=0))


@pytest.mark.parametrize("bin", [0, -1, math.nan, math.inf, True, 1e-9])
def test_bad_bins_are_refused(bin):
    res = simulate(QueueScenario(), until=1)
    with pytest.raises(ValueError, match="bin must be"):
        res.timeseries(bin=bin)


@pytest.mark.parametrize("until", [0, -1, math.nan, math.inf, None, "60", True, 10**9])
def test_every_run_is_bounded_and_its_end_checked(until):
    with pytest.raises(ValueError, match="until must be a positive number"):
        simulate(QueueScenario(), until=until)


def test_the_seed_is_the_runs_not_the_systems():
    with pytest.raises(TypeError):
        QueueScenario(seed=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="seed must be a whole number"):
        simulate(QueueScenario(), until=1, seed=1.5)
    with pytest.raises(ValueError, match="limit must be a number from 0"):
        QueueSimulation(QueueScenario(), until=1).drain(limit=-1)
