"""The 500 ms caution of lesson 3: long polling is not the problem; a backlog and work after the timeout are."""

import math
from dataclasses import replace

import pytest

from course.messaging import QueueScenario, Reply, request_reply, sync_vs_queue
from course.sim import ConstantRate, Exponential, Poisson, Spike

CHECKOUT = QueueScenario(processing=Exponential(rate=20), consumers=2)  # the lesson's: 50 ms of work, long polling
MIXED = replace(
    CHECKOUT, source=(Poisson(rate=5), Spike(base=0, peak=400, start=10, duration=5)), consumers=4, produce_for=40
)  # checkout calls and a batch of 2,000 e-mails on one queue


@pytest.fixture(scope="module")
def sync_rows():
    return sync_vs_queue(CHECKOUT, until=300)


@pytest.mark.claim("queues.long-polling")
def test_with_long_polling_the_queue_adds_only_its_two_hops_and_fits_the_budget_where_a_direct_call_does(sync_rows):
    for r in sync_rows:
        assert r.added_p50 == pytest.approx(0.02)  # 10 ms to the broker and 10 ms back
        assert r.queue_p99 == pytest.approx(r.direct_p99 + 0.02, abs=1e-9)
    assert [r.queue_ok for r in sync_rows] == [r.direct_ok for r in sync_rows] == [True, True, True, True, False]


def test_a_consumer_that_sleeps_between_empty_polls_adds_about_half_its_sleep():
    (polling,) = sync_vs_queue(replace(CHECKOUT, poll_interval=0.5), rates=(4.0,), until=300)
    assert 0.18 < polling.added_p50 < 0.28 and not polling.queue_ok


def test_a_queue_with_no_polling_and_no_hops_changes_nothing():
    for row in sync_vs_queue(CHECKOUT, hop=0, until=120):
        assert (row.queue_p50, row.queue_p99) == (row.direct_p50, row.direct_p99)


@pytest.fixture(scope="module", params=[0, 1, 2])
def mixed(request):
    return request_reply(MIXED, budget=0.5, callers=(0,), until=60, seed=request.param)


@pytest.mark.claim("queues.request-reply-backlog")
def test_requests_that_land_behind_the_batch_wait_for_it_and_time_out(mixed):
    before = [r for r in mixed.records if r.sent < 10]
    behind = [r for r in mixed.records if 11 <= r.sent < 30]
    assert before and all(r.outcome == "served" for r in before)  # an empty queue answers in time
    assert behind and all(r.outcome == "timed_out" for r in behind)  # behind the batch, nobody does
    assert max(r.response for r in behind) > 15  # waiting for ~2,000 e-mails at 80 per second
    s = mixed.summary()
    assert s.requests == len(mixed.records) == sum(r.producer == 0 for r in mixed.queued.records)
    assert s.answered + s.timed_out + s.unfinished == s.requests and s.timed_out > 100


@pytest.mark.claim("queues.work-after-timeout")
def test_every_request_whose_caller_gave_up_is_still_processed_and_its_reply_matches_nobody(mixed):
    gone = [r for r in mixed.records if r.outcome == "timed_out"]
    assert gone and all(r.orphan and r.replied > r.deadline for r in gone)
    s = mixed.summary()
    assert s.orphans == s.timed_out and s.started_late > 0.9 * s.timed_out  # most had not even started in time
    acked = {m.id for m in mixed.queued.records if m.state == "acked"}
    assert {r.correlation_id for r in gone} <= acked  # the work was done: the charge happened


def test_a_reply_is_matched_by_its_correlation_id_and_timed_by_the_hops():
    rr = request_reply(QueueScenario(source=ConstantRate(rate=1), processing=0.1, consumers=1), hop=0.01, until=5)
    for r, m in zip(rr.records, rr.queued.records, strict=True):
        assert r.correlation_id == m.id
        assert r.sent == pytest.approx(m.produced - 0.01) and r.replied == pytest.approx(m.end + 0.01)
        assert r.response == pytest.approx(0.12) and r.outcome == "served"


def test_only_the_callers_messages_are_requests():
    rr = request_reply(MIXED, callers=(1,), until=60)
    assert len(rr.records) > 1900  # the batch producer as the caller: its messages are the requests now
    assert request_reply(MIXED, callers=(), until=60).records == []


def test_a_caller_still_waiting_at_the_end_is_unfinished():
    busy = QueueScenario(source=ConstantRate(rate=4), processing=1.0, consumers=1)
    s = request_reply(busy, budget=100, until=5).summary()
    assert s.unfinished > 0 and s.timed_out == 0
    never = Reply(0, 0.0, 1.0, math.nan, math.nan, "timed_out")
    assert not never.orphan and math.isnan(never.response)


def test_the_summary_says_it_in_words(mixed):
    text = str(mixed.summary())
    assert "answered within 500 ms" in text and "processed anyway" in text
    assert all(len(line) <= 80 for line in text.splitlines()) and 2 <= len(mixed.summary().lines()) <= 3


def test_the_timeseries_counts_requests_by_when_they_were_sent(mixed):
    ts = mixed.timeseries(5.0)
    assert sum(ts.sent) == len(mixed.records)
    assert sum(ts.answered) == mixed.summary().answered and sum(ts.timed_out) == mixed.summary().timed_out
    assert ts.worst[0] < 0.5 and ts.worst[3] > 5


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: request_reply(MIXED, budget=0, until=10), "budget must be a positive number"),
        (lambda: request_reply(MIXED, callers=(2,), until=10), "callers must be a whole number of at most 1"),
        (lambda: request_reply(MIXED, callers=0, until=10), "callers must be a list of producer numbers"),
        (lambda: sync_vs_queue(CHECKOUT, rates=(0,), until=10), "rates must be a positive number"),
        (lambda: sync_vs_queue(CHECKOUT, budget=0, until=10), "budget must be a positive number"),
        (lambda: sync_vs_queue(replace(CHECKOUT, consumers=0), until=10), "scenario must have at least 1 consumer"),
    ],
)
def test_bad_settings_are_refused_naming_what_was_passed(call, message):
    with pytest.raises(ValueError, match=message):
        call()
