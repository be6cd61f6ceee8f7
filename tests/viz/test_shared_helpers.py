"""The palette and the progress bar every lesson shares."""

import math

import pytest

from course.viz import OKABE_ITO, progress, status_colour, utilization_colour


def test_overload_and_idle_clip_to_the_ends_of_the_scale():
    assert utilization_colour(math.inf) == utilization_colour(5.0) == utilization_colour(1.0)
    assert utilization_colour(-0.01) == utilization_colour(0.0)
    assert utilization_colour(0.2) != utilization_colour(0.8)


@pytest.mark.parametrize("bad", [math.nan, "0.5", None, True])
def test_a_utilization_that_is_not_a_number_is_refused(bad):
    with pytest.raises(ValueError, match=r"^utilization must be a finite number"):
        utilization_colour(bad)


def test_every_2xx_is_blue_and_unknown_statuses_are_grey():
    assert {status_colour(s) for s in range(200, 300)} == {OKABE_ITO["blue"]}
    assert status_colour(0) == status_colour(418) == OKABE_ITO["grey"]
    for bad in (-1, 1000, 200.0, "200", None, True):
        with pytest.raises(ValueError, match=r"^status must be a whole number"):
            status_colour(bad)


def test_progress_yields_every_item_once_in_order():
    assert list(progress(x * x for x in range(5))) == [0, 1, 4, 9, 16]
    assert list(progress(iter("abc"), total=3)) == ["a", "b", "c"]


def test_progress_checks_its_arguments_at_the_call():
    with pytest.raises(ValueError, match=r"^items must be a list \(got 3\)"):
        progress(3)
    with pytest.raises(ValueError, match=r"^total must be a whole number"):
        progress([1], total=-1)
    with pytest.raises(ValueError, match=r"^label must be a str"):
        progress([1], label=None)
