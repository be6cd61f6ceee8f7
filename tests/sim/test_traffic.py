import math
import random

import pytest

from course.sim import ConstantRate, OnOff, Poisson, RushHour, Spike, TimeVarying, arrival_times

SOURCES = [
    Poisson(5),
    ConstantRate(3),
    TimeVarying(lambda t: 2.0, peak=2.0),
    OnOff(50, on=1, off=2),
    Spike(1, 30, start=5, duration=3),
    RushHour(base=1, peak=20, at=10, width=3),
]


def count(source, until=200, seed=0):
    return len(arrival_times(source, until=until, seed=seed))


def test_poisson_count_is_close_to_rate_times_duration():
    assert count(Poisson(rate=20)) == pytest.approx(4000, rel=0.05)


def test_times_are_ascending_and_inside_the_horizon():
    for source in SOURCES:
        ts = arrival_times(source, until=20, seed=3)
        assert ts == sorted(ts)
        assert all(0 <= t < 20 for t in ts)


def test_rate_zero_is_silence():
    assert count(Poisson(0)) == 0
    assert count(ConstantRate(0)) == 0
    assert count(OnOff(0, on=1, off=1)) == 0


def test_on_off_traffic_only_arrives_in_the_on_phase():
    ts = arrival_times(OnOff(on_rate=100, on=1, off=4), until=50, seed=1)
    assert all(t % 5 < 1 for t in ts)
    assert len(ts) == pytest.approx(100 * 10, rel=0.1)


def test_spike_concentrates_arrivals_in_its_window():
    ts = arrival_times(Spike(base=2, peak=200, start=10, duration=2), until=40, seed=2)
    inside = sum(10 <= t < 12 for t in ts)
    assert inside == pytest.approx(400, rel=0.15)
    assert len(ts) - inside == pytest.approx(2 * 38, rel=0.35)


def test_rush_hour_peaks_at_its_time():
    src = RushHour(base=5, peak=50, at=100, width=10)
    ts = arrival_times(src, until=200, seed=4)
    near = sum(90 <= t < 110 for t in ts)
    far = sum(0 <= t < 20 for t in ts)
    assert near > 5 * far


@pytest.mark.parametrize("rate", [10.0, -1.0, float("nan"), "fast"])
def test_time_varying_refuses_a_rate_outside_zero_to_peak(rate):
    # A NaN rate used to thin every arrival away without a word.
    src = TimeVarying(lambda t: rate, peak=5.0)
    with pytest.raises(ValueError, match=r"^rate_fn must be a number from 0 to 5 .*raise peak"):
        list(src.times(10, random.Random(0)))


def test_rush_hour_at_nan_is_refused_not_silent():
    # Regression: RushHour(at=nan) drew no arrivals at all, without a word.
    with pytest.raises(ValueError, match=r"^at must be a number from 0 to 1e\+06 \(got nan\)"):
        RushHour(base=10, peak=50, at=float("nan"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: type(s).__name__)
def test_times_checks_its_arguments_when_called_not_when_first_drawn(source):
    with pytest.raises(ValueError, match=r"^until must be a number from 0"):
        source.times(float("nan"), random.Random(0))
    with pytest.raises(ValueError, match=r"^rng must be a Random"):
        source.times(10, 0)
    endless = source.times(math.inf, random.Random(0))  # an endless stream is fine: it is drawn lazily
    if not isinstance(source, ConstantRate):
        assert next(endless) >= 0


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: type(s).__name__)
def test_rate_at_refuses_a_time_that_is_not_one(source):
    for t in (float("nan"), float("inf"), "1", None):
        with pytest.raises(ValueError, match=r"^t must be a finite number"):
            source.rate_at(t)


def test_mean_rate_averages_the_intended_rate():
    assert OnOff(on_rate=100, on=1, off=4).mean_rate(10) == pytest.approx(20.0)
    assert Spike(base=0, peak=10, start=0, duration=5).mean_rate(10, steps=10) == pytest.approx(5.0)
    with pytest.raises(ValueError, match=r"^steps must be a whole number of at least 1"):
        Poisson(1).mean_rate(10, steps=0)


def test_arrival_times_are_bounded_instead_of_filling_memory(monkeypatch):
    monkeypatch.setattr("course.sim.traffic.MAX_COUNT", 100)  # the real bound is ten million
    assert len(arrival_times(ConstantRate(rate=10), until=10)) == 99
    with pytest.raises(ValueError, match=r"^source must hold at most 100 items .*shorten until"):
        arrival_times(ConstantRate(rate=1000), until=10)


def test_same_seed_same_arrivals():
    assert arrival_times(Poisson(7), 30, seed=9) == arrival_times(Poisson(7), 30, seed=9)
    assert arrival_times(Poisson(7), 30, seed=9) != arrival_times(Poisson(7), 30, seed=10)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Poisson(-1), "^rate must be a number from 0"),
        (lambda: ConstantRate(float("inf")), "^rate must be a number from 0"),
        (lambda: OnOff(5, on=0, off=1), "^on must be a positive number"),
        (lambda: Spike(1, 2, -1, 1), "^start must be a number from 0"),
        (lambda: TimeVarying(5.0, peak=5.0), "^rate_fn must be a function"),
        (lambda: arrival_times(Poisson(1), until=0), "^until must be a positive number"),
        (lambda: arrival_times(Poisson(1), until=10, seed="1"), "^seed must be a whole number"),
        (lambda: arrival_times(5, until=10), "^source must be a Source"),
    ],
)
def test_bad_traffic_parameters_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()
