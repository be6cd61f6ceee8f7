import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.balancing import balls_into_bins


@pytest.mark.claim("balancing.two-choices-bins")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_hundred_thousand_balls_the_fullest_bin_holds_7_to_8_with_one_choice_3_to_4_with_two(seed):
    assert max(balls_into_bins(100_000, 100_000, choices=1, seed=seed)) in (7, 8)
    assert max(balls_into_bins(100_000, 100_000, choices=2, seed=seed)) in (3, 4)


def test_more_choices_never_hurt_much_and_two_is_the_big_step():
    maxima = [max(balls_into_bins(20_000, 20_000, choices=d, seed=3)) for d in (1, 2, 3)]
    assert maxima[0] >= 2 * maxima[1]
    assert maxima[2] <= maxima[1]


@given(balls=st.integers(0, 500), bins=st.integers(1, 50), choices=st.integers(1, 4), seed=st.integers(0, 99))
def test_every_ball_lands_in_exactly_one_bin(balls, bins, choices, seed):
    loads = balls_into_bins(balls, bins, choices=choices, seed=seed)
    assert len(loads) == bins
    assert sum(loads) == balls
    assert min(loads) >= 0
    assert loads == balls_into_bins(balls, bins, choices=choices, seed=seed)


def test_with_as_many_choices_as_needed_loads_are_nearly_flat():
    loads = balls_into_bins(1000, 100, choices=50, seed=0)
    assert max(loads) - min(loads) <= 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_balls=-1, n_bins=3), "n_balls must be a whole number of at least 0"),
        (dict(n_balls=10, n_bins=0), "n_bins must be a whole number of at least 1"),
        (dict(n_balls=10, n_bins=3, choices=0), "choices must be a whole number of at least 1"),
        (dict(n_balls=10**6, n_bins=3, choices=20), r"n_balls must be at most 500,000 with choices=20"),
        (dict(n_balls=10**8, n_bins=3), "n_balls must be a whole number of at most 10,000,000"),
    ],
)
def test_bad_bins_input_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        balls_into_bins(**kwargs)
