"""Each claim lesson 4 makes, asserted against the library (one test per claim id; see tests/test_claim_ids.py)."""

import os
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.streams import (
    ACKS,
    ConsumerGroup,
    Event,
    GroupScenario,
    Producer,
    RefusedSetting,
    ReplicationScenario,
    Topic,
    Tumbling,
    WindowScenario,
    assign,
    check_protocol,
    compact,
    count_by_key,
    count_window,
    crash_demo,
    draw_keys,
    event_stream,
    murmur2,
    partition_counts,
    partition_for,
    rebalance_diff,
    replay,
    session_windows,
    simulate,
    sliding_windows,
    tumbling_window,
)

# Kafka's own test vectors for its murmur2 (UtilsTest.testMurmur2 in apache/kafka)
KAFKA_MURMUR2 = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.claim("streams.kafka-partitioner")
def test_the_partition_of_a_key_is_kafkas_murmur2_rule():
    assert {data: murmur2(data) for data in KAFKA_MURMUR2} == KAFKA_MURMUR2
    for data, hashed in KAFKA_MURMUR2.items():
        for partitions in (1, 6, 7, 12):
            assert partition_for(data, partitions) == (hashed & 0x7FFFFFFF) % partitions
    assert partition_for("21", 6) == partition_for(b"21", 6) == 0  # text hashes as its UTF-8 bytes


@pytest.mark.claim("streams.key-to-partition")
def test_every_record_of_a_key_lands_on_the_one_partition_its_hash_picks_in_every_process():
    topic = Topic("rides", 6)
    producer = Producer(topic)
    cities = ["paris", "lyon", "rome", "oslo", "lima", "kyiv", "pune", "quito"]
    for key in draw_keys(400, keys=8, skew=1.0, seed=1):
        producer.send(cities[int(key[1:])])
    where = {}
    for p in range(6):
        for record in topic.read(p):
            where.setdefault(record.key, set()).add(p)
    assert where == {city: {partition_for(city, 6)} for city in where}
    code = "from course.streams import partition_for; print([partition_for(c, 6) for c in ['paris', 'lyon', 'rome']])"
    outputs = set()
    for seed in ("1", "2"):  # Python's own hash() of a string changes with PYTHONHASHSEED; ours must not
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outputs.add(
            subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
        )
    assert outputs == {str([partition_for(c, 6) for c in ["paris", "lyon", "rome"]]) + "\n"}


@pytest.mark.claim("streams.order-within-partition")
def test_records_of_a_partition_are_read_in_the_order_they_were_written_with_offsets_0_1_2():
    topic = Topic("rides", 3)
    producer = Producer(topic)
    sent = [producer.send(key, value=i) for i, key in enumerate(draw_keys(300, keys=20, seed=2))]
    for p in range(3):
        log = topic.read(p)
        assert [r.offset for r in log] == list(range(len(log)))
        assert [r.value for r in log] == [r.value for r in sent if r.partition == p]


@pytest.mark.claim("streams.hot-key")
def test_with_skew_1_5_over_50_keys_one_partition_of_6_gets_over_half_the_records():
    counts = partition_counts(draw_keys(10_000, keys=50, skew=1.5, seed=0), 6)
    assert max(counts) > sum(counts) / 2
    uniform = partition_counts(draw_keys(10_000, keys=50, skew=0.0, seed=0), 6)
    assert max(uniform) < sum(uniform) / 4  # without hot keys no partition gets a quarter


@pytest.mark.claim("streams.groups-independent")
def test_two_groups_each_read_all_records_and_one_groups_commits_do_not_move_the_others_offsets():
    topic = Topic("rides", 4)
    producer = Producer(topic)
    for i in range(40):
        producer.send(value=i)
    dashboard = ConsumerGroup("dashboard", topic, ["c0", "c1"])
    archiver = ConsumerGroup("archiver", topic, ["a0"])
    read = [r.value for m in dashboard.members for r in dashboard.poll(m)]
    dashboard.commit()
    assert sorted(read) == list(range(40)) and dashboard.total_lag() == 0
    assert archiver.total_lag() == 40
    assert sorted(r.value for r in archiver.poll("a0")) == list(range(40))
    res = simulate(GroupScenario(groups=2, rate=100, consumer_rate=300, commit_interval=0.1), until=3)
    assert res.summary().final_lag <= 2 * 30  # both groups committed all but the last tick's records


