"""Every public callable of lesson 4 (course.streams, its lab and its drawings), one bad argument at a time.

Each `Probe` is one good call; `tests/bad_input.py` replaces one argument at a time with -1, 0, NaN, inf,
10**9, a string, None and True and expects a clear ValueError or TypeError naming that argument, except
where `accepts` lists the values that are valid there. No raw errors, no hangs, no silent NaN.

Records and results are outputs: the library builds them and a learner only reads them, so their
constructors check nothing (`record`, every parameter skipped); the methods that do take an argument
(`timeseries(bin)`, `paused(protocol)`, ...) are probed like everything else.
"""

from __future__ import annotations

import inspect
import types

import matplotlib.pyplot as plt
import pytest

import course.labs.streams as lab_module
import course.streams as streams
import course.viz.streams as viz_module
from course.labs.streams import replication_lab, replication_view, streams_lab, streams_view, windows_lab, windows_view
from course.streams import (
    ConsumerGroup,
    Count,
    Event,
    GroupScenario,
    LogRecord,
    Producer,
    ReplicationScenario,
    Session,
    Sliding,
    Topic,
    Tumbling,
    WindowScenario,
    assign,
    rebalance_diff,
    simulate,
)
from course.viz.streams import (
    broker_graph,
    broker_layout,
    draw_brokers,
    draw_consumer_groups,
    draw_group_dashboard,
    draw_lag_over_time,
    draw_partition_load,
    draw_rebalance_diffs,
    draw_replication_dashboard,
    draw_window_dashboard,
    draw_window_results,
    draw_window_timeline,
    draw_writes,
    group_graph,
    group_layout,
    rebalance_note,
)
from tests.bad_input import Probe, cases, expected, public_callables, verdict

SEEDS = {"-1", "0", "1e9"}  # any whole number is a seed
GROUPS = simulate(GroupScenario(crash_at=0.5), until=1)
REPLICATION = simulate(ReplicationScenario(fail_broker=0, fail_at=0.5), until=1)
WINDOWS = simulate(WindowScenario.example(), until=10)
DIFF = rebalance_diff({"c0": [("t", 0)], "c1": [("t", 1)]}, {"c1": [("t", 0), ("t", 1)]})
RECORD = LogRecord("rides", 0, 0, "paris", 1, 0.0)


def record(cls: type, **kwargs) -> Probe:
    """An output type: covered, with nothing to check (every parameter skipped)."""
    return Probe(cls, kwargs, skip=frozenset(kwargs))


def group(**kwargs) -> ConsumerGroup:
    topic = Topic("rides", 3)
    for p in range(3):
        topic.append(p, key="paris")
    return ConsumerGroup("dashboard", topic, ["c0", "c1"], **kwargs)


def method(name: str, make, kwargs: dict, **options) -> Probe:
    """A probe of `make().<name>(**kwargs)`, on a fresh object each time."""
    target = getattr(type(make()), name)
    return Probe(target, kwargs, call=lambda kw: getattr(make(), name)(**kw), name=f"{target.__qualname__}", **options)


