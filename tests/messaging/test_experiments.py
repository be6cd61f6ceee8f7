"""The claims lesson 3's experiments make, asserted at the lesson's settings (and other seeds) with properties."""

import math
from dataclasses import replace

import pytest

from course.messaging import (
    RETRY_POLICIES,
    QueueScenario,
    RetryPolicy,
    compare_retries,
    failure_drill,
    retry_row,
    ride_burst,
    simulate,
    sync_vs_queue,
    worker_sweep,
)
from course.sim import Exponential, Poisson, Spike

# the lesson's scenarios, as lessons/03_queues.ipynb writes them
RUSH = QueueScenario(source=Spike(base=1, peak=100, start=60, duration=5), processing=0.2, consumers=4, produce_for=180)
UPLOADS = QueueScenario(source=Poisson(rate=8), processing=Exponential(rate=2.5), consumers=4)
CHECKOUT = QueueScenario(processing=Exponential(rate=20), consumers=2, poll_interval=0.5)

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


# -- 3. the 500 ms caution ------------------------------------------------------------------------


def test_a_queue_with_no_polling_and_no_hops_changes_nothing():
    for row in sync_vs_queue(replace(CHECKOUT, poll_interval=0), hop=0, until=120):
        assert (row.queue_p50, row.queue_p99) == (row.direct_p50, row.direct_p99)


@pytest.mark.claim("queues.sync-over-budget")
def test_a_polling_queue_puts_a_synchronous_call_over_its_500_ms_budget_at_any_load():
    rows = sync_vs_queue(CHECKOUT, until=300)
    assert [r.direct_ok for r in rows] == [True, True, True, True, False]  # direct fits up to 70 % busy
    assert not any(r.queue_ok for r in rows)  # through the queue, not even at 10 % busy
    for r in rows:
        assert 0.18 < r.added_p50 < 0.28  # about half the 0.5 s poll interval, plus two 10 ms hops
        assert r.queue_p99 > r.direct_p99


@pytest.mark.claim("queues.long-polling")
def test_long_polling_shrinks_the_cost_to_the_hops():
    (row,) = sync_vs_queue(replace(CHECKOUT, poll_interval=0.0), rates=(4.0,), hop=0.01, until=120)
    assert row.added_p50 == pytest.approx(0.02)
    assert row.queue_ok


# -- 4. failures, retries and the dead-letter queue -----------------------------------------------


@pytest.fixture(scope="module")
def retry_rows():
    return {r.name: r for r in compare_retries(failure_drill(), until=120)}


@pytest.mark.claim("queues.retry-storm")
def test_retrying_at_once_forever_amplifies_load_and_never_ends(retry_rows):
    forever = retry_rows["at once, forever"]
    assert forever.amplification > 15 and forever.peak_deliveries == 500  # 10 consumers x 100 fast failures/s
    assert not forever.drained and forever.poison_deliveries > 10_000


@pytest.mark.claim("queues.quick-retries-exhaust")
def test_a_short_outage_exhausts_immediate_retries(retry_rows):
    quick = retry_rows["at once, 5 attempts"]
    assert quick.dead_lettered > 300 and quick.poison_deliveries == 5  # healthy messages die with the poison


@pytest.mark.claim("queues.backoff-rides-out")
def test_exponential_backoff_rides_out_the_outage_and_the_dlq_catches_the_poison(retry_rows):
    exp = retry_rows["exponential, 8 attempts"]
    assert exp.dead_lettered == 1 and exp.poison_deliveries == 8 and exp.drained
    assert exp.served == exp.produced - 1
    assert exp.amplification < 2.5 and exp.peak_deliveries < retry_rows["at once, forever"].peak_deliveries / 2


@pytest.mark.claim("queues.jitter-flattens")
def test_jitter_flattens_the_retry_spike_when_the_service_comes_back(retry_rows):
    plain = retry_rows["exponential, 8 attempts"]
    for name in ("exponential + full jitter, 8 attempts", "exponential + equal jitter, 8 attempts"):
        assert retry_rows[name].recovery_peak < 0.8 * plain.recovery_peak
    full = retry_rows["exponential + full jitter, 8 attempts"]
    assert full.deliveries > plain.deliveries and full.p99 > plain.p99  # the price: more attempts, longer tail
    assert full.dead_lettered == 2  # at the lesson's seed one healthy message even runs out of attempts


@pytest.mark.claim("queues.jitter-flattens")
@pytest.mark.parametrize("seed", [1, 3])
def test_the_jitter_claim_holds_on_other_seeds(seed):
    names = ("exponential, 8 attempts", "exponential + equal jitter, 8 attempts")
    rows = compare_retries(failure_drill(), {n: RETRY_POLICIES[n] for n in names}, until=120, seed=seed)
    assert rows[1].recovery_peak < 0.8 * rows[0].recovery_peak


def test_the_dead_letter_queue_says_why():
    drill = failure_drill(RetryPolicy(backoff="none", max_attempts=3), outage=None, burst=0, produce_for=10)
    res = simulate(drill, until=20)
    assert [(d.message, d.reason, d.attempts) for d in res.dead_letters] == [(5, "max attempts", 3)]
    row = retry_row("at once", res)
    assert (row.dead_lettered, row.poison_deliveries, row.recovery_peak) == (1, 3, row.peak_deliveries)


def test_the_drill_is_a_scenario_you_can_print_and_change():
    drill = failure_drill()
    assert isinstance(drill, QueueScenario) and drill.faults.outage == (20.0, 30.0) and drill.consumers == 10
    assert replace(drill, retry=RETRY_POLICIES["at once, forever"]).retry.max_attempts is None
    assert "outage=(20.0, 30.0)" in repr(drill)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ride_burst(replace(RUSH, consumers=0), until=10), "scenario must have at least 1 consumer"),
        (lambda: ride_burst(UPLOADS, until=10), "scenario must have one Spike source"),
        (lambda: ride_burst(RUSH, until=10, waiting_room=-1), "waiting_room must be a whole number"),
        (lambda: worker_sweep(UPLOADS, workers=(0,), until=10), "workers must be a whole number of at least 1"),
        (lambda: sync_vs_queue(CHECKOUT, rates=(0,), until=10), "rates must be a positive number"),
        (lambda: sync_vs_queue(CHECKOUT, budget=0, until=10), "budget must be a positive number"),
        (lambda: failure_drill(burst=-1), "burst must be a whole number"),
        (lambda: failure_drill(burst_at=math.nan), "burst_at must be a number from 0"),
        (lambda: compare_retries(failure_drill(), {"x": "none"}, until=10), "policies must be a RetryPolicy"),
    ],
)
def test_bad_experiment_settings_are_refused_naming_what_was_passed(call, message):
    with pytest.raises(ValueError, match=message):
        call()
