"""Aggregates: live state, full replay and snapshot + tail agree; decide refuses by the rules; execute retries."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.eventsourcing import (
    RIDE,
    RIDE_STATUSES,
    UPCASTERS,
    WALLET,
    AcceptRide,
    CancelRide,
    CommandRejected,
    CompleteRide,
    ConcurrencyError,
    Deposit,
    Deposited,
    EventStore,
    OpenWallet,
    PayRide,
    RequestRide,
    Ride,
    RidePaid,
    RidePaidV1,
    SnapshotStore,
    StartRide,
    WalletOpened,
    Withdraw,
    execute,
    load,
)

WALLETS = [f"wallet-{i}" for i in range(6)]
RIDES = [f"ride-{i}" for i in range(6)]


def wallet_command(kind, wallet, amount, at):
    return {
        "open": OpenWallet(wallet, "owner", at),
        "in": Deposit(wallet, amount, at),
        "out": Withdraw(wallet, amount, at),
    }[kind]


def ride_command(kind, ride, n, at):
    return {
        "request": RequestRide(ride, f"rider-{n % 3}", "paris" if n % 2 else "rome", at),
        "accept": AcceptRide(ride, f"driver-{n % 4}", f"d{n % 2}", at),
        "cancel": CancelRide(ride, at=at),
        "start": StartRide(ride, at),
        "complete": CompleteRide(ride, n / 10, at),
        "pay": PayRide(ride, 100 + n, at=at),
    }[kind]


wallet_ops = st.lists(
    st.tuples(st.sampled_from(["open", "in", "in", "out"]), st.sampled_from(WALLETS), st.integers(1, 500)),
    max_size=120,
)
ride_ops = st.lists(
    st.tuples(
        st.sampled_from(["request", "accept", "cancel", "start", "complete", "pay"]),
        st.sampled_from(RIDES),
        st.integers(0, 99),
    ),
    max_size=120,
)


def run_live(aggregate, commands, snapshots=None):
    """Execute every command; return the store and each stream's live state (from `execute`)."""
    store, live = EventStore(), {}
    for stream, command in commands:
        try:
            live[stream] = execute(store, aggregate, stream, command, snapshots=snapshots).state
        except CommandRejected:
            pass
    return store, live


@given(wallet_ops, st.integers(1, 7))
def test_wallets_live_full_replay_and_snapshot_plus_tail_agree(ops, every):
    commands = [(w, wallet_command(kind, w, amount, float(i))) for i, (kind, w, amount) in enumerate(ops)]
    snapshots = SnapshotStore(every=every)
    store, live = run_live(WALLET, commands, snapshots)
    balances = dict.fromkeys(WALLETS, 0)  # an independent oracle: the rules, written out
    opened = set()
    for _, command in commands:
        if isinstance(command, OpenWallet):
            opened.add(command.wallet)
        elif command.wallet in opened and isinstance(command, Deposit):
            balances[command.wallet] += command.amount
        elif command.wallet in opened and command.amount <= balances[command.wallet]:
            balances[command.wallet] -= command.amount
    for wallet in store.streams():
        full = load(store, WALLET, wallet)
        fast = load(store, WALLET, wallet, snapshots=snapshots)
        assert full.state == fast.state == live[wallet]
        assert full.state.balance == balances[wallet] >= 0
        assert full.replayed == store.version(wallet) and fast.replayed < every
        assert fast.snapshot + fast.replayed == fast.version == store.version(wallet)


@given(ride_ops, st.integers(1, 3))
def test_rides_live_full_replay_and_snapshot_plus_tail_agree(ops, every):
    commands = [(ride, ride_command(kind, ride, n, float(i))) for i, (kind, ride, n) in enumerate(ops)]
    snapshots = SnapshotStore(every=every)
    store, live = run_live(RIDE, commands, snapshots)
    for ride in store.streams():
        full, fast = load(store, RIDE, ride), load(store, RIDE, ride, snapshots=snapshots)
        assert full.state == fast.state == live[ride]
        assert full.state.status in RIDE_STATUSES
        types = [r.type for r in store.read(ride)]
        assert types[0] == "RideRequested" and types.count("RideAccepted") <= 1 and types.count("RidePaid") <= 1


