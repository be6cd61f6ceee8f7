import math
import statistics
from fractions import Fraction
from math import factorial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.sim import erlang_c, mmc, mmc_theory, utilization_sweep


def exact_erlang_c(load: Fraction, servers: int) -> float:
    """Erlang C from its textbook definition, in exact rational arithmetic (an independent reference)."""
    top = load**servers / factorial(servers) * Fraction(servers) / (servers - load)
    below = sum(load**k / factorial(k) for k in range(servers))
    return float(top / (below + top))


@pytest.mark.parametrize(
    ("erlangs", "servers"),
    [
        ("0.5", 1),
        ("3.6", 4),
        ("2", 3),
        ("50", 55),
        ("100", 110),
        ("700", 1000),
        ("711", 800),
        ("720", 800),
        ("900", 1000),
    ],
)
def test_erlang_c_matches_the_exact_formula_even_for_large_pools(erlangs, servers):
    # Regression: the running sum of a^k / k! overflowed: 0.0 near 711 Erlangs, NaN from about 720.
    expected = exact_erlang_c(Fraction(erlangs), servers)
    assert erlang_c(float(erlangs), 1.0, servers) == pytest.approx(expected, rel=1e-12)


def test_erlang_c_known_values():
    # One server: P(wait) = rho.  The issue's M/M/4 reference: mean wait 1.969 s.
    assert erlang_c(0.5, 1.0, 1) == pytest.approx(0.5)
    assert mmc_theory(3.6, 1.0, 4).mean_wait == pytest.approx(1.969, abs=5e-4)
    assert mmc_theory(0.5, 1.0, 1).mean_wait == pytest.approx(1.0)  # rho / (mu - lambda)


def test_the_issues_example_has_a_finite_small_wait():
    theory = mmc_theory(900, 1, 1000)
    assert 0 < theory.p_wait < 0.001
    assert theory.mean_wait == pytest.approx(theory.p_wait / 100)  # C / (c * mu - lambda)
    assert theory.settles


@given(servers=st.integers(1, 3000), low=st.floats(0.001, 0.999), high=st.floats(0.001, 0.999))
def test_erlang_c_is_a_probability_that_grows_with_load(servers, low, high):
    low, high = sorted((low, high))
    c_low, c_high = erlang_c(low * servers, 1.0, servers), erlang_c(high * servers, 1.0, servers)
    assert 0.0 <= c_low <= c_high <= 1.0
    assert not math.isnan(c_low)


def test_a_bigger_pool_at_the_same_utilization_waits_less():
    # Economy of scale: the same 90 % load on more servers means fewer customers wait.
    waits = [erlang_c(0.9 * c, 1.0, c) for c in (1, 10, 100, 1000, 10000)]
    assert waits == sorted(waits, reverse=True)
    assert waits[-1] < 1e-6


def test_theory_is_infinite_at_or_above_capacity():
    t = mmc_theory(4.0, 1.0, 4)
    assert math.isinf(t.mean_wait) and t.p_wait == 1.0 and not t.settles


def test_an_overloaded_queue_says_it_never_settles():
    # Regression: this printed a finite mean wait beside a theory of inf, with no warning.
    short, long = mmc(5, 1, 4, customers=2_000, seed=1), mmc(5, 1, 4, customers=8_000, seed=1)
    for r in (short, long):
        assert not r.settles
        assert math.isinf(r.theory.mean_wait)
        assert "settles=False" in repr(r) and "never settles" in repr(r)
        assert str(r).startswith("The queue never settles")
    assert long.mean_wait > 2 * short.mean_wait  # the mean only grows with the run: no steady state to estimate


def test_at_exactly_full_load_the_queue_never_settles_either():
    assert not mmc(4, 1, 4, customers=1_000).settles


def test_a_stable_queue_settles_and_says_nothing_of_the_kind():
    r = mmc(2.0, 1.0, 4, customers=5_000, seed=0)
    assert r.settles
    assert "never settles" not in repr(r) and "never settles" not in str(r)
    assert "Erlang C predicts" in str(r)


