"""Messages and what happens to them: the mutable message a queue holds, and the flat records a run returns.

A message's life (its ``state``): produced at a producer (``at_producer``), accepted by the
queue (``ready``, or ``delayed`` while it waits out a retry backoff), handed to a consumer
(``in_flight``: invisible to the others, still in the queue), and finally ``acked``,
``dead_lettered`` or ``rejected`` (refused by a full queue, or pushed out of one by a newer
message under ``when_full="drop_oldest"``). Each state maps to one word of the shared outcome
vocabulary (`course.sim.OUTCOMES`): acked is "served", a message still in the system is "unfinished".

>>> STATE_OUTCOMES["acked"], STATE_OUTCOMES["in_flight"]
('served', 'unfinished')
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from course.sim import outcome

__all__ = [
    "FINAL_STATES",
    "MESSAGE_STATES",
    "STATE_OUTCOMES",
    "DeadLetter",
    "Delivery",
    "Message",
    "MessageRecord",
    "QueueEvent",
]

MESSAGE_STATES = ("at_producer", "ready", "delayed", "in_flight", "acked", "dead_lettered", "rejected")
FINAL_STATES = ("acked", "dead_lettered", "rejected")
STATE_OUTCOMES: dict[str, str] = {
    state: outcome("served" if state == "acked" else state if state in FINAL_STATES else "unfinished")
    for state in MESSAGE_STATES
}
NAN = math.nan


class Message:
    """One unit of work on a queue, with its delivery history so far (the queue owns and changes it).

    `priority` orders a priority queue (0 is served before 1); `key` picks a partition;
    `attempts` counts deliveries since it was last (re)driven into the queue, `deliveries` all of
    them; `receipt` names the current delivery (only its holder may ack); `timer` is the pending
    event that will move it on (its visibility timeout, or the end of its backoff).
    """

    __slots__ = (
        "attempts",
        "consumer",
        "deliveries",
        "end",
        "enqueued",
        "first_delivery",
        "id",
        "key",
        "partition",
        "poison",
        "priority",
        "produced",
        "producer",
        "reason",
        "receipt",
        "seq",
        "sort",
        "state",
        "timer",
        "version",
    )

    def __init__(self, id: int, produced: float, key: Any = None, priority: float = 0, poison: bool = False):
        self.id = id
        self.produced = produced
        self.key = key
        self.priority = priority
        self.poison = poison
        self.producer = 0
        self.partition = 0
        self.state = "at_producer"
        self.attempts = 0
        self.deliveries = 0
        self.receipt = -1
        self.version = 0
        self.seq = -1
        self.sort: Any = ()
        self.timer: int | None = None
        self.enqueued = NAN
        self.first_delivery = NAN
        self.end = NAN
        self.consumer = -1
        self.reason = ""

    def __repr__(self) -> str:
        return f"Message(id={self.id}, key={self.key!r}, state={self.state!r}, attempts={self.attempts})"

    def record(self, effects: int = 0) -> MessageRecord:
        """This message's fate so far as a flat record (`effects`: how often its work took effect)."""
        return MessageRecord(
            self.id, self.key, self.partition, self.priority, self.producer, self.produced, self.enqueued,
            self.first_delivery, self.end, STATE_OUTCOMES[self.state], self.state, self.deliveries, effects,
            self.consumer, self.reason,
        )  # fmt: skip


class Delivery(NamedTuple):
    """One hand-over of a message to a consumer: ack, nack or dead-letter it by this receipt before `deadline`."""

    receipt: int
    message: int
    attempt: int
    consumer: int
    start: float
    deadline: float


class QueueEvent(NamedTuple):
    """Something that happened to a message at time `t` (a queue's log, in time order).

    Kinds: produce, enqueue, block (waits at its producer), reject (a 503; `detail` "final",
    "will retry" or "oldest" when a newer message pushed it out), deliver, ack, late_ack (a stale
    receipt; `detail` names the call), fail, crash, timeout, visible (back in the queue),
    dead_letter (`detail` the reason), duplicate (`detail` "applied" or "skipped"), redrive.
    `attempt` is the delivery it concerns.
    """

    t: float
    kind: str
    message: int
    consumer: int = -1
    attempt: int = 0
    detail: str = ""


class DeadLetter(NamedTuple):
    """A message in the dead-letter queue: why it is there, after how many attempts, since when."""

    message: int
    key: Any
    reason: str
    attempts: int
    t: float


class MessageRecord(NamedTuple):
    """One message's fate at the end of a run (NaN for times that never came).

    `status` is its outcome (a word of `course.sim.OUTCOMES`: served, rejected, dead_lettered or
    unfinished); `state` says more precisely where it is (see `MESSAGE_STATES`). `reason` says why
    it was dead-lettered or rejected. `deliveries` counts hand-overs to consumers; `effects` counts
    the times its work took effect (1 is exactly once; more means duplicates a non-idempotent
    consumer applied).
    """

    id: int
    key: Any
    partition: int
    priority: float
    producer: int
    produced: float
    enqueued: float
    first_delivery: float
    end: float
    status: str
    state: str
    deliveries: int
    effects: int
    consumer: int
    reason: str

    @property
    def latency(self) -> float:
        """Seconds from production to the end (ack, dead letter or rejection); NaN if still in the system."""
        return self.end - self.produced

    @property
    def wait(self) -> float:
        """Seconds from production to the first delivery (NaN if never delivered)."""
        return self.first_delivery - self.produced

    @property
    def in_system(self) -> float:
        """Seconds from entering the queue to leaving it (NaN if it never entered or has not left)."""
        return self.end - self.enqueued
