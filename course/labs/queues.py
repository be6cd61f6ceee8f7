"""Lesson 3's lab: send a burst through a queue to a pool of flaky consumers and watch where every message goes.

The system is `course.messaging.QueueScenario.example` (its keyword defaults are the lab's starting
values); each control below is declared once. A widget cannot hold None, so the capacity and
attempt sliders end on the words "unbounded" and "forever", which the view turns into None.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..messaging import EXAMPLE_RETRIES, QueueResults, QueueScenario, simulate
from ..sim import validate
from ..viz.messaging import draw_queue_dashboard
from .view import Control, build_lab, dropdown, simulated_view, slider

__all__ = ["CONTROLS", "UNTIL", "queues_lab", "queues_view"]

UNTIL = 60.0  # the example's producers send for 40 s; the consumers get 20 s more to empty the queue
NO_LIMIT = {"capacity": "unbounded", "max_attempts": "forever"}  # the word a slider shows for None

CONTROLS = (
    slider("burst", 0, 1000, step=50, label="burst (messages)"),
    slider("burst_rate", 20, 200, step=10, label="burst rate (msg/s)"),
    slider("consumers", 0, 10, label="consumers"),
    slider("processing", 0.05, 1.0, step=0.05, label="processing time (s)"),
    slider("failure_rate", 0.0, 0.5, step=0.05, label="failure rate"),
    dropdown("retry", EXAMPLE_RETRIES, label="retry"),
    Control(
        "max_attempts", "SelectionSlider", "max attempts",
        {"options": [(str(n), n) for n in range(1, 11)] + [("forever", "forever")]},
    ),
    Control(
        "capacity", "SelectionSlider", "queue capacity",
        {"options": [(str(n), n) for n in (10, 20, 50, 100, 200, 500)] + [("unbounded", "unbounded")]},
    ),
    Control(
        "when_full", "Dropdown", "when full",
        {"options": [("reject (503)", "reject"), ("block the producer", "block"), ("drop the oldest", "drop_oldest")]},
    ),
    slider("visibility_timeout", 0.1, 10.0, step=0.1, label="visibility timeout (s)"),
)  # fmt: skip


def _no_limit_as_none(make: Callable[..., QueueScenario]) -> Callable[..., QueueScenario]:
    """`make`, taking "unbounded" / "forever" where it takes None (its signature and defaults unchanged)."""

    @functools.wraps(make)
    def wrapped(**knobs: Any) -> QueueScenario:
        return make(**{k: None if NO_LIMIT.get(k) == v else v for k, v in knobs.items()})

    return wrapped


def _dashboard(results: QueueResults) -> Figure:
    figure, _ = draw_queue_dashboard(results)
    return figure


queues_view = simulated_view(_no_limit_as_none(QueueScenario.example), simulate, _dashboard, until=UNTIL)
queues_view.__doc__ = (
    "Simulate QueueScenario.example(**knobs) for 60 s with `seed` and draw the dashboard: one lab update."
)


def queues_lab(seed: int = 0) -> widgets.interactive:
    """The lab widget: burst, consumer, failure, retry and backpressure controls over a live picture of the queue.

    Every change re-simulates 60 s with `seed` and redraws the system graph (edge width =
    messages, dashed = lost, consumer fill = utilization) and the queue depth, latency, losses
    and DLQ size over time, with the run's summary in words above them.
    """
    return build_lab(queues_view, CONTROLS, seed=validate.seed(seed))
