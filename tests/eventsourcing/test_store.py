"""The event store's contract: atomic appends, optimistic concurrency, versions and positions without gaps."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.eventsourcing import MAX_STORED, ConcurrencyError, EventStore, RecordedEvent, compact_streams

STREAMS = [f"s{i}" for i in range(8)]
appends = st.lists(st.tuples(st.sampled_from(STREAMS), st.integers(min_value=0, max_value=4)), max_size=40)


def filled(batches):
    store = EventStore()
    for stream, size in batches:
        store.append(stream, [f"{stream}:{store.version(stream) + k + 1}" for k in range(size)])
    return store


def test_a_new_stream_is_at_version_zero_and_appends_return_the_new_version():
    store = EventStore()
    assert store.version("ride-1") == 0 and store.read("ride-1") == [] and store.read_all() == []
    assert store.append("ride-1", ["a"], expected_version=0) == 1
    assert store.append("ride-1", ["b", "c"], expected_version=1) == 3
    assert store.append("ride-2", ["x"]) == 1
    assert [(r.stream, r.version, r.position, r.event) for r in store.read_all()] == [
        ("ride-1", 1, 1, "a"),
        ("ride-1", 2, 2, "b"),
        ("ride-1", 3, 3, "c"),
        ("ride-2", 1, 4, "x"),
    ]
    assert store.read("ride-1", after=2) == [RecordedEvent("ride-1", 3, 3, "c")]
    assert [r.position for r in store.read_all(after=2)] == [3, 4]


def test_the_recorded_event_is_the_object_appended():
    store, event = EventStore(), object()
    store.append("s", [event])
    assert store.read("s")[0].event is event and store.read_all()[0].type == "object"


def test_a_conflict_names_the_stream_both_versions_and_the_fix():
    store = EventStore()
    store.append("ride-7", ["a", "b"])
    with pytest.raises(ConcurrencyError) as info:
        store.append("ride-7", ["c"], expected_version=1)
    assert (info.value.stream, info.value.expected, info.value.actual) == ("ride-7", 1, 2)
    assert "load the stream again, decide again and retry" in str(info.value)
    with pytest.raises(ConcurrencyError):
        store.append("ride-8", ["a"], expected_version=3)  # a new stream is at 0
    assert store.version("ride-8") == 0 and "ride-8" not in store.streams()


@given(appends, st.sampled_from(STREAMS), st.integers(min_value=0, max_value=12), st.integers(1, 3))
def test_a_stale_expected_version_raises_and_appends_nothing(batches, stream, expected, size):
    store = filled(batches)
    before, versions = store.read_all(), {s: store.version(s) for s in STREAMS}
    if expected == store.version(stream):
        return
    with pytest.raises(ConcurrencyError):
        store.append(stream, ["late"] * size, expected_version=expected)
    assert store.read_all() == before and {s: store.version(s) for s in STREAMS} == versions


@given(appends)
def test_positions_and_versions_have_no_gaps(batches):
    store = filled(batches)
    everything = store.read_all()
    assert [r.position for r in everything] == list(range(1, len(everything) + 1)) and store.position == len(store)
    for stream in store.streams():
        recorded = store.read(stream)
        assert [r.version for r in recorded] == list(range(1, store.version(stream) + 1))
        assert [r.event for r in recorded] == [f"{stream}:{v}" for v in range(1, len(recorded) + 1)]
        assert recorded == [r for r in everything if r.stream == stream]
    for after in (0, len(everything) // 2, len(everything)):
        assert store.read_all(after=after) == everything[after:]


@given(appends)
def test_an_empty_append_changes_nothing_but_still_checks_the_version(batches):
    store = filled(batches)
    before = store.read_all()
    assert store.append("s0", [], expected_version=store.version("s0")) == store.version("s0")
    assert store.read_all() == before


def test_a_bad_event_in_a_batch_appends_none_of_it():
    store = EventStore()
    with pytest.raises(ValueError, match=r"events must not hold None \(got None at events\[1\]\)"):
        store.append("s", ["a", None, "c"])
    assert len(store) == 0 and store.version("s") == 0
    with pytest.raises(ValueError, match="wrap a single event in a list"):
        store.append("s", "a single event")


def test_the_store_refuses_to_grow_past_its_bound(monkeypatch):
    import course.eventsourcing.store as module

    monkeypatch.setattr(module, "MAX_STORED", 3)
    store = EventStore()
    store.append("s", ["a", "b"])
    with pytest.raises(ValueError, match="holds at most 3 events"):
        store.append("s", ["c", "d"])
    assert len(store) == 2 and MAX_STORED == 10_000_000


def test_compaction_keeps_only_the_last_event_per_key_in_position_order():
    store = EventStore()
    for stream, event in [("a", 1), ("b", 1), ("a", 2), ("c", 1), ("b", 2)]:
        store.append(stream, [event])
    kept = compact_streams(store.read_all())
    assert [(r.stream, r.event) for r in kept] == [("a", 2), ("c", 1), ("b", 2)]
    by_parity = compact_streams(store.read_all(), key=lambda r: r.event % 2)
    assert [(r.stream, r.event) for r in by_parity] == [("c", 1), ("b", 2)]