SWEEP = [
    # ------------------------------------------------ topics, producers, groups
    Probe(Topic, {"name": "rides", "partitions": 3}, accepts={"name": {"string"}}),
    method(
        "append",
        lambda: Topic("rides", 3),
        {"partition": 0, "key": "k", "value": 1, "timestamp": 0.0},
        accepts={"partition": {"0"}, "timestamp": {"-1", "0", "1e9"}},
        skip=frozenset({"key", "value"}),
    ),
    method(
        "read",
        lambda: Topic("rides", 3),
        {"partition": 0, "offset": 0, "max_records": 5},
        accepts={"partition": {"0"}, "offset": {"0"}, "max_records": {"0", "None"}},
    ),
    method("end_offset", lambda: Topic("rides", 3), {"partition": 1}, accepts={"partition": {"0"}}),
    Probe(Producer, {"topic": Topic("rides", 3)}),
    method(
        "send",
        lambda: Producer(Topic("rides", 3)),
        {"key": "paris", "value": 1, "timestamp": 0.0},
        accepts={"key": {"-1", "0", "1e9", "string", "None"}, "timestamp": {"-1", "0", "1e9"}},
        skip=frozenset({"value"}),
    ),
    method(
        "partition",
        lambda: Producer(Topic("rides", 3)),
        {"key": "paris"},
        accepts={"key": {"-1", "0", "1e9", "string", "None"}},
    ),
    Probe(
        ConsumerGroup,
        {"name": "dashboard", "topics": Topic("rides", 3), "members": ["c0"], "strategy": "range", "protocol": "eager"},
        accepts={"name": {"string"}},
    ),
    method("poll", group, {"member": "c0", "max_records": 2, "paused": []}, accepts={"max_records": {"0", "None"}}),
    method("commit", group, {"members": "c0"}, accepts={"members": {"None"}}),
    method("join", group, {"member": "c2"}, accepts={"member": {"string"}}),
    method("leave", group, {"member": "c1"}),
    method("crash", group, {"member": "c1"}),
    method("owner", group, {"topic": "rides", "partition": 1}, accepts={"partition": {"0"}}),
    Probe(
        streams.draw_keys,
        {"n": 10, "keys": 5, "skew": 1.0, "seed": 0},
        accepts={"n": {"0"}, "skew": {"0"}, "seed": SEEDS},
    ),
    Probe(streams.partition_counts, {"keys": ["paris", "lyon"], "partitions": 3}),
    Probe(streams.partition_for, {"key": "paris", "partitions": 6}, accepts={"key": {"-1", "0", "1e9", "string"}}),
    Probe(streams.murmur2, {"data": b"paris"}),
    Probe(streams.group_names, {"groups": 2}),
    # ------------------------------------------------ assignment and rebalancing
    Probe(
        assign,
        {"strategy": "sticky", "topics": {"t": 2}, "subscriptions": {"c0": ["t"]}, "previous": None},
        accepts={"previous": {"None"}},
    ),
    Probe(streams.partitions_of, {"topics": {"t": 2}}),
    Probe(streams.is_balanced, {"assignment": {"c0": [("t", 0)]}, "subscriptions": {"c0": ["t"]}}),
    Probe(rebalance_diff, {"before": {"c0": [("t", 0)]}, "after": {"c1": [("t", 0)]}}),
    method("paused", lambda: DIFF, {"protocol": "eager"}),
    Probe(streams.check_protocol, {"strategy": "sticky", "protocol": "cooperative"}),
    record(streams.RefusedSetting),
    method("steps", lambda: DIFF, {"protocol": "cooperative"}),
    Probe(
        streams.crash_demo,
        {"commit": "after", "records": 10, "batch": 4, "crash_after": 6},
        accepts={"records": {"0"}, "crash_after": {"None"}},
    ),
    Probe(
        streams.replay,
        {"topic": Topic("rides", 2), "apply": streams.count_by_key, "initial": {}, "upto": None},
        accepts={"upto": {"None"}},
        skip=frozenset({"initial"}),
    ),
    Probe(streams.count_by_key, {"counts": {}, "record": RECORD}),
    Probe(streams.compact, {"records": [RECORD]}),
    # ------------------------------------------------ sizing a group
    Probe(streams.size_group, {"target": 1000, "consumer_rate": 120, "partition_rate": 100}),
    Probe(
        streams.plan_load,
        {"target": 1000, "consumer_rate": 120, "partition_rate": 100, "partitions": 10, "consumers": 9},
    ),
    Probe(streams.plan_scenario, {"target": 1000, "consumer_rate": 120, "partitions": 10, "consumers": 9}),
    # ------------------------------------------------ windows
    Probe(
        streams.tumbling_window,
        {"ts": 61, "size": 60, "offset": 0},
        accepts={"ts": {"-1", "0", "1e9"}, "size": {"1e9"}, "offset": {"-1", "0"}},
    ),
    Probe(
        streams.sliding_windows,
        {"ts": 7, "size": 10, "slide": 5, "offset": 0},
        accepts={"ts": {"-1", "0", "1e9"}, "offset": {"-1", "0"}},
    ),
    Probe(streams.session_windows, {"timestamps": [1, 2, 10], "gap": 3}, accepts={"gap": {"1e9"}}),
    Probe(streams.count_window, {"index": 3, "size": 3}, accepts={"index": {"0", "1e9"}}),
    Probe(Tumbling, {"size": 60, "offset": 0}, accepts={"size": {"1e9"}, "offset": {"-1", "0"}}),
    Probe(Sliding, {"size": 10, "slide": 5, "offset": 0}, accepts={"offset": {"-1", "0"}}),
    Probe(Session, {"gap": 30}, accepts={"gap": {"1e9"}}),
    Probe(Count, {"size": 3}),
    method("windows", lambda: Tumbling(60), {"ts": 61}, accepts={"ts": {"-1", "0", "1e9"}}),
    method("windows", lambda: Sliding(10, 5), {"ts": 7}, accepts={"ts": {"-1", "0", "1e9"}}),
    method("windows", lambda: Session(30), {"ts": 7}, accepts={"ts": {"-1", "0", "1e9"}}),
    Probe(streams.assigner_for, {"kind": "sliding", "size": 10}, accepts={"size": {"1e9"}}),
    Probe(streams.describe, {"assigner": Tumbling(10)}),
    Probe(
        Event,
        {"time": 1.0, "key": "paris", "value": 1, "arrival": 2.0},
        call=lambda kw: WindowScenario(events=[Event(**kw)]),
        accepts={"time": {"-1", "0"}, "value": {"-1", "0", "1e9"}, "arrival": {"1e9", "None"}},
        skip=frozenset({"key"}),
    ),
    Probe(
        streams.event_stream,
        {
            "rate": 2.0,
            "until": 10.0,
            "keys": ("a", "b"),
            "max_delay": 2.0,
            "straggler_fraction": 0.1,
            "straggler_delay": 5.0,
            "seed": 0,
        },
        accepts={
            "rate": {"0"},
            "max_delay": {"0"},
            "straggler_fraction": {"0"},
            "straggler_delay": {"0"},
            "seed": SEEDS,
        },
    ),
    # ------------------------------------------------ scenarios and the one verb
    Probe(
        GroupScenario,
        {
            "partitions": 6,
            "consumers": 3,
            "groups": 2,
            "strategy": "range",
            "protocol": "eager",
            "rate": 200.0,
            "consumer_rate": 100.0,
            "keys": 50,
            "skew": 0.0,
            "crash_at": 1.0,
            "join_at": None,
            "session_timeout": 1.0,
            "rebalance_time": 0.5,
            "commit_interval": 1.0,
            "tick": 0.1,
        },
        accepts={
            "rate": {"0"},
            "consumer_rate": {"0"},
            "skew": {"0"},
            "crash_at": {"0", "None"},
            "join_at": {"0", "None"},
            "session_timeout": {"0"},
            "rebalance_time": {"0"},
        },
    ),
    Probe(
        GroupScenario.example,
        {
            "partitions": 6,
            "consumers": 3,
            "groups": 2,
            "skew": 0.0,
            "strategy": "range",
            "protocol": "eager",
            "rate": 200,
            "event": "none",
        },
        accepts={"skew": {"0"}, "rate": {"0"}},
    ),
    Probe(
        ReplicationScenario,
        {
            "brokers": 3,
            "replication_factor": 3,
            "partitions": 3,
            "acks": "all",
            "min_insync_replicas": 2,
            "rate": 100.0,
            "fetch_interval": 0.05,
            "failover_time": 0.2,
            "fail_broker": 0,
            "fail_at": 5.0,
            "fail_mode": "stalls",
            "replica_lag_time_max": 1.0,
            "notes": (),
        },
        accepts={"acks": {"0"}, "rate": {"0"}, "failover_time": {"0"}, "fail_broker": {"0", "None"}, "fail_at": {"0"}},
    ),
    Probe(
        ReplicationScenario.example,
        {
            "rate": 100,
            "brokers": 3,
            "replication_factor": 3,
            "min_insync_replicas": 2,
            "acks": "all",
            "failure": "broker 0 dies",
        },
        accepts={"rate": {"0"}, "acks": {"0"}},
    ),
    method("replicas", lambda: ReplicationScenario(), {"partition": 1}, accepts={"partition": {"0"}}),
    Probe(
        WindowScenario,
        {
            "assigner": Tumbling(10),
            "out_of_orderness": 1.0,
            "allowed_lateness": 1.0,
            "time": "event",
            "events": [Event(1)],
            "rate": 2.0,
            "keys": ("a",),
            "max_delay": 1.0,
            "straggler_fraction": 0.1,
            "straggler_delay": 5.0,
            "flush": True,
        },
        accepts={
            "out_of_orderness": {"0"},
            "allowed_lateness": {"0"},
            "events": {"None"},
            "rate": {"0"},
            "max_delay": {"0"},
            "straggler_fraction": {"0"},
            "straggler_delay": {"0"},
            "flush": {"True"},
        },
    ),
    Probe(
        WindowScenario.example,
        {
            "size": 10,
            "kind": "tumbling",
            "out_of_orderness": 2.0,
            "allowed_lateness": 5.0,
            "max_delay": 3.0,
            "stragglers": 0.1,
            "time": "event",
        },
        accepts={
            "size": {"1e9"},
            "out_of_orderness": {"0"},
            "allowed_lateness": {"0"},
            "max_delay": {"0"},
            "stragglers": {"0"},
        },
    ),
    Probe(
        simulate,
        {"scenario": GroupScenario(), "until": 1.0, "seed": 0},
        accepts={"seed": SEEDS},
        name="simulate[groups]",
    ),
    Probe(
        simulate,
        {"scenario": ReplicationScenario(), "until": 1.0, "seed": 0},
        accepts={"seed": SEEDS},
        name="simulate[replication]",
    ),
    Probe(
        simulate,
        {"scenario": WindowScenario(), "until": 1.0, "seed": 0},
        accepts={"seed": SEEDS},
        name="simulate[windows]",
    ),
    # ------------------------------------------------ results: outputs, and the methods that take an argument
    method("timeseries", lambda: GROUPS, {"bin": 0.5}, accepts={"bin": {"1e9"}}),
    method("timeseries", lambda: REPLICATION, {"bin": 0.5}, accepts={"bin": {"1e9"}}),
    method("timeseries", lambda: WINDOWS, {"bin": 0.5}, accepts={"bin": {"1e9"}}),
    record(
        streams.GroupResults,
        scenario=None,
        records=[],
        until=1.0,
        produced=[],
        rebalances=[],
        initial_assignments={},
        assignments={},
        duplicates={},
    ),
    record(streams.ReplicationResults, scenario=None, records=[], until=1.0, events=[], replicas=[]),
    record(
        streams.WindowResults,
        scenario=None,
        records=[],
        until=1.0,
        events=[],
        dropped=[],
        missed=[],
        watermarks=[],
        pending=[],
    ),
    record(
        streams.GroupSummary,
        written=0,
        partitions=1,
        groups=1,
        idle=0,
        max_lag=0,
        final_lag=0,
        duplicates=0,
        rebalances=0,
    ),
    record(
        streams.ReplicationSummary,
        acks="all",
        writes=0,
        served=0,
        lost=0,
        rejected=0,
        failed=0,
        unfinished=0,
        unavailable=0,
        slowest_ack=0.0,
    ),
    record(
        streams.WindowSummary,
        events=0,
        windows=0,
        firings=0,
        late_refires=0,
        too_late=0,
        missed=0,
        short_windows=0,
        dropped=0,
        unfired=0,
    ),
    record(streams.GroupTimeSeries, t=[], written=[], lag={}),
    record(streams.ReplicationTimeSeries, t=[], counts={}),
    record(streams.WindowTimeSeries, t=[], arrived=[], late_refires=[], dropped=[]),
    record(streams.LagSample, t=0.0, group="g", partition=0, end_offset=0, committed=0, lag=0, owner=None),
    record(streams.RebalanceEvent, t=0.0, group="g", reason="crash c0", diff=DIFF),
    record(
        streams.ProduceRecord,
        id=0,
        partition=0,
        sent_at=0.0,
        status="served",
        reason="",
        offset=0,
        acked_at=0.0,
        leader=0,
    ),
    record(
        streams.ReplicaState,
        t=0.0,
        partition=0,
        broker=0,
        role="leader",
        alive=True,
        in_sync=True,
        log_end_offset=0,
        high_watermark=0,
    ),
    record(streams.ClusterEvent, t=0.0, kind="broker died", partition=-1, broker=0),
    record(streams.Firing, key="k", start=0, end=10, value=1, events=1, kind="on_time", watermark=10, seq=0, at=None),
    record(streams.Dropped, key="k", time=0, value=1, watermark=10, seq=0, at=None),
    record(streams.Missed, key="k", start=0, end=10, time=0, value=1, watermark=10, seq=0, at=None),
    record(streams.PlanLoad, partitions=1, consumers=1, busiest_partition=1.0, busiest_consumer=1.0, keeps_up=True),
    record(streams.WatermarkStep, seq=0, at=None, time=0, watermark=0),
    record(streams.LogRecord, topic="rides", partition=0, offset=0, key="k", value=1, timestamp=0.0),
    record(streams.Move, topic="t", partition=0, before="c0", after="c1"),
    record(streams.RebalanceDiff, before={}, after={}, records=[]),
    record(streams.DeliveryResult, commit="after", records=0, processed=[], steps=[]),
    record(streams.Step, step=0, consumer="c0", action="poll", offset=0),
    # ------------------------------------------------ drawings
    Probe(group_graph, {"results": GROUPS}),
    Probe(group_layout, {"partitions": 2, "members": {"dashboard": ["c0"]}}),
    Probe(draw_consumer_groups, {"results": GROUPS, "ax": None}, accepts={"ax": {"None"}}),
    Probe(draw_lag_over_time, {"results": GROUPS, "ax": None}, accepts={"ax": {"None"}}),
    Probe(draw_partition_load, {"counts": [3, 5], "ax": None}, accepts={"ax": {"None"}}),
    Probe(rebalance_note, {"results": GROUPS}),
    Probe(draw_group_dashboard, {"results": GROUPS}),
    Probe(draw_rebalance_diffs, {"diffs": {"range": DIFF}, "ax": None}, accepts={"ax": {"None"}}),
    Probe(broker_layout, {"scenario": ReplicationScenario()}),
    Probe(broker_graph, {"results": REPLICATION}),
    Probe(draw_brokers, {"results": REPLICATION, "ax": None}, accepts={"ax": {"None"}}),
    Probe(draw_writes, {"results": REPLICATION, "ax": None}, accepts={"ax": {"None"}}),
    Probe(draw_replication_dashboard, {"results": REPLICATION}),
    Probe(
        draw_window_timeline,
        {"results": WINDOWS, "grid": True, "ax": None},
        accepts={"grid": {"None", "True"}, "ax": {"None"}},
    ),
    Probe(
        draw_window_results,
        {"results": WINDOWS, "ax": None, "max_labels": 40},
        accepts={"ax": {"None"}, "max_labels": {"0"}},
    ),
    Probe(draw_window_dashboard, {"results": WINDOWS}),
    # ------------------------------------------------ labs
    Probe(streams_lab, {"seed": 0}, accepts={"seed": SEEDS}),
    Probe(replication_lab, {"seed": 0}, accepts={"seed": SEEDS}),
    Probe(windows_lab, {"seed": 0}, accepts={"seed": SEEDS}),
    Probe(lab_module.refusing, {"make": GroupScenario.example, "view": streams_view}),
    Probe(
        streams_view,
        {
            "partitions": 6,
            "consumers": 3,
            "groups": 2,
            "skew": 0.0,
            "strategy": "range",
            "protocol": "eager",
            "rate": 200,
            "event": "none",
            "seed": 0,
        },
        accepts={"skew": {"0"}, "rate": {"0"}, "seed": SEEDS},
        name="streams_view",
    ),
    Probe(
        replication_view,
        {
            "rate": 100,
            "brokers": 3,
            "replication_factor": 3,
            "min_insync_replicas": 2,
            "acks": "all",
            "failure": "broker 1 stalls",
            "seed": 0,
        },
        accepts={"rate": {"0"}, "acks": {"0"}, "seed": SEEDS},
        name="replication_view",
    ),
    Probe(
        windows_view,
        {
            "size": 10,
            "kind": "tumbling",
            "out_of_orderness": 2.0,
            "allowed_lateness": 5.0,
            "max_delay": 3.0,
            "stragglers": 0.1,
            "time": "event",
            "seed": 0,
        },
        accepts={
            "size": {"1e9"},
            "out_of_orderness": {"0"},
            "allowed_lateness": {"0"},
            "max_delay": {"0"},
            "stragglers": {"0"},
            "seed": SEEDS,
        },
        name="windows_view",
    ),
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(("probe", "param", "bad"), list(cases(SWEEP)))
def test_bad_input_gets_a_clear_answer(probe, param, bad, capsys):
    assert verdict(probe, param, bad) == expected(probe, param, bad)


@pytest.mark.parametrize("probe", SWEEP, ids=repr)
def test_every_probe_is_a_good_call(probe, capsys):
    probe.run(dict(probe.kwargs))  # the baseline must work, or every refusal above proves nothing


def covered(module: types.ModuleType) -> set[str]:
    names = set()
    for probe in SWEEP:
        for name in module.__all__:
            obj = getattr(module, name)
            if probe.target is obj or getattr(probe.target, "__self__", None) is obj:
                names.add(name)
    return names


@pytest.mark.parametrize("module", [streams, lab_module, viz_module], ids=lambda m: m.__name__)
def test_the_sweep_covers_every_public_callable(module):
    aliases = {name for name in module.__all__ if isinstance(getattr(module, name), types.GenericAlias)}
    public = public_callables(module) - aliases  # Assignment, TopicPartition, Window: type names, never called
    missing = sorted(public - covered(module))
    assert not missing, f"add a Probe for: {missing}"


def test_every_example_knob_is_probed():
    for make in (GroupScenario.example, ReplicationScenario.example, WindowScenario.example):
        probe = next(p for p in SWEEP if p.target == make)
        assert set(probe.kwargs) == set(inspect.signature(make).parameters)
