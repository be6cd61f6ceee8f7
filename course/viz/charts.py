"""Charts shared by the lessons: latency against utilization, and status and latency over time."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from .palette import OKABE_ITO

__all__ = ["draw_latency_curve"]


def draw_latency_curve(points: Sequence, ax: Axes | None = None) -> dict:
    """Plot simulated mean time in system (dots) beside the Erlang C prediction (line).

    `points` are `course.sim.SweepPoint`s (utilization, simulated, predicted). Returns the
    artists so tests can check them.

    >>> from course.sim import SweepPoint
    >>> artists = draw_latency_curve([SweepPoint(0.5, 1.1, 1.09), SweepPoint(0.9, 3.0, 2.97)])
    >>> [float(x) for x in artists["simulated"].get_xdata()]
    [50.0, 90.0]
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    xs = [100 * p.utilization for p in points]
    predicted = ax.plot(xs, [p.predicted for p in points], color=OKABE_ITO["blue"], label="Erlang C (formula)")[0]
    simulated = ax.plot(
        xs,
        [p.simulated for p in points],
        linestyle="none",
        marker="o",
        color=OKABE_ITO["vermillion"],
        label="simulation (course.sim.mmc)",
    )[0]
    ax.set_xlabel("utilization (%)")
    ax.set_ylabel("mean time in system (× service time)")
    ax.set_xlim(0, 100)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return {"predicted": predicted, "simulated": simulated}
