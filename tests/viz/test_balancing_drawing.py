import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.text import Text

from course.balancing import (
    BalancerScenario,
    ConsistentHashRing,
    HealthCheck,
    Outage,
    Scale,
    Slowdown,
    Workload,
    backend_pool,
    balls_into_bins,
    simulate,
)
from course.viz import status_colour, utilization_colour
from course.viz.balancing import (
    DPI,
    MIN_FONT,
    STATE_STYLE,
    balancer_graph,
    balancer_layout,
    draw_backend_states,
    draw_balancer,
    draw_balancer_dashboard,
    draw_outcomes_over_time,
)
from course.viz.balancing_compare import draw_bins, draw_shares, draw_strategy_tails
from course.viz.hash_ring import NODE_MARKERS, draw_keys_moved, draw_ring


@pytest.fixture(scope="module")
def outage():
    """Round robin at 90 % load with checks; b1 crashes at 4 s and is back at 8 s."""
    sc = BalancerScenario(
        backends=3,
        workload=Workload(rate=216),
        health=HealthCheck(interval=1.0, fall=2, timeout=0.5),
        failures=(Outage("b1", at=4.0, until=8.0, kind="crash"),),
    )
    return simulate(sc, until=12)


@pytest.fixture(scope="module")
def silent():
    """The same, but b1 becomes unreachable: its requests time out (504)."""
    sc = BalancerScenario(
        backends=3,
        workload=Workload(rate=216),
        health=HealthCheck(interval=1.0, fall=2, timeout=0.5),
        failures=(Outage("b1", at=4.0, until=8.0),),
    )
    return simulate(sc, until=12)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_edges_carry_each_backends_traffic_and_errors_are_dashed_in_their_status_colour(outage):
    g = balancer_graph(outage)
    for b in outage.backends:
        assert g.edges["balancer", b.name]["flow"] == b.sent
        assert g.edges["balancer", b.name]["label"] == f"{b.share:.0%}"
    failed = g.edges["b1", "502"]
    assert failed["style"] == "dashed" and failed["colour"] == status_colour(502)
    assert failed["flow"] == sum(1 for r in outage.records if r.outcome == "failed")
    assert all(d.get("style") == "dashed" for u, v, d in g.edges(data=True) if v in ("502", "503", "504"))


def test_timed_out_requests_go_to_their_own_504_box_in_grey(silent):
    g = balancer_graph(silent)
    timed_out = g.edges["b1", "504"]
    assert timed_out["colour"] == status_colour(504) and timed_out["style"] == "dashed"
    assert timed_out["flow"] == silent.summary().timed_out > 0


def test_backends_are_filled_by_utilization_and_the_dead_one_has_a_cross(outage):
    _, ax = plt.subplots()
    artists = draw_balancer(outage, ax=ax)
    nodes = list(balancer_graph(outage).nodes)
    fills = artists["nodes"].get_facecolors()
    for b in outage.backends:
        assert tuple(fills[nodes.index(b.name)]) == pytest.approx(utilization_colour(b.utilization))
    assert len(artists["crosses"]) == 1
    x, y = balancer_layout(balancer_graph(outage))["b1"]
    cross_x, cross_y = artists["crosses"][0].get_data()
    assert cross_x[0] > x and cross_y[0] > y  # on b1's shoulder


def test_the_layout_keeps_every_node_in_place_whatever_the_traffic(outage):
    quiet = simulate(BalancerScenario(backends=3, workload=Workload(rate=20)), until=12)
    busy, calm = balancer_layout(balancer_graph(outage)), balancer_layout(balancer_graph(quiet))
    assert "502" in busy and "502" not in calm
    assert all(busy[node] == xy for node, xy in calm.items())


def test_joined_and_slowed_backends_get_rings():
    scaled = simulate(BalancerScenario(backends=2, scaling=(Scale(at=2, to=3),), workload=Workload(rate=50)), until=4)
    rings = draw_balancer(scaled)["rings"]
    assert [r.get_linestyle() for r in rings] == ["--"]
    slowed = simulate(
        BalancerScenario(backends=2, failures=(Slowdown("b0", at=1),), workload=Workload(rate=50)), until=4
    )
    assert [r.get_linestyle() for r in draw_balancer(slowed)["rings"]] == [":"]


@pytest.mark.parametrize("run", ["outage", "silent"])
def test_the_states_panel_ticks_every_request_sent_to_the_dead_backend_and_counts_them_off_the_bars(run, request):
    res = request.getfixturevalue(run)
    artists = draw_backend_states(res)
    ticks = [t for t in artists["ticks"] if hasattr(t, "get_xdata")]
    assert sum(len(t.get_xdata()) for t in ticks) == res.outages[0].sent_while_dead > 0
    written = [t.get_text() for t in artists["key"] if hasattr(t, "get_text")]
    assert f"sent while dead: b1 {res.outages[0].sent_while_dead}" in written
    for text in artists["key"]:  # the key sits above the axes: it never covers a backend's row
        if hasattr(text, "get_position") and hasattr(text, "get_text"):
            assert text.get_position()[1] > 1.0
    hatches = {bar.get_hatch() for bar in artists["bars"]}
    assert {STATE_STYLE["dead"][1], STATE_STYLE["down"][1]} <= hatches


