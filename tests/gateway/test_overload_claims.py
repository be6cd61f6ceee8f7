"""Lesson 1's claims about worst cases, overload protection and fleets of gateways, against the library.

The lesson shows seed 0 and quotes its numbers; each test checks those numbers exactly (the runs
are deterministic) and the claim itself on other seeds, so a claim that holds only by luck fails.
"""

import math
import random

import pytest

from course.gateway import (
    FixedWindow,
    FleetScenario,
    GatewayScenario,
    SlidingWindowCounter,
    SlidingWindowLog,
    TokenBucket,
    busiest_window,
    compare_limiters,
    simulate,
)
from course.labs.gateway import UNTIL
from course.sim import mmc_theory

EXAMPLE = GatewayScenario.example


def run(seed=0, until=20, **knobs):
    return simulate(EXAMPLE(**knobs), until=until, seed=seed)


@pytest.mark.claim("gateway.sliding-counter-worst-case")
def test_the_lessons_worst_case_admits_199_with_a_limit_of_100():
    worst = [0.999] * 100 + [1.99] * 100
    limiters = [TokenBucket(100, 100), FixedWindow(100, 1), SlidingWindowLog(100, 1), SlidingWindowCounter(100, 1)]
    four = compare_limiters(worst, limiters)
    assert [(o.name, o.admitted, o.busiest) for o in four] == [
        ("token_bucket", 199, 199),
        ("fixed_window", 200, 200),
        ("sliding_log", 100, 100),
        ("sliding_counter", 199, 199),
    ]


@pytest.mark.claim("gateway.sliding-counter-worst-case")
@pytest.mark.parametrize("limit", [10, 100, 37])
@pytest.mark.parametrize("into", [0.5, 0.9, 0.99, 0.995])
def test_the_sliding_counter_admits_limit_plus_ceil_limit_times_f_up_to_twice_the_limit(limit, into):
    times = [0.999] * limit + [1 + into] * limit  # a full window at its very end, then more at 1 + into
    counter = compare_limiters(times, [SlidingWindowCounter(limit, 1.0)])[0]
    assert counter.admitted == limit + math.ceil(round(limit * into, 9)) <= 2 * limit
    assert counter.busiest == counter.admitted  # all within 1 + into - 0.999 < 1 s
    assert (counter.admitted == 2 * limit) == (into > 1 - 1 / limit)  # twice the limit late in the window


def test_at_1_995_s_the_sliding_counter_admits_the_full_200_like_a_fixed_window():
    late = [0.999] * 100 + [1.995] * 100
    assert [o.busiest for o in compare_limiters(late, [FixedWindow(100, 1.0), SlidingWindowCounter(100, 1.0)])] == [
        200,
        200,
    ]


@pytest.mark.claim("gateway.sliding-counter-worst-case")
@pytest.mark.parametrize("seed", range(5))
def test_on_any_traffic_the_sliding_counter_never_passes_twice_its_limit_in_any_second(seed):
    rng = random.Random(seed)
    times = sorted(rng.choice([rng.uniform(0, 10), rng.randrange(10) + rng.uniform(0.95, 1)]) for _ in range(3000))
    admitted = compare_limiters(times, [SlidingWindowCounter(50, 1.0)])[0].accepted
    assert 50 < busiest_window(list(admitted), window=1.0) <= 2 * 50


@pytest.mark.claim("gateway.limiter-trade-in-numbers")
def test_the_lessons_numbers_for_the_per_client_bucket_on_the_rush():
    limited, unlimited = run().summary(), run(algorithm="off").summary()
    assert (limited.rate_limited, unlimited.rejected, unlimited.served - limited.served) == (708, 31, 677)
    assert (limited.served, unlimited.served) == (2894, 3571)
    assert (round(limited.p99 * 1000), round(unlimited.p99 * 1000)) == (198, 408)


@pytest.mark.claim("gateway.limiter-trade-in-numbers")
@pytest.mark.parametrize("seed", range(1, 5))
def test_on_other_seeds_too_the_bucket_refuses_many_times_the_503s_it_prevents(seed):
    limited, unlimited = run(seed).summary(), run(seed, algorithm="off").summary()
    assert limited.rate_limited > 5 * (unlimited.rejected - limited.rejected) > 0
    assert unlimited.served - limited.served > 0.1 * unlimited.served  # over a tenth fewer 200s
    assert limited.p99 < unlimited.p99


@pytest.mark.claim("gateway.admission-control-on-the-rush")
def test_the_lessons_table_for_the_rush():
    bucket = run().summary()
    shedder_run = run(algorithm="off", protection="load_shedder")
    shedder = shedder_run.summary()
    global_run = run(algorithm="off", protection="global_rate")
    assert (shedder.shed, shedder.served - bucket.served, round(shedder.p99 * 1000)) == (344, 364, 101)
    assert (global_run.summary().shed, round(100 * max(global_run.load("orders-service")))) == (529, 79)
    assert shedder_run.summary().rejected == shedder.shed  # every 503 was shed, none came from a full queue


