"""Claims lesson 2 makes, asserted against the library on the lesson's own scenarios.

Each test carries the claim id the lesson marks where it makes the claim (`# claim: balancing.x`
in code, `<!-- claim: balancing.x -->` in markdown). The lesson's cells print the numbers; the
tolerances that say "this is what the lesson claims" live here. Claims asserted by a test
elsewhere in tests/balancing carry their id there: the strategies' rules and two choices on
queues (test_strategies.py), the tail ranking, weights and the autoscaler (test_balancer.py),
balls into bins (test_bins.py), the detection bounds, the retry rule, a silent backend and a
slow backend (test_health.py), L4 against L7, WebSockets, HTTP/2 and TLS (test_layers.py), the
ring (test_ring.py) and sticky clients under scaling (test_scaling.py).
"""

import pytest

from course.balancing import (
    L4,
    TLS,
    BalancerScenario,
    Candidate,
    HealthCheck,
    Outage,
    PassiveCheck,
    PowerOfTwo,
    Scale,
    Workload,
    backend_pool,
    caveats,
    keys_moved,
    simulate,
)
from course.sim import percentile

TRAFFIC = Workload(rate=320)  # launch day: 80 % of five backends of speed 1
STEADY = Workload(rate=240)  # 60 %: the outage scenarios
OUTAGE = (Outage("b2", at=10, until=25),)  # unreachable: nothing answers
CRASH = (Outage("b2", at=10, until=25, kind="crash"),)
CHECK = HealthCheck(interval=2, fall=3, rise=2, timeout=1)


def served_latencies(res, since=0.0, before=float("inf")):
    return [r.latency for r in res.records if r.outcome == "served" and since <= r.arrival < before]


@pytest.mark.claim("balancing.headroom")
def test_one_server_rejects_most_four_at_full_load_queue_and_five_keep_the_tail_short():
    pools = {n: simulate(BalancerScenario(backends=n, workload=TRAFFIC), until=30).summary() for n in (1, 4, 5)}
    assert pools[1].rejected > 0.7 * pools[1].requests
    assert pools[4].p99 > 0.5
    assert pools[5].rejected == 0 and pools[5].p99 < 0.2


@pytest.mark.claim("balancing.scale-out-rescue")
def test_four_more_backends_at_10_s_end_the_rejections():
    rescue = simulate(BalancerScenario(backends=1, workload=TRAFFIC, scaling=(Scale(at=10, to=5),)), until=30)
    rejected = [r.end for r in rescue.records if r.outcome == "rejected"]
    assert len(rejected) > 1000 and max(rejected) < 11
    assert percentile(served_latencies(rescue, since=15), 99) < 0.25


@pytest.mark.claim("balancing.two-choices-never-pick-the-busiest")
def test_power_of_two_never_picks_the_busiest_and_favours_the_least_loaded():
    pool = [Candidate("b0", 0, in_flight=4), Candidate("b1", 1, in_flight=1), Candidate("b2", 2, in_flight=2)]
    p2c = PowerOfTwo(seed=0)
    picks = [p2c.pick(pool).name for _ in range(3000)]
    assert "b0" not in picks
    assert picks.count("b1") / 3000 == pytest.approx(2 / 3, abs=0.03)


@pytest.mark.claim("balancing.round-robin-saturates-the-slowest")
def test_round_robin_on_mixed_speeds_saturates_the_two_slowest_and_leaves_the_fastest_half_idle():
    res = simulate(BalancerScenario(backends=backend_pool(5, spread=0.6), workload=TRAFFIC), until=60)
    busy = [b.utilization for b in res.backends]
    assert min(busy[:2]) > 0.99 and busy[-1] < 0.6
    assert [round(b.share, 2) for b in res.backends] == [0.2] * 5  # 64 requests/s each: more than 32 and 56


@pytest.mark.claim("balancing.active-check-window")
def test_default_checks_take_the_dead_backend_out_after_5_s_and_back_in_at_28_s():
    res = simulate(BalancerScenario(workload=STEADY, health=CHECK, failures=OUTAGE), until=30)
    assert res.outages[0].detection == 5.0 <= CHECK.worst_detection
    assert res.backend("b2").timeline == ((0.0, "up"), (10.0, "dead"), (15.0, "down"), (28.0, "up"))