def test_simulated_mmc_agrees_with_erlang_c_over_several_seeds():
    # Near saturation a run needs many customers to forget its empty start: 4 x 200,000.
    runs = [mmc(3.6, 1.0, 4, customers=200_000, seed=s) for s in range(4)]
    waits = [r.mean_wait for r in runs]
    assert statistics.fmean(waits) == pytest.approx(1.969, rel=0.1)
    assert statistics.fmean(r.utilization for r in runs) == pytest.approx(0.9, abs=0.01)
    for r in runs:
        assert r.mean_sojourn == pytest.approx(r.mean_wait + 1.0, abs=0.05)


def test_a_large_pool_simulates_and_matches_the_stable_formula():
    r = mmc(900, 1, 1000, customers=30_000, seed=2)
    assert r.settles
    assert r.mean_wait < 0.01  # almost nobody waits, as Erlang C says
    assert r.mean_sojourn == pytest.approx(1.0, rel=0.05)


def test_moderate_load_matches_closely():
    r = mmc(2.0, 1.0, 4, customers=100_000, seed=0)
    assert r.mean_wait == pytest.approx(r.theory.mean_wait, rel=0.1)


def test_wait_explodes_near_full_utilization():
    waits = [mmc_theory(lam, 1.0, 4).mean_wait for lam in (2.0, 3.0, 3.6, 3.9)]
    assert waits == sorted(waits)
    assert waits[-1] > 20 * waits[0]
    sims = [mmc(lam, 1.0, 4, customers=30_000, seed=1).mean_wait for lam in (2.0, 3.6)]
    assert sims[1] > 10 * sims[0]


def test_mmc_depends_only_on_its_seed():
    assert mmc(3.0, 1.0, 4, 5000, seed=3) == mmc(3.0, 1.0, 4, 5000, seed=3)
    assert mmc(3.0, 1.0, 4, 5000, seed=3) != mmc(3.0, 1.0, 4, 5000, seed=4)


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 1.0, 4, 10), r"^arrival_rate must be a positive number"),
        ((1.0, -1, 4, 10), r"^service_rate must be a positive number"),
        ((1.0, 1.0, 0, 10), r"^servers must be a whole number of at least 1"),
        ((1.0, 1.0, 2, 0), r"^customers must be a whole number of at least 1"),
        ((1.0, 1.0, 2, 10**9), r"^customers must be a whole number of at most 10,000,000"),
        ((float("nan"), 1.0, 2, 10), r"^arrival_rate must be a positive number .*\(got nan\)"),
    ],
)
def test_mmc_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        mmc(*args)


def test_utilization_sweep_tracks_erlang_c_and_explodes_near_capacity():
    points = utilization_sweep([0.3, 0.6, 0.9], customers=20_000, seed=0)
    for p in points:
        assert p.simulated == pytest.approx(p.predicted, rel=0.1)
    assert points[2].simulated > 2 * points[0].simulated


@pytest.mark.parametrize("level", [1.0, 0.0, 1.5, float("nan"), "0.5", None])
def test_utilization_sweep_refuses_loads_that_never_settle_or_are_not_loads(level):
    with pytest.raises(ValueError, match=r"^utilizations must be a number above 0 and below 1"):
        utilization_sweep([0.5, level])


def test_utilization_sweep_checks_everything_before_running_anything():
    calls = []

    def spy(levels):
        calls.append(levels)
        return iter(levels)

    with pytest.raises(ValueError, match=r"^customers must be a whole number of at most 1,000,000 .*utilization 0.9"):
        utilization_sweep([0.5, 0.9], customers=2_000_000, progress=spy)  # 20 million customers at 0.9
    with pytest.raises(ValueError, match=r"^utilizations must be a list"):
        utilization_sweep(0.5)
    with pytest.raises(ValueError, match=r"^progress must be a function"):
        utilization_sweep([0.5], progress="bar")
    with pytest.raises(ValueError, match=r"^servers must be a whole number of at most 100,000"):
        utilization_sweep([0.5], servers=10**6, progress=spy)
    with pytest.raises(ValueError, match=r"^service_rate must be a finite number of at most 10000 "):
        utilization_sweep([0.5], servers=1000, service_rate=1e6, progress=spy)  # not arrival_rate, which it computes
    assert calls == []
