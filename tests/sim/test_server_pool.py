import math
import random
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.sim import ConstantRate, Environment, Exponential, Poisson, ServerPool, percentile, run_pool

POOLS = {  # a pool and its traffic, drawn by hypothesis
    "rate": st.floats(0.0, 50.0),
    "servers": st.integers(1, 4),
    "capacity": st.one_of(st.none(), st.integers(0, 10)),
    "seed": st.integers(0, 1000),
}


def test_fifo_order_and_waiting_on_a_single_server():
    env = Environment()
    pool = ServerPool(env, servers=1, service=1.0)
    for _ in range(3):
        pool.submit()
    env.run()
    assert [(r.job, r.start, r.end) for r in pool.records] == [(0, 0.0, 1.0), (1, 1.0, 2.0), (2, 2.0, 3.0)]
    assert [r.wait for r in pool.records] == [0.0, 1.0, 2.0]


def test_c_servers_work_in_parallel():
    env = Environment()
    pool = ServerPool(env, servers=3, service=2.0)
    for _ in range(3):
        pool.submit()
    env.run()
    assert [r.end for r in pool.records] == [2.0, 2.0, 2.0]
    assert sorted(r.server for r in pool.records) == [0, 1, 2]


def test_a_full_queue_rejects_and_zero_capacity_means_no_waiting_room():
    env = Environment()
    pool = ServerPool(env, servers=1, service=1.0, queue_capacity=0)
    assert pool.submit() == 0
    assert pool.submit() is None
    env.run()
    assert [r.status for r in pool.records] == ["rejected", "served"]


def test_speed_divides_service_time():
    env = Environment()
    pool = ServerPool(env, servers=1, service=1.0, speed=4.0)
    pool.submit()
    env.run()
    assert pool.records[0].end == 0.25


def test_on_done_hears_every_outcome_once():
    env = Environment()
    pool = ServerPool(env, servers=1, service=1.0, queue_capacity=1)
    heard = []
    for i in range(4):
        pool.submit(on_done=lambda r: heard.append((r.tag, r.status)), tag=i)
    env.run()
    assert sorted(heard) == [(0, "served"), (1, "served"), (2, "rejected"), (3, "rejected")]


def test_utilization_counts_busy_worker_time():
    res = run_pool(ConstantRate(rate=1), service=0.5, servers=2, until=100)
    assert res.summary().utilization == pytest.approx(0.25, abs=0.01)


def test_results_keep_unfinished_jobs_at_the_horizon():
    res = run_pool(ConstantRate(rate=10), service=1.0, servers=1, until=5)
    s = res.summary()
    assert s.requests == 49
    assert s.served == 4
    assert s.unfinished == 45
    assert s.requests == s.served + s.rejected + s.unfinished


@given(**POOLS)
def test_every_job_gets_exactly_one_outcome(rate, servers, capacity, seed):
    res = run_pool(Poisson(rate), Exponential(5.0), servers=servers, queue_capacity=capacity, until=10, seed=seed)
    jobs = [r.job for r in res.records]
    assert jobs == list(range(len(jobs)))
    s = res.summary()
    assert s.requests == s.served + s.rejected + s.unfinished
    assert 0 <= s.utilization <= 1 + 1e-9
    for r in res.records:
        assert r.arrival <= r.start <= r.end


def test_latency_grows_as_utilization_nears_one():
    p99 = [
        run_pool(Poisson(rate), Exponential(10), servers=1, until=2000, seed=1).summary().p99 for rate in (5, 8, 9.5)
    ]
    assert p99[0] < p99[1] < p99[2]
    assert p99[2] > 4 * p99[0]


def test_timeseries_bins_add_up_to_the_summary():
    res = run_pool(Poisson(20), Exponential(25), servers=1, queue_capacity=5, until=30, seed=2)
    ts = res.timeseries(bin=5)
    s = res.summary()
    assert ts.t == [0, 5, 10, 15, 20, 25]
    assert sum(ts.arrivals) == s.requests
    assert sum(ts.served) == s.served
    assert sum(ts.rejected) == s.rejected


@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50),
    q=st.floats(0, 100),
)
def test_percentile_interpolates_like_numpy(values, q):
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-6)


def test_an_unbounded_run_is_refused_at_once():
    # Regression: run_pool(..., until=inf) never returned.
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"^until must be a positive number of at most 1e\+06 \(got inf\)"):
        run_pool(Poisson(5), Exponential(10), until=math.inf)
    assert time.perf_counter() - started < 5


def test_service_times_given_per_job_are_checked_and_used():
    env = Environment()
    pool = ServerPool(env, servers=1, service=1.0)
    pool.submit(service_time=0.25)
    env.run()
    assert pool.records[0].end == 0.25
    with pytest.raises(ValueError, match=r"^service_time must be a number from 0"):
        pool.submit(service_time=float("nan"))
    with pytest.raises(ValueError, match=r"^on_done must be a function"):
        pool.submit(on_done="print")
    assert pool.submitted == 1  # a refused job never entered the pool


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(servers=0, service=1.0), "^servers must be a whole number of at least 1"),
        (dict(servers=1.5, service=1.0), "^servers must be a whole number"),
        (dict(servers=10**9, service=1.0), "^servers must be a whole number of at most 100,000"),
        (dict(servers=1, service=1.0, queue_capacity=-1), "^queue_capacity must be a whole number of at least 0"),
        (dict(servers=1, service=1.0, speed=0), "^speed must be a positive number"),
        (dict(servers=1, service="fast"), "^service must be a Distribution or an int or a float"),
        (dict(servers=1, service=float("nan")), r"^service must be a positive number .*\(got nan\)"),
        (dict(servers=1, service=1.0, seed=None), "^seed must be a whole number"),
    ],
)
def test_bad_pool_settings_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ServerPool(Environment(), **kwargs)


@given(**POOLS)
def test_pool_feed_serves_exactly_as_env_feed_with_submit(rate, servers, capacity, seed):
    def run(fast):
        env = Environment()
        pool = ServerPool(env, servers, Exponential(2.0), queue_capacity=capacity, seed=seed)
        times = Poisson(rate).times(30, random.Random(seed))
        pool.feed(times) if fast else env.feed(times, pool.submit)
        env.run(until=30)
        return pool.results().records, pool.total_wait, pool.total_latency

    assert run(fast=True) == run(fast=False)


def test_draws_from_a_distribution_written_elsewhere_are_checked():
    class Broken(Exponential):
        def sample_many(self, rng, n):
            return [-1.0] * n

    pool = ServerPool(Environment(), 1, Broken(1.0))
    with pytest.raises(ValueError, match=r"^service_time must be .*Broken must draw seconds of work"):
        pool.submit()
