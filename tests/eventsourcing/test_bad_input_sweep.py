"""Every public callable of lesson 5 (the domain, its lab and its pictures), one bad argument at a time.

Each probe is one good call; `accepts` lists the bad values that are in fact valid for a parameter
(a seed may be -1, a time 0, an optional setting None, a name the text "x"). Anything else must be
refused with a ValueError or TypeError that names the parameter.

The flat records the library builds and hands back (`RecordedEvent`, `Loaded`, `Handled`,
`Snapshot`, `CommandRecord`, `LogEntry`, `ReadSample`, `Moment`, `OutboxRow`, `OutboxComparison`,
`Sealed`) are named tuples that hold whatever they are given, like any tuple: they are probed with
every field skipped, so the sweep still lists them. The store builds a `RecordedEvent` a million
times a second; checking its fields there would cost more than it catches. Exceptions
(`ConcurrencyError`, `CommandRejected`) likewise carry what they are given.
"""

import matplotlib.pyplot as plt
import networkx as nx
import pytest

import course.eventsourcing as eventsourcing
import course.labs.eventsourcing as lab_module
import course.viz.eventsourcing as viz_module
from course.eventsourcing import (
    RIDE,
    UPCASTERS,
    AcceptRide,
    Aggregate,
    Broker,
    CancelRide,
    CityView,
    CommandRecord,
    CommandRejected,
    CompleteRide,
    ConcurrencyError,
    Deposit,
    Deposited,
    EventSourcingResults,
    EventSourcingScenario,
    EventSourcingSummary,
    EventSourcingTimeSeries,
    EventStore,
    Handled,
    HistoryView,
    KeyVault,
    Loaded,
    LogEntry,
    Moment,
    OpenWallet,
    OutboxComparison,
    OutboxRow,
    PayRide,
    Projection,
    ReadSample,
    RecordedEvent,
    RequestRide,
    Ride,
    RideAccepted,
    RideCancelled,
    RideCompleted,
    RidePaid,
    RidePaidV1,
    RideRequested,
    RideService,
    RideStarted,
    Sealed,
    Snapshot,
    SnapshotStore,
    StartRide,
    Upcasters,
    Wallet,
    WalletOpened,
    Withdraw,
    Withdrawn,
    apply_ride,
    apply_wallet,
    city_dashboard,
    compact_streams,
    compare_dual_write_and_outbox,
    decide_ride,
    decide_wallet,
    execute,
    fare_cents,
    load,
    ride_paid_v1_to_v2,
    rider_history,
    simulate,
    wallet_at,
)
from course.labs.eventsourcing import eventsourcing_lab, eventsourcing_view
from course.viz.eventsourcing import (
    draw_city_board,
    draw_eventsourcing_dashboard,
    draw_eventsourcing_graph,
    draw_lag,
    draw_replay_cost,
    eventsourcing_graph,
    eventsourcing_layout,
)
from tests.bad_input import Probe, cases, expected, method, public_callables, quietly, record, verdict

SEEDS = {"-1", "0", "1e9"}  # any whole number is a seed
TEXT = {"string"}  # "x" is a fine name for a ride, a rider, a city
AT = {"at": {"0"}}
RUN = simulate(EventSourcingScenario.example(), until=8, seed=0)
MOMENT = RUN.moment(20)
REQUESTED = RideRequested("ride-1", "ana", "paris")


def store_with_a_ride():
    store = EventStore()
    store.append("ride-1", [REQUESTED])
    return store


def text_fields(*names):
    return {name: TEXT for name in names}


