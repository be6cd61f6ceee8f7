"""The discrete-event kernel: a clock, a heap of scheduled callbacks, and a bounded run loop.

Every toy in the course (gateway, balancer, queues, streams) runs on this one kernel.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from heapq import heappop, heappush
from itertools import count

__all__ = ["Environment", "SimulationLimitError", "Ticket", "stream"]

Ticket = int  # what `schedule` returns: hand it to `cancel` to call the event off

DEFAULT_MAX_EVENTS = 20_000_000


class SimulationLimitError(RuntimeError):
    """Raised when a run needs more events than its bound allows (a run never hangs)."""


def stream(seed: int, name: str = "") -> random.Random:
    """Return an independent random stream for `name`, fully determined by `seed`.

    Two components that share a seed but use different names draw different numbers,
    so adding a new random thing never changes the draws of the old ones.

    >>> stream(7, "arrivals").random() == stream(7, "arrivals").random()
    True
    >>> stream(7, "arrivals").random() == stream(7, "service").random()
    False
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int (got {seed!r}): pick any whole number, e.g. seed=0")
    return random.Random(f"{seed}:{name}")


class Environment:
    """Run callbacks in simulated time, in time order, ties broken by scheduling order.

    An event's life: `schedule` puts it on the heap (it *is going to happen*); when the
    clock reaches its time, `step` pops it and calls its callback (it *has happened*);
    `cancel` before that means it never happens. Times are simulated seconds.

    Taught in lessons/01_api_gateway.ipynb; every later lesson runs on it too.

    >>> env = Environment()
    >>> log = []
    >>> _ = env.schedule(2.0, log.append, "b")
    >>> _ = env.schedule(1.0, log.append, "a")
    >>> env.run(until=5)
    >>> log, env.now
    (['a', 'b'], 5.0)

    Callbacks may schedule more events; `run` stops at `until` (events at exactly `until`
    still happen) or when nothing is left to do.
    """

    __slots__ = ("_cancelled", "_heap", "_seq", "events_processed", "now")

    def __init__(self, start: float = 0.0):
        self.now = float(start)
        self._heap: list[tuple[float, int, Callable, tuple]] = []
        self._seq = count()
        self._cancelled: set[int] = set()
        self.events_processed = 0

    def __repr__(self) -> str:
        return f"Environment(now={self.now:g}, pending={len(self._heap) - len(self._cancelled)})"

    def schedule(self, delay: float, callback: Callable, *args) -> Ticket:
        """Call `callback(*args)` after `delay` simulated seconds; return a ticket for `cancel`."""
        if not delay >= 0:  # also catches NaN
            raise ValueError(f"delay must be zero or more seconds (got {delay!r}): events cannot happen in the past")
        seq = next(self._seq)
        heappush(self._heap, (self.now + delay, seq, callback, args))
        return seq

    def schedule_at(self, time: float, callback: Callable, *args) -> Ticket:
        """Call `callback(*args)` at absolute simulated time `time` (not before `now`)."""
        return self.schedule(time - self.now, callback, *args)

    def cancel(self, ticket: Ticket) -> None:
        """Call off a scheduled event; cancelling one that already happened does nothing."""
        self._cancelled.add(ticket)

    def peek(self) -> float:
        """Time of the next pending event, or infinity when there is none."""
        heap, cancelled = self._heap, self._cancelled
        while heap and heap[0][1] in cancelled:
            cancelled.discard(heappop(heap)[1])
        return heap[0][0] if heap else float("inf")

    def step(self) -> bool:
        """Process the next event; return False when there was nothing to do."""
        if self.peek() == float("inf"):
            return False
        time, _, callback, args = heappop(self._heap)
        self.now = time
        self.events_processed += 1
        callback(*args)
        return True

    def run(self, until: float | None = None, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        """Process events up to and including time `until` (or until none are left).

        At most `max_events` events are processed in one call; needing more raises
        `SimulationLimitError`, so a runaway model fails loudly instead of hanging.
        """
        if until is not None and not until >= self.now:
            raise ValueError(f"until must be at least the current time {self.now:g} (got {until!r})")
        heap, cancelled = self._heap, self._cancelled
        horizon = float("inf") if until is None else until
        processed = 0
        while heap:
            event = heappop(heap)
            time, seq, callback, args = event
            if time > horizon:
                heappush(heap, event)
                break
            if cancelled and seq in cancelled:
                cancelled.discard(seq)
                continue
            if processed >= max_events:
                heappush(heap, event)
                raise SimulationLimitError(
                    f"the simulation needed more than {max_events:,} events before t={horizon:g} s; "
                    "shorten the run or lower the traffic"
                )
            self.now = time
            processed += 1
            callback(*args)
        self.events_processed += processed
        if until is not None:
            self.now = float(until)

    def feed(self, times: Iterable[float], callback: Callable, *args) -> None:
        """Call `callback(*args)` at each absolute time of the ascending iterable `times`.

        Times are drawn lazily, one ahead, so an endless arrival process costs nothing
        beyond the horizon of `run`. The callback reads the time from `env.now`.

        >>> env = Environment()
        >>> seen = []
        >>> env.feed([0.5, 1.5, 9.0], lambda: seen.append(env.now))
        >>> env.run(until=2)
        >>> seen
        [0.5, 1.5]
        """
        it = iter(times)
        heap, seq = self._heap, self._seq

        def arrive() -> None:
            nxt = next(it, None)
            if nxt is not None:  # push the next arrival directly: one heap entry per arrival
                if not nxt >= self.now:
                    raise ValueError(f"arrival times must not go backwards (got {nxt!r} after {self.now!r})")
                heappush(heap, (nxt, next(seq), arrive, ()))
            callback(*args)

        first = next(it, None)
        if first is not None:
            self.schedule_at(first, arrive)
