"""Questions for exercises/05_event_sourcing.ipynb: fold a wallet, refuse an overdraft, load from a snapshot,
make a projection idempotent, upcast an old event.

Events and commands here are plain dicts, as they travel and are stored (JSON): a wallet event is
``{"type": "Deposited", "amount": 500}``, amounts in cents. Each question runs the learner's code on
fixed cases first, then on seeded random ones judged against the rule the lesson states (written
out below as the reference); a failing check shows its input, what was expected and what came back.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from ..eventsourcing import CITIES
from .asks import attribute, call, calls, drive, method
from .registry import Check, question
from .verdict import raises

__all__ = ["balance_after", "fold_tail", "reference_decide", "rides_per_city", "upcast_paid"]

WALLET_CODE = ("course.eventsourcing.WALLET", "course.eventsourcing.apply_wallet", "course.eventsourcing.decide_wallet")


def balance_after(balance: int, event: dict) -> int:
    """Question 1's rule: a deposit adds its amount, a withdrawal subtracts it, other events change nothing."""
    if event["type"] == "Deposited":
        return balance + event["amount"]
    if event["type"] == "Withdrawn":
        return balance - event["amount"]
    return balance


def reference_decide(balance: int, command: dict) -> list[dict]:
    """Question 2's rule: a deposit always passes; a withdrawal above the balance is refused (ValueError)."""
    if command["type"] == "Withdraw":
        if command["amount"] > balance:
            raise ValueError(f"taking {command['amount']} from {balance} would overdraw the wallet")
        return [{"type": "Withdrawn", "amount": command["amount"]}]
    return [{"type": "Deposited", "amount": command["amount"]}]


def fold_tail(events: list[dict], snapshot: dict | None) -> int:
    """Question 3's rule: the snapshot's balance, plus the events whose version is above the snapshot's."""
    balance, after = (snapshot["balance"], snapshot["version"]) if snapshot else (0, 0)
    for event in events:
        if event["version"] > after:
            balance = balance_after(balance, event)
    return balance


def rides_per_city(deliveries: list[dict]) -> dict[str, int]:
    """Question 4's rule: rides requested per city, each position counted once however often it is delivered."""
    counts: dict[str, int] = {}
    seen: set[int] = set()
    for recorded in deliveries:
        if recorded["position"] not in seen and recorded["type"] == "RideRequested":
            counts[recorded["city"]] = counts.get(recorded["city"], 0) + 1
        seen.add(recorded["position"])
    return counts


def upcast_paid(event: dict) -> dict:
    """Question 5's rule: RidePaid version 1 (euros) becomes version 2 (cents, rounded, and a currency)."""
    if event.get("type") == "RidePaid" and event.get("version") == 1:
        return {
            "type": "RidePaid",
            "version": 2,
            "ride": event["ride"],
            "amount_cents": round(event["amount"] * 100),
            "currency": "EUR",
        }
    return event


def _wallet_events(rng: random.Random, n: int) -> list[dict]:
    """A valid wallet history: opened, then deposits and withdrawals that never overdraw, with versions 1..n."""
    events: list[dict] = [{"version": 1, "type": "WalletOpened", "owner": "ana"}]
    balance = 0
    for version in range(2, n + 1):
        amount = rng.randint(1, 80) * 25
        kind = "Withdrawn" if balance >= amount and rng.random() < 0.45 else "Deposited"
        balance += amount if kind == "Deposited" else -amount
        events.append({"version": version, "type": kind, "amount": amount})
    return events


