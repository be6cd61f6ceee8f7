"""Every public callable of lesson 6 (the domain, its lab and its picture), one bad argument at a time.

Each probe is one good call; `accepts` lists the bad values that are in fact valid for a parameter
(a seed may be -1, a time 0, an optional setting None, a name the text "x"). Anything else must be
refused with a ValueError or TypeError that names the parameter.

The values the library builds and hands back (`DesignRecord`, `PartStats`, `DesignSummary`,
`DesignTimeSeries`, `Verdict`, `DesignCheck`) hold what they are given, like any tuple or record: they
are probed with every field skipped, so the sweep still lists them.
"""

import matplotlib.pyplot as plt
import networkx as nx
import pytest

import course.design as design_module
import course.labs.design as lab_module
import course.viz.design as viz_module
from course.balancing import HealthCheck
from course.design import (
    Design,
    DesignCheck,
    DesignRecord,
    DesignResults,
    DesignSummary,
    DesignTimeSeries,
    Estimate,
    EventStream,
    Failure,
    Link,
    PartStats,
    Requirements,
    Tier,
    Verdict,
    WorkQueue,
    check_design,
    components_for,
    estimate,
    instances_for,
    offered_load,
    peak_rate,
    simulate,
    utilization,
)
from course.design.results import Figures
from course.gateway import Client, Endpoint, Route
from course.labs.design import design_lab, design_view
from course.messaging import RetryPolicy
from course.sim import Poisson
from course.viz.design import (
    design_graph,
    design_layout,
    draw_answer_p99,
    draw_backlogs,
    draw_design,
    draw_design_dashboard,
    draw_design_outcomes,
)
from tests.bad_input import Probe, cases, expected, method, public_callables, quietly, record, verdict

SEEDS = {"-1", "0", "1e9"}
TEXT = {"string"}
RIDES = Design.example("rides")
RUN = simulate(RIDES, until=4, seed=0)
REQUIREMENTS = Requirements(peak_rps=40, p99=1.0)


PARTS = [
    Probe(
        Tier,
        {
            "name": "booking",
            "instances": 2,
            "workers": 2,
            "service_time": 0.05,
            "concurrency": 8,
            "strategy": "round_robin",
            "health": HealthCheck(),
            "pin": False,
            "stores": False,
        },
        accepts={"name": TEXT, "health": {"None"}, "pin": {"True"}, "stores": {"True"}},
    ),
    Probe(
        WorkQueue,
        {
            "name": "jobs",
            "workers": 2,
            "processing": 0.5,
            "capacity": 10,
            "when_full": "reject",
            "retry": RetryPolicy(),
            "visibility_timeout": 30.0,
        },
        accepts={"name": TEXT, "workers": {"0"}, "capacity": {"None"}},
    ),
    Probe(
        EventStream,
        {"name": "log", "partitions": 4, "groups": {"readers": 2}, "processing": 0.01, "batch": 10},
        accepts={"name": TEXT},
    ),
    Probe(
        Link,
        {
            "source": "a",
            "target": "b",
            "mode": "sync",
            "share": 1.0,
            "timeout": 0.5,
            "retries": 1,
            "retry_budget": 0.1,
            "breaker": None,
            "fallback": False,
            "cost": 1.0,
        },
        accepts={
            "source": TEXT,
            "target": TEXT,
            "timeout": {"None"},
            "retries": {"0"},
            "retry_budget": {"None", "0"},
            "breaker": {"None"},
            "fallback": {"True"},
        },
    ),
    Probe(
        Failure,
        {"kind": "slow", "target": "pricing", "at": 1.0, "until": 5.0, "factor": 10.0},
        accepts={"target": TEXT, "at": {"0"}, "until": {"None"}},
    ),
]

