import matplotlib.pyplot as plt
import networkx as nx
import pytest

from course.viz import draw_flow_graph, layered_layout, status_colour, utilization_colour


@pytest.fixture
def system():
    g = nx.DiGraph()
    g.add_node("client")
    g.add_node("gateway", utilization=0.2)
    g.add_node("users", utilization=0.95)
    g.add_node("orders", utilization=0.1, down=True)
    g.add_edge("client", "gateway", flow=100)
    g.add_edge("gateway", "users", flow=75)
    g.add_edge("gateway", "orders", flow=0)
    g.add_edge("gateway", "client", flow=25, style="dashed", colour=status_colour(429), label="429")
    return g


def test_layered_layout_puts_layers_in_columns_and_is_stable():
    pos = layered_layout([["a"], ["b", "c"]])
    assert pos == {"a": (0.0, 0.5), "b": (1.0, 0.666667), "c": (1.0, 0.333333)}
    assert layered_layout([["a"], ["b", "c"]]) == pos


def test_edge_width_follows_flow_and_rejections_are_dashed(system):
    pos = layered_layout([["client"], ["gateway"], ["users", "orders"]])
    fig, ax = plt.subplots()
    artists = draw_flow_graph(system, pos, ax=ax)
    widths = list(artists["edges"].get_linewidths())
    assert widths[0] == max(widths)  # the client's 100 requests
    assert widths[1] > widths[3] > widths[2]  # 75 forwarded > 25 rejected > 0
    styles = artists["edges"].get_linestyles()
    assert styles[3] != styles[0]  # the rejected flow is dashed
    assert [t.get_text() for t in artists["edge_labels"]] == ["429"]
    assert len(artists["down"]) == 1
    plt.close(fig)


def test_node_colour_follows_utilization(system):
    pos = layered_layout([["client"], ["gateway"], ["users", "orders"]])
    artists = draw_flow_graph(system, pos)
    colours = artists["nodes"].get_facecolors()
    assert tuple(colours[2]) == pytest.approx(utilization_colour(0.95))
    assert tuple(colours[0]) == pytest.approx((1.0, 1.0, 1.0, 1.0))
    plt.close("all")


def test_a_node_without_position_is_a_clear_error(system):
    with pytest.raises(ValueError, match="no position for nodes"):
        draw_flow_graph(system, {"client": (0, 0)})
    plt.close("all")


def test_status_colours_are_distinct_for_rejections():
    rejected = {status_colour(s) for s in (401, 403, 404, 429, 503)}
    assert len(rejected) == 5
    assert status_colour(200) not in rejected
