"""Stable hashing: Kafka's murmur2 and default partitioner, and a process-independent hash."""

import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.sim import murmur2, partition_for, stable_hash

# Apache Kafka's own test vectors (org.apache.kafka.common.utils.UtilsTest.testMurmur2).
KAFKA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
    b"": 275646681,
}


@pytest.mark.parametrize(("data", "expected"), KAFKA_VECTORS.items())
def test_murmur2_matches_kafkas_java_client(data, expected):
    assert murmur2(data) == expected


@given(key=st.text(), partitions=st.integers(1, 1000))
def test_a_key_lands_on_kafkas_partition_for_it(key, partitions):
    expected = (murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions
    assert partition_for(key, partitions) == expected
    assert 0 <= expected < partitions


@given(key=st.integers(-(10**12), 10**12))
def test_an_int_key_hashes_as_its_digits(key):
    assert partition_for(key, 12) == partition_for(str(key), 12)


def test_the_stable_hash_is_the_same_in_another_process():
    # Python's own hash() of a string is salted per process: the stable hash must not be.
    code = "from course.sim import stable_hash; print(stable_hash('client-1'), hash('client-1'))"
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        for _ in range(2)
    ]
    ours, theirs = zip(*(r.stdout.split() for r in runs), strict=True)
    assert ours[0] == ours[1] == str(stable_hash("client-1"))
    assert theirs[0] != theirs[1]


@pytest.mark.parametrize("key", [1.5, None, True, ["paris"]])
def test_a_key_that_is_not_text_bytes_or_an_int_is_refused(key):
    with pytest.raises(ValueError, match=r"^key must be a str or a bytes or a bytearray or an int"):
        partition_for(key, 6)


def test_murmur2_hashes_bytes_only():
    with pytest.raises(ValueError, match=r"^data must be a bytes or a bytearray \(got 'text'\)"):
        murmur2("text")
