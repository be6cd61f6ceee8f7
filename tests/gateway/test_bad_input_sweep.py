"""The bad-input sweep of lesson 1: every public callable of the gateway, its lab and its pictures,
with one bad argument at a time, answers clearly (or accepts a value that is valid for it)."""

import matplotlib.pyplot as plt
import networkx as nx
import pytest

import course.gateway
from course.gateway import (
    AccessLog,
    AccessLogEntry,
    AddHeader,
    Admission,
    Authenticator,
    Cache,
    Chain,
    Client,
    Endpoint,
    FixedWindow,
    FleetResults,
    FleetScenario,
    FleetSummary,
    Forwarded,
    Gateway,
    GatewayResults,
    GatewayScenario,
    GatewaySummary,
    GlobalRateLimit,
    Headers,
    LoadShedder,
    RateLimiter,
    RemoveHeader,
    Request,
    Response,
    RewritePrefix,
    Route,
    RouteTable,
    Service,
    SlidingWindowCounter,
    SlidingWindowLog,
    Stopped,
    StripPrefix,
    TokenBucket,
    Transform,
    busiest_window,
    chain,
    compare_limiters,
    compare_runs,
    make_limiter,
    outcome_of,
    simulate,
    split_path,
)
from course.labs.gateway import gateway_lab, gateway_view
from course.sim import Poisson
from course.viz.gateway import (
    draw_fleet,
    draw_gateway,
    draw_gateway_dashboard,
    draw_latency_over_time,
    draw_limiter_timelines,
    draw_outcomes_over_time,
    draw_service_load,
    gateway_graph,
    gateway_layout,
)
from tests.bad_input import Probe, cases, expected, public_callables, record, verdict

ROUTES = [Route("/users/{id}", "users-service")]
SCENARIO = GatewayScenario.example(rate=20)
RESULTS = simulate(SCENARIO, until=2, seed=0)
FLEET = simulate(FleetScenario(rate=50), until=2, seed=0)
FLEET_SUMMARY = {
    "requests": 10,
    "served": 7,
    "rate_limited": 3,
    "rejected": 0,
    "limit": 100,
    "instances": 4,
    "counters": "local",
    "admitted_rate": 7.0,
    "outage_rate": float("nan"),
    "hottest": 0.3,
    "busiest": 7,
    "on_store_down": "",
    "notes": (),
}
ALICE = Request("GET", "/users/1", "alice", headers={"X-Api-Key": "key-alice"})
ENTRY = {
    "time": 0.5,
    "client": "alice",
    "method": "GET",
    "path": "/users/1",
    "status": 200,
    "service": "users-service",
    "latency": 0.02,
    "cache_hit": False,
    "stage": "backend",
}
SUMMARY = {
    "requests": 10,
    "served": 7,
    "rate_limited": 2,
    "unauthorized": 1,
    "forbidden": 0,
    "not_found": 0,
    "rejected": 0,
    "p50": 0.01,
    "p95": 0.02,
    "p99": 0.03,
    "hit_ratio": 0.5,
    "utilization": {"users-service": 0.4},
    "shed": 0,
    "notes": (),
}
TEXT = {"string"}  # any non-empty text is a valid name, key, service or reason
NOW = {"0"}  # time zero is a valid time
SEED = {"-1", "0", "1e9"}  # any whole number is a seed


FORWARDED = Gateway(ROUTES).decide(ALICE, now=0.5)  # stands for a fresh Forwarded of the gateway answering


def answer_fresh(kwargs):
    """A probe call of Gateway.answer on a gateway that has just forwarded ALICE (`FORWARDED` stands for it)."""
    gateway = Gateway(ROUTES)
    forwarded = gateway.decide(ALICE, now=0.5)
    return gateway.answer(
        **{**kwargs, "forwarded": forwarded if kwargs["forwarded"] is FORWARDED else kwargs["forwarded"]}
    )


def on(make, method):
    """A probe call: `method` of a fresh `make()`, with the probe's keyword arguments."""
    return lambda kwargs: getattr(make(), method)(**kwargs)


def closing(target):
    """Call `target(**kwargs)` and close every figure it drew."""

    def call(kwargs):
        try:
            return target(**kwargs)
        finally:
            plt.close("all")

    return call


