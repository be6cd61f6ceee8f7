"""The four rate limiters, pinned at their exact boundaries."""

import pytest

from course.gateway import (
    LIMITERS,
    FixedWindow,
    SlidingWindowCounter,
    SlidingWindowLog,
    TokenBucket,
    make_limiter,
)

# -- token bucket ---------------------------------------------------------------------------


def test_a_token_bucket_is_full_at_a_keys_first_request():
    bucket = TokenBucket(capacity=3, rate=1)
    assert [bucket.allow(0.0) for _ in range(4)] == [True, True, True, False]
    assert [bucket.allow(5.0, key="bob") for _ in range(4)] == [True, True, True, False]


def test_a_burst_of_50_against_capacity_20_gets_30_refusals():
    bucket = TokenBucket(capacity=20, rate=100)
    decisions = [bucket.allow(0.0) for _ in range(50)]
    assert decisions.count(True) == 20
    assert decisions == [True] * 20 + [False] * 30


def test_fractional_refill_reaches_one_token_exactly():
    bucket = TokenBucket(capacity=1, rate=10)
    assert bucket.allow(0.0)
    assert bucket.tokens(0.05) == 0.5
    assert not bucket.allow(0.05)  # half a token: refused, and the refusal costs nothing
    assert not bucket.allow(0.099999999)
    assert bucket.allow(0.1)  # 0.5 + 0.05 s * 10/s = exactly 1 token
    assert not bucket.allow(0.1)


def test_refill_over_float_unfriendly_gaps_is_exact():
    bucket = TokenBucket(capacity=1, rate=10)
    assert bucket.allow(0.2)
    assert bucket.allow(0.3)  # 0.3 - 0.2 is 0.0999... in floats, but 0.1 s refills one whole token
    assert bucket.allow(0.4)


def test_the_bucket_never_holds_more_than_capacity():
    bucket = TokenBucket(capacity=2, rate=1)
    assert [bucket.allow(0.0) for _ in range(2)] == [True, True]
    assert bucket.tokens(1000.0) == 2
    assert [bucket.allow(1000.0) for _ in range(3)] == [True, True, False]


def test_a_refused_request_costs_nothing():
    bucket = TokenBucket(capacity=1, rate=1)
    assert bucket.allow(0.0)
    assert not any(bucket.allow(0.1 * i) for i in range(1, 10))
    assert bucket.allow(1.0)


def test_traffic_at_exactly_the_refill_rate_is_never_refused():
    bucket = TokenBucket(capacity=1, rate=100)
    assert all(bucket.allow(k / 100) for k in range(1000))


def test_a_fractional_capacity_carries_the_fraction():
    bucket = TokenBucket(capacity=1.5, rate=1)
    assert bucket.allow(0.0)  # 1.5 -> 0.5
    assert not bucket.allow(0.0)
    assert bucket.allow(0.5)  # 0.5 + 0.5 = 1


def test_token_bucket_retry_after_is_exact_to_the_nanosecond():
    bucket = TokenBucket(capacity=20, rate=100)
    for _ in range(20):
        bucket.allow(0.0)
    assert bucket.retry_after(0.0) == 0.01
    assert not bucket.allow(0.009999999)
    assert bucket.allow(0.01)
    assert bucket.retry_after(0.01) == 0.01


def test_token_bucket_retry_after_rounds_up_to_a_whole_nanosecond():
    bucket = TokenBucket(capacity=1, rate=0.3)
    assert bucket.allow(0.0)
    assert bucket.retry_after(0.0) == 3.333333334  # 1 / 0.3 s, rounded up
    assert not bucket.allow(3.333333333)
    assert bucket.allow(3.333333334)


def test_retry_after_is_zero_when_a_request_would_pass():
    bucket = TokenBucket(capacity=2, rate=1)
    assert bucket.retry_after(0.0) == 0.0
    bucket.allow(0.0)
    assert bucket.retry_after(0.0) == 0.0


