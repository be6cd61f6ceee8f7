import random
import statistics

import pytest

from course.sim import Constant, Exponential, LogNormal, Uniform, as_distribution


@pytest.mark.parametrize(
    "dist", [Exponential(rate=4.0), Constant(0.25), Uniform(0.1, 0.4), LogNormal(mean=0.25, cv=2.0)]
)
def test_sample_mean_matches_the_declared_mean(dist):
    rng = random.Random(1)
    draws = dist.sample_many(rng, 40_000)
    assert statistics.fmean(draws) == pytest.approx(dist.mean, rel=0.05)
    assert min(draws) >= 0


def test_sample_many_draws_the_same_values_as_repeated_sample():
    dist = Exponential(rate=3.0)
    many = dist.sample_many(random.Random(5), 10)
    one_by_one = [dist.sample(r) for r in [random.Random(5)] for _ in range(10)]
    assert many == pytest.approx(one_by_one, rel=1e-12)


def test_lognormal_spread_follows_cv():
    draws = LogNormal(mean=1.0, cv=1.5).sample_many(random.Random(2), 60_000)
    assert statistics.pstdev(draws) / statistics.fmean(draws) == pytest.approx(1.5, rel=0.15)
    assert LogNormal(mean=1.0, cv=0).sample(random.Random(0)) == 1.0


def test_values_print_as_their_definition():
    assert repr(Exponential(rate=0.2)) == "Exponential(rate=0.2)"
    assert as_distribution(0.5) == Constant(0.5)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Exponential(rate=0), "rate must be a positive number"),
        (lambda: Exponential(rate=-1), "rate must be a positive number"),
        (lambda: Constant(0), "value must be a positive number"),
        (lambda: Uniform(0.5, 0.2), "high must be above low"),
        (lambda: LogNormal(mean=1, cv=-1), "cv must be between 0 and 100"),
        (lambda: as_distribution("fast"), "expected a distribution"),
    ],
)
def test_bad_parameters_get_a_clear_message(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()
