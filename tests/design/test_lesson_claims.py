"""Every claim lesson 6 makes, asserted against the library; each test names the claim id the lesson marks.

The lesson shows seed 0; these tests check each claim on several seeds, so a claim that holds only
by the luck of the lesson's numbers fails here.
"""

import math

import pytest

from course.design import (
    Design,
    Link,
    Requirements,
    Tier,
    check_design,
    estimate,
    instances_for,
    simulate,
    utilization,
)
from course.design.simulation import _Run
from course.gateway import Route

SEEDS = (0, 1, 2, 3)
UNTIL = 24


def run(name="rides", seed=0, **knobs):
    return simulate(Design.example(name, **knobs), until=UNTIL, seed=seed)


@pytest.mark.claim("design.envelope-arithmetic")
def test_the_envelope_is_users_times_requests_over_a_day_times_the_peak():
    e = estimate(daily_users=2_000_000, requests_per_user=10, peak_factor=3, bytes_per_write=2_000)
    assert e.average_rps == pytest.approx(2_000_000 * 10 / 86_400)
    assert e.peak_rps == pytest.approx(3 * e.average_rps)
    assert e.storage_per_day == pytest.approx(2_000_000 * 10 * 0.2 * 2_000 * 3)
    assert "694/s at peak" in str(e) and "24 GB of storage a day" in str(e)
    assert instances_for(100, 0.05, workers=2, utilization=0.7) == 4 and instances_for(14, 0.3) == 6


@pytest.mark.claim("design.estimate-matches-simulation")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_estimate_matches_the_simulation_and_bounds_the_cached_tiers(seed):
    rides = Design.example("rides")
    estimated = utilization(rides, rate=60)
    steady = simulate(rides.at_rate(60), until=UNTIL, seed=seed)
    assert abs(steady.part("booking").utilization - estimated["booking"]) < 0.1
    assert abs(steady.part("matching").utilization - estimated["matching"]) < 0.12
    for cached in ("pricing", "trips"):  # the cache answers some reads: the estimate is an upper bound
        assert steady.part(cached).utilization <= estimated[cached] + 0.02


@pytest.mark.claim("design.every-request-one-outcome")
@pytest.mark.parametrize("name", ["rides", "images", "dashboard", "payments", "chat"])
def test_every_example_accounts_for_every_request(name):
    for failure in ("none", "an instance dies", "a dependency slows", "a consumer crashes"):
        results = run(name, seed=1, failure=failure)
        s = results.summary()
        assert sum(s.outcomes.values()) == s.requests == len(results.records) > 0


@pytest.mark.claim("design.no-gateway")
@pytest.mark.parametrize("seed", SEEDS)
def test_without_the_gateway_keyless_requests_get_through_and_trips_works_harder(seed):
    behind, bare = run(seed=seed), run(seed=seed, gateway=False)
    assert behind.summary().keyless_served == 0 < behind.summary().outcomes["unauthorized"]
    assert bare.summary().keyless_served > 0 and "unauthorized" not in bare.summary().outcomes
    assert bare.summary().served > behind.summary().served  # refusing is the gateway's job
    assert bare.part("trips").arrived > 1.25 * behind.part("trips").arrived  # no cache in front


@pytest.mark.claim("design.one-instance-overloads")
@pytest.mark.parametrize("seed", SEEDS)
def test_one_booking_instance_is_full_at_the_rush(seed):
    three, one = run(seed=seed), run(seed=seed, instances=1)
    assert one.part("booking").utilization > 0.85 > 0.5 > three.part("booking").utilization
    assert one.summary().outcomes.get("timed_out", 0) > 20 and one.summary().served < three.summary().served - 0.05
    assert one.summary().late > 0  # answers that came after the gateway gave up


@pytest.mark.claim("design.instance-dies-few-fail")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_dead_instance_costs_only_what_it_held(seed):
    dies = run(seed=seed, failure="an instance dies")
    failed = dies.summary().outcomes.get("failed", 0)
    assert failed <= Design.example("rides").part("booking").concurrency  # at most what one instance held
    assert dies.summary().served > run(seed=seed).summary().served - 0.01
    assert all(r.arrival <= 8.0 for r in dies.records if r.outcome == "failed")  # held when it died