# -- fixed window ---------------------------------------------------------------------------


def test_fixed_window_counts_per_aligned_window_and_k_times_w_opens_the_next():
    limiter = FixedWindow(limit=2, window=1.0)
    assert [limiter.allow(t) for t in (0.0, 0.5, 0.999999999)] == [True, True, False]
    assert [limiter.allow(1.0) for _ in range(3)] == [True, True, False]
    assert limiter.count(1.5) == 2
    assert limiter.count(2.0) == 0


def test_fixed_window_boundaries_are_exact_for_decimal_windows():
    limiter = FixedWindow(limit=1, window=0.1)
    assert limiter.allow(0.2)
    assert not limiter.allow(0.29999)
    assert limiter.allow(0.3)  # 0.3 / 0.1 is 2.9999999999999996 in floats; here it is window 3


def test_fixed_window_lets_twice_the_limit_through_around_a_boundary():
    limiter = FixedWindow(limit=100, window=1.0)
    admitted = sum(limiter.allow(0.999) for _ in range(100)) + sum(limiter.allow(1.0) for _ in range(100))
    assert admitted == 200  # 200 requests within one millisecond


def test_fixed_window_retry_after_is_the_next_window_start():
    limiter = FixedWindow(limit=2, window=1.0)
    limiter.allow(0.25)
    limiter.allow(0.25)
    assert limiter.retry_after(0.25) == 0.75
    assert not limiter.allow(0.999999999)
    assert limiter.allow(1.0)


# -- sliding window log ---------------------------------------------------------------------


def test_sliding_log_forgets_a_request_exactly_one_window_ago():
    limiter = SlidingWindowLog(limit=2, window=1.0)
    assert [limiter.allow(t) for t in (0.0, 0.5, 0.999999999)] == [True, True, False]
    assert limiter.allow(1.0)  # the one at 0.0 is exactly 1 s ago: it no longer counts
    assert not limiter.allow(1.499999999)
    assert limiter.allow(1.5)


def test_sliding_log_keeps_only_accepted_requests():
    limiter = SlidingWindowLog(limit=1, window=1.0)
    assert limiter.allow(0.0)
    assert not limiter.allow(0.9)  # refused: not logged
    assert limiter.allow(1.0)  # so only 0.0 mattered
    assert not limiter.allow(1.5)
    assert limiter.count(1.5) == 1


def test_sliding_log_is_exact_for_decimal_windows():
    limiter = SlidingWindowLog(limit=1, window=0.1)
    assert limiter.allow(0.2)
    assert limiter.allow(0.3)  # exactly one window later


def test_sliding_log_retry_after_waits_for_the_oldest_request_to_leave():
    limiter = SlidingWindowLog(limit=2, window=1.0)
    limiter.allow(0.0)
    limiter.allow(0.5)
    assert limiter.retry_after(0.7) == 0.3
    assert not limiter.allow(0.999999999)
    assert limiter.retry_after(0.999999999) == 1e-9
    assert limiter.allow(1.0)
    assert limiter.retry_after(1.0) == 0.5


def test_sliding_log_admits_the_limit_once_around_a_boundary():
    limiter = SlidingWindowLog(limit=100, window=1.0)
    admitted = sum(limiter.allow(0.999) for _ in range(100)) + sum(limiter.allow(1.0) for _ in range(100))
    assert admitted == 100


# -- sliding window counter -----------------------------------------------------------------


def test_sliding_counter_weighs_the_previous_window_by_what_is_left_of_it():
    limiter = SlidingWindowCounter(limit=4, window=1.0)
    assert [limiter.allow(t) for t in (0.1, 0.2, 0.3, 0.4, 0.5)] == [True] * 4 + [False]
    assert limiter.estimate(1.0) == 4.0  # a new window, but the previous one still weighs fully
    assert not limiter.allow(1.0)
    assert limiter.estimate(1.25) == 3.0
    assert [limiter.allow(1.25) for _ in range(2)] == [True, False]  # 3 + 0 < 4, then 3 + 1 = 4
    assert limiter.estimate(1.5) == 3.0  # 4 * 0.5 + 1
    assert [limiter.allow(1.5) for _ in range(2)] == [True, False]
    assert limiter.estimate(2.0) == 2.0  # window [1, 2) accepted 2; [0, 1) is two windows ago
    assert limiter.estimate(3.0) == 0.0


