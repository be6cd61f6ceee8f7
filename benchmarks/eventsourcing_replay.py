"""The event store's append and replay speed, beside the plain-Python floor, in one run.

Workload: 1,000,000 `Deposited` events over 10,000 wallet streams (100 each), appended one per
call with `expected_version` (as `execute` appends one command's events), streams interleaved.
Then the whole log is replayed into a projection (balance per wallet) by `Projection.catch_up`,
beside two plain loops over a list of the same recorded events: one calling the same handler
(the floor any projection runner has to pay) and one with the handler's body written inline.
Last, all 10,000 wallets are loaded with `load`: by full replay, and from snapshots taken every
32 events (the latest at version 96, so 4 events to fold).

Goals (issue 12): append at least 300,000 events/s; replay at no less than half the speed of
the plain loop.

    .venv/bin/python benchmarks/eventsourcing_replay.py [--events N] [--streams K] [--repeats R]

Runs are interleaved (ours, floor, ours, floor, ...) from a collected heap; each figure is the
median of `--repeats` runs, and the ratio is the median of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

from course.eventsourcing import WALLET, Deposited, EventStore, Projection, RecordedEvent, SnapshotStore, load

APPEND_GOAL, REPLAY_GOAL = 300_000, 0.5


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def workload(events: int, streams: int) -> list[tuple[str, Deposited]]:
    """(stream, event) pairs, streams interleaved: wallet-0, wallet-1, ..., wallet-0, ..."""
    names = [f"wallet-{i}" for i in range(streams)]
    return [(names[i % streams], Deposited(names[i % streams], 100 + i % 7)) for i in range(events)]


def append_all(pairs: list[tuple[str, Deposited]]) -> EventStore:
    store = EventStore()
    append, version = store.append, store.version
    expected: dict[str, int] = {}
    for stream_id, event in pairs:
        n = expected.get(stream_id, 0)
        expected[stream_id] = append(stream_id, [event], n)
    assert len(store) == len(pairs) and version(pairs[0][0]) == expected[pairs[0][0]]
    return store


def append_floor(pairs: list[tuple[str, Deposited]]) -> list:
    """The floor: the same bookkeeping with no checks (a log list and a list per stream of plain tuples)."""
    log: list = []
    streams: dict[str, list] = {}
    for stream_id, event in pairs:
        recorded = streams.setdefault(stream_id, [])
        row = (stream_id, len(recorded) + 1, len(log) + 1, event)
        recorded.append(row)
        log.append(row)
    return log


def balance(view: dict, recorded: RecordedEvent) -> None:
    """The projection's handler: each wallet's balance."""
    view[recorded.stream] = view.get(recorded.stream, 0) + recorded.event.amount


def replay_projection(store: EventStore) -> dict:
    projection = Projection("balances", balance)
    projection.catch_up(store)
    return projection.view


def floor_with_handler(events: list[RecordedEvent]) -> dict:
    view: dict = {}
    for recorded in events:
        balance(view, recorded)
    return view


def floor_inline(events: list[RecordedEvent]) -> dict:
    view: dict = {}
    get = view.get
    for recorded in events:
        view[recorded.stream] = get(recorded.stream, 0) + recorded.event.amount
    return view


def load_all(store: EventStore, names: list[str], snapshots: SnapshotStore | None) -> int:
    total = 0
    for name in names:
        total += load(store, WALLET, name, snapshots=snapshots).state.balance
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--snapshot-every", type=int, default=32)
    args = parser.parse_args()
    n = args.events
    pairs = workload(n, args.streams)
    print(f"{n:,} events over {args.streams:,} streams, {args.repeats} interleaved runs each (median)")

    appends, floors = [], []
    for _ in range(args.repeats):
        appends.append(timed(lambda: append_all(pairs)))
        floors.append(timed(lambda: append_floor(pairs)))
    store = append_all(pairs)
    events = store.read_all()
    append_rate = n / statistics.median(appends)

    ours, handler, inline, ratios, ratios_inline = [], [], [], [], []
    expected = floor_inline(events)
    assert replay_projection(store) == expected == floor_with_handler(events)
    for _ in range(args.repeats):
        a = timed(lambda: replay_projection(store))
        b = timed(lambda: floor_with_handler(events))
        c = timed(lambda: floor_inline(events))
        ours.append(a), handler.append(b), inline.append(c)
        ratios.append(b / a), ratios_inline.append(c / a)

    names = store.streams()
    snapshots = SnapshotStore(every=args.snapshot_every)
    for name in names:
        loaded = load(store, WALLET, name)
        version = loaded.version - loaded.version % args.snapshot_every
        state = WALLET.fold(store.read(name)[:version])
        snapshots.offer(name, version, state)
    assert load_all(store, names, None) == load_all(store, names, snapshots)
    full, snap = [], []
    for _ in range(args.repeats):
        full.append(timed(lambda: load_all(store, names, None)))
        snap.append(timed(lambda: load_all(store, names, snapshots)))
    per_stream = n // len(names)
    tail = per_stream - per_stream // args.snapshot_every * args.snapshot_every

    def rate(seconds: list[float]) -> str:
        return f"{n / statistics.median(seconds):>12,.0f} events/s"

    ok = "meets" if append_rate >= APPEND_GOAL else "MISSES"
    print(
        f"append, one event per call with expected_version: {append_rate:>12,.0f} events/s   ({ok} the goal of "
        f"{APPEND_GOAL:,}/s)"
    )
    print(
        f"  floor: the same bookkeeping, no checks:       {rate(floors)}   ours/floor = "
        f"{statistics.median(f / a for f, a in zip(floors, appends, strict=True)):.2f}"
    )
    ratio = statistics.median(ratios)
    ok = "meets" if ratio >= REPLAY_GOAL else "MISSES"
    print(f"replay into a projection (Projection.catch_up): {rate(ours)}")
    print(
        f"  floor: plain loop calling the same handler:   {rate(handler)}   ours/floor = {ratio:.2f} ({ok} the goal "
        f"of {REPLAY_GOAL:g})"
    )
    print(
        f"  plain loop with the handler's body inline:    {rate(inline)}   ours/inline = "
        f"{statistics.median(ratios_inline):.2f}"
    )
    speedup = statistics.median(full) / statistics.median(snap)
    print(
        f"load all {len(names):,} wallets ({per_stream} events each): full replay {statistics.median(full):.2f} s, "
        f"from snapshots every {args.snapshot_every} events ({tail} to fold) {statistics.median(snap):.2f} s: "
        f"{speedup:.1f}x faster"
    )


if __name__ == "__main__":
    main()