@pytest.mark.claim("streams.idle-consumer")
@pytest.mark.parametrize("strategy", ["range", "roundrobin", "sticky"])
def test_consumers_beyond_the_partition_count_sit_idle(strategy):
    result = assign(strategy, {"rides": 6}, {f"c{i}": ["rides"] for i in range(8)})
    assert sorted(m for m, owned in result.items() if not owned) == ["c6", "c7"]
    run = simulate(GroupScenario.example(consumers=8), until=10)
    assert run.idle() == {"dashboard": ["c6", "c7"], "archiver": ["c6", "c7"]}


def lesson_lag(consumers):
    scenario = GroupScenario(
        partitions=6, consumers=consumers, groups=1, rate=200, consumer_rate=100, commit_interval=0.5
    )
    return simulate(scenario, until=10).summary().final_lag


@pytest.mark.claim("streams.lag-sizing")
def test_one_consumer_of_100_per_s_falls_1000_behind_200_rides_per_s_two_fall_a_little_and_three_keep_up():
    assert lesson_lag(1) > 900
    assert lesson_lag(1) > lesson_lag(2) > 0  # two are at capacity on average, but the partitions are uneven
    assert lesson_lag(3) == 0


@pytest.mark.claim("streams.range-formula")
@given(st.integers(1, 40), st.integers(1, 12))
def test_range_gives_member_i_a_run_from_n_div_k_times_i_plus_min_i_n_mod_k(n, k):
    members = sorted(f"c{i}" for i in range(k))  # string order: c10 before c2
    result = assign("range", {"rides": n}, {m: ["rides"] for m in members})
    for i, member in enumerate(members):
        start = (n // k) * i + min(i, n % k)
        length = n // k + (1 if i < n % k else 0)
        assert result[member] == [("rides", p) for p in range(start, start + length)]


@pytest.mark.claim("streams.rebalance-moves")
def test_when_c0_of_3_consumers_leaves_6_partitions_these_partitions_move_under_each_strategy():
    subs = {m: ["rides"] for m in ("c0", "c1", "c2")}
    moved = {}
    for strategy in ("range", "roundrobin", "sticky"):
        before = assign(strategy, {"rides": 6}, subs)
        after = assign(strategy, {"rides": 6}, {"c1": ["rides"], "c2": ["rides"]}, previous=before)
        moved[strategy] = [m.partition for m in rebalance_diff(before, after).moved]
    assert moved == {"range": [0, 1, 3], "roundrobin": [0, 1, 2, 3], "sticky": [0, 3]}
    c0_had = [p for _, p in assign("sticky", {"rides": 6}, subs)["c0"]]
    assert moved["sticky"] == c0_had  # sticky moves only what the leaving member owned


@pytest.mark.claim("streams.eager-vs-cooperative")
def test_an_eager_rebalance_pauses_all_6_partitions_a_cooperative_one_only_the_moved_ones():
    before = assign("sticky", {"rides": 6}, {m: ["rides"] for m in ("c0", "c1", "c2")})
    diff = rebalance_diff(before, assign("sticky", {"rides": 6}, {"c1": ["rides"], "c2": ["rides"]}, previous=before))
    assert (len(diff.paused("eager")), len(diff.paused("cooperative"))) == (6, 2)
    common = dict(strategy="sticky", crash_at=3, consumer_rate=80, rebalance_time=1.0)
    eager = simulate(GroupScenario(protocol="eager", **common), until=10).summary()
    cooperative = simulate(GroupScenario(protocol="cooperative", **common), until=10).summary()
    assert cooperative.max_lag < eager.max_lag


@pytest.mark.claim("streams.commit-semantics")
@given(st.integers(1, 30), st.integers(1, 8), st.data())
def test_committing_after_processing_duplicates_on_a_crash_and_before_loses_never_both(records, batch, data):
    crash_after = data.draw(st.integers(1, records))
    after = crash_demo("after", records=records, batch=batch, crash_after=crash_after)
    before = crash_demo("before", records=records, batch=batch, crash_after=crash_after)
    assert after.lost == 0 < after.duplicates  # at-least-once: the uncommitted part of the batch runs twice
    batch_end = min(records, -(-crash_after // batch) * batch)
    assert before.duplicates == 0 and before.lost == batch_end - crash_after  # at-most-once: the rest is lost
    assert crash_demo("after").duplicates == 2 and crash_demo("before").lost == 2  # the lesson's 10 rides


@pytest.mark.claim("streams.crash-duplicates")
def test_a_consumer_crash_in_the_dashboard_gives_duplicates_but_every_record_is_still_read():
    res = simulate(GroupScenario(crash_at=4.0, consumer_rate=150, commit_interval=0.5), until=10)
    assert res.summary().duplicates > 0 and res.duplicates["archiver"] == 0
    assert [(e.group, e.reason, e.t) for e in res.rebalances] == [("dashboard", "crash c0", 5.0)]
    assert sum(res.lag()["dashboard"].values()) <= 30  # caught up after the rebalance


@pytest.mark.claim("streams.acks-loss")
def test_acks_0_loses_more_than_acks_1_which_loses_more_than_acks_all():
    lost = {a: simulate(ReplicationScenario(acks=a, fail_broker=0), until=8).summary().lost for a in ACKS}
    assert lost[0] > lost[1] > lost["all"] == 0


@pytest.mark.claim("streams.acks-all-safe")
@given(
    st.integers(0, 2),
    st.floats(0.5, 3.0),
    st.sampled_from([0.02, 0.05, 0.1]),
    st.integers(0, 3),
)
def test_acks_all_with_min_isr_2_never_loses_an_acknowledged_write_when_one_broker_dies(broker, fail_at, fetch, seed):
    scenario = ReplicationScenario(acks="all", fail_broker=broker, fail_at=fail_at, fetch_interval=fetch)
    assert simulate(scenario, until=4, seed=seed).summary().lost == 0


@pytest.mark.claim("streams.min-isr-rejects")
def test_with_2_replicas_and_min_isr_2_losing_one_broker_makes_acks_all_writes_rejected_not_lost():
    res = simulate(ReplicationScenario(replication_factor=2, min_insync_replicas=2, fail_broker=1), until=8)
    assert res.summary().rejected > 0 and res.summary().lost == 0
    assert {r.reason for r in res.records if r.status == "rejected"} == {"not enough replicas"}


@pytest.mark.claim("streams.acks1-loss-window")
def test_acks_1_loses_only_writes_acknowledged_in_the_last_fetch_interval_before_the_leader_died():
    scenario = ReplicationScenario.example(acks=1)
    res = simulate(scenario, until=10)
    lost = [r for r in res.records if r.lost]
    assert lost and all(scenario.fail_at - scenario.fetch_interval <= r.acked_at <= scenario.fail_at for r in lost)
    assert all(r.leader == scenario.fail_broker for r in lost)


@pytest.mark.claim("streams.window-rules")
@given(st.integers(-10_000, 10_000), st.integers(1, 300), st.integers(1, 5))
def test_windows_follow_flinks_rules(ts, size, per_slide):
    start, end = tumbling_window(ts, size)
    assert start == ts - ts % size and end == start + size and start <= ts < end
    if size % per_slide == 0:
        windows = sliding_windows(ts, size, size // per_slide)
        assert len(windows) == per_slide and all(a <= ts < b for a, b in windows)
    assert session_windows([ts, ts + size], gap=size) == [(ts, ts + 2 * size)]  # exactly one gap apart: one
    assert session_windows([ts, ts + size + 1], gap=size) == [(ts, ts + size), (ts + size + 1, ts + 2 * size + 1)]
    assert count_window(ts % 50, size=per_slide) == (
        (ts % 50) // per_slide * per_slide,
        ((ts % 50) // per_slide + 1) * per_slide,
    )


@pytest.mark.claim("streams.late-refire-drop")
def test_a_late_event_within_allowed_lateness_refires_the_window_and_after_it_is_dropped():
    scenario = WindowScenario(
        events=[Event(1), Event(12), Event(4), Event(30), Event(5)], assigner=Tumbling(10), allowed_lateness=5
    )
    run = simulate(scenario, until=30)
    assert [(f.start, f.value, f.kind) for f in run.firings][:2] == [(0, 1, "on_time"), (0, 2, "late")]
    assert [d.time for d in run.dropped] == [5]


def lesson_rides():
    return event_stream(rate=2, until=40, max_delay=3, straggler_fraction=0.1, straggler_delay=12, seed=0)


def windowed(**settings):
    return simulate(WindowScenario(events=lesson_rides(), assigner=Tumbling(10), **settings), until=40)


@pytest.mark.claim("streams.lateness-tradeoff")
def test_more_allowed_lateness_turns_dropped_rides_into_late_refires():
    runs = [windowed(out_of_orderness=2, allowed_lateness=x) for x in (0, 5, 10)]
    dropped = [len(r.dropped) for r in runs]
    late = [sum(f.kind == "late" for f in r.firings) for r in runs]
    assert dropped[0] > dropped[1] > dropped[2] == 0
    assert late[0] == 0 < late[1] < late[2]


@pytest.mark.claim("streams.watermark-delay")
def test_a_larger_watermark_delay_makes_fewer_results_late_but_fires_windows_later():
    runs = [windowed(out_of_orderness=x, allowed_lateness=30) for x in (0, 2, 15)]
    late = [sum(f.kind == "late" for f in r.firings) for r in runs]
    assert late[0] > late[1] > late[2] == 0
    first_fire = [min(f.at for f in r.firings if f.start == 0 and f.kind == "on_time") for r in runs]
    assert first_fire[0] < first_fire[1] < first_fire[2]


@pytest.mark.claim("streams.event-time-correct")
def test_with_enough_lateness_event_time_windows_count_each_ride_in_its_own_window_and_processing_time_does_not():
    rides = lesson_rides()
    truth = Counter((e.key, *tumbling_window(e.time, 10)) for e in rides)
    assert windowed(out_of_orderness=2, allowed_lateness=15).results() == truth
    assert windowed(time="processing").results() != truth


@pytest.mark.claim("streams.replay")
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
    assert replay(topic, count_by_key, {}) == live == dict(Counter(r.key for p in range(6) for r in topic.read(p)))


@pytest.mark.claim("streams.session-timeout")
def test_a_crash_is_noticed_one_session_timeout_later_and_its_partitions_wait_unread_until_then():
    for timeout in (1.0, 10.0):
        run = simulate(GroupScenario(groups=1, crash_at=4.0, session_timeout=timeout, commit_interval=0.5), until=20)
        assert [e.t for e in run.rebalances] == [4.0 + timeout]
        orphaned = [p for _, p in run.initial_assignments["dashboard"]["c0"]]
        before = [s for s in run.records if s.t == round(4.0 + timeout, 9) and s.partition in orphaned]
        written = sum(run.produced[p] for p in orphaned) / 20  # records/s that land on c0's partitions
        assert sum(s.lag for s in before) >= 0.8 * written * timeout  # nobody read them meanwhile
    assert GroupScenario().session_timeout == 1.0  # the toy's timeout, named in the lesson (Kafka: 45 s)


@pytest.mark.claim("streams.cooperative-needs-sticky")
def test_cooperative_rebalancing_is_refused_unless_the_assignor_is_the_cooperative_sticky_one():
    for strategy in ("range", "roundrobin"):
        with pytest.raises(RefusedSetting, match="only with the cooperative sticky assignor"):
            GroupScenario(strategy=strategy, protocol="cooperative")
        with pytest.raises(RefusedSetting):
            ConsumerGroup("dashboard", Topic("rides", 3), ["c0"], strategy=strategy, protocol="cooperative")
    assert check_protocol("sticky", "cooperative") == "cooperative"
    assert all(check_protocol(s, "eager") == "eager" for s in ("range", "roundrobin", "sticky"))


def stalled(acks="all", replication_factor=3, min_isr=2):
    scenario = ReplicationScenario(
        acks=acks,
        replication_factor=replication_factor,
        min_insync_replicas=min_isr,
        fail_broker=1,
        fail_at=2.03,
        fail_mode="stalls",
        replica_lag_time_max=1.0,
    )
    return scenario, simulate(scenario, until=6)


@pytest.mark.claim("streams.isr-definition")
def test_a_follower_stays_in_the_isr_while_it_catches_up_and_leaves_it_after_replica_lag_time_max():
    scenario, run = stalled()
    shrinks = [(e.t, e.partition) for e in run.events if e.kind == "isr shrink"]
    followed = [p for p in range(3) if 1 in scenario.replicas(p) and scenario.replicas(p)[0] != 1]
    assert sorted(p for _, p in shrinks) == followed  # only where broker 1 is a follower
    last_fetch = 2.0  # its last fetch before it stalled (fetches every 0.05 s)
    assert all(last_fetch + scenario.replica_lag_time_max < t <= last_fetch + 1.1 for t, _ in shrinks)
    _, strict = stalled(replication_factor=2, min_isr=2)  # the ISR shrinks below min ISR: writes refused
    assert strict.summary().rejected > 0 and strict.summary().lost == 0
    healthy = simulate(ReplicationScenario(acks="all", fail_broker=None), until=6)
    assert all(r.in_sync for r in healthy.final_replicas())  # a live, fetching follower never leaves
    dead = simulate(ReplicationScenario(fail_broker=1, fail_at=2.03), until=6)  # a dead one: once noticed
    assert {e.t for e in dead.events if e.kind == "isr shrink"} == {2.03 + dead.scenario.failover_time}


@pytest.mark.claim("streams.high-watermark")
def test_acks_all_waits_for_the_high_watermark_and_acks_1_loses_only_writes_above_it():
    _, run = stalled()
    shrink = min(e.t for e in run.events if e.kind == "isr shrink")
    waited = [r for r in run.records if r.partition != 1 and 2.05 < r.sent_at < shrink - 0.1]
    assert waited and all(r.status == "served" and r.acked_at >= shrink for r in waited)  # acks=all waited for it
    assert 0.9 < run.summary().slowest_ack < 1.2
    one = simulate(ReplicationScenario.example(acks=1), until=10)
    at_death = {r.partition: r.high_watermark for r in one.replicas if r.t == one.scenario.fail_at and r.broker == 0}
    lost = [r for r in one.records if r.lost]
    assert lost and all(r.offset >= at_death[r.partition] for r in lost)  # never readable by a consumer
    kept = [r for r in one.records if r.status == "served" and r.partition == 0 and r.offset < at_death[0]]
    assert kept  # everything below the high watermark survived the failover
    ends = {r.partition: r.log_end_offset for r in one.final_replicas() if r.role == "leader"}
    assert all(hw <= ends[p] for p, hw in one.high_watermarks().items())


@pytest.mark.claim("streams.compaction")
def test_compaction_keeps_the_last_record_per_key_so_a_replay_cannot_rebuild_counts():
    topic = Topic("rides", 3)
    producer = Producer(topic)
    for key in draw_keys(300, keys=6, skew=1.0, seed=4):
        producer.send(key)
    history = [r for p in range(3) for r in topic.read(p)]
    kept = compact(history)
    assert sorted(r.key for r in kept) == sorted({r.key for r in history})  # one record per key
    for r in kept:  # ... the last one, at its original offset
        assert r == max((h for h in history if h.key == r.key), key=lambda h: h.offset)
    counts = replay(topic, count_by_key, {})
    from_compacted = {}
    for r in kept:
        from_compacted = count_by_key(from_compacted, r)
    assert set(from_compacted.values()) == {1} and counts != from_compacted


@pytest.mark.claim("streams.sliding-missed")
def test_with_sliding_windows_a_late_ride_can_miss_its_older_window_without_being_dropped_and_is_counted():
    run = simulate(WindowScenario.example(kind="sliding", allowed_lateness=0), until=40)
    partly = {m.seq for m in run.missed} - {d.seq for d in run.dropped}
    assert partly  # too late for an older window, in time for a newer one
    truth = Counter()
    for e in run.events:
        for a, b in sliding_windows(e.time, 10, 5):
            truth[(e.key, a, b)] += 1
    shown = run.results()
    for window, n in truth.items():  # every window counts what it got plus what it missed
        assert shown.get(window, 0) + run.missed_by_window().get(window, 0) == n
    s = run.summary()
    assert s.dropped < s.too_late and s.missed == sum(truth.values()) - sum(shown.values())
    assert f"{s.short_windows} windows count {s.missed} events short" in " ".join(str(s).split())
