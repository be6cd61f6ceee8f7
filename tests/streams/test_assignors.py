"""The assignors against Kafka's documented algorithms, and the sticky goals as properties."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.streams import ASSIGNORS, assign, is_balanced, partitions_of

MEMBER_POOL = ["c0", "c1", "c2", "c10", "c11", "a", "B", "z9"]


def owners(assignment):
    """partition -> owner, asserting nobody shares a partition."""
    out = {}
    for member, owned in assignment.items():
        for tp in owned:
            assert tp not in out, f"{tp} has two owners"
            out[tp] = member
    return out


def kept_count(previous, assignment):
    before = {tp: m for m, owned in previous.items() for tp in owned}
    return sum(1 for m, owned in assignment.items() for tp in owned if before.get(tp) == m)


# ---------------------------------------------------------------- Kafka's worked examples (javadoc)


def test_range_matches_the_kafka_javadoc_example():
    subs = {"C0": ["t0", "t1"], "C1": ["t0", "t1"]}
    assert assign("range", {"t0": 3, "t1": 3}, subs) == {
        "C0": [("t0", 0), ("t0", 1), ("t1", 0), ("t1", 1)],
        "C1": [("t0", 2), ("t1", 2)],
    }


def test_roundrobin_matches_the_kafka_javadoc_examples():
    subs = {"C0": ["t0", "t1"], "C1": ["t0", "t1"]}
    assert assign("roundrobin", {"t0": 3, "t1": 3}, subs) == {
        "C0": [("t0", 0), ("t0", 2), ("t1", 1)],
        "C1": [("t0", 1), ("t1", 0), ("t1", 2)],
    }
    # different subscriptions: members not subscribed to a topic are skipped
    subs = {"C0": ["t0"], "C1": ["t0", "t1"], "C2": ["t0", "t1", "t2"]}
    assert assign("roundrobin", {"t0": 1, "t1": 2, "t2": 3}, subs) == {
        "C0": [("t0", 0)],
        "C1": [("t1", 0)],
        "C2": [("t1", 1), ("t2", 0), ("t2", 1), ("t2", 2)],
    }


def test_sticky_matches_the_kafka_javadoc_example_1_and_keeps_everything_when_c1_leaves():
    topics = {"t0": 2, "t1": 2, "t2": 2, "t3": 2}
    subs = {m: list(topics) for m in ("C0", "C1", "C2")}
    first = assign("sticky", topics, subs)
    assert first == {
        "C0": [("t0", 0), ("t1", 1), ("t3", 0)],
        "C1": [("t0", 1), ("t2", 0), ("t3", 1)],
        "C2": [("t1", 0), ("t2", 1)],
    }
    assert first == assign("roundrobin", topics, subs)  # the javadoc: same as round robin from scratch
    del subs["C1"]
    second = assign("sticky", topics, subs, previous=first)
    assert second == {
        "C0": sorted([("t0", 0), ("t1", 1), ("t3", 0), ("t2", 0)]),
        "C2": sorted([("t1", 0), ("t2", 1), ("t0", 1), ("t3", 1)]),
    }
    # round robin instead reshuffles: C0 [t0p0, t1p0, t2p0, t3p0], C2 [t0p1, t1p1, t2p1, t3p1]
    rr = assign("roundrobin", topics, subs)
    assert rr == {
        "C0": [("t0", 0), ("t1", 0), ("t2", 0), ("t3", 0)],
        "C2": [("t0", 1), ("t1", 1), ("t2", 1), ("t3", 1)],
    }


def test_sticky_matches_the_kafka_javadoc_example_2():
    topics = {"t0": 1, "t1": 2, "t2": 3}
    subs = {"C0": ["t0"], "C1": ["t0", "t1"], "C2": ["t0", "t1", "t2"]}
    first = assign("sticky", topics, subs)
    assert first == {"C0": [("t0", 0)], "C1": [("t1", 0), ("t1", 1)], "C2": [("t2", 0), ("t2", 1), ("t2", 2)]}
    del subs["C0"]
    second = assign("sticky", topics, subs, previous=first)
    assert second == {"C1": [("t0", 0), ("t1", 0), ("t1", 1)], "C2": [("t2", 0), ("t2", 1), ("t2", 2)]}
    assert kept_count(first, second) == 5  # the javadoc: sticky preserves 5 assignments
    rr_before = assign("roundrobin", topics, {"C0": ["t0"], "C1": ["t0", "t1"], "C2": ["t0", "t1", "t2"]})
    assert kept_count(rr_before, assign("roundrobin", topics, subs)) == 3  # round robin preserves 3


# ---------------------------------------------------------------- exact rules: string order, subsets, idle members


def test_member_ids_sort_as_plain_strings_so_c10_comes_before_c2():
    subs = {m: ["t"] for m in ("c2", "c10", "c1")}
    assert assign("range", {"t": 3}, subs) == {"c1": [("t", 0)], "c10": [("t", 1)], "c2": [("t", 2)]}
    assert assign("roundrobin", {"t": 3}, subs) == {"c1": [("t", 0)], "c10": [("t", 1)], "c2": [("t", 2)]}
    assert list(assign("range", {"t": 3}, subs)) == ["c1", "c10", "c2"]


@pytest.mark.parametrize("strategy", ASSIGNORS)
def test_with_6_partitions_and_8_consumers_2_consumers_sit_idle(strategy):
    result = assign(strategy, {"rides": 6}, {f"c{i}": ["rides"] for i in range(8)})
    assert sorted(len(v) for v in result.values()) == [0, 0, 1, 1, 1, 1, 1, 1]
    if strategy != "sticky":
        assert result["c6"] == result["c7"] == []  # the last two in string order


def test_range_gives_the_first_n_mod_k_members_one_extra_partition():
    result = assign("range", {"t": 7}, {"c0": ["t"], "c1": ["t"], "c2": ["t"]})
    assert result == {"c0": [("t", 0), ("t", 1), ("t", 2)], "c1": [("t", 3), ("t", 4)], "c2": [("t", 5), ("t", 6)]}


def test_range_works_topic_by_topic_so_the_first_member_collects_every_extra():
    subs = {m: ["a", "b", "c"] for m in ("c0", "c1")}
    result = assign("range", {"a": 3, "b": 3, "c": 3}, subs)
    assert [len(result["c0"]), len(result["c1"])] == [6, 3]  # range's known imbalance across topics


def test_range_with_subset_subscriptions_ranks_members_per_topic():
    subs = {"c0": ["a"], "c1": ["a", "b"], "c2": ["b"]}
    result = assign("range", {"a": 2, "b": 4}, subs)
    assert result == {"c0": [("a", 0)], "c1": [("a", 1), ("b", 0), ("b", 1)], "c2": [("b", 2), ("b", 3)]}


def test_roundrobin_cursor_is_never_reset_between_topics():
    subs = {"c0": ["a", "b"], "c1": ["a", "b"], "c2": ["a", "b"]}
    result = assign("roundrobin", {"a": 2, "b": 2}, subs)
    # a0 -> c0, a1 -> c1, then b0 continues at c2 (not back at c0), b1 -> c0
    assert result == {"c0": [("a", 0), ("b", 1)], "c1": [("a", 1)], "c2": [("b", 0)]}


def test_unsubscribed_topics_are_not_assigned_and_members_without_topics_are_listed_idle():
    for strategy in ASSIGNORS:
        result = assign(strategy, {"a": 2, "b": 5}, {"c0": ["a"], "c1": []})
        assert result == {"c0": [("a", 0), ("a", 1)], "c1": []}


def test_an_empty_group_gets_an_empty_assignment():
    for strategy in ASSIGNORS:
        assert assign(strategy, {"a": 2}, {}) == {}


def test_partitions_of_lists_topics_in_order():
    assert partitions_of({"b": 1, "a": 2}) == [("a", 0), ("a", 1), ("b", 0)]


def test_is_balanced_uses_only_members_that_could_take_the_partition():
    subs = {"c0": ["a"], "c1": ["b"]}
    assert is_balanced({"c0": [("a", 0), ("a", 1), ("a", 2)], "c1": []}, subs)  # c1 cannot take topic a
    assert not is_balanced({"c0": [("a", 0), ("a", 1)], "c1": []}, {"c0": ["a"], "c1": ["a"]})


# ---------------------------------------------------------------- properties over random groups


@st.composite
def groups(draw, everyone_subscribes=False):
    n_topics = draw(st.integers(1, 3))
    topics = {f"t{i}": draw(st.integers(1, 6)) for i in range(n_topics)}
    members = draw(st.lists(st.sampled_from(MEMBER_POOL), min_size=0, max_size=6, unique=True))
    if everyone_subscribes:
        subs = {m: sorted(topics) for m in members}
    else:
        subs = {m: draw(st.lists(st.sampled_from(sorted(topics)), unique=True, max_size=n_topics)) for m in members}
    # a previous assignment among old and current members, possibly naming partitions that no longer exist
    previous_members = draw(st.lists(st.sampled_from(MEMBER_POOL), max_size=6, unique=True))
    previous = {m: [] for m in previous_members}
    if previous_members:
        candidates = partitions_of({t: n + 1 for t, n in topics.items()})
        holders = draw(
            st.lists(st.sampled_from([*previous_members, None]), min_size=len(candidates), max_size=len(candidates))
        )
        for tp, holder in zip(candidates, holders, strict=True):
            if holder is not None:
                previous[holder].append(tp)
    return topics, subs, previous


@pytest.mark.parametrize("strategy", ASSIGNORS)
@given(groups())
def test_every_subscribed_partition_has_exactly_one_owner_that_subscribes_to_it(strategy, group):
    topics, subs, previous = group
    result = assign(strategy, topics, subs, previous)
    assert list(result) == sorted(subs)
    assert all(owned == sorted(owned) for owned in result.values())
    who = owners(result)
    wanted = {tp for tp in partitions_of(topics) if any(tp[0] in s for s in subs.values())}
    assert set(who) == wanted
    assert all(tp[0] in subs[m] for tp, m in who.items())


@given(st.integers(1, 40), st.integers(1, 12))
def test_range_follows_kafkas_formula(n, k):
    members = sorted(f"m{i}" for i in range(k))
    result = assign("range", {"t": n}, {m: ["t"] for m in members})
    for i, m in enumerate(members):
        start = (n // k) * i + min(i, n % k)
        length = n // k + (1 if i < n % k else 0)
        assert result[m] == [("t", p) for p in range(start, start + length)]


@given(groups(everyone_subscribes=True))
def test_roundrobin_with_identical_subscriptions_deals_partition_i_to_member_i_mod_k(group):
    topics, subs, _ = group
    if not subs:
        return
    members = sorted(subs)
    result = assign("roundrobin", topics, subs)
    for i, tp in enumerate(partitions_of(topics)):
        assert tp in result[members[i % len(members)]]


@given(groups())
def test_sticky_is_always_balanced(group):
    topics, subs, previous = group
    assert is_balanced(assign("sticky", topics, subs, previous), subs)


def best_kept_when_everyone_subscribes(topics, subs, previous):
    """The most partitions that can stay put in an assignment whose sizes differ by at most one."""
    total, k = sum(topics.values()), len(subs)
    q, extra = divmod(total, k)
    valid = {m: [tp for tp in previous.get(m, []) if tp[0] in topics and tp[1] < topics[tp[0]]] for m in subs}
    seen = set()
    for m in sorted(valid):  # a partition listed twice counts once, for the first owner in id order
        valid[m] = [tp for tp in valid[m] if not (tp in seen or seen.add(tp))]
    had = [len(v) for v in valid.values()]
    return sum(min(h, q) for h in had) + min(extra, sum(1 for h in had if h > q))


@given(groups(everyone_subscribes=True))
def test_sticky_with_identical_subscriptions_is_even_and_keeps_as_many_partitions_as_balance_allows(group):
    topics, subs, previous = group
    result = assign("sticky", topics, subs, previous)
    if not subs:
        return
    sizes = [len(v) for v in result.values()]
    assert max(sizes) - min(sizes) <= 1
    assert kept_count(previous, result) == best_kept_when_everyone_subscribes(topics, subs, previous)


@settings(max_examples=40)
@given(groups(everyone_subscribes=True))
def test_the_best_kept_formula_matches_a_brute_force_search(group):
    topics, subs, previous = group
    parts = partitions_of(topics)
    members = sorted(subs)
    if not members or len(members) ** len(parts) > 5000:
        return
    first_owner = {}
    for m in sorted(previous):
        for tp in previous[m]:
            first_owner.setdefault(tp, m)
    best = 0
    for combo in itertools.product(members, repeat=len(parts)):
        sizes = [combo.count(m) for m in members]
        if max(sizes) - min(sizes) <= 1:
            best = max(best, sum(1 for tp, m in zip(parts, combo, strict=True) if first_owner.get(tp) == m))
    assert best == best_kept_when_everyone_subscribes(topics, subs, previous)


@given(groups())
def test_sticky_never_moves_a_partition_that_could_go_back_to_its_previous_owner(group):
    topics, subs, previous = group
    result = assign("sticky", topics, subs, previous)
    who = owners(result)
    home = {}
    for m in sorted(previous):
        for tp in previous[m]:
            home.setdefault(tp, m)
    for tp, now in who.items():
        was = home.get(tp)
        if was is None or was == now or was not in subs or tp[0] not in subs[was]:
            continue
        trial = {m: [x for x in owned if x != tp] for m, owned in result.items()}
        trial[was].append(tp)
        assert not is_balanced(trial, subs), f"{tp} could have stayed with {was}"


def test_sticky_hands_a_partition_back_when_balance_allows_with_mixed_subscriptions():
    # c0 loses t1p0 to c1 (the only other member that reads t1); it can then keep both t0 partitions
    topics = {"t0": 3, "t1": 1}
    subs = {"c0": ["t0", "t1"], "c1": ["t1"], "c2": ["t0"]}
    previous = {"c0": [("t0", 0), ("t0", 1), ("t1", 0)], "c3": [("t0", 2)]}
    result = assign("sticky", topics, subs, previous)
    assert result == {"c0": [("t0", 0), ("t0", 1)], "c1": [("t1", 0)], "c2": [("t0", 2)]}
    assert kept_count(previous, result) == 2


@given(groups())
def test_sticky_changes_nothing_when_the_previous_assignment_is_still_complete_and_balanced(group):
    topics, subs, _ = group
    for strategy in ("range", "roundrobin"):
        earlier = assign(strategy, topics, subs)
        if is_balanced(earlier, subs):
            assert assign("sticky", topics, subs, previous=earlier) == earlier


@given(groups(everyone_subscribes=True))
def test_fresh_sticky_with_identical_subscriptions_equals_round_robin(group):
    topics, subs, _ = group
    assert assign("sticky", topics, subs) == assign("roundrobin", topics, subs)


def test_sticky_accepts_lists_for_partitions_and_ignores_partitions_that_no_longer_exist():
    previous = {"c0": [["t", 0], ["t", 5]], "c1": [["t", 1]]}
    assert assign("sticky", {"t": 2}, {"c0": ["t"], "c1": ["t"]}, previous) == {"c0": [("t", 0)], "c1": [("t", 1)]}


# ---------------------------------------------------------------- bad input


def test_an_unknown_strategy_lists_the_valid_ones():
    with pytest.raises(
        ValueError, match=r"strategy must be one of 'range', 'roundrobin', 'sticky' \(got 'cooperative'\)"
    ):
        assign("cooperative", {"t": 1}, {"c0": ["t"]})


def test_zero_partitions_is_refused():
    with pytest.raises(ValueError, match=r"topics\['rides'\] must be a whole number of at least 1 \(got 0\)"):
        assign("range", {"rides": 0}, {"c0": ["rides"]})


def test_subscribing_to_a_topic_that_does_not_exist_names_the_known_topics():
    with pytest.raises(
        ValueError, match=r"subscriptions\['c0'\] must name existing topics \(got 'ride'\): known topics are 'rides'"
    ):
        assign("range", {"rides": 3}, {"c0": ["ride"]})


@pytest.mark.parametrize(
    ("topics", "subs", "previous", "message"),
    [
        ({"t": 1}, {"c0": "t"}, None, r"subscriptions\['c0'\] must be a list of topics"),
        ({"t": 1}, {0: ["t"]}, None, r"subscriptions \(a member id\) must be a str"),
        ({"t": 1.5}, {"c0": ["t"]}, None, "whole number"),
        ({"t": 1}, {"c0": ["t"]}, {"c0": ["t"]}, r"\(topic, partition\) pairs"),
        ({"t": 1}, {"c0": ["t"]}, [("t", 0)], "previous must be a Mapping"),
        ([("t", 1)], {"c0": ["t"]}, None, "topics must be a Mapping"),
    ],
)
def test_malformed_input_gets_a_message_that_names_the_fix(topics, subs, previous, message):
    with pytest.raises(ValueError, match=message):
        assign("sticky", topics, subs, previous)
