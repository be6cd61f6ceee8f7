import inspect
import time

import matplotlib.pyplot as plt
import pytest

from course.labs import LABS, queues_lab
from course.labs.queues import CONTROLS, UNTIL, queues_view
from course.labs.view import png_bytes
from course.messaging import EXAMPLE_RETRIES, QueueScenario, simulate
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


def test_each_control_is_declared_once_and_starts_at_the_domain_example_default():
    knobs = inspect.signature(QueueScenario.example).parameters
    assert [c.name for c in CONTROLS] == list(knobs)
    view_defaults = {name: p.default for name, p in inspect.signature(queues_view).parameters.items()}
    assert all(view_defaults[c.name] == knobs[c.name].default for c in CONTROLS)


def test_the_first_control_is_a_slider_whose_one_step_changes_summary_and_picture(lab):
    name, slider = next(iter(lab.controls.items()))
    assert name == "burst" and type(slider).__name__ == "IntSlider"
    before = lab.result
    after, printed = move(lab, burst=slider.value + slider.step)
    assert after.summary != before.summary and after.summary in printed
    assert graph_texts(after) != graph_texts(before)


def test_the_lab_shows_what_the_domain_computes(lab):
    view, _ = move(lab, burst=400, capacity="unbounded", max_attempts="forever", retry="at once")
    scenario = QueueScenario.example(burst=400, capacity=None, max_attempts=None, retry="at once")
    assert view.result.records == simulate(scenario, until=UNTIL, seed=0).records
    assert view.summary == str(view.result.summary())


def test_the_default_run_shows_a_full_queue_rejections_retries_and_the_poison_message(lab):
    res = lab.result.result
    s = res.summary()
    assert s.accounted and res.drained
    assert s.rejected > 0 and max(r[1] + r[2] + r[3] for r in res.gauges) == 100  # the burst fills the 100 places
    assert s.dead_lettered == 1 and res.dead_letters[0].message == 7
    assert s.deliveries > s.produced - s.rejected  # flaky consumers: some messages were delivered twice


