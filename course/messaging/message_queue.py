"""The message queue (the broker): ordering, capacity, visibility timeouts, acks, retries and dead letters."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

from course.sim import Environment, partition_for, stream, validate

from .dead_letter import DeadLetterQueue
from .message import FINAL_STATES, DeadLetter, Delivery, Message, QueueEvent
from .retry import RetryPolicy

__all__ = ["MAX_PARTITIONS", "ORDERINGS", "WHEN_FULL", "MessageQueue"]

WHEN_FULL = ("block", "reject", "drop_oldest")
ORDERINGS = ("fifo", "priority")
MAX_PARTITIONS = 10_000  # the toy keeps one heap per partition
_tuple_new = tuple.__new__


class _Lane:
    """One partition (or the whole queue): a heap of ready messages and how many are out (in flight or delayed)."""

    __slots__ = ("heap", "outstanding")

    def __init__(self):
        self.heap: list[tuple] = []
        self.outstanding = 0


def _delivery(delivery: object) -> Delivery:
    if not isinstance(delivery, Delivery):
        raise ValueError(f"delivery must be the Delivery that receive() returned (got {delivery!r})")
    return delivery


class MessageQueue:
    """Hand each message to one consumer at a time; if it is not acked within the visibility timeout, hand it out again.

    Delivery is at least once: a message taken by a consumer becomes invisible for
    `visibility_timeout` seconds; an ack removes it; a failure (``nack``) brings it back after
    the `retry` policy's backoff; silence (a crash, a slow consumer) brings it back when the
    timeout ends. After `retry.max_attempts` deliveries, or at once when a consumer calls it
    poison, it goes to the dead-letter queue ``dlq``. Only the current receipt may ack: a
    consumer whose delivery already timed out gets False (a late ack) and must not assume
    its work was recorded. A message is never stranded: every message is acked, dead-lettered,
    rejected, ready, or waiting for a timer (its visibility timeout or its backoff) that will move it on.

    ``ordering`` is ``"fifo"``, ``"priority"`` (lower first, FIFO among equals) or a function
    of a message. ``partitions=P`` splits the queue into `P` partitions chosen by key (Kafka's
    murmur2): order then holds within each partition, which hands out one message at a time
    and waits for it to finish (retries included), but not across partitions.

    `capacity` bounds every message the queue holds, in flight included (taking is not
    removing, so a message that comes back always has its place): a new message finding it full
    blocks its producer, is rejected, or pushes out the oldest waiting message (`when_full`).

    The queue logs every step of every message in `events` and its depths in `gauges`, unless
    `keep_history=False` (a run of millions of messages): then both stay empty, and `peak_held`
    still tells the most messages it held at once.

    Taught in lessons/03_queues.ipynb.

    >>> env = Environment()
    >>> q = MessageQueue(env, visibility_timeout=5)
    >>> q.send(key="a"), q.send(key="b")
    (0, 1)
    >>> first = q.receive(consumer=0)
    >>> first.message, first.deadline
    (0, 5.0)
    >>> env.run(until=6)                   # no ack: message 0 comes back at t=5
    >>> [(e.t, e.kind, e.message) for e in q.events if e.kind in ("timeout", "visible")]
    [(5.0, 'timeout', 0), (5.0, 'visible', 0)]
    >>> q.ack(first), q.receive(consumer=1).attempt   # the old receipt is stale; the next delivery is attempt 2
    (False, 2)
    """

    def __init__(
        self,
        env: Environment,
        *,
        capacity: int | None = None,
        when_full: str = "reject",
        ordering: str | Callable[[Message], Any] = "fifo",
        partitions: int | None = None,
        visibility_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        name: str = "queue",
        keep_history: bool = True,
    ):
        validate.instance("env", env, Environment, example="env=course.sim.Environment()")
        if capacity is not None:
            validate.whole(
                "capacity", capacity, minimum=1,
                why="the most messages the queue holds (None: unbounded); to model no queue at all, "
                "use course.sim.ServerPool with queue_capacity=0",
            )  # fmt: skip
        validate.choice("when_full", when_full, WHEN_FULL)
        if not callable(ordering) and ordering not in ORDERINGS:
            raise ValueError(f"ordering must be 'fifo', 'priority' or a function of a message (got {ordering!r})")
        if partitions is not None:
            validate.whole(
                "partitions", partitions, minimum=1, maximum=MAX_PARTITIONS, why="None means one shared queue"
            )
        validate.duration(
            "visibility_timeout", visibility_timeout, positive=True,
            why="how long a delivered message stays hidden before it comes back; set it above the processing time",
        )  # fmt: skip
        retry = RetryPolicy() if retry is None else retry
        validate.instance("retry", retry, RetryPolicy, example="retry=RetryPolicy(backoff='exponential')")
        validate.seed(seed)
        validate.instance("name", name, str, example="name='orders'")
        validate.instance("keep_history", keep_history, bool, example="keep_history=False for runs of millions")
        self.env = env
        self.capacity = capacity
        self.when_full = when_full
        self.ordering = ordering
        self.partitions = partitions
        self.visibility_timeout = float(visibility_timeout)
        self.retry = retry
        self.name = name
        self.rng = stream(seed, "backoff")
        self.lanes = [_Lane() for _ in range(partitions or 1)]
        self.messages: list[Message] = []
        self.keep_history = keep_history
        self.events: list[QueueEvent] = []  # stays empty when not keep_history
        self.gauges: list[tuple[float, int, int, int, int, int]] = [(env.now, 0, 0, 0, 0, 0)]
        self._peak = (0, env.now, 0)  # (most held at the end of an instant, the last instant, held at it)
        if not keep_history:
            self._log = self._forget  # type: ignore[method-assign]
        self.dlq = DeadLetterQueue(self._redrive)
        self.counts = dict.fromkeys(("at_producer", "ready", "delayed", "in_flight", *FINAL_STATES), 0)
        self._blocked: deque[Message] = deque()
        self._blocked_ids: set[int] = set()
        self._age: list[tuple[int, int, Message]] = []  # (seq, version, message) of waiting messages
        self._seq = 0
        self._receipts = 0
        self._listeners: list[Callable[[], Any]] = []

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"MessageQueue({self.name!r}, ready={c['ready']}, delayed={c['delayed']}, in_flight={c['in_flight']}, "
            f"acked={c['acked']}, dead_lettered={c['dead_lettered']}, rejected={c['rejected']})"
        )

    # -- looking ---------------------------------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Messages in the queue and not in flight (ready or delayed)."""
        return self.counts["ready"] + self.counts["delayed"]

    @property
    def peak_held(self) -> int:
        """The most messages the queue held at once (at the end of an instant), history kept or not.

        >>> env = Environment()
        >>> q = MessageQueue(env, keep_history=False)
        >>> q.send(), q.send(), q.send()
        (0, 1, 2)
        >>> env.run(until=1.0); delivery = q.receive(); q.ack(delivery)
        True
        >>> q.held, q.peak_held, q.events
        (2, 3, [])
        """
        peak, _, held = self._peak
        return max(peak, held)

    @property
    def held(self) -> int:
        """Every message the queue holds (ready, delayed or in flight): what `capacity` bounds."""
        return self.counts["ready"] + self.counts["delayed"] + self.counts["in_flight"]

    def state(self, message: int) -> str:
        """Where message `message` is now (one of `course.messaging.MESSAGE_STATES`).

        >>> q = MessageQueue(Environment())
        >>> q.state(q.send())
        'ready'
        """
        return self.messages[self._id(message)].state

    def available(self, lanes: list[int] | None = None) -> bool:
        """True if a consumer reading `lanes` (None: all) would get a message right now."""
        return self._best(self._lanes(lanes)) is not None

    def subscribe(self, callback: Callable[[], Any]) -> None:
        """Call `callback()` whenever a message may have become available (how consumers learn of work)."""
        if not callable(callback):
            raise ValueError(f"callback must be a function of no arguments (got {callback!r})")
        self._listeners.append(callback)

    # -- producing -------------------------------------------------------------------------------------------------

    def new_message(self, key: Any = None, priority: float = 0, poison: bool = False, producer: int = 0) -> Message:
        """Create a message at a producer (not yet offered): it gets the next id and, if partitioned, a partition."""
        if key is not None and (isinstance(key, bool) or not isinstance(key, (str, bytes, int))):
            raise ValueError(f"key must be a string, bytes or a whole number, or None (got {key!r}): e.g. 'rider-42'")
        validate.number("priority", priority, why="a priority queue serves lower numbers first")
        validate.instance("poison", poison, bool, example="poison=True")
        validate.whole("producer", producer, why="producers are numbered from 0")
        msg = Message(len(self.messages), self.env.now, key=key, priority=priority, poison=poison)
        msg.producer = producer
        if self.partitions is not None:
            msg.partition = msg.id % self.partitions if key is None else partition_for(key, self.partitions)
        self.messages.append(msg)
        self.counts["at_producer"] += 1
        self._log("produce", msg)
        return msg

    def offer(self, msg: Message, will_retry: bool = False) -> str:
        """Try to put `msg` in the queue: "enqueued", "blocked" (waits at its producer) or "rejected" (a 503).

        A rejected message stays at its producer if `will_retry` (it will be offered again), else it is
        rejected for good.
        """
        validate.instance("msg", msg, Message, example="msg=queue.new_message()")
        validate.instance("will_retry", will_retry, bool, example="will_retry=True")
        mine = msg.id < len(self.messages) and self.messages[msg.id] is msg
        if not mine or msg.state != "at_producer" or msg.id in self._blocked_ids:
            where = "blocked at its producer" if msg.id in self._blocked_ids else msg.state
            raise ValueError(
                f"msg must be a new message of this queue, still at its producer (got message {msg.id}, {where}): "
                "make one with queue.new_message()"
            )
        full = self.capacity is not None and self.held >= self.capacity
        if self.when_full == "block" and (full or self._blocked):
            self._blocked.append(msg)
            self._blocked_ids.add(msg.id)
            self._log("block", msg)
            return "blocked"
        if full and self.when_full == "drop_oldest" and self._evict_oldest():
            full = False
        if not full:
            self._enqueue(msg)
            return "enqueued"
        self._log("reject", msg, detail="will retry" if will_retry else "final")
        if not will_retry:
            msg.reason = "queue full"
            self._finish(msg, "rejected", "at_producer")
        return "rejected"

    def send(self, key: Any = None, priority: float = 0, poison: bool = False, producer: int = 0) -> int:
        """Create and offer a message in one call; return its id (check `state(id)` for what became of it)."""
        msg = self.new_message(key=key, priority=priority, poison=poison, producer=producer)
        self.offer(msg)
        return msg.id

    # -- consuming -------------------------------------------------------------------------------------------------

    def receive(self, consumer: int = 0, lanes: list[int] | None = None) -> Delivery | None:
        """Hand the next message (from `lanes`, None: any) to `consumer`, hidden until its deadline; None if none."""
        validate.whole("consumer", consumer, why="consumers are numbered from 0")
        return self._hand_out(consumer, self._lanes(lanes))

    def _hand_out(self, consumer: int, lanes: list[int] | range) -> Delivery | None:
        """`receive` without the argument checks (a consumer pool's hot path)."""
        best = self._best(lanes)
        if best is None:
            return None
        entry, lane = best
        heappop(lane.heap)
        msg = entry[-1]
        now = self.env.now
        self._receipts += 1
        msg.receipt = self._receipts
        msg.attempts += 1
        msg.deliveries += 1
        msg.version += 1
        msg.consumer = consumer
        if msg.deliveries == 1:
            msg.first_delivery = now
        self._move(msg, "ready", "in_flight")
        lane.outstanding += 1
        msg.timer = self.env.schedule(self.visibility_timeout, self._expire, msg, msg.receipt)
        self._log("deliver", msg, consumer)
        self._gauge()
        return Delivery(msg.receipt, msg.id, msg.attempts, consumer, now, now + self.visibility_timeout)

    def ack(self, delivery: Delivery) -> bool:
        """Done: remove the message for good. False (a late ack, nothing changes) if the receipt is stale."""
        msg = self._current(_delivery(delivery), "ack")
        if msg is None:
            return False
        self._finish(msg, "acked", "in_flight")
        self._log("ack", msg, delivery.consumer)
        self._unlock(msg)
        self._admit_blocked()
        return True

    def nack(self, delivery: Delivery, delay: float | None = None, reason: str = "") -> bool:
        """Failed: retry after `delay` seconds (default: the retry policy's backoff), or dead-letter if out of attempts.

        Every argument is checked before anything changes, so a bad call leaves the message as it was.
        `reason` (e.g. "timed out") is kept on the "fail" event.

        >>> q = MessageQueue(Environment())
        >>> q.send()
        0
        >>> d = q.receive()
        >>> q.nack(d, delay=float("inf"))
        Traceback (most recent call last):
        ...
        ValueError: delay must be a number from 0 to 1e+06 (got inf): seconds before the message is visible again
        >>> q.nack(d, delay=2.0), q.state(0)
        (True, 'delayed')
        """
        _delivery(delivery)
        if delay is not None:
            delay = validate.duration("delay", delay, why="seconds before the message is visible again")
        validate.instance("reason", reason, str, example='reason="timed out"')
        msg = self._current(delivery, "nack")
        if msg is None:
            return False
        self._log("fail", msg, delivery.consumer, detail=reason)
        self._retry(msg, delay)
        return True

    def dead_letter(self, delivery: Delivery, reason: str = "poison") -> bool:
        """Give up on the message at once (it can never succeed): move it to the dead-letter queue."""
        _delivery(delivery)
        validate.instance("reason", reason, str, example='reason="poison"')
        msg = self._current(delivery, "dead_letter")
        if msg is None:
            return False
        self._to_dlq(msg, reason, "in_flight")
        return True

    # -- inside ----------------------------------------------------------------------------------------------------

    def _id(self, message: object) -> int:
        n = len(self.messages)
        if n == 0:
            raise ValueError(f"message must be the id of a sent message (got {message!r}): none has been sent yet")
        return validate.whole("message", message, maximum=n - 1, why=f"the ids of the {n} messages sent so far")

    def _lanes(self, lanes: object) -> list[int] | range:
        if lanes is None:
            return range(len(self.lanes))
        if isinstance(lanes, (str, bytes)) or not isinstance(lanes, (list, tuple, range)):
            raise ValueError(f"lanes must be a list of partition numbers, or None for all (got {lanes!r})")
        top = len(self.lanes) - 1
        return [validate.whole("lanes", p, maximum=top, why=f"partitions are numbered 0 to {top}") for p in lanes]

    def _log(self, kind: str, msg: Message, consumer: int = -1, detail: str = "") -> None:
        # tuple.__new__ builds the same QueueEvent as QueueEvent(...), without the keyword handling (the hot path)
        self.events.append(_tuple_new(QueueEvent, (self.env.now, kind, msg.id, consumer, msg.attempts, detail)))

    def _forget(self, kind: str, msg: Message, consumer: int = -1, detail: str = "") -> None:
        """`_log` when the queue keeps no history."""

    def _gauge(self) -> None:
        c = self.counts
        peak, last, held = self._peak
        now = self.env.now
        self._peak = (held if now != last and held > peak else peak, now, c["ready"] + c["delayed"] + c["in_flight"])
        if not self.keep_history:
            return
        row = (self.env.now, c["ready"], c["delayed"], c["in_flight"], c["at_producer"], c["dead_lettered"])
        if self.gauges[-1][0] == row[0]:
            self.gauges[-1] = row
        else:
            self.gauges.append(row)

    def _notify(self) -> None:
        for callback in self._listeners:
            callback()

    def _move(self, msg: Message, old: str, new: str) -> None:
        self.counts[old] -= 1
        self.counts[new] += 1
        msg.state = new

    def _finish(self, msg: Message, final: str, old: str) -> None:
        if msg.timer is not None:
            self.env.cancel(msg.timer)
            msg.timer = None
        self._move(msg, old, final)
        msg.version += 1
        msg.end = self.env.now
        self._gauge()

    def _current(self, delivery: Delivery, what: str) -> Message | None:
        msg = self.messages[self._id(delivery.message)]
        if msg.state == "in_flight" and msg.receipt == delivery.receipt:
            return msg
        self._log("late_ack", msg, delivery.consumer, detail=what)
        return None

    def _best(self, lanes: list[int] | range) -> tuple[tuple, _Lane] | None:
        best = None
        for p in lanes:
            lane = self.lanes[p]
            if self.partitions is not None and lane.outstanding:
                continue  # a partition hands out one message at a time: that keeps its order
            heap = lane.heap
            while heap and (heap[0][-1].state != "ready" or heap[0][2] != heap[0][-1].version):
                heappop(heap)  # a stale entry: the message was pushed out or moved since
            if heap and (best is None or heap[0][:2] < best[0][:2]):
                best = (heap[0], lane)
        return best

    def _enqueue(self, msg: Message) -> None:
        if self.ordering == "fifo":
            sort: Any = 0
        elif self.ordering == "priority":
            sort = msg.priority
        else:
            sort = self.ordering(msg)  # type: ignore[operator]
            if isinstance(sort, float) and math.isnan(sort):
                raise ValueError(
                    f"ordering must give every message a sort key that is not NaN (got nan for message {msg.id}): "
                    "NaN compares false with everything and would silently scramble the order"
                )
        msg.sort = sort
        msg.seq = self._seq
        self._seq += 1
        msg.enqueued = self.env.now
        self._log("enqueue", msg)
        self._make_ready(msg, "at_producer")

    def _make_ready(self, msg: Message, old: str) -> None:
        self._move(msg, old, "ready")
        msg.version += 1
        heappush(self.lanes[msg.partition].heap, (msg.sort, msg.seq, msg.version, msg))
        heappush(self._age, (msg.seq, msg.version, msg))
        if old != "at_producer":
            self._log("visible", msg)
        self._gauge()
        self._notify()

    def _unlock(self, msg: Message) -> None:
        lane = self.lanes[msg.partition]
        lane.outstanding -= 1
        if self.partitions is not None and lane.outstanding == 0 and lane.heap:
            self._notify()

    def _retry(self, msg: Message, delay: float | None) -> None:
        if msg.timer is not None:
            self.env.cancel(msg.timer)
            msg.timer = None
        if not self.retry._allows(msg.attempts):
            self._to_dlq(msg, "max attempts", "in_flight")
            return
        wait = self.retry._delay(msg.attempts, self.rng) if delay is None else delay
        if wait == 0:
            self.lanes[msg.partition].outstanding -= 1
            self._make_ready(msg, "in_flight")
            return
        self._move(msg, "in_flight", "delayed")
        msg.version += 1
        heappush(self._age, (msg.seq, msg.version, msg))
        msg.timer = self.env.schedule(wait, self._wake, msg, msg.version)
        self._gauge()

    def _wake(self, msg: Message, version: int) -> None:
        if msg.state == "delayed" and msg.version == version:
            msg.timer = None
            self.lanes[msg.partition].outstanding -= 1
            self._make_ready(msg, "delayed")

    def _expire(self, msg: Message, receipt: int) -> None:
        if msg.state == "in_flight" and msg.receipt == receipt:
            msg.timer = None
            self._log("timeout", msg, msg.consumer)
            self._retry(msg, 0.0)

    def _to_dlq(self, msg: Message, reason: str, old: str) -> None:
        self._finish(msg, "dead_lettered", old)
        msg.reason = reason
        self.dlq.letters.append(DeadLetter(msg.id, msg.key, reason, msg.attempts, self.env.now))
        self._log("dead_letter", msg, msg.consumer, detail=reason)
        self._unlock(msg)
        self._admit_blocked()

    def _evict_oldest(self) -> bool:
        """Push out the oldest waiting (ready or delayed) message to make room; False if none is waiting."""
        age = self._age
        while age and (age[0][2].state not in ("ready", "delayed") or age[0][1] != age[0][2].version):
            heappop(age)
        if not age:
            return False  # every message the queue holds is in flight: nothing can make room
        msg = heappop(age)[2]
        old = msg.state
        msg.reason = "pushed out by a newer message"
        self._finish(msg, "rejected", old)
        self._log("reject", msg, detail="oldest")
        if old == "delayed":
            self._unlock(msg)
        return True

    def _admit_blocked(self) -> None:
        while self._blocked and (self.capacity is None or self.held < self.capacity):
            msg = self._blocked.popleft()
            self._blocked_ids.discard(msg.id)
            self._enqueue(msg)

    def _redrive(self, message: int) -> bool:
        """Send a dead letter back to the queue if it has room (the dead-letter queue calls this)."""
        if self.capacity is not None and self.held >= self.capacity:
            return False
        msg = self.messages[message]
        msg.attempts = 0
        msg.end = math.nan
        msg.reason = ""
        msg.seq = self._seq
        self._seq += 1
        self._log("redrive", msg)
        self._make_ready(msg, "dead_lettered")
        return True
