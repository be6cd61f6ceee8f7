import math

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
    figures = plt.get_fignums()
    with pytest.raises(ValueError, match=r"^pos must have an entry for every one of .*\(none for 'gateway', 'users'"):
        draw_flow_graph(system, {"client": (0, 0), "orders": (1, 1)})
    assert plt.get_fignums() == figures  # refused before any figure was made


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"flow": math.nan}, r"^flow must be a finite number of at least 0 \(got nan\): the count on edge 'a' → 'b'"),
        ({"flow": -3}, r"^flow must be a finite number of at least 0"),
        ({"flow": "many"}, r"^flow must be a finite number"),
    ],
)
def test_an_edge_whose_flow_is_not_a_count_is_refused(change, message):
    g = nx.DiGraph()
    g.add_edge("a", "b", **change)
    with pytest.raises(ValueError, match=message):
        draw_flow_graph(g, {"a": (0, 0), "b": (1, 0)})
    plt.close("all")


def test_a_node_whose_utilization_is_nan_is_refused():
    g = nx.DiGraph()
    g.add_node("a", utilization=math.nan)
    with pytest.raises(ValueError, match=r"^utilization must be a finite number \(got nan\)"):
        draw_flow_graph(g, {"a": (0, 0)})
    plt.close("all")


def test_it_draws_on_the_axes_it_is_given_and_titles_it():
    fig, ax = plt.subplots()
    g = nx.DiGraph([("a", "b")])
    artists = draw_flow_graph(g, {"a": (0, 0), "b": (1, 0)}, ax=ax, title="two nodes")
    assert artists["nodes"].axes is ax and ax.get_title() == "two nodes"
    assert [t.get_text() for t in artists["labels"].values()] == ["a", "b"]
    plt.close(fig)


def test_status_colours_are_distinct_for_rejections():
    rejected = {status_colour(s) for s in (401, 403, 404, 429, 503)}
    assert len(rejected) == 5
    assert status_colour(200) not in rejected