COMMANDS_AND_EVENTS = [
    Probe(
        RequestRide,
        {"ride": "ride-1", "rider": "ana", "city": "paris", "at": 1.0},
        accepts={**text_fields("ride", "rider", "city"), **AT},
    ),
    Probe(
        AcceptRide,
        {"ride": "r", "driver": "d", "dispatcher": "d0", "at": 1.0},
        accepts={**text_fields("ride", "driver", "dispatcher"), **AT},
    ),
    Probe(CancelRide, {"ride": "r", "reason": "late", "at": 1.0}, accepts={**text_fields("ride", "reason"), **AT}),
    Probe(StartRide, {"ride": "r", "at": 1.0}, accepts={**text_fields("ride"), **AT}),
    Probe(CompleteRide, {"ride": "r", "km": 3.5, "at": 1.0}, accepts={**text_fields("ride"), "km": {"0"}, **AT}),
    Probe(
        PayRide,
        {"ride": "r", "amount_cents": 670, "currency": "EUR", "at": 1.0},
        accepts={**text_fields("ride", "currency"), **AT},
    ),
    Probe(
        RideRequested,
        {"ride": "r", "rider": "ana", "city": "paris", "at": 1.0},
        accepts={**text_fields("ride", "rider", "city"), **AT},
    ),
    Probe(
        RideAccepted,
        {"ride": "r", "driver": "d", "dispatcher": "d0", "at": 1.0},
        accepts={**text_fields("ride", "driver", "dispatcher"), **AT},
    ),
    Probe(RideCancelled, {"ride": "r", "reason": "late", "at": 1.0}, accepts={**text_fields("ride", "reason"), **AT}),
    Probe(RideStarted, {"ride": "r", "at": 1.0}, accepts={**text_fields("ride"), **AT}),
    Probe(RideCompleted, {"ride": "r", "km": 3.5, "at": 1.0}, accepts={**text_fields("ride"), "km": {"0"}, **AT}),
    Probe(
        RidePaid,
        {"ride": "r", "amount_cents": 670, "currency": "EUR", "at": 1.0},
        accepts={**text_fields("ride", "currency"), **AT},
    ),
    Probe(RidePaidV1, {"ride": "r", "amount": 6.7, "at": 1.0}, accepts={**text_fields("ride"), **AT}),
    Probe(OpenWallet, {"wallet": "w", "owner": "ana", "at": 1.0}, accepts={**text_fields("wallet", "owner"), **AT}),
    Probe(Deposit, {"wallet": "w", "amount": 500, "at": 1.0}, accepts={**text_fields("wallet"), **AT}),
    Probe(Withdraw, {"wallet": "w", "amount": 500, "at": 1.0}, accepts={**text_fields("wallet"), **AT}),
    Probe(WalletOpened, {"wallet": "w", "owner": "ana", "at": 1.0}, accepts={**text_fields("wallet", "owner"), **AT}),
    Probe(Deposited, {"wallet": "w", "amount": 500, "at": 1.0}, accepts={**text_fields("wallet"), **AT}),
    Probe(Withdrawn, {"wallet": "w", "amount": 500, "at": 1.0}, accepts={**text_fields("wallet"), **AT}),
]

STATES_AND_RULES = [
    Probe(
        Ride,
        {
            "ride": "r",
            "status": "requested",
            "rider": "ana",
            "city": "paris",
            "driver": None,
            "km": None,
            "paid_cents": 0,
        },
        accepts={
            **text_fields("ride", "rider", "city", "driver"),
            "ride": {"None", "string"},
            "rider": {"None", "string"},
        }
        | {"city": {"None", "string"}, "driver": {"None", "string"}, "km": {"None", "0"}, "paid_cents": {"0"}},
    ),
    Probe(
        Wallet,
        {"wallet": "w", "owner": "ana", "balance": 0, "opened": True},
        accepts={
            "wallet": {"None", "string"},
            "owner": {"None", "string"},
            "balance": {"-1", "0", "1e9"},
            "opened": {"True"},
        },
    ),
    Probe(decide_ride, {"state": Ride(), "command": RequestRide("r", "ana", "paris")}),
    Probe(apply_ride, {"state": Ride(), "event": REQUESTED}),
    Probe(decide_wallet, {"state": Wallet(), "command": OpenWallet("w", "ana")}),
    Probe(apply_wallet, {"state": Wallet(), "event": WalletOpened("w", "ana")}),
    Probe(fare_cents, {"km": 3.0}, accepts={"km": {"0"}}),
    Probe(
        Aggregate,
        {"name": "counter", "initial": 0, "decide": lambda s, c: [c], "apply": lambda s, e: s + 1},
        accepts={"name": TEXT},
        skip=frozenset({"initial"}),  # any value is a state
    ),
    Probe(
        Aggregate.fold,
        {"events": [REQUESTED], "state": None},
        accepts={"state": {"None"}},
        call=method(lambda: RIDE, "fold"),
        name="Aggregate.fold",
    ),
    Probe(CommandRejected, {"args": "no"}, skip=frozenset({"args"}), call=lambda kw: CommandRejected(kw["args"])),
    Probe(
        ConcurrencyError, {"stream": "s", "expected": 1, "actual": 2}, skip=frozenset({"stream", "expected", "actual"})
    ),
]

