"""Window assignment at its boundaries, matching Flink's assigners."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.streams import (
    Count,
    Session,
    Sliding,
    Tumbling,
    assigner_for,
    count_window,
    session_windows,
    sliding_windows,
    tumbling_window,
)

times = st.integers(-10_000, 10_000)


# ---------------------------------------------------------------- tumbling


def test_tumbling_windows_are_half_open_at_their_exact_edges():
    assert tumbling_window(0, 60) == (0, 60)
    assert tumbling_window(59, 60) == (0, 60)
    assert tumbling_window(60, 60) == (60, 120)  # the end belongs to the next window


def test_tumbling_windows_handle_negative_timestamps_with_a_floored_mod():
    assert tumbling_window(-1, 60) == (-60, 0)
    assert tumbling_window(-60, 60) == (-60, 0)
    assert tumbling_window(-61, 60) == (-120, -60)
    assert tumbling_window(-130, 60) == (-180, -120)  # Flink 1.x's old formula got this one wrong


def test_tumbling_offsets_shift_the_grid_both_ways():
    assert tumbling_window(14, 60, offset=15) == (-45, 15)
    assert tumbling_window(15, 60, offset=15) == (15, 75)
    assert tumbling_window(-46, 60, offset=-45) == (-105, -45)
    assert tumbling_window(-45, 60, offset=-45) == (-45, 15)


@given(times, st.integers(1, 500), st.data())
def test_tumbling_start_is_ts_minus_ts_minus_offset_mod_size(ts, size, data):
    offset = data.draw(st.integers(-size + 1, size - 1))
    start, end = tumbling_window(ts, size, offset)
    assert start == ts - (ts - offset) % size
    assert start <= ts < end == start + size
    assert (start - offset) % size == 0


@given(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.1, 0.25, 1.0, 7.5, 60.0]))
def test_float_timestamps_always_land_inside_their_window(ts, size):
    start, end = tumbling_window(ts, size)
    assert start <= ts < end


def test_fractional_windows_stay_exact_with_floats_on_whole_grids():
    assert tumbling_window(12.345, 10) == (10, 20)
    assert tumbling_window(-0.5, 1) == (-1, 0)


# ---------------------------------------------------------------- sliding


def test_sliding_windows_list_every_window_holding_the_event_sorted_by_start():
    assert sliding_windows(7, size=10, slide=5) == [(0, 10), (5, 15)]
    assert sliding_windows(10, size=10, slide=5) == [(5, 15), (10, 20)]  # (0, 10) ends at 10: excluded
    assert sliding_windows(0, size=15, slide=5) == [(-10, 5), (-5, 10), (0, 15)]


def test_sliding_windows_with_negative_timestamps_and_offsets():
    assert sliding_windows(-3, size=10, slide=5) == [(-10, 0), (-5, 5)]
    assert sliding_windows(-3, size=10, slide=5, offset=-2) == [(-12, -2), (-7, 3)]
    assert sliding_windows(1, size=10, slide=5, offset=2) == [(-8, 2), (-3, 7)]


def test_a_slide_equal_to_the_size_gives_the_tumbling_window():
    assert sliding_windows(61, size=60, slide=60) == [tumbling_window(61, 60)]


@given(times, st.integers(1, 50), st.integers(1, 50), st.data())
def test_sliding_windows_are_exactly_the_grid_windows_that_contain_ts(ts, slide, extra, data):
    size = slide + extra - 1  # any size >= slide
    offset = data.draw(st.integers(-slide + 1, slide - 1))
    got = sliding_windows(ts, size, slide, offset)
    # brute force: windows start on the grid offset + k * slide and hold ts
    expected = []
    for k in range((ts - size - offset) // slide - 1, (ts - offset) // slide + 2):
        start = offset + k * slide
        if start <= ts < start + size:
            expected.append((start, start + size))
    assert got == expected
    if size % slide == 0:
        assert len(got) == size // slide


# ---------------------------------------------------------------- sessions


def test_touching_sessions_merge_as_in_flink():
    # events exactly `gap` apart: [0, 5) and [5, 10) touch, and Flink's TimeWindow.intersects merges them
    assert session_windows([0, 5], gap=5) == [(0, 10)]
    assert session_windows([0, 6], gap=5) == [(0, 5), (6, 11)]


def test_sessions_accept_unsorted_input_and_duplicate_timestamps():
    assert session_windows([30, 2, 1, 30, 12], gap=10) == [(1, 22), (30, 40)]
    assert session_windows([-5, -20], gap=10) == [(-20, -10), (-5, 5)]


@given(st.lists(times, max_size=30), st.integers(1, 200), st.randoms())
def test_sessions_split_exactly_where_events_are_more_than_gap_apart(stamps, gap, rnd):
    sessions = session_windows(stamps, gap)
    shuffled = stamps[:]
    rnd.shuffle(shuffled)
    assert session_windows(shuffled, gap) == sessions  # any arrival order
    ordered = sorted(stamps)
    breaks = sum(1 for a, b in itertools.pairwise(ordered) if b - a > gap)
    assert len(sessions) == (breaks + 1 if stamps else 0)
    for t in stamps:
        assert sum(1 for s, e in sessions if s <= t < e) == 1
    for (_, e1), (s2, _) in itertools.pairwise(sessions):
        assert s2 > e1  # sessions never touch each other
    assert all(e - gap in stamps and s in stamps for s, e in sessions)  # [first, last + gap)


# ---------------------------------------------------------------- count windows and assigner objects


def test_count_windows_group_every_size_events():
    assert [count_window(i, 3) for i in (0, 2, 3, 5, 6)] == [(0, 3), (0, 3), (3, 6), (3, 6), (6, 9)]


def test_assigner_objects_agree_with_the_functions():
    assert Tumbling(60, offset=15).windows(14) == [tumbling_window(14, 60, 15)]
    assert Sliding(10, 5).windows(7) == sliding_windows(7, 10, 5)
    assert Session(30).windows(100) == [(100, 130)]
    assert repr(Tumbling(60)) == "Tumbling(size=60, offset=0)"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sliding_windows(1, size=5, slide=10), r"slide must be a positive number of at most 5 \(got 10\)"),
        (lambda: Sliding(5, 10), r"slide must be a positive number of at most 5 \(got 10\)"),
        (lambda: sliding_windows(1, size=1e6, slide=1), r"slide must be at least size / 1,000 = 1000 \(got 1\)"),
        (lambda: session_windows([1, 2], gap=-1), r"gap must be a positive number of at most 1e\+12 \(got -1\)"),
        (lambda: Session(0), "gap must be a positive number"),
        (lambda: tumbling_window(1, size=0), "size must be a positive number"),
        (lambda: Tumbling(-60), "size must be a positive number"),
        (lambda: sliding_windows(1, size=10, slide=0), "slide must be a positive number"),
        (lambda: tumbling_window(1, size=60, offset=60), "offset must be smaller than size=60 in absolute value"),
        (lambda: sliding_windows(1, size=10, slide=5, offset=-5), "offset must be smaller than slide=5"),
        (lambda: tumbling_window(float("nan"), 60), r"ts must be a number from -1e\+12 to 1e\+12 \(got nan\)"),
        (lambda: tumbling_window(True, 60), r"ts must be a number .* \(got True\)"),
        (lambda: session_windows(["1"], gap=5), r"timestamps must be a number .* \(got '1'\)"),
        (lambda: session_windows(5, gap=5), r"timestamps must be a list of times"),
        (lambda: Count(0), "size must be a whole number of at least 1"),
        (lambda: count_window(-1, 3), r"index must be a whole number of at least 0 \(got -1\)"),
        (lambda: assigner_for("hopping", 10), r"kind must be one of 'tumbling', 'sliding', 'session', 'count'"),
        (lambda: assigner_for("count", 2.5), r"size must be a whole number of at least 1 \(got 2.5\)"),
    ],
)
def test_bad_window_parameters_get_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
