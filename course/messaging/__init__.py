"""Lesson 3, queues: a message queue with acks, visibility timeouts, retries, dead letters, partitions and backpressure.

One shape, as in every domain package: a frozen `QueueScenario` describes the system,
`simulate(scenario, until=..., seed=...)` runs it, and `QueueResults` holds what happened.

>>> from course.messaging import QueueScenario, simulate
>>> simulate(QueueScenario.example(), until=60).summary().accounted
True
"""

from .consumers import ATTEMPT_OUTCOMES, MAX_CONSUMERS, ConsumerPool, Faults
from .dead_letter import DeadLetterQueue
from .dependency import BREAKER_STATES, Call, CircuitBreaker, Dependency, DependencyState
from .experiments import BurstComparison, WorkerRow, ride_burst, worker_sweep
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
from .request_reply import (
    Reply,
    ReplyTimeSeries,
    RequestReplyResults,
    RequestReplySummary,
    SyncRow,
    request_reply,
    sync_vs_queue,
)
from .results import LittlesLaw, QueueResults, QueueSummary, QueueTimeSeries
from .retry import BACKOFFS, JITTERS, MAX_SCHEDULE, RetryPolicy, backoff_delays
from .scenario import EXAMPLE_RETRIES, QueueScenario
from .simulation import MAX_EVENTS, MAX_MESSAGES, QueueSimulation, simulate
from .storm import BREAKER, PAYMENTS, RETRY_POLICIES, RetryRow, compare_retries, failure_drill, retry_row

__all__ = [
    "ATTEMPT_OUTCOMES",
    "BACKOFFS",
    "BREAKER",
    "BREAKER_STATES",
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
    "PAYMENTS",
    "RETRY_POLICIES",
    "STATE_OUTCOMES",
    "WHEN_FULL",
    "BurstComparison",
    "Call",
    "CircuitBreaker",
    "ConsumerPool",
    "DeadLetter",
    "DeadLetterQueue",
    "Delivery",
    "Dependency",
    "DependencyState",
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
    "Reply",
    "ReplyTimeSeries",
    "RequestReplyResults",
    "RequestReplySummary",
    "RetryPolicy",
    "RetryRow",
    "SyncRow",
    "WorkerRow",
    "backoff_delays",
    "compare_retries",
    "failure_drill",
    "request_reply",
    "retry_row",
    "ride_burst",
    "simulate",
    "sync_vs_queue",
    "worker_sweep",
]
