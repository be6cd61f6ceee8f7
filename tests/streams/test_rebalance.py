"""Rebalance diffs: which partitions move when members join, leave or crash, and what pauses."""

import pytest

from course.streams import assign, rebalance_diff
from course.streams.rebalance import Move

SIX = {"rides": 6}


def members(*ids):
    return {m: ["rides"] for m in ids}


def test_when_c0_leaves_range_moves_three_partitions_but_sticky_only_the_two_c0_owned():
    before = assign("range", SIX, members("c0", "c1", "c2"))
    assert before == {
        "c0": [("rides", 0), ("rides", 1)],
        "c1": [("rides", 2), ("rides", 3)],
        "c2": [("rides", 4), ("rides", 5)],
    }
    ranged = rebalance_diff(before, assign("range", SIX, members("c1", "c2")))
    assert [(m.partition, m.before, m.after) for m in ranged.moved] == [
        (0, "c0", "c1"),
        (1, "c0", "c1"),
        (3, "c1", "c2"),
    ]
    sticky = rebalance_diff(before, assign("sticky", SIX, members("c1", "c2"), previous=before))
    assert {m.partition for m in sticky.moved} == {0, 1}
    assert all(m.before == "c0" for m in sticky.moved)
    assert (ranged.kept, sticky.kept) == (3, 4)


def test_when_a_fourth_member_joins_sticky_moves_one_partition_per_missing_share():
    before = assign("sticky", {"rides": 12}, members("c0", "c1", "c2"))
    after = assign("sticky", {"rides": 12}, members("c0", "c1", "c2", "c3"), previous=before)
    diff = rebalance_diff(before, after)
    assert len(diff.moved) == 3  # c3 needs 3 of 12; every other partition stays
    assert diff.assigned["c3"] == after["c3"] and diff.joined == ["c3"] and diff.left == []
    assert sorted(tp for owned in diff.revoked.values() for tp in owned) == after["c3"]


def test_a_crashed_member_shows_as_left_and_its_partitions_as_revoked():
    before = assign("roundrobin", SIX, members("c0", "c1", "c2"))
    diff = rebalance_diff(before, assign("roundrobin", SIX, members("c0", "c1")))
    assert diff.left == ["c2"]
    assert diff.revoked["c2"] == before["c2"]
    assert "c2" not in diff.assigned


def test_eager_pauses_every_partition_and_cooperative_only_the_moved_ones():
    before = assign("sticky", SIX, members("c0", "c1", "c2"))
    diff = rebalance_diff(before, assign("sticky", SIX, members("c0", "c1"), previous=before))
    assert len(diff.paused("eager")) == 6
    assert diff.paused("cooperative") == [(m.topic, m.partition) for m in diff.moved]
    assert len(diff.paused("cooperative")) == 2
    assert "stop" in diff.steps("eager")[0] and len(diff.steps("cooperative")) == 4
    assert repr(diff) == "RebalanceDiff(partitions=6, moved=2, kept=4, eager_paused=6, cooperative_paused=2)"


def test_records_list_every_partition_once_with_none_for_no_owner():
    diff = rebalance_diff({}, {"c0": [("t", 1), ("t", 0)]})
    assert diff.records == [Move("t", 0, None, "c0"), Move("t", 1, None, "c0")]
    assert diff.kept == 0 and len(diff.moved) == 2
    assert rebalance_diff({"c0": [("t", 0)]}, {}).records == [Move("t", 0, "c0", None)]


def test_no_change_means_nothing_moved_and_cooperative_pauses_nothing():
    a = assign("range", SIX, members("c0", "c1"))
    diff = rebalance_diff(a, a)
    assert diff.moved == [] and diff.kept == 6 and diff.paused("cooperative") == []


def test_an_assignment_that_gives_a_partition_two_owners_is_refused():
    with pytest.raises(ValueError, match=r"gives partition \('t', 0\) to both 'c0' and 'c1'"):
        rebalance_diff({"c0": [("t", 0)], "c1": [("t", 0)]}, {})


def test_an_unknown_protocol_lists_the_valid_ones():
    diff = rebalance_diff({}, {})
    with pytest.raises(ValueError, match=r"protocol must be one of 'eager', 'cooperative' \(got 'lazy'\)"):
        diff.paused("lazy")
