"""Lesson 5's lab: travel along the ride platform's event log, and watch the read models lag behind it.

The first control moves through the log (time travel): the picture counts commands, events and
what each read model had read up to that position, and the summary says what the city dashboard
showed against what the log held. The others change the platform and re-simulate 60 s: how often
the dashboard reads the log, the ride rate, how often a wallet is snapshotted, and how many rides
two dispatchers race for.
"""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets

from ..eventsourcing import EventSourcingResults, EventSourcingScenario, simulate
from ..sim import validate
from ..viz.eventsourcing import draw_eventsourcing_dashboard
from .view import LabView, build_lab, slider

__all__ = ["CONTROLS", "UNTIL", "eventsourcing_lab", "eventsourcing_view"]

UNTIL = 60.0  # simulated seconds per run

CONTROLS = (
    slider("position", 0, 100, step=1, label="time travel: log position (%)"),
    slider("dashboard_interval", 0.5, 10.0, step=0.5, label="dashboard reads the log every (s)"),
    slider("rate", 1, 12, step=1, label="rides requested per second"),
    slider("snapshot_every", 0, 50, step=5, label="snapshot a wallet every (events; 0 = never)"),
    slider("race_share", 0.0, 1.0, step=0.1, label="share of rides two dispatchers race for"),
)


@lru_cache(maxsize=16)
def _run(scenario: EventSourcingScenario, seed: int) -> EventSourcingResults:
    """One simulated run per scenario and seed: moving through the log never re-simulates."""
    return simulate(scenario, until=UNTIL, seed=seed)


def eventsourcing_view(
    position: int = 100,
    dashboard_interval: float = 2.0,
    rate: float = 3.0,
    snapshot_every: int = 0,
    race_share: float = 0.2,
    seed: int = 0,
) -> LabView:
    """Simulate 60 s of the platform (cached) and draw it at `position` percent of its log.

    >>> import matplotlib.pyplot as plt
    >>> view = eventsourcing_view(position=0)
    >>> view.summary.splitlines()[0].startswith("Position 0 of")
    True
    >>> plt.close("all")
    """
    if isinstance(position, bool) or not isinstance(position, (int, float)) or not 0 <= position <= 100:
        raise ValueError(f"position must be a percentage of the log from 0 to 100 (got {position!r})")
    scenario = EventSourcingScenario.example(
        rate=rate, dashboard_interval=dashboard_interval, snapshot_every=snapshot_every, race_share=race_share
    )
    results = _run(scenario, seed)
    at = round(position / 100 * len(results.entries))
    figure, _ = draw_eventsourcing_dashboard(results, at)
    return LabView(results, figure, f"{results.moment(at)}\n{results.summary()}")


def eventsourcing_lab(seed: int = 0) -> widgets.interactive:
    """The lab widget: a time-travel slider over the event log, then the platform's knobs.

    Every change redraws commands -> aggregates -> events -> log -> read models up to the chosen
    position, each read model's lag over the 60 s, and a summary of what the dashboard showed.
    """
    return build_lab(eventsourcing_view, CONTROLS, seed=validate.seed(seed))