STORE = [
    Probe(EventStore, {}),
    Probe(
        EventStore.append,
        {"stream_id": "ride-2", "events": [REQUESTED], "expected_version": 0},
        accepts={"stream_id": TEXT, "expected_version": {"0", "None"}},
        call=method(EventStore, "append"),
        name="EventStore.append",
    ),
    Probe(
        EventStore.read,
        {"stream_id": "ride-1", "after": 0},
        accepts={"stream_id": TEXT, "after": {"0", "1e9"}},
        call=method(store_with_a_ride, "read"),
        name="EventStore.read",
    ),
    Probe(
        EventStore.read_all,
        {"after": 0},
        accepts={"after": {"0", "1e9"}},
        call=method(store_with_a_ride, "read_all"),
        name="EventStore.read_all",
    ),
    Probe(
        EventStore.version,
        {"stream_id": "ride-1"},
        accepts={"stream_id": TEXT},
        call=method(store_with_a_ride, "version"),
        name="EventStore.version",
    ),
    Probe(compact_streams, {"recorded": store_with_a_ride().read_all(), "key": None}, accepts={"key": {"None"}}),
    record(RecordedEvent, {"stream": "s", "version": 1, "position": 1, "event": REQUESTED}),
    Probe(
        load,
        {
            "store": store_with_a_ride(),
            "aggregate": RIDE,
            "stream_id": "ride-1",
            "snapshots": None,
            "upcasters": None,
            "upto": None,
        },
        accepts={"stream_id": TEXT, "snapshots": {"None"}, "upcasters": {"None"}, "upto": {"None", "0"}},
    ),
    Probe(
        execute,
        {
            "store": EventStore(),
            "aggregate": RIDE,
            "stream_id": "ride-1",
            "command": RequestRide("ride-1", "a", "b"),
            "snapshots": None,
            "upcasters": None,
            "loaded": None,
            "retries": 3,
        },
        accepts={"stream_id": TEXT, "snapshots": {"None"}, "upcasters": {"None"}, "loaded": {"None"}, "retries": {"0"}},
        call=lambda kw: (
            execute(**{**kw, "store": EventStore()})
            if not isinstance(kw["store"], (int, float, str, type(None)))
            else execute(**kw)
        ),
    ),
    record(Loaded, {"state": Ride(), "version": 1, "replayed": 1, "snapshot": 0}),
    record(Handled, {"recorded": [], "state": Ride(), "conflicts": 0, "replayed": 0}),
    Probe(SnapshotStore, {"every": 10}),
    Probe(
        SnapshotStore.offer,
        {"stream_id": "w", "version": 12, "state": Wallet()},
        accepts={"stream_id": TEXT, "version": {"0"}},
        skip=frozenset({"state"}),
        call=method(SnapshotStore, "offer"),
        name="SnapshotStore.offer",
    ),
    Probe(
        SnapshotStore.latest,
        {"stream_id": "w"},
        accepts={"stream_id": TEXT},
        call=method(SnapshotStore, "latest"),
        name="SnapshotStore.latest",
    ),
    Probe(
        SnapshotStore.save,
        {"snapshot": Snapshot("w", 3, Wallet())},
        call=method(SnapshotStore, "save"),
        name="SnapshotStore.save",
    ),
    record(Snapshot, {"stream": "w", "version": 3, "state": Wallet()}),
    Probe(Upcasters, {"steps": {RidePaidV1: ride_paid_v1_to_v2}}),
    Probe(
        Upcasters.upcast,
        {"event": RidePaidV1("r", 1.5)},
        skip=frozenset({"event"}),
        call=method(lambda: UPCASTERS, "upcast"),
        name="Upcasters.upcast",
    ),
    Probe(
        Upcasters.read,
        {"store": store_with_a_ride(), "stream_id": "ride-1", "after": 0},
        accepts={"stream_id": TEXT, "after": {"0", "1e9"}},
        call=method(lambda: UPCASTERS, "read"),
        name="Upcasters.read",
    ),
    Probe(ride_paid_v1_to_v2, {"old": RidePaidV1("r", 1.5)}),
    Probe(
        wallet_at,
        {"store": EventStore(), "stream_id": "w", "time": 5.0},
        accepts={"stream_id": TEXT, "time": {"-1", "0", "1e9"}},
    ),
]