DESIGN = [
    Probe(
        Design,
        {
            "name": "custom",
            "clients": (Client("app", Poisson(5), key="k"),),
            "mix": (Endpoint("GET", "/x"),),
            "routes": (Route("/x", "web"),),
            "tiers": (Tier("web"),),
            "queues": (),
            "streams": (),
            "links": (),
            "gateway": True,
            "auth": None,
            "limiter": None,
            "cache": None,
            "admission": None,
            "gateway_timeout": 2.0,
            "overhead": 0.001,
            "anonymous_share": 0.0,
            "failures": (),
            "client_retry": None,
            "keep_records": True,
            "notes": (),
        },
        accepts={
            "name": TEXT,
            "auth": {"None"},
            "limiter": {"None"},
            "cache": {"None"},
            "admission": {"None"},
            "overhead": {"0"},
            "anonymous_share": {"0"},
            "client_retry": {"None"},
            "gateway": {"True"},
            "keep_records": {"True"},
        },
    ),
    Probe(
        Design.example,
        {
            "name": "rides",
            "rate": 40.0,
            "spike": 3.0,
            "instances": 3,
            "partitions": 6,
            "queue_capacity": 300,
            "workers": None,
            "failure": "none",
            "gateway": True,
            "queue": True,
            "stream": True,
            "guards": False,
            "shedding": False,
            "client_retries": 0,
            "backoff": False,
        },
        accepts={"rate": {"0"}, "workers": {"None"}, "client_retries": {"0"}}
        | {flag: {"True"} for flag in ("gateway", "queue", "stream", "guards", "shedding", "backoff")},
        name="Design.example",
    ),
    Probe(
        Design.replace,
        {"name": "other"},
        accepts={"name": TEXT},
        call=method(lambda: RIDES, "replace"),
        name="Design.replace",
    ),
    Probe(
        Design.at_rate, {"rate": 50.0}, accepts={"rate": {"0"}}, call=method(lambda: RIDES, "at_rate"), name="at_rate"
    ),
    Probe(Design.part, {"name": "booking"}, call=method(lambda: RIDES, "part"), name="Design.part"),
    Probe(
        Design.links_from,
        {"name": "booking"},
        accepts={"name": TEXT},  # a name with no links has none
        call=method(lambda: RIDES, "links_from"),
        name="Design.links_from",
    ),
]

ENVELOPE = [
    Probe(
        Estimate,
        {
            "daily_users": 1000,
            "requests_per_user": 10.0,
            "peak_factor": 3.0,
            "write_share": 0.2,
            "bytes_per_write": 1000,
            "copies": 3,
            "bytes_per_response": 2000,
        },
        accepts={
            "daily_users": {"1e9"},  # a billion users a day is a real planet-sized service
            "write_share": {"0"},
            "bytes_per_write": {"0", "1e9"},
            "bytes_per_response": {"0", "1e9"},
        },
    ),
    Probe(estimate, {"daily_users": 1000, "requests_per_user": 10.0}, accepts={"daily_users": {"1e9"}}),
    Probe(
        instances_for,
        {"rate": 100.0, "service_time": 0.05, "workers": 2, "utilization": 0.7},
        accepts={"rate": {"0"}},
    ),
    Probe(offered_load, {"design": RIDES, "rate": 50.0}, accepts={"rate": {"0", "None"}}),
    Probe(utilization, {"design": RIDES, "rate": 50.0}, accepts={"rate": {"0", "None"}}),
    Probe(peak_rate, {"design": RIDES, "until": 30.0, "steps": 100}),
]

INTERVIEW = [
    Probe(
        Requirements,
        {"peak_rps": 40.0, "p99": 1.0, "served": 0.99, "durable": False, "fan_out": 1, "result_in_answer": False},
        accepts={"durable": {"True"}, "result_in_answer": {"True"}},
    ),
    Probe(
        check_design,
        {"design": RIDES, "requirements": REQUIREMENTS, "until": 5.0, "seed": 0},
        accepts={"seed": SEEDS},
    ),
    Probe(components_for, {"requirements": REQUIREMENTS, "slow_work": False}, accepts={"slow_work": {"True"}}),
    record(Verdict, {"topic": "peak", "ok": True, "text": "fine"}),
    record(DesignCheck, {"design": RIDES, "requirements": REQUIREMENTS, "results": RUN, "verdicts": ()}),
]

