"""Consumers: a pool of workers that take messages one at a time, process them, and ack, fail or crash."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from course.sim import Distribution, Environment, as_distribution, stream, validate

from .dependency import Breaker, Call, CircuitBreaker, Dependency, DependencyState
from .message import Delivery, Message
from .message_queue import MessageQueue

__all__ = ["ATTEMPT_OUTCOMES", "MAX_CONSUMERS", "ConsumerPool", "Faults"]

ATTEMPT_OUTCOMES = ("ok", "fail", "crash", "slow", "poison")  # what one delivery attempt does, not a message's fate
MAX_CONSUMERS = 10_000  # the toy keeps a little state per consumer


def processing_time(value: object, name: str = "processing") -> Distribution:
    """`value` as a distribution of processing times: a distribution, or a positive number of seconds."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return as_distribution(validate.duration(name, value, positive=True, why="seconds of work per message"))
    raise ValueError(
        f"{name} must be a distribution such as Exponential(rate=5) or a positive number of seconds (got {value!r})"
    )


@dataclass(frozen=True, kw_only=True)
class Faults:
    """What goes wrong in a consumer, attempt by attempt (by default nothing does).

    Each delivery draws one outcome: ``"fail"`` (an error: the consumer nacks, the retry policy
    decides when it comes back), ``"crash"`` (the work is done but the consumer dies before
    the ack: the message comes back after the visibility timeout, a duplicate), ``"slow"``
    (the work takes `slow_time` seconds, maybe past the visibility timeout) or ``"ok"``.
    Messages in `poison` fail every attempt (or are dead-lettered at once if `detect_poison`);
    every attempt that starts during `outage` (start, end) fails; `schedule` (a dict, kept as
    sorted pairs) fixes the outcome of given ``(message id, attempt)`` pairs. A failed attempt
    takes `fail_time` seconds (a fast error) or, if None, the drawn processing time.

    Taught in lessons/03_queues.ipynb.

    >>> Faults(failure_rate=0.1, poison={7}).poison
    frozenset({7})
    >>> Faults(schedule={(0, 1): "crash"}).outcome(0, attempt=1, now=0.0, u=0.99)
    'crash'
    >>> Faults(failure_rate=0.7, crash_rate=0.5)
    Traceback (most recent call last):
    ...
    ValueError: failure_rate + crash_rate + slow_rate must be at most 1 (got 1.2): they share one draw per attempt
    """

    failure_rate: float = 0.0
    crash_rate: float = 0.0
    slow_rate: float = 0.0
    slow_time: float = 60.0
    poison: frozenset[int] = frozenset()
    detect_poison: bool = False
    outage: tuple[float, float] | None = None
    fail_time: float | None = None
    schedule: Mapping[tuple[int, int], str] | tuple = ()

    _lookup: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        for name in ("failure_rate", "crash_rate", "slow_rate"):
            validate.probability(name, getattr(self, name), why="the share of attempts it happens to")
        total = self.failure_rate + self.crash_rate + self.slow_rate
        if total > 1 + 1e-12:
            raise ValueError(
                f"failure_rate + crash_rate + slow_rate must be at most 1 (got {total:g}): "
                "they share one draw per attempt"
            )
        validate.duration("slow_time", self.slow_time, positive=True, why="seconds a slow attempt takes")
        if self.fail_time is not None:
            validate.duration("fail_time", self.fail_time, positive=True, why="seconds a failed attempt takes")
        if isinstance(self.poison, (str, bytes)) or not isinstance(self.poison, Iterable):
            raise ValueError(f"poison must be a set of message ids, e.g. poison={{3, 17}} (got {self.poison!r})")
        ids = frozenset(validate.whole("poison", m, why="message ids are whole numbers from 0") for m in self.poison)
        object.__setattr__(self, "poison", ids)
        validate.instance("detect_poison", self.detect_poison, bool, example="detect_poison=True")
        if self.outage is not None:
            if not isinstance(self.outage, (tuple, list)) or len(self.outage) != 2:
                raise ValueError(f"outage must be (start, end) in seconds, or None (got {self.outage!r})")
            object.__setattr__(self, "outage", tuple(self.outage))
            start = validate.duration("outage", self.outage[0], why="(start, end): when the dependency is down")
            end = validate.duration("outage", self.outage[1], why="(start, end): when the dependency is down")
            if not start < end:
                raise ValueError(f"outage must be (start, end) with start < end (got {self.outage!r})")
        pairs = self.schedule.items() if isinstance(self.schedule, Mapping) else self.schedule
        if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Iterable):
            raise ValueError(f"schedule must map (message, attempt) to an outcome (got {self.schedule!r})")
        lookup = {}
        for pair in pairs:
            if not isinstance(pair, tuple) or len(pair) != 2 or not isinstance(pair[0], tuple) or len(pair[0]) != 2:
                raise ValueError(f"schedule must map (message, attempt) to an outcome (got the entry {pair!r})")
            (message, attempt), what = pair
            validate.whole("schedule", message, why="a message id in (message, attempt)")
            validate.whole("schedule", attempt, minimum=1, why="an attempt number in (message, attempt)")
            lookup[message, attempt] = validate.choice("schedule", what, ATTEMPT_OUTCOMES)
        object.__setattr__(self, "schedule", tuple(sorted(lookup.items())))  # hashable, so a lab can cache by it
        object.__setattr__(self, "_lookup", lookup)

    def down(self, now: float) -> bool:
        """True if the dependency is down at `now` (inside the `outage`): every call is refused.

        >>> Faults(outage=(20, 30)).down(25.0), Faults(outage=(20, 30)).down(30.0)
        (True, False)
        """
        validate.number("now", now, why="the simulated time")
        return self._down(now)

    def _down(self, now: float) -> bool:
        return self.outage is not None and self.outage[0] <= now < self.outage[1]

    def outcome(self, message: int, attempt: int, now: float, u: float, poison: bool = False) -> str:
        """The outcome of `attempt` at a message (one of `ATTEMPT_OUTCOMES`), given a uniform draw `u` in [0, 1)."""
        validate.whole("message", message, why="a message id")
        validate.whole("attempt", attempt, minimum=1, why="attempt 1 is the first delivery")
        validate.number("now", now, why="the simulated time of the attempt")
        validate.probability("u", u, why="a uniform draw in [0, 1)")
        validate.instance("poison", poison, bool, example="poison=True")
        return self._outcome(message, attempt, now, u, poison)

    def _outcome(self, message: int, attempt: int, now: float, u: float, poison: bool) -> str:
        scheduled = self._lookup.get((message, attempt))
        if scheduled is not None:
            return scheduled
        if poison or message in self.poison:
            return "poison" if self.detect_poison else "fail"
        if self._down(now):
            return "fail"
        if u < self.failure_rate:
            return "fail"
        if u < self.failure_rate + self.crash_rate:
            return "crash"
        if u < self.failure_rate + self.crash_rate + self.slow_rate:
            return "slow"
        return "ok"


