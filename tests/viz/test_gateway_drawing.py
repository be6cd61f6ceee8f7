import matplotlib.pyplot as plt
import pytest

from course.gateway import GatewayScenario, simulate
from course.viz import utilization_colour
from course.viz.gateway import _layout, _picture, draw_gateway, draw_gateway_dashboard


@pytest.fixture(scope="module")
def results():
    return simulate(GatewayScenario.example(rate=150), until=8, seed=1)


def test_rejections_are_dashed_and_coloured_by_status(results):
    g = _picture(results)
    for _, target, data in g.edges(data=True):
        if target in ("401", "403", "404", "429"):
            assert data["style"] == "dashed"
        else:
            assert data.get("style", "solid") == "solid"


def test_services_are_filled_by_utilization(results):
    fig, ax = plt.subplots()
    artists = draw_gateway(results, ax=ax)
    nodes = list(_picture(results).nodes)
    fills = artists["nodes"].get_facecolors()
    i = nodes.index("users-service")
    assert tuple(fills[i]) == pytest.approx(utilization_colour(results.utilization["users-service"]))
    plt.close(fig)


def test_the_layout_does_not_depend_on_the_traffic(results):
    other = _layout(_picture(simulate(GatewayScenario.example(rate=20), until=8, seed=2)))
    busy = _layout(_picture(results))
    assert "429" in busy and "429" not in other  # a quiet run has no rate-limited node ...
    assert all(busy[node] == xy for node, xy in other.items())  # ... but nothing else moves


def test_dashboard_has_graph_status_and_latency_panels(results):
    fig, artists = draw_gateway_dashboard(results)
    assert len(fig.axes) == 3
    assert set(artists) == {"graph", "status", "latency"}
    assert artists["latency"]["p99"].get_linestyle() == "--"
    plt.close(fig)
