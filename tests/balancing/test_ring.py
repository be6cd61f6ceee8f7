import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.balancing import RING_SIZE, ConsistentHashRing, EmptyRingError, keys_moved, stable_hash

KEYS = [f"user:{i}" for i in range(10_000)]
NODES = [f"cache-{c}" for c in "abcdefgh"]


def owners(ring, keys=KEYS):
    return {k: ring.node_for(k) for k in keys}


def test_a_key_belongs_to_the_first_point_at_or_after_its_hash_wrapping_around():
    ring = ConsistentHashRing(["a", "b", "c"], vnodes=3)
    points = ring.points()
    assert [p for p, _ in points] == sorted(p for p, _ in points)
    assert len(points) == 9
    for key in KEYS[:500]:
        h = stable_hash(key) / RING_SIZE
        after = [owner for p, owner in points if p >= h]
        assert ring.node_for(key) == (after[0] if after else points[0][1])


def test_points_sit_at_the_md5_of_node_hash_i():
    ring = ConsistentHashRing(["a"], vnodes=4)
    assert sorted(p for p, _ in ring.points()) == sorted(stable_hash(f"a#{i}") / RING_SIZE for i in range(4))


@pytest.mark.claim("balancing.a-new-node-takes-only-its-share")
def test_adding_a_node_moves_only_keys_to_it_about_one_in_n_plus_one():
    ring = ConsistentHashRing(NODES[:4])
    before = owners(ring)
    ring.add(NODES[4])
    after = owners(ring)
    moved = [k for k in KEYS if before[k] != after[k]]
    assert all(after[k] == NODES[4] for k in moved)
    assert len(moved) / len(KEYS) == pytest.approx(1 / 5, abs=0.06)


def test_removing_a_node_moves_only_its_own_keys():
    ring = ConsistentHashRing(NODES[:5])
    before = owners(ring)
    ring.remove(NODES[2])
    after = owners(ring)
    moved = {k for k in KEYS if before[k] != after[k]}
    assert moved == {k for k in KEYS if before[k] == NODES[2]}
    assert NODES[2] not in set(after.values())


@settings(max_examples=40)
@given(order=st.permutations(NODES[:5]))
def test_the_owner_of_a_key_does_not_depend_on_the_join_order(order):
    ring = ConsistentHashRing()
    for node in order:
        ring.add(node)
    assert owners(ring, KEYS[:1000]) == owners(ConsistentHashRing(NODES[:5]), KEYS[:1000])


@pytest.mark.claim("balancing.vnodes-even-out-the-ring")
def test_more_virtual_nodes_even_out_the_load():
    spreads = []
    for vnodes in (1, 10, 100, 1000):
        ring = ConsistentHashRing(NODES, vnodes=vnodes)
        load = list(ring.shares().values())
        spreads.append(statistics.pstdev(load) / statistics.mean(load))
    assert spreads == sorted(spreads, reverse=True)
    assert spreads[-1] < 0.06 < 0.5 < spreads[0]


def test_shares_match_the_keys_each_node_gets():
    ring = ConsistentHashRing(NODES[:4], vnodes=50)
    counts = {n: 0 for n in NODES[:4]}
    for k in KEYS:
        counts[ring.node_for(k)] += 1
    for node, share in ring.shares().items():
        assert counts[node] / len(KEYS) == pytest.approx(share, abs=0.02)
    assert sum(ring.shares().values()) == pytest.approx(1.0)


def test_successors_list_every_node_once_owner_first():
    ring = ConsistentHashRing(NODES[:4])
    for key in KEYS[:100]:
        walk = list(ring.successors(key))
        assert walk[0] == ring.node_for(key)
        assert sorted(walk) == sorted(NODES[:4])
        smaller = ConsistentHashRing([n for n in NODES[:4] if n != walk[0]])
        assert smaller.node_for(key) == walk[1]


def test_keys_moved_ring_versus_modulo():
    assert keys_moved(KEYS, NODES[:4], NODES[:5]) == pytest.approx(0.2, abs=0.06)
    assert keys_moved(KEYS, NODES[:4], NODES[:5], method="modulo") == pytest.approx(0.8, abs=0.03)
    assert keys_moved(KEYS, NODES[:4], NODES[:4]) == 0


def test_an_empty_ring_says_what_to_do():
    ring = ConsistentHashRing()
    with pytest.raises(EmptyRingError, match=r"the ring has no nodes.*ring.add"):
        ring.node_for("user:1")
    assert list(ConsistentHashRing(["a"]).successors("x")) == ["a"]
    ring.add("a")
    ring.remove("a")
    with pytest.raises(LookupError, match="no nodes"):
        ring.node_for("user:1")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ConsistentHashRing(["a"], vnodes=0), "vnodes must be a whole number of at least 1"),
        (lambda: ConsistentHashRing(["a", "a"]), "already on the ring"),
        (lambda: ConsistentHashRing(["a"]).remove("b"), r"not on the ring; the nodes are \['a'\]"),
        (lambda: keys_moved(KEYS, [], ["a"]), "at least one node"),
        (
            lambda: keys_moved(KEYS, ["a"], ["b"], method="jump"),
            "method must be one of 'ring', 'modulo' \\(got 'jump'\\)",
        ),
    ],
)
def test_bad_ring_input_is_refused_with_the_fix(make, message):
    with pytest.raises(ValueError, match=message):
        make()
