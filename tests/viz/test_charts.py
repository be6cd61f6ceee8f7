import matplotlib.pyplot as plt

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
