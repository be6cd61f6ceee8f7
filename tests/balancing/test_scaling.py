from collections import defaultdict

import pytest

from course.balancing import Autoscaler, Backend, BalancerScenario, Scale, Workload, simulate
from course.sim import percentile

KEYED = Workload(rate=300, clients=2000)


def backend_by_client(records, since, until):
    seen = defaultdict(set)
    for r in records:
        if r.outcome == "served" and since <= r.arrival < until:
            seen[r.client].add(r.backend)
    return seen


@pytest.mark.claim("balancing.consistent-hash-keeps-clients")
@pytest.mark.parametrize("strategy, share", [("consistent_hash", 1 / 6), ("ip_hash", 5 / 6)])
def test_scaling_out_moves_few_keys_with_a_ring_and_most_with_modulo(strategy, share):
    sc = BalancerScenario(strategy=strategy, workload=KEYED, scaling=(Scale(at=10, to=6),))
    res = simulate(sc, until=20)
    (report,) = res.scaling
    assert (report.time, report.before, report.after) == (
        10,
        ("b0", "b1", "b2", "b3", "b4"),
        tuple(f"b{i}" for i in range(6)),
    )
    assert report.keys_moved == pytest.approx(share, abs=0.07)
    # The report matches what the traffic did: each client sticks to one backend before and after.
    before, after = backend_by_client(res.records, 0, 10), backend_by_client(res.records, 10.5, 20)
    both = [c for c in before if c in after]
    assert all(len(before[c]) == 1 and len(after[c]) == 1 for c in both)
    moved = [c for c in both if before[c] != after[c]]
    assert len(moved) / len(both) == pytest.approx(share, abs=0.07)
    if strategy == "consistent_hash":
        assert all(after[c] == {"b5"} for c in moved)  # keys move only to the new backend


def test_scaling_in_drains_without_losing_a_request_and_latency_rises():
    sc = BalancerScenario(strategy="round_robin", workload=Workload(rate=290), scaling=(Scale(at=10, to=4),))
    res = simulate(sc, until=30)
    s = res.summary()
    assert s.failed == 0
    b4 = res.backend("b4")
    states = [state for _, state in b4.timeline]
    assert states == ["up", "draining", "removed"] or states == ["up", "removed"]
    assert b4.removed is not None and 10 <= b4.removed < 10.5
    assert not any(r.backend == "b4" and r.arrival >= 10 for r in res.records)
    assert res.instances == [(0.0, 5), (10.0, 4)]
    early = [r.latency for r in res.records if r.outcome == "served" and r.arrival < 10]
    late = [r.latency for r in res.records if r.outcome == "served" and r.arrival >= 12]
    assert percentile(late, 99) > 2 * percentile(early, 99)


def test_new_instances_take_traffic_only_after_their_startup():
    sc = BalancerScenario(
        strategy="round_robin", scaling=(Scale(at=5, to=6, startup=3.0, template=Backend(speed=2.0)),)
    )
    res = simulate(sc, until=15)
    b5 = res.backend("b5")
    assert b5.speed == 2.0 and b5.added == 5.0
    assert b5.timeline == ((5.0, "starting"), (8.0, "up"))
    assert min(r.arrival for r in res.records if r.backend == "b5") >= 8.0
    assert res.instances == [(0.0, 5), (8.0, 6)]


@pytest.mark.parametrize("protocol", ["http2", "websocket"])
def test_a_new_instance_gets_only_new_pinned_connections(protocol):
    long_lived = Workload(rate=250, long_rate=5.0, **{f"{protocol}_share": 0.9})
    shares = {}
    for layer in ("L4", "L7"):
        res = simulate(BalancerScenario(layer=layer, workload=long_lived, scaling=(Scale(at=5, to=6),)), until=15)
        after = [r for r in res.records if r.arrival >= 5 and r.outcome == "served"]
        shares[layer] = sum(1 for r in after if r.backend == "b5") / len(after)
    assert shares["L4"] < 1 / 12  # L4 pins every connection: the newcomer waits for new ones
    if protocol == "http2":
        assert shares["L7"] == pytest.approx(1 / 6, abs=0.01)  # L7 balances each stream: a sixth at once
    else:
        assert shares["L7"] == shares["L4"]  # a WebSocket is pinned at L7 too


def test_the_autoscaler_follows_the_hpa_rule_with_tolerance_and_bounds():
    auto = Autoscaler(target=0.5, min_backends=2, max_backends=5, tolerance=0.1)
    assert auto.desired(4, 0.5) == 4
    assert auto.desired(4, 0.54) == 4  # within 10 % of the target: no change
    assert auto.desired(4, 0.75) == 5  # wants 6, capped at 5
    assert auto.desired(4, 0.1) == 2  # wants 1, kept at 2


def test_the_autoscaler_waits_for_stabilization_before_scaling_in():
    auto = Autoscaler(target=0.6, interval=2.0, stabilization=10.0)
    sc = BalancerScenario(backends=8, strategy="least_connections", workload=Workload(rate=150), autoscaler=auto)
    res = simulate(sc, until=30)
    first = res.scaling[0]
    assert first.reason == "autoscaler" and len(first.after) < len(first.before)
    assert first.time == 12.0  # the first tick whose last 10 s hold no wish for 8


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Scale(at=1, to=0), "to must be a whole number of at least 1"),
        (lambda: Scale(at=-1, to=2), "at must be a number from 0 to"),
        (lambda: Autoscaler(target=1.5), "target must be a positive number of at most 1"),
        (lambda: Autoscaler(min_backends=3, max_backends=2), "max_backends must be a whole number of at least 3"),
        (lambda: Autoscaler(interval=0), "interval must be a positive number"),
    ],
)
def test_bad_scaling_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