@given(ride_ops)
def test_time_travel_replays_exactly_the_events_up_to_a_position(ops):
    commands = [(ride, ride_command(kind, ride, n, float(i))) for i, (kind, ride, n) in enumerate(ops)]
    store, _ = run_live(RIDE, commands)
    for position in range(0, len(store) + 1, 3):
        for ride in store.streams():
            then = load(store, RIDE, ride, upto=position)
            assert then.state == RIDE.fold(r for r in store.read(ride) if r.position <= position)


def test_the_ride_rules_refuse_out_of_order_commands_with_the_rule_in_words():
    store = EventStore()
    with pytest.raises(CommandRejected, match="is none: only a requested ride can be accepted"):
        execute(store, RIDE, "ride-1", AcceptRide("ride-1", "driver-1"))
    execute(store, RIDE, "ride-1", RequestRide("ride-1", "ana", "paris"))
    with pytest.raises(CommandRejected, match="a ride is paid once, after it is completed"):
        execute(store, RIDE, "ride-1", PayRide("ride-1", 900))
    for command in (
        AcceptRide("ride-1", "driver-1"),
        StartRide("ride-1"),
        CompleteRide("ride-1", 3.5),
        PayRide("ride-1", 670),
    ):
        execute(store, RIDE, "ride-1", command)
    with pytest.raises(CommandRejected, match="only a ride that has not started can be cancelled"):
        execute(store, RIDE, "ride-1", CancelRide("ride-1"))
    assert load(store, RIDE, "ride-1").state == Ride("ride-1", "paid", "ana", "paris", "driver-1", 3.5, 670)


def test_an_overdraft_is_refused_and_appends_nothing():
    store = EventStore()
    execute(store, WALLET, "w", OpenWallet("w", "ana"))
    execute(store, WALLET, "w", Deposit("w", 3000))
    with pytest.raises(CommandRejected, match=r"taking 50\.00 from a balance of 30\.00 would overdraw"):
        execute(store, WALLET, "w", Withdraw("w", 5000))
    assert store.version("w") == 2 and load(store, WALLET, "w").state.balance == 3000


def test_execute_retries_a_lost_race_on_fresh_state_and_counts_it():
    store = EventStore()
    execute(store, WALLET, "w", OpenWallet("w", "ana"))
    stale = load(store, WALLET, "w")
    execute(store, WALLET, "w", Deposit("w", 500))  # someone else wrote after `stale` was loaded
    handled = execute(store, WALLET, "w", Deposit("w", 200), loaded=stale)
    assert handled.conflicts == 1 and handled.state.balance == 700 and handled.replayed == 2
    assert [r.version for r in handled.recorded] == [3]


def test_execute_gives_up_after_its_retries():
    calls = []

    class Racing(EventStore):
        """A store where a rival's deposit always lands just before ours."""

        def append(self, stream, events, expected_version=None):
            calls.append(expected_version)
            EventStore.append(self, stream, [Deposited(stream, 1)])
            return EventStore.append(self, stream, events, expected_version)

    racing = Racing()
    EventStore.append(racing, "w", [WalletOpened("w", "ana")])
    with pytest.raises(ConcurrencyError):
        execute(racing, WALLET, "w", Deposit("w", 5), retries=2)
    assert calls == [1, 2, 3]  # one try and two retries, each on the state it had just loaded
    assert load(racing, WALLET, "w").state.balance == 3  # only the rival's deposits landed


def test_old_events_are_upcast_on_read_and_stay_old_in_the_store():
    store = EventStore()
    execute(store, RIDE, "ride-9", RequestRide("ride-9", "ana", "paris"))
    for command in (AcceptRide("ride-9", "driver-1"), StartRide("ride-9"), CompleteRide("ride-9", 10)):
        execute(store, RIDE, "ride-9", command)
    store.append("ride-9", [RidePaidV1("ride-9", 14.5)], expected_version=4)
    with pytest.raises(ValueError, match="RidePaidV1 is version 1 of RidePaid; upcast old events"):
        load(store, RIDE, "ride-9")
    assert load(store, RIDE, "ride-9", upcasters=UPCASTERS).state.paid_cents == 1450
    assert type(store.read("ride-9")[-1].event) is RidePaidV1
    assert UPCASTERS.read(store, "ride-9")[-1].event == RidePaid("ride-9", 1450, "EUR", 0.0)
