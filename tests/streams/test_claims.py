"""Each sentence lesson 4 may state, asserted against the library (one test per claim)."""

from course.streams import (
    ACKS,
    ConsumerGroup,
    Event,
    GroupScenario,
    Producer,
    ReplicationScenario,
    Topic,
    Tumbling,
    assign,
    count_by_key,
    crash_demo,
    draw_keys,
    event_stream,
    partition_counts,
    partition_for,
    rebalance_diff,
    replay,
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


def test_with_skew_1_5_over_50_keys_one_partition_of_6_gets_over_half_the_records():
    counts = partition_counts(draw_keys(10_000, keys=50, skew=1.5, seed=0), 6)
    assert max(counts) > sum(counts) / 2
    uniform = partition_counts(draw_keys(10_000, keys=50, skew=0.0, seed=0), 6)
    assert max(uniform) < sum(uniform) / 4  # without hot keys no partition gets a quarter


def lesson_lag(consumers):
    scenario = GroupScenario(
        partitions=6, consumers=consumers, groups=1, rate=200, consumer_rate=100, commit_interval=0.5
    )
    return simulate_groups(scenario, until=10).summary().final_lag


def test_one_consumer_of_100_per_s_falls_1000_behind_200_rides_per_s_two_fall_a_little_and_three_keep_up():
    assert lesson_lag(1) > 900
    assert lesson_lag(1) > lesson_lag(2) > 0  # two are at capacity on average, but the partitions are uneven
    assert lesson_lag(3) == 0


def test_when_c0_of_3_consumers_leaves_6_partitions_these_partitions_move_under_each_strategy():
    subs = {m: ["rides"] for m in ("c0", "c1", "c2")}
    moved = {}
    for strategy in ("range", "roundrobin", "sticky"):
        before = assign(strategy, {"rides": 6}, subs)
        after = assign(strategy, {"rides": 6}, {"c1": ["rides"], "c2": ["rides"]}, previous=before)
        moved[strategy] = [m.partition for m in rebalance_diff(before, after).moved]
    assert moved == {"range": [0, 1, 3], "roundrobin": [0, 1, 2, 3], "sticky": [0, 3]}


def test_a_consumer_crash_in_the_dashboard_gives_duplicates_but_every_record_is_still_read():
    res = simulate_groups(GroupScenario(crash_at=4.0, consumer_rate=150, commit_interval=0.5), until=10)
    assert res.summary().duplicates > 0
    assert res.lag()["dashboard"] and sum(res.lag()["dashboard"].values()) <= 30  # caught up after the rebalance


def test_acks_0_loses_more_than_acks_1_which_loses_more_than_acks_all():
    lost = {a: simulate_replication(ReplicationScenario(acks=a, fail_broker=0), until=8).summary().lost for a in ACKS}
    assert lost[0] > lost[1] > lost["all"] == 0


def lesson_rides():
    return event_stream(rate=2, until=40, max_delay=3, straggler_fraction=0.1, straggler_delay=12, seed=0)


def test_more_allowed_lateness_turns_dropped_rides_into_late_refires():
    runs = [run_windows(lesson_rides(), Tumbling(10), out_of_orderness=2, allowed_lateness=x) for x in (0, 5, 10)]
    dropped = [len(r.dropped) for r in runs]
    late = [sum(f.kind == "late" for f in r.firings) for r in runs]
    assert dropped[0] > dropped[1] > dropped[2] == 0
    assert late[0] == 0 < late[1] < late[2]


def test_with_enough_lateness_event_time_windows_count_each_ride_in_its_own_window_and_processing_time_does_not():
    rides = lesson_rides()
    truth = {}
    for e in rides:
        window = (e.key, *tumbling_window(e.time, 10))
        truth[window] = truth.get(window, 0) + 1
    assert run_windows(rides, Tumbling(10), out_of_orderness=2, allowed_lateness=15).results() == truth
    assert run_windows(rides, Tumbling(10), time="processing").results() != truth


def test_replaying_the_rides_log_from_offset_0_rebuilds_the_dashboards_live_counts():
    topic = Topic("rides", 6)
    producer = Producer(topic)
    dashboard = ConsumerGroup("dashboard", topic, ["c0", "c1", "c2"])
    live = {}
    cities = ["paris", "lyon", "rome", "oslo", "lima", "kyiv", "pune", "quito"]
    for key in draw_keys(500, keys=8, skew=1.0, seed=3):
        producer.send(cities[int(key[1:])])
        for member in dashboard.members:
            for record in dashboard.poll(member, max_records=1):
                live = count_by_key(live, record)
    for member in dashboard.members:
        for record in dashboard.poll(member):
            live = count_by_key(live, record)
    assert replay(topic, count_by_key, {}) == live
