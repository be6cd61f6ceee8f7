import contextlib
import inspect
import io

import matplotlib.pyplot as plt
import pytest

from course.balancing import EXAMPLE_COST, FAILURE_PRESETS, LAYERS, BalancerScenario
from course.labs import LABS, balancer_lab
from course.labs.balancer import CONTROLS, STRATEGY_CHOICES, balancer_view

from .driving import build, move


@pytest.fixture
def lab():
    yield build(balancer_lab)
    plt.close("all")


def edge_labels(view):
    return sorted(t.get_text() for t in view.figure.axes[0].texts if t.get_text().endswith("%"))


def test_the_lab_is_registered_and_its_first_control_is_the_rate_slider():
    assert LABS["02_load_balancer"] is balancer_lab
    with contextlib.redirect_stdout(io.StringIO()):
        first = next(iter(balancer_lab().controls.values()))
    assert type(first).__name__ == "IntSlider" and first.description == "requests/s"
    plt.close("all")


def test_every_control_starts_at_the_example_scenarios_default(lab):
    defaults = {n: p.default for n, p in inspect.signature(BalancerScenario.example).parameters.items()}
    assert [c.name for c in CONTROLS] == list(defaults)
    assert {name: w.value for name, w in lab.controls.items()} == defaults


def test_the_default_shows_b0_crashing_and_the_window_before_the_checks_notice(lab):
    res = lab.result.result
    (outage,) = res.outages
    assert (outage.backend, outage.died, outage.recovered, outage.kind) == ("b0", 6.0, 14.0, "crash")
    assert 0 < outage.detection <= 2.0 * 3  # interval * fall: a crash refuses probes at once
    assert outage.sent_while_dead > 0
    assert "b0 crashed at 6 s, out of rotation after" in lab.result.summary


def test_an_unreachable_backend_turns_the_failures_into_504s_that_make_clients_wait(lab):
    view, _ = move(lab, failure="b0 unreachable 6 s to 14 s")
    s = view.result.summary()
    assert s.timed_out > 0 and s.failed == 0 and "timed out (504)" in view.summary
    assert view.result.outages[0].detection == 2.0 * 2 + 0.5  # probes at 6, 8, 10 time out half a second later


def test_one_step_of_the_rate_slider_changes_the_summary_and_the_picture(lab):
    before = lab.result
    after, printed = move(lab, rate=75)
    assert after.summary != before.summary and after.summary in printed
    assert after.result.summary().requests > before.result.summary().requests
    assert [t.get_text() for t in after.figure.axes[0].texts] != [t.get_text() for t in before.figure.axes[0].texts]


def test_more_backends_draw_more_nodes_and_spread_the_traffic(lab):
    view, _ = move(lab, backends=8)
    assert [b.name for b in view.result.backends] == [f"b{i}" for i in range(8)]
    assert len(edge_labels(view)) == 8


def test_on_spread_speeds_least_connections_beats_round_robin(lab):
    rr, _ = move(lab, spread=0.6, failure="none")
    lc, _ = move(lab, strategy="least connections")
    assert lc.result.summary().p99 < rr.result.summary().p99 / 2
    assert lc.result.backend("b0").share < rr.result.backend("b0").share


def test_request_cost_variation_of_zero_makes_every_request_cost_the_mean(lab):
    view, _ = move(lab, cv=0.0, failure="none", rate=20)
    costs = {round(r.cost, 12) for r in view.result.scenario.workload.arrivals(5, seed=0)}
    assert costs == {EXAMPLE_COST}


def test_faster_checks_shrink_the_window_and_no_checks_never_notice(lab):
    slow, _ = move(lab, interval=5.0, fall=5)
    fast, _ = move(lab, interval=0.5, fall=1)
    assert fast.result.outages[0].sent_while_dead < slow.result.outages[0].sent_while_dead / 3
    off, _ = move(lab, interval=0.0)
    assert off.result.outages[0].detection is None and "never taken out of rotation" in off.summary


def test_rise_sets_how_long_a_recovered_backend_waits_for_traffic(lab):
    quick, _ = move(lab, rise=1)
    cautious, _ = move(lab, rise=3)
    back = {
        name: next(t for t, s in v.result.backend("b0").timeline if s == "up" and t > 6)
        for name, v in (("quick", quick), ("cautious", cautious))
    }
    assert back["cautious"] - back["quick"] == pytest.approx((3 - 1) * 2.0)  # two more passed probes, 2 s apart


