"""Watermarks, allowed lateness and late events, with Flink's firing and dropping rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.streams import (
    Count,
    Event,
    Session,
    Sliding,
    Tumbling,
    WindowScenario,
    event_stream,
    simulate,
    tumbling_window,
)


def run_windows(events, assigner, **settings):
    """Window `events` with the scenario's rules; the run lasts until the last event happens."""
    scenario = WindowScenario(events=events, assigner=assigner, **settings)
    return simulate(scenario, until=max([1, *(e.time for e in scenario.events)]))


def fired(run):
    return [(f.key, f.start, f.end, f.value, f.kind) for f in run.firings]


def test_the_watermark_is_the_max_event_time_seen_minus_the_out_of_orderness():
    run = run_windows([Event(5), Event(3), Event(9)], Tumbling(10), out_of_orderness=2)
    assert [(w.seq, w.time, w.watermark) for w in run.watermarks] == [(0, 5, 3), (1, 3, 3), (2, 9, 7)]


def test_a_window_fires_exactly_when_the_watermark_reaches_its_end():
    events = [Event(1), Event(11), Event(12)]
    run = run_windows(events, Tumbling(10), out_of_orderness=2, flush=False)
    # after t=11 the watermark is 9 (< 10): nothing; after t=12 it is 10: [0, 10) fires
    assert [(f.start, f.value, f.kind, f.seq, f.watermark) for f in run.firings] == [(0, 1, "on_time", 2, 10)]
    assert run.pending == [("all", 10, 20, 2, 2)]


def test_a_late_event_within_allowed_lateness_refires_the_window_with_the_updated_result():
    events = [Event(1), Event(12), Event(4)]
    run = run_windows(events, Tumbling(10), allowed_lateness=5, flush=False)
    assert fired(run) == [("all", 0, 10, 1, "on_time"), ("all", 0, 10, 2, "late")]
    assert run.results()[("all", 0, 10)] == 2 and run.dropped == []


@pytest.mark.parametrize(("last_seen", "accepted"), [(14, True), (15, False)])
def test_lateness_ends_when_the_watermark_reaches_end_plus_allowed_lateness(last_seen, accepted):
    # window [0, 10), allowed lateness 5: an event for it is accepted while the watermark is below 15
    run = run_windows([Event(1), Event(last_seen), Event(4)], Tumbling(10), allowed_lateness=5, flush=False)
    assert (len(run.dropped) == 0) is accepted
    if not accepted:
        (drop,) = run.dropped
        assert (drop.time, drop.watermark, drop.seq) == (4, 15, 2)


def test_with_no_allowed_lateness_an_event_behind_the_watermark_is_dropped_and_reported():
    run = run_windows([Event(1, "paris", 3, arrival=1.5), Event(10), Event(9, "paris", 7, arrival=20.0)], Tumbling(10))
    assert [(d.key, d.time, d.value, d.at) for d in run.dropped] == [("paris", 9, 7, 20.0)]
    assert run.results()[("paris", 0, 10)] == 3


def test_an_event_partly_late_for_sliding_windows_joins_the_windows_still_open():
    run = run_windows([Event(1), Event(10), Event(7)], Sliding(10, 5), flush=False)
    # at the third event the watermark is 10: [0, 10) is gone, but [5, 15) is still open
    assert run.dropped == []
    assert run.pending == [("all", 5, 15, 2, 2), ("all", 10, 20, 1, 1)]


def test_a_late_event_can_merge_into_a_fired_session_and_refire_it():
    run = run_windows([Event(0), Event(20), Event(4)], Session(5), allowed_lateness=20, flush=False)
    assert fired(run) == [("all", 0, 5, 1, "on_time"), ("all", 0, 9, 2, "late")]


def test_a_late_event_that_bridges_two_open_sessions_merges_them():
    run = run_windows([Event(0), Event(10), Event(5)], Session(5), out_of_orderness=10, flush=True)
    assert fired(run) == [("all", 0, 15, 3, "end_of_stream")]


def test_keys_are_windowed_separately_and_fire_in_end_order():
    events = [Event(1, "lyon"), Event(2, "paris"), Event(3, "paris"), Event(25, "rome")]
    run = run_windows(events, Tumbling(10))
    assert fired(run)[:2] == [("lyon", 0, 10, 1, "on_time"), ("paris", 0, 10, 2, "on_time")]
    assert fired(run)[2] == ("rome", 20, 30, 1, "end_of_stream")


def test_the_final_watermark_fires_every_open_window_at_the_end_of_input():
    run = run_windows([Event(1), Event(15)], Tumbling(10), out_of_orderness=100)
    assert [(f.start, f.kind, f.seq) for f in run.firings] == [(0, "end_of_stream", 2), (10, "end_of_stream", 2)]


def test_processing_time_windows_use_arrival_times_and_never_drop():
    events = [Event(-5, arrival=1), Event(2, arrival=3), Event(-40, arrival=12)]
    run = run_windows(events, Tumbling(10), time="processing")
    assert [(f.start, f.value, f.at) for f in run.firings] == [(0, 2, 10), (10, 1, 12)]
    assert run.dropped == []