@pytest.mark.claim("design.queue-keeps-booking-fast")
@pytest.mark.parametrize("seed", SEEDS)
def test_without_the_queue_booking_waits_for_matching(seed):
    queued, direct = run(seed=seed), run(seed=seed, queue=False)
    assert direct.part("booking").p99 > 2 * queued.part("booking").p99
    assert direct.summary().outcomes.get("timed_out", 0) > queued.summary().outcomes.get("timed_out", 0)


@pytest.mark.claim("design.queue-absorbs-rush")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_queue_backlog_grows_in_the_rush_and_drains_after_it(seed):
    results = run(seed=seed)
    m = results.part("matching")
    series = results.timeseries().backlogs["matching"]
    peak_at = series.index(max(series))
    assert 11 <= peak_at <= 17 and m.backlog_max > 20 and m.backlog_end < m.backlog_max / 3
    assert m.refused == 0 and results.summary().outcomes.get("rejected", 0) == 0


@pytest.mark.claim("design.full-queue-pushes-back")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_full_queue_shows_up_as_503s_at_the_front_door(seed):
    results = run(seed=seed, queue_capacity=20)
    m = results.part("matching")
    assert m.backlog_max <= 20 and m.refused > 0
    assert results.part("booking").refused >= m.refused  # every refused message is a 503 from booking
    assert results.summary().outcomes["rejected"] >= m.refused


@pytest.mark.claim("design.stream-beats-polling")
@pytest.mark.parametrize("seed", SEEDS)
def test_polling_the_database_makes_it_the_bottleneck(seed):
    stream, polling = run("dashboard", seed=seed), run("dashboard", seed=seed, stream=False)
    assert polling.summary().p99 > 5 * stream.summary().p99
    assert polling.summary().busiest == "rides-db" and polling.summary().served < stream.summary().served
    assert polling.part("rides-api").p99 > 2 * stream.part("rides-api").p99  # writes slow down too


@pytest.mark.claim("design.consumer-crash-rebalances")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_consumer_crash_rebalances_and_the_lag_grows_then_drains(seed):
    normal, crash = run("dashboard", seed=seed), run("dashboard", seed=seed, failure="a consumer crashes")
    for group in ("ride-events:dashboard", "ride-events:billing"):
        assert crash.part(group).backlog_max > normal.part(group).backlog_max
        assert crash.part(group).backlog_end < 10
    assert crash.summary().served == pytest.approx(normal.summary().served, abs=0.002)  # writers never notice


@pytest.mark.claim("design.broker-down-refuses")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_down_broker_refuses_appends_only_while_it_is_down(seed):
    results = run("dashboard", seed=seed, failure="the broker fails")
    refused = [r for r in results.records if r.outcome == "rejected"]
    answered = [r.arrival + r.latency for r in refused]  # when each append was refused
    assert len(refused) > 100 and all(8.0 <= t <= 11.0 for t in answered) and {r.method for r in refused} == {"POST"}


@pytest.mark.claim("design.cascade")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_slow_pricing_takes_booking_down_but_not_trips(seed):
    normal, slow = run(seed=seed), run(seed=seed, failure="a dependency slows")
    assert slow.summary().outcomes.get("timed_out", 0) > 50 and slow.summary().late > 50
    assert slow.summary().served < normal.summary().served - 0.04
    assert slow.part("trips").p99 == pytest.approx(normal.part("trips").p99, rel=0.15)
    timed_out = [r for r in slow.records if r.outcome == "timed_out"]
    assert {r.service for r in timed_out} <= {"booking", "pricing"}


@pytest.mark.claim("design.retry-storm")
@pytest.mark.parametrize("seed", SEEDS)
def test_immediate_client_retries_add_load_and_serve_fewer(seed):
    slow = run(seed=seed, failure="a dependency slows")
    storm = run(seed=seed, failure="a dependency slows", client_retries=3)
    s = storm.summary()
    assert s.attempts > 1.15 * s.requests and s.served < slow.summary().served


