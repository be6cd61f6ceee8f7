"""Admission control: the load shedder and the global rate limit, alone and as the gateway's stage."""

import itertools

import pytest

from course.gateway import (
    Cache,
    Gateway,
    GatewayScenario,
    GlobalRateLimit,
    LoadShedder,
    Request,
    Route,
    busiest_window,
    simulate,
)

ROUTES = [Route("/users/{id}", "users-service"), Route("/orders/{id}", "orders-service")]


def in_flight_peaks(results):
    """Per service, the most requests it held at once, rebuilt from the access log."""
    events = []
    for r in results.records:
        if r.stage == "backend":
            events.append((r.time, 1, r.service))
            events.append((r.time + r.latency - results.scenario.overhead, -1, r.service))
    held, peak = {}, {}
    for _, step, service in sorted(events, key=lambda e: (e[0], e[1])):  # an answer before an arrival at a tie
        held[service] = held.get(service, 0) + step
        peak[service] = max(peak.get(service, 0), held[service])
    return peak


def test_a_load_shedder_admits_while_the_service_holds_fewer_than_its_limit():
    shedder = LoadShedder(max_in_flight=3)
    assert [shedder.admit(0.0, "orders-service", n) for n in range(5)] == [True, True, True, False, False]
    per_service = LoadShedder({"orders-service": 2})
    assert per_service.limit("orders-service") == 2 and per_service.limit("users-service") is None
    assert per_service.admit(0.0, "users-service", 10_000)


@pytest.mark.parametrize(("seed", "rate"), [(0, 200), (1, 400), (2, 500)])
def test_under_simulated_traffic_no_service_ever_holds_more_than_the_shedder_allows(seed, rate):
    scenario = GatewayScenario.example(rate=rate, algorithm="off", protection="load_shedder")
    results = simulate(scenario, until=8, seed=seed)
    peaks = in_flight_peaks(results)
    limits = scenario.admission.max_in_flight
    assert all(peaks[s] <= limits[s] for s in peaks)
    assert peaks["orders-service"] == limits["orders-service"]  # it was reached: the shedder did work
    shed = [r for r in results.records if r.stage == "admission"]
    assert shed and all(r.status == 503 and r.outcome == "rejected" for r in shed)
    assert results.summary().rejected - results.summary().shed == 0  # no queue ever filled up


@pytest.mark.parametrize("seed", [0, 1])
def test_a_global_rate_limit_sends_a_service_at_most_burst_plus_rate_times_t(seed):
    scenario = GatewayScenario.example(rate=400, algorithm="off", protection="global_rate")
    results = simulate(scenario, until=8, seed=seed)
    limit = scenario.admission
    for service in ("users-service", "orders-service"):
        sent = [r.time for r in results.records if r.stage == "backend" and r.service == service]
        for span in (0.5, 1.0):
            assert busiest_window(sent, window=span) <= limit.burst + limit.rate[service] * span


def test_the_global_rate_limit_keeps_one_bucket_per_service_shared_by_every_client():
    limit = GlobalRateLimit(rate=10, burst=2)
    assert [limit.admit(0.0, "orders-service", 0) for _ in range(3)] == [True, True, False]
    assert limit.admit(0.0, "users-service", 0)  # another service has its own bucket
    assert limit.retry_after(0.0, "orders-service") == pytest.approx(0.1)
    assert limit.fresh().admit(0.0, "orders-service", 0)  # a fresh copy forgets


def test_admission_runs_after_the_cache_so_a_cache_hit_is_never_shed():
    gw = Gateway(ROUTES, cache=Cache(capacity=10, ttl=5.0), admission=GlobalRateLimit(rate=0.001, burst=1))
    assert gw.stages == ("route", "cache", "admission", "backend")
    first = gw.handle(Request("GET", "/users/1", "alice"), now=0.0)
    again = gw.handle(Request("GET", "/users/1", "alice"), now=0.1)
    other = gw.handle(Request("GET", "/users/2", "alice"), now=0.2)
    assert (first.status, again.status, again.cache_hit, other.status) == (200, 200, True, 503)
    assert float(other.headers["Retry-After"]) > 0
    assert all(after.arrived == before.passed for before, after in itertools.pairwise(gw.counts()))


def test_handle_answers_at_once_so_a_load_shedder_of_one_admits_every_request_in_turn():
    gw = Gateway(ROUTES, admission=LoadShedder(1))
    assert [gw.handle(Request("GET", f"/orders/{i}", "alice"), now=0.0).status for i in range(5)] == [200] * 5
    assert gw.in_flight == 0


def test_the_example_sizes_protection_from_the_services():
    shedder = GatewayScenario.example(protection="load_shedder").admission
    assert shedder.max_in_flight == {"users-service": 8, "orders-service": 4, "admin-service": 2}  # 2 x workers
    limit = GatewayScenario.example(protection="global_rate").admission
    assert limit.rate == {"users-service": 150, "orders-service": 60, "admin-service": 37.5}  # 75 % of capacity
    assert GatewayScenario.example().admission is None


def test_the_summary_tells_shed_requests_from_a_full_queue():
    s = simulate(GatewayScenario.example(rate=400, protection="load_shedder"), until=8, seed=0).summary()
    assert 0 < s.shed == s.rejected
    assert f"{s.shed} shed (503)" in str(s) and "full queue" not in str(s)


def test_admission_refuses_what_is_not_a_time_a_service_or_a_count():
    with pytest.raises(ValueError, match="in_flight must be a whole number"):
        LoadShedder(2).admit(0.0, "orders-service", -1)
    with pytest.raises(ValueError, match="max_in_flight must name at least one service"):
        LoadShedder({})
    with pytest.raises(ValueError, match="admission must be"):
        GatewayScenario(admission="shed")
