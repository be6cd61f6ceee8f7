"""The shared layout every domain's graph drawing is built on: `layered_layout` and `fit_radius`."""

import math
from itertools import combinations, pairwise

import matplotlib.pyplot as plt
import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.viz import draw_flow_graph, fit_radius, layered_layout

# Layers of distinct node names, with None for an empty slot now and then.
layer_shapes = st.lists(st.lists(st.booleans(), min_size=1, max_size=12), min_size=1, max_size=5)


def build(shape):
    names = iter(f"n{i}" for i in range(1000))
    return [[next(names) if filled else None for filled in column] for column in shape]


def columns_of(pos, layers):
    return [[pos[n] for n in layer if n is not None] for layer in layers]


@given(layer_shapes, st.floats(0.5, 10), st.floats(0.5, 10), st.booleans())
def test_each_layer_is_a_column_read_top_to_bottom_inside_the_box(shape, width, height, ends):
    layers = build(shape)
    pos = layered_layout(layers, width=width, height=height, ends=ends)
    assert set(pos) == {n for layer in layers for n in layer if n is not None}
    xs = []
    for column in columns_of(pos, layers):
        assert len({x for x, _ in column}) <= 1  # one x per layer
        ys = [y for _, y in column]
        assert ys == sorted(ys, reverse=True) and len(set(ys)) == len(ys)  # in order, top first
        assert all(-1e-6 <= y <= height + 1e-6 for y in ys)
        xs += [x for x, _ in column[:1]]
    assert xs == sorted(xs)  # layers run left to right
    assert all(-1e-6 <= x <= width + 1e-6 for x in xs)


@given(layer_shapes)
def test_an_empty_slot_keeps_every_other_node_in_its_place(shape):
    full = build([[True] * len(column) for column in shape])
    holes = [
        [n if keep else None for n, keep in zip(layer, column, strict=True)]
        for layer, column in zip(full, shape, strict=True)
    ]
    with_holes = layered_layout(holes)
    assert with_holes == {n: p for n, p in layered_layout(full).items() if n in with_holes}


@given(layer_shapes, st.floats(0.01, 0.5))
def test_min_gap_keeps_neighbours_apart_and_columns_centred(shape, gap):
    layers = build(shape)
    pos = layered_layout(layers, min_gap=gap)
    for column in columns_of(pos, layers):
        ys = [y for _, y in column]
        assert all(a - b >= gap - 2e-6 for a, b in pairwise(ys))
    for layer in layers:
        ys = [pos[n][1] if n is not None else None for n in layer]
        if ys[0] is not None and ys[-1] is not None:
            assert (ys[0] + ys[-1]) / 2 == pytest.approx(0.5, abs=2e-6)  # grows about the middle


def test_the_default_spreads_inside_the_box_and_ends_fills_it():
    assert layered_layout([["a"], ["b", "c"]]) == {"a": (0.0, 0.5), "b": (1.0, 0.666667), "c": (1.0, 0.333333)}
    assert layered_layout([["a", "b", "c"]], height=2, ends=True) == {"a": (0.0, 2.0), "b": (0.0, 1.0), "c": (0.0, 0.0)}
    assert layered_layout([["a"]], ends=True) == {"a": (0.0, 0.5)}


def test_columns_can_sit_where_a_picture_needs_them():
    pos = layered_layout([["clients"], ["gateway"], ["users", "orders"]], x=[0.0, 0.9, 1.9])
    assert [pos[n][0] for n in ("clients", "gateway", "users", "orders")] == [0.0, 0.9, 1.9, 1.9]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: layered_layout([["a"], ["b", "a"]]), r"^layers must not repeat a value \(got 'a' twice\)"),
        (lambda: layered_layout(["ab"]), r"^layers must be a list \(got 'ab'\)"),
        (lambda: layered_layout([[1, 2]]), r"^layers must be a str \(got 1\)"),
        (lambda: layered_layout([["a"], ["b"]], x=[0.0]), r"^x must hold exactly 2 items \(got 1\)"),
        (lambda: layered_layout([["a"]], x=[math.nan]), r"^x must be a finite number \(got nan\)"),
        (lambda: layered_layout([["a"]], width=0), r"^width must be a positive number"),
        (lambda: layered_layout([["a"]], min_gap=-1), r"^min_gap must be a number from 0"),
        (lambda: layered_layout([["a"]], ends="yes"), r"^ends must be a bool"),
    ],
)
def test_a_layout_that_cannot_be_drawn_is_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@given(layer_shapes)
def test_fit_radius_keeps_drawn_nodes_from_overlapping(shape):
    pos = layered_layout(build(shape))
    radius = fit_radius(pos)
    assert 0 < radius <= 0.1
    for a, b in combinations(pos.values(), 2):
        assert math.dist(a, b) >= 2 * radius - 1e-9


def test_a_crowded_column_is_drawn_without_overlaps_when_the_radius_is_fitted():
    layers = [["producer"], [f"consumer {i}" for i in range(30)]]
    pos = layered_layout(layers)
    g = nx.DiGraph([("producer", f"consumer {i}") for i in range(30)])
    artists = draw_flow_graph(g, pos, node_radius=None)
    circles = artists["nodes"].get_paths()  # in data coordinates
    assert len(circles) == 31
    radius = fit_radius(pos)
    assert radius < 0.07  # the default radius would have overlapped
    extents = [c.get_extents() for c in circles]
    assert extents[0].height == pytest.approx(2 * radius)
    for a, b in combinations(extents, 2):
        overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
        overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
        assert overlap_x <= 1e-9 or overlap_y <= 1e-9
    plt.close("all")
