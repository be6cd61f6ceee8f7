"""Lesson 1's pictures: the public graph and layout of a run, the dashboard built on them, the
comparison charts, and the readability rules (text size, sane axes, legends and bands off the data)."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from course.gateway import FixedWindow, FleetScenario, GatewayScenario, SlidingWindowLog, compare_limiters, simulate
from course.sim import OUTCOMES
from course.viz import utilization_colour
from course.viz.gateway import (
    OUTCOME_LABELS,
    draw_fleet,
    draw_gateway,
    draw_gateway_dashboard,
    draw_limiter_timelines,
    draw_service_load,
    gateway_graph,
    gateway_layout,
)


@pytest.fixture(scope="module")
def results():
    return simulate(GatewayScenario.example(rate=400, burstiness=3, algorithm="off"), until=8, seed=1)


def test_the_graph_has_every_client_and_service_and_a_node_per_outcome_that_happened(results):
    g = gateway_graph(results)
    kinds = {node: data["kind"] for node, data in g.nodes(data=True)}
    assert {n for n, k in kinds.items() if k == "client"} == {"alice", "bob", "carol", "anonymous"}
    assert {n for n, k in kinds.items() if k == "service"} == set(results.scenario.services)
    happened = {w for w in results.summary().outcomes if w != "served"}
    assert {n for n, k in kinds.items() if k == "outcome"} == happened and happened <= set(OUTCOMES)


def test_edges_carry_the_request_counts_and_refusals_are_dashed(results):
    g = gateway_graph(results)
    assert sum(d["count"] for _, v, d in g.edges(data=True) if v == "gateway") == len(results.records)
    for _, target, data in g.edges(data=True):
        dashed = data.get("style") == "dashed"
        assert dashed == (target in OUTCOME_LABELS) == (data["outcome"] is not None)
        assert data["outcome"] is None or data["outcome"] in OUTCOMES
    assert g.edges["users-service", "rejected"]["count"] == sum(
        r.outcome == "rejected" and r.service == "users-service" for r in results.records
    )


def test_services_are_filled_by_utilization(results):
    fig, ax = plt.subplots()
    artists = draw_gateway(results, ax=ax)
    nodes = list(gateway_graph(results).nodes)
    fills = artists["nodes"].get_facecolors()
    i = nodes.index("users-service")
    assert tuple(fills[i]) == pytest.approx(utilization_colour(results.utilization["users-service"]))
    plt.close(fig)


def test_the_layout_does_not_depend_on_the_traffic(results):
    quiet = gateway_layout(gateway_graph(simulate(GatewayScenario.example(rate=20), until=8, seed=2)))
    busy = gateway_layout(gateway_graph(results))
    assert "rejected" in busy and "rejected" not in quiet  # a quiet run has no rejected node ...
    assert all(busy[node] == xy for node, xy in quiet.items())  # ... but nothing else moves


def test_clients_gateway_and_services_stand_in_columns_with_refusals_in_a_row_below(results):
    pos = gateway_layout(gateway_graph(results))
    assert pos["alice"][0] < pos["gateway"][0] < pos["users-service"][0]
    row = [pos[w] for w in OUTCOME_LABELS if w in pos and w != "rejected"]
    assert len({y for _, y in row}) == 1 and row == sorted(row)
    assert max(y for _, y in row) < min(y for n, (_, y) in pos.items() if n not in OUTCOME_LABELS)
    # a full queue is the services' refusal: it sits right of them, so its edges cross no other node
    assert pos["rejected"][0] > max(pos[s][0] for s in results.scenario.services)


def test_the_dashboard_has_graph_outcome_and_latency_panels(results):
    fig, artists = draw_gateway_dashboard(results)
    assert len(fig.axes) == 3
    assert set(artists) == {"graph", "outcomes", "latency"}
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "served" in legend and "rejected (503)" in legend and "dropped" not in legend
    assert artists["latency"]["p99"].get_linestyle() == "--"
    plt.close(fig)


def displayed_points(text, figure):
    """A text's size as a reader sees it at 100 % zoom: the PNG shows one pixel per CSS pixel (1/96 in)."""
    return text.get_fontsize() * figure.dpi / 96


