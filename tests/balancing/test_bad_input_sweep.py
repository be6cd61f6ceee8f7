"""Every public callable of lesson 2 (the domain, its lab and its pictures), one bad argument at a time.

Each probe is one good call; `accepts` lists the bad values that are in fact valid for a parameter
(a seed may be -1, a queue capacity 0, an optional setting None). Anything else must be refused with
a ValueError or TypeError that names the parameter: no raw error from deep inside, no hang, no NaN or
infinity quietly turned into a number.
"""

import matplotlib.pyplot as plt
import networkx as nx
import pytest

import course.balancing as balancing
import course.labs.balancer as lab_module
import course.viz.balancing as viz_balancing
import course.viz.balancing_compare as viz_compare
import course.viz.hash_ring as viz_ring
from course.balancing import (
    L4,
    L7,
    TLS,
    Arrival,
    Autoscaler,
    Backend,
    BackendStats,
    BalancerRecord,
    BalancerResults,
    BalancerScenario,
    BalancerSummary,
    BalancerTimeSeries,
    Candidate,
    ConsistentHash,
    ConsistentHashRing,
    EmptyRingError,
    HealthCheck,
    HealthState,
    IPHash,
    L7Route,
    LeastConnections,
    Outage,
    OutageReport,
    PassiveCheck,
    PeakEWMA,
    PowerOfTwo,
    RandomChoice,
    RoundRobin,
    Scale,
    ScaleReport,
    Slowdown,
    Strategy,
    WeightedRoundRobin,
    Workload,
    as_layer,
    backend_pool,
    balls_into_bins,
    caveats,
    keys_moved,
    layers_alike,
    make_strategy,
    simulate,
    stable_hash,
)
from course.labs.balancer import balancer_lab, balancer_view
from course.viz.balancing import (
    balancer_graph,
    balancer_layout,
    draw_backend_states,
    draw_balancer,
    draw_balancer_dashboard,
    draw_latency_percentiles,
    draw_outcomes_over_time,
)
from course.viz.balancing_compare import draw_bins, draw_shares, draw_strategy_tails
from course.viz.hash_ring import draw_keys_moved, draw_ring
from tests.bad_input import BAD, Probe, cases, expected, method, public_callables, quietly, verdict

SEEDS = {"-1", "0", "1e9"}  # any whole number is a seed
SMALL = BalancerScenario(backends=2, workload=Workload(rate=20), failures=(Outage("b1", at=0.5),))
RUN = simulate(SMALL, until=2)
TS = RUN.timeseries()
RING = ConsistentHashRing(["a", "b"], vnodes=3)


RECORD = dict(
    request=0,
    arrival=1.0,
    start=1.0,
    end=1.25,
    backend="b0",
    outcome="served",
    attempts=1,
    connection=0,
    client=7,
    note="",
)
STATS = dict(
    name="b0",
    speed=1.0,
    weight=1.0,
    sent=10,
    served=9,
    failed=1,
    rejected=0,
    sent_while_dead=1,
    share=0.5,
    utilization=0.4,
    mean_in_flight=0.5,
    max_in_flight=3,
    p99=0.2,
    added=0.0,
    removed=None,
    timeline=((0.0, "up"),),
)
SUMMARY = dict(
    requests=11,
    served=8,
    failed=1,
    rejected=1,
    timed_out=1,
    unfinished=0,
    busiest="b0",
    sent_to_dead=1,
    died="b1",
    died_at=1.0,
    detection=0.5,
    p50=0.05,
    p95=0.1,
    p99=0.2,
    busiest_utilization=0.7,
    died_how="crashed",
    caveats=(),
)
SERIES = dict(
    t=[0.0], arrivals=[1], served=[1], failed=[0], rejected=[0], timed_out=[0], p50=[0.1], p95=[0.1], p99=[0.1]
)
ARRIVAL = dict(
    id=0,
    arrival=0.5,
    client=7,
    connection=0,
    key="client-7",
    path="/api",
    header="",
    cost=0.01,
    first=True,
    last=True,
    protocol="http1",
    method="GET",
)
EXAMPLE = dict(
    rate=70,
    backends=5,
    spread=0.0,
    cv=1.0,
    strategy="round robin",
    interval=2.0,
    fall=3,
    rise=2,
    failure="none",
    layer="L7",
    websockets=0.0,
    http2=0.0,
)
EXAMPLE_ACCEPTS = {knob: {"0"} for knob in ("rate", "spread", "cv", "interval", "websockets", "http2")}
WORKLOAD = dict(
    rate=10,
    service=0.01,
    clients=10,
    keys=None,
    requests_per_connection=1.0,
    gap=0.1,
    websocket_share=0.0,
    http2_share=0.0,
    long_rate=2.0,
    long_duration=60.0,
    paths={"/api": 1.0},
    headers={"": 1.0},
    methods={"GET": 1.0},
)

