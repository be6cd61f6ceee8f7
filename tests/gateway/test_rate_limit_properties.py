"""Property tests: each limiter matches its rule exactly, keeps its promise over every interval,
and its retry_after is exact. Times are whole microseconds, so exact fractions can check them."""

import copy
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from course.gateway import FixedWindow, SlidingWindowCounter, SlidingWindowLog, TokenBucket


def exact(x) -> Fraction:
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


# request times: non-decreasing, in whole microseconds, many of them at the same instant
gaps = st.lists(st.one_of(st.just(0), st.integers(0, 2_000), st.integers(0, 2_000_000)), min_size=1, max_size=60)


def times_from(gap_list):
    t, out = 0, []
    for gap in gap_list:
        t += gap
        out.append(t / 1_000_000)
    return out


windows = st.sampled_from([0.001, 0.01, 0.1, 0.25, 0.3, 1.0, 1.5])
limits = st.integers(1, 8)


# -- reference models, written from the issue's rules with exact fractions ------------------


def reference_token_bucket(capacity, rate, times):
    cap, r = exact(capacity), exact(rate)
    tokens, last, out = None, None, []
    for t in map(exact, times):
        tokens = cap if tokens is None else min(cap, tokens + (t - last) * r)
        last = t
        out.append(tokens >= 1)
        tokens -= tokens >= 1
    return out


def reference_fixed_window(limit, window, times):
    w, counts, out = exact(window), {}, []
    for t in map(exact, times):
        k = t // w
        ok = counts.get(k, 0) < limit
        counts[k] = counts.get(k, 0) + ok
        out.append(ok)
    return out


def reference_sliding_log(limit, window, times):
    w, accepted, out = exact(window), [], []
    for t in map(exact, times):
        ok = sum(1 for a in accepted if t - w < a <= t) < limit
        if ok:
            accepted.append(t)
        out.append(ok)
    return out


def reference_sliding_counter(limit, window, times):
    w, counts, out = exact(window), {}, []
    for t in map(exact, times):
        k = t // w
        prev, curr = counts.get(k - 1, 0), counts.get(k, 0)
        ok = prev * (w - (t - k * w)) / w + curr < limit
        counts[k] = curr + ok
        out.append(ok)
    return out


@given(capacity=st.sampled_from([1, 2, 3, 1.5, 20]), rate=st.sampled_from([0.3, 1, 2.5, 10, 100]), g=gaps)
def test_token_bucket_follows_its_rule_exactly(capacity, rate, g):
    times = times_from(g)
    bucket = TokenBucket(capacity, rate)
    assert [bucket.allow(t) for t in times] == reference_token_bucket(capacity, rate, times)


@given(limit=limits, window=windows, g=gaps)
def test_fixed_window_follows_its_rule_exactly(limit, window, g):
    times = times_from(g)
    limiter = FixedWindow(limit, window)
    assert [limiter.allow(t) for t in times] == reference_fixed_window(limit, window, times)


@given(limit=limits, window=windows, g=gaps)
def test_sliding_log_follows_its_rule_exactly(limit, window, g):
    times = times_from(g)
    limiter = SlidingWindowLog(limit, window)
    assert [limiter.allow(t) for t in times] == reference_sliding_log(limit, window, times)


@given(limit=limits, window=windows, g=gaps)
def test_sliding_counter_follows_its_rule_exactly(limit, window, g):
    times = times_from(g)
    limiter = SlidingWindowCounter(limit, window)
    assert [limiter.allow(t) for t in times] == reference_sliding_counter(limit, window, times)


# -- the promises each algorithm makes ------------------------------------------------------


@given(capacity=st.sampled_from([1, 2, 5, 20]), rate=st.sampled_from([0.5, 1, 10, 100]), g=gaps)
def test_a_token_bucket_never_admits_more_than_capacity_plus_rate_times_t(capacity, rate, g):
    times = times_from(g)
    bucket = TokenBucket(capacity, rate)
    admitted = [exact(t) for t in times if bucket.allow(t)]
    cap, r = exact(capacity), exact(rate)
    for i in range(len(admitted)):  # every interval [admitted[i], admitted[j]] between request times
        for j in range(i, len(admitted)):
            assert j - i + 1 <= cap + r * (admitted[j] - admitted[i])


@given(limit=limits, window=windows, g=gaps)
def test_fixed_window_never_admits_more_than_limit_per_aligned_window(limit, window, g):
    times = times_from(g)
    limiter = FixedWindow(limit, window)
    w = exact(window)
    per_window: dict = {}
    for t in times:
        if limiter.allow(t):
            k = exact(t) // w
            per_window[k] = per_window.get(k, 0) + 1
    assert all(n <= limit for n in per_window.values())


@given(limit=limits, window=windows, g=gaps)
def test_sliding_log_never_admits_more_than_limit_in_any_half_open_window(limit, window, g):
    times = times_from(g)
    limiter = SlidingWindowLog(limit, window)
    admitted = [exact(t) for t in times if limiter.allow(t)]
    w = exact(window)
    for t in admitted:  # the busiest windows (t - W, t] end at an admitted request
        assert sum(1 for a in admitted if t - w < a <= t) <= limit


@given(limit=limits, window=windows, g=gaps)
def test_sliding_counter_never_admits_more_than_limit_per_aligned_window(limit, window, g):
    times = times_from(g)
    limiter = SlidingWindowCounter(limit, window)
    w = exact(window)
    per_window: dict = {}
    for t in times:
        if limiter.allow(t):
            k = exact(t) // w
            per_window[k] = per_window.get(k, 0) + 1
    assert all(n <= limit for n in per_window.values())


# -- retry_after is exact --------------------------------------------------------------------

builders = st.one_of(
    st.builds(TokenBucket, st.sampled_from([1, 2, 1.5, 20]), st.sampled_from([0.3, 1, 2.5, 100])),
    st.builds(FixedWindow, limits, windows),
    st.builds(SlidingWindowLog, limits, windows),
    st.builds(SlidingWindowCounter, limits, windows),
)


@given(limiter=builders, g=gaps, probe=st.integers(0, 3_000_000))
def test_retrying_at_now_plus_retry_after_passes_and_a_nanosecond_earlier_fails(limiter, g, probe):
    times = times_from(g)
    for t in times:
        limiter.allow(t)
    now = (round(times[-1] * 1_000_000) + probe) / 1_000_000
    wait = limiter.retry_after(now)
    assert wait >= 0
    on_time = copy.deepcopy(limiter)
    assert on_time.allow(now + wait)
    if wait > 0:
        early = copy.deepcopy(limiter)
        assert not early.allow(now + wait - 1e-9)
        assert not copy.deepcopy(limiter).allow(now)


def test_the_reference_models_agree_with_the_issue_examples():
    # a check on the checkers: the reference models reproduce the boundary cases by hand
    assert reference_token_bucket(1, 10, [0.2, 0.3]) == [True, True]
    assert reference_fixed_window(1, 0.1, [0.2, 0.29999, 0.3]) == [True, False, True]
    assert reference_sliding_log(2, 1.0, [0.0, 0.5, 0.9, 1.0]) == [True, True, False, True]
    assert reference_sliding_counter(4, 1.0, [0.5] * 4 + [1.0, 1.5, 1.5, 1.5]) == [True] * 4 + [
        False,
        True,
        True,
        False,
    ]
