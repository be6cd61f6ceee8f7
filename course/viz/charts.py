"""Charts shared by the lessons: mean time in system against utilization, simulated beside Erlang C."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..sim import SweepPoint
from ..sim.validate import instance, items, number
from .palette import OKABE_ITO

__all__ = ["draw_latency_curve"]


def draw_latency_curve(points: Iterable[SweepPoint], ax: Axes | None = None) -> dict[str, Line2D]:
    """Plot simulated mean time in system (dots) beside the Erlang C prediction (line).

    `points` are `course.sim.SweepPoint`s (utilization, simulated, predicted). Returns the
    artists so tests can check them.

    >>> from course.sim import SweepPoint
    >>> artists = draw_latency_curve([SweepPoint(0.5, 1.1, 1.09), SweepPoint(0.9, 3.0, 2.97)])
    >>> [float(x) for x in artists["simulated"].get_xdata()]
    [50.0, 90.0]
    >>> plt.close("all")
    """
    example = "points=utilization_sweep([0.5, 0.9])"
    sweep = [_point(p) for p in items("points", points, maximum=10_000, example=example)]
    if ax is not None:
        instance("ax", ax, Axes, example="fig, ax = plt.subplots(); draw_latency_curve(points, ax=ax)")
    else:
        _, ax = plt.subplots(figsize=(6, 3.5))
    xs = [100 * p.utilization for p in sweep]
    predicted = ax.plot(xs, [p.predicted for p in sweep], color=OKABE_ITO["blue"], label="Erlang C (formula)")[0]
    simulated = ax.plot(
        xs,
        [p.simulated for p in sweep],
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


def _point(point: Any) -> SweepPoint:
    """A sweep point with a utilization from 0 to 1 and finite times, else a message naming `points`."""
    instance("points", point, SweepPoint, example="points=utilization_sweep([0.5, 0.9])")
    number("points", point.utilization, minimum=0, maximum=1, why="each point's utilization is a share of capacity")
    number("points", point.simulated, minimum=0, why="each point's simulated mean time in system, in seconds")
    number("points", point.predicted, minimum=0, why="each point's predicted mean time in system, in seconds")
    return point  # type: ignore[no-any-return]
