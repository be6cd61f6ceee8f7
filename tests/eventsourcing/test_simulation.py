"""The simulated ride platform: deterministic, every command accounted for, lag that follows the read models."""

import math

import pytest

from course.eventsourcing import (
    RIDE,
    WALLET,
    EventSourcingScenario,
    EventStore,
    load,
    simulate,
)
from course.sim import OUTCOMES

BASE = EventSourcingScenario.example()


def run(**changes):
    return simulate(EventSourcingScenario.example(**changes), until=60, seed=0)


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b, c = run(), run(), simulate(BASE, until=60, seed=1)
    assert a.records == b.records and a.entries == b.entries and a.samples == b.samples
    assert a.records != c.records


def test_every_command_has_one_outcome_and_the_log_is_what_served_commands_appended():
    res = run(race_share=0.5)
    assert {r.status for r in res.records} <= {"served", "rejected"} <= set(OUTCOMES)
    assert sum(r.events for r in res.records) == len(res.store) == len(res.entries)
    assert all(r.events == 0 for r in res.records if r.status == "rejected")
    assert [e.position for e in res.entries] == list(range(1, len(res.entries) + 1))
    times = [e.time for e in res.entries]
    assert times == sorted(times) and times[-1] <= 60


def test_every_stream_replays_to_a_valid_state():
    res = run()
    for stream in res.store.streams():
        aggregate = WALLET if stream.startswith("wallet-") else RIDE
        state = load(res.store, aggregate, stream).state
        if aggregate is RIDE:
            assert state.status != "none"
        else:
            assert state.opened and state.balance >= 0


def test_every_race_is_one_conflict_and_one_refusal():
    res = run(race_share=1.0)
    accepts = [r for r in res.records if r.command == "AcceptRide"]
    refused = [r for r in accepts if r.status == "rejected"]
    assert refused and all(r.conflicts == 1 for r in refused)
    assert res.summary().conflicts == len(refused) == len(accepts) // 2
    assert run(race_share=0.0).summary().conflicts == 0


def test_the_summary_counts_agree_with_the_records():
    res = run()
    s = res.summary()
    assert s.commands == len(res.records) and s.events == len(res.store)
    assert s.rides == sum(e.type == "RideRequested" for e in res.entries)
    assert s.paid == sum(e.type == "RidePaid" for e in res.entries) <= s.rides
    assert s.rejected == sum(r.status == "rejected" for r in res.records)
    assert "rejected by a rule" in str(s) and all(len(line) <= 80 for line in str(s).splitlines())


def test_the_dashboard_lag_follows_its_read_interval_and_its_batch():
    lags = [run(dashboard_interval=interval).summary().dashboard_lag for interval in (0.5, 2.0, 6.0)]
    assert lags[0] < lags[1] < lags[2]
    small = simulate(EventSourcingScenario.example(rate=6, dashboard_batch=20), until=60, seed=0)
    assert small.summary().dashboard_lag > 10 * run().summary().dashboard_lag  # 20 events per 2 s cannot keep up


def test_a_read_models_lag_is_the_log_it_has_not_applied():
    res = run()
    for sample in res.samples:
        assert 0 <= sample.checkpoint <= sample.log_end == res.log_end_at(sample.time) or sample.time == 60
    for e in res.entries:
        for applied in (e.history_at, e.dashboard_at):
            assert math.isnan(applied) or e.time <= applied <= 60
    assert res.lag_at("city dashboard", 60) == len(res.store) - res.checkpoint_at("city dashboard", 60)


def test_snapshots_cut_what_loading_a_wallet_replays():
    without, every_5 = run().summary(), run(snapshot_every=5).summary()
    assert every_5.wallet_replayed < 5 < without.wallet_replayed
    assert every_5.snapshots > 0 == without.snapshots
    assert every_5.events == without.events  # snapshots change the cost, never the outcome


def test_time_travel_shows_the_dashboard_behind_the_log():
    res = run()
    moments = [res.moment(p) for p in range(0, len(res.store) + 1, 7)]
    assert moments[0].statuses == dict.fromkeys(moments[0].statuses, 0)
    behind = [m for m in moments if m.behind > 0]
    assert behind and all(m.checkpoint == res.checkpoint_at("city dashboard", m.time) for m in behind)
    assert any(sum(m.seen.completed.values()) < sum(m.truth.completed.values()) for m in behind)
    assert all(len(line) <= 80 for m in moments for line in str(m).splitlines())


def test_the_timeseries_covers_the_run():
    ts = run().timeseries(bin=10)
    assert ts.t == [0, 10, 20, 30, 40, 50] and sum(ts.events) == len(run().store)
    assert len(ts.history_lag) == len(ts.dashboard_lag) == 6


def test_a_run_is_bounded():
    with pytest.raises(ValueError, match=r"until must be at most 500 s at 200 rides/s"):
        simulate(EventSourcingScenario.example(rate=200), until=501)
    with pytest.raises(ValueError, match="until must be a positive number"):
        simulate(BASE, until=float("inf"))
    assert len(simulate(EventSourcingScenario.example(rate=0), until=5).records) == 6  # only the wallets open
    assert isinstance(simulate(BASE, until=1).store, EventStore)