@pytest.mark.claim("balancing.faster-checks-shrink-the-window")
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


@pytest.mark.claim("balancing.haproxy-defaults")
def test_the_default_health_check_is_haproxys_every_2_s_fall_3_rise_2():
    check = HealthCheck()
    assert (check.interval, check.fall, check.rise) == (2.0, 3, 2)
    assert (CHECK.interval, CHECK.fall, CHECK.rise) == (check.interval, check.fall, check.rise)


@pytest.mark.claim("balancing.crash-vs-unreachable")
def test_a_crash_is_found_a_probe_timeout_sooner_and_fails_fast_while_silence_makes_clients_wait():
    runs = {
        kind: simulate(BalancerScenario(workload=STEADY, health=CHECK, failures=failures), until=30)
        for kind, failures in (("crash", CRASH), ("unreachable", OUTAGE))
    }
    crash, silent = runs["crash"].outages[0], runs["unreachable"].outages[0]
    assert (crash.detection, silent.detection) == (4.0, 5.0)  # probes at 10, 12, 14: refused at once, or timed out
    refused = [r for r in runs["crash"].records if r.note == "connection refused"]
    waited = [r for r in runs["unreachable"].records if r.note == "connect timed out"]
    assert len(refused) == crash.sent_while_dead and {r.latency for r in refused} == {0.0}
    assert {r.http_status for r in refused} == {502} and {r.http_status for r in waited} == {504}
    assert all(r.latency == pytest.approx(1.0) for r in waited)  # each client waited the connect timeout
    assert len(waited) == silent.sent_while_dead > 1.2 * crash.sent_while_dead


@pytest.mark.claim("balancing.passive-checks-eject-fast")
def test_passive_checks_eject_a_crashed_backend_within_100_ms_then_try_once_per_ejection():
    passive = PassiveCheck(failures=3, ejection=10)
    ejected = simulate(BalancerScenario(workload=STEADY, passive=passive, failures=CRASH), until=30).outages[0]
    assert ejected.detection < 0.1 and ejected.sent_while_dead <= 3 + 2
    silent = simulate(BalancerScenario(workload=STEADY, passive=passive, failures=OUTAGE), until=30).outages[0]
    assert 1.0 <= silent.detection < 1.1  # an unreachable one: the first failures arrive a connect timeout later


@pytest.mark.claim("balancing.retry-only-what-is-safe")
def test_one_retry_saves_every_request_that_was_never_sent_and_every_get_but_no_post_that_was():
    mixed = Workload(rate=320, methods={"GET": 0.7, "POST": 0.3})
    loop = tuple(Outage("b2", at=t, until=t + 1, kind="crash") for t in range(4, 30, 4))  # a crash loop
    requests = mixed.arrivals(30, seed=0)
    plain, retried = (
        simulate(BalancerScenario(workload=mixed, health=HealthCheck(), failures=loop, retries=n), until=30)
        for n in (0, 1)
    )
    assert plain.summary().failed > 400
    assert {r.note for r in retried.records if r.outcome == "failed"} == {"backend died"}  # refusals all retried
    lost = [r for r in retried.records if r.outcome == "failed"]
    assert lost and {requests[r.request].method for r in lost} == {"POST"}  # sent, then lost: never repeated
    assert sum(r.attempts == 2 and r.outcome == "served" for r in retried.records) > 500
    assert any(requests[r.request].method == "POST" and r.attempts == 2 for r in retried.records)  # never sent


@pytest.mark.claim("balancing.a-dead-backend-attracts-least-connections")
def test_without_checks_least_connections_sends_a_crashed_backend_more_than_its_share_and_a_silent_one_less():
    shares = {}
    for name in ("round_robin", "least_connections"):
        for kind, failures in (("crash", CRASH), ("unreachable", OUTAGE)):
            res = simulate(BalancerScenario(strategy=name, workload=STEADY, failures=failures), until=30)
            arrived = sum(1 for r in res.records if 10 <= r.arrival < 25)
            shares[name, kind] = res.outages[0].sent_while_dead / arrived
    assert shares["round_robin", "crash"] == pytest.approx(0.2, abs=0.02)
    assert shares["least_connections", "crash"] > 0.28
    assert shares["least_connections", "unreachable"] < 0.05


