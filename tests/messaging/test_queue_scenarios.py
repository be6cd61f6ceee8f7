"""The claims lesson 3 makes, asserted against the library at the lesson's settings (and other seeds)."""

import math

import pytest

from course.messaging import RetryPolicy
from course.messaging.scenarios import (
    RETRY_POLICIES,
    compare_retries,
    failure_drill,
    process_images,
    ride_burst,
    sync_vs_queue,
    worker_sweep,
)
from course.sim import Exponential

# -- 1. bursty ride requests ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_a_burst_of_500_rides_without_a_queue_drops_most_with_a_queue_none(seed):
    cmp = ride_burst(burst=500, workers=4, ride_time=0.2, seed=seed)
    assert cmp.dropped_direct > 380  # 4 workers at 0.2 s serve 20 rides/s; the burst brings 100/s
    assert cmp.dropped_queued == 0
    assert 18 < cmp.longest_wait < 23  # ~400 queued rides drained at 20/s
    assert 84 < cmp.backlog_cleared < 90  # the backlog from 9:00 (t=60) is gone within half a minute
    assert cmp.queued.summary().accounted and cmp.queued.drained


def test_the_same_rides_reach_both_set_ups():
    cmp = ride_burst()
    assert [r.arrival for r in cmp.direct.records] == [r.produced for r in cmp.queued.records]
    assert repr(cmp) == (
        "BurstComparison(rides=650, no queue: dropped=400, queue: dropped=0, longest wait=19.6 s, "
        "backlog cleared at t=85.8 s)"
    )


def test_latency_grows_with_the_backlog_and_drains_after_the_burst():
    ts = ride_burst().queued.timeseries(bin=5)
    before, during, after = ts.p99[10], max(p for p in ts.p99[12:17] if not math.isnan(p)), ts.p99[20]
    assert before == pytest.approx(0.2) and after == pytest.approx(0.2)
    assert during > 15
    assert max(ts.depth) > 250 and ts.depth[20] == 0


def test_a_waiting_room_is_a_small_queue():
    assert ride_burst(waiting_room=100).dropped_direct < ride_burst(waiting_room=0).dropped_direct - 90


# -- 2. image processing on a worker pool ---------------------------------------------------------


def test_throughput_rises_with_workers_until_it_matches_uploads():
    rows = {r.workers: r for r in worker_sweep()}
    assert rows[1].throughput == pytest.approx(2.5, abs=0.2)  # one worker: 1 / 0.4 s
    assert rows[2].throughput == pytest.approx(5.0, abs=0.3)
    assert rows[1].backlog > 1500 and rows[2].backlog > 800 and rows[3].backlog > 100
    for n in (4, 5, 6, 8):
        assert rows[n].throughput == pytest.approx(8.0, abs=0.3) and rows[n].backlog < 20
    assert rows[8].p99 < rows[4].p99


def test_little_law_holds_in_every_row_of_the_sweep():
    for row in worker_sweep():
        assert row.littles_law.relative_error < 0.03


@pytest.mark.parametrize("seed", range(3))
def test_little_law_holds_on_the_simulated_numbers(seed):
    law = process_images(workers=4, seed=seed).littles_law()
    assert law.L == pytest.approx(law.arrival_rate * law.mean_time, rel=0.01)
    drained = process_images(workers=4, seed=seed, drain=True).littles_law()
    assert drained.relative_error < 1e-9


# -- 3. the 500 ms caution ------------------------------------------------------------------------


def test_a_queue_with_no_polling_and_no_hops_changes_nothing():
    for row in sync_vs_queue(poll_interval=0, hop=0, until=120):
        assert (row.queue_p50, row.queue_p99) == (row.direct_p50, row.direct_p99)


def test_a_queue_puts_a_synchronous_call_over_its_500_ms_budget_at_any_load():
    rows = sync_vs_queue()
    assert [r.direct_ok for r in rows] == [True, True, True, True, False]  # direct fits up to 70 % busy
    assert not any(r.queue_ok for r in rows)  # through the queue, not even at 10 % busy
    for r in rows:
        assert 0.18 < r.added_p50 < 0.28  # about half the 0.5 s poll interval, plus two 10 ms hops
        assert r.queue_p99 > r.direct_p99


def test_long_polling_shrinks_the_cost_to_the_hops():
    (row,) = sync_vs_queue(rates=(4.0,), poll_interval=0.0, hop=0.01, until=120)
    assert row.added_p50 == pytest.approx(0.02)
    assert row.queue_ok


# -- 4. failures, retries and the dead-letter queue -----------------------------------------------


@pytest.fixture(scope="module")
def retry_rows():
    return {r.name: r for r in compare_retries()}


def test_retrying_at_once_forever_amplifies_load_and_never_ends(retry_rows):
    forever = retry_rows["at once, forever"]
    assert forever.amplification > 15 and forever.peak_deliveries == 500  # 10 consumers x 100 fast failures/s
    assert not forever.drained and forever.poison_deliveries > 10_000


def test_a_short_outage_exhausts_immediate_retries(retry_rows):
    quick = retry_rows["at once, 5 attempts"]
    assert quick.dead_lettered > 300 and quick.poison_deliveries == 5  # healthy messages die with the poison


def test_exponential_backoff_rides_out_the_outage_and_the_dlq_catches_the_poison(retry_rows):
    exp = retry_rows["exponential, 8 attempts"]
    assert exp.dead_lettered == 1 and exp.poison_deliveries == 8 and exp.drained
    assert exp.acked == exp.produced - 1
    assert exp.amplification < 2.5 and exp.peak_deliveries < retry_rows["at once, forever"].peak_deliveries / 2


def test_jitter_flattens_the_retry_spike_when_the_service_comes_back(retry_rows):
    plain = retry_rows["exponential, 8 attempts"]
    for name in ("exponential + full jitter, 8 attempts", "exponential + equal jitter, 8 attempts"):
        assert retry_rows[name].recovery_peak < 0.8 * plain.recovery_peak
    full = retry_rows["exponential + full jitter, 8 attempts"]
    assert full.deliveries > plain.deliveries and full.p99 > plain.p99  # the price: more attempts, longer tail


def test_the_jitter_claim_holds_on_another_seed():
    names = ("exponential, 8 attempts", "exponential + equal jitter, 8 attempts")
    rows = compare_retries({n: RETRY_POLICIES[n] for n in names}, seed=3)
    assert rows[1].recovery_peak < 0.8 * rows[0].recovery_peak


def test_the_dead_letter_queue_says_why():
    res = failure_drill(RetryPolicy(backoff="none", max_attempts=3), outage=None, burst=0, until=10)
    assert [(d.message, d.reason, d.attempts) for d in res.dead_letters] == [(5, "max attempts", 3)]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ride_burst(workers=0), "workers must be a whole number of at least 1"),
        (lambda: ride_burst(burst=-5), "burst must be a whole number"),
        (lambda: process_images(rate=0), "rate must be a positive number"),
        (lambda: sync_vs_queue(poll_interval=-1), "poll_interval must be zero or more seconds"),
        (lambda: sync_vs_queue(budget=0), "budget must be a positive number"),
        (lambda: failure_drill(RetryPolicy(), burst=-1), "burst must be a whole number"),
    ],
)
def test_bad_scenario_settings_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_worker_sweep_reports_offered_utilization():
    (row,) = worker_sweep(workers=(2,), work=Exponential(rate=2.5), until=30)
    assert row.utilization == pytest.approx(1.6)
