"""The claims lesson 5 makes, each asserted against the library on the lesson's own examples (ids as in the lesson).

Also asserted elsewhere and quoted by the lesson: live state, full replay and snapshot + tail agree on random
command sequences (test_aggregates.py), redelivered events are applied once (test_projections.py), a stale
expected version appends nothing (test_store.py), the outbox never loses a change (test_outbox_and_shredding.py).
"""

import pytest

from course.eventsourcing import (
    RIDE,
    UPCASTERS,
    WALLET,
    AcceptRide,
    CityView,
    CommandRejected,
    CompleteRide,
    ConcurrencyError,
    Deposited,
    EventSourcingScenario,
    EventStore,
    KeyVault,
    Projection,
    RequestRide,
    RideAccepted,
    RidePaidV1,
    RideRequested,
    Snapshot,
    SnapshotStore,
    StartRide,
    WalletOpened,
    Withdrawn,
    city_dashboard,
    compact_streams,
    compare_dual_write_and_outbox,
    execute,
    load,
    simulate,
    wallet_at,
)

RESULTS = simulate(EventSourcingScenario.example(), until=60, seed=0)


def ledger():
    wallets = EventStore()
    wallets.append(
        "wallet-driver-2",
        [
            WalletOpened("wallet-driver-2", "driver-2", at=0.0),
            Deposited("wallet-driver-2", 1450, at=3_600.0),
            Deposited("wallet-driver-2", 2200, at=7_200.0),
            Withdrawn("wallet-driver-2", 3000, at=86_400.0),
        ],
    )
    return wallets


@pytest.mark.claim("eventsourcing.row-forgets-history", "eventsourcing.no-check-both-succeed")
def test_without_an_expected_version_both_acceptances_land_and_the_stream_keeps_both():
    store = EventStore()
    store.append("ride-7", [RideRequested("ride-7", "ana", "paris")])
    assert store.append("ride-7", [RideAccepted("ride-7", "driver-2", "d0")]) == 2
    assert store.append("ride-7", [RideAccepted("ride-7", "driver-5", "d1")]) == 3
    assert [r.event.driver for r in store.read("ride-7")[1:]] == ["driver-2", "driver-5"]
    assert load(store, RIDE, "ride-7").state.driver == "driver-5"  # the fold, like the row, ends with the last


@pytest.mark.claim("eventsourcing.balance-at-time")
def test_the_balance_at_any_time_is_the_fold_of_the_events_until_then():
    wallets = ledger()
    assert {t: wallet_at(wallets, "wallet-driver-2", t).balance for t in (0, 5_000, 80_000, 90_000)} == {
        0: 0,
        5_000: 1450,
        80_000: 3650,
        90_000: 650,
    }
    events = wallets.read("wallet-driver-2")
    for t in (0, 3_600, 7_199, 1e6):
        assert wallet_at(wallets, "wallet-driver-2", t) == WALLET.fold(r for r in events if r.event.at <= t)


@pytest.mark.claim("eventsourcing.decide-refuses")
def test_decide_refuses_a_second_acceptance_and_apply_never_refuses():
    state = RIDE.fold(RIDE.decide(RIDE.initial, RequestRide("ride-8", "bo", "lyon")))
    events = RIDE.decide(state, AcceptRide("ride-8", "driver-3"))
    state = RIDE.fold(events, state)
    with pytest.raises(CommandRejected, match="already accepted by driver-3: one driver per ride"):
        RIDE.decide(state, AcceptRide("ride-8", "driver-9"))
    assert RIDE.apply(state, RideAccepted("ride-8", "driver-9")).driver == "driver-9"  # an event is a fact


@pytest.mark.claim("eventsourcing.stale-append-refused", "eventsourcing.retry-sees-new-state")
def test_the_second_dispatcher_conflicts_then_is_refused_on_fresh_state():
    store = EventStore()
    execute(store, RIDE, "ride-9", RequestRide("ride-9", "ana", "paris"))
    d0, d1 = load(store, RIDE, "ride-9"), load(store, RIDE, "ride-9")
    store.append("ride-9", RIDE.decide(d0.state, AcceptRide("ride-9", "driver-2", "d0")), expected_version=d0.version)
    with pytest.raises(ConcurrencyError):
        store.append(
            "ride-9", RIDE.decide(d1.state, AcceptRide("ride-9", "driver-5", "d1")), expected_version=d1.version
        )
    assert store.version("ride-9") == 2
    with pytest.raises(CommandRejected) as refusal:
        execute(store, RIDE, "ride-9", AcceptRide("ride-9", "driver-5", "d1"), loaded=d1)
    assert refusal.value.conflicts == 1 and store.version("ride-9") == 2
    assert load(store, RIDE, "ride-9").state.driver == "driver-2"


@pytest.mark.claim("eventsourcing.snapshot-equals-replay")
@pytest.mark.parametrize("n", [137, 1_037, 10_037])
def test_snapshot_plus_tail_is_the_full_replay_folding_fewer_than_every_events(n):
    store, snapshots = EventStore(), SnapshotStore(every=100)
    store.append(
        "wallet", [WalletOpened("wallet", "driver-2")] + [Deposited("wallet", 100 + i % 7) for i in range(n - 1)]
    )
    at = n - n % 100
    snapshots.save(Snapshot("wallet", at, load(store, WALLET, "wallet", upto=at).state))
    full, fast = load(store, WALLET, "wallet"), load(store, WALLET, "wallet", snapshots=snapshots)
    assert fast.state == full.state and full.replayed == n and fast.replayed == n % 100 < 100


