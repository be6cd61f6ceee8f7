"""The bad-input sweep of the shared layer: every public callable of `course.sim` (and the shared
drawing helpers of `course.viz`), one bad argument at a time, answers with a clear message naming
that argument, or accepts the value where it is valid, and never hangs."""

from __future__ import annotations

import math
import random
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
import pytest

import course.sim
import course.viz
from course.sim import (
    Constant,
    ConstantRate,
    Environment,
    Exponential,
    Flow,
    LogNormal,
    OnOff,
    Poisson,
    Results,
    RunResults,
    RushHour,
    ServerPool,
    Spike,
    SweepPoint,
    TimeVarying,
    Uniform,
    arrival_times,
    as_distribution,
    erlang_c,
    format_duration,
    mmc,
    mmc_theory,
    murmur2,
    outcome,
    partition_for,
    per_second,
    percentile,
    percentiles,
    run_pool,
    seconds,
    share,
    stable_hash,
    stream,
    utilization_sweep,
)
from course.viz import (
    draw_flow_graph,
    draw_latency_curve,
    fit_radius,
    layered_layout,
    progress,
    status_colour,
    utilization_colour,
)
from tests.bad_input import BAD, Probe, cases, expected, public_callables, verdict

SEEDS = {"-1", "0", "1e9"}  # any whole number is a seed
ALL = set(BAD)


def env_with_events() -> Environment:
    env = Environment()
    for t in (1.0, 2.0, 3.0):
        env.schedule(t, lambda: None)
    return env


def small_results() -> Results:
    return run_pool(ConstantRate(rate=2), service=0.2, until=5)


def drawn(draw: Any) -> Any:
    """Call a drawing function and close whatever figure it opened."""

    def call(kwargs: dict[str, Any]) -> Any:
        try:
            return draw(**kwargs)
        finally:
            plt.close("all")

    return call


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_edge("client", "gateway", flow=10)
    return g


def method(make: Any, name: str) -> Any:
    return lambda kwargs: getattr(make(), name)(**kwargs)


RNG = random.Random(0)
SOURCES = [
    (Poisson(rate=5), {}),
    (ConstantRate(rate=5), {}),
    (TimeVarying(lambda t: 1.0, peak=2.0), {}),
    (OnOff(on_rate=10, on=1.0, off=2.0), {}),
    (Spike(base=1, peak=10, start=5, duration=2), {}),
    (RushHour(base=1, peak=10, at=60, width=10), {}),
]

