"""The message queue (the broker): ordering, capacity, visibility timeouts, acks, retries and dead letters."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

from course.sim import Environment, stream
from course.sim.hashing import partition_for  # Kafka's default partitioner: murmur2 of the key

from .dead_letter import DeadLetterQueue
from .message import FINAL_STATES, DeadLetter, Delivery, Event, Message
from .retry import RetryPolicy

__all__ = ["ORDERINGS", "WHEN_FULL", "MessageQueue"]

WHEN_FULL = ("block", "reject", "drop_oldest")
_tuple_new = tuple.__new__
ORDERINGS = ("fifo", "priority")


class _Lane:
    """One partition (or the whole queue): a heap of ready messages and how many are out (in flight or delayed)."""

    __slots__ = ("heap", "outstanding")

    def __init__(self):
        self.heap: list[tuple] = []
        self.outstanding = 0


def _check(env, capacity, when_full, ordering, partitions, visibility_timeout, retry) -> None:
    if not isinstance(env, Environment):
        raise TypeError(f"env must be a course.sim.Environment (got {env!r})")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
        raise ValueError(
            f"capacity must be a whole number of at least 1, or None for an unbounded queue (got {capacity!r}): "
            "a queue with no room would refuse every message; to model no queue at all, use "
            "course.sim.ServerPool with queue_capacity=0"
        )
    if when_full not in WHEN_FULL:
        raise ValueError(f"when_full must be one of {', '.join(map(repr, WHEN_FULL))} (got {when_full!r})")
    if ordering not in ORDERINGS and not callable(ordering):
        raise ValueError(f"ordering must be 'fifo', 'priority' or a function of a message (got {ordering!r})")
    if partitions is not None and (isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1):
        raise ValueError(
            f"partitions must be a whole number of at least 1, or None for one shared queue (got {partitions!r})"
        )
    v = visibility_timeout
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < math.inf:
        raise ValueError(
            f"visibility_timeout must be a positive number of seconds (got {v!r}): it is how long a delivered "
            "message stays hidden before it comes back; set it above the processing time, e.g. 30"
        )
    if not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be a RetryPolicy, e.g. RetryPolicy(backoff='exponential') (got {retry!r})")


class MessageQueue:
    """Hand each message to one consumer at a time; if it is not acked within the visibility timeout, hand it out again.

    Delivery is at least once: a message taken by a consumer becomes invisible for
    `visibility_timeout` seconds; an ack removes it; a failure (``nack``) brings it back after
    the `retry` policy's backoff; silence (a crash, a slow consumer) brings it back when the
    timeout ends. After `retry.max_attempts` deliveries, or at once when a consumer calls it
    poison, it goes to the dead-letter queue ``dlq``. Only the current receipt may ack: a
    consumer whose delivery already timed out gets False (a late ack) and must not assume
    its work was recorded.

    ``ordering`` is ``"fifo"``, ``"priority"`` (lower first, FIFO among equals) or a function
    of a message. ``partitions=P`` splits the queue into `P` partitions chosen by key (Kafka's
    murmur2): order then holds within each partition, which hands out one message at a time
    and waits for it to finish (retries included), but not across partitions. A full queue
    (`capacity` messages ready or delayed) blocks, rejects or drops the oldest (`when_full`).

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
    ):
        retry = RetryPolicy() if retry is None else retry
        _check(env, capacity, when_full, ordering, partitions, visibility_timeout, retry)
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
        self.events: list[Event] = []
        self.gauges: list[tuple[float, int, int, int, int, int]] = [(env.now, 0, 0, 0, 0, 0)]
        self.dlq = DeadLetterQueue(self)
        self.counts = dict.fromkeys(("at_producer", "ready", "delayed", "in_flight", *FINAL_STATES), 0)
        self._blocked: deque[Message] = deque()
        self._age: list[tuple[int, int, Message]] = []  # (seq, version, message) of waiting messages
        self._seq = 0
        self._receipts = 0
        self._listeners: list[Callable[[], Any]] = []

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"MessageQueue({self.name!r}, ready={c['ready']}, delayed={c['delayed']}, in_flight={c['in_flight']}, "
            f"acked={c['acked']}, dead_lettered={c['dead_lettered']}, dropped={c['dropped']}, rejected={c['rejected']})"
        )

    # -- looking ---------------------------------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Messages in the queue and not in flight (ready or delayed): what `capacity` bounds."""
        return self.counts["ready"] + self.counts["delayed"]

    def state(self, message: int) -> str:
        """Where message `message` is now (see `course.messaging.message.STATES`)."""
        return self.messages[message].state

    def available(self, lanes: list[int] | None = None) -> bool:
        """True if a consumer reading `lanes` (None: all) would get a message right now."""
        return self._best(lanes) is not None

    def subscribe(self, callback: Callable[[], Any]) -> None:
        """Call `callback()` whenever a message may have become available (how consumers learn of work)."""
        self._listeners.append(callback)

    # -- producing -------------------------------------------------------------------------------------------------

    def new_message(self, key: Any = None, priority: float = 0, poison: bool = False, producer: int = 0) -> Message:
        """Create a message at a producer (not yet offered): it gets the next id and, if partitioned, a partition."""
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
        if msg.state != "at_producer":
            raise ValueError(f"message {msg.id} is {msg.state}, not at its producer: only new messages can be offered")
        full = self.capacity is not None and self.waiting >= self.capacity
        if self.when_full == "block" and (full or self._blocked):
            self._blocked.append(msg)
            self._log("block", msg)
            return "blocked"
        if not full:
            self._enqueue(msg)
            return "enqueued"
        if self.when_full == "drop_oldest":
            self._evict_oldest()
            self._enqueue(msg)
            return "enqueued"
        self._log("reject", msg, detail="will retry" if will_retry else "final")
        if not will_retry:
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
        if msg.attempts == 1:
            msg.first_delivery = now
        self._move(msg, "ready", "in_flight")
        lane.outstanding += 1
        msg.timer = self.env.schedule(self.visibility_timeout, self._expire, msg, msg.receipt)
        self._log("deliver", msg, consumer)
        self._gauge()
        self._admit_blocked()
        return Delivery(msg.receipt, msg.id, msg.attempts, consumer, now, now + self.visibility_timeout)

    def ack(self, delivery: Delivery) -> bool:
        """Done: remove the message for good. False (a late ack, nothing changes) if the receipt is stale."""
        msg = self._current(delivery, "ack")
        if msg is None:
            return False
        self._finish(msg, "acked", "in_flight")
        self._log("ack", msg, delivery.consumer)
        self._unlock(msg)
        return True

    def nack(self, delivery: Delivery, delay: float | None = None) -> bool:
        """Failed: retry after `delay` (default: the retry policy's backoff) or dead-letter if out of attempts."""
        msg = self._current(delivery, "nack")
        if msg is None:
            return False
        self._log("fail", msg, delivery.consumer)
        self._retry(msg, delay)
        return True

    def dead_letter(self, delivery: Delivery, reason: str = "poison") -> bool:
        """Give up on the message at once (it can never succeed): move it to the dead-letter queue."""
        msg = self._current(delivery, "dead_letter")
        if msg is None:
            return False
        self._to_dlq(msg, reason, "in_flight")
        return True

    # -- inside ----------------------------------------------------------------------------------------------------

    def _log(self, kind: str, msg: Message, consumer: int = -1, detail: str = "") -> None:
        # tuple.__new__ builds the same Event as Event(...), without the keyword handling (the hot path)
        self.events.append(_tuple_new(Event, (self.env.now, kind, msg.id, consumer, msg.attempts, detail)))

    def _gauge(self) -> None:
        c = self.counts
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
        if not isinstance(delivery, Delivery):
            raise TypeError(f"{what} needs the Delivery that receive() returned (got {delivery!r})")
        msg = self.messages[delivery.message]
        if msg.state == "in_flight" and msg.receipt == delivery.receipt:
            return msg
        self._log("late_ack", msg, delivery.consumer, detail=what)
        return None

    def _best(self, lanes: list[int] | None) -> tuple[tuple, _Lane] | None:
        best = None
        for p in range(len(self.lanes)) if lanes is None else lanes:
            lane = self.lanes[p]
            if self.partitions is not None and lane.outstanding:
                continue  # a partition hands out one message at a time: that keeps its order
            heap = lane.heap
            while heap and (heap[0][-1].state != "ready" or heap[0][2] != heap[0][-1].version):
                heappop(heap)  # a stale entry: the message was dropped or moved since
            if heap and (best is None or heap[0][:2] < best[0][:2]):
                best = (heap[0], lane)
        return best

    def _enqueue(self, msg: Message) -> None:
        msg.seq = self._seq
        self._seq += 1
        msg.enqueued = self.env.now
        if self.ordering == "fifo":
            msg.sort = 0
        elif self.ordering == "priority":
            msg.sort = msg.priority
        else:
            msg.sort = self.ordering(msg)
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
        if not self.retry.allows(msg.attempts):
            self._to_dlq(msg, "max attempts", "in_flight")
            return
        wait = self.retry.delay(msg.attempts, self.rng) if delay is None else delay
        if not wait >= 0:
            raise ValueError(f"a retry delay must be zero or more seconds (got {wait!r})")
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

    def _evict_oldest(self) -> None:
        age = self._age
        while age and (age[0][2].state not in ("ready", "delayed") or age[0][1] != age[0][2].version):
            heappop(age)
        msg = heappop(age)[2]
        old = msg.state
        self._finish(msg, "dropped", old)
        self._log("drop", msg, detail="oldest")
        if old == "delayed":
            self._unlock(msg)

    def _admit_blocked(self) -> None:
        while self._blocked and (self.capacity is None or self.waiting < self.capacity):
            self._enqueue(self._blocked.popleft())

    def _redrive(self, message: int) -> None:
        msg = self.messages[message]
        msg.attempts = 0
        msg.end = math.nan
        msg.reason = ""
        msg.seq = self._seq
        self._seq += 1
        self._log("redrive", msg)
        self._make_ready(msg, "dead_lettered")
