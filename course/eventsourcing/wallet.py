"""The wallet aggregate: a ledger of deposits and withdrawals whose balance is the fold of its events.

Money is whole cents. `decide_wallet` refuses an overdraft; `apply_wallet` adds and subtracts.
Because every change is kept, the balance at any past moment is a fold of the events up to
then (`wallet_at`), the question a current-state table cannot answer.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..sim import validate
from .aggregate import Aggregate, CommandRejected
from .store import EventStore

__all__ = [
    "WALLET",
    "Deposit",
    "Deposited",
    "OpenWallet",
    "Wallet",
    "WalletOpened",
    "Withdraw",
    "Withdrawn",
    "apply_wallet",
    "decide_wallet",
    "wallet_at",
]


MAX_BALANCE = 10**15  # cents: ten trillion euros, far beyond any wallet (a bound, so nonsense is caught)


def _wallet(value: object) -> None:
    validate.text("wallet", value, example="'wallet-ana'", why="it names the wallet")


def _amount(value: object) -> None:
    validate.whole("amount", value, minimum=1, why="money is a whole number of cents, above zero")


def _at(value: object) -> None:
    validate.duration("at", value, why="when it happened, in simulated seconds")


@dataclass(frozen=True)
class _Opening:
    """What opening a wallet carries: the wallet, its `owner`, and when (a command and its event share it)."""

    wallet: str
    owner: str
    at: float = 0.0

    def __post_init__(self) -> None:
        _wallet(self.wallet)
        _at(self.at)
        validate.text("owner", self.owner, example="'ana'", why="whose wallet it is")


@dataclass(frozen=True)
class _Movement:
    """What a movement of money carries: the wallet, `amount` cents, and when (commands and events share it)."""

    wallet: str
    amount: int
    at: float = 0.0

    def __post_init__(self) -> None:
        _wallet(self.wallet)
        _amount(self.amount)
        _at(self.at)


class OpenWallet(_Opening):
    """Open a wallet for `owner`."""


class Deposit(_Movement):
    """Put `amount` cents into the wallet."""


class Withdraw(_Movement):
    """Take `amount` cents out of the wallet (refused if the balance is smaller)."""


class WalletOpened(_Opening):
    """A wallet was opened for `owner`."""


class Deposited(_Movement):
    """`amount` cents went into the wallet."""


class Withdrawn(_Movement):
    """`amount` cents left the wallet."""


@dataclass(frozen=True)
class Wallet:
    """A wallet's current state: the fold of its events (`balance` in cents)."""

    wallet: str | None = None
    owner: str | None = None
    balance: int = 0
    opened: bool = False

    def __post_init__(self) -> None:
        if type(self.balance) is not int or not -MAX_BALANCE <= self.balance <= MAX_BALANCE:
            raise ValueError(f"balance must be a whole number of cents (got {self.balance!r:.60})")
        if type(self.opened) is not bool:
            raise ValueError(f"opened must be True or False (got {self.opened!r:.60})")
        for name in ("wallet", "owner"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be text or None (got {value!r:.60})")


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def decide_wallet(state: Wallet, command: Any) -> list[Any]:
    """The wallet's rules: open once, move money only in an open wallet, never below zero.

    >>> decide_wallet(Wallet("w-ana", "ana", 3000, True), Withdraw("w-ana", 5000))
    Traceback (most recent call last):
    ...
    course.eventsourcing.aggregate.CommandRejected: Withdraw refused: taking 50.00 from a balance of 30.00 ...
    """
    validate.instance("state", state, Wallet, example="Wallet()")
    if isinstance(command, OpenWallet):
        if state.opened:
            raise CommandRejected(f"OpenWallet refused: {command.wallet} is already open")
        return [WalletOpened(command.wallet, command.owner, command.at)]
    if isinstance(command, (Deposit, Withdraw)):
        name = type(command).__name__
        if not state.opened:
            raise CommandRejected(f"{name} refused: {command.wallet} is not open (open it with OpenWallet first)")
        if isinstance(command, Deposit):
            return [Deposited(command.wallet, command.amount, command.at)]
        if command.amount > state.balance:
            raise CommandRejected(
                f"Withdraw refused: taking {_money(command.amount)} from a balance of {_money(state.balance)} "
                "would overdraw the wallet"
            )
        return [Withdrawn(command.wallet, command.amount, command.at)]
    raise ValueError(
        f"command must be a wallet command such as Deposit('w-ana', 500) (got {command!r:.60}): "
        "OpenWallet, Deposit or Withdraw"
    )


def apply_wallet(state: Wallet, event: Any) -> Wallet:
    """The wallet after `event`: deposits add, withdrawals subtract (no rules: it already happened).

    >>> WALLET.fold([WalletOpened("w-ana", "ana"), Deposited("w-ana", 500), Withdrawn("w-ana", 120)]).balance
    380
    """
    if type(state) is not Wallet:
        validate.instance("state", state, Wallet, example="Wallet()")
    kind = type(event)
    if kind is Deposited:
        return Wallet(state.wallet, state.owner, state.balance + event.amount, state.opened)
    if kind is Withdrawn:
        return Wallet(state.wallet, state.owner, state.balance - event.amount, state.opened)
    if kind is WalletOpened:
        return replace(state, wallet=event.wallet, owner=event.owner, opened=True)
    raise ValueError(f"event must be a wallet event such as Deposited('w-ana', 500) (got {event!r:.60})")


WALLET = Aggregate("wallet", Wallet(), decide_wallet, apply_wallet)


def wallet_at(store: EventStore, stream_id: str, time: float) -> Wallet:
    """The wallet as it was at `time`: the fold of its events that happened by then.

    >>> store = EventStore()
    >>> events = [WalletOpened("w-ana", "ana", 0), Deposited("w-ana", 900, 5), Withdrawn("w-ana", 400, 9)]
    >>> _ = store.append("w-ana", events)
    >>> wallet_at(store, "w-ana", 6).balance, wallet_at(store, "w-ana", 10).balance
    (900, 500)
    """
    validate.instance("store", store, EventStore, example="EventStore()")
    validate.instance("stream_id", stream_id, str, example="'wallet-ana'")
    when = validate.number("time", time, why="the moment to look at, in simulated seconds")
    return WALLET.fold(r for r in store.read(stream_id) if r.event.at <= when)
