"""Streams (lesson 4): partitioned logs, consumer groups, assignment, replication and windowing.

One shape, as in every domain package: a frozen scenario describes the system (`GroupScenario`,
`ReplicationScenario`, `WindowScenario`), `simulate(scenario, until=..., seed=...)` runs it, and
the results (`GroupResults`, `ReplicationResults`, `WindowResults`) hold flat records, a summary
and a time series. The assignors, the default partitioner (`partition_for`, shared with lesson 3
through `course.sim.hashing`) and the window assigners match Kafka and Flink exactly;
replication (acks, in-sync replicas, failover) and watermarks follow their rules on a
simplified clock, and each module names its simplifications.

>>> from course.streams import GroupScenario, assign, simulate, tumbling_window
>>> assign("range", {"rides": 3}, {"c0": ["rides"], "c1": ["rides"]})
{'c0': [('rides', 0), ('rides', 1)], 'c1': [('rides', 2)]}
>>> tumbling_window(61, size=60)
(60, 120)
>>> simulate(GroupScenario.example(consumers=8), until=2).summary().idle
4
"""

from course.sim.hashing import murmur2, partition_for

from .assignors import ASSIGNORS, Assignment, TopicPartition, assign, is_balanced, partitions_of
from .consumer_group import ConsumerGroup
from .delivery import COMMIT_MODES, DeliveryResult, Step, crash_demo
from .event_time import Event, event_stream
from .group_simulation import group_names
from .producer import Producer, draw_keys, partition_counts
from .rebalance import PROTOCOLS, Move, RebalanceDiff, RefusedSetting, check_protocol, rebalance_diff
from .records import (
    ClusterEvent,
    Dropped,
    Firing,
    LagSample,
    Missed,
    ProduceRecord,
    RebalanceEvent,
    ReplicaState,
    WatermarkStep,
)
from .replay import compact, count_by_key, replay
from .results import (
    GroupResults,
    GroupSummary,
    GroupTimeSeries,
    ReplicationResults,
    ReplicationSummary,
    ReplicationTimeSeries,
)
from .scenario import (
    ACKS,
    BROKER_FAILURES,
    CONSUMER_EVENTS,
    FAIL_MODES,
    TIME_MODES,
    GroupScenario,
    ReplicationScenario,
    WindowScenario,
)
from .simulation import simulate
from .sizing import PlanLoad, plan_load, plan_scenario, size_group
from .topic import LogRecord, Topic
from .window_results import WindowResults, WindowSummary, WindowTimeSeries
from .windows import (
    WINDOW_KINDS,
    Count,
    Session,
    Sliding,
    Tumbling,
    Window,
    assigner_for,
    count_window,
    describe,
    session_windows,
    sliding_windows,
    tumbling_window,
)

__all__ = [
    "ACKS",
    "ASSIGNORS",
    "BROKER_FAILURES",
    "COMMIT_MODES",
    "CONSUMER_EVENTS",
    "FAIL_MODES",
    "PROTOCOLS",
    "TIME_MODES",
    "WINDOW_KINDS",
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
    "GroupTimeSeries",
    "LagSample",
    "LogRecord",
    "Missed",
    "Move",
    "PlanLoad",
    "ProduceRecord",
    "Producer",
    "RebalanceDiff",
    "RebalanceEvent",
    "RefusedSetting",
    "ReplicaState",
    "ReplicationResults",
    "ReplicationScenario",
    "ReplicationSummary",
    "ReplicationTimeSeries",
    "Session",
    "Sliding",
    "Step",
    "Topic",
    "TopicPartition",
    "Tumbling",
    "WatermarkStep",
    "Window",
    "WindowResults",
    "WindowScenario",
    "WindowSummary",
    "WindowTimeSeries",
    "assign",
    "assigner_for",
    "check_protocol",
    "compact",
    "count_by_key",
    "count_window",
    "crash_demo",
    "describe",
    "draw_keys",
    "event_stream",
    "group_names",
    "is_balanced",
    "murmur2",
    "partition_counts",
    "partition_for",
    "partitions_of",
    "plan_load",
    "plan_scenario",
    "rebalance_diff",
    "replay",
    "session_windows",
    "simulate",
    "size_group",
    "sliding_windows",
    "tumbling_window",
]