def count_started_as_completed(view, recorded):
    if recorded.type == "RideStarted":
        city = view.city_of[recorded.event.ride]
        view.completed[city] = view.completed.get(city, 0) + 1
    elif recorded.type != "RideCompleted":
        city_dashboard(view, recorded)


@pytest.mark.claim("eventsourcing.rebuild-fixes-projection")
def test_the_buggy_dashboard_overcounts_and_the_rebuilt_one_counts_what_the_log_says():
    board = Projection("city dashboard", count_started_as_completed, CityView)
    board.catch_up(RESULTS.store)
    wrong = dict(board.view.completed)
    board.rebuild(RESULTS.store, handle=city_dashboard)
    log = RESULTS.store.read_all()
    city_of = {r.event.ride: r.event.city for r in log if r.type == "RideRequested"}
    truth = {}
    for r in log:
        if r.type == "RideCompleted":
            truth[city_of[r.event.ride]] = truth.get(city_of[r.event.ride], 0) + 1
    assert {c: n for c, n in board.view.completed.items() if n} == truth
    assert all(wrong[c] >= n for c, n in truth.items()) and wrong["paris"] > truth["paris"]
    assert board.position == len(RESULTS.store)


@pytest.mark.claim("eventsourcing.read-models-lag")
def test_at_its_worst_the_dashboard_shows_a_consistent_past_behind_the_log():
    worst = max((s for s in RESULTS.samples if s.read_model == "city dashboard"), key=lambda s: s.lag)
    moment = RESULTS.moment(worst.log_end)
    assert moment.behind == worst.lag > 0
    assert sum(moment.seen.completed.values()) < sum(moment.truth.completed.values())
    past = Projection("then", city_dashboard, CityView)
    past.catch_up(RESULTS.store, limit=moment.checkpoint)
    assert past.view == moment.seen  # what it showed was exactly the log up to its checkpoint
    assert RESULTS.summary().history_lag < RESULTS.summary().dashboard_lag


@pytest.mark.claim("eventsourcing.lag-grows-with-interval")
def test_a_slower_dashboard_lags_more_and_one_slower_than_the_log_falls_behind_for_good():
    runs = {i: simulate(EventSourcingScenario.example(dashboard_interval=i), until=60, seed=0) for i in (0.5, 2.0, 6.0)}
    lags = [r.summary().dashboard_lag for r in runs.values()]
    assert lags[0] < lags[1] < lags[2]
    slow = runs[6.0]  # 40 events per 6 s: fewer than the platform writes
    assert 40 / 6.0 < len(slow.store) / 60
    ts = slow.timeseries(bin=10)
    assert ts.dashboard_lag[-1] > ts.dashboard_lag[2] > ts.dashboard_lag[0]
    for changes in ({"dashboard_interval": 4.0}, {"rate": 12}):  # the lab's "falls behind for good"
        ts = simulate(EventSourcingScenario.example(**changes), until=60, seed=0).timeseries(bin=20)
        assert ts.dashboard_lag[0] < ts.dashboard_lag[1] < ts.dashboard_lag[2]
    assert runs[0.5].summary().dashboard_lag < 40  # and reading every 0.5 s, a few events


@pytest.mark.claim("eventsourcing.upcast-on-read")
def test_an_old_event_is_upcast_on_read_and_stays_old_in_the_store():
    store = EventStore()
    execute(store, RIDE, "ride-3", RequestRide("ride-3", "ana", "rome"))
    for command in (AcceptRide("ride-3", "driver-1"), StartRide("ride-3"), CompleteRide("ride-3", 10.3)):
        execute(store, RIDE, "ride-3", command)
    store.append("ride-3", [RidePaidV1("ride-3", 14.86)], expected_version=4)
    with pytest.raises(ValueError, match="RidePaidV1 is version 1"):
        load(store, RIDE, "ride-3")
    assert load(store, RIDE, "ride-3", upcasters=UPCASTERS).state.paid_cents == 1486
    assert store.read("ride-3")[-1].event == RidePaidV1("ride-3", 14.86)


@pytest.mark.claim("eventsourcing.outbox-never-loses")
def test_dual_writes_lose_a_change_per_crash_and_the_outbox_only_repeats_them():
    run = compare_dual_write_and_outbox(changes=10_000, crash_rate=0.001, seed=0)
    assert run.crashes > 0
    assert run.dual_write == {"lost": run.crashes, "phantom": 0, "duplicates": 0}
    assert run.outbox == {"lost": 0, "phantom": 0, "duplicates": run.crashes}


@pytest.mark.claim("eventsourcing.crypto-shredding")
def test_forgetting_ana_makes_her_data_unreadable_everywhere_and_keeps_every_event():
    vault, store = KeyVault(seed=0), EventStore()
    store.append("ride-11", [("RideRequested", vault.seal("ana", "Ana Lima, +33 6 12 34 56 78")), ("RidePaid", 1486)])
    backup = store.read_all()
    assert vault.open(store.read("ride-11")[0].event[1]) == "Ana Lima, +33 6 12 34 56 78"
    vault.forget("ana")
    assert vault.open(backup[0].event[1]) is None and vault.open(store.read("ride-11")[0].event[1]) is None
    assert len(store) == 2 and store.read_all() == backup


@pytest.mark.claim("eventsourcing.compaction-loses-history")
def test_a_compacted_ledger_replays_to_the_wrong_balance():
    wallets = ledger()
    compacted = EventStore()
    for record in compact_streams(wallets.read_all()):
        compacted.append(record.stream, [record.event])
    assert wallet_at(wallets, "wallet-driver-2", 1e6).balance == 650
    assert wallet_at(compacted, "wallet-driver-2", 1e6).balance == -3000 and len(compacted) == 1