def test_sliding_counter_forgets_a_window_two_windows_ago():
    limiter = SlidingWindowCounter(limit=2, window=1.0)
    assert [limiter.allow(0.5) for _ in range(3)] == [True, True, False]
    assert [limiter.allow(2.0) for _ in range(3)] == [True, True, False]


def test_sliding_counter_is_exact_at_decimal_window_starts():
    limiter = SlidingWindowCounter(limit=1, window=0.1)
    assert limiter.allow(0.25)
    assert limiter.estimate(0.3) == 1.0  # 0.3 starts window 3; window 2 weighs fully
    assert limiter.estimate(0.35) == 0.5


def test_sliding_counter_retry_after_follows_the_fading_estimate():
    limiter = SlidingWindowCounter(limit=4, window=1.0)
    assert all(limiter.allow(0.5) for _ in range(4))
    assert [limiter.allow(1.5) for _ in range(3)] == [True, True, False]
    assert [limiter.allow(1.6) for _ in range(2)] == [True, False]  # 4 * 0.4 + 2 < 4, then + 3 > 4
    assert limiter.retry_after(1.6) == 0.150000001  # 4 * (1 - x) + 3 < 4 needs x > 0.75
    assert not limiter.allow(1.75)
    assert limiter.allow(1.750000001)


def test_sliding_counter_full_window_waits_past_the_next_window_start():
    limiter = SlidingWindowCounter(limit=4, window=1.0)
    assert all(limiter.allow(0.5) for _ in range(4))
    assert limiter.retry_after(0.5) == 0.500000001  # at exactly 1.0 the estimate is still 4
    assert not limiter.allow(1.0)
    assert limiter.allow(1.000000001)


# -- shared behaviour -----------------------------------------------------------------------

ALL = [TokenBucket(capacity=2, rate=1), FixedWindow(2, 1.0), SlidingWindowLog(2, 1.0), SlidingWindowCounter(2, 1.0)]


@pytest.mark.parametrize("limiter", ALL, ids=lambda lim: lim.name)
def test_keys_have_separate_state(limiter):
    limiter = limiter.fresh()
    assert [limiter.allow(0.0, key="alice") for _ in range(3)] == [True, True, False]
    assert [limiter.allow(0.0, key="bob") for _ in range(3)] == [True, True, False]
    assert sorted(limiter.keys) == ["alice", "bob"]


@pytest.mark.parametrize("limiter", ALL, ids=lambda lim: lim.name)
def test_time_going_backwards_for_a_key_is_refused_with_a_clear_error(limiter):
    limiter = limiter.fresh()
    limiter.allow(2.0, key="alice")
    with pytest.raises(ValueError, match="time went backwards for key 'alice'"):
        limiter.allow(1.0, key="alice")
    with pytest.raises(ValueError, match="time went backwards"):
        limiter.retry_after(1.0, key="alice")
    assert limiter.allow(1.0, key="bob")  # another key has its own clock
    assert limiter.allow(2.0, key="alice")  # the same instant again is fine


@pytest.mark.parametrize("limiter", ALL, ids=lambda lim: lim.name)
def test_queries_do_not_change_state(limiter):
    limiter = limiter.fresh()
    limiter.allow(0.0)
    limiter.allow(0.0)
    limiter.retry_after(5.0)
    assert not limiter.allow(0.5)  # asking about t=5 did not move the clock or forget anything


