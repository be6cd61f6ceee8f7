"""Lesson 3, queues: a message queue with acks, visibility timeouts, retries, dead letters, partitions and backpressure.

One shape, as in every domain package: a frozen `QueueScenario` describes the system,
`simulate(scenario, until=..., seed=...)` runs it, and `QueueResults` holds what happened.

>>> from course.messaging import QueueScenario, simulate
>>> simulate(QueueScenario.example(), until=60).summary().accounted
True
"""

from .consumers import ATTEMPT_OUTCOMES, MAX_CONSUMERS, ConsumerPool, Faults
from .dead_letter import DeadLetterQueue
from .experiments import (
    RETRY_POLICIES,
    BurstComparison,
    RetryRow,
    SyncRow,
    WorkerRow,
    compare_retries,
    failure_drill,
    retry_row,
    ride_burst,
    sync_vs_queue,
    worker_sweep,
)
from .message import (
    FINAL_STATES,
    MESSAGE_STATES,
    STATE_OUTCOMES,
    DeadLetter,
    Delivery,
    Message,
    MessageRecord,
    QueueEvent,
)
from .message_queue import MAX_PARTITIONS, ORDERINGS, WHEN_FULL, MessageQueue
from .results import LittlesLaw, QueueResults, QueueSummary, QueueTimeSeries
from .retry import BACKOFFS, JITTERS, MAX_SCHEDULE, RetryPolicy, backoff_delays
from .scenario import EXAMPLE_RETRIES, QueueScenario
from .simulation import MAX_EVENTS, MAX_MESSAGES, QueueSimulation, simulate

__all__ = [
    "ATTEMPT_OUTCOMES",
    "BACKOFFS",
    "EXAMPLE_RETRIES",
    "FINAL_STATES",
    "JITTERS",
    "MAX_CONSUMERS",
    "MAX_EVENTS",
    "MAX_MESSAGES",
    "MAX_PARTITIONS",
    "MAX_SCHEDULE",
    "MESSAGE_STATES",
    "ORDERINGS",
    "RETRY_POLICIES",
    "STATE_OUTCOMES",
    "WHEN_FULL",
    "BurstComparison",
    "ConsumerPool",
    "DeadLetter",
    "DeadLetterQueue",
    "Delivery",
    "Faults",
    "LittlesLaw",
    "Message",
    "MessageQueue",
    "MessageRecord",
    "QueueEvent",
    "QueueResults",
    "QueueScenario",
    "QueueSimulation",
    "QueueSummary",
    "QueueTimeSeries",
    "RetryPolicy",
    "RetryRow",
    "SyncRow",
    "WorkerRow",
    "backoff_delays",
    "compare_retries",
    "failure_drill",
    "retry_row",
    "ride_burst",
    "simulate",
    "sync_vs_queue",
    "worker_sweep",
]
