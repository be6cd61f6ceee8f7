"""Lesson 4's pictures: graphs built on the shared layout, drawn from the results of `simulate`."""

import matplotlib.pyplot as plt
import pytest

from course.streams import (
    Count,
    Event,
    GroupScenario,
    ReplicationScenario,
    Tumbling,
    WindowScenario,
    assign,
    event_stream,
    rebalance_diff,
    simulate,
)
from course.viz import layered_layout, utilization_colour
from course.viz.streams import (
    broker_graph,
    broker_layout,
    draw_brokers,
    draw_consumer_groups,
    draw_group_dashboard,
    draw_lag_over_time,
    draw_partition_load,
    draw_rebalance_diffs,
    draw_replication_dashboard,
    draw_window_dashboard,
    draw_window_results,
    draw_window_timeline,
    draw_writes,
    group_graph,
    group_layout,
    rebalance_note,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def crashed():
    return simulate(GroupScenario(crash_at=2.0, skew=1.5, consumer_rate=100), until=5)


def test_each_partition_has_one_ownership_edge_per_group_and_idle_consumers_none():
    res = simulate(GroupScenario(partitions=4, consumers=6, groups=2), until=2)
    g = group_graph(res)
    for p in range(4):
        owners = [g.nodes[v]["group"] for v in g.successors(f"P{p}")]
        assert sorted(owners) == ["archiver", "dashboard"]
    idle = [n for n, d in g.nodes(data=True) if d.get("status") == "idle"]
    assert sorted(idle) == ["archiver/c4", "archiver/c5", "dashboard/c4", "dashboard/c5"]
    assert all(g.in_degree(n) == 0 for n in idle)


def test_a_crashed_consumer_stays_in_the_picture_without_partitions_and_the_new_owners_say_what_they_got(crashed):
    g = group_graph(crashed)
    assert g.nodes["dashboard/c0"]["status"] == "crashed" and g.in_degree("dashboard/c0") == 0
    moved = {m.partition for m in crashed.rebalances[0].diff.moved}
    gained = {p for n, d in g.nodes(data=True) if d.get("group") == "dashboard" for p in d.get("gained", [])}
    assert gained == moved


def test_ownership_edges_are_as_wide_as_the_lag_and_consumers_filled_by_load(crashed):
    _fig, ax = plt.subplots()
    artists = draw_consumer_groups(crashed, ax=ax)
    g = artists["graph"]
    owns = [(u, v, d) for u, v, d in g.edges(data=True) if d["kind"] == "owns"]
    widths = list(artists["owns"].get_linewidths())
    most = max(range(len(owns)), key=lambda i: owns[i][2]["lag"])
    least = min(range(len(owns)), key=lambda i: owns[i][2]["lag"])
    assert owns[most][2]["lag"] > owns[least][2]["lag"] and widths[most] > widths[least]
    active = [n for n in g.nodes if g.nodes[n].get("status") == "active"]
    fills = artists["consumers"]["active"].get_facecolors()
    assert tuple(fills[0]) == pytest.approx(utilization_colour(g.nodes[active[0]]["load"]))


def test_the_layout_depends_only_on_the_counts():
    quiet = simulate(GroupScenario(rate=20), until=2, seed=1)
    busy = simulate(GroupScenario(rate=600, skew=2.0), until=2, seed=2)
    _fig, (a, b) = plt.subplots(1, 2)
    assert draw_consumer_groups(quiet, ax=a)["pos"] == draw_consumer_groups(busy, ax=b)["pos"]
    pos = group_layout(3, {"dashboard": ["c0", "c1"], "archiver": ["c0"]})
    assert pos["dashboard/c0"][1] > pos["dashboard/c1"][1] > pos["archiver/c0"][1]  # bands top to bottom
    assert {x for x, _ in pos.values()} == {0.0, 0.28, 0.56}
    assert pos == {
        k: v
        for k, v in layered_layout(
            [["producer"], ["P0", "P1", "P2"], ["dashboard/c0", "dashboard/c1", "gap", "archiver/c0"]], width=0.56
        ).items()
        if k != "gap"
    }  # the shared layout, not a copy of it


def test_the_group_dashboard_has_the_graph_first_and_a_note_on_the_rebalance(crashed):
    fig, artists = draw_group_dashboard(crashed)
    assert len(fig.axes) == 2 and fig.axes[0] is artists["graph"]["owns"].axes
    assert "crash c0" in artists["note"].get_text() and "eager: 6 partitions paused" in artists["note"].get_text()
    assert artists["lag"]["archiver"].get_linestyle() == "--"


def test_the_rebalance_note_counts_the_duplicates(crashed):
    assert f"{crashed.summary().duplicates} records processed twice" in rebalance_note(crashed)


def test_the_hottest_partition_is_hatched_only_when_it_is_hot():
    assert draw_partition_load([10, 10, 10])["hot"] is None
    artists = draw_partition_load([10, 10, 70])
    assert artists["hot"] == 2 and artists["bars"][2].get_hatch() == "//"


def test_brokers_show_the_new_leader_and_the_dead_broker_out_of_the_isr():
    res = simulate(ReplicationScenario(fail_broker=0), until=8)
    roles = draw_brokers(res)["roles"]
    assert roles[(0, 1)] == "leader" and roles[(0, 0)] == "out of ISR"
    assert all(roles[(p, 0)] == "out of ISR" for p in range(3))
    texts = [t.get_text() for t in plt.gca().texts]
    assert "broker 0\nDOWN" in texts and sum("≥ min 2: writes ok" in t for t in texts) == 3


def test_too_small_an_isr_is_written_as_rejected():
    res = simulate(ReplicationScenario(replication_factor=2, min_insync_replicas=2, fail_broker=1), until=8)
    draw_brokers(res)
    assert any("< min 2: rejected" in t.get_text() for t in plt.gca().texts)


def test_every_lost_write_is_a_cross_and_the_view_zooms_on_the_failure():
    res = simulate(ReplicationScenario(acks=1, fail_broker=0, fail_at=5.08, fetch_interval=0.1), until=10)
    marks = draw_writes(res)
    assert len(marks["lost after ack"].get_offsets()) == res.summary().lost > 0
    assert plt.gca().get_xlim() == (4.08, 7.08)
    fig, artists = draw_replication_dashboard(res)
    assert len(fig.axes) == 2 and set(artists) == {"brokers", "writes"}


def test_the_timeline_marks_late_and_dropped_events_and_the_watermark():
    events = [
        Event(1, arrival=1),
        Event(12, arrival=12),
        Event(4, arrival=13),
        Event(30, arrival=30),
        Event(5, arrival=31),
    ]
    run = simulate(WindowScenario(events=events, assigner=Tumbling(10), allowed_lateness=5), until=30)
    artists = draw_window_timeline(run)
    counts = {name: len(m.get_offsets()) for name, m in artists["events"].items()}
    assert counts == {
        "on time": 3,
        "late: re-fired its window": 1,
        "too late for an older window": 0,
        "too late: dropped": 1,
    }
    assert list(artists["watermark"].get_xdata()) == [1, 12, 12, 30, 30]
    assert len(artists["bands"]) == 3  # [0, 10), [10, 20) and [30, 40): no ride fell in [20, 30)


def test_processing_time_cuts_horizontal_bands_and_draws_no_watermark():
    events = event_stream(rate=1, until=20, seed=2)
    run = simulate(WindowScenario(events=events, assigner=Tumbling(5), time="processing"), until=20)
    artists = draw_window_timeline(run)
    assert artists["watermark"] is None and artists["bands"]
    fig, _ = draw_window_dashboard(run)
    assert fig.axes[1].get_xlabel().startswith("arrival time")


def test_count_windows_that_never_fired_are_drawn_hollow():
    events = [Event(t, "paris") for t in range(5)]
    artists = draw_window_results(simulate(WindowScenario(events=events, assigner=Count(3)), until=5))
    assert artists["labels"] == ["3", "2 so far: never fired"]
    assert artists["bars"][1].get_linestyle() == "--"


def test_the_rebalance_grid_counts_moves_per_strategy():
    subs = {m: ["rides"] for m in ("c0", "c1", "c2")}
    diffs = {}
    for strategy in ("range", "sticky"):
        before = assign(strategy, {"rides": 6}, subs)
        diffs[strategy] = rebalance_diff(before, assign(strategy, {"rides": 6}, {"c1": ["rides"]}, previous=before))
    assert draw_rebalance_diffs(diffs)["moved"] == {"range": 4, "sticky": 4}


def test_the_broker_layout_is_the_shared_layout_with_a_row_per_partition():
    scenario = ReplicationScenario(brokers=4, replication_factor=2, partitions=3)
    pos = broker_layout(scenario)
    assert set(pos) == {f"P{p}@b{b}" for p in range(3) for b in scenario.replicas(p)}
    assert all(pos[f"P{p}@b{b}"] == (float(b), float(3 - p)) for p in range(3) for b in scenario.replicas(p))


def test_the_broker_graph_links_each_leader_to_its_live_followers():
    res = simulate(ReplicationScenario(fail_broker=0, fail_at=1.0), until=2)
    g = broker_graph(res)
    assert g.number_of_nodes() == 9
    leaders = [n for n, d in g.nodes(data=True) if d["role"] == "leader"]
    assert sorted(leaders) == ["P0@b1", "P1@b1", "P2@b2"]
    assert all(g.out_degree(n) == 1 for n in leaders)  # broker 0 is dead: one live follower left each
    assert all(g.in_degree(f"P{p}@b0") == 0 for p in range(3))


@pytest.mark.parametrize(
    ("draw", "message"),
    [
        (lambda: draw_consumer_groups("results"), "results must be a GroupResults"),
        (lambda: draw_brokers(None), "results must be a ReplicationResults"),
        (lambda: draw_window_timeline(3), "results must be a WindowResults"),
        (lambda: draw_partition_load([1, -1]), r"counts must be a whole number of at least 0 \(got -1\)"),
        (lambda: draw_partition_load([]), "counts must be a non-empty list"),
        (lambda: draw_rebalance_diffs({"range": 1}), r"diffs\['range'\] must be a RebalanceDiff"),
        (lambda: group_layout(0, {}), "partitions must be a whole number of at least 1"),
        (lambda: draw_lag_over_time(simulate(GroupScenario(), until=1), ax="left"), "ax must be an Axes"),
    ],
)
def test_drawing_bad_input_gets_a_clear_message(draw, message):
    with pytest.raises(ValueError, match=message):
        draw()
