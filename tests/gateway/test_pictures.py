"""Lesson 1's pictures: the public graph and layout of a run, and the dashboard built on them."""

import matplotlib.pyplot as plt
import pytest

from course.gateway import GatewayScenario, simulate
from course.sim import OUTCOMES
from course.viz import utilization_colour
from course.viz.gateway import OUTCOME_LABELS, draw_gateway, draw_gateway_dashboard, gateway_graph, gateway_layout


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
        assert dashed == (target in OUTCOMES) == (data["outcome"] is not None)
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


def test_clients_gateway_and_services_stand_in_columns_with_outcomes_in_a_row_below(results):
    pos = gateway_layout(gateway_graph(results))
    assert pos["alice"][0] < pos["gateway"][0] < pos["users-service"][0]
    row = [pos[w] for w in OUTCOME_LABELS if w in pos]
    assert len({y for _, y in row}) == 1 and row == sorted(row)
    assert max(y for _, y in row) < min(y for n, (_, y) in pos.items() if n not in OUTCOME_LABELS)


def test_the_dashboard_has_graph_outcome_and_latency_panels(results):
    fig, artists = draw_gateway_dashboard(results)
    assert len(fig.axes) == 3
    assert set(artists) == {"graph", "outcomes", "latency"}
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "served" in legend and "rejected" in legend and "dropped" not in legend
    assert artists["latency"]["p99"].get_linestyle() == "--"
    plt.close(fig)