def limiter_methods(cls, kwargs, methods):
    return [
        Probe(
            cls,
            {"now": 0.5, "key": "alice"},
            accepts={"now": NOW},
            call=on(lambda: cls(**kwargs), method),
            skip=frozenset({"key"}),
            name=f"{cls.__name__}.{method}",
        )
        for method in methods
    ]


SWEEP = [
    # -- the domain, constructors and functions --------------------------------------------
    Probe(AccessLog, {"records": []}),
    Probe(
        AccessLogEntry,
        ENTRY,
        accepts={"time": NOW, "client": TEXT, "service": {"None", "string"}, "latency": NOW, "cache_hit": {"True"}},
    ),
    Probe(AddHeader, {"name": "X-Id", "value": "req-{n}"}, accepts={"name": TEXT, "value": TEXT}),
    Probe(
        Authenticator,
        {"keys": {"key-alice": "alice"}, "allowed": {"alice": "*"}, "public": ("status-service",)},
        accepts={"allowed": {"None"}, "public": TEXT},
    ),
    Probe(Cache, {"capacity": 10, "ttl": 2.0}, accepts={"ttl": {"0"}}),
    Probe(Chain, {"steps": StripPrefix("/api")}, call=lambda kw: Chain(kw["steps"])),
    Probe(
        Client,
        {"name": "alice", "source": Poisson(5), "key": "key-alice"},
        accepts={"name": TEXT, "key": {"None", "string"}},
    ),
    Probe(Endpoint, {"method": "GET", "path": "/users/{id}", "weight": 2.0, "ids": 10}),
    Probe(FixedWindow, {"limit": 10, "window": 1.0}),
    Probe(SlidingWindowLog, {"limit": 10, "window": 1.0}),
    Probe(SlidingWindowCounter, {"limit": 10, "window": 1.0}),
    Probe(TokenBucket, {"capacity": 20, "rate": 100}),
    Probe(RateLimiter, {}),
    Probe(Admission, {}),
    Probe(LoadShedder, {"max_in_flight": 6}),
    Probe(LoadShedder, {"max_in_flight": {"orders-service": 4}}, name="LoadShedder(dict)"),
    Probe(GlobalRateLimit, {"rate": 60, "burst": 2}),
    Probe(GlobalRateLimit, {"rate": {"orders-service": 60}, "burst": 2}, name="GlobalRateLimit(dict)"),
    *[
        Probe(
            cls,
            {"now": 0.5, "service": "orders-service", "in_flight": 1},
            accepts={"now": NOW, "service": TEXT, "in_flight": {"0"}},
            call=on(make, "admit"),
            name=f"{cls.__name__}.admit",
        )
        for cls, make in [(LoadShedder, lambda: LoadShedder(2)), (GlobalRateLimit, lambda: GlobalRateLimit(10))]
    ],
    Probe(
        GlobalRateLimit,
        {"now": 0.5, "service": "orders-service"},
        accepts={"now": NOW, "service": TEXT},
        call=on(lambda: GlobalRateLimit(10), "retry_after"),
        name="GlobalRateLimit.retry_after",
    ),
    Probe(
        FleetScenario,
        {
            "instances": 4,
            "limit": 100,
            "rate": 300.0,
            "counters": "shared",
            "balancer": "random",
            "store_down": (4, 8),
            "on_store_down": "open",
        },
        accepts={"rate": {"0"}, "store_down": {"None"}},
    ),
    Probe(FleetResults, {"scenario": FleetScenario(), "records": [], "until": 1.0, "seed": 0}, accepts={"seed": SEED}),
    Probe(
        FleetSummary,
        FLEET_SUMMARY,
        accepts={
            "rejected": {"0"},
            "admitted_rate": {"0"},
            "outage_rate": {"0", "nan"},
            "hottest": {"0"},
            "busiest": {"0"},
        },
    ),
    Probe(FleetResults, {"bin": 1.0}, accepts={"bin": {"1e9"}}, call=on(lambda: FLEET, "timeseries"), name="fleet ts"),
    Probe(Transform, {}),
    Probe(
        Gateway,
        {
            "routes": ROUTES,
            "auth": None,
            "limiter": None,
            "cache": None,
            "transforms": (),
            "backend": 0.02,
            "overhead": 0.001,
            "admission": None,
        },
        accepts={
            "auth": {"None"},
            "limiter": {"None"},
            "cache": {"None"},
            "transforms": {"None"},
            "backend": {"0"},
            "overhead": {"0"},
            "admission": {"None"},
        },
    ),
    Probe(
        GatewayResults,
        {"scenario": SCENARIO, "gateway": SCENARIO.gateway(), "until": 1.0, "utilization": {}, "seed": 0},
        accepts={"seed": SEED},
    ),
    Probe(
        GatewayScenario,
        {
            "clients": GatewayScenario().clients,
            "mix": GatewayScenario().mix,
            "routes": GatewayScenario().routes,
            "auth": GatewayScenario().auth,
            "limiter": TokenBucket(20, 100),
            "cache": Cache(500, 2.0),
            "transforms": StripPrefix("/api/v1"),
            "services": dict(GatewayScenario().services),
            "anonymous_share": 0.05,
            "overhead": 0.001,
            "admission": LoadShedder(4),
        },
        accepts={
            "auth": {"None"},
            "limiter": {"None"},
            "cache": {"None"},
            "transforms": {"None"},
            "anonymous_share": {"0"},
            "overhead": {"0"},
            "admission": {"None"},
        },
    ),
    Probe(
        GatewayScenario.example,
        {
            "rate": 200,
            "burstiness": 2.0,
            "algorithm": "token_bucket",
            "limit": 100,
            "bucket": 20,
            "ttl": 2.0,
            "anonymous_share": 0.05,
            "protection": "off",
        },
        accepts={"rate": {"0"}, "ttl": {"0"}, "anonymous_share": {"0"}},
        name="GatewayScenario.example",
    ),
    Probe(
        GatewaySummary,
        SUMMARY,
        accepts={
            **{name: {"0", "nan"} for name in ("p50", "p95", "p99", "hit_ratio")},
            # 0 already: the counts still add up
            **{name: {"0"} for name in ("forbidden", "not_found", "rejected", "shed")},
        },
    ),
    Probe(Headers, {"headers": {"X-Api-Key": "k"}}, accepts={"headers": {"None"}}),
    Probe(RemoveHeader, {"name": "X-Client"}, accepts={"name": TEXT}),
    Probe(
        Request,
        {"method": "GET", "path": "/users/1", "client": "alice", "headers": None, "time": 0.5},
        accepts={"client": TEXT, "headers": {"None"}, "time": NOW},
    ),
    Probe(
        Response,
        {
            "status": 200,
            "service": "users-service",
            "latency": 0.02,
            "headers": None,
            "cache_hit": False,
            "reason": "OK",
        },
        accepts={
            "service": {"None", "string"},
            "latency": NOW,
            "headers": {"None"},
            "cache_hit": {"True"},
            "reason": {"None", "string"},
        },
    ),
    Probe(RewritePrefix, {"old": "/v1/people", "new": "/users"}),
    Probe(StripPrefix, {"prefix": "/api/v1"}),
    Probe(
        Route, {"pattern": "/users/{id}", "service": "users-service", "methods": ("GET",)}, accepts={"service": TEXT}
    ),
    Probe(RouteTable, {"routes": ROUTES}),
    Probe(Service, {"servers": 2, "service_time": 0.02, "queue_capacity": 10}, accepts={"queue_capacity": {"0"}}),
    Probe(busiest_window, {"accepted": [0.1, 0.5, 1.2], "window": 1.0}),
    Probe(chain, {"transforms": [StripPrefix("/api")]}, accepts={"transforms": {"None"}}),
    Probe(compare_limiters, {"times": [0.1, 0.2, 0.3], "limiters": [FixedWindow(2, 1.0)], "window": 1.0}),
    Probe(make_limiter, {"name": "token_bucket", "capacity": 2, "rate": 1.0}),
    Probe(outcome_of, {"status": 429}),
    Probe(simulate, {"scenario": SCENARIO, "until": 1.0, "seed": 0}, accepts={"seed": SEED}),
    Probe(simulate, {"scenario": FleetScenario(), "until": 1.0, "seed": 0}, accepts={"seed": SEED}, name="fleet"),
    Probe(compare_runs, {"runs": {"a": RESULTS}, "service": "users-service"}),
    Probe(
        GatewayResults,
        {"service": "users-service", "bin": 1.0},
        accepts={"bin": {"1e9"}},
        call=on(lambda: RESULTS, "load"),
        name="GatewayResults.load",
    ),
    Probe(split_path, {"path": "/users/1"}),
    # -- methods that take input ----------------------------------------------------------
    *limiter_methods(TokenBucket, {"capacity": 2, "rate": 1}, ["allow", "retry_after", "tokens"]),
    *limiter_methods(FixedWindow, {"limit": 2, "window": 1}, ["allow", "retry_after", "count"]),
    *limiter_methods(SlidingWindowLog, {"limit": 2, "window": 1}, ["allow", "count"]),
    *limiter_methods(SlidingWindowCounter, {"limit": 2, "window": 1}, ["allow", "estimate"]),
    *[
        Probe(
            Gateway,
            {"request": ALICE, "now": 0.5},
            accepts={"now": {"None", "0"}},
            call=on(lambda: Gateway(ROUTES), verb),
            name=f"Gateway.{verb}",
        )
        for verb in ("handle", "decide")  # decide is handle's first half: the same input
    ],
    Probe(
        Gateway,
        {"forwarded": FORWARDED, "status": 200, "latency": 0.1, "now": 0.6},
        call=answer_fresh,
        accepts={"latency": {"0"}},
        name="Gateway.answer",
    ),
    record(
        Stopped,
        {"stage": "auth", "status": 401, "service": None, "reason": "no key", "headers": None, "cache_hit": False},
    ),
    record(Forwarded, FORWARDED._asdict()),
    Probe(
        Cache,
        {"key": "k", "now": 0.5},
        accepts={"now": NOW},
        call=on(lambda: Cache(2, 1.0), "get"),
        skip=frozenset({"key"}),
        name="Cache.get",
    ),
    Probe(
        Cache,
        {"key": "k", "value": "v", "now": 0.5},
        accepts={"now": NOW},
        call=on(lambda: Cache(2, 1.0), "put"),
        skip=frozenset({"key", "value"}),
        name="Cache.put",
    ),
    Probe(Route, {"path": "/users/1"}, call=on(lambda: ROUTES[0], "match"), name="Route.match"),
    *[
        Probe(RouteTable, kwargs, call=on(lambda: RouteTable(ROUTES), method), name=f"RouteTable.{method}")
        for method, kwargs in [
            ("match", {"method": "GET", "path": "/users/1"}),
            ("status", {"method": "GET", "path": "/users/1"}),
            ("allowed_methods", {"path": "/users/1"}),
            ("candidates", {"path": "/users/1"}),
        ]
    ],
    Probe(
        Authenticator,
        {"request": ALICE, "service": "users-service"},
        accepts={"service": TEXT},
        call=on(lambda: Authenticator({"key-alice": "alice"}), "authenticate"),
        name="Authenticator.authenticate",
    ),
    Probe(
        Authenticator,
        {"client": "alice", "service": "users-service"},
        accepts={"client": TEXT, "service": TEXT},
        call=on(lambda: Authenticator({"key-alice": "alice"}), "may_use"),
        name="Authenticator.may_use",
    ),
    Probe(
        Headers,
        {"name": "X-Client", "value": "alice"},
        accepts={"name": TEXT, "value": TEXT},
        call=on(Headers, "set"),
        name="Headers.set",
    ),
    Probe(Headers, {"name": "X-Client"}, accepts={"name": TEXT}, call=on(Headers, "remove"), name="Headers.remove"),
    Probe(
        Request,
        {"path": "/people/1", "headers": None},
        accepts={"path": {"None"}, "headers": {"None"}},
        call=on(lambda: ALICE, "evolve"),
        name="Request.evolve",
    ),
    Probe(
        AddHeader,
        {"request": ALICE, "n": 3},
        accepts={"n": {"0"}},
        call=lambda kw: AddHeader("X-Id", "req-{n}")(**kw),
        name="AddHeader.__call__",
    ),
    Probe(RewritePrefix, {"path": "/v1/a"}, call=on(lambda: RewritePrefix("/v1", "/v2"), "rewrite"), name="rewrite"),
    Probe(AccessLog, {"field": "status"}, call=on(lambda: AccessLog(RESULTS.records), "count_by"), name="count_by"),
    Probe(
        AccessLog,
        {"record": AccessLogEntry(**ENTRY)},
        call=on(AccessLog, "append"),
        name="AccessLog.append",
    ),
    Probe(
        GatewayResults,
        {"bin": 1.0},
        accepts={"bin": {"1e9"}},
        call=on(lambda: RESULTS, "timeseries"),
        name="timeseries",
    ),
    Probe(
        GatewaySummary,
        {"outcome": "served"},
        call=on(lambda: RESULTS.summary(), "share_of"),
        name="GatewaySummary.share_of",
    ),
    # -- the lab and the pictures ------------------------------------------------------------
    Probe(gateway_lab, {"seed": 0}, accepts={"seed": SEED}, call=closing(gateway_lab)),
    Probe(
        gateway_view,
        {
            "rate": 50,
            "burstiness": 2.0,
            "algorithm": "token_bucket",
            "limit": 100,
            "bucket": 20,
            "ttl": 2.0,
            "anonymous_share": 0.05,
            "protection": "off",
            "seed": 0,
        },
        accepts={"rate": {"0"}, "ttl": {"0"}, "anonymous_share": {"0"}, "seed": SEED},
        call=closing(gateway_view),
        name="gateway_view",
    ),
    Probe(gateway_graph, {"results": RESULTS}),
    Probe(
        draw_service_load,
        {"runs": {"a": RESULTS}, "service": "users-service", "bin": 1.0, "ax": None},
        accepts={"ax": {"None"}, "bin": {"1e9"}},
        call=closing(draw_service_load),
    ),
    Probe(draw_fleet, {"runs": {"a": FLEET}, "bin": 1.0}, accepts={"bin": {"1e9"}}, call=closing(draw_fleet)),
    Probe(gateway_layout, {"graph": nx.DiGraph([("alice", "gateway")])}),
    Probe(draw_gateway, {"results": RESULTS, "ax": None}, accepts={"ax": {"None"}}, call=closing(draw_gateway)),
    Probe(
        draw_outcomes_over_time,
        {"ts": RESULTS.timeseries(), "ax": None},
        accepts={"ax": {"None"}},
        call=closing(draw_outcomes_over_time),
    ),
    Probe(
        draw_latency_over_time,
        {"ts": RESULTS.timeseries(), "ax": None},
        accepts={"ax": {"None"}},
        call=closing(draw_latency_over_time),
    ),
    Probe(
        draw_gateway_dashboard,
        {"results": RESULTS, "bin": 1.0},
        accepts={"bin": {"1e9"}},
        call=closing(draw_gateway_dashboard),
    ),
    Probe(
        draw_limiter_timelines,
        {
            "times": [0.1, 0.2],
            "outcomes": compare_limiters([0.1, 0.2], [FixedWindow(1, 1.0)]),
            "bin": 0.1,
            "limit": 1.0,
        },
        accepts={"bin": {"1e9"}, "limit": {"None", "0", "1e9"}},
        call=closing(draw_limiter_timelines),
    ),
]


@pytest.mark.parametrize(("probe", "param", "bad"), list(cases(SWEEP)))
def test_bad_input_gets_a_clear_answer(probe, param, bad):
    assert verdict(probe, param, bad) == expected(probe, param, bad)


def test_the_sweep_covers_every_public_callable_of_the_gateway():
    probed = {getattr(probe.target, "__name__", "") for probe in SWEEP}
    missing = public_callables(course.gateway) - probed
    assert not missing, f"add a Probe for: {sorted(missing)}"


@pytest.mark.parametrize("window", [0, -1, float("nan"), float("inf"), True, "1"])
def test_busiest_window_refuses_a_window_that_is_not_a_span_of_time(window):
    # it used to return 0 for window=0, -1 or NaN: a silent wrong answer ("no request in any window")
    with pytest.raises(ValueError, match=r"window must be a positive number"):
        busiest_window([0.1, 0.2, 0.3], window=window)


def test_busiest_window_refuses_times_out_of_order_instead_of_miscounting():
    with pytest.raises(ValueError, match="accepted must be in ascending order"):
        busiest_window([0.3, 0.1, 0.2], window=1.0)
