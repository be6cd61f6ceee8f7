"""Streams (lesson 4): partitioned logs, consumer groups, assignment, replication and windowing.

The assignors, the default partitioner and the window assigners match Kafka and Flink
exactly; replication (acks, in-sync replicas, failover) and watermarks follow their rules on
a simplified clock, and each module names its simplifications.

>>> from course.streams import assign, tumbling_window, sliding_windows, session_windows
>>> assign("range", {"rides": 3}, {"c0": ["rides"], "c1": ["rides"]})
{'c0': [('rides', 0), ('rides', 1)], 'c1': [('rides', 2)]}
>>> tumbling_window(61, size=60)
(60, 120)
"""

from .assignors import STRATEGIES, Assignment, TopicPartition, assign, is_balanced, partitions_of
from .consumer_group import ConsumerGroup
from .delivery import COMMIT_MODES, DeliveryResult, Step, crash_demo
from .event_time import Dropped, Event, Firing, WatermarkStep, WindowRun, event_stream, run_windows
from .group_sim import (
    GroupResults,
    GroupScenario,
    GroupSummary,
    LagSample,
    RebalanceEvent,
    group_names,
    simulate_groups,
)
from .producer import Producer, draw_keys, murmur2, partition_counts, partition_for
from .rebalance import PROTOCOLS, Move, RebalanceDiff, rebalance_diff
from .replay import count_by_key, replay
from .replication import (
    ACKS,
    ClusterEvent,
    ProduceRecord,
    ReplicaState,
    ReplicationResult,
    ReplicationScenario,
    ReplicationSummary,
    simulate_replication,
)
from .topic import LogRecord, Topic
from .windows import (
    Count,
    Session,
    Sliding,
    Tumbling,
    Window,
    count_window,
    session_windows,
    sliding_windows,
    tumbling_window,
)

__all__ = [
    "ACKS",
    "COMMIT_MODES",
    "PROTOCOLS",
    "STRATEGIES",
    "Assignment",
    "ClusterEvent",
    "ConsumerGroup",
    "Count",
    "DeliveryResult",
    "Dropped",
    "Event",
    "Firing",
    "GroupResults",
    "GroupScenario",
    "GroupSummary",
    "LagSample",
    "LogRecord",
    "Move",
    "ProduceRecord",
    "Producer",
    "RebalanceDiff",
    "RebalanceEvent",
    "ReplicaState",
    "ReplicationResult",
    "ReplicationScenario",
    "ReplicationSummary",
    "Session",
    "Sliding",
    "Step",
    "Topic",
    "TopicPartition",
    "Tumbling",
    "WatermarkStep",
    "Window",
    "WindowRun",
    "assign",
    "count_by_key",
    "count_window",
    "crash_demo",
    "draw_keys",
    "event_stream",
    "group_names",
    "is_balanced",
    "murmur2",
    "partition_counts",
    "partition_for",
    "partitions_of",
    "rebalance_diff",
    "replay",
    "run_windows",
    "session_windows",
    "simulate_groups",
    "simulate_replication",
    "sliding_windows",
    "tumbling_window",
]
