import math

import matplotlib.pyplot as plt
import pytest

from course.sim import SweepPoint
from course.viz import draw_latency_curve


def test_latency_curve_plots_both_series_on_the_given_axes():
    fig, ax = plt.subplots()
    points = [SweepPoint(0.2, 1.01, 1.0), SweepPoint(0.8, 1.7, 1.75)]
    artists = draw_latency_curve(points, ax=ax)
    assert list(artists["predicted"].get_ydata()) == [1.0, 1.75]
    assert list(artists["simulated"].get_ydata()) == [1.01, 1.7]
    assert artists["simulated"].axes is ax
    plt.close(fig)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (3, r"^points must be a list \(got 3\)"),
        ([(0.5, 1.0, 1.0)], r"^points must be a SweepPoint"),
        ([SweepPoint(1.5, 1.0, 1.0)], r"^points must be a number from 0 to 1 \(got 1.5\)"),
        ([SweepPoint(0.5, math.nan, 1.0)], r"^points must be a finite number of at least 0 \(got nan\)"),
    ],
)
def test_points_that_are_not_a_sweep_are_refused_before_drawing(points, message):
    figures = plt.get_fignums()
    with pytest.raises(ValueError, match=message):
        draw_latency_curve(points)
    assert plt.get_fignums() == figures
