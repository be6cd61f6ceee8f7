"""Lesson 3, queues: a message queue with acks, visibility timeouts, retries, dead letters, partitions and backpressure.

>>> from course.messaging import QueueScenario, simulate, RetryPolicy, backoff_delays
"""

from .consumers import OUTCOMES, ConsumerPool, Faults
from .dead_letter import DeadLetterQueue
from .message import FINAL_STATES, STATES, DeadLetter, Delivery, Event, Message, MessageRecord
from .message_queue import ORDERINGS, WHEN_FULL, MessageQueue
from .results import Flow, LittlesLaw, QueueResults, QueueSummary, QueueTimeSeries
from .retry import BACKOFFS, JITTERS, MAX_SCHEDULE, RetryPolicy, backoff_delays
from .scenarios import (
    RETRY_POLICIES,
    BurstComparison,
    RetryRow,
    SyncRow,
    WorkerRow,
    compare_retries,
    failure_drill,
    process_images,
    retry_row,
    ride_burst,
    sync_vs_queue,
    worker_sweep,
)
from .simulation import MAX_EVENTS, MAX_MESSAGES, QueueScenario, QueueSimulation, simulate

__all__ = [
    "BACKOFFS",
    "FINAL_STATES",
    "JITTERS",
    "MAX_EVENTS",
    "MAX_MESSAGES",
    "MAX_SCHEDULE",
    "ORDERINGS",
    "OUTCOMES",
    "RETRY_POLICIES",
    "STATES",
    "WHEN_FULL",
    "BurstComparison",
    "ConsumerPool",
    "DeadLetter",
    "DeadLetterQueue",
    "Delivery",
    "Event",
    "Faults",
    "Flow",
    "LittlesLaw",
    "Message",
    "MessageQueue",
    "MessageRecord",
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
    "process_images",
    "retry_row",
    "ride_burst",
    "simulate",
    "sync_vs_queue",
    "worker_sweep",
]
