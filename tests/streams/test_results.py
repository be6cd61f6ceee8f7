"""The one shape: three scenarios, one `simulate`, results on the shared base with summaries and time series."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.sim import OUTCOMES, RunResults, SummaryBase
from course.streams import (
    Event,
    GroupResults,
    GroupScenario,
    ReplicationResults,
    ReplicationScenario,
    Tumbling,
    WindowResults,
    WindowScenario,
    simulate,
)


@pytest.mark.parametrize(
    ("scenario", "kind", "until"),
    [
        (GroupScenario.example(), GroupResults, 3),
        (ReplicationScenario.example(), ReplicationResults, 6),
        (WindowScenario.example(), WindowResults, 20),
    ],
)
def test_simulate_dispatches_on_the_scenario_and_every_result_has_the_shared_shape(scenario, kind, until):
    res = simulate(scenario, until=until, seed=1)
    assert type(res) is kind and isinstance(res, RunResults)
    assert res.scenario is scenario and res.until == until and isinstance(res.records, list) and res.records
    summary = res.summary()
    assert isinstance(summary, SummaryBase)
    assert "\n" not in repr(summary) and repr(res).startswith(f"{kind.__name__}(")
    assert 2 <= len(summary.lines()) <= 3  # two or three plain sentences, key numbers first
    assert summary.lines()[0][0].isdigit() or summary.lines()[0].startswith("acks=")


def test_simulate_refuses_what_is_not_a_streams_scenario():
    with pytest.raises(
        ValueError, match="scenario must be a GroupScenario or a ReplicationScenario or a WindowScenario"
    ):
        simulate("rides", until=10)
    with pytest.raises(TypeError):
        simulate(GroupScenario(), 10)  # until is keyword-only: the run's arguments are named


def test_a_group_time_series_adds_up_to_the_run():
    res = simulate(GroupScenario.example(rate=300, consumers=1, groups=2), until=5)
    ts = res.timeseries(bin=1.0)
    assert ts.t == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert sum(ts.written) == sum(res.produced)
    assert {g: series[-1] for g, series in ts.lag.items()} == {g: sum(v.values()) for g, v in res.lag().items()}
    assert all(a <= b for a, b in zip(ts.lag["dashboard"], ts.lag["dashboard"][1:], strict=False))  # falling behind


def test_a_replication_time_series_counts_every_write_once_by_outcome():
    res = simulate(ReplicationScenario.example(acks=1), until=10)
    ts = res.timeseries(bin=2.0)
    assert sum(sum(column) for column in ts.counts.values()) == len(res.records)
    assert set(ts.counts) <= set(OUTCOMES)
    assert sum(ts.counts["lost"]) == res.summary().lost > 0 and ts.counts["lost"][2] == res.summary().lost  # at 5.08 s


def test_a_window_time_series_counts_arrivals_late_refires_and_drops():
    res = simulate(WindowScenario.example(), until=40)
    ts = res.timeseries(bin=10.0)
    s = res.summary()
    assert (sum(ts.arrived), sum(ts.late_refires), sum(ts.dropped)) == (s.events, s.late_refires, s.dropped)


@pytest.mark.parametrize("bin", [0, -1, float("nan"), True, 1e-9])
def test_time_series_bins_are_validated_by_the_shared_rule(bin):
    with pytest.raises(ValueError, match="bin must be"):
        simulate(GroupScenario(), until=1).timeseries(bin=bin)


def test_every_write_has_one_outcome_from_the_shared_vocabulary():
    for acks in (0, 1, "all"):
        res = simulate(ReplicationScenario(acks=acks, fail_broker=0, fail_at=1.0), until=3)
        assert {r.status for r in res.records} <= set(OUTCOMES)
        s = res.summary()
        assert s.served + s.lost + s.rejected + s.failed + s.unfinished == s.writes == len(res.records)


@given(st.integers(0, 50))
def test_a_generated_window_stream_is_drawn_from_the_seed_and_happens_before_until(seed):
    scenario = WindowScenario(rate=3, max_delay=2, straggler_fraction=0.2)
    a, b = simulate(scenario, until=15, seed=seed), simulate(scenario, until=15, seed=seed)
    assert a.events == b.events and all(0 <= e.time < 15 for e in a.events)
    assert a.events != simulate(scenario, until=15, seed=seed + 1).events or not a.events


def test_explicit_events_must_all_happen_by_the_end_of_the_run_and_the_seed_does_not_change_them():
    scenario = WindowScenario(events=[Event(1), Event(12), Event(4)], assigner=Tumbling(10))
    assert simulate(scenario, until=12).records == simulate(scenario, until=12, seed=9).records
    with pytest.raises(
        ValueError, match=r"until must be at least 12, the time of the scenario's last event \(got 11\)"
    ):
        simulate(scenario, until=11)


def test_an_event_cannot_arrive_before_it_happens():
    with pytest.raises(ValueError, match=r"events\[0\].arrival must be at least its time 5 \(got 4\)"):
        WindowScenario(events=[Event(5, arrival=4)])


def test_the_replication_example_adjusts_impossible_settings_and_says_so():
    fine = ReplicationScenario.example()
    assert fine.notes == () and (fine.replication_factor, fine.min_insync_replicas, fine.fail_broker) == (3, 2, 0)
    tight = ReplicationScenario.example(brokers=1, replication_factor=3, min_insync_replicas=2, failure="broker 2 dies")
    assert (tight.replication_factor, tight.min_insync_replicas, tight.fail_broker) == (1, 1, None)
    assert tight.notes == ("RF lowered to the 1 broker", "min ISR lowered to RF", "no failure: there is no broker 2")
    text = " ".join(str(simulate(tight, until=1).summary()).split())
    assert all(note in text for note in tight.notes)
    with pytest.raises(ValueError, match="replication_factor must be a whole number of at most 2"):
        ReplicationScenario(brokers=2, replication_factor=3)  # the scenario itself never adjusts: it refuses


@pytest.mark.parametrize(
    ("event", "crash_at", "join_at"), [("none", None, None), ("c0 crashes", 4.0, None), ("a consumer joins", None, 4.0)]
)
def test_the_group_example_turns_the_event_knob_into_a_crash_or_a_join(event, crash_at, join_at):
    s = GroupScenario.example(event=event)
    assert (s.crash_at, s.join_at, s.consumer_rate, s.commit_interval) == (crash_at, join_at, 100.0, 0.5)


@pytest.mark.parametrize(("partitions", "consumers", "rate"), [(8, 8, 400), (12, 4, 300)])
def test_a_group_that_keeps_up_is_not_said_to_fall_behind_for_the_records_since_its_last_commit(
    partitions, consumers, rate
):
    scenario = GroupScenario(partitions=partitions, consumers=consumers, groups=1, rate=rate)
    summary = simulate(scenario, until=20).summary()
    assert summary.final_lag > 0 and not summary.falling_behind  # a few records wait for the next commit
    assert "falling behind" not in str(summary)


def test_a_group_short_of_capacity_falls_behind_by_the_shortfall():
    summary = simulate(GroupScenario(partitions=6, consumers=1, groups=1, rate=200), until=20).summary()
    assert summary.falling_behind and 80 < summary.growth < 110  # 200 written, 100 processed per second
    assert "falling behind: the lag grows 9" in str(summary)