def visible_texts(figure):
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def pictures():
    rush = {p: simulate(GatewayScenario.example(protection=p), until=6, seed=0) for p in ("off", "load_shedder")}
    times = [0.01 * k for k in range(300)]
    fleet = {"open": simulate(FleetScenario(store_down=(1, 2)), until=4, seed=0)}
    yield "dashboard", draw_gateway_dashboard(rush["load_shedder"])[0]
    yield "limiters", draw_limiter_timelines(times, compare_limiters(times, [FixedWindow(50, 1.0)]), limit=50)[0]
    yield "service load", draw_service_load(rush)["lines"]["off"].figure
    yield "fleet", draw_fleet(fleet)[0]


@pytest.mark.parametrize("name", ["dashboard", "limiters", "service load", "fleet"])
def test_no_text_is_under_8_points_as_displayed(name):
    figure = dict(pictures())[name]
    small = [(t.get_text(), round(displayed_points(t, figure), 1)) for t in visible_texts(figure)]
    assert small and all(size >= 8 for _, size in small), [s for s in small if s[1] < 8]
    plt.close("all")


def test_at_zero_traffic_the_time_axes_run_from_zero_to_the_end_with_no_negative_rates():
    fig, _ = draw_gateway_dashboard(simulate(GatewayScenario.example(rate=0), until=12, seed=0))
    outcomes, latency = fig.axes[1], fig.axes[2]
    assert outcomes.get_xlim() == (0.0, 12.0) and latency.get_xlim() == (0.0, 12.0)
    assert outcomes.get_ylim()[0] == 0 and latency.get_ylim()[0] == 0
    assert "no requests" in [t.get_text() for t in outcomes.texts]
    plt.close(fig)


def test_legends_sit_outside_the_data():
    fig, _ = draw_gateway_dashboard(simulate(GatewayScenario.example(), until=6, seed=0))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes[1:]:
        legend, data = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
        assert legend.y0 >= data.y1 - 1 or legend.x0 >= data.x1 - 1  # above the axes, or right of them
    plt.close(fig)


def test_a_limit_the_admitted_line_sits_on_stays_visible():
    # in the fleet picture the admitted rate of a shared counter equals the limit: the dashed limit is drawn on top
    fig, artists = draw_fleet({"shared": simulate(FleetScenario(), until=4, seed=0)})
    ax = fig.axes[0]
    limit = next(line for line in ax.lines if line.get_linestyle() == "--")
    assert limit.get_zorder() > artists["shared"].get_zorder()
    assert artists["shared"].get_linewidth() > limit.get_linewidth()  # the blue shows on both sides of the dashes
    plt.close(fig)


def test_the_outage_band_sits_above_the_data():
    results = simulate(FleetScenario(store_down=(1, 2)), until=4, seed=0)
    fig, _ = draw_fleet({"outage": results})
    ax = fig.axes[0]
    band = next(p for p in ax.patches if p.get_facecolor()[3] < 1)
    highest = max(max(c.get_paths()[0].vertices[:, 1]) for c in ax.collections)
    assert band.get_window_extent().y0 > ax.transData.transform((0, highest))[1]
    plt.close(fig)


def test_the_service_load_chart_marks_capacity_and_the_70_to_80_band_and_keeps_lines_apart():
    same = simulate(GatewayScenario.example(), until=4, seed=0)
    runs = {"a": same, "b": simulate(GatewayScenario.example(), until=4, seed=0)}
    lines = draw_service_load(runs)["lines"]
    assert lines["a"].get_linestyle() != lines["b"].get_linestyle()  # identical runs stay distinguishable
    assert lines["a"].get_marker() != lines["b"].get_marker()
    ax = lines["a"].axes
    assert ax.get_ylim()[0] == 0 and ax.get_xlim() == (0.0, 4.0)
    plt.close("all")


def test_the_limiter_panels_put_their_counts_in_titles_not_over_the_data():
    times = [0.05 * k for k in range(40)]
    fig, _ = draw_limiter_timelines(times, compare_limiters(times, [FixedWindow(5, 1.0), SlidingWindowLog(5, 1.0)]))
    assert all(ax.get_title(loc="left").endswith("in one second") and not ax.texts for ax in fig.axes)
    plt.close(fig)