@pytest.mark.claim("balancing.n-plus-one")
def test_at_80_percent_losing_one_of_five_backends_more_than_triples_the_p99():
    sc = BalancerScenario(workload=TRAFFIC, health=HealthCheck(), failures=(Outage("b2", at=10),))
    res = simulate(sc, until=30)
    before = percentile(served_latencies(res, before=10), 99)
    after = percentile(served_latencies(res, since=16), 99)
    assert after > 3 * before
    calm = simulate(BalancerScenario(workload=STEADY, health=HealthCheck(), failures=(Outage("b2", at=10),)), until=30)
    assert percentile(served_latencies(calm, since=16), 99) < 2 * percentile(served_latencies(calm, before=10), 99)


@pytest.mark.claim("balancing.ring-moves-1-in-n-plus-1")
@pytest.mark.parametrize("n", range(2, 11))
def test_one_node_joining_n_moves_about_1_over_n_plus_1_on_a_ring_and_n_over_n_plus_1_with_modulo(n):
    keys = [f"user:{i}" for i in range(10_000)]
    nodes = [f"cache-{i}" for i in range(n + 1)]
    assert keys_moved(keys, nodes[:n], nodes) == pytest.approx(1 / (n + 1), abs=0.04)
    assert keys_moved(keys, nodes[:n], nodes, method="modulo") == pytest.approx(n / (n + 1), abs=0.01)


@pytest.mark.claim("balancing.lab-starts-with-an-outage")
def test_the_labs_system_has_b0_crash_at_6_s_and_return_at_14_s_and_five_backends_serve_100_per_second():
    start = simulate(BalancerScenario.example(), until=20)
    (outage,) = start.outages
    assert (outage.backend, outage.died, outage.recovered, outage.kind) == ("b0", 6.0, 14.0, "crash")
    assert outage.detection == HealthCheck(interval=2.0, fall=3, timeout=0.5).detection_window("crash")[0]
    flooded = simulate(BalancerScenario.example(rate=200, failure="none", interval=0), until=20)
    assert 90 < flooded.summary().served / 20 <= 101  # 50 ms a request: 20 per second on each of five


@pytest.mark.claim("balancing.summary-names-idle-controls")
def test_the_summary_says_when_a_control_cannot_matter():
    alike = simulate(BalancerScenario.example(layer="L4", websockets=0.5), until=20)
    assert "L4 balances as L7 would here: WebSockets are pinned at both layers" in str(alike.summary())
    assert not any("L4" in c for c in caveats(simulate(BalancerScenario.example(layer="L4", http2=0.5), until=20)))
    slow = simulate(BalancerScenario.example(failure="b0 unreachable 6 s to 14 s", interval=5, fall=5), until=20)
    assert "slower than the outage" in str(slow.summary())
    unchecked = simulate(BalancerScenario.example(interval=0), until=20)
    assert "fall and rise have no effect" in str(unchecked.summary())
    assert str(unchecked.summary()).count("\n") <= 5  # two or three sentences, wrapped at 80 columns


@pytest.mark.claim("balancing.l4-can-terminate-tls")
def test_an_l4_balancer_that_terminates_tls_takes_the_work_off_the_backends_as_l7_does():
    tls = TLS(handshake=0.004, per_request=0.001)
    https = Workload(rate=250, requests_per_connection=4, gap=0.1)
    passthrough, terminating = (
        simulate(BalancerScenario(layer=layer, workload=https, tls=tls), until=20)
        for layer in (L4(), L4(terminate_tls=True))
    )
    assert passthrough.tls_seconds["balancer"] == 0 < passthrough.tls_seconds["backends"]
    assert terminating.tls_seconds["backends"] == 0 < terminating.tls_seconds["balancer"]
    assert terminating.balancer_utilization > 0