@pytest.mark.claim("gateway.admission-control-on-the-rush")
@pytest.mark.parametrize("seed", range(6))
def test_the_shedder_refuses_fewer_and_serves_more_than_the_quota_with_a_short_tail(seed):
    bucket = run(seed).summary()
    shedder = run(seed, algorithm="off", protection="load_shedder").summary()
    assert shedder.shed < bucket.rate_limited and shedder.served > bucket.served
    assert shedder.p99 < min(bucket.p99, 0.12)
    global_run = run(seed, algorithm="off", protection="global_rate")
    assert max(global_run.load("orders-service")) <= 0.8  # under 80 % of capacity in every second


@pytest.mark.claim("gateway.quota-is-not-protection")
@pytest.mark.parametrize("seed", range(6))
def test_clients_within_their_quotas_still_overload_orders_service(seed):
    quotas = run(seed, rate=340, burstiness=1, limit=200)
    assert quotas.summary().rate_limited == 0  # nobody exceeded a quota ...
    assert quotas.utilization["orders-service"] > 0.85 and max(quotas.load("orders-service")) > 1.1  # ... yet
    assert quotas.summary().p99 > 0.25


@pytest.mark.claim("gateway.global-rate-keeps-70-80")
def test_the_lessons_numbers_for_well_behaved_clients():
    quotas = run(rate=340, burstiness=1, limit=200)
    shedder = run(rate=340, burstiness=1, limit=200, protection="load_shedder")
    limit = run(rate=340, burstiness=1, limit=200, protection="global_rate")
    assert (round(100 * quotas.utilization["orders-service"]), round(100 * max(quotas.load("orders-service")))) == (
        90,
        118,
    )
    assert round(quotas.summary().p99 * 1000) == 293
    assert round(100 * limit.utilization["orders-service"]) == 70
    assert round(100 * max(limit.load("orders-service"))) == 79
    assert (round(limit.summary().p99 * 1000), limit.summary().shed) == (108, 406)
    assert round(100 * shedder.utilization["orders-service"]) == 73
    assert (round(shedder.summary().p99 * 1000), shedder.summary().shed) == (99, 317)


@pytest.mark.claim("gateway.global-rate-keeps-70-80")
@pytest.mark.parametrize("seed", range(1, 6))
def test_a_global_rate_limit_at_75_percent_keeps_orders_service_at_70_to_80_percent(seed):
    limit = run(seed, rate=340, burstiness=1, limit=200, protection="global_rate")
    assert 0.65 <= limit.utilization["orders-service"] <= 0.8
    assert max(limit.load("orders-service")) <= 0.8
    assert limit.summary().p99 < 0.15


@pytest.mark.claim("gateway.lab-shedder-replaces-queue-503s")
@pytest.mark.parametrize("seed", range(3))
def test_in_the_lab_at_400_requests_per_second_the_shedder_cuts_the_p99_to_about_100_ms(seed):
    off = run(seed, until=UNTIL, rate=400).summary()
    shed = run(seed, until=UNTIL, rate=400, protection="load_shedder").summary()
    assert off.p99 > 0.25 and shed.p99 < 0.12
    assert 150 <= shed.shed <= 300 and shed.rejected == shed.shed


@pytest.mark.claim("gateway.fleet-counters")
@pytest.mark.parametrize("seed", range(4))
def test_local_counters_multiply_the_limit_split_ones_need_even_balancing_and_a_shared_one_holds(seed):
    def rate(**fields):
        return simulate(FleetScenario(**fields), until=12, seed=seed).summary().admitted_rate

    assert rate(counters="local") > 280  # nearly all of alice's 300 per second
    assert rate(counters="split") == pytest.approx(100, abs=1)
    assert rate(counters="split", balancer="by_client") == 25
    assert rate(counters="local", balancer="by_client") == 100  # pinned: one instance counts all of alice
    assert rate(counters="shared") == 100
    busiest = simulate(FleetScenario(counters="shared"), until=12, seed=seed).summary().busiest
    assert 100 < busiest <= 200  # the fixed window's own boundary leak, not the fleet's


@pytest.mark.claim("gateway.fleet-counters")
def test_the_lessons_fleet_numbers():
    assert round(simulate(FleetScenario(counters="local"), until=12, seed=0).summary().admitted_rate) == 293


@pytest.mark.claim("gateway.fleet-store-down")
@pytest.mark.parametrize("seed", range(4))
def test_failing_open_admits_everything_closed_nothing_and_the_fallback_the_limit(seed):
    def summary(mode):
        return simulate(FleetScenario(store_down=(4, 8), on_store_down=mode), until=12, seed=seed).summary()

    opened, closed, fallback = summary("open"), summary("closed"), summary("local")
    assert opened.outage_rate > 280 and opened.rejected == 0
    assert closed.outage_rate == 0 and closed.rejected > 1000
    assert fallback.outage_rate == pytest.approx(100, abs=1)
    if seed == 0:  # the numbers the lesson quotes
        assert (round(opened.outage_rate), closed.rejected) == (306, 1222)


@pytest.mark.claim("gateway.interview-numbers")
def test_the_interview_numbers():
    assert mmc_theory(4 * 0.8, 1.0, 4).mean_sojourn == pytest.approx(1.75, abs=0.01)
    assert mmc_theory(4 * 0.95, 1.0, 4).mean_sojourn == pytest.approx(5.5, abs=0.05)
    worst = compare_limiters([0.999] * 100 + [1.99] * 100, [FixedWindow(100, 1.0), SlidingWindowCounter(100, 1.0)])
    assert [o.busiest for o in worst] == [200, 199]  # about 2x