DOMAIN = [
    Probe(simulate, {"scenario": SMALL, "until": 2, "seed": 0}, accepts={"seed": SEEDS}),
    Probe(
        BalancerScenario,
        {
            "backends": 2,
            "strategy": "round_robin",
            "workload": Workload(rate=10),
            "layer": "L7",
            "health": None,
            "passive": None,
            "failures": (),
            "retries": 0,
            "connect_timeout": 1.0,
            "response_timeout": 5.0,
            "scaling": (),
            "autoscaler": None,
            "tls": None,
        },
        accepts={"health": {"None"}, "passive": {"None"}, "autoscaler": {"None"}, "tls": {"None"}}
        | {"retries": {"0"}, "connect_timeout": {"0"}, "response_timeout": {"0"}},
    ),
    Probe(BalancerScenario.example, EXAMPLE, accepts=EXAMPLE_ACCEPTS, name="BalancerScenario.example"),
    Probe(
        BalancerScenario.timer_events, {"until": 20}, call=method(lambda: SMALL, "timer_events"), name="timer_events"
    ),
    Probe(
        BalancerScenario.backend_name,
        {"ref": "b1"},
        accepts={"ref": {"0"}},
        call=method(lambda: SMALL, "backend_name"),
        name="BalancerScenario.backend_name",
    ),
    Probe(
        Workload, WORKLOAD, accepts={"rate": {"0"}, "keys": {"None"}, "websocket_share": {"0"}, "http2_share": {"0"}}
    ),
    Probe(
        Workload.arrivals,
        {"until": 2, "seed": 0},
        accepts={"seed": SEEDS},
        call=method(lambda: Workload(rate=10), "arrivals"),
        name="Workload.arrivals",
    ),
    Probe(
        Workload.expected_requests,
        {"until": 2},
        call=method(lambda: Workload(rate=10), "expected_requests"),
        name="Workload.expected_requests",
    ),
    Probe(Workload.websocket_heavy, {"rate": 10, "share": 0.5}, accepts={"rate": {"0"}, "share": {"0"}}),
    Probe(Workload.http2_heavy, {"rate": 10, "share": 0.5}, accepts={"rate": {"0"}, "share": {"0"}}),
    Probe(
        Arrival,
        ARRIVAL,
        accepts={"id": {"0"}, "arrival": {"0"}, "client": {"0"}, "connection": {"0"}, "cost": {"0"}}
        | {"key": {"string"}, "path": {"string"}, "header": {"string"}}
        | {"first": {"True"}, "last": {"True"}},
    ),
    Probe(
        Backend,
        {"speed": 1.0, "weight": 1.0, "servers": 1, "queue_capacity": 50, "name": ""},
        accepts={"speed": {"1e9"}, "weight": {"1e9"}, "queue_capacity": {"0", "None"}, "name": {"string"}},
    ),
    Probe(
        backend_pool, {"backends": 3, "spread": 0.5, "weighted": False}, accepts={"spread": {"0"}, "weighted": {"True"}}
    ),
    Probe(HealthState, {"fall": 3, "rise": 2, "up": True}, accepts={"up": {"True"}}),
    Probe(HealthState.observe, {"ok": True}, accepts={"ok": {"True"}}, call=method(HealthState, "observe")),
    Probe(HealthState.replay, {"results": [True, False]}, call=method(HealthState, "replay")),
    Probe(HealthCheck, {"interval": 2.0, "fall": 3, "rise": 2, "timeout": 1.0}, accepts={"timeout": {"0"}}),
    Probe(
        HealthCheck.detection_window,
        {"kind": "crash"},
        call=method(HealthCheck, "detection_window"),
        name="HealthCheck.detection_window",
    ),
    Probe(PassiveCheck, {"failures": 3, "ejection": 10.0}),
    Probe(
        Outage,
        {"backend": "b0", "at": 1.0, "until": 5.0, "kind": "crash"},
        accepts={"backend": {"0", "string"}, "at": {"0"}, "until": {"None"}},
    ),
    Probe(
        Slowdown,
        {"backend": "b0", "at": 1.0, "factor": 4.0, "until": 5.0},
        accepts={"backend": {"0", "string"}, "at": {"0"}, "until": {"None"}},
    ),
    Probe(TLS, {"handshake": 0.002, "per_request": 0.0002}, accepts={"handshake": {"0"}, "per_request": {"0"}}),
    Probe(L4, {"terminate_tls": False, "workers": 2}, accepts={"terminate_tls": {"True"}}),
    Probe(
        L7,
        {"routes": (), "workers": 2, "cache_ttl": 0.0, "cacheable": ("/static",)},
        accepts={"cache_ttl": {"0"}, "cacheable": {"string"}},
    ),
    Probe(
        L7Route,
        {"path": "/static", "header": None, "backends": ("b0",)},
        accepts={"path": {"string"}, "header": {"None"}},
    ),
    Probe(as_layer, {"layer": "L4"}),
    Probe(
        Scale,
        {"at": 1.0, "to": 3, "startup": 0.0, "template": None},
        accepts={"at": {"0"}, "startup": {"0"}, "template": {"None"}},
    ),
    Probe(
        Autoscaler,
        {
            "target": 0.6,
            "interval": 5.0,
            "min_backends": 1,
            "max_backends": 20,
            "startup": 2.0,
            "tolerance": 0.1,
            "stabilization": 30.0,
            "template": None,
        },
        accepts={"startup": {"0"}, "tolerance": {"0"}, "stabilization": {"0"}, "template": {"None"}},
    ),
    Probe(
        Autoscaler.desired,
        {"backends": 4, "utilization": 0.9},
        accepts={"utilization": {"0"}},
        call=method(Autoscaler, "desired"),
        name="Autoscaler.desired",
    ),
    Probe(
        Candidate,
        {"name": "b0", "index": 0, "weight": 1.0, "in_flight": 0},
        accepts={"name": {"string"}} | {"index": {"0"}, "weight": {"1e9"}, "in_flight": {"0"}},
    ),
    *(
        Probe(kind, {"seed": 0}, accepts={"seed": SEEDS})
        for kind in (Strategy, RoundRobin, WeightedRoundRobin, RandomChoice, LeastConnections, PowerOfTwo, IPHash)
    ),
    Probe(PeakEWMA, {"tau": 1.0, "seed": 0}, accepts={"seed": SEEDS}),
    Probe(ConsistentHash, {"vnodes": 100, "seed": 0}, accepts={"seed": SEEDS}),
    Probe(make_strategy, {"strategy": "random", "seed": 0}, accepts={"seed": SEEDS}),
    Probe(ConsistentHashRing, {"nodes": ["a", "b"], "vnodes": 10}),
    Probe(
        ConsistentHashRing.add,
        {"node": "c"},
        accepts={"node": {"-1", "0", "1e9", "string"}},
        call=method(lambda: ConsistentHashRing(["a"]), "add"),
        name="ConsistentHashRing.add",
    ),
    Probe(keys_moved, {"keys": ["k1", "k2"], "before": ["a"], "after": ["a", "b"], "method": "ring", "vnodes": 10}),
    Probe(
        balls_into_bins,
        {"n_balls": 10, "n_bins": 5, "choices": 2, "seed": 0},
        accepts={"n_balls": {"0"}} | {"seed": SEEDS},
    ),
    Probe(stable_hash, {"text": "client-1"}, accepts={"text": set(BAD)}),  # anything has a text form
    Probe(
        EmptyRingError,
        {"message": "no nodes"},
        call=lambda kw: EmptyRingError(kw["message"]),
        skip=frozenset({"message"}),
    ),
    Probe(
        BalancerRecord,
        RECORD,
        accepts={"request": {"0"}, "arrival": {"0"}, "backend": {"string"}, "attempts": {"0"}}
        | {"connection": {"0"}, "client": {"0"}, "note": {"string"}},
    ),
    Probe(
        BackendStats,
        STATS,
        accepts={name: {"0"} for name in ("sent", "served", "failed", "rejected", "sent_while_dead", "max_in_flight")}
        | {"share": {"0"}, "utilization": {"0"}, "mean_in_flight": {"0", "1e9"}, "p99": {"0", "nan"}, "added": {"0"}}
        | {"removed": {"None", "0"}, "speed": {"1e9"}, "weight": {"1e9"}, "name": {"string"}},
    ),
    Probe(
        OutageReport,
        {
            "backend": "b2",
            "died": 10.0,
            "recovered": 25.0,
            "marked_down": 15.0,
            "sent_while_dead": 233,
            "kind": "crash",
        },
        accepts={"backend": {"string"}, "died": {"0"}, "recovered": {"None"}, "marked_down": {"None"}}
        | {"sent_while_dead": {"0"}},
    ),
    Probe(
        ScaleReport,
        {"time": 10.0, "before": ("b0",), "after": ("b0", "b1"), "reason": "scheduled", "keys_moved": 0.2},
        accepts={"time": {"0"}, "reason": {"string"}, "keys_moved": {"None", "0"}},
    ),
    Probe(
        BalancerSummary,
        SUMMARY,
        accepts={"sent_to_dead": {"0"}, "busiest": {"string"}, "died": {"string"}, "died_at": {"None", "0"}}
        | {"detection": {"None", "0"}, "busiest_utilization": {"0"}, "unfinished": {"0"}}
        | {name: {"0", "nan"} for name in ("p50", "p95", "p99")},
    ),
    Probe(caveats, {"results": RUN}),
    Probe(layers_alike, {"results": RUN}),
    Probe(BalancerTimeSeries, {**SERIES, "per_backend": {"b0": [1]}}),
    Probe(
        BalancerResults,
        {
            "scenario": SMALL,
            "records": [],
            "until": 2.0,
            "backends": [],
            "outages": [],
            "scaling": [],
            "instances": [],
            "tls_seconds": None,
        },
        accepts={"tls_seconds": {"None"}},
    ),
    Probe(
        BalancerResults.timeseries,
        {"bin": 1.0},
        accepts={"bin": {"1e9"}},
        call=method(lambda: RUN, "timeseries"),
        name="BalancerResults.timeseries",
    ),
    Probe(BalancerResults.backend, {"name": "b0"}, call=method(lambda: RUN, "backend"), name="BalancerResults.backend"),
    Probe(
        BalancerResults.latencies,
        {"backend": "b0"},
        accepts={"backend": {"None"}},
        call=method(lambda: RUN, "latencies"),
        name="BalancerResults.latencies",
    ),
    Probe(
        BalancerResults.outcomes,
        {"attribute": "outcome"},
        call=method(lambda: RUN, "outcomes"),
        name="BalancerResults.outcomes",
    ),
    Probe(
        BackendStats.state_at,
        {"t": 1.0},
        accepts={"t": {"0"}},
        call=method(lambda: RUN.backends[0], "state_at"),
        name="BackendStats.state_at",
    ),
]