def test_outcomes_stack_served_failed_rejected_and_timed_out_per_second(outage):
    ts = outage.timeseries(1.0)
    areas = draw_outcomes_over_time(ts)["areas"]
    assert len(areas) == 4
    assert [a.get_hatch() for a in areas][1:] == ["////", "xx", ".."]  # 502, 503, 504 told apart without colour


def test_a_colour_keeps_one_meaning_within_the_dashboard(outage):
    _, artists = draw_balancer_dashboard(outage)
    state_colours = {to_hex(bar.get_facecolor()[0]) for bar in artists["states"]["bars"]} - {"#ffffff"}
    outcome_colours = {to_hex(a.get_facecolor()[0]) for a in artists["outcomes"]["areas"]}
    assert outcome_colours == {to_hex(status_colour(s)) for s in (200, 502, 503, 504)}
    assert not state_colours & outcome_colours  # dead is not 503's vermillion any more
    lines = {to_hex(artists["latency"][p].get_color()) for p in ("p50", "p99")}
    assert lines == {to_hex(status_colour(200))}  # latency of served requests: the served colour


def test_every_text_reads_at_100_percent_zoom(outage):
    runs = {"a": outage, "b": outage}
    figures = [
        draw_balancer_dashboard(outage)[0],
        draw_strategy_tails(runs)[0],
        draw_shares(runs)["a"][0].axes.figure,
        draw_bins({"one": [0, 1, 2]})["one"][0].axes.figure,
        draw_ring(ConsistentHashRing(["a", "b"], vnodes=3), ["k"])["points"][0].axes.figure,
        draw_keys_moved([2, 3], [0.3, 0.25], [0.6, 0.7])["ring"].axes.figure,
    ]
    for fig in figures:
        fig.canvas.draw()
        assert fig.dpi == DPI and fig.get_figwidth() * fig.dpi <= 1000  # not shrunk to fit a notebook
        sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]
        assert sizes and min(sizes) >= MIN_FONT  # 8 pt at 100 dpi: 11 px, above 8 pt on a 96 dpi screen


def test_identical_runs_stay_visible_side_by_side(outage):
    bars = draw_shares({"L4": outage, "L7": outage})
    left = [b.get_x() for b in bars["L4"]]
    right = [b.get_x() for b in bars["L7"]]
    assert all(b > a for a, b in zip(left, right, strict=True))
    assert bars["L4"][0].get_hatch() != bars["L7"][0].get_hatch()
    legend = bars["L4"][0].axes.get_legend()
    assert legend.get_bbox_to_anchor().y0 >= bars["L4"][0].axes.get_window_extent().y1 - 1  # above the bars


def test_the_dashboard_has_a_graph_and_three_time_panels_sharing_the_clock(outage):
    fig, artists = draw_balancer_dashboard(outage)
    assert len(fig.axes) == 4 and set(artists) == {"graph", "states", "outcomes", "latency"}
    assert fig.axes[3].get_xlim() == (0.0, outage.until)
    assert artists["latency"]["p99"].get_linestyle() == "--"
    assert fig.dpi == DPI


def test_an_empty_run_still_draws_sane_axes():
    quiet = simulate(BalancerScenario(backends=2, workload=Workload(rate=0)), until=5)
    fig, _ = draw_balancer_dashboard(quiet)
    assert len(fig.axes) == 4
    _, _, outcomes, latency = fig.axes
    assert outcomes.get_ylim() == (0.0, 1.0) and latency.get_ylim() == (0.0, 50.0)
    assert latency.get_xlim() == (0.0, 5.0)


def test_the_ring_shows_every_point_and_the_moved_keys_large():
    ring = ConsistentHashRing(["a", "b", "c"], vnodes=4)
    keys = [f"k{i}" for i in range(30)]
    artists = draw_ring(ring, keys, moved=keys[:3])
    assert [len(p.get_xdata()) for p in artists["points"]] == [4, 4, 4]
    assert [p.get_marker() for p in artists["points"]] == list(NODE_MARKERS[:3])
    assert sum(len(k.get_xdata()) for k in artists["keys"]) == 30
    large = [k for k in artists["keys"] if k.get_markeredgecolor() == "black"]
    assert sum(len(k.get_xdata()) for k in large) == 3
    assert len(artists["arcs"]) == 12


def test_the_keys_moved_chart_plots_what_it_is_given():
    artists = draw_keys_moved([2, 3, 4], [0.34, 0.25, 0.2], [0.67, 0.75, 0.8])
    assert list(artists["ring"].get_ydata()) == [0.34, 0.25, 0.2]
    assert list(artists["ideal"].get_ydata()) == pytest.approx([1 / 3, 1 / 4, 1 / 5])


def test_bins_count_how_many_bins_hold_each_load():
    one = balls_into_bins(1000, 1000, seed=1)
    bars = draw_bins({"one": one})["one"]
    assert sum(b.get_height() for b in bars) == 1000
    assert len(bars) == max(one) + 1


def test_shares_and_strategy_tails_draw_the_numbers_of_each_run():
    runs = {
        name: simulate(BalancerScenario(backends=backend_pool(3, spread=0.5), strategy=name), until=3)
        for name in ("round_robin", "least_connections")
    }
    bars = draw_shares(runs)
    assert [b.get_height() for b in bars["round_robin"]] == [b.share for b in runs["round_robin"].backends]
    _, artists = draw_strategy_tails(runs)
    assert [b.get_width() for b in artists["p99"]] == pytest.approx([r.summary().p99 * 1000 for r in runs.values()])
    assert artists["utilization"].get_array().shape == (2, 3)
