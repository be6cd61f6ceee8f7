import matplotlib.pyplot as plt
import pytest

from course.labs import LABS, gateway_lab
from course.labs.gateway import ALGORITHMS, gateway_view

from .driving import build, move


@pytest.fixture
def lab():
    yield build(gateway_lab)
    plt.close("all")


def edge_labels(view):
    graph_ax = view.figure.axes[0]
    return sorted(t.get_text() for t in graph_ax.texts if t.get_text().isdigit())


def test_the_lab_is_registered_for_its_lesson():
    assert LABS["01_api_gateway"] is gateway_lab


def test_more_traffic_means_more_requests_and_a_redrawn_graph(lab):
    before = lab.result
    after, printed = move(lab, rate=400)
    assert after.result.summary().requests > 1.8 * before.result.summary().requests
    assert edge_labels(after) != edge_labels(before)
    assert after.summary in printed


def test_turning_the_limiter_off_removes_every_429(lab):
    assert lab.result.result.summary().by_status.get(429, 0) > 0
    view, _ = move(lab, algorithm="off")
    assert 429 not in view.result.summary().by_status


def test_every_algorithm_runs_and_a_tighter_limit_refuses_more(lab):
    for algorithm in ALGORITHMS:
        move(lab, algorithm=algorithm)
    move(lab, algorithm="fixed window", limit=200)
    loose = lab.result.result.summary().by_status.get(429, 0)
    move(lab, limit=20)
    tight = lab.result.result.summary().by_status.get(429, 0)
    assert tight > loose


def test_a_longer_ttl_raises_the_hit_ratio_and_zero_turns_the_cache_off(lab):
    short, _ = move(lab, ttl=0.5)
    long, _ = move(lab, ttl=10.0)
    assert long.result.summary().hit_ratio > short.result.summary().hit_ratio
    off, _ = move(lab, ttl=0.0)
    assert off.result.summary().hit_ratio is None


def test_the_share_without_a_key_drives_the_401s(lab):
    none, _ = move(lab, anonymous=0.0)
    half, _ = move(lab, anonymous=0.5)
    assert 401 not in none.result.summary().by_status
    assert half.result.summary().share(401) == pytest.approx(0.5 * 0.95, abs=0.05)


@pytest.mark.parametrize(
    "values",
    [
        {"rate": 0},
        {"rate": 500, "burstiness": 4.0, "limit": 300, "bucket": 200, "ttl": 0.0},
        {"rate": 500, "algorithm": "off", "ttl": 0.0},
        {"rate": 10, "bucket": 1, "limit": 10},
    ],
)
def test_slider_extremes_draw_a_picture_not_a_traceback(lab, values):
    view, printed = move(lab, **values)
    assert view.figure.axes
    assert "Traceback" not in printed
    assert view.summary.startswith("GatewaySummary(")


def test_an_unknown_algorithm_is_a_clear_error():
    with pytest.raises(ValueError, match="algorithm must be one of 'token bucket'"):
        gateway_view(algorithm="leaky bucket")