def test_a_slow_backend_stays_in_rotation_and_is_marked_with_a_dotted_ring(lab):
    view, _ = move(lab, failure="b0 turns 5× slower at 6 s")
    assert not view.result.outages
    assert [s for _, s in view.result.backend("b0").timeline] == ["up", "slow"]
    rings = view.figure.axes[0].patches
    assert any(p.get_linestyle() == ":" for p in rings)


def spread(view):
    shares = [b.share for b in view.result.backends]
    return max(shares) / min(shares)


def test_l4_pins_http2_connections_where_l7_spreads_their_streams(lab):
    l7, _ = move(lab, failure="none", http2=0.5)
    l4, printed = move(lab, layer="L4")
    assert spread(l4) > 1.5 > 1.1 > spread(l7)
    assert "as L7 would" not in printed


def test_websockets_are_pinned_at_both_layers_and_the_summary_says_so(lab):
    l7, _ = move(lab, failure="none", websockets=0.5)
    l4, _ = move(lab, layer="L4")
    assert spread(l4) == spread(l7) > 1.3
    assert "L4 balances as L7 would here: WebSockets are pinned at both layers" in l4.summary


def test_a_control_that_cannot_matter_says_so(lab):
    view, _ = move(lab, interval=0.0)
    assert "fall and rise have no effect" in view.summary
    view, _ = move(lab, interval=5.0, fall=5, failure="b0 unreachable 6 s to 14 s")
    assert "slower than the outage" in view.summary
    view, _ = move(lab, failure="none", interval=2.0, fall=3)
    assert "health checks change nothing" in view.summary


def test_every_choice_of_every_dropdown_runs_the_strategy_it_names(lab):
    for label in STRATEGY_CHOICES:
        view, printed = move(lab, strategy=label)
        assert view.result.scenario.strategy.name.replace("_", " ") in (label.lower(), "power of two")
        assert "Traceback" not in printed
    for failure in FAILURE_PRESETS:
        view, _ = move(lab, failure=failure)
        assert view.result.scenario.failures == FAILURE_PRESETS[failure]
    for layer in LAYERS:
        view, _ = move(lab, layer=layer)
        assert view.result.scenario.layer.name == layer


def test_weighted_round_robin_weighs_each_backend_by_its_speed(lab):
    view, _ = move(lab, spread=0.6, strategy="weighted round robin")
    assert [(b.speed, b.weight) for b in view.result.scenario.backends] == [(s, s) for s in (0.4, 0.7, 1.0, 1.3, 1.6)]
    round_robin, _ = move(lab, strategy="round robin")
    assert {b.weight for b in round_robin.result.scenario.backends} == {1}


@pytest.mark.parametrize(
    "values",
    [
        {"rate": 0},
        {"rate": 200, "backends": 1, "cv": 3.0, "interval": 0.5, "fall": 1, "rise": 5},
        {"rate": 200, "backends": 8, "spread": 0.9, "websockets": 0.5, "http2": 0.5, "layer": "L4"},
        {"backends": 1, "failure": "b0 crashes at 6 s", "interval": 5.0, "fall": 5},
        {"rate": 5, "backends": 1, "interval": 0.0, "failure": "b0 unreachable 6 s to 14 s"},
    ],
)
def test_slider_extremes_draw_a_picture_not_a_traceback(lab, values):
    view, printed = move(lab, **values)
    assert len(view.figure.axes) == 4
    assert "Traceback" not in printed
    assert view.summary == str(view.result.summary()) and view.summary in printed


def test_with_one_backend_dead_every_later_request_gets_503_once_detected():
    view = balancer_view(backends=1, failure="b0 crashes at 6 s")
    detected = view.result.outages[0].marked_down
    later = [r for r in view.result.records if r.arrival > detected]
    assert later and {r.outcome for r in later} == {"rejected"}
    plt.close("all")


def test_unknown_choices_are_clear_errors():
    with pytest.raises(ValueError, match="strategy must be one of 'round_robin'"):
        balancer_view(strategy="fastest")
    with pytest.raises(ValueError, match="layer must be one of 'L7', 'L4'"):
        balancer_view(layer="L3")
    plt.close("all")
