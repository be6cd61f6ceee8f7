"""The claims lesson 3 makes about the failure drill: a retry storm that outlives its cause, and how to end it.

The drill's payment service answers 200 calls/s and its callers give up after 20 ms, so it can
answer 4 calls within the timeout; ten consumers are more. Each claim is checked at the lesson's
seed, and the ones the lesson states in general on other seeds too.
"""

from functools import cache

import pytest

from course.messaging import (
    BREAKER,
    PAYMENTS,
    RETRY_POLICIES,
    QueueScenario,
    RetryPolicy,
    compare_retries,
    failure_drill,
    retry_row,
    simulate,
)
from course.sim import Spike

FOREVER = RETRY_POLICIES["at once, forever"]
QUICK = RETRY_POLICIES["at once, 5 attempts"]
EXP = RETRY_POLICIES["exponential, 8 attempts"]
FULL = RETRY_POLICIES["exponential + full jitter, 8 attempts"]
EQUAL = RETRY_POLICIES["exponential + equal jitter, 8 attempts"]
SEEDS = (0, 1, 2)


@cache
def drill_rows(seed):
    """The lesson's five policies on the drill, by name (each run once per test session)."""
    return {r.name: r for r in compare_retries(failure_drill(), until=120, seed=seed)}


@cache
def _row(retry, seed, knobs):
    return retry_row("run", simulate(failure_drill(retry, **dict(knobs)), until=120, seed=seed))


def row(retry, seed=0, **knobs):
    """One run of the drill with `retry` and some of its knobs changed (cached: several claims read it)."""
    return _row(retry, seed, tuple(sorted(knobs.items())))


@pytest.fixture(params=SEEDS)
def rows(request):
    return drill_rows(request.param)


@pytest.fixture
def lesson_rows():
    return drill_rows(0)


def test_the_drill_is_the_lesson_scenario():
    drill = failure_drill()
    assert drill == QueueScenario(
        source=Spike(base=20, peak=220, start=20, duration=1), processing=0.01, consumers=10, produce_for=60,
        dependency=PAYMENTS, faults=drill.faults,
    )  # fmt: skip
    assert drill.faults.outage == (20.0, 30.0) and drill.faults.poison == {5} and drill.faults.fail_time == 0.01
    assert PAYMENTS.capacity == pytest.approx(4.0) and PAYMENTS.capacity < drill.consumers  # ten can overload it


@pytest.mark.claim("queues.retry-storm")
def test_retrying_at_once_forever_turns_a_passing_trigger_into_a_storm_that_never_ends(rows):
    forever = rows["at once, forever"]
    assert forever.peak_deliveries == 500  # 10 consumers x 100 refusals/s during the outage, per half second
    assert forever.goodput_after == 0  # 10 to 30 s after the outage: not one ack, while 20 messages/s arrive
    assert forever.timed_out > 30_000 and not forever.drained and forever.unfinished > 700
    assert forever.deliveries > 15 * forever.produced


@pytest.mark.claim("queues.retry-storm")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_same_retries_run_fine_without_a_trigger_and_either_trigger_alone_tips_them(seed):
    calm = row(FOREVER, seed, outage=None, burst=0)
    assert calm.timed_out == 0 and calm.unfinished == 1 and calm.served == calm.produced - 1  # only the poison loops
    assert calm.goodput_after == pytest.approx(20, abs=2)
    for trigger in ({"outage": None}, {"burst": 0}):  # the burst alone, or the outage alone
        tipped = row(FOREVER, seed, **trigger)
        assert tipped.unfinished > 700 and tipped.timed_out > 30_000


@pytest.mark.claim("queues.quick-retries-exhaust")
def test_a_short_outage_exhausts_immediate_retries(rows):
    quick = rows["at once, 5 attempts"]
    assert quick.dead_lettered > 300 and quick.poison_deliveries == 5  # healthy messages die with the poison
    assert quick.drained


@pytest.mark.claim("queues.backoff-cuts-attempts")
def test_exponential_backoff_cuts_attempts_and_recovers_but_its_waves_still_lose_messages(rows):
    exp, forever = rows["exponential, 8 attempts"], rows["at once, forever"]
    assert exp.deliveries < forever.deliveries / 10 and exp.drained
    assert exp.goodput_after > 15  # the service recovered: acks keep up with arrivals again
    assert exp.dead_lettered - 1 > 20 and exp.timed_out > 100  # synchronized waves time out; healthy messages die
    assert exp.poison_deliveries == 8