@pytest.mark.parametrize("visibility_timeout", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("burst", [200, 1000])
def test_the_queue_shown_never_holds_more_than_its_capacity(lab, burst, visibility_timeout):
    view, _ = move(lab, burst=burst, visibility_timeout=visibility_timeout)  # once showed max 101-102 of 100
    assert summary(view).max_depth <= 100
    assert max(r[1] + r[2] + r[3] for r in view.result.gauges) <= 100


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
    flaky, _ = move(lab, failure_rate=0.5, max_attempts=2)
    c = summary(calm)
    assert c.deliveries == c.produced - c.rejected + 4  # only the poison message retries (5 attempts)
    assert summary(flaky).dead_lettered > 50
    assert summary(flaky).deliveries > 1.2 * c.deliveries


def test_retrying_forever_never_dead_letters_and_the_poison_keeps_the_run_from_draining(lab):
    view, _ = move(lab, max_attempts="forever", retry="at once")
    assert summary(view).dead_lettered == 0
    assert not view.result.drained and view.result.records[7].state != "acked"


def test_every_retry_policy_and_attempt_limit_runs(lab):
    for retry in EXAMPLE_RETRIES:
        view, _ = move(lab, retry=retry)
        assert summary(view).accounted
    for attempts in (1, 10):
        view, _ = move(lab, max_attempts=attempts)
        assert view.result.dead_letters[0].attempts == attempts


def test_the_full_queue_policies_lose_differently(lab):
    move(lab, capacity=20, burst=500)
    rejected, _ = move(lab, when_full="reject")
    blocked, _ = move(lab, when_full="block")
    pushed, _ = move(lab, when_full="drop_oldest")
    assert summary(rejected).rejected > 100 and summary(blocked).rejected == 0 and summary(pushed).rejected > 100
    assert {r.reason for r in rejected.result.records if r.state == "rejected"} == {"queue full"}
    assert {r.reason for r in pushed.result.records if r.state == "rejected"} == {"pushed out by a newer message"}
    assert queue_graph(rejected.result).has_edge("producers", "rejected")
    assert queue_graph(pushed.result).has_edge("queue", "rejected")


def test_an_unbounded_queue_rejects_nothing_and_makes_the_tail_wait_instead(lab):
    bounded, _ = move(lab, burst=1000)
    view, _ = move(lab, capacity="unbounded")
    assert summary(view).rejected == 0 < summary(bounded).rejected
    assert summary(view).p99 > 2 * summary(bounded).p99


def test_blocking_holds_the_burst_at_the_producers(lab):
    view, _ = move(lab, capacity=20, when_full="block", burst=500)
    held = view.result.timeseries(1.0).at_producer
    assert max(held) > 100 and summary(view).rejected == 0
    assert "held" in [t.get_label() for t in view.figure.axes[1].get_lines()]


def test_a_visibility_timeout_shorter_than_the_work_makes_duplicates(lab):
    move(lab, failure_rate=0.0, max_attempts="forever")
    long, _ = move(lab, visibility_timeout=10.0)
    short, _ = move(lab, visibility_timeout=0.2)
    assert summary(long).duplicates == 0
    assert summary(short).duplicates > 20 and summary(short).duplicate_effects > 20
    assert "redeliveries of work already done" in short.summary


@pytest.mark.parametrize(
    "values",
    [
        {"consumers": 0},
        {"burst": 0},
        {"burst": 1000, "burst_rate": 200, "consumers": 10, "processing": 0.05, "capacity": "unbounded"},
        {"burst": 1000, "burst_rate": 20, "consumers": 1, "processing": 1.0, "capacity": 10, "when_full": "block"},
        {"failure_rate": 0.5, "retry": "at once", "max_attempts": "forever", "processing": 0.05, "consumers": 10,
         "burst": 1000, "burst_rate": 200, "visibility_timeout": 0.1},
        {"failure_rate": 0.5, "max_attempts": 1, "visibility_timeout": 0.1},
    ],
)  # fmt: skip
def test_control_extremes_draw_a_picture_and_a_summary_not_a_traceback(lab, values):
    view, printed = move(lab, **values)
    assert len(view.figure.axes) == 3
    assert "Traceback" not in printed and view.summary in printed
    assert summary(view).accounted and 2 <= len(summary(view).lines()) <= 3
    assert all(len(line) <= 80 for line in view.summary.splitlines())


def test_zero_consumers_leave_every_accepted_message_waiting(lab):
    view, _ = move(lab, consumers=0)
    s = summary(view)
    assert s.served == s.deliveries == 0 and s.unfinished == 100 and s.rejected == s.produced - 100


def test_a_bad_choice_is_a_clear_error():
    with pytest.raises(ValueError, match="retry must be one of 'at once'"):
        queues_view(retry="sideways")
    with pytest.raises(ValueError, match="capacity must be a whole number of at least 1"):
        queues_view(capacity=0)
    with pytest.raises(ValueError, match="when_full must be one of"):
        queues_view(when_full="explode")


def test_an_update_is_fast_enough_to_feel_live():
    # benchmarks/lab_latency.py holds the 200 ms target on an idle machine; here, a loose bound that
    # still catches a slow-down of several times, with room for a busy two-core machine
    queues_view()
    plt.close("all")
    times = []
    for burst in (200, 250, 200):
        start = time.perf_counter()
        png_bytes(queues_view(burst=burst).figure)
        times.append(time.perf_counter() - start)
        plt.close("all")
    assert sorted(times)[1] < 2.0


@pytest.mark.parametrize(
    "values, note",
    [
        ({"capacity": "unbounded", "when_full": "block"}, "No capacity limit: when_full='block' has no effect."),
        ({"max_attempts": 1}, "One attempt per message: the retry backoff has no effect."),
        ({"consumers": 0}, "No consumers: processing, failures, retries and the visibility timeout have no effect."),
    ],
)
def test_a_control_that_cannot_matter_says_so_in_the_summary(lab, values, note):
    view, printed = move(lab, **values)
    assert note in summary(view).notes and " ".join(note.split()) in " ".join(printed.split())
    assert 2 <= len(summary(view).lines()) <= 3 and all(len(line) <= 80 for line in view.summary.splitlines())


def test_the_default_lab_run_has_no_note():
    assert queues_view().result.summary().notes == ()
    plt.close("all")
