import matplotlib.pyplot as plt
import pytest

from course.labs import LABS, queues_lab
from course.labs.queues import CAPACITIES, FULL_POLICIES, MAX_ATTEMPTS, RETRIES, queues_scenario, queues_view
from course.viz.messaging import queue_graph

from .driving import build, move


@pytest.fixture
def lab():
    yield build(queues_lab)
    plt.close("all")


def summary(view):
    return view.result.summary()


def graph_texts(view):
    return sorted(t.get_text() for t in view.figure.axes[0].texts)


def test_the_lab_is_registered_for_its_lesson():
    assert LABS["03_queues"] is queues_lab


def test_the_first_control_is_a_slider_whose_one_step_changes_summary_and_picture(lab):
    name, slider = next(iter(lab.controls.items()))
    assert name == "burst" and type(slider).__name__ == "IntSlider"
    before = lab.result
    after, printed = move(lab, burst=slider.value + slider.step)
    assert after.summary != before.summary and after.summary in printed
    assert graph_texts(after) != graph_texts(before)


def test_the_default_run_shows_a_backlog_rejections_retries_and_the_poison_message(lab):
    s = summary(lab.result)
    assert s.accounted and lab.result.result.drained
    assert s.rejected > 0 and s.max_depth == 100  # the burst fills the queue's 100 places
    assert s.dead_lettered == 1 and lab.result.result.dead_letters[0].message == 7
    assert s.deliveries > s.produced - s.rejected  # flaky consumers: some messages were delivered twice


def test_a_bigger_burst_sends_more(lab):
    small, _ = move(lab, burst=100)
    big, _ = move(lab, burst=600)
    assert summary(big).produced > summary(small).produced + 400


def test_more_consumers_drain_the_burst_faster(lab):
    move(lab, capacity="unbounded")
    few, _ = move(lab, consumers=2)
    many, _ = move(lab, consumers=8)
    assert summary(many).p99 < summary(few).p99 / 2
    assert summary(many).max_depth < summary(few).max_depth


def test_a_longer_processing_time_builds_a_longer_backlog(lab):
    fast, _ = move(lab, processing=0.1)
    slow, _ = move(lab, processing=0.4)
    assert summary(slow).rejected > summary(fast).rejected
    assert summary(slow).p50 > summary(fast).p50


def test_failures_mean_more_deliveries_and_a_fuller_dlq_with_few_attempts(lab):
    calm, _ = move(lab, failure_rate=0.0)
    flaky, _ = move(lab, failure_rate=0.5, max_attempts="2")
    assert summary(calm).deliveries == summary(calm).produced - summary(calm).rejected + 4  # only the poison retries
    assert summary(flaky).dead_lettered > 50
    assert summary(flaky).deliveries > 1.2 * summary(calm).deliveries


def test_retrying_forever_never_dead_letters_and_the_poison_keeps_the_run_from_draining(lab):
    view, _ = move(lab, max_attempts="forever", retry="at once")
    assert summary(view).dead_lettered == 0
    assert not view.result.drained and view.result.records[7].status != "acked"


def test_every_retry_policy_and_attempt_limit_runs(lab):
    for retry in RETRIES:
        view, _ = move(lab, retry=retry)
        assert summary(view).accounted
    for attempts in ("1", "10"):
        view, _ = move(lab, max_attempts=attempts)
        assert view.result.dead_letters[0].attempts == int(attempts)


def test_the_full_queue_policies_lose_differently(lab):
    move(lab, capacity="20", burst=500)
    rejected, _ = move(lab, when_full="reject (503)")
    blocked, _ = move(lab, when_full="block the producer")
    dropped, _ = move(lab, when_full="drop the oldest")
    assert summary(rejected).rejected > 100 and summary(rejected).dropped == 0
    assert summary(blocked).rejected == summary(blocked).dropped == 0
    assert summary(dropped).dropped > 100 and summary(dropped).rejected == 0
    assert "rejected" in queue_graph(rejected.result) and "dropped" in queue_graph(dropped.result)


def test_an_unbounded_queue_rejects_nothing_and_makes_the_tail_wait_instead(lab):
    bounded, _ = move(lab, burst=1000)
    view, _ = move(lab, capacity="unbounded")
    assert summary(view).rejected == summary(view).dropped == 0 < summary(bounded).rejected
    assert summary(view).p99 > 2 * summary(bounded).p99


def test_blocking_holds_the_burst_at_the_producers(lab):
    view, _ = move(lab, capacity="20", when_full="block the producer", burst=500)
    held = view.result.timeseries(1.0).at_producer
    assert max(held) > 100 and summary(view).rejected == summary(view).dropped == 0
    assert "held" in [t.get_label() for t in view.figure.axes[1].get_lines()]


def test_a_visibility_timeout_shorter_than_the_work_makes_duplicates(lab):
    move(lab, failure_rate=0.0, max_attempts="forever")
    long, _ = move(lab, visibility_timeout=10.0)
    short, _ = move(lab, visibility_timeout=0.2)
    assert summary(long).duplicates == 0
    assert summary(short).duplicates > 20 and summary(short).duplicate_effects > 20


@pytest.mark.parametrize(
    "values",
    [
        {"consumers": 0},
        {"burst": 0},
        {"burst": 1000, "burst_rate": 200, "consumers": 10, "processing": 0.05, "capacity": "unbounded"},
        {"burst": 1000, "burst_rate": 20, "consumers": 1, "processing": 1.0, "capacity": "10",
         "when_full": "block the producer"},
        {"failure_rate": 0.5, "retry": "at once", "max_attempts": "forever", "processing": 0.05, "consumers": 10,
         "burst": 1000, "burst_rate": 200, "visibility_timeout": 0.1},
        {"failure_rate": 0.5, "max_attempts": "1", "visibility_timeout": 0.1},
    ],
)  # fmt: skip
def test_control_extremes_draw_a_picture_not_a_traceback(lab, values):
    view, printed = move(lab, **values)
    assert len(view.figure.axes) == 3
    assert "Traceback" not in printed
    assert view.summary.startswith("QueueSummary(") and summary(view).accounted


def test_zero_consumers_leave_every_accepted_message_waiting(lab):
    view, _ = move(lab, consumers=0)
    s = summary(view)
    assert s.acked == s.deliveries == 0 and s.queued == 100 and s.rejected == s.produced - 100


def test_the_controls_offer_only_valid_choices():
    assert MAX_ATTEMPTS[0] == "1" and MAX_ATTEMPTS[-1] == "forever"
    assert CAPACITIES[-1] == "unbounded"
    assert set(FULL_POLICIES.values()) == {"reject", "block", "drop_oldest"}


@pytest.mark.parametrize(
    "values, message",
    [
        ({"retry": "sideways"}, "retry must be one of 'at once'"),
        ({"capacity": "0"}, "capacity must be one of '10'"),
        ({"max_attempts": "0"}, "max_attempts must be one of '1'"),
        ({"when_full": "explode"}, "when_full must be one of"),
    ],
)
def test_a_bad_choice_is_a_clear_error(values, message):
    with pytest.raises(ValueError, match=message):
        queues_view(**values)


def test_the_scenario_names_the_poison_message_and_the_burst():
    scenario = queues_scenario(burst=100, burst_rate=50)
    assert scenario.faults.poison == frozenset({7})
    assert scenario.source.start == 10.0 and scenario.source.duration == 2.0
