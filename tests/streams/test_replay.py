"""Event sourcing: replaying a topic from offset 0 rebuilds the state a live consumer kept."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.streams import ConsumerGroup, Producer, Topic, count_by_key, replay

CITIES = ["paris", "lyon", "rome", "oslo", "lima"]


def test_count_by_key_returns_a_new_dict_and_leaves_the_old_one_alone():
    before = {"paris": 1}
    record = Topic("rides", 1).append(0, key="paris")
    assert count_by_key(before, record) == {"paris": 2}
    assert before == {"paris": 1}


@given(st.lists(st.sampled_from(CITIES), max_size=80), st.integers(1, 6), st.integers(1, 10))
def test_replaying_from_offset_0_equals_the_state_a_live_consumer_built(cities, partitions, batch):
    topic = Topic("rides", partitions)
    producer = Producer(topic)
    group = ConsumerGroup("dashboard", topic, ["c0", "c1"])
    live: dict[str, int] = {}
    for i, city in enumerate(cities):  # records arrive while the dashboard polls in small batches
        producer.send(city)
        if i % 3 == 0:
            for member in group.members:
                for record in group.poll(member, max_records=batch):
                    live = count_by_key(live, record)
    for member in group.members:
        for record in group.poll(member):
            live = count_by_key(live, record)
    assert replay(topic, count_by_key, {}) == live == {c: cities.count(c) for c in set(cities)}


def test_upto_replays_a_prefix_of_each_partition():
    topic = Topic("rides", 2)
    for city in ["paris", "paris", "paris"]:
        topic.append(0, key=city)
    topic.append(1, key="rome")
    assert replay(topic, count_by_key, {}, upto=[2, 1]) == {"paris": 2, "rome": 1}
    assert replay(topic, count_by_key, {}, upto=[0, 0]) == {}


@pytest.mark.parametrize(
    "args, message",
    [
        (("not a topic", count_by_key, {}), "topic must be a Topic"),
        ((Topic("rides", 2), "count", {}), "apply must be a function"),
        ((Topic("rides", 2), count_by_key, {}, [0]), "one end offset per partition"),
        (
            (Topic("rides", 2), count_by_key, {}, [0, 5]),
            r"upto\[1\] must be a whole number of at most 0 \(got 5\): partition 1 holds 0 records",
        ),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(ValueError, match=message):
        replay(*args)
