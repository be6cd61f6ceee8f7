"""Lesson 6's picture: the design as a graph with live flows, and the readability rules every picture keeps."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from course.design import DESIGNS, Design, simulate
from course.sim import OUTCOMES
from course.viz.design import (
    OUTCOME_COLOURS,
    design_graph,
    design_layout,
    draw_answer_p99,
    draw_backlogs,
    draw_design,
    draw_design_dashboard,
)


@pytest.fixture(scope="module")
def slow():
    return simulate(Design.example("rides", failure="a dependency slows"), until=24, seed=0)


def test_the_graph_holds_every_part_and_a_node_per_outcome_that_happened(slow):
    g = design_graph(slow)
    kinds = {n: d["kind"] for n, d in g.nodes(data=True)}
    assert {n for n, k in kinds.items() if k == "tier"} == {"booking", "pricing", "trips"}
    assert kinds["matching"] == "queue" and kinds["gateway"] == "gateway" and kinds["clients"] == "clients"
    outcomes = {n for n, k in kinds.items() if k == "outcome"}
    assert outcomes <= set(OUTCOMES) and {"served", "timed_out", "unauthorized"} <= outcomes


def test_edges_carry_counts_and_those_ending_badly_are_dashed_in_their_outcome_s_colour(slow):
    g = design_graph(slow)
    assert g.edges["clients", "gateway"]["count"] == slow.summary().attempts
    for _, target, d in g.edges(data=True):
        if d["outcome"] is not None:  # dashed exactly when it ends badly, as the key under the picture says
            dashed = d["outcome"] != "served"
            assert (
                target == d["outcome"] and (d["style"] == "dashed") == dashed and d["colour"] == OUTCOME_COLOURS[target]
            )
    entry = g.edges["gateway", "booking"]  # booking waits on pricing; the gateway gives up on booking (504)
    assert entry["failed"] > 0.1 and entry["style"] == "dashed" and entry["label"] == ""  # the node says how many
    assert g.edges["booking", "pricing"]["failed"] < 0.1  # pricing answers every call, late
    guarded = design_graph(simulate(Design.example("rides", failure="a dependency slows", guards=True), until=24))
    call = guarded.edges["booking", "pricing"]  # with a timeout and a breaker, the calls themselves fail
    assert call["failed"] > 0.1 and call["style"] == "dashed" and "bad" in call["label"]
    healthy = design_graph(simulate(Design.example("rides"), until=24, seed=0))
    assert all(d.get("style") != "dashed" for _, _, d in healthy.edges(data=True) if d["outcome"] is None)


def test_each_outcome_keeps_one_colour_and_none_is_shared():
    assert set(OUTCOME_COLOURS) == set(OUTCOMES)
    assert len(set(OUTCOME_COLOURS.values())) == len(OUTCOME_COLOURS)


def test_the_layout_puts_each_hop_in_its_own_column_and_outcomes_last(slow):
    g = design_graph(slow)
    pos = design_layout(g)
    x = {n: xy[0] for n, xy in pos.items()}
    assert x["clients"] < x["gateway"] < x["booking"] < x["pricing"] < x["served"]
    assert x["booking"] == x["trips"] and x["pricing"] == x["matching"]
    assert len({x[n] for n, d in g.nodes(data=True) if d["kind"] == "outcome"}) == 1
    assert len(set(pos.values())) == len(pos)  # no two nodes in one place


def displayed_points(text, figure):
    """A text's size as a reader sees it at 100 % zoom: the PNG shows one pixel per CSS pixel (1/96 in)."""
    return text.get_fontsize() * figure.dpi / 96


@pytest.mark.parametrize("name", DESIGNS)
def test_no_text_is_under_8_points_as_displayed(name):
    figure, _ = draw_design_dashboard(simulate(Design.example(name, failure="an instance dies"), until=24, seed=0))
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    small = [(t.get_text(), round(displayed_points(t, figure), 1)) for t in texts]
    assert small and all(size >= 8 for _, size in small), [s for s in small if s[1] < 8]
    plt.close("all")


def test_legends_and_failure_words_sit_outside_the_data(slow):
    fig, artists = draw_design_dashboard(slow)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes[1:3]:
        legend, data = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
        assert legend.y0 >= data.y1 - 1 or legend.x0 >= data.x1 - 1  # above the axes, or right of them
    words = [a for a in artists["backlogs"]["marks"] if isinstance(a, Text)]
    assert [w.get_text() for w in words] == ["pricing slows x10", "mended"]
    for word in words:
        assert word.get_window_extent(renderer).y0 >= fig.axes[2].get_window_extent(renderer).y1 - 1
    left, right = (w.get_window_extent(renderer) for w in words)
    assert left.x1 <= right.x0  # a failure's words end at its line, the mending's start at its own
    plt.close(fig)


def test_at_zero_traffic_the_axes_stay_sane():
    fig, _artists = draw_design_dashboard(simulate(Design.example("rides", rate=0), until=24, seed=0))
    outcomes, backlog = fig.axes[1], fig.axes[2]
    assert outcomes.get_xlim() == (0.0, 24.0) and backlog.get_xlim() == (0.0, 24.0)
    assert outcomes.get_ylim()[0] == 0 and backlog.get_ylim()[0] == 0
    assert "no requests" in [t.get_text() for t in outcomes.texts]
    plt.close(fig)


def test_equal_backlog_lines_stay_told_apart():
    fig, artists = draw_design_dashboard(simulate(Design.example("dashboard"), until=24, seed=0))
    lines = artists["backlogs"]["lines"]
    assert len(lines) == 2 and len({(ln.get_linestyle(), ln.get_marker()) for ln in lines}) == 2
    plt.close(fig)


def test_a_design_without_queue_or_stream_shows_the_answers_p99_instead():
    results = simulate(Design.example("chat", stream=False), until=24, seed=0)
    _fig, artists = draw_design_dashboard(results)
    assert "p99" in artists and "backlogs" not in artists
    _fig2, ax = plt.subplots()
    assert draw_answer_p99(results, ax=ax)["line"].get_ydata().size == 24
    assert draw_backlogs(results, ax=ax)["lines"] == []
    plt.close("all")


def test_the_failure_injected_is_marked_on_the_graph(slow):
    fig, ax = plt.subplots()
    artists = draw_design(slow, ax=ax)
    assert len(artists["down"]) == 1 and artists["names"]["pricing"].get_text().startswith("pricing")
    plt.close(fig)