@pytest.mark.parametrize("limiter", ALL, ids=lambda lim: lim.name)
def test_fresh_copies_settings_without_history_and_reset_forgets(limiter):
    used = limiter.fresh()
    used.allow(0.0)
    used.allow(0.0)
    copy = used.fresh()
    assert copy == used and copy.keys == [] and repr(copy) == repr(used)
    used.reset()
    assert used.keys == []


@pytest.mark.parametrize("now", [float("nan"), float("inf"), "1.0", None, True, -1, 1e9])
def test_a_time_that_is_not_a_time_of_a_run_is_refused(now):
    with pytest.raises(ValueError, match="now must be a number from 0 to 1e"):
        TokenBucket(capacity=1, rate=1).allow(now)


def test_limiters_print_as_their_definition():
    assert repr(TokenBucket(capacity=20, rate=100)) == "TokenBucket(capacity=20, rate=100)"
    assert repr(TokenBucket(capacity=20.0, rate=0.5)) == "TokenBucket(capacity=20, rate=0.5)"
    assert repr(FixedWindow(limit=100, window=1)) == "FixedWindow(limit=100, window=1)"
    assert repr(SlidingWindowLog(limit=10, window=0.25)) == "SlidingWindowLog(limit=10, window=0.25)"
    assert repr(SlidingWindowCounter(limit=10, window=60)) == "SlidingWindowCounter(limit=10, window=60)"


def test_make_limiter_builds_each_algorithm_by_name():
    assert list(LIMITERS) == ["token_bucket", "fixed_window", "sliding_log", "sliding_counter"]
    assert make_limiter("token_bucket", capacity=20, rate=100) == TokenBucket(20, 100)
    assert make_limiter("fixed_window", limit=5, window=1) == FixedWindow(5, 1)
    assert make_limiter("sliding_log", limit=5, window=1) == SlidingWindowLog(5, 1)
    assert make_limiter("sliding_counter", limit=5, window=1) == SlidingWindowCounter(5, 1)


def test_an_unknown_algorithm_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as err:
        make_limiter("leaky_bucket", capacity=1, rate=1)
    assert str(err.value) == (
        "name must be one of 'token_bucket', 'fixed_window', 'sliding_log', 'sliding_counter' (got 'leaky_bucket')"
    )


def test_make_limiter_names_wrong_or_missing_settings():
    with pytest.raises(ValueError, match=r"token_bucket takes capacity=, rate= \(unknown limit=, missing capacity="):
        make_limiter("token_bucket", limit=5, rate=1)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: TokenBucket(capacity=0, rate=1), "capacity must be a number from 1 to 1e.*cannot hold one token"),
        (lambda: TokenBucket(capacity=0.5, rate=1), "capacity must be a number from 1 to 1e.*cannot hold one token"),
        (lambda: TokenBucket(capacity=10, rate=-5), "rate must be a positive number .*tokens per second"),
        (lambda: TokenBucket(capacity=10, rate=0), "a bucket that never refills"),
        (lambda: TokenBucket(capacity=10, rate=float("inf")), "rate must be a positive number"),
        (lambda: TokenBucket(capacity="10", rate=1), "capacity must be a number"),
        (lambda: FixedWindow(limit=0, window=1), "limit must be a whole number of at least 1"),
        (lambda: FixedWindow(limit=2.5, window=1), "limit must be a whole number"),
        (lambda: FixedWindow(limit=5, window=0), "window must be a number from 1e-09 to 1e\\+06 .*seconds"),
        (lambda: SlidingWindowLog(limit=5, window=-1), "window must be a number from 1e-09 to 1e\\+06 .*seconds"),
        (lambda: SlidingWindowLog(limit=True, window=1), "limit must be a whole number"),
        (lambda: SlidingWindowCounter(limit=5, window=float("nan")), "window must be a number from 1e-09"),
        (lambda: SlidingWindowCounter(limit=-1, window=1), "limit must be a whole number of at least 1"),
    ],
)
def test_bad_settings_are_refused_with_the_fix(build, message):
    with pytest.raises(ValueError, match=message):
        build()