RESULTS = [
    Probe(simulate, {"design": RIDES, "until": 3.0, "seed": 0}, accepts={"seed": SEEDS}),
    Probe(
        DesignResults,
        {
            "design": RIDES,
            "until": 4.0,
            "seed": 0,
            "columns": RUN.columns,
            "paths": None,
            "answered_by": None,
            "figures": RUN.figures,
        },
        accepts={"seed": SEEDS, "paths": {"None"}, "answered_by": {"None"}},
    ),
    Probe(
        DesignResults.timeseries,
        {"bin": 1.0},
        accepts={"bin": {"1e9"}},  # one bin for the whole run
        call=method(lambda: RUN, "timeseries"),
        name="DesignResults.timeseries",
    ),
    Probe(DesignResults.part, {"name": "booking"}, call=method(lambda: RUN, "part"), name="DesignResults.part"),
    record(DesignRecord, dict(zip(DesignRecord._fields, RUN.records[0], strict=True))),
    record(PartStats, dict(zip(PartStats._fields, RUN.parts()[0], strict=True))),
    record(DesignSummary, RUN.summary().__dict__),
    record(DesignTimeSeries, {"t": [0.0], "arrivals": [1], "outcomes": {}, "p99": [0.1], "backlogs": {}}),
    record(Figures, RUN.figures.__dict__),
]

AX = {"ax": {"None"}}
VIZ = [
    Probe(design_graph, {"results": RUN}),
    Probe(design_layout, {"graph": nx.DiGraph([("clients", "gateway")])}),
    Probe(draw_design, {"results": RUN, "ax": None}, accepts=AX, call=quietly(draw_design)),
    Probe(
        draw_design_outcomes,
        {"results": RUN, "ax": None, "bin": 1.0},
        accepts={"bin": {"1e9"}, **AX},
        call=quietly(draw_design_outcomes),
    ),
    Probe(
        draw_backlogs,
        {"results": RUN, "ts": None, "ax": None},
        accepts={"ts": {"None"}, **AX},
        call=quietly(draw_backlogs),
    ),
    Probe(
        draw_answer_p99,
        {"results": RUN, "ts": None, "ax": None},
        accepts={"ts": {"None"}, **AX},
        call=quietly(draw_answer_p99),
    ),
    Probe(
        draw_design_dashboard,
        {"results": RUN, "bin": 1.0},
        accepts={"bin": {"1e9"}},
        call=quietly(draw_design_dashboard),
    ),
]

LAB = [
    Probe(design_lab, {"seed": 0}, accepts={"seed": SEEDS}, call=quietly(design_lab)),
    Probe(
        design_view,
        {
            "name": "rides",
            "rate": 40,
            "instances": 3,
            "partitions": 6,
            "queue_capacity": 300,
            "failure": "none",
            "seed": 0,
        },
        accepts={"rate": {"0"}, "seed": SEEDS},
        call=quietly(design_view),
    ),
]

ALL = PARTS + DESIGN + ENVELOPE + INTERVIEW + RESULTS + VIZ + LAB


@pytest.mark.parametrize(("probe", "param", "bad"), list(cases(ALL)))
def test_bad_input_gets_a_clear_answer(probe, param, bad):
    assert verdict(probe, param, bad) == expected(probe, param, bad)


@pytest.mark.parametrize("module", [design_module, lab_module, viz_module], ids=lambda m: m.__name__)
def test_every_public_callable_has_a_probe(module):
    probed = [p.target for p in ALL]
    missing = {name for name in public_callables(module) if not any(getattr(module, name) is t for t in probed)}
    assert not missing, f"no probe in the sweep for {sorted(missing)}"


def test_the_good_call_of_every_probe_succeeds():
    for probe in ALL:
        probe.run(dict(probe.kwargs))  # a probe whose good call fails would make every verdict meaningless
    plt.close("all")
