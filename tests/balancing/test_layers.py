from collections import defaultdict

import pytest

from course.balancing import (
    L4,
    L7,
    TLS,
    BalancerScenario,
    HealthCheck,
    L7Route,
    Outage,
    Workload,
    as_layer,
    caveats,
    layers_alike,
    simulate,
)

# The same traffic, carried two ways: 80 % of 280 requests/s on long-lived connections, ~10 requests/s each.
GRPC = Workload.http2_heavy(rate=280, share=0.8, long_rate=10.0)
WEBSOCKETS = Workload.websocket_heavy(rate=280, share=0.8, long_rate=10.0)


def backends_per_connection(res):
    seen = defaultdict(set)
    for r in res.records:
        if r.outcome == "served":
            seen[r.connection].add(r.backend)
    return seen


def shares(res):
    return [b.share for b in res.backends]


@pytest.fixture(scope="module")
def runs():
    return {
        (kind, layer): simulate(BalancerScenario(layer=layer, workload=w), until=20, seed=0)
        for kind, w in (("http2", GRPC), ("websocket", WEBSOCKETS))
        for layer in ("L4", "L7")
    }


def test_both_layers_see_identical_traffic(runs):
    l4, l7 = runs["http2", "L4"], runs["http2", "L7"]
    assert [(r.request, r.arrival, r.connection, r.client) for r in l4.records] == [
        (r.request, r.arrival, r.connection, r.client) for r in l7.records
    ]


def test_l4_pins_every_request_of_a_connection_to_one_backend(runs):
    for kind in ("http2", "websocket"):
        assert all(len(b) == 1 for b in backends_per_connection(runs[kind, "L4"]).values())


@pytest.mark.claim("balancing.l7-spreads-http2-streams")
def test_l7_spreads_the_streams_of_one_http2_connection_over_every_backend(runs):
    res = runs["http2", "L7"]
    requests = GRPC.arrivals(20, seed=0)
    spread = backends_per_connection(res)
    long_lived = {r.connection for r in requests if r.protocol == "http2"}
    busy = [c for c in long_lived if len(spread[c]) == 5]
    assert len(busy) >= 10  # a chatty gRPC channel reaches all five backends
    assert max(shares(res)) / min(shares(res)) < 1.01  # round robin per request: even to the percent


@pytest.mark.claim("balancing.l4-pins-http2-connections")
def test_l4_pins_each_http2_connection_so_the_load_follows_the_chatty_connections(runs):
    l4, l7 = runs["http2", "L4"], runs["http2", "L7"]
    assert max(shares(l4)) / min(shares(l4)) > 2.0
    assert max(b.utilization for b in l4.backends) > 0.9 > 0.7 > max(b.utilization for b in l7.backends)
    assert l4.summary().p99 > 4 * l7.summary().p99


@pytest.mark.claim("balancing.websockets-pinned-at-both-layers")
def test_l7_pins_an_upgraded_websocket_for_its_life_as_l4_does(runs):
    l4, l7 = runs["websocket", "L4"], runs["websocket", "L7"]
    assert all(len(b) == 1 for b in backends_per_connection(l7).values())  # every message of a socket: one backend
    assert [(r.backend, r.outcome, r.end) for r in l4.records] == [(r.backend, r.outcome, r.end) for r in l7.records]
    assert max(shares(l7)) / min(shares(l7)) > 2.0  # L7 gains nothing on the balance of WebSocket traffic
    assert layers_alike(l7) and caveats(l4)[0].startswith("L4 balances as L7 would here: WebSockets are pinned")


@pytest.mark.claim("balancing.layers-alike-without-multiplexing")
@pytest.mark.parametrize("strategy", ["round_robin", "least_connections", "power_of_two", "peak_ewma"])
def test_with_one_request_per_connection_and_no_http2_l4_and_l7_run_alike(strategy):
    workload = Workload(rate=300, websocket_share=0.3)
    failures = (Outage("b1", at=3, until=6, kind="crash"),)
    l4, l7 = (
        simulate(BalancerScenario(layer=layer, strategy=strategy, workload=workload, failures=failures), until=10)
        for layer in ("L4", "L7")
    )
    assert l4.records == l7.records
    keep_alive = simulate(BalancerScenario(layer="L4", workload=workload.with_(requests_per_connection=5)), until=2)
    assert not layers_alike(keep_alive) and not caveats(keep_alive)


@pytest.mark.claim("balancing.least-connections-counts-sockets")
@pytest.mark.parametrize("layer", ["L4", "L7"])
@pytest.mark.parametrize("seed", [0, 3, 5])
def test_least_connections_balances_websockets_not_the_messages_they_carry(layer, seed):
    res = simulate(
        BalancerScenario(layer=layer, strategy="least_connections", workload=WEBSOCKETS), until=20, seed=seed
    )
    requests = WEBSOCKETS.arrivals(20, seed=seed)
    sockets = defaultdict(set)
    for r in res.records:
        if requests[r.request].websocket:
            sockets[r.backend].add(r.connection)
    counts = [len(sockets[b.name]) for b in res.backends]
    assert max(counts) - min(counts) <= 2
    assert max(shares(res)) / min(shares(res)) > 1.3


