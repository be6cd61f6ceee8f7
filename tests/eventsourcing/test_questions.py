"""The lesson 5 questions accept a correct answer, refuse the usual wrong ones, and say which input failed."""

import pytest

from course.checks import run_question
from course.eventsourcing import CommandRejected


def apply(balance, event):
    if event["type"] == "Deposited":
        return balance + event["amount"]
    if event["type"] == "Withdrawn":
        return balance - event["amount"]
    return balance


def decide(balance, command):
    if command["type"] == "Withdraw":
        if command["amount"] > balance:
            raise CommandRejected("it would overdraw the wallet")
        return [{"type": "Withdrawn", "amount": command["amount"]}]
    return [{"type": "Deposited", "amount": command["amount"]}]


def rebuild(events, snapshot):
    balance, after = (snapshot["balance"], snapshot["version"]) if snapshot else (0, 0)
    for event in events:
        if event["version"] > after:
            balance = apply(balance, event)
    return balance


class RidesPerCity:
    def __init__(self):
        self.view, self.position = {}, 0

    def deliver(self, recorded):
        if recorded["position"] <= self.position:
            return
        self.position = recorded["position"]
        if recorded["type"] == "RideRequested":
            self.view[recorded["city"]] = self.view.get(recorded["city"], 0) + 1


def upcast(event):
    if event["type"] == "RidePaid" and event.get("version") == 1:
        cents = round(event["amount"] * 100)
        return {"type": "RidePaid", "version": 2, "ride": event["ride"], "amount_cents": cents, "currency": "EUR"}
    return event


@pytest.mark.parametrize(
    "question, answer",
    [
        ("eventsourcing.wallet_apply", apply),
        ("eventsourcing.reject_overdraft", decide),
        ("eventsourcing.snapshot_tail", rebuild),
        ("eventsourcing.idempotent_projection", RidesPerCity),
        ("eventsourcing.upcast_ride_paid", upcast),
    ],
)
def test_a_correct_answer_passes_every_check(question, answer):
    result = run_question(question, answer)
    assert result.ok, result.line
    assert result.total >= 4


class CountsTwice(RidesPerCity):
    def deliver(self, recorded):
        if recorded["type"] == "RideRequested":
            self.view[recorded["city"]] = self.view.get(recorded["city"], 0) + 1


class RemembersOnlyTheLast(RidesPerCity):
    """Skips an event only when it repeats the one just before: a redelivered batch of two slips through."""

    def deliver(self, recorded):
        if recorded["position"] == self.position:
            return
        self.position = recorded["position"]
        if recorded["type"] == "RideRequested":
            self.view[recorded["city"]] = self.view.get(recorded["city"], 0) + 1


def includes_the_snapshots_event(events, snapshot):
    balance, after = (snapshot["balance"], snapshot["version"]) if snapshot else (0, 0)
    for event in events:
        if event["version"] >= after:
            balance = apply(balance, event)
    return balance


def full_replay(events, snapshot):
    return rebuild(events, None)


def truncates(event):
    new = upcast(event)
    if event.get("version") == 1:
        new = {**new, "amount_cents": int(event["amount"] * 100)}
    return new


@pytest.mark.parametrize(
    "question, answer, hint, detail",
    [
        ("eventsourcing.wallet_apply", lambda b, e: b + e.get("amount", 0), "a withdrawal subtracts", "returned 1500"),
        (
            "eventsourcing.wallet_apply",
            lambda b, e: b + e["amount"] if e["type"] != "Withdrawn" else b - e["amount"],
            "leaves the balance",
            "raised KeyError",
        ),
        ("eventsourcing.wallet_apply", lambda b, e: str(apply(b, e)), "a deposit adds", "returned '500'"),
        ("eventsourcing.reject_overdraft", lambda b, c: decide(b + 10**6, c), "must be refused", "returned [{"),
        (
            "eventsourcing.reject_overdraft",
            lambda b, c: decide(b - 1, c),
            "withdrawing exactly the balance",
            "raised CommandRejected",
        ),
        (
            "eventsourcing.reject_overdraft",
            lambda b, c: [] if c["type"] == "Withdraw" and c["amount"] > b else decide(b, c),
            "must be refused",
            "returned []",
        ),
        ("eventsourcing.snapshot_tail", full_replay, "do not replay from version 1", "returned"),
        (
            "eventsourcing.snapshot_tail",
            includes_the_snapshots_event,
            "the event at version 40 is already in",
            "expected",
        ),
        ("eventsourcing.idempotent_projection", CountsTwice, "delivered twice", "returned [{"),
        ("eventsourcing.idempotent_projection", RemembersOnlyTheLast, "redelivered after a crash", "expected [{"),
        ("eventsourcing.upcast_ride_paid", truncates, "do not truncate", "'amount_cents': 1998"),
        ("eventsourcing.upcast_ride_paid", lambda e: {**upcast(e), "currency": "USD"}, "cents and a currency", "'USD'"),
        ("eventsourcing.upcast_ride_paid", lambda e: {**e, "version": 2}, "cents and a currency", "returned"),
    ],
)
def test_a_usual_mistake_fails_with_its_hint_and_the_input_expected_and_returned(question, answer, hint, detail):
    result = run_question(question, answer)
    assert not result.ok
    assert hint in result.hint and detail in result.detail, result.line
    assert "input" in result.detail


def test_an_answer_that_is_not_plain_data_does_not_pass():
    class Anything:
        def __eq__(self, other):
            return True

    assert not run_question("eventsourcing.wallet_apply", lambda b, e: Anything()).ok
    assert not run_question("eventsourcing.upcast_ride_paid", lambda e: Anything()).ok


def test_a_stub_is_not_attempted_yet():
    def stub(*args):
        raise NotImplementedError

    for question in ("eventsourcing.wallet_apply", "eventsourcing.snapshot_tail", "eventsourcing.upcast_ride_paid"):
        assert run_question(question, stub).status == "not attempted"


def test_19_99_euros_really_is_a_trap_for_truncation():
    assert int(19.99 * 100) == 1998 and round(19.99 * 100) == 1999
