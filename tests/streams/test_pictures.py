"""Lesson 4's pictures at 100 % zoom: legible text, thinned labels, visible twins, legends off the data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from course.streams import GroupScenario, ReplicationScenario, WindowScenario, simulate
from course.viz.streams import (
    FONT,
    LABELLED_MEMBERS,
    draw_consumer_groups,
    draw_group_dashboard,
    draw_lag_over_time,
    draw_partition_load,
    draw_rebalance_diffs,
    draw_replication_dashboard,
    draw_window_dashboard,
    draw_window_results,
)
from course.viz.streams_windows import MISSED_RIM

CSS_DPI = 96  # a browser at 100 % zoom shows 96 pixels per inch: a PNG pixel is a CSS pixel

GROUP_EXTREMES = [
    {},
    {"partitions": 12, "consumers": 8, "groups": 3, "rate": 800, "skew": 2.0, "event": "c0 crashes"},
    {"partitions": 1, "consumers": 8, "groups": 3, "event": "a consumer joins", "strategy": "sticky"},
    {"partitions": 1, "consumers": 1, "groups": 1, "rate": 0},
]
REPLICATION_EXTREMES = [
    {"acks": 1},
    {"failure": "broker 1 stalls"},
    {"rate": 500, "brokers": 5, "replication_factor": 5, "min_insync_replicas": 5, "failure": "broker 4 dies"},
    {"rate": 0, "brokers": 1, "replication_factor": 1, "min_insync_replicas": 1},
]
WINDOW_EXTREMES = [
    {},
    {"kind": "sliding", "allowed_lateness": 0.0},
    {"kind": "sliding", "size": 2, "out_of_orderness": 0.0, "allowed_lateness": 0.0, "max_delay": 10.0},
    {"kind": "count", "size": 2},
    {"kind": "session", "size": 30},
    {"time": "processing"},
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def dashboards():
    for knobs in GROUP_EXTREMES:
        yield draw_group_dashboard(simulate(GroupScenario.example(**knobs), until=10))[0]
    for knobs in REPLICATION_EXTREMES:
        yield draw_replication_dashboard(simulate(ReplicationScenario.example(**knobs), until=10))[0]
    for knobs in WINDOW_EXTREMES:
        yield draw_window_dashboard(simulate(WindowScenario.example(**knobs), until=40))[0]
    yield draw_partition_load([10, 20, 70]).get("bars")[0].axes.figure
    from course.streams import assign, rebalance_diff

    before = assign("range", {"rides": 6}, {m: ["rides"] for m in ("c0", "c1", "c2")})
    diff = rebalance_diff(before, assign("range", {"rides": 6}, {"c1": ["rides"], "c2": ["rides"]}))
    draw_rebalance_diffs({"range": diff})
    yield plt.gcf()


def shown_texts(figure):
    figure.canvas.draw()  # ticks and legends exist only once drawn
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_no_text_is_under_8_points_as_displayed_and_every_figure_fits_a_notebook_at_100_percent():
    for figure in dashboards():
        width_px = figure.get_figwidth() * figure.dpi
        assert width_px <= 900, f"{width_px:.0f} px wide: the notebook would shrink it, and its text with it"
        figure.canvas.draw()
        drawn = figure.get_tightbbox(figure.canvas.get_renderer())  # in inches: what the notebook shows
        assert drawn.x0 >= -0.02 and drawn.x1 <= figure.get_figwidth() + 0.02, "something is drawn off the figure"
        small = [
            (t.get_text()[:30], t.get_fontsize())
            for t in shown_texts(figure)
            if t.get_fontsize() * figure.dpi / CSS_DPI < FONT
        ]
        assert not small, f"text under {FONT} pt on screen: {small}"
        plt.close(figure)


def boxes(texts, renderer):
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


@pytest.mark.parametrize("knobs", GROUP_EXTREMES[1:3])
def test_dense_group_pictures_thin_their_labels_and_no_two_labels_overlap(knobs):
    run = simulate(GroupScenario.example(**knobs), until=10)
    figure, artists = draw_group_dashboard(run)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    drawn = artists["graph"]["labels"] + artists["graph"]["titles"]
    placed = boxes(drawn, renderer)
    for i, (a, box_a) in enumerate(placed):
        for b, box_b in placed[i + 1 :]:
            assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"
    consumers = sum(len(a) for a in run.initial_assignments.values()) + len(run.rebalances)
    assert len(artists["graph"]["labels"]) < consumers  # some share a label or are summed up


def test_a_crowded_group_keeps_the_labels_worth_a_look():
    run = simulate(GroupScenario.example(**GROUP_EXTREMES[1]), until=10)
    labels = [t.get_text() for t in draw_consumer_groups(run)["labels"]]
    assert any("crashed" in t for t in labels) and sum("overloaded" in t for t in labels) == 3
    assert any(t.endswith("busy") and "+" in t for t in labels)  # the quiet ones, summed up in one label
    assert LABELLED_MEMBERS == 4


def test_a_small_group_labels_every_consumer():
    run = simulate(GroupScenario.example(consumers=3, groups=1), until=10)
    labels = [t.get_text() for t in draw_consumer_groups(run)["labels"]]
    assert sorted(t.split()[0] for t in labels) == ["c0", "c1", "c2"]


def test_two_groups_with_the_same_lag_both_stay_visible_and_the_legend_says_so():
    run = simulate(GroupScenario.example(), until=10)  # the dashboard and the archiver: same members, same lag
    totals = run.total_lag()
    assert totals["dashboard"] == totals["archiver"]
    _, ax = plt.subplots()
    lines = draw_lag_over_time(run, ax=ax)
    under, over = lines["dashboard"], lines["archiver"]
    assert under.get_linewidth() > over.get_linewidth() + 0.5  # the wider one shows around the narrower
    assert under.get_marker() != over.get_marker() and under.get_markevery() != over.get_markevery()
    assert over.get_label() == "archiver (= dashboard)" and under.get_label() == "dashboard"


def test_legends_and_marks_sit_outside_the_data():
    run = simulate(GroupScenario.example(event="c0 crashes"), until=10)
    figure, _ = draw_group_dashboard(run)
    lag_ax = figure.axes[1]
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    assert lag_ax.get_legend().get_window_extent(renderer).y0 >= lag_ax.get_window_extent(renderer).y1 - 1
    peak = max(max(series.values()) for series in run.total_lag().values())
    assert lag_ax.get_ylim()[1] >= 1.25 * peak  # the crash and rebalance labels sit in the band above the data
    figure, _ = draw_replication_dashboard(simulate(ReplicationScenario.example(acks=1), until=10))
    writes_ax = figure.axes[1]
    figure.canvas.draw()
    assert writes_ax.get_legend().get_window_extent().y0 >= writes_ax.get_window_extent().y1 - 1
    windows = simulate(WindowScenario.example(), until=40)
    figure, _ = draw_window_dashboard(windows)
    top = figure.axes[0]
    figure.canvas.draw()
    legend = top.get_legend().get_window_extent()
    points = top.transData.transform([(e.time, e.arrival) for e in windows.events])
    assert not any(legend.contains(x, y) for x, y in points)  # the legend sits where no event can be


def test_zero_traffic_keeps_sane_axes():
    run = simulate(GroupScenario.example(rate=0), until=10)
    _, ax = plt.subplots()
    draw_lag_over_time(run, ax=ax)
    assert ax.get_ylim() == (0, 10) and ax.get_xlim() == (0, 10)
    figure, _ = draw_replication_dashboard(simulate(ReplicationScenario.example(rate=0), until=10))
    low, high = figure.axes[1].get_xlim()
    assert 0 <= low < high <= 10


def test_windows_that_missed_late_rides_are_rimmed_and_say_how_many():
    run = simulate(WindowScenario.example(kind="sliding", allowed_lateness=0.0), until=40)
    _, ax = plt.subplots(figsize=(9, 2.5))
    artists = draw_window_results(run, ax=ax)
    rimmed = [bar for bar in artists["bars"] if bar.get_linewidth() == 2.0]
    assert len(rimmed) == len(run.missed_by_window())
    assert all(matplotlib.colors.same_color(bar.get_edgecolor(), MISSED_RIM) for bar in rimmed)
    assert sum(int(t.split(" · ")[1].split()[0]) for t in artists["labels"] if "too late" in t) == len(run.missed)


def test_controls_that_cannot_matter_say_so_in_the_summary():
    flat = lambda results: " ".join(str(results.summary()).split())  # noqa: E731
    assert "acks=1: min ISR has no effect" in flat(simulate(ReplicationScenario.example(acks=1), until=2))
    assert "acks=0: min ISR has no effect" in flat(simulate(ReplicationScenario.example(acks=0), until=2))
    assert "min ISR has no effect" not in flat(simulate(ReplicationScenario.example(), until=2))
    assert "the rebalance protocol has no effect" in flat(simulate(GroupScenario.example(), until=2))
    crash = GroupScenario.example(event="c0 crashes")
    assert "no effect" not in flat(simulate(crash, until=10))
    assert "watermark delay and lateness have no effect" in flat(
        simulate(WindowScenario.example(time="processing"), until=40)
    )
    assert "time, watermark delay and lateness have no effect" in flat(
        simulate(WindowScenario.example(kind="count"), until=40)
    )