@pytest.mark.claim("balancing.tls-is-paid-where-it-ends")
def test_tls_work_moves_from_the_backends_at_l4_to_the_balancer_at_l7():
    tls = TLS(handshake=0.004, per_request=0.001)
    workload = Workload(rate=250, requests_per_connection=4, gap=0.1)
    runs = {
        layer: simulate(BalancerScenario(layer=layer, workload=workload, tls=tls), until=20) for layer in ("L4", "L7")
    }
    assert runs["L4"].tls_seconds["balancer"] == 0 < runs["L4"].tls_seconds["backends"]
    assert runs["L7"].tls_seconds["backends"] == 0 < runs["L7"].tls_seconds["balancer"]
    # The same work in total: one handshake per connection (per backend at L4) plus one per request.
    requests = len(runs["L7"].records)
    connections = len({r.connection for r in runs["L7"].records})
    assert runs["L7"].tls_seconds["balancer"] == pytest.approx(connections * 0.004 + requests * 0.001)
    assert runs["L4"].tls_seconds["backends"] == pytest.approx(runs["L7"].tls_seconds["balancer"], rel=0.01)
    busy = {layer: sum(b.utilization for b in res.backends) for layer, res in runs.items()}
    assert busy["L4"] > busy["L7"] * 1.05
    assert runs["L4"].balancer_utilization == 0
    assert runs["L7"].balancer_utilization == pytest.approx(runs["L7"].tls_seconds["balancer"] / (2 * 20))


def test_l7_routes_by_path_and_by_header():
    workload = Workload(rate=200, paths={"/api": 0.8, "/static": 0.2}, headers={"": 0.9, "beta": 0.1})
    layer = L7(routes=(L7Route(header="beta", backends=("b4",)), L7Route(path="/static", backends=("b0", "b1"))))
    res = simulate(BalancerScenario(layer=layer, workload=workload), until=10)
    requests = {r.id: r for r in workload.arrivals(10, seed=0)}
    for rec in res.records:
        req = requests[rec.request]
        if req.header == "beta":
            assert rec.backend == "b4"
        elif req.path.startswith("/static"):
            assert rec.backend in ("b0", "b1")
    api_backends = {rec.backend for rec in res.records if requests[rec.request].path == "/api"}
    assert api_backends == {"b0", "b1", "b2", "b3", "b4"}


def test_a_route_whose_backends_are_all_down_answers_503():
    workload = Workload(rate=100, paths={"/api": 0.5, "/static": 0.5})
    layer = L7(routes=(L7Route(path="/static", backends=("b0",)),))
    res = simulate(
        BalancerScenario(layer=layer, workload=workload, health=HealthCheck(), failures=(Outage("b0", at=0),)),
        until=10,
    )
    requests = workload.arrivals(10, seed=0)
    outcomes = {(requests[r.request].path, r.outcome) for r in res.records}
    assert outcomes == {("/api", "served"), ("/static", "rejected")}


def test_l7_caches_cacheable_paths_for_the_ttl():
    workload = Workload(rate=200, keys=20, paths={"/api": 0.5, "/static": 0.5})
    cached = simulate(BalancerScenario(layer=L7(cache_ttl=2.0), workload=workload), until=20)
    hits = [r for r in cached.records if r.backend == "cache"]
    assert hits and all(r.outcome == "served" and r.latency == 0 and r.note == "cache hit" for r in hits)
    requests = workload.arrivals(20, seed=0)
    assert {requests[r.request].path for r in hits} == {"/static"}
    # 20 keys, each fetched once per 2 s at most: almost every /static request is a hit.
    static = sum(1 for r in requests if r.path == "/static")
    assert len(hits) > 0.8 * static
    plain = simulate(BalancerScenario(layer=L7(), workload=workload), until=20)
    assert not any(r.backend == "cache" for r in plain.records)


def test_layer_names_are_accepted_and_unknown_ones_listed():
    assert as_layer("L4") == L4() and as_layer(" l7 ") == L7()
    with pytest.raises(ValueError, match=r"layer must be one of 'L7', 'L4' \(got 'L3'\)"):
        BalancerScenario(layer="L3")
    with pytest.raises(ValueError, match="exactly one of path"):
        L7Route(backends=("b0",))
    with pytest.raises(ValueError, match=r"layer routes must name backends in the pool: .*\(got \['b9'\]"):
        BalancerScenario(layer=L7(routes=(L7Route(path="/x", backends=("b9",)),)))
