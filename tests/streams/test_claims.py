"""Each sentence lesson 4 may state, asserted against the library (one test per claim)."""

from course.streams import (
    Event,
    GroupScenario,
    ReplicationScenario,
    Tumbling,
    assign,
    crash_demo,
    partition_for,
    rebalance_diff,
    run_windows,
    session_windows,
    simulate_groups,
    simulate_replication,
    sliding_windows,
    tumbling_window,
)


def test_with_6_partitions_and_8_consumers_2_consumers_sit_idle():
    result = assign("range", {"rides": 6}, {f"c{i}": ["rides"] for i in range(8)})
    assert sum(1 for owned in result.values() if not owned) == 2


def test_two_groups_each_read_all_records_of_the_topic():
    res = simulate_groups(GroupScenario(groups=2, rate=100, consumer_rate=300, commit_interval=0.1), until=3)
    assert res.summary().final_lag <= 2 * 30  # both groups have committed all but the last tick's records


def test_the_same_key_always_goes_to_the_same_partition():
    assert len({partition_for("paris", 6) for _ in range(100)}) == 1


def test_range_gives_consumer_c0_partitions_0_and_1_of_6_with_3_consumers():
    assert assign("range", {"rides": 6}, {m: ["rides"] for m in ("c0", "c1", "c2")})["c0"] == [
        ("rides", 0),
        ("rides", 1),
    ]


def test_when_one_of_3_consumers_leaves_sticky_moves_only_its_2_partitions_and_range_moves_3():
    subs = {m: ["rides"] for m in ("c0", "c1", "c2")}
    left = {m: ["rides"] for m in ("c1", "c2")}
    for strategy, moved in (("range", 3), ("sticky", 2)):
        before = assign(strategy, {"rides": 6}, subs)
        assert len(rebalance_diff(before, assign(strategy, {"rides": 6}, left, previous=before)).moved) == moved


def test_an_eager_rebalance_pauses_all_6_partitions_a_cooperative_one_only_the_moved_ones():
    before = assign("sticky", {"rides": 6}, {m: ["rides"] for m in ("c0", "c1", "c2")})
    diff = rebalance_diff(before, assign("sticky", {"rides": 6}, {"c1": ["rides"], "c2": ["rides"]}, previous=before))
    assert (len(diff.paused("eager")), len(diff.paused("cooperative"))) == (6, 2)


def test_committing_after_processing_gives_duplicates_and_before_gives_losses_on_a_crash():
    assert (crash_demo("after").duplicates, crash_demo("after").lost) == (2, 0)
    assert (crash_demo("before").duplicates, crash_demo("before").lost) == (0, 2)


def test_acks_all_with_min_isr_2_loses_nothing_when_the_leader_dies_but_acks_1_can():
    all_ = simulate_replication(ReplicationScenario(acks="all", fail_broker=0), until=8).summary()
    one = simulate_replication(ReplicationScenario(acks=1, fail_broker=0), until=8).summary()
    assert all_.lost == 0 < one.lost


def test_with_2_replicas_and_min_isr_2_losing_one_broker_makes_acks_all_writes_refused():
    res = simulate_replication(ReplicationScenario(replication_factor=2, min_insync_replicas=2, fail_broker=1), until=8)
    assert res.summary().refused > 0 and res.summary().lost == 0


def test_a_one_minute_tumbling_window_holding_61_s_is_60_to_120():
    assert tumbling_window(61, 60) == (60, 120) and tumbling_window(60, 60) == (60, 120)


def test_a_10_s_window_sliding_every_5_s_puts_each_event_in_2_windows():
    assert len(sliding_windows(7, 10, 5)) == 2


def test_events_exactly_one_gap_apart_share_a_session():
    assert session_windows([0, 30], gap=30) == [(0, 60)]


def test_a_late_event_within_allowed_lateness_updates_the_window_and_after_it_is_dropped():
    run = run_windows([Event(1), Event(12), Event(4), Event(30), Event(5)], Tumbling(10), allowed_lateness=5)
    assert [(f.start, f.value, f.kind) for f in run.firings][:2] == [(0, 1, "on_time"), (0, 2, "late")]
    assert [d.time for d in run.dropped] == [5]
