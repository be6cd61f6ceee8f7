import math
import statistics

import pytest

from course.sim import erlang_c, mmc, mmc_theory, utilization_sweep


def test_erlang_c_known_values():
    # One server: P(wait) = rho.  The M/M/4 reference: mean wait 1.969 s.
    assert erlang_c(0.5, 1.0, 1) == pytest.approx(0.5)
    assert mmc_theory(3.6, 1.0, 4).mean_wait == pytest.approx(1.969, abs=5e-4)
    assert mmc_theory(0.5, 1.0, 1).mean_wait == pytest.approx(1.0)  # rho / (mu - lambda)


def test_theory_is_infinite_at_or_above_capacity():
    t = mmc_theory(4.0, 1.0, 4)
    assert math.isinf(t.mean_wait) and t.p_wait == 1.0


def test_simulated_mmc_agrees_with_erlang_c_over_several_seeds():
    # Near saturation a run needs many customers to forget its empty start: 4 x 200,000.
    runs = [mmc(3.6, 1.0, 4, customers=200_000, seed=s) for s in range(4)]
    waits = [r.mean_wait for r in runs]
    assert statistics.fmean(waits) == pytest.approx(1.969, rel=0.1)
    assert statistics.fmean(r.utilization for r in runs) == pytest.approx(0.9, abs=0.01)
    for r in runs:
        assert r.mean_sojourn == pytest.approx(r.mean_wait + 1.0, abs=0.05)


def test_moderate_load_matches_closely():
    r = mmc(2.0, 1.0, 4, customers=100_000, seed=0)
    assert r.mean_wait == pytest.approx(r.theory.mean_wait, rel=0.1)


def test_wait_explodes_near_full_utilization():
    waits = [mmc_theory(lam, 1.0, 4).mean_wait for lam in (2.0, 3.0, 3.6, 3.9)]
    assert waits == sorted(waits)
    assert waits[-1] > 20 * waits[0]
    sims = [mmc(lam, 1.0, 4, customers=30_000, seed=1).mean_wait for lam in (2.0, 3.6)]
    assert sims[1] > 10 * sims[0]


def test_mmc_is_reproducible():
    assert mmc(3.0, 1.0, 4, 5000, seed=3) == mmc(3.0, 1.0, 4, 5000, seed=3)


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 1.0, 4, 10), "arrival_rate must be a positive number"),
        ((1.0, -1, 4, 10), "service_rate must be a positive number"),
        ((1.0, 1.0, 0, 10), "servers must be a whole number"),
        ((1.0, 1.0, 2, 0), "customers must be a whole number"),
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


def test_utilization_sweep_refuses_loads_at_or_above_one():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        utilization_sweep([0.5, 1.0])
