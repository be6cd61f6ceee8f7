"""Consumer groups: one owner per partition, independent offsets per group, lag, crashes and rebalances."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.streams import ConsumerGroup, GroupScenario, Producer, RefusedSetting, Topic, group_names, simulate


def filled_topic(partitions=3, records=12):
    topic = Topic("rides", partitions)
    producer = Producer(topic)
    for i in range(records):
        producer.send(value=i)  # keyless: round robin, so every partition gets records // partitions
    return topic


def drain(group):
    out = []
    for member in group.members:
        out += group.poll(member)
    group.commit()
    return out


def test_every_group_reads_every_record_with_its_own_offsets():
    topic = filled_topic()
    dashboard = ConsumerGroup("dashboard", topic, ["c0", "c1"])
    archiver = ConsumerGroup("archiver", topic, ["a0"])
    assert sorted(r.value for r in drain(dashboard)) == list(range(12))
    assert archiver.total_lag() == 12  # the dashboard's commits do not touch the archiver's offsets
    assert sorted(r.value for r in drain(archiver)) == list(range(12))
    assert dashboard.total_lag() == archiver.total_lag() == 0


@given(st.integers(1, 8), st.integers(1, 12), st.sampled_from(["range", "roundrobin", "sticky"]))
def test_each_partition_has_exactly_one_owner_and_extra_members_sit_idle(partitions, consumers, strategy):
    group = ConsumerGroup("g", Topic("rides", partitions), [f"c{i}" for i in range(consumers)], strategy=strategy)
    owned = [tp for tps in group.assignment.values() for tp in tps]
    assert sorted(owned) == [("rides", p) for p in range(partitions)]
    assert len(group.idle) == max(0, consumers - partitions)


def test_lag_is_written_minus_committed_per_partition():
    topic = filled_topic(partitions=2, records=6)
    group = ConsumerGroup("g", topic, ["c0"])
    assert group.lag() == {("rides", 0): 3, ("rides", 1): 3}
    group.poll("c0", max_records=2)  # the budget is shared: one record from each partition
    assert group.lag() == {("rides", 0): 3, ("rides", 1): 3}  # read, but not committed
    group.commit("c0")
    assert group.lag() == {("rides", 0): 2, ("rides", 1): 2}
    assert group.total_lag() == 4


def test_a_fair_poll_gives_the_unused_share_of_an_empty_partition_to_the_others():
    topic = Topic("rides", 2)
    for _ in range(5):
        topic.append(0)
    topic.append(1)
    group = ConsumerGroup("g", topic, ["c0"])
    assert [r.partition for r in group.poll("c0", max_records=4)] == [0, 0, 0, 1]


def test_a_crash_rereads_what_was_read_but_not_committed():
    topic = filled_topic(partitions=2, records=10)
    group = ConsumerGroup("g", topic, ["c0", "c1"])
    group.poll("c0", max_records=2)
    group.commit("c0")
    read = group.poll("c0", max_records=2)  # read, then crash before committing
    diff = group.crash("c0")
    assert diff.left == ["c0"] and [m.after for m in diff.moved] == ["c1"]
    reread = group.poll("c1")
    assert [r.value for r in read] == [r.value for r in reread[:2]]
    assert group.duplicates == 2


def test_a_clean_leave_commits_first_so_nothing_is_read_twice():
    topic = filled_topic(partitions=2, records=10)
    group = ConsumerGroup("g", topic, ["c0", "c1"])
    group.poll("c0", max_records=3)
    group.leave("c0")
    drain(group)
    assert group.duplicates == 0 and group.delivered == 10


def test_joining_rebalances_and_the_newcomer_starts_at_the_committed_offset():
    topic = filled_topic(partitions=2, records=10)
    group = ConsumerGroup("g", topic, ["c0"], strategy="sticky")
    drain(group)
    for i in range(4):
        topic.append(i % 2, value=100 + i)
    diff = group.join("c1")
    assert diff.joined == ["c1"] and len(diff.moved) == 1
    assert [r.value for r in group.poll("c1")] in ([100, 102], [101, 103])
    assert len(group.history) == 2  # the initial assignment, then the join


def test_group_membership_errors_are_clear():
    group = ConsumerGroup("g", Topic("rides", 2), ["c0"])
    with pytest.raises(ValueError, match=r"member must be one of the members of group 'g': 'c0' \(got 'c9'\)"):
        group.poll("c9")
    with pytest.raises(ValueError, match="member 'c0' is already in group 'g'"):
        group.join("c0")
    with pytest.raises(ValueError, match=r"strategy must be one of .* \(got 'fair'\)"):
        ConsumerGroup("g", Topic("rides", 2), strategy="fair")
    with pytest.raises(ValueError, match="topics must be one or more Topic objects"):
        ConsumerGroup("g", "rides")


# ---------------------------------------------------------------- the simulated dashboard


def test_with_6_partitions_and_8_consumers_the_simulation_shows_2_idle_consumers():
    res = simulate(GroupScenario(partitions=6, consumers=8, groups=1), until=1)
    assert res.idle() == {"dashboard": ["c6", "c7"]}
    assert res.summary().idle == 2


def test_both_groups_read_every_record_when_they_keep_up():
    res = simulate(GroupScenario(rate=100, consumer_rate=200, commit_interval=0.1), until=5)
    final = {(s.group, s.partition): s for s in res.records if s.t == res.records[-1].t}
    assert set(res.assignments) == {"dashboard", "archiver"}
    for group in res.assignments:
        assert sum(final[(group, p)].committed for p in range(6)) == sum(res.produced) - sum(
            s.lag for s in final.values() if s.group == group
        )
    assert res.summary().max_lag < 60  # at most about one tick of records waits


def test_samples_are_flat_and_lag_is_end_offset_minus_committed():
    res = simulate(GroupScenario(), until=2)
    assert len(res.records) == 20 * 2 * 6  # 20 ticks, 2 groups, 6 partitions
    assert all(s.lag == s.end_offset - s.committed >= 0 for s in res.records)
    assert {s.owner for s in res.records if s.group == "dashboard"} == {"c0", "c1", "c2"}


def test_a_slow_group_lags_while_a_fast_one_keeps_up():
    res = simulate(GroupScenario(consumers=(1, 3), rate=200, consumer_rate=100), until=5)
    lag = res.lag()
    assert sum(lag["dashboard"].values()) > 300 > sum(lag["archiver"].values())


def test_a_hot_key_makes_one_partition_lag_while_the_others_keep_up():
    res = simulate(GroupScenario(skew=2.0, consumers=6, groups=1, consumer_rate=60), until=10)
    lag = res.lag()["dashboard"]
    hot = max(range(6), key=lambda p: res.produced[p])
    assert lag[hot] > 500 and all(lag[p] == 0 for p in range(6) if p != hot)


def test_a_crash_is_noticed_after_the_session_timeout_and_causes_duplicates_in_that_group_only():
    res = simulate(GroupScenario(crash_at=2.55, session_timeout=1.0), until=6)
    (event,) = res.rebalances
    assert (event.group, event.reason) == ("dashboard", "crash c0")
    assert event.t == pytest.approx(3.55)
    assert event.diff.left == ["c0"]
    assert res.duplicates["dashboard"] > 0 and res.duplicates["archiver"] == 0
    assert "c0" not in res.assignments["dashboard"]


def test_cooperative_rebalancing_lags_less_than_eager_in_the_crash_scenario():
    common = dict(strategy="sticky", crash_at=3, consumer_rate=80, rebalance_time=1.0)
    eager = simulate(GroupScenario(protocol="eager", **common), until=10).summary()
    cooperative = simulate(GroupScenario(protocol="cooperative", **common), until=10).summary()
    assert cooperative.max_lag < eager.max_lag


@pytest.mark.parametrize("strategy", ["range", "roundrobin"])
def test_a_group_refuses_cooperative_rebalancing_with_an_eager_assignor(strategy):
    topic = Topic("rides", 3)
    with pytest.raises(RefusedSetting, match=f"protocol must be 'eager' with strategy '{strategy}'"):
        ConsumerGroup("dashboard", topic, ["c0"], strategy=strategy, protocol="cooperative")
    with pytest.raises(ValueError, match="cooperative sticky assignor; choose strategy 'sticky' or protocol 'eager'"):
        GroupScenario(strategy=strategy, protocol="cooperative")


def test_a_joining_consumer_takes_partitions_at_join_time():
    res = simulate(GroupScenario(consumers=2, join_at=1.0, strategy="sticky"), until=3)
    (event,) = res.rebalances
    assert event.reason == "join c2" and len(event.diff.moved) == 2
    assert len(res.assignments["dashboard"]["c2"]) == 2


def test_the_same_seed_gives_the_same_run():
    a = simulate(GroupScenario(skew=1.0), until=3, seed=5)
    b = simulate(GroupScenario(skew=1.0), until=3, seed=5)
    c = simulate(GroupScenario(skew=1.0), until=3, seed=6)
    assert a.records == b.records and a.produced == b.produced
    assert c.produced != a.produced  # the seed is the only source of randomness, and it matters


def test_group_names_start_with_the_story():
    assert group_names(1) == ["dashboard"] and group_names(4)[-1] == "group3"
    assert len(set(group_names(100))) == 100


@pytest.mark.parametrize("bad", [-1, 0, 1.5, True, None, "2"])
def test_group_names_refuses_a_count_that_is_not_a_positive_whole_number(bad):
    # regression: group_names(-1) used to return ['dashboard']
    with pytest.raises(ValueError, match=r"groups must be a whole number of at least 1"):
        group_names(bad)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"partitions": 0}, "partitions must be a whole number of at least 1"),
        ({"consumers": 0}, "consumers must be a whole number of at least 1"),
        ({"consumers": (2, 3, 4)}, r"consumers must list one number per group, 2 here \(got \(2, 3, 4\)\)"),
        ({"strategy": "sticky-ish"}, r"strategy must be one of 'range', 'roundrobin', 'sticky' \(got 'sticky-ish'\)"),
        ({"protocol": "lazy"}, r"protocol must be one of 'eager', 'cooperative' \(got 'lazy'\)"),
        ({"crash_at": -1}, r"crash_at must be a number from 0 to 1e\+06 \(got -1\)"),
        ({"tick": 0}, "tick must be a positive number"),
        ({"rate": float("nan")}, r"rate must be a number from 0 to 1e\+07 \(got nan\)"),
    ],
)
def test_bad_scenarios_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GroupScenario(**kwargs)


def test_runs_are_bounded():
    with pytest.raises(ValueError, match=r"until must be at most 0.2 s at rate 1e\+06 \(got 10\)"):
        simulate(GroupScenario(rate=1e6), until=10)
    with pytest.raises(ValueError, match=r"until must be at most 0.02 s with tick=1e-06 \(got 10\)"):
        simulate(GroupScenario(tick=1e-6), until=10)
    with pytest.raises(ValueError, match=r"until must be a positive number of at most 1e\+06 \(got inf\)"):
        simulate(GroupScenario(), until=float("inf"))
