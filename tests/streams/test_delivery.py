"""Delivery semantics from commit timing: at-least-once duplicates, at-most-once losses, on a crash."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.streams import crash_demo


def test_commit_after_processing_duplicates_the_records_since_the_last_commit():
    res = crash_demo("after", records=10, batch=4, crash_after=6)
    assert res.guarantee == "at-least-once"
    assert res.processed == [0, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9]
    assert (res.duplicates, res.lost) == (2, 0)


def test_commit_before_processing_loses_the_rest_of_the_batch():
    res = crash_demo("before", records=10, batch=4, crash_after=6)
    assert res.guarantee == "at-most-once"
    assert res.processed == [0, 1, 2, 3, 4, 5, 8, 9]
    assert (res.duplicates, res.lost) == (0, 2)


def test_the_step_log_shows_poll_process_commit_and_crash_in_order():
    steps = crash_demo("after", records=4, batch=2, crash_after=3).steps
    assert [(s.consumer, s.action, s.offset) for s in steps] == [
        ("c0", "poll", 0),
        ("c0", "process", 0),
        ("c0", "process", 1),
        ("c0", "commit", 2),
        ("c0", "poll", 2),
        ("c0", "process", 2),
        ("c0", "crash", 2),
        ("c1", "poll", 2),
        ("c1", "process", 2),
        ("c1", "process", 3),
        ("c1", "commit", 4),
    ]
    assert [s.step for s in steps] == list(range(len(steps)))


def test_a_crash_on_the_last_record_of_a_batch_redoes_the_whole_batch():
    assert crash_demo("after", records=8, batch=4, crash_after=4).duplicates == 4
    assert crash_demo("before", records=8, batch=4, crash_after=4).lost == 0


def test_without_a_crash_both_modes_process_each_record_exactly_once():
    for mode in ("after", "before"):
        res = crash_demo(mode, records=9, batch=4, crash_after=None)
        assert res.processed == list(range(9)) and res.duplicates == res.lost == 0


@given(st.integers(1, 40), st.integers(1, 10), st.data())
def test_after_never_loses_and_before_never_duplicates(records, batch, data):
    crash_after = data.draw(st.integers(1, records))
    last_commit = batch * ((crash_after - 1) // batch)  # offset committed before the crash's batch
    batch_end = min(records, last_commit + batch)
    after = crash_demo("after", records, batch, crash_after)
    before = crash_demo("before", records, batch, crash_after)
    assert (after.lost, after.duplicates) == (0, crash_after - last_commit)
    assert (before.duplicates, before.lost) == (0, batch_end - crash_after)
    assert sorted(set(after.processed)) == list(range(records))


def test_repr_is_one_line():
    assert repr(crash_demo()) == "DeliveryResult(at-least-once: records=10, processed=12, duplicates=2, lost=0)"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"commit": "during"}, r"commit must be one of 'after', 'before' \(got 'during'\)"),
        ({"batch": 0}, "batch must be a whole number of at least 1"),
        ({"crash_after": 0}, "crash_after must be a whole number of at least 1"),
        ({"records": -1}, "records must be a whole number of at least 0"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        crash_demo(**kwargs)