@question("eventsourcing.wallet_apply", title="Fold a wallet's events into its balance", off_limits=WALLET_CODE)
def wallet_apply(rng: random.Random) -> Iterator[Check]:
    yield Check(hint="a deposit adds its amount", ask=call(0, {"type": "Deposited", "amount": 500}), expect=500)
    yield Check(
        hint="a withdrawal subtracts its amount", ask=call(1200, {"type": "Withdrawn", "amount": 300}), expect=900
    )
    yield Check(
        hint="an event that moves no money (WalletOpened) leaves the balance as it was",
        ask=call(700, {"type": "WalletOpened", "owner": "ana"}),
        expect=700,
        hint_on=("KeyError",),  # it has no "amount": the usual slip
    )
    events = [{k: v for k, v in e.items() if k != "version"} for e in _wallet_events(rng, 40)]
    cases, balance = [], 0
    for event in events:
        cases.append((balance, event))
        balance = balance_after(balance, event)
    yield Check(
        hint="folding a random wallet history of 40 events, one call per event with the balance before it: "
        "some balance after came out wrong",
        ask=calls(cases),
        expect=[balance_after(b, e) for b, e in cases],
    )


@question(
    "eventsourcing.reject_overdraft", title="Decide: refuse a withdrawal that would overdraw", off_limits=WALLET_CODE
)
def reject_overdraft(rng: random.Random) -> Iterator[Check]:
    yield Check(
        hint="a deposit becomes one Deposited event of the same amount",
        ask=call(0, {"type": "Deposit", "amount": 500}),
        expect=[{"type": "Deposited", "amount": 500}],
    )
    yield Check(
        hint="a withdrawal the balance covers becomes one Withdrawn event",
        ask=call(1000, {"type": "Withdraw", "amount": 300}),
        expect=[{"type": "Withdrawn", "amount": 300}],
    )
    yield Check(
        hint="withdrawing exactly the balance is allowed (it leaves 0, not less)",
        ask=call(300, {"type": "Withdraw", "amount": 300}),
        expect=[{"type": "Withdrawn", "amount": 300}],
        hint_on=("ValueError",),
    )
    yield Check(
        hint="a withdrawal above the balance must be refused: raise ValueError (CommandRejected is one), "
        "return no events",
        ask=call(1000, {"type": "Withdraw", "amount": 1500}),
        expect=raises("ValueError"),
    )
    for _ in range(3):
        balance, amount = rng.randint(0, 40) * 50, rng.randint(1, 40) * 50
        command = {"type": "Withdraw", "amount": amount}
        refused = amount > balance
        yield Check(
            hint=f"a withdrawal of {amount} from a balance of {balance} "
            + ("must be refused (raise ValueError)" if refused else "is allowed"),
            ask=call(balance, command),
            expect=raises("ValueError") if refused else reference_decide(balance, command),
            hint_on=() if refused else ("ValueError",),
        )


@question(
    "eventsourcing.snapshot_tail",
    title="Rebuild a wallet from a snapshot plus the events after it",
    off_limits=(*WALLET_CODE, "course.eventsourcing.load", "course.eventsourcing.SnapshotStore"),
)
def snapshot_tail(rng: random.Random) -> Iterator[Check]:
    events = _wallet_events(rng, 50)
    at_40 = {"version": 40, "balance": fold_tail(events[:40], None)}
    yield Check(
        hint="with no snapshot (None), fold every event from a balance of 0",
        ask=call(events, None),
        expect=fold_tail(events, None),
    )
    yield Check(
        hint="with a snapshot at version 40, start from its balance and fold only the events above version 40 "
        "(the event at version 40 is already in the snapshot)",
        ask=call(events, at_40),
        expect=fold_tail(events, at_40),
    )
    latest = {"version": 50, "balance": fold_tail(events, None)}
    yield Check(
        hint="a snapshot at the latest version (50) is the answer: nothing is left to fold",
        ask=call(events, latest),
        expect=latest["balance"],
    )
    corrected = {"version": 40, "balance": at_40["balance"] + 100}
    yield Check(
        hint="the snapshot is the state after its version, whatever the early events say (here a correction "
        "added 100): start from it, do not replay from version 1",
        ask=call(events, corrected),
        expect=fold_tail(events, corrected),
    )