READ_SIDE = [
    Probe(
        Projection,
        {"name": "board", "handle": city_dashboard, "initial": CityView, "upcasters": None},
        accepts={"name": TEXT, "upcasters": {"None"}},
    ),
    Probe(
        Projection.catch_up,
        {"store": store_with_a_ride(), "limit": None},
        accepts={"limit": {"None", "0"}},
        call=method(lambda: Projection("b", city_dashboard, CityView), "catch_up"),
        name="Projection.catch_up",
    ),
    Probe(
        Projection.deliver,
        {"recorded": store_with_a_ride().read_all()[0]},
        call=method(lambda: Projection("b", city_dashboard, CityView), "deliver"),
        name="Projection.deliver",
    ),
    Probe(
        Projection.rebuild,
        {"store": store_with_a_ride(), "handle": None, "initial": None},
        accepts={"handle": {"None"}, "initial": {"None"}},
        call=method(lambda: Projection("b", city_dashboard, CityView), "rebuild"),
        name="Projection.rebuild",
    ),
    Probe(
        Projection.lag,
        {"store": store_with_a_ride()},
        call=method(lambda: Projection("b", city_dashboard, CityView), "lag"),
        name="Projection.lag",
    ),
    Probe(CityView, {"waiting": {}, "riding": {}, "completed": {}, "city_of": {}}),
    Probe(HistoryView, {"lines": {}, "rider_of": {}}),
    Probe(
        HistoryView.of, {"rider": "ana"}, accepts={"rider": TEXT}, call=method(HistoryView, "of"), name="HistoryView.of"
    ),
    Probe(city_dashboard, {"view": CityView(), "recorded": store_with_a_ride().read_all()[0]}),
    Probe(rider_history, {"view": HistoryView(), "recorded": store_with_a_ride().read_all()[0]}),
]

