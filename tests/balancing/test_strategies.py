import hashlib
from collections import Counter
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.balancing import (
    STRATEGIES,
    BalancerScenario,
    Candidate,
    ConsistentHash,
    ConsistentHashRing,
    IPHash,
    LeastConnections,
    PeakEWMA,
    PowerOfTwo,
    RandomChoice,
    RoundRobin,
    WeightedRoundRobin,
    Workload,
    make_strategy,
    simulate,
    stable_hash,
)


def pool(*in_flight, weights=None):
    weights = weights or [1] * len(in_flight)
    return [Candidate(f"b{i}", i, w, n) for i, (n, w) in enumerate(zip(in_flight, weights, strict=True))]


def names(strategy, candidates, n, request=None):
    return [strategy.pick(candidates, request).name for _ in range(n)]


@pytest.mark.claim("balancing.strategy-rules")
def test_round_robin_cycles_in_pool_order():
    assert names(RoundRobin(), pool(0, 0, 0), 7) == ["b0", "b1", "b2", "b0", "b1", "b2", "b0"]


def test_round_robin_skips_a_missing_backend_and_keeps_the_order_of_the_others():
    rr, full = RoundRobin(), pool(0, 0, 0, 0)
    assert names(rr, full, 2) == ["b0", "b1"]
    without_b2 = [b for b in full if b.name != "b2"]
    assert names(rr, without_b2, 4) == ["b3", "b0", "b1", "b3"]
    assert names(rr, full, 3) == ["b0", "b1", "b2"]


@pytest.mark.claim("balancing.strategy-rules")
def test_smooth_weighted_round_robin_matches_the_nginx_example():
    wrr = WeightedRoundRobin()
    abc = [Candidate("a", 0, 5), Candidate("b", 1, 1), Candidate("c", 2, 1)]
    assert "".join(names(wrr, abc, 14)) == "aabacaa" * 2


@given(weights=st.lists(st.integers(1, 6), min_size=1, max_size=6), cycles=st.integers(1, 3))
def test_weighted_round_robin_honours_weights_exactly_over_each_cycle(weights, cycles):
    wrr, candidates = WeightedRoundRobin(), pool(*[0] * len(weights), weights=weights)
    total = sum(weights)
    for _ in range(cycles):
        counts = Counter(names(wrr, candidates, total))
        assert [counts[b.name] for b in candidates] == weights


@given(weights=st.lists(st.integers(1, 6), min_size=2, max_size=6))
def test_weighted_round_robin_is_smooth_every_prefix_stays_near_its_fair_share(weights):
    # After any k picks, each backend has had k * w / W picks, give or take less than 2;
    # sending weights in bursts ("aaaaaabbbbbb" for 6, 6) is 3 off after 6 picks.
    candidates = pool(*[0] * len(weights), weights=weights)
    total, counts = sum(weights), Counter()
    for k, name in enumerate(names(WeightedRoundRobin(), candidates, 2 * total), start=1):
        counts[name] += 1
        for b in candidates:
            assert abs(counts[b.name] - k * b.weight / total) < 2


@pytest.mark.claim("balancing.strategy-rules")
def test_least_connections_picks_the_least_loaded_and_shares_ties_round_robin():
    assert LeastConnections().pick(pool(3, 1, 2)).name == "b1"
    assert names(LeastConnections(), pool(1, 0, 0), 4) == ["b1", "b2", "b1", "b2"]
    assert names(LeastConnections(), pool(0, 0, 0), 4) == ["b0", "b1", "b2", "b0"]


def test_least_connections_divides_by_weight():
    assert LeastConnections().pick(pool(4, 3, weights=[4, 1])).name == "b0"


def test_power_of_two_picks_the_less_loaded_of_two_distinct_backends():
    p2c = PowerOfTwo(seed=1)
    picks = Counter(names(p2c, pool(0, 5, 5, 5), 3000))
    # b0 wins every pair it is in: 3 of the 6 pairs, half the picks.
    assert picks["b0"] == pytest.approx(1500, rel=0.08)
    # The most loaded of all never wins: two distinct backends are always compared.
    assert PowerOfTwo(seed=2).pick(pool(9, 0)).name == "b1"
    assert set(names(PowerOfTwo(seed=3), pool(9, 1, 1), 500)) == {"b1", "b2"}


def test_power_of_two_with_one_backend_returns_it():
    assert PowerOfTwo().pick(pool(7)).name == "b0"


