import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.messaging import MAX_SCHEDULE, RetryPolicy, backoff_delays


def test_no_backoff_retries_at_once():
    assert backoff_delays(RetryPolicy(backoff="none", max_attempts=4)) == [0.0, 0.0, 0.0]


def test_fixed_backoff_waits_the_same_every_time_and_respects_the_cap():
    assert backoff_delays(RetryPolicy(backoff="fixed", base=2.5, max_attempts=4)) == [2.5, 2.5, 2.5]
    assert backoff_delays(RetryPolicy(backoff="fixed", base=10, cap=3, max_attempts=3)) == [3.0, 3.0]


def test_exponential_backoff_doubles_from_base_up_to_the_cap():
    policy = RetryPolicy(backoff="exponential", base=0.5, cap=5, max_attempts=8)
    assert backoff_delays(policy) == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_the_multiplier_sets_the_growth():
    policy = RetryPolicy(backoff="exponential", base=1, multiplier=3, cap=100, max_attempts=6)
    assert backoff_delays(policy) == [1.0, 3.0, 9.0, 27.0, 81.0]


def test_max_attempts_counts_the_first_delivery():
    assert RetryPolicy(max_attempts=1).retries == 0
    assert backoff_delays(RetryPolicy(max_attempts=1)) == []
    assert RetryPolicy(max_attempts=None).retries is None
    policy = RetryPolicy(max_attempts=3)
    assert [policy.allows(n) for n in (1, 2, 3)] == [True, True, False]
    assert RetryPolicy(max_attempts=None).allows(10**9)


def test_full_jitter_stays_between_zero_and_the_exponential_delay():
    policy = RetryPolicy(base=1, cap=16, jitter="full", max_attempts=9)
    for seed in range(20):
        delays = backoff_delays(policy, seed=seed)
        ceilings = [policy.ceiling(n) for n in range(1, 9)]
        assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    waits = [d for seed in range(200) for d in backoff_delays(policy, retries=1, seed=seed)]
    assert min(waits) < 0.1 and max(waits) > 0.9  # it really spreads over the whole of [0, 1]


def test_equal_jitter_keeps_at_least_half_the_delay():
    policy = RetryPolicy(base=2, cap=16, jitter="equal", max_attempts=9)
    for seed in range(20):
        for n, d in enumerate(backoff_delays(policy, seed=seed), start=1):
            assert policy.ceiling(n) / 2 <= d <= policy.ceiling(n)


def test_jitter_is_fixed_by_the_seed():
    policy = RetryPolicy(base=1, cap=30, jitter="full", max_attempts=6)
    assert backoff_delays(policy, seed=4) == backoff_delays(policy, seed=4)
    assert backoff_delays(policy, seed=4) != backoff_delays(policy, seed=5)


def test_a_huge_retry_number_is_capped_instantly_without_overflow():
    policy = RetryPolicy(backoff="exponential", base=0.001, cap=60, max_attempts=None)
    assert policy.delay(10**9) == 60.0
    assert policy.delay(10**100) == 60.0  # far beyond where the cap is reached: no power is ever computed
    with pytest.raises(ValueError, match="retry must be a whole number of at most"):
        policy.delay(10**400)  # an int too big for a float is refused, not overflowed
    slow_growth = RetryPolicy(backoff="exponential", base=1, multiplier=1.000001, cap=2, max_attempts=None)
    assert slow_growth.delay(10**12) == 2.0
    assert slow_growth.delay(2) == pytest.approx(1.000001)
    assert backoff_delays(policy, retries=MAX_SCHEDULE)[-1] == 60.0


def test_a_zero_base_never_waits():
    assert backoff_delays(RetryPolicy(backoff="exponential", base=0, max_attempts=4)) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(max_attempts=0), r"max_attempts must be a whole number of at least 1 .*\(None: retry forever\)"),
        (dict(max_attempts=-2), "max_attempts=1 means no retries"),
        (dict(max_attempts=2.5), "max_attempts must be a whole number"),
        (dict(max_attempts=True), "max_attempts must be a whole number"),
        (dict(backoff="linear"), "backoff must be one of 'none', 'fixed', 'exponential'"),
        (dict(jitter="decorrelated"), "jitter must be one of None, 'full', 'equal'"),
        (dict(base=-1), "base must be a number from 0"),
        (dict(base=math.nan), "base must be a number from 0"),
        (dict(cap=0), "cap must be a positive number"),
        (dict(cap=math.inf), "cap must be a positive number"),
        (dict(multiplier=0.5), "multiplier must be a number from 1"),
    ],
)
def test_bad_policies_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**kwargs)


def test_bad_schedule_requests_are_refused():
    with pytest.raises(ValueError, match="pass retries=10"):
        backoff_delays(RetryPolicy(max_attempts=None))
    with pytest.raises(ValueError, match="retries must be a whole number of at most 10,000"):
        backoff_delays(RetryPolicy(), retries=10**9)
    with pytest.raises(ValueError, match="policy must be a RetryPolicy"):
        backoff_delays("exponential", retries=3)
    with pytest.raises(ValueError, match="retry must be a whole number of at least 1"):
        RetryPolicy().delay(0)
    with pytest.raises(ValueError, match=r"rng must be a random\.Random when jitter='full'"):
        RetryPolicy(jitter="full").delay(1)


@given(
    backoff=st.sampled_from(["none", "fixed", "exponential"]),
    jitter=st.sampled_from([None, "full", "equal"]),
    base=st.floats(0, 100),
    cap=st.floats(0.001, 1000),
    multiplier=st.floats(1, 10),
    retry=st.integers(1, 10**30),
    seed=st.integers(0, 100),
)
def test_every_delay_lies_between_zero_and_the_cap(backoff, jitter, base, cap, multiplier, retry, seed):
    policy = RetryPolicy(backoff=backoff, jitter=jitter, base=base, cap=cap, multiplier=multiplier)
    d = policy.delay(retry, random.Random(seed))
    assert 0 <= d <= cap
    assert policy.ceiling(retry) <= policy.ceiling(retry + 1)  # never shrinks as retries go on