def test_count_windows_fire_on_their_last_event_and_keep_partial_ones_pending():
    events = [Event(t, key) for t, key in [(1, "a"), (2, "b"), (3, "a"), (4, "a"), (5, "a"), (6, "b")]]
    run = run_windows(events, Count(3))
    assert [(f.key, f.start, f.end, f.value, f.seq) for f in run.firings] == [("a", 0, 3, 3, 3)]
    assert sorted(run.pending) == [("a", 3, 6, 1, 1), ("b", 0, 3, 2, 2)]


def test_events_can_be_plain_tuples():
    assert fired(run_windows([(1, "k", 2), (3, "k", 5)], Tumbling(10))) == [("k", 0, 10, 7, "end_of_stream")]


@given(
    st.lists(st.tuples(st.integers(-50, 50), st.sampled_from("ab"), st.integers(1, 9)), max_size=40),
    st.integers(0, 20),
    st.integers(0, 20),
)
def test_each_tumbling_window_finally_shows_the_sum_of_the_events_not_dropped(raw, ooo, lateness):
    run = run_windows(raw, Tumbling(10), out_of_orderness=ooo, allowed_lateness=lateness)
    dropped = {d.seq for d in run.dropped}
    expected = {}
    for seq, (t, key, value) in enumerate(raw):
        if seq not in dropped:
            w = (key, *tumbling_window(t, 10))
            expected[w] = expected.get(w, 0) + value
    assert run.results() == expected
    regular = [(f.key, f.start, f.end) for f in run.firings if f.kind != "late"]
    assert len(regular) == len(set(regular))  # the watermark fires a window at most once; only late events re-fire


@given(st.integers(0, 50), st.sampled_from([0.5, 2.0, 5.0]))
def test_nothing_is_late_when_out_of_orderness_covers_the_real_delay(seed, max_delay):
    events = event_stream(rate=5, until=30, max_delay=max_delay, seed=seed)
    run = run_windows(events, Tumbling(5), out_of_orderness=max_delay + 0.001)
    assert run.dropped == [] and all(f.kind != "late" for f in run.firings)


def test_stragglers_beyond_the_allowed_lateness_are_dropped():
    events = event_stream(rate=5, until=60, max_delay=1, straggler_fraction=0.1, straggler_delay=30, seed=2)
    strict = run_windows(events, Tumbling(10), out_of_orderness=1, allowed_lateness=0)
    lenient = run_windows(events, Tumbling(10), out_of_orderness=1, allowed_lateness=60)
    assert len(strict.dropped) > 0 and lenient.dropped == []
    assert sum(f.kind == "late" for f in lenient.firings) > 0
    assert repr(strict).startswith("WindowResults(") and "dropped=" in repr(strict)


def test_event_streams_are_reproducible_and_sorted_by_arrival():
    a = event_stream(rate=3, until=20, seed=7)
    assert a == event_stream(rate=3, until=20, seed=7) != event_stream(rate=3, until=20, seed=8)
    assert [e.arrival for e in a] == sorted(e.arrival for e in a)
    assert {e.key for e in a} <= {"paris", "lyon", "rome"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: WindowScenario(out_of_orderness=-1), r"out_of_orderness must be a number from 0 to 1e\+06 \(got -1\)"),
        (lambda: WindowScenario(allowed_lateness=-5), r"allowed_lateness must be a number from 0 to 1e\+06 \(got -5\)"),
        (lambda: WindowScenario(time="wall"), r"time must be one of 'event', 'processing' \(got 'wall'\)"),
        (
            lambda: WindowScenario(events=[Event(1)], time="processing"),
            r"events\[0\].arrival must be a time: processing-time windows need one",
        ),
        (
            lambda: WindowScenario(events=[Event(1, arrival=5), Event(2, arrival=4)], time="processing"),
            r"events\[1\].arrival must not go backwards",
        ),
        (lambda: WindowScenario(assigner=10), r"assigner must be a Tumbling or a Sliding or a Session or a Count"),
        (lambda: WindowScenario(events=["soon"]), r"events\[0\] must be an Event or a tuple"),
        (lambda: WindowScenario(events=[Event(float("inf"))]), r"events\[0\].time must be a number"),
        (lambda: WindowScenario(events=[Event(1, value=float("nan"))]), r"events\[0\].value must be a finite number"),
        (lambda: WindowScenario(events=[Event(1, key=[1])]), r"events\[0\].key must be hashable"),
        (lambda: WindowScenario(events=5), r"events must be a list of Event"),
        (lambda: simulate(WindowScenario(events=[Event(30)]), until=20), r"until must be at least 30"),
        (lambda: event_stream(straggler_fraction=2), r"straggler_fraction must be a number from 0 to 1 \(got 2\)"),
        (lambda: event_stream(rate=1e6, until=1e3), r"rate \* until must be at most 100,000 events"),
        (lambda: event_stream(keys=()), "keys must be a non-empty list of keys"),
    ],
)
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
