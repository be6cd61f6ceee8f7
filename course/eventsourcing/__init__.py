"""Event sourcing, lesson 5: the log of events is the source of truth; state is a fold of it.

An `EventStore` keeps streams of events (one per ride, one per wallet), appended atomically with
an optional `expected_version` (optimistic concurrency). Aggregates (`RIDE`, `WALLET`) decide
what a command causes and fold events into state; `load` rebuilds a state (from a snapshot plus
the events after it), `execute` runs one command with a retry on conflict. Projections build
read models from the log and can be rebuilt from position 0; upcasters translate old event
versions on read; the outbox keeps a state change and its event from disagreeing;
crypto-shredding forgets a person without rewriting history. `simulate` runs the ride platform
on the `course.sim` kernel to show the read models' lag.

Taught in lessons/05_event_sourcing.ipynb.

>>> from course.eventsourcing import EventStore, RIDE, RequestRide, AcceptRide, execute, load
>>> store = EventStore()
>>> _ = execute(store, RIDE, "ride-1", RequestRide("ride-1", "ana", "paris"))
>>> _ = execute(store, RIDE, "ride-1", AcceptRide("ride-1", "driver-2"))
>>> load(store, RIDE, "ride-1").state.status, store.version("ride-1"), store
('accepted', 2, EventStore(2 events in 1 streams))
"""

from .aggregate import Aggregate, CommandRejected, Handled, Loaded, execute, load
from .outbox import Broker, OutboxComparison, OutboxRow, RideService, compare_dual_write_and_outbox
from .projections import CityView, HistoryView, Projection, city_dashboard, rider_history
from .results import (
    READ_MODELS,
    CommandRecord,
    EventSourcingResults,
    EventSourcingSummary,
    EventSourcingTimeSeries,
    LogEntry,
    Moment,
    ReadSample,
)
from .rides import (
    RIDE,
    RIDE_EVENTS,
    RIDE_STATUSES,
    AcceptRide,
    CancelRide,
    CompleteRide,
    PayRide,
    RequestRide,
    Ride,
    RideAccepted,
    RideCancelled,
    RideCompleted,
    RidePaid,
    RidePaidV1,
    RideRequested,
    RideStarted,
    StartRide,
    apply_ride,
    decide_ride,
    fare_cents,
)
from .scenario import CITIES, EventSourcingScenario
from .shredding import KeyVault, Sealed
from .simulation import MAX_RIDES, simulate
from .snapshots import Snapshot, SnapshotStore
from .store import MAX_STORED, ConcurrencyError, EventStore, RecordedEvent, compact_streams
from .upcasting import UPCASTERS, Upcasters, ride_paid_v1_to_v2
from .wallet import (
    WALLET,
    Deposit,
    Deposited,
    OpenWallet,
    Wallet,
    WalletOpened,
    Withdraw,
    Withdrawn,
    apply_wallet,
    decide_wallet,
    wallet_at,
)

__all__ = [
    "CITIES",
    "MAX_RIDES",
    "MAX_STORED",
    "READ_MODELS",
    "RIDE",
    "RIDE_EVENTS",
    "RIDE_STATUSES",
    "UPCASTERS",
    "WALLET",
    "AcceptRide",
    "Aggregate",
    "Broker",
    "CancelRide",
    "CityView",
    "CommandRecord",
    "CommandRejected",
    "CompleteRide",
    "ConcurrencyError",
    "Deposit",
    "Deposited",
    "EventSourcingResults",
    "EventSourcingScenario",
    "EventSourcingSummary",
    "EventSourcingTimeSeries",
    "EventStore",
    "Handled",
    "HistoryView",
    "KeyVault",
    "Loaded",
    "LogEntry",
    "Moment",
    "OpenWallet",
    "OutboxComparison",
    "OutboxRow",
    "PayRide",
    "Projection",
    "ReadSample",
    "RecordedEvent",
    "RequestRide",
    "Ride",
    "RideAccepted",
    "RideCancelled",
    "RideCompleted",
    "RidePaid",
    "RidePaidV1",
    "RideRequested",
    "RideService",
    "RideStarted",
    "Sealed",
    "Snapshot",
    "SnapshotStore",
    "StartRide",
    "Upcasters",
    "Wallet",
    "WalletOpened",
    "Withdraw",
    "Withdrawn",
    "apply_ride",
    "apply_wallet",
    "city_dashboard",
    "compact_streams",
    "compare_dual_write_and_outbox",
    "decide_ride",
    "decide_wallet",
    "execute",
    "fare_cents",
    "load",
    "ride_paid_v1_to_v2",
    "rider_history",
    "simulate",
    "wallet_at",
]