OUTBOX_AND_SHREDDING = [
    Probe(Broker, {"messages": []}),
    Probe(RideService, {"rides": {}, "outbox": [], "sent": 0, "next_id": 1}, accepts={"sent": {"0"}}),
    Probe(
        RideService.dual_write,
        {"broker": Broker(), "ride": "r", "status": "paid", "crash": False},
        accepts={**text_fields("ride", "status"), "crash": {"True"}},
        call=method(RideService, "dual_write"),
        name="RideService.dual_write",
    ),
    Probe(
        RideService.save_with_outbox,
        {"ride": "r", "status": "paid"},
        accepts=text_fields("ride", "status"),
        call=method(RideService, "save_with_outbox"),
        name="RideService.save_with_outbox",
    ),
    Probe(
        RideService.relay,
        {"broker": Broker(), "crash_after": None},
        accepts={"crash_after": {"None"}},
        call=method(RideService, "relay"),
        name="RideService.relay",
    ),
    Probe(
        RideService.disagreements,
        {"broker": Broker()},
        call=method(RideService, "disagreements"),
        name="RideService.disagreements",
    ),
    record(OutboxRow, {"id": 1, "ride": "r", "status": "paid"}),
    record(OutboxComparison, {"changes": 1, "crashes": 0, "dual_write": {}, "outbox": {}}),
    Probe(
        compare_dual_write_and_outbox,
        {"changes": 10, "crash_rate": 0.1, "seed": 0},
        accepts={"crash_rate": {"0"}, "seed": SEEDS},
    ),
    Probe(KeyVault, {"seed": 0}, accepts={"seed": SEEDS}),
    Probe(
        KeyVault.seal,
        {"subject": "ana", "text": "Ana Lima"},
        accepts={"subject": TEXT, "text": TEXT},
        call=method(KeyVault, "seal"),
        name="KeyVault.seal",
    ),
    Probe(KeyVault.open, {"sealed": KeyVault().seal("ana", "x")}, call=method(KeyVault, "open"), name="KeyVault.open"),
    Probe(
        KeyVault.forget,
        {"subject": "ana"},
        accepts={"subject": TEXT},
        call=method(KeyVault, "forget"),
        name="KeyVault.forget",
    ),
    record(Sealed, {"subject": "ana", "data": b"x"}),
]

SIMULATION = [
    Probe(simulate, {"scenario": EventSourcingScenario.example(), "until": 5, "seed": 0}, accepts={"seed": SEEDS}),
    Probe(
        EventSourcingScenario,
        {
            "rate": 3.0,
            "city_weights": (8, 4, 3, 2, 2, 1, 1, 1),
            "riders": 40,
            "drivers": 6,
            "cancel_share": 0.1,
            "race_share": 0.2,
        }
        | {"history_interval": 0.25, "dashboard_interval": 2.0, "dashboard_batch": 40, "snapshot_every": 0},
        accepts={"rate": {"0"}, "cancel_share": {"0"}, "race_share": {"0"}, "snapshot_every": {"0"}},
    ),
    Probe(
        EventSourcingScenario.example,
        {"rate": 3.0, "dashboard_interval": 2.0, "snapshot_every": 0, "race_share": 0.2},
        accepts={"rate": {"0"}, "snapshot_every": {"0"}, "race_share": {"0"}},
        name="EventSourcingScenario.example",
    ),
    Probe(
        EventSourcingResults,
        {
            "scenario": RUN.scenario,
            "records": [],
            "until": 8.0,
            "store": EventStore(),
            "entries": [],
            "samples": [],
            "snapshots": 0,
        },
        accepts={"snapshots": {"0"}},
    ),
    Probe(
        EventSourcingResults.moment,
        {"position": 10},
        accepts={"position": {"0"}},
        call=method(lambda: RUN, "moment"),
        name="EventSourcingResults.moment",
    ),
    Probe(
        EventSourcingResults.timeseries,
        {"bin": 1.0},
        accepts={"bin": {"1e9"}},
        call=method(lambda: RUN, "timeseries"),
        name="EventSourcingResults.timeseries",
    ),
    Probe(
        EventSourcingResults.lag_at,
        {"read_model": "city dashboard", "time": 3.0},
        accepts={"time": {"-1", "0", "1e9"}},
        call=method(lambda: RUN, "lag_at"),
        name="EventSourcingResults.lag_at",
    ),
    Probe(
        EventSourcingSummary,
        {"commands": 1, "rejected": 0, "conflicts": 0, "events": 1, "rides": 1, "paid": 0, "dashboard_lag": 0}
        | {"dashboard_staleness": 0.5, "history_lag": 0, "ride_replayed": 1.0, "wallet_replayed": 0.0}
        | {"snapshots": 0, "snapshot_every": 0},
        accepts={
            name: {"0"} for name in ("commands", "rejected", "conflicts", "events", "rides", "paid", "dashboard_lag")
        }
        | {name: {"0"} for name in ("dashboard_staleness", "history_lag", "ride_replayed", "wallet_replayed")}
        | {"snapshots": {"0"}, "snapshot_every": {"0"}}
        | {name: {"0", "1e9"} for name in ("dashboard_staleness", "ride_replayed", "wallet_replayed")},
    ),
    Probe(EventSourcingTimeSeries, {"t": [0.0], "events": [1], "history_lag": [0], "dashboard_lag": [0]}),
    record(
        CommandRecord,
        {
            "time": 1.0,
            "command": "RequestRide",
            "stream": "r",
            "status": "served",
            "conflicts": 0,
            "replayed": 0,
            "events": 1,
        },
    ),
    record(
        LogEntry,
        {"position": 1, "time": 1.0, "stream": "r", "type": "RideRequested", "history_at": 1.0, "dashboard_at": 2.0},
    ),
    record(ReadSample, {"time": 1.0, "read_model": "city dashboard", "log_end": 3, "checkpoint": 1}),
    record(
        Moment,
        {
            "position": 1,
            "time": 1.0,
            "checkpoint": 0,
            "truth": CityView(),
            "seen": CityView(),
            "statuses": {},
            "total": 1,
        },
    ),
]

