"""The claims lesson 3's burst and worker experiments make, at the lesson's settings (and other seeds).

(The synchronous path is in test_request_reply.py, the failure drill in test_storm.py.)"""

import math
from dataclasses import replace

import pytest

from course.messaging import QueueScenario, compare_retries, failure_drill, ride_burst, simulate, worker_sweep
from course.sim import Exponential, Poisson, Spike

# the lesson's scenarios, as lessons/03_queues.ipynb writes them
RUSH = QueueScenario(source=Spike(base=1, peak=100, start=60, duration=5), processing=0.2, consumers=4, produce_for=180)
UPLOADS = QueueScenario(source=Poisson(rate=8), processing=Exponential(rate=2.5), consumers=4)

# -- 1. bursty ride requests ----------------------------------------------------------------------


@pytest.mark.claim("queues.burst-waits-instead")
@pytest.mark.parametrize("seed", range(5))
def test_a_burst_without_a_queue_is_mostly_rejected_with_a_queue_it_waits(seed):
    cmp = ride_burst(RUSH, until=240, seed=seed)
    assert cmp.rejected_direct > 380  # 4 workers at 0.2 s serve 20 rides/s; the burst brings 100/s
    assert cmp.rejected_queued == 0 and cmp.queued.drained and cmp.queued.summary().accounted
    extra = cmp.rejected_direct  # what the queue had to hold instead
    assert extra / 20 * 0.85 < cmp.longest_wait < extra / 20 * 1.15  # the wait is backlog / drain rate (20/s)


def test_the_same_rides_reach_both_set_ups():
    cmp = ride_burst(RUSH, until=240)
    assert [r.arrival for r in cmp.direct.records] == [r.produced for r in cmp.queued.records]
    assert cmp.rejected_direct == sum(r.status == "rejected" for r in cmp.direct.records)
    assert cmp.longest_wait == max(r.wait for r in cmp.queued.records)


@pytest.mark.claim("queues.backlog-drains")
@pytest.mark.parametrize("seed", range(3))
def test_the_backlog_builds_during_the_burst_and_drains_after_it(seed):
    cmp = ride_burst(RUSH, until=240, seed=seed)
    busy = [(t, ready) for t, ready, *_ in cmp.queued.gauges if ready > 4]
    assert cmp.burst_start <= busy[0][0] < cmp.burst_end  # the backlog starts with the burst
    assert cmp.burst_end < cmp.backlog_cleared < cmp.burst_start + 35  # and is gone within half a minute
    after = [ready for t, ready, *_ in cmp.queued.gauges if t >= cmp.backlog_cleared]
    assert max(after) <= 4  # after that the workers keep up again
    ts = cmp.queued.timeseries(bin=5)
    before, during, later = ts.p99[10], max(p for p in ts.p99[12:17] if not math.isnan(p)), ts.p99[20]
    assert before == pytest.approx(0.2) and later == pytest.approx(0.2) and during > 15


@pytest.mark.claim("queues.drain-time-not-littles-law")
@pytest.mark.parametrize("seed", range(3))
def test_backlog_over_drain_rate_times_the_transient_while_littles_law_relates_averages(seed):
    cmp = ride_burst(RUSH, until=240, seed=seed)
    assert cmp.drain_rate == pytest.approx(19.0)  # 4 workers x 5/s, minus the 1/s still arriving
    assert cmp.peak_backlog == pytest.approx(cmp.rejected_direct, rel=0.1)  # what the burst left over
    assert cmp.drain_time == pytest.approx(cmp.longest_wait, rel=0.15)  # the last rider's wait
    law = cmp.queued.littles_law()
    assert law.relative_error < 1e-9  # drained by 240 s: L = lambda W exactly, over the run
    assert law.L < cmp.peak_backlog / 10 and law.mean_time < cmp.longest_wait / 2  # averages hide peak and worst
    assert law.arrival_rate == pytest.approx(cmp.rides / 240)


def test_a_waiting_room_is_a_small_queue():
    assert (
        ride_burst(RUSH, until=240, waiting_room=100).rejected_direct < ride_burst(RUSH, until=240).rejected_direct - 90
    )


# -- 2. image processing on a worker pool ---------------------------------------------------------


@pytest.mark.claim("queues.workers-until-throughput-matches")
def test_throughput_rises_with_workers_until_it_matches_uploads():
    rows = {r.workers: r for r in worker_sweep(UPLOADS, until=300)}
    for n in (1, 2, 3):  # below 8 images/s of capacity: throughput = capacity, the backlog grows
        assert rows[n].throughput == pytest.approx(2.5 * n, rel=0.05) and rows[n].backlog > 100
    for n in (4, 5, 6, 8):
        assert rows[n].throughput == pytest.approx(8.0, abs=0.3) and rows[n].backlog < 20
    assert rows[8].p99 < rows[4].p99
    assert [rows[n].utilization for n in (1, 2, 4)] == pytest.approx([3.2, 1.6, 0.8])


@pytest.mark.claim("queues.littles-law")
@pytest.mark.parametrize("seed", range(3))
def test_little_law_holds_on_the_simulated_numbers(seed):
    law = simulate(UPLOADS, until=300, seed=seed).littles_law()
    assert law.L == pytest.approx(law.arrival_rate * law.mean_time, rel=0.01)
    drained = simulate(replace(UPLOADS, produce_for=300), until=400, seed=seed).littles_law()
    assert drained.relative_error < 1e-9  # exact once every message has left
    for row in worker_sweep(UPLOADS, workers=(4, 8), until=300, seed=seed):
        assert row.littles_law.relative_error < 0.03


# -- bad settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ride_burst(replace(RUSH, consumers=0), until=10), "scenario must have at least 1 consumer"),
        (lambda: ride_burst(UPLOADS, until=10), "scenario must have one Spike source"),
        (lambda: ride_burst(RUSH, until=10, waiting_room=-1), "waiting_room must be a whole number"),
        (lambda: worker_sweep(UPLOADS, workers=(0,), until=10), "workers must be a whole number of at least 1"),
        (lambda: failure_drill(burst=-1), "burst must be a whole number"),
        (lambda: failure_drill(burst_at=math.nan), "burst_at must be a number from 0"),
        (lambda: compare_retries(failure_drill(), {"x": "none"}, until=10), "policies must be a RetryPolicy"),
    ],
)
def test_bad_experiment_settings_are_refused_naming_what_was_passed(call, message):
    with pytest.raises(ValueError, match=message):
        call()