SIM = [
    # the kernel
    Probe(stream, {"seed": 0, "name": "arrivals"}, accepts={"seed": SEEDS, "name": {"string"}}),
    Probe(Environment, {"start": 0.0}, accepts={"start": {"0", "1e9"}}),
    Probe(
        Environment.schedule,
        {"delay": 1.0, "callback": print},
        call=method(Environment, "schedule"),
        accepts={"delay": {"0", "1e9"}},
    ),
    Probe(
        Environment.schedule_at,
        {"time": 1.0, "callback": print},
        call=method(Environment, "schedule_at"),
        accepts={"time": {"0", "1e9"}},
    ),
    Probe(Environment.cancel, {"ticket": 1}, call=method(env_with_events, "cancel"), accepts={"ticket": {"0"}}),
    Probe(
        Environment.run,
        {"until": 5.0, "max_events": 1000},
        call=method(env_with_events, "run"),
        accepts={"until": {"0", "1e9", "None"}},
    ),
    Probe(Environment.feed, {"times": [0.5, 1.0], "callback": print}, call=method(Environment, "feed")),
    # service times
    Probe(Exponential, {"rate": 2.0}),
    Probe(Constant, {"value": 0.1}),
    Probe(Uniform, {"low": 0.1, "high": 0.3}, accepts={"low": {"0"}}),
    Probe(LogNormal, {"mean": 0.2, "cv": 1.0}, accepts={"cv": {"0"}}),
    Probe(as_distribution, {"value": 0.25}),
    Probe(
        as_distribution,
        {"value": 0.25, "name": "service"},
        accepts={"name": {"string"}},
        skip=frozenset({"value"}),
        name="as_distribution(name=)",
    ),
    *[
        Probe(type(d).sample, {"rng": RNG}, call=method(lambda d=d: d, "sample"), name=f"{type(d).__name__}.sample")
        for d in (Exponential(2.0), Constant(0.1), Uniform(0.1, 0.3), LogNormal(0.2, 1.0), LogNormal(0.2, 0.0))
    ],
    *[
        Probe(
            type(d).sample_many,
            {"rng": RNG, "n": 3},
            call=method(lambda d=d: d, "sample_many"),
            accepts={"n": {"0"}},
            name=f"{type(d).__name__}.sample_many",
        )
        for d in (Exponential(2.0), Constant(0.1), Uniform(0.1, 0.3), LogNormal(0.2, 1.0))
    ],
    # traffic
    Probe(Poisson, {"rate": 10}, accepts={"rate": {"0"}}),
    Probe(ConstantRate, {"rate": 10}, accepts={"rate": {"0"}}),
    Probe(TimeVarying, {"rate_fn": abs, "peak": 2.0}, accepts={"peak": {"0"}}),
    Probe(
        OnOff,
        {"on_rate": 10, "on": 1.0, "off": 2.0, "off_rate": 1.0},
        accepts={"on_rate": {"0"}, "off_rate": {"0"}},
    ),
    Probe(
        Spike,
        {"base": 1, "peak": 10, "start": 5, "duration": 2},
        accepts={"base": {"0"}, "peak": {"0"}, "start": {"0"}},
    ),
    Probe(
        RushHour, {"base": 1, "peak": 10, "at": 60, "width": 10}, accepts={"base": {"0"}, "peak": {"0"}, "at": {"0"}}
    ),
    *[
        Probe(
            type(s).times,
            {"until": 10.0, "rng": RNG},
            call=method(lambda s=s: s, "times"),
            accepts={"until": {"0", "inf"}},
            name=f"{type(s).__name__}.times",
        )
        for s, _ in SOURCES
    ],
    *[
        Probe(
            type(s).rate_at,
            {"t": 1.0},
            call=method(lambda s=s: s, "rate_at"),
            accepts={"t": {"-1", "0", "1e9"}},
            name=f"{type(s).__name__}.rate_at",
        )
        for s, _ in SOURCES
    ],
    Probe(
        Spike.mean_rate,
        {"until": 10.0, "steps": 100},
        call=method(lambda: Spike(base=1, peak=10, start=5, duration=2), "mean_rate"),
        name="Source.mean_rate",
    ),
    Probe(arrival_times, {"source": Poisson(5), "until": 10.0, "seed": 0}, accepts={"seed": SEEDS}),
    # the server pool
    Probe(
        ServerPool,
        {
            "env": Environment(),
            "servers": 2,
            "service": 0.5,
            "queue_capacity": 5,
            "speed": 1.0,
            "seed": 0,
            "name": "pool",
            "keep_records": True,
        },
        accepts={"queue_capacity": {"0", "None"}, "seed": SEEDS, "name": {"string"}, "keep_records": {"True"}},
    ),
    Probe(
        ServerPool.submit,
        {"on_done": print, "tag": None, "service_time": 0.5},
        call=method(lambda: ServerPool(Environment(), servers=1, service=0.5), "submit"),
        accepts={"on_done": {"None"}, "service_time": {"0", "None"}},
        skip=frozenset({"tag"}),
    ),
    Probe(
        run_pool,
        {"source": Poisson(5), "service": 0.1, "servers": 1, "queue_capacity": None, "until": 10.0, "seed": 0},
        accepts={"queue_capacity": {"0", "None"}, "seed": SEEDS},
    ),
    # queueing theory
    Probe(erlang_c, {"arrival_rate": 3.6, "service_rate": 1.0, "servers": 4}),
    Probe(mmc_theory, {"arrival_rate": 3.6, "service_rate": 1.0, "servers": 4}),
    Probe(
        mmc,
        {"arrival_rate": 3.6, "service_rate": 1.0, "servers": 4, "customers": 200, "seed": 0},
        accepts={"seed": SEEDS},
    ),
    Probe(
        utilization_sweep,
        {"utilizations": [0.5], "servers": 2, "service_rate": 1.0, "customers": 200, "seed": 0, "progress": iter},
        accepts={"seed": SEEDS},
    ),
    # results
    Probe(
        Flow,
        {"source": "gateway", "target": "users", "count": 3, "outcome": None},
        accepts={"source": {"string"}, "target": {"string"}, "count": {"0", "1e9"}, "outcome": {"None"}},
    ),
    Probe(
        RunResults,
        {"scenario": None, "records": [], "until": 10.0},
        accepts={"until": {"0"}},
        skip=frozenset({"scenario"}),
    ),
    Probe(
        Results,
        {"records": [], "until": 10.0, "servers": 1, "busy_time": 0.0, "scenario": None},
        accepts={"until": {"0"}, "busy_time": {"0", "1e9"}},
        skip=frozenset({"scenario"}),
    ),
    # a bin wider than the run is one bin holding all of it
    Probe(Results.timeseries, {"bin": 1.0}, call=method(small_results, "timeseries"), accepts={"bin": {"1e9"}}),
    Probe(RunResults.bins, {"bin": 1.0}, call=method(small_results, "bins"), accepts={"bin": {"1e9"}}),
    Probe(RunResults.outcomes, {"attribute": "status"}, call=method(small_results, "outcomes")),
    Probe(percentile, {"values": [1.0, 2.0, 3.0], "q": 50}, accepts={"q": {"0"}}),
    Probe(percentiles, {"values": [1.0, 2.0, 3.0], "qs": [50, 99]}),
    Probe(format_duration, {"seconds": 0.5}, accepts={"seconds": {"-1", "0", "nan", "inf", "1e9"}}),
    Probe(seconds, {"label": "p99"}, accepts={"label": {"string"}}),
    Probe(share, {"label": "utilization"}, accepts={"label": {"string"}}),
    Probe(per_second, {"label": "throughput"}, accepts={"label": {"string"}}),
    Probe(outcome, {"word": "served"}),
    # stable hashing
    Probe(stable_hash, {"text": "client-1"}, accepts={"text": ALL}),  # hashes str(text): any object has one
    Probe(murmur2, {"data": b"abc"}),
    Probe(partition_for, {"key": "paris", "partitions": 6}, accepts={"key": {"-1", "0", "1e9", "string"}}),
]