LAB = [
    Probe(eventsourcing_lab, {"seed": 0}, accepts={"seed": SEEDS}, call=quietly(eventsourcing_lab)),
    Probe(
        eventsourcing_view,
        {"position": 50, "dashboard_interval": 2.0, "rate": 3.0, "snapshot_every": 0, "race_share": 0.2, "seed": 0},
        accepts={"position": {"0"}, "rate": {"0"}, "snapshot_every": {"0"}, "race_share": {"0"}, "seed": SEEDS},
        call=quietly(eventsourcing_view),
    ),
]

AX = {"ax": {"None"}}
VIZ = [
    Probe(eventsourcing_graph, {"results": RUN, "position": 10}, accepts={"position": {"None", "0"}}),
    Probe(eventsourcing_layout, {"graph": nx.DiGraph([("RequestRide", "ride")])}),
    Probe(
        draw_eventsourcing_graph,
        {"results": RUN, "position": 10, "ax": None},
        accepts={"position": {"None", "0"}, **AX},
        call=quietly(draw_eventsourcing_graph),
    ),
    Probe(
        draw_lag,
        {"results": RUN, "position": 10, "ax": None},
        accepts={"position": {"None", "0"}, **AX},
        call=quietly(draw_lag),
    ),
    Probe(draw_city_board, {"moment": MOMENT, "ax": None}, accepts=AX, call=quietly(draw_city_board)),
    Probe(
        draw_eventsourcing_dashboard,
        {"results": RUN, "position": 10},
        accepts={"position": {"None", "0"}},
        call=quietly(draw_eventsourcing_dashboard),
    ),
    Probe(
        draw_replay_cost,
        {"history": [10, 100], "full": [10, 100], "from_snapshot": [10, 0], "ax": None},
        accepts=AX,
        call=quietly(draw_replay_cost),
    ),
]

ALL = COMMANDS_AND_EVENTS + STATES_AND_RULES + STORE + READ_SIDE + OUTBOX_AND_SHREDDING + SIMULATION + LAB + VIZ


@pytest.mark.parametrize(("probe", "param", "bad"), list(cases(ALL)))
def test_bad_input_gets_a_clear_answer(probe, param, bad):
    assert verdict(probe, param, bad) == expected(probe, param, bad)


@pytest.mark.parametrize("module", [eventsourcing, lab_module, viz_module], ids=lambda m: m.__name__)
def test_every_public_callable_has_a_probe(module):
    probed = [p.target for p in ALL]
    missing = {name for name in public_callables(module) if not any(getattr(module, name) is t for t in probed)}
    assert not missing, f"no probe in the sweep for {sorted(missing)}"


def test_the_good_call_of_every_probe_succeeds():
    for probe in ALL:
        probe.run(dict(probe.kwargs))  # a probe whose good call fails would make every verdict meaningless
    plt.close("all")
