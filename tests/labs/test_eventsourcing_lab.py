"""The event-sourcing lab: time travel first, the platform's knobs after; each move redraws the picture and summary."""

import contextlib
import inspect
import io

import matplotlib.pyplot as plt
import pytest

from course.eventsourcing import EventSourcingScenario
from course.labs.eventsourcing import CONTROLS, UNTIL, eventsourcing_lab, eventsourcing_view

from .driving import build, move


@pytest.fixture
def lab():
    yield build(eventsourcing_lab)
    plt.close("all")


def graph_texts(view):
    return [t.get_text() for t in view.figure.axes[0].texts]


def test_the_first_control_is_the_time_travel_slider_and_the_defaults_are_the_scenarios():
    with contextlib.redirect_stdout(io.StringIO()):
        first = next(iter(eventsourcing_lab().controls.values()))
    assert type(first).__name__ == "IntSlider" and first.value == 100 and "time travel" in first.description
    example = inspect.signature(EventSourcingScenario.example).parameters
    view = inspect.signature(eventsourcing_view).parameters
    for control in CONTROLS[1:]:
        assert view[control.name].default == example[control.name].default, control.name
    plt.close("all")


def test_one_step_of_time_travel_changes_the_summary_and_the_picture_without_simulating_again(lab):
    before = lab.result
    after, printed = move(lab, position=99)
    assert after.summary != before.summary and after.summary.splitlines()[0] in printed
    assert after.result is before.result  # the same run: moving through the log never re-simulates
    assert graph_texts(after) != graph_texts(before)
    total = len(before.result.entries)
    assert after.summary.startswith(f"Position {round(0.99 * total):,} of {total:,}")


def test_at_position_zero_nothing_has_happened_yet(lab):
    view, _ = move(lab, position=0)
    assert view.summary.startswith("Position 0 of") and "no rides yet" in view.summary
    assert "event log\n0 events" in graph_texts(view)


def test_a_slower_dashboard_lags_further_behind(lab):
    quick, _ = move(lab, dashboard_interval=0.5)
    slow, _ = move(lab, dashboard_interval=8.0)
    assert slow.result.summary().dashboard_lag > 3 * quick.result.summary().dashboard_lag


def test_snapshots_cut_what_loading_a_wallet_replays(lab):
    off, _ = move(lab, snapshot_every=0)
    on, _ = move(lab, snapshot_every=5)
    assert on.result.summary().wallet_replayed < 5 < off.result.summary().wallet_replayed
    assert "snapshot every 5 events" in " ".join(on.summary.split())


def test_more_racing_dispatchers_mean_more_conflicts(lab):
    calm, _ = move(lab, race_share=0.0)
    racing, _ = move(lab, race_share=1.0)
    assert calm.result.summary().conflicts == 0 < racing.result.summary().conflicts
    assert any(t.startswith("rejected ×") and not t.endswith("×0") for t in graph_texts(racing))


@pytest.mark.parametrize(
    "values",
    [
        {"position": 0, "rate": 1, "dashboard_interval": 0.5, "snapshot_every": 0, "race_share": 0.0},
        {"position": 100, "rate": 12, "dashboard_interval": 10.0, "snapshot_every": 50, "race_share": 1.0},
        {"position": 1, "rate": 12, "dashboard_interval": 0.5, "snapshot_every": 5, "race_share": 0.5},
    ],
)
def test_slider_extremes_draw_a_picture_not_a_traceback(lab, values):
    view, printed = move(lab, **values)
    assert len(view.figure.axes) == 2 and "Traceback" not in printed
    assert view.summary.startswith("Position ") and view.result.until == UNTIL


def test_a_position_outside_the_log_is_refused():
    with pytest.raises(ValueError, match="position must be a percentage of the log from 0 to 100"):
        eventsourcing_view(position=101)