VIZ = [
    Probe(
        layered_layout,
        {"layers": [["a"], ["b", "c"]], "width": 1.0, "height": 1.0, "x": None, "ends": False, "min_gap": 0.0},
        accepts={"x": {"None"}, "ends": {"True"}, "min_gap": {"0"}},
    ),
    Probe(fit_radius, {"pos": {"a": (0, 0), "b": (0, 1)}, "largest": 0.1, "fill": 0.45}),
    Probe(
        draw_flow_graph,
        {
            "graph": graph(),
            "pos": {"client": (0, 0), "gateway": (1, 0)},
            "ax": None,
            "max_width": 8.0,
            "node_radius": 0.07,
            "title": None,
        },
        call=drawn(draw_flow_graph),
        accepts={"ax": {"None"}, "node_radius": {"None"}, "title": {"None", "string"}},
    ),
    Probe(
        draw_latency_curve,
        {"points": [SweepPoint(0.5, 1.1, 1.09)], "ax": None},
        call=drawn(draw_latency_curve),
        accepts={"ax": {"None"}},
    ),
    Probe(
        progress,
        {"items": [1, 2], "total": None, "label": "sweep"},
        call=lambda kwargs: list(progress(**kwargs)),
        accepts={"total": {"None", "0"}, "label": {"string"}},
    ),
    Probe(status_colour, {"status": 200}, accepts={"status": {"0"}}),
    Probe(utilization_colour, {"utilization": 0.5}, accepts={"utilization": {"-1", "0", "inf", "1e9"}}),  # clipped
]

# Public names with no probe, and why.
EXEMPT = {
    "Ticket": "an alias of int (what schedule returns), not a function",
    "SimulationLimitError": "an exception class: raised by the kernel, never called with input",
    "Distribution": "the abstract base of service times: no arguments; its sample_many is probed on each subclass",
    "Source": "the abstract base of traffic sources: no arguments; its mean_rate is probed on Spike",
    "Record": "one job's fate, built by the engine for every job (the hot path); the library's output",
    "Summary": "a server pool's headline numbers, built by Results.summary() from its records",
    "SummaryBase": "the base of every summary: a dataclass with no fields of its own",
    "TimeSeries": "per-bin columns built by Results.timeseries()",
    "MMCResult": "built by mmc() from a simulated run",
    "MMCTheory": "built by mmc_theory() from validated rates",
    "SweepPoint": "built by utilization_sweep(); draw_latency_curve checks the points it is given",
    "collector_paused": "a context manager with no arguments (test_kernel.py checks it restores the collector)",
}


def named(probes: list[Probe]) -> set[str]:
    return {getattr(p.target, "__name__", "") for p in probes}


def test_the_sweep_covers_every_public_callable_of_course_sim():
    missing = public_callables(course.sim) - named(SIM) - set(EXEMPT)
    assert not missing, f"add a Probe (or an exemption with its reason) for {sorted(missing)}"
    assert not set(EXEMPT) - public_callables(course.sim), "an exemption names something no longer public"


def test_the_sweep_covers_every_shared_drawing_helper():
    shared = {"draw_flow_graph", "draw_latency_curve", "fit_radius", "layered_layout", "progress"}
    shared |= {"status_colour", "utilization_colour"}
    assert shared <= public_callables(course.viz)
    assert shared <= named(VIZ)


@pytest.mark.parametrize(("probe", "param", "bad"), list(cases(SIM + VIZ)))
def test_bad_input_gets_a_clear_answer(probe: Probe, param: str, bad: str) -> None:
    assert verdict(probe, param, bad) == expected(probe, param, bad)


@pytest.mark.parametrize("probe", SIM + VIZ, ids=repr)
def test_every_probe_is_a_good_call(probe: Probe) -> None:
    """The sweep means something only if the unchanged call succeeds (a refusal would hide behind it)."""
    try:
        probe.run(dict(probe.kwargs))
    finally:
        plt.close("all")


def test_nan_and_inf_are_never_silently_turned_into_numbers():
    for make in (
        lambda: RushHour(base=1, peak=10, at=math.nan),
        lambda: Poisson(rate=math.inf),
        lambda: Environment().schedule(math.inf, print),
        lambda: run_pool(Poisson(5), 0.1, until=math.inf),
        lambda: percentile([1.0, math.nan], 50),
    ):
        with pytest.raises(ValueError):
            make()
