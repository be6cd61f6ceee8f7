"""Topics as append-only logs, and the producer's partitioner (Kafka's murmur2 rule)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.streams import Producer, Topic, draw_keys, murmur2, partition_counts, partition_for

# Kafka's own test vectors (UtilsTest.testMurmur2 in apache/kafka)
KAFKA_MURMUR2 = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.parametrize(("data", "expected"), KAFKA_MURMUR2.items())
def test_murmur2_matches_kafkas_test_vectors(data, expected):
    assert murmur2(data) == expected


def test_partition_for_masks_the_sign_bit_like_kafkas_to_positive():
    # murmur2(b"21") is negative: Kafka keeps the low 31 bits, it does not take abs()
    assert partition_for("21", 6) == (-973932308 & 0x7FFFFFFF) % 6 == 0
    assert partition_for(b"abc", 7) == 479470107 % 7


@given(st.text(), st.integers(1, 64))
def test_every_key_lands_on_one_valid_partition_every_time(key, partitions):
    p = partition_for(key, partitions)
    assert 0 <= p < partitions and partition_for(key, partitions) == p


def test_offsets_count_from_zero_per_partition_and_reading_does_not_remove():
    topic = Topic("rides", partitions=2)
    offsets = [topic.append(p, key=i).offset for i, p in enumerate([0, 0, 1, 0])]
    assert offsets == [0, 1, 0, 2]
    assert topic.end_offsets() == [3, 1]
    assert [r.key for r in topic.read(0, 1)] == [1, 3]
    assert [r.key for r in topic.read(0, 0, max_records=2)] == [0, 1]
    assert topic.end_offset(0) == 3 and repr(topic) == "Topic('rides', partitions=2, records=4)"


def test_a_keyed_record_always_goes_to_the_same_partition_and_keyless_ones_round_robin():
    topic = Topic("rides", partitions=3)
    producer = Producer(topic)
    assert {producer.send("paris").partition for _ in range(5)} == {partition_for("paris", 3)}
    assert [producer.send().partition for _ in range(6)] == [0, 1, 2, 0, 1, 2]


def test_order_holds_within_a_partition():
    topic = Topic("rides", partitions=4)
    producer = Producer(topic)
    for i in range(20):
        producer.send("paris", value=i)
    log = topic.read(partition_for("paris", 4))
    assert [r.value for r in log] == list(range(20)) and [r.offset for r in log] == list(range(20))


def test_a_hot_key_skews_its_partition():
    even = partition_counts(draw_keys(6000, keys=60, skew=0.0, seed=1), partitions=6)
    hot = partition_counts(draw_keys(6000, keys=60, skew=1.5, seed=1), partitions=6)
    assert max(even) < 1.5 * 1000  # no partition far above its 1/6 share
    assert max(hot) > 2 * 1000  # "k0" alone is over a third of the records
    assert sum(even) == sum(hot) == 6000


def test_draw_keys_is_reproducible_from_its_seed():
    assert draw_keys(50, seed=3) == draw_keys(50, seed=3) != draw_keys(50, seed=4)


def test_zero_partitions_is_refused_with_a_reason():
    with pytest.raises(ValueError, match=r"partitions must be a whole number of at least 1 \(got 0\): a topic needs"):
        Topic("rides", partitions=0)
    with pytest.raises(ValueError, match="partitions must be a whole number of at least 1"):
        partition_for("paris", 0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Topic("rides", 2).append(2), r"partition must be a whole number of at most 1 \(got 2\)"),
        (lambda: Topic("", 2), "name must be a non-empty string"),
        (lambda: partition_for(1.5, 3), r"key must be .* \(got 1.5\)"),
        (lambda: murmur2("text"), r"data must be a bytes"),
        (lambda: Producer("rides"), "topic must be a Topic"),
        (lambda: draw_keys(10, skew=-1), "skew must be a number from 0 to 10"),
        (lambda: Topic("rides", 2).read(0, offset=-1), "offset must be a whole number of at least 0"),
    ],
)
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
