"""Lesson 4's labs: consumer groups reading a partitioned topic, replicas surviving a broker, windows firing.

- `streams_lab`: partitions, consumers per group, groups, key skew, assignment strategy,
  rebalance protocol, producer rate and a consumer crash (or join), over the live graph of who
  reads which partition, with each group's lag. A setting Kafka refuses (cooperative rebalancing
  with an assignor other than the cooperative sticky one) shows the refusal instead of a run.
- `replication_lab`: producer rate, brokers, replication factor, `min.insync.replicas`, `acks`
  and a broker that dies or stalls, over the brokers' replicas (ISR, high watermark) and every
  write's fate.
- `windows_lab`: window size and type, watermark delay, allowed lateness, network delay,
  stragglers and event versus processing time, over the event-time timeline.

Each control is declared once below; its starting value is the default of the domain's
`*Scenario.example`, and every rule about what the knobs mean lives in `course.streams`.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..sim.validate import function
from ..sim.validate import seed as check_seed
from ..streams import (
    ACKS,
    ASSIGNORS,
    BROKER_FAILURES,
    CONSUMER_EVENTS,
    PROTOCOLS,
    TIME_MODES,
    WINDOW_KINDS,
    GroupResults,
    GroupScenario,
    RefusedSetting,
    ReplicationResults,
    ReplicationScenario,
    WindowResults,
    WindowScenario,
    simulate,
)
from ..viz.streams import DPI, FONT, draw_group_dashboard, draw_replication_dashboard, draw_window_dashboard
from .view import LabView, build_lab, dropdown, simulated_view, slider, toggle

__all__ = [
    "GROUP_CONTROLS",
    "REPLICATION_CONTROLS",
    "UNTIL",
    "WINDOWS_UNTIL",
    "WINDOW_CONTROLS",
    "refusing",
    "replication_lab",
    "replication_view",
    "streams_lab",
    "streams_view",
    "windows_lab",
    "windows_view",
]

UNTIL = 10.0  # simulated seconds per update of the group and replication labs
WINDOWS_UNTIL = 40.0  # seconds of rides in the windows lab

GROUP_CONTROLS = (
    slider("partitions", 1, 12, label="partitions"),
    slider("consumers", 1, 8, label="consumers per group"),
    slider("groups", 1, 3, label="consumer groups"),
    slider("skew", 0.0, 2.0, step=0.25, label="key skew (hot keys)"),
    dropdown("strategy", ASSIGNORS, label="assignment"),
    toggle("protocol", PROTOCOLS, label="rebalance protocol"),
    slider("rate", 0, 800, step=50, label="producer (rides/s)"),
    dropdown("event", CONSUMER_EVENTS, label="at 4 s"),
)
REPLICATION_CONTROLS = (
    slider("rate", 0, 500, step=20, label="producer (writes/s)"),
    slider("brokers", 1, 5, label="brokers"),
    slider("replication_factor", 1, 5, label="replication factor"),
    slider("min_insync_replicas", 1, 5, label="min in-sync replicas"),
    toggle("acks", ACKS, label="acks"),  # type: ignore[arg-type]  # ipywidgets labels each option str(option)
    dropdown("failure", BROKER_FAILURES, label="at 5.08 s"),  # dies, or stalls: stops fetching
)
WINDOW_CONTROLS = (
    slider("size", 2, 30, label="window size"),
    dropdown("kind", WINDOW_KINDS, label="window"),
    slider("out_of_orderness", 0.0, 15.0, step=0.5, label="watermark delay (s)"),
    slider("allowed_lateness", 0.0, 30.0, step=1.0, label="allowed lateness (s)"),
    slider("max_delay", 0.0, 10.0, step=0.5, label="network delay up to (s)"),
    slider("stragglers", 0.0, 0.3, step=0.05, label="stragglers (+12 s)"),
    toggle("time", TIME_MODES, label="time"),
)


def _group_figure(results: GroupResults) -> Figure:
    return draw_group_dashboard(results)[0]


def _replication_figure(results: ReplicationResults) -> Figure:
    return draw_replication_dashboard(results)[0]


def _window_figure(results: WindowResults) -> Figure:
    return draw_window_dashboard(results)[0]


def refusing(make: Callable[..., Any], view: Callable[..., LabView]) -> Callable[..., LabView]:
    """`view`, except that settings the domain refuses together (`make(**knobs)` raises `RefusedSetting`)
    show why instead of a traceback: the domain's own message, printed and drawn, with nothing simulated.

    >>> view = refusing(GroupScenario.example, streams_view)
    >>> view(strategy="range", protocol="cooperative").summary[:57]
    "Not run: protocol must be 'eager' with strategy 'range' ("
    >>> plt.close("all")
    """
    function("make", make, example="GroupScenario.example")
    function("view", view, example="streams_view")

    def guarded(*, seed: int = 0, **knobs: Any) -> LabView:
        try:
            make(**knobs)
        except RefusedSetting as refusal:
            reason = "Not run: " + str(refusal)
            figure = plt.figure(figsize=(9.2, 1.6), dpi=DPI)
            figure.text(0.02, 0.5, _wrap(reason), fontsize=FONT + 2, va="center")
            return LabView(None, figure, reason)
        return view(seed=seed, **knobs)

    guarded.__signature__ = inspect.signature(view)  # type: ignore[attr-defined]
    guarded.__doc__ = view.__doc__
    return guarded


def _wrap(text: str, width: int = 90) -> str:
    return "\n".join(textwrap.wrap(text, width, break_long_words=False))


streams_view = refusing(
    GroupScenario.example, simulated_view(GroupScenario.example, simulate, _group_figure, until=UNTIL)
)
replication_view = simulated_view(ReplicationScenario.example, simulate, _replication_figure, until=UNTIL)
windows_view = simulated_view(WindowScenario.example, simulate, _window_figure, until=WINDOWS_UNTIL)


def streams_lab(seed: int = 0) -> widgets.interactive:
    """The consumer-group lab: sliders for the topic, the groups and the load, a crash or a join at 4 s.

    Every change re-simulates 10 s and redraws producer -> partitions -> consumers (edge
    width = lag, fill = how busy), each group's lag over time, and what a rebalance moved.
    """
    return build_lab(streams_view, GROUP_CONTROLS, seed=check_seed(seed))


def replication_lab(seed: int = 0) -> widgets.interactive:
    """The replication lab: producer rate, brokers, replication factor, min ISR, acks and a broker failure.

    Every change re-simulates 10 s and redraws the brokers (leader, follower, out of the ISR)
    and every write's fate around the failure (acknowledged, rejected, failed, lost).
    """
    return build_lab(replication_view, REPLICATION_CONTROLS, seed=check_seed(seed))


def windows_lab(seed: int = 0) -> widgets.interactive:
    """The windows lab: window size and type, watermark delay, allowed lateness, disorder and time mode.

    Every change re-runs the windows over the same 40 s of rides and redraws the event-time
    timeline (watermark, late and dropped rides) and each city's windows with their counts.
    """
    return build_lab(windows_view, WINDOW_CONTROLS, seed=check_seed(seed))
