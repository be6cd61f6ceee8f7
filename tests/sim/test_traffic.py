import random

import pytest

from course.sim import ConstantRate, OnOff, Poisson, RushHour, Spike, TimeVarying, arrival_times


def count(source, until=200, seed=0):
    return len(arrival_times(source, until=until, seed=seed))


def test_poisson_count_is_close_to_rate_times_duration():
    assert count(Poisson(rate=20)) == pytest.approx(4000, rel=0.05)


def test_times_are_ascending_and_inside_the_horizon():
    for source in (Poisson(5), ConstantRate(3), OnOff(50, on=1, off=2), Spike(1, 30, start=5, duration=3)):
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


def test_time_varying_refuses_a_rate_above_its_peak():
    src = TimeVarying(lambda t: 10.0, peak=5.0)
    with pytest.raises(ValueError, match="raise peak"):
        list(src.times(10, random.Random(0)))


def test_same_seed_same_arrivals():
    assert arrival_times(Poisson(7), 30, seed=9) == arrival_times(Poisson(7), 30, seed=9)
    assert arrival_times(Poisson(7), 30, seed=9) != arrival_times(Poisson(7), 30, seed=10)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Poisson(-1),
        lambda: ConstantRate(float("inf")),
        lambda: OnOff(5, on=0, off=1),
        lambda: Spike(1, 2, -1, 1),
    ],
)
def test_bad_traffic_parameters_are_refused(make):
    with pytest.raises(ValueError):
        make()
