"""The discrete-event kernel: a clock, a heap of scheduled callbacks, and a bounded run loop.

Every toy in the course (gateway, balancer, queues, streams) runs on this one kernel.
"""

from __future__ import annotations

import gc
import random
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from heapq import heappop, heappush
from itertools import islice
from typing import Any

from .validate import function, instance, number, whole
from .validate import seed as check_seed

__all__ = ["Environment", "SimulationLimitError", "Ticket", "collector_paused", "stream"]

Ticket = int  # what `schedule` returns: hand it to `cancel` to call the event off

DEFAULT_MAX_EVENTS = 20_000_000
MAX_EVENTS = 200_000_000  # the largest bound `run` accepts: minutes of work, never an open-ended hang
_INF = float("inf")
_LAST = sys.float_info.max  # the latest time an event can happen


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
    check_seed(seed)
    instance("name", name, str, example='name="arrivals"')
    return random.Random(f"{seed}:{name}")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a long run, and restore it after (also on an error).

    A run of a million requests allocates tens of millions of short-lived objects; reference
    counting frees them, but the collector would also walk every live object again and again
    as the run's own state grows. Use it only around a run that leaves no reference cycle behind
    per request (lesson 6's `simulate` is tested for that): then pausing loses no memory, and the
    run's own structure, a cycle, is collected afterwards as usual.

    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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

    __slots__ = ("_cancelled", "_heap", "_next_ticket", "events_processed", "now")

    def __init__(self, start: float = 0.0):
        self.now = number("start", start, minimum=0.0, why="the clock starts at this many simulated seconds")
        self._heap: list[tuple[float, int, Callable[..., Any], tuple[Any, ...]]] = []
        # tickets are handed out in order: 0, 1, 2, ... (a ServerPool and a feed take theirs here too)
        self._next_ticket = 0
        self._cancelled: set[int] = set()  # tickets called off; a few may belong to events already gone
        self.events_processed = 0

    def __repr__(self) -> str:
        return f"Environment(now={self.now:g}, pending={self.pending})"

    @property
    def pending(self) -> int:
        """Events scheduled that have neither happened nor been cancelled.

        >>> env = Environment()
        >>> tickets = [env.schedule(t, print) for t in (1.0, 2.0)]
        >>> env.cancel(tickets[0])
        >>> env.pending
        1
        """
        cancelled = self._cancelled
        if not cancelled:
            return len(self._heap)
        return sum(1 for entry in self._heap if entry[1] not in cancelled)

    def schedule(self, delay: float, callback: Callable[..., Any], *args: Any) -> Ticket:
        """Call `callback(*args)` after `delay` simulated seconds; return a ticket for `cancel`.

        >>> env = Environment()
        >>> env.schedule(-1, print)
        Traceback (most recent call last):
        ...
        ValueError: delay must be a finite number of at least 0 (got -1): events cannot happen in the past
        """
        if delay.__class__ is not float or not 0.0 <= delay < _INF or not callable(callback):  # fast path: a float
            delay = self._check(delay, callback, "delay")
        ticket = self._next_ticket
        self._next_ticket = ticket + 1
        heappush(self._heap, (self.now + delay, ticket, callback, args))
        return ticket

    def _check(self, delay: object, callback: object, name: str) -> float:
        """`delay` as a float when the fast path could not tell (an int, say), else the clear refusal."""
        if delay.__class__ is int and 0 <= delay <= 10**15 and callable(callback):  # type: ignore[operator]
            return float(delay)  # type: ignore[arg-type]
        function("callback", callback, example="env.schedule(1.0, log.append, 'hello')")
        return number(name, delay, minimum=0.0, why="events cannot happen in the past")

    def schedule_at(self, time: float, callback: Callable[..., Any], *args: Any) -> Ticket:
        """Call `callback(*args)` at absolute simulated time `time` (not before `now`).

        >>> env = Environment()
        >>> _ = env.schedule_at(3.0, print, "at three")
        >>> env.run()
        at three
        """
        function("callback", callback, example="env.schedule_at(5.0, log.append, 'hello')")
        time = number("time", time, minimum=self.now, why="events cannot happen before the clock's now")
        return self.schedule(time - self.now, callback, *args)

    def cancel(self, ticket: Ticket) -> None:
        """Call off a scheduled event; cancelling one that already happened (or was cancelled) does nothing.

        >>> env = Environment()
        >>> ticket = env.schedule(1.0, print, "never printed")
        >>> env.cancel(ticket)
        >>> env.run(); env.cancel(ticket); env
        Environment(now=0, pending=0)
        """
        issued = self._next_ticket
        if ticket.__class__ is not int or not 0 <= ticket < issued:  # type: ignore[operator]
            why = f"a ticket is what schedule() returned, and {issued} have been handed out"
            whole("ticket", ticket, minimum=0, maximum=issued - 1, why=why)
        cancelled, heap = self._cancelled, self._heap
        cancelled.add(ticket)
        if len(cancelled) > 2 * len(heap) + 64:  # forget tickets whose events are long gone (amortized O(1))
            cancelled.intersection_update(entry[1] for entry in heap)

    def peek(self) -> float:
        """Time of the next pending event, or infinity when there is none."""
        heap, cancelled = self._heap, self._cancelled
        while heap and heap[0][1] in cancelled:
            cancelled.discard(heappop(heap)[1])
        return heap[0][0] if heap else _INF

    def step(self) -> bool:
        """Process the next event; return False when there was nothing to do."""
        if self.peek() == _INF:
            return False
        time, _, callback, args = heappop(self._heap)
        self.now = time
        self.events_processed += 1
        callback(*args)
        return True

    def run(self, until: float | None = None, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        """Process events up to and including time `until` (or, with `until=None`, until none are left).

        At most `max_events` events are processed in one call; needing more raises
        `SimulationLimitError`, so a runaway model fails loudly instead of hanging.

        >>> Environment().run(until=float("inf"))
        Traceback (most recent call last):
        ...
        ValueError: until must be a finite number of at least 0 (got inf): the run stops at this simulated time; \
use until=None to run until no event is left
        """
        if until is not None:
            until = number(
                "until",
                until,
                minimum=self.now,
                why="the run stops at this simulated time; use until=None to run until no event is left",
            )
        whole("max_events", max_events, minimum=1, maximum=MAX_EVENTS, why="the most events one run may process")
        heap, cancelled = self._heap, self._cancelled
        horizon = _LAST if until is None else until  # an event at infinity never happens
        # Events are counted down in chunks of at most 256, so the counter is always one of Python's
        # cached small ints: counting a million events allocates nothing.
        budget, chunk = max_events, 0  # events allowed after this chunk; events left in it
        while heap:
            time, ticket, callback, args = heappop(heap)
            if time > horizon:
                heappush(heap, (time, ticket, callback, args))
                break
            if cancelled and ticket in cancelled:
                cancelled.discard(ticket)
                continue
            if not chunk:
                if not budget:
                    heappush(heap, (time, ticket, callback, args))
                    self.events_processed += max_events
                    when = "to run until no event is left" if until is None else f"before t={horizon:g} s"
                    raise SimulationLimitError(
                        f"the simulation needed more than {max_events:,} events {when}; "
                        "shorten the run or lower the traffic"
                    )
                chunk = min(256, budget)
                budget -= chunk
            chunk -= 1
            self.now = time
            callback(*args)
        self.events_processed += max_events - budget - chunk
        if not heap:
            cancelled.clear()  # every cancelled event is gone: nothing left to skip
        if until is not None:
            self.now = until

    def feed(self, times: Iterable[float], callback: Callable[..., Any], *args: Any) -> None:
        """Call `callback(*args)` at each absolute time of the ascending iterable `times`.

        Times are read ahead in blocks of 64 and checked as they are read, so an endless
        arrival process costs next to nothing beyond the horizon of `run`. The callback
        reads the time from `env.now`.

        >>> env = Environment()
        >>> seen = []
        >>> env.feed([0.5, 1.5, 9.0], lambda: seen.append(env.now))
        >>> env.run(until=2)
        >>> seen
        [0.5, 1.5]
        """
        function("callback", callback, example="env.feed(source.times(until, rng), pool.submit)")
        instance("times", times, Iterable, example="times=[0.5, 1.5, 9.0]")
        it, heap, env = iter(times), self._heap, self
        ahead = read_ahead(it, self.now)  # the next arrival times, last first

        def arrive() -> None:
            if not ahead:
                ahead.extend(read_ahead(it, env.now))
            if ahead:  # push the next arrival directly: one heap entry per arrival
                ticket = env._next_ticket
                env._next_ticket = ticket + 1
                heappush(heap, (ahead.pop(), ticket, arrive, ()))
            if args:
                callback(*args)
            else:
                callback()  # no argument to spread: the common case, called directly

        if ahead:
            self.schedule_at(ahead.pop(), arrive)


def read_ahead(times: Iterator[Any], after: float, size: int = 64) -> list[float]:
    """The next `size` times of `times` (fewer at its end), last first, each no earlier than the one before.

    An infinite time is kept: it sorts after every horizon, so it never arrives.

    >>> read_ahead(iter([1.0, 2.0, 3.0]), after=0.5, size=2)
    [2.0, 1.0]
    >>> read_ahead(iter([2.0, 1.0]), after=0.0)
    Traceback (most recent call last):
    ...
    ValueError: times must be a finite number of at least 2 (got 1.0): arrival times never go backwards
    """
    block = list(islice(times, size))
    previous = after
    for time in block:
        try:
            if not time >= previous:  # also NaN
                raise ValueError
        except (TypeError, ValueError):
            number("times", time, minimum=previous, why="arrival times never go backwards")
            raise  # pragma: no cover - number() refuses anything that failed the test above
        previous = time
    block.reverse()
    return block