def test_random_is_seeded_and_weighted():
    assert names(RandomChoice(seed=4), pool(0, 0, 0), 50) == names(RandomChoice(seed=4), pool(0, 0, 0), 50)
    assert names(RandomChoice(seed=4), pool(0, 0, 0), 50) != names(RandomChoice(seed=5), pool(0, 0, 0), 50)
    counts = Counter(names(RandomChoice(seed=1), pool(0, 0, weights=[3, 1]), 4000))
    assert counts["b0"] / 4000 == pytest.approx(0.75, abs=0.03)


def test_peak_ewma_jumps_to_peaks_and_decays_with_tau():
    ewma, a = PeakEWMA(tau=2.0), Candidate("a", 0)
    ewma.observe(a, 0.1, now=0.0)
    ewma.observe(a, 0.5, now=1.0)
    assert ewma.estimate("a", 1.0) == 0.5  # a slower answer is taken at once
    ewma.observe(a, 0.1, now=3.0)  # a faster one is blended: w = exp(-2 / 2)
    w = pytest.approx(0.5 * 0.36787944117 + 0.1 * (1 - 0.36787944117))
    assert ewma.estimate("a", 3.0) == w
    assert ewma.estimate("a", 5.0) == pytest.approx(ewma.estimate("a", 3.0) * 0.36787944117)
    assert ewma.estimate("never", 5.0) is None


def test_peak_ewma_weighs_latency_by_in_flight():
    ewma = PeakEWMA()
    fast_busy, slow_idle = Candidate("fast", 0, in_flight=3), Candidate("slow", 1, in_flight=0)
    ewma.observe(fast_busy, 0.1, 0.0)
    ewma.observe(slow_idle, 0.3, 0.0)
    assert ewma.pick([fast_busy, slow_idle], now=0.0).name == "slow"  # 4 * 0.1 > 1 * 0.3
    assert ewma.pick([Candidate("fast", 0, in_flight=1), slow_idle], now=0.0).name == "fast"


def test_ip_hash_is_a_stable_hash_of_the_client_mod_n():
    candidates = pool(0, 0, 0, 0)
    for client in range(50):
        expected = f"b{stable_hash(client) % 4}"
        assert IPHash().pick(candidates, SimpleNamespace(client=client)).name == expected
    md5 = int.from_bytes(hashlib.md5(b"client-1").digest()[:8], "big")
    assert stable_hash("client-1") == md5  # not Python's salted hash(): the same in every process


def test_consistent_hash_strategy_follows_the_ring_and_skips_missing_backends():
    ch, candidates = ConsistentHash(vnodes=50), pool(0, 0, 0, 0)
    ring = ConsistentHashRing([b.name for b in candidates], vnodes=50)
    for i in range(200):
        req = SimpleNamespace(key=f"k{i}")
        owner = ring.node_for(req.key)
        assert ch.pick(candidates, req).name == owner
        others = [b for b in candidates if b.name != owner]
        assert ch.pick(others, req).name == list(ring.successors(req.key))[1]


def test_every_named_strategy_builds_and_fresh_copies_forget_their_state():
    for name in STRATEGIES:
        assert make_strategy(name).name in (name, "peak_ewma")
    rr = RoundRobin()
    names(rr, pool(0, 0, 0), 2)
    assert rr.fresh(0).pick(pool(0, 0, 0)).name == "b0"
    assert make_strategy(" Power-of-two ") == PowerOfTwo()


@pytest.mark.claim("balancing.two-choices-keep-queues-short")
def test_power_of_two_beats_random_on_max_load_on_the_same_traffic():
    workload = Workload(rate=340)  # 85% load on 5 backends
    worst = {}
    for name in ("random", "power_of_two"):
        res = simulate(BalancerScenario(strategy=name, workload=workload), until=30, seed=3)
        worst[name] = (max(b.max_in_flight for b in res.backends), res.summary().p99)
    assert worst["power_of_two"][0] < worst["random"][0] / 2
    assert worst["power_of_two"][1] < worst["random"][1] / 2


def test_least_connections_sends_less_to_a_slow_backend_and_round_robin_does_not():
    from course.balancing import Backend

    backends = [Backend(speed=0.5), Backend(speed=1.0), Backend(speed=1.5)]
    shares = {}
    for name in ("round_robin", "least_connections"):
        res = simulate(BalancerScenario(backends=backends, strategy=name, workload=Workload(rate=190)), until=30)
        shares[name] = [round(b.share, 2) for b in res.backends]
    assert shares["round_robin"] == [0.33, 0.33, 0.33]
    slow, _, fast = shares["least_connections"]
    assert slow < 0.25 < 0.4 < fast