def test_the_lesson_numbers_of_plain_backoff(lesson_rows):
    exp = lesson_rows["exponential, 8 attempts"]
    assert (exp.deliveries, exp.dead_lettered) == (3296, 78)


@pytest.mark.claim("queues.jitter-spreads")
def test_jitter_spreads_the_synchronized_waves_so_few_messages_die_and_the_tail_shrinks(rows):
    exp = rows["exponential, 8 attempts"]
    for name in ("exponential + full jitter, 8 attempts", "exponential + equal jitter, 8 attempts"):
        jittered = rows[name]
        assert jittered.dead_lettered <= 6 < exp.dead_lettered and jittered.timed_out < exp.timed_out / 10
        assert jittered.p99 < exp.p99 / 2 and jittered.drained
    equal = rows["exponential + equal jitter, 8 attempts"]
    assert equal.deliveries < exp.deliveries and equal.dead_lettered == 1  # only the poison


@pytest.mark.claim("queues.jitter-spreads")
def test_at_the_lesson_seed_both_jitters_make_fewer_deliveries(lesson_rows):
    exp = lesson_rows["exponential, 8 attempts"]
    assert lesson_rows["exponential + full jitter, 8 attempts"].deliveries < exp.deliveries
    assert lesson_rows["exponential + equal jitter, 8 attempts"].deliveries < exp.deliveries


@pytest.mark.claim("queues.jitter-spreads")
@pytest.mark.parametrize("seed", SEEDS)
def test_when_failures_are_not_synchronized_full_jitter_adds_attempts(seed):
    plain, full = compare_retries(failure_drill(burst=0), {"exp": EXP, "full": FULL}, until=120, seed=seed)
    assert full.deliveries > plain.deliveries  # full jitter halves the average wait
    assert plain.dead_lettered == 1  # without the synchronized burst, plain backoff loses nothing but the poison


@pytest.mark.claim("queues.breaker")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_breaker_makes_the_fewest_attempts_and_loses_only_the_poison_but_drains_slowly(seed):
    broken = row(FULL, seed, breaker=BREAKER)
    others = drill_rows(seed)
    assert broken.deliveries < min(r.deliveries for r in others.values())
    assert broken.dead_lettered == 1 and broken.served == broken.produced - 1 and broken.drained
    assert broken.breaker_opened > 20  # it lets ten consumers back in at once, too many again: it flaps
    assert broken.p99 > others["exponential + equal jitter, 8 attempts"].p99  # the price: a slower drain


@pytest.mark.claim("queues.breaker")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_breaker_alone_does_not_end_a_storm_of_immediate_retries(seed):
    broken = row(FOREVER, seed, breaker=BREAKER)
    forever = drill_rows(seed)["at once, forever"]
    assert broken.deliveries < forever.deliveries / 5  # far fewer calls ...
    assert broken.unfinished > 300 and not broken.drained  # ... but the backlog never drains


@pytest.mark.claim("queues.concurrency-limit")
@pytest.mark.parametrize("seed", SEEDS)
def test_four_consumers_never_overload_the_service_even_retrying_at_once(seed):
    for retry in (FOREVER, EXP):
        capped = row(retry, seed, consumers=round(PAYMENTS.capacity))
        assert capped.timed_out == 0
        assert capped.served == capped.produced - 1  # everything but the poison message
        assert capped.goodput_after == pytest.approx(20, abs=4)


def test_a_breaker_keeps_consumers_off_a_service_that_is_down():
    res = simulate(failure_drill(FOREVER, breaker=BREAKER, burst=0, produce_for=40), until=40)
    during = [e for e in res.events if e.kind == "deliver" and 21 <= e.t < 29]
    assert len(during) < 50  # a probe per second, not 1,000 calls a second
    states = [state for t, state in res.breaker_log if 20 <= t < 30]
    assert "open" in states and "half_open" in states


def test_the_failure_drill_refuses_bad_settings():
    with pytest.raises(ValueError, match="dependency must be a Dependency"):
        failure_drill(dependency="payments")
    with pytest.raises(ValueError, match="breaker must be a CircuitBreaker"):
        failure_drill(breaker=5)
    with pytest.raises(ValueError, match="retry must be a RetryPolicy"):
        failure_drill(retry="none")
    assert failure_drill(RetryPolicy(max_attempts=3)).retry.max_attempts == 3
