import matplotlib.pyplot as plt
import pytest

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
    """Round robin at 90 % load with checks; b1 dies at 4 s and is back at 8 s."""
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
    assert all(d.get("style") == "dashed" for u, v, d in g.edges(data=True) if v in ("502", "503"))


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
    slowed = simulate(BalancerScenario(backends=2, failures=(Slowdown("b0", at=1),), workload=Workload(rate=50)), until=4)
    assert [r.get_linestyle() for r in draw_balancer(slowed)["rings"]] == [":"]


def test_the_states_panel_draws_a_tick_for_every_request_sent_to_the_dead_backend(outage):
    artists = draw_backend_states(outage)
    ticks = [t for t in artists["ticks"] if hasattr(t, "get_xdata")]
    assert sum(len(t.get_xdata()) for t in ticks) == outage.outages[0].sent_while_dead > 0
    notes = [t.get_text() for t in artists["ticks"] if hasattr(t, "get_text")]
    assert notes == [f"{outage.outages[0].sent_while_dead} sent while dead"]
    hatches = {bar.get_hatch() for bar in artists["bars"]}
    assert {STATE_STYLE["dead"][1], STATE_STYLE["down"][1]} <= hatches


def test_outcomes_stack_served_failed_and_rejected_per_second(outage):
    ts = outage.timeseries(1.0)
    areas = draw_outcomes_over_time(ts)["areas"]
    assert len(areas) == 3
    assert [a.get_hatch() for a in areas][1:] == ["////", "xx"]  # 502 and 503 told apart without colour


def test_the_dashboard_has_a_graph_and_three_time_panels_sharing_the_clock(outage):
    fig, artists = draw_balancer_dashboard(outage)
    assert len(fig.axes) == 4 and set(artists) == {"graph", "states", "outcomes", "latency"}
    assert fig.axes[3].get_xlim() == (0.0, outage.until)
    assert artists["latency"]["p99"].get_linestyle() == "--"
    assert fig.dpi == 80


def test_an_empty_run_still_draws():
    quiet = simulate(BalancerScenario(backends=2, workload=Workload(rate=0)), until=5)
    fig, _ = draw_balancer_dashboard(quiet)
    assert len(fig.axes) == 4


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
