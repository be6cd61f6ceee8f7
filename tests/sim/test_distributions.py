import random
import statistics

import pytest

from course.sim import Constant, Exponential, LogNormal, Uniform, as_distribution

DISTRIBUTIONS = [Exponential(rate=4.0), Constant(0.25), Uniform(0.1, 0.4), LogNormal(mean=0.25, cv=2.0)]


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


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=repr)
def test_a_distribution_prints_as_the_code_that_builds_it(dist):
    namespace = {"Exponential": Exponential, "Constant": Constant, "Uniform": Uniform, "LogNormal": LogNormal}
    assert eval(repr(dist), namespace) == dist


def test_a_plain_number_is_a_constant_time_and_a_distribution_passes_through():
    assert as_distribution(0.5).sample_many(random.Random(0), 3) == [0.5, 0.5, 0.5]
    dist = Exponential(2.0)
    assert as_distribution(dist) is dist


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=repr)
def test_sampling_needs_a_random_stream(dist):
    with pytest.raises(ValueError, match=r"^rng must be a Random"):
        dist.sample(7)
    with pytest.raises(ValueError, match=r"^rng must be a Random"):
        dist.sample_many(None, 3)
    with pytest.raises(ValueError, match=r"^n must be a whole number of at most 10,000,000"):
        dist.sample_many(random.Random(0), 10**9)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Exponential(rate=0), "^rate must be a positive number"),
        (lambda: Exponential(rate=-1), "^rate must be a positive number"),
        (lambda: Exponential(rate=float("nan")), "^rate must be a positive number"),
        (lambda: Exponential(rate=True), "^rate must be a positive number"),
        (lambda: Constant(0), "^value must be a positive number"),
        (lambda: Constant(float("inf")), "^value must be a positive number"),
        (lambda: Uniform(0.5, 0.2), r"^high must be a number above 0.5 .*above low=0.5"),
        (lambda: Uniform(float("nan"), 0.2), "^low must be a number from 0"),
        (lambda: LogNormal(mean=1, cv=-1), "^cv must be a number from 0 to 100"),
        (lambda: LogNormal(mean="1"), "^mean must be a positive number"),
        (lambda: as_distribution("fast"), "^value must be a Distribution or an int or a float"),
        (lambda: as_distribution(None, name="service"), "^service must be a Distribution"),
        (lambda: as_distribution(-1, name="service"), "^service must be a positive number"),
    ],
)
def test_bad_parameters_get_a_clear_message(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()