def _ride_log(rng: random.Random, rides: int) -> list[dict]:
    log: list[dict] = []
    for i in range(1, rides + 1):
        ride = f"ride-{i}"
        log.append({"position": len(log) + 1, "type": "RideRequested", "ride": ride, "city": rng.choice(CITIES[:5])})
        if rng.random() < 0.7:
            log.append({"position": len(log) + 1, "type": "RideStarted", "ride": ride})
            log.append({"position": len(log) + 1, "type": "RideCompleted", "ride": ride})
    return log


def _redelivered(log: list[dict], rng: random.Random) -> list[dict]:
    """`log` in order, at least once: after a simulated crash, the end of a batch is delivered again."""
    out: list[dict] = []
    i = 0
    while i < len(log):
        step = rng.randint(2, 6)
        out.extend(log[i : i + step])
        if rng.random() < 0.4:
            out.extend(log[max(i, i + step - rng.randint(1, step)) : i + step])  # the checkpoint was not saved
        i += step
    return out


def _deliver(deliveries: list[dict]):
    """Ask: a new projection, `deliver` each recorded event (results not kept), then read its `view`."""
    return drive((), [method("deliver", r, keep=False) for r in deliveries] + [attribute("view")])


@question(
    "eventsourcing.idempotent_projection",
    title="A projection that counts each ride once, however often it is delivered",
    off_limits=("course.eventsourcing.Projection",),
)
def idempotent_projection(rng: random.Random) -> Iterator[Check]:
    log = _ride_log(rng, 12)
    yield Check(
        hint="delivered once each, the view counts the RideRequested events per city",
        ask=_deliver(log),
        expect=[rides_per_city(log)],
    )
    first = log[0]
    yield Check(
        hint="the same event delivered twice (same position) is counted once",
        ask=_deliver([first, first]),
        expect=[rides_per_city([first])],
    )
    for _ in range(3):
        deliveries = _redelivered(_ride_log(rng, 15), rng)
        yield Check(
            hint="events redelivered after a crash (positions repeat, in order) are counted once",
            ask=_deliver(deliveries),
            expect=[rides_per_city(deliveries)],
        )


@question(
    "eventsourcing.upcast_ride_paid",
    title="Upcast RidePaid version 1 (euros) to version 2 (cents and a currency)",
    off_limits=(
        "course.eventsourcing.ride_paid_v1_to_v2",
        "course.eventsourcing.UPCASTERS",
        "course.eventsourcing.Upcasters",
    ),
)
def upcast_ride_paid(rng: random.Random) -> Iterator[Check]:
    old = {"type": "RidePaid", "version": 1, "ride": "ride-7", "amount": 12.5}
    yield Check(hint="version 1 becomes version 2: cents and a currency", ask=call(old), expect=upcast_paid(old))
    tricky = {"type": "RidePaid", "version": 1, "ride": "ride-8", "amount": 19.99}
    yield Check(
        hint="19.99 * 100 is 1998.9999999999998 in floating point: round to the nearest cent, do not truncate",
        ask=call(tricky),
        expect=upcast_paid(tricky),
    )
    current = {"type": "RidePaid", "version": 2, "ride": "ride-9", "amount_cents": 1450, "currency": "EUR"}
    yield Check(hint="an event already at version 2 passes through unchanged", ask=call(current), expect=current)
    other = {"type": "RideRequested", "ride": "ride-9", "rider": "ana", "city": "paris"}
    yield Check(hint="an event of another type passes through unchanged", ask=call(other), expect=other)
    olds = [
        ({"type": "RidePaid", "version": 1, "ride": f"ride-{20 + i}", "amount": rng.randint(100, 9999) / 100},)
        for i in range(12)
    ]
    yield Check(
        hint="on 12 random version-1 payments, some amount_cents came out wrong (round euros * 100)",
        ask=calls(olds),
        expect=[upcast_paid(e) for (e,) in olds],
    )