@pytest.mark.claim("design.guards-stop-cascade")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_timeout_a_breaker_and_a_fallback_keep_booking_up(seed):
    normal = run(seed=seed)
    guarded = run(seed=seed, failure="a dependency slows", guards=True)
    g = guarded.summary()
    assert g.served >= normal.summary().served - 0.01 and g.breaker_open > 1.0 and g.fallbacks > 20
    assert g.outcomes.get("timed_out", 0) == 0


@pytest.mark.claim("design.backoff-and-shedding")
@pytest.mark.parametrize("seed", SEEDS)
def test_backoff_with_jitter_and_shedding_serve_more_than_the_storm(seed):
    storm = run(seed=seed, failure="a dependency slows", client_retries=3)
    calmer = run(seed=seed, failure="a dependency slows", client_retries=3, backoff=True, shedding=True)
    slow = run(seed=seed, failure="a dependency slows")
    assert calmer.summary().served > max(storm.summary().served, slow.summary().served)
    assert calmer.summary().late < storm.summary().late / 3  # refused fast: little work nobody waits for


@pytest.mark.claim("design.checker-names-bottleneck")
def test_the_checker_names_the_part_that_falls_short_and_its_size():
    need = Requirements(peak_rps=120, p99=1.0)
    assert check_design(Design.example("rides", workers=40), need).passed
    queue_short = check_design(Design.example("rides"), need)
    assert [v.topic for v in queue_short.failures()] == ["peak"]
    assert "matching would be 150% busy" in queue_short.failures()[0].text and "(it has 8)" in str(queue_short)
    one = check_design(Design.example("rides", instances=1, workers=40), need)
    assert "booking would be 240% busy" in one.failures()[0].text and "about 4 instances (it has 1)" in str(one)
    fixed = check_design(Design.example("rides", instances=4, workers=40), need)
    assert fixed.passed


@pytest.mark.claim("design.checker-flags-queue")
def test_a_queue_where_the_caller_needs_the_result_is_flagged():
    verdict = check_design(Design.example("rides"), Requirements(peak_rps=60, p99=0.5, result_in_answer=True))
    components = next(v for v in verdict.verdicts if v.topic == "components")
    assert not components.ok and "a queue (matching) sits on POST /rides" in components.text
    fine = check_design(Design.example("rides"), Requirements(peak_rps=60, p99=1.0))
    assert fine.passed


@pytest.mark.claim("design.checker-flags-forwarder")
def test_a_tier_that_only_forwards_is_called_a_second_balancer():
    rides = Design.example("rides")
    doubled = rides.replace(
        routes=(
            Route("/rides/{id}", "trips"),
            Route("/quotes", "pricing"),
            Route("/rides", "balancer-2", methods=("POST",)),
        ),
        tiers=(*rides.tiers, Tier("balancer-2", instances=2, workers=64, service_time=0.001, concurrency=128)),
        links=(*rides.links, Link("balancer-2", "booking")),
    )
    verdict = check_design(doubled, Requirements(peak_rps=60, p99=1.0))
    assert [v.topic for v in verdict.failures()] == ["components"]
    assert "balancer-2 only forwards to booking: a second balancer adds a hop, not capacity" in str(verdict)


@pytest.mark.claim("design.websocket-pinned")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_websocket_stays_on_its_instance_until_the_instance_dies(seed):
    design = Design.example("chat", failure="an instance dies")
    seen: dict[int, list[str]] = {}
    run_ = _Run(design, UNTIL, seed)
    chat = run_.tiers["chat"]
    pick = chat.strategy.pick

    def recording(candidates, request, now):  # the balancer only picks for a connection that has no instance
        chosen = pick(candidates, request, now)
        seen.setdefault(request.key, []).append(chosen.name)
        return chosen

    chat.strategy.pick = recording  # type: ignore[method-assign]
    run_.env.run(until=UNTIL)
    results = run_.results()
    died = chat.instances[0].name
    for picks in seen.values():
        assert len(picks) == 1 or picks[0] == died  # placed once, or placed again after its instance died
    moved = [key for key, picks in seen.items() if len(picks) > 1]
    failed = [r for r in results.records if r.outcome == "failed"]
    assert moved and failed and all(r.arrival >= 8.0 for r in failed)
    assert math.isclose(len(seen), len({r.path for r in results.records if r.status}), rel_tol=0.05)
