"""Claims lesson 2 makes that the other tests here do not already assert, on the lesson's own scenarios.

Already asserted elsewhere and quoted by the lesson: the tail ranking of strategies on mixed speeds and
weighted round robin (test_balancer.py), power of two against random and the slow backend
(test_strategies.py, test_health.py), balls into bins (test_bins.py), L4 against L7, WebSockets under
least connections and TLS (test_layers.py), the ring (test_ring.py), scaling and the autoscaler
(test_scaling.py, test_balancer.py).
"""

import pytest

from course.balancing import (
    BalancerScenario,
    Candidate,
    HealthCheck,
    Outage,
    PassiveCheck,
    PowerOfTwo,
    Scale,
    Workload,
    backend_pool,
    keys_moved,
    simulate,
)
from course.sim import percentile

TRAFFIC = Workload(rate=320)  # launch day: 80 % of five backends of speed 1
STEADY = Workload(rate=240)  # 60 %: the outage scenarios
OUTAGE = (Outage("b2", at=10, until=25),)


def test_one_server_drops_most_four_at_full_load_queue_and_five_keep_the_tail_short():
    pools = {n: simulate(BalancerScenario(backends=n, workload=TRAFFIC), until=30).summary() for n in (1, 4, 5)}
    assert pools[1].dropped > 0.7 * pools[1].requests
    assert pools[4].p99 > 0.5
    assert pools[5].dropped == 0 and pools[5].p99 < 0.2


def test_four_more_backends_at_10_s_end_the_drops():
    rescue = simulate(BalancerScenario(backends=1, workload=TRAFFIC, scaling=(Scale(at=10, to=5),)), until=30)
    assert any(r.status == 503 for r in rescue.records)
    assert not any(r.status == 503 and r.end >= 11 for r in rescue.records)
    late = [r.latency for r in rescue.records if r.status == 200 and r.arrival >= 15]
    assert percentile(late, 99) < 0.25


def test_power_of_two_never_picks_the_busiest_and_favours_the_least_loaded():
    pool = [Candidate("b0", 0, in_flight=4), Candidate("b1", 1, in_flight=1), Candidate("b2", 2, in_flight=2)]
    p2c = PowerOfTwo(seed=0)
    picks = [p2c.pick(pool).name for _ in range(3000)]
    assert "b0" not in picks
    assert picks.count("b1") / 3000 == pytest.approx(2 / 3, abs=0.03)


def test_round_robin_on_mixed_speeds_saturates_the_two_slowest_and_leaves_the_fastest_half_idle():
    res = simulate(BalancerScenario(backends=backend_pool(5, spread=0.6), workload=TRAFFIC), until=60)
    busy = [b.utilization for b in res.backends]
    assert min(busy[:2]) > 0.99 and busy[-1] < 0.6


def test_default_checks_take_the_dead_backend_out_after_5_s_and_back_in_at_28_s():
    check = HealthCheck(interval=2, fall=3, rise=2, timeout=1)
    res = simulate(BalancerScenario(workload=STEADY, health=check, failures=OUTAGE), until=30)
    assert res.outages[0].detection == 5.0 <= check.worst_detection
    assert res.backend("b2").timeline == ((0.0, "up"), (10.0, "dead"), (15.0, "down"), (28.0, "up"))


def test_the_window_loses_a_fifth_of_the_traffic_and_faster_checks_shrink_it():
    settings = [
        None,
        HealthCheck(interval=5, fall=3, timeout=1),
        HealthCheck(interval=2, fall=3, timeout=1),
        HealthCheck(interval=1, fall=2, timeout=0.5),
        HealthCheck(interval=0.5, fall=1, timeout=0.25),
    ]
    sent = []
    for setting in settings:
        o = simulate(BalancerScenario(workload=STEADY, health=setting, failures=OUTAGE), until=30).outages[0]
        window = o.detection if o.detection is not None else 15.0
        expected = STEADY.rate / 5 * window
        assert abs(o.sent_while_dead - expected) <= 0.1 * expected + 5
        sent.append(o.sent_while_dead)
    assert sent == sorted(sent, reverse=True) and sent[-1] < 20 < 200 < sent[0]


def test_passive_checks_eject_within_100_ms_and_one_retry_saves_every_refused_request():
    passive = PassiveCheck(failures=3, ejection=10)
    ejected = simulate(BalancerScenario(workload=STEADY, passive=passive, failures=OUTAGE), until=30).outages[0]
    assert ejected.detection < 0.1 and ejected.sent_while_dead <= 3 + 2
    check = HealthCheck(interval=2, fall=3, rise=2, timeout=1)
    retried = simulate(BalancerScenario(workload=STEADY, health=check, retries=1, failures=OUTAGE), until=30)
    second = [r for r in retried.records if r.attempts == 2]
    assert len(second) == retried.outages[0].sent_while_dead > 0
    assert all(r.status == 200 and r.backend != "b2" for r in second)


def test_without_checks_least_connections_sends_a_dead_backend_more_than_its_share():
    shares = {}
    for name in ("round_robin", "least_connections"):
        res = simulate(BalancerScenario(strategy=name, workload=STEADY, failures=OUTAGE), until=30)
        arrived = sum(1 for r in res.records if 10 <= r.arrival < 25)
        shares[name] = res.outages[0].sent_while_dead / arrived
    assert shares["round_robin"] == pytest.approx(0.2, abs=0.02)
    assert shares["least_connections"] > 0.28


def test_at_80_percent_losing_one_of_five_backends_more_than_triples_the_p99():
    res = simulate(BalancerScenario(workload=TRAFFIC, health=HealthCheck(), failures=(Outage("b2", at=10),)), 30)
    before = percentile([r.latency for r in res.records if r.status == 200 and r.arrival < 10], 99)
    after = percentile([r.latency for r in res.records if r.status == 200 and r.arrival >= 16], 99)
    assert after > 3 * before


@pytest.mark.parametrize("n", range(2, 11))
def test_one_node_joining_n_moves_about_1_over_n_plus_1_on_a_ring_and_n_over_n_plus_1_with_modulo(n):
    keys = [f"user:{i}" for i in range(10_000)]
    nodes = [f"cache-{i}" for i in range(n + 1)]
    assert keys_moved(keys, nodes[:n], nodes) == pytest.approx(1 / (n + 1), abs=0.04)
    assert keys_moved(keys, nodes[:n], nodes, method="modulo") == pytest.approx(n / (n + 1), abs=0.01)