LAB = [
    Probe(balancer_lab, {"seed": 0}, accepts={"seed": SEEDS}, call=quietly(balancer_lab)),
    Probe(
        balancer_view,
        {**EXAMPLE, "seed": 0},
        accepts={**EXAMPLE_ACCEPTS, "seed": SEEDS},
        call=quietly(balancer_view),
        name="balancer_view",
    ),
]

AX = {"ax": {"None"}}
VIZ = [
    Probe(balancer_graph, {"results": RUN}),
    Probe(balancer_layout, {"graph": nx.DiGraph([("clients", "balancer")])}),
    Probe(draw_balancer, {"results": RUN, "ax": None}, accepts=AX, call=quietly(draw_balancer)),
    Probe(draw_backend_states, {"results": RUN, "ax": None}, accepts=AX, call=quietly(draw_backend_states)),
    Probe(draw_outcomes_over_time, {"ts": TS, "ax": None}, accepts=AX, call=quietly(draw_outcomes_over_time)),
    Probe(draw_latency_percentiles, {"ts": TS, "ax": None}, accepts=AX, call=quietly(draw_latency_percentiles)),
    Probe(
        draw_balancer_dashboard,
        {"results": RUN, "bin": 1.0},
        accepts={"bin": {"1e9"}},
        call=quietly(draw_balancer_dashboard),
    ),
    Probe(draw_shares, {"results": {"run": RUN}, "ax": None, "what": "share"}, accepts=AX, call=quietly(draw_shares)),
    Probe(draw_strategy_tails, {"results": {"run": RUN}}, call=quietly(draw_strategy_tails)),
    Probe(draw_ring, {"ring": RING, "keys": ["k1"], "moved": [], "ax": None}, accepts=AX, call=quietly(draw_ring)),
    Probe(
        draw_keys_moved,
        {"nodes": [2, 3], "ring": [0.33, 0.25], "modulo": [0.67, 0.75], "ax": None},
        accepts=AX,
        call=quietly(draw_keys_moved),
    ),
    Probe(draw_bins, {"loads": {"one": [0, 1, 2]}, "ax": None}, accepts=AX, call=quietly(draw_bins)),
]


@pytest.mark.parametrize(("probe", "param", "bad"), list(cases(DOMAIN + LAB + VIZ)))
def test_bad_input_gets_a_clear_answer(probe, param, bad):
    assert verdict(probe, param, bad) == expected(probe, param, bad)


@pytest.mark.parametrize(
    "module",
    [balancing, lab_module, viz_balancing, viz_compare, viz_ring],
    ids=lambda m: m.__name__,
)
def test_every_public_callable_has_a_probe(module):
    probed = [p.target for p in DOMAIN + LAB + VIZ]
    missing = {name for name in public_callables(module) if not any(getattr(module, name) is t for t in probed)}
    assert not missing, f"no probe in the sweep for {sorted(missing)}"


def test_the_good_call_of_every_probe_succeeds():
    for probe in DOMAIN + LAB + VIZ:
        probe.run(dict(probe.kwargs))  # a probe whose good call fails would make every verdict meaningless
    plt.close("all")