class ConsumerPool:
    """Run `consumers` workers on a queue: each takes one message, works `processing` seconds, then acks it.

    An idle consumer takes a message as soon as one is available (long polling), or, with
    ``poll_interval > 0``, at its next poll (every `poll_interval` seconds since it last found
    the queue empty). A consumer that finishes polls again at once. With a partitioned queue,
    consumer `c` reads the partitions `p` with ``p % consumers == c`` (one owner per partition,
    as in a Kafka consumer group; consumers beyond the partition count sit idle). Zero
    consumers is allowed: nothing is consumed and every message waits.

    Processing times come from ``stream(seed, "service:<name>")`` in delivery order, as
    `course.sim.ServerPool` draws its service times: the same seed gives the same times.

    An `idempotent` consumer records each message id with the message's effect, in one step,
    and skips a message whose id it has seen: at-least-once delivery then has exactly-once effects.

    With a `dependency`, each attempt that gets past the consumer's own faults calls it first
    (the attempt then takes the call's response time plus `processing`); a call that outlasts
    the dependency's timeout fails the attempt at the timeout (nacked with reason "timed out"),
    and an attempt during the `faults.outage` is refused fast (reason "refused"). A `breaker`
    counts those failed calls and, while open, keeps every consumer from taking a message.

    Taught in lessons/03_queues.ipynb.

    >>> env = Environment()
    >>> q = MessageQueue(env)
    >>> pool = ConsumerPool(env, q, consumers=2, processing=1.0)
    >>> [q.send() for _ in range(3)]
    [0, 1, 2]
    >>> env.run()
    >>> [(e.t, e.message, e.consumer) for e in q.events if e.kind == "ack"]
    [(1.0, 0, 0), (1.0, 1, 1), (2.0, 2, 0)]
    """

    def __init__(
        self,
        env: Environment,
        queue: MessageQueue,
        consumers: int = 1,
        processing: Distribution | float = 0.1,
        *,
        faults: Faults | None = None,
        idempotent: bool = False,
        poll_interval: float = 0.0,
        restart: float = 0.0,
        dependency: Dependency | None = None,
        breaker: CircuitBreaker | None = None,
        seed: int = 0,
        name: str = "pool",
    ):
        validate.instance("env", env, Environment, example="env=course.sim.Environment()")
        validate.instance("queue", queue, MessageQueue, example="queue=MessageQueue(env)")
        if queue.env is not env:
            raise ValueError("queue must run on the same env as its consumers: MessageQueue(env) with this env")
        validate.whole("consumers", consumers, maximum=MAX_CONSUMERS, why="with 0 nothing is consumed")
        processing = processing_time(processing)
        faults = Faults() if faults is None else faults
        validate.instance("faults", faults, Faults, example="faults=Faults(failure_rate=0.1)")
        validate.instance("idempotent", idempotent, bool, example="idempotent=True")
        validate.duration("poll_interval", poll_interval, why="seconds an idle consumer sleeps (0: long polling)")
        validate.duration("restart", restart, why="seconds a crashed consumer stays down")
        if dependency is not None:
            validate.instance("dependency", dependency, Dependency, example="dependency=Dependency(rate=100)")
        if breaker is not None:
            validate.instance("breaker", breaker, CircuitBreaker, example="breaker=CircuitBreaker(failures=5)")
        validate.seed(seed)
        validate.instance("name", name, str, example="name='workers'")
        self.env = env
        self.queue = queue
        self.consumers = consumers
        self.processing = processing
        self.faults = faults
        self.idempotent = idempotent
        self.poll_interval = float(poll_interval)
        self.restart = float(restart)
        self.rng_processing: random.Random = stream(seed, f"service:{name}")  # as course.sim.ServerPool draws
        self.rng_faults: random.Random = stream(seed, "faults")
        self.status = ["idle"] * consumers
        self._free: set[int] = set(range(consumers))  # the idle consumers, kept beside `status` for dispatch
        self.lanes: list[list[int] | None] = [self._lanes_of(c) for c in range(consumers)]
        self._read = [range(len(queue.lanes)) if lanes is None else lanes for lanes in self.lanes]
        self.service = None if dependency is None else DependencyState(dependency)
        self.breaker = None if breaker is None else Breaker(breaker, env, self.dispatch)
        self.calls: list[Call] = []
        self.effects: dict[int, int] = {}
        self.duplicates = 0
        self.busy_time = 0.0
        self._anchor = [env.now] * consumers
        self._tick: list[int | None] = [None] * consumers
        self._dispatching = False
        self._again = False
        queue.subscribe(self.dispatch)
        self.dispatch()

    def __repr__(self) -> str:
        busy = self.status.count("busy")
        return f"ConsumerPool(consumers={self.consumers}, busy={busy}, duplicates={self.duplicates})"

    def _lanes_of(self, c: int) -> list[int] | None:
        p = self.queue.partitions
        return None if p is None else [lane for lane in range(p) if lane % self.consumers == c]

    @property
    def assignment(self) -> dict[int, list[int]]:
        """Which partitions each consumer reads (an empty dict for an unpartitioned queue)."""
        p = self.queue.partitions
        return {c: list(range(p)) if lanes is None else lanes for c, lanes in enumerate(self.lanes)} if p else {}

    def dispatch(self) -> None:
        """Give idle consumers work (or schedule their next poll); safe to call at any time."""
        if self._dispatching:
            self._again = True
            return
        self._dispatching = True
        try:
            again = True
            while again:
                self._again = False
                queue, read = self.queue, self._read
                if queue.partitions is None and queue._best(read[0] if read else range(1)) is None:
                    break
                shared = queue.partitions is None  # one lane read by all: once it is empty, nobody finds work
                for c in sorted(self._free):
                    if self.status[c] != "idle":  # taken work since the loop began
                        continue
                    if queue._best(read[c]) is None:
                        if shared:
                            break
                        continue
                    if self.poll_interval:
                        self._schedule_poll(c)
                    else:
                        self._take(c)
                again = self._again
        finally:
            self._dispatching = False

    def _schedule_poll(self, c: int) -> None:
        if self._tick[c] is not None:
            return
        now, period, anchor = self.env.now, self.poll_interval, self._anchor[c]
        k = max(1, math.ceil((now - anchor) / period))
        self._tick[c] = self.env.schedule(max(0.0, anchor + k * period - now), self._poll, c)

    def _poll(self, c: int) -> None:
        self._tick[c] = None
        if self.status[c] == "idle":
            self._take(c)

    def _take(self, c: int) -> bool:
        self._mark(c, "busy")  # before receive: receiving can admit a blocked message and wake the pool
        breaker = self.breaker
        permit = "call" if breaker is None else breaker.allows()
        if permit is None:  # the breaker is open: leave the message in the queue
            self._mark(c, "idle")
            return False
        delivery = self.queue._hand_out(c, self._read[c])
        if delivery is None:
            self._mark(c, "idle")
            if permit == "probe" and breaker is not None:
                breaker.probing = False
            return False
        msg = self.queue.messages[delivery.message]
        now = self.env.now
        duration = self.processing.sample(self.rng_processing)
        faults = self.faults
        outcome = faults._outcome(msg.id, delivery.attempt, now, self.rng_faults.random(), msg.poison)
        if outcome in ("fail", "poison") and faults.fail_time is not None:
            duration = faults.fail_time
        elif outcome == "slow":
            duration = faults.slow_time
        call = ""  # how the call to the dependency went: "" (no call), "ok", "timed out" or "refused"
        if outcome == "fail" and faults._down(now) and (self.service is not None or breaker is not None):
            call = "refused"
        elif outcome in ("ok", "slow", "crash") and self.service is not None:
            response = self.service._call(now)
            timeout = self.service.dependency.timeout
            call = "ok" if response <= timeout else "timed out"
            self.calls.append(Call(now, msg.id, c, delivery.attempt, response, call == "ok"))
            if call == "ok":
                duration += response
            else:
                outcome, duration = "fail", timeout
        elif outcome in ("ok", "slow", "crash") and breaker is not None:
            call = "ok"  # no dependency modelled: an attempt that got through counts as a good call
        if call == "refused" and self.service is not None:
            self.calls.append(Call(now, msg.id, c, delivery.attempt, duration, False))
        self.env.schedule(duration, self._finish, c, delivery, outcome, duration, call, permit == "probe")
        return True

    def _finish(self, c: int, delivery: Delivery, outcome: str, duration: float, call: str, probe: bool) -> None:
        self.busy_time += duration
        msg = self.queue.messages[delivery.message]
        if self.breaker is not None:
            if call:
                self.breaker.record(call == "ok", probe)
            elif probe:
                self.breaker.release()
        if outcome in ("ok", "slow", "crash"):
            self._apply(c, msg)
        if outcome in ("ok", "slow"):
            self.queue.ack(delivery)
        elif outcome == "fail":
            self.queue.nack(delivery, reason=call if call in ("timed out", "refused") else "")
        elif outcome == "poison":
            self.queue.dead_letter(delivery, reason="poison")
        else:  # a crash after the work and before the ack: the visibility timeout brings the message back
            self.queue._log("crash", msg, c)
            if self.restart:
                self._mark(c, "down")
                self.env.schedule(self.restart, self._idle, c)
                return
        self._idle(c)

    def _apply(self, c: int, msg: Message) -> None:
        seen = self.effects.get(msg.id, 0)
        if seen and self.idempotent:
            self.duplicates += 1
            self.queue._log("duplicate", msg, c, detail="skipped")
            return
        if seen:
            self.duplicates += 1
            self.queue._log("duplicate", msg, c, detail="applied")
        self.effects[msg.id] = seen + 1

    def _mark(self, c: int, state: str) -> None:
        self.status[c] = state
        if state == "idle":
            self._free.add(c)
        else:
            self._free.discard(c)

    def _idle(self, c: int) -> None:
        self._mark(c, "idle")
        self._anchor[c] = self.env.now
        self._take(c)
