"""The pictures: the graph's structure and counts, readable text, and the moment marked."""

import matplotlib.pyplot as plt
import pytest

from course.eventsourcing import EventSourcingScenario, simulate
from course.viz.eventsourcing import (
    COMMAND_NODES,
    EVENT_NODES,
    draw_eventsourcing_dashboard,
    draw_lag,
    draw_replay_cost,
    eventsourcing_graph,
    eventsourcing_layout,
)

RES = simulate(EventSourcingScenario.example(race_share=0.5), until=30, seed=2)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("position", [0, 1, 100, len(RES.store)])
def test_the_graph_counts_commands_events_and_reads_up_to_the_position(position):
    g = eventsourcing_graph(RES, position)
    assert g.nodes["event log"]["count"] == position
    assert sum(g.nodes[e]["count"] for e in EVENT_NODES) == position
    time = RES.entries[position - 1].time if position else 0.0
    handled = [r for r in RES.records if r.time <= time] if position else []
    assert sum(g.nodes[c]["count"] for c in COMMAND_NODES) == len(handled)
    assert g.nodes["rejected"]["count"] == sum(r.status == "rejected" for r in handled)
    for reader in ("rider history", "city dashboard"):
        assert g.nodes[reader]["count"] + g.nodes[reader]["behind"] == position


def test_the_layout_does_not_move_with_the_position():
    assert eventsourcing_layout(eventsourcing_graph(RES, 3)) == eventsourcing_layout(eventsourcing_graph(RES))


def test_every_text_of_the_dashboard_is_at_least_8_points():
    fig, artists = draw_eventsourcing_dashboard(RES, 250)
    fig.canvas.draw()
    texts = [t for t in fig.findobj(plt.Text) if t.get_text().strip() and t.get_visible()]
    assert texts and min(t.get_fontsize() for t in texts) >= 8
    assert artists["graph"]["labels"]["event log"].get_text() == "event log\n250 events"


def test_the_lag_chart_marks_the_moment():
    _, ax = plt.subplots()
    draw_lag(RES, 40, ax=ax)
    marked = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert marked and marked[0].get_xdata()[0] == pytest.approx(RES.entries[39].time)


def test_bad_positions_and_mismatched_costs_are_refused():
    with pytest.raises(ValueError, match=f"position must be a whole number from 0 to {len(RES.store)}"):
        eventsourcing_graph(RES, len(RES.store) + 1)
    with pytest.raises(ValueError, match="must have the same length"):
        draw_replay_cost([1, 2], [1, 2], [1])
