import matplotlib.pyplot as plt
import pytest

from course.labs import LABS
from course.labs.streams import (
    GROUP_CONTROLS,
    REPLICATION_CONTROLS,
    WINDOW_CONTROLS,
    replication_lab,
    replication_view,
    streams_lab,
    streams_view,
    windows_lab,
    windows_view,
)
from course.streams import (
    BROKER_FAILURES,
    CONSUMER_EVENTS,
    WINDOW_KINDS,
    GroupScenario,
    ReplicationScenario,
    WindowScenario,
)

from .driving import build, move


@pytest.fixture
def lab():
    yield build(streams_lab)
    plt.close("all")


@pytest.fixture
def rep():
    yield build(replication_lab)
    plt.close("all")


@pytest.fixture
def win():
    yield build(windows_lab)
    plt.close("all")


def texts(view):
    return sorted(t.get_text() for ax in view.figure.axes for t in ax.texts) + [t.get_text() for t in view.figure.texts]


def test_the_labs_are_registered_for_the_lesson():
    assert LABS["04_streams"] is streams_lab
    assert LABS["04_streams:replication"] is replication_lab
    assert LABS["04_streams:windows"] is windows_lab


@pytest.mark.parametrize(
    ("controls", "example"),
    [
        (GROUP_CONTROLS, GroupScenario.example),
        (REPLICATION_CONTROLS, ReplicationScenario.example),
        (WINDOW_CONTROLS, WindowScenario.example),
    ],
)
def test_each_control_is_a_knob_of_the_domains_example_and_starts_at_its_default(controls, example):
    import inspect

    knobs = inspect.signature(example).parameters
    assert [c.name for c in controls] == list(knobs)  # declared once, every knob has a control


@pytest.mark.parametrize("factory", [streams_lab, replication_lab, windows_lab])
def test_the_first_control_is_a_slider_whose_one_step_changes_summary_and_picture(factory):
    lab = build(factory)
    name, slider = next(iter(lab.controls.items()))
    assert "Slider" in type(slider).__name__
    before = lab.result
    after, printed = move(lab, **{name: slider.value + slider.step})
    assert after.summary != before.summary and after.summary in printed
    assert texts(after) != texts(before) or len(after.figure.axes[0].collections) != len(
        before.figure.axes[0].collections
    )
    plt.close("all")


@pytest.mark.parametrize("factory", [streams_lab, replication_lab, windows_lab])
def test_the_lab_seed_is_checked_before_anything_runs(factory):
    with pytest.raises(ValueError, match="seed must be a whole number"):
        factory(seed=1.5)


def test_a_partition_more_draws_one_more_ownership_edge_per_group(lab):
    before = lab.result.figure.axes[0].collections[1].get_segments()
    after, _ = move(lab, partitions=7)
    assert len(after.figure.axes[0].collections[1].get_segments()) == len(before) + 2
    assert "7 partitions" in after.summary


def test_consumers_beyond_the_partition_count_sit_idle_and_share_one_label(lab):
    view, _ = move(lab, partitions=4, consumers=6, groups=1)
    assert view.result.idle() == {"dashboard": ["c4", "c5"]}
    assert [t for t in texts(view) if "idle" in t] == ["c4, c5 idle (no partition)"]
    assert "2 consumers idle" in view.summary


def test_the_number_of_groups_is_the_number_of_bands(lab):
    for groups in (1, 2, 3):
        view, _ = move(lab, groups=groups)
        assert len(view.result.assignments) == groups
        assert sum(t.startswith("group '") for t in texts(view)) == groups


def test_key_skew_makes_a_hot_partition_and_an_overloaded_consumer(lab):
    even, _ = move(lab, skew=0.0)
    hot, _ = move(lab, skew=2.0)
    assert max(hot.result.produced) > 2 * max(even.result.produced)
    assert any("overloaded" in t for t in texts(hot)) and not any("overloaded" in t for t in texts(even))
    assert any(t.endswith(" hot") for t in texts(hot))


def test_a_higher_rate_writes_more_and_too_high_a_rate_builds_lag(lab):
    slow, _ = move(lab, rate=100)
    fast, _ = move(lab, rate=800)
    assert fast.result.summary().written > 6 * slow.result.summary().written
    assert fast.result.summary().final_lag > 1000 > slow.result.summary().final_lag
    assert "falling behind" in fast.summary and "falling behind" not in slow.summary


def test_on_a_crash_sticky_moves_fewer_partitions_than_range_and_cooperative_pauses_fewer(lab):
    ranged, _ = move(lab, event="c0 crashes", strategy="range")
    sticky, _ = move(lab, strategy="sticky")
    assert len(sticky.result.rebalances[0].diff.moved) < len(ranged.result.rebalances[0].diff.moved)
    assert any("crashed" in t for t in texts(sticky))
    cooperative, _ = move(lab, protocol="cooperative")
    assert any("eager: 6 partitions paused" in t for t in texts(sticky))
    assert any("cooperative: 2 partitions paused" in t for t in texts(cooperative))
    assert sticky.result.summary().duplicates > 0 and "read twice" in sticky.summary


def test_a_joining_consumer_triggers_a_rebalance(lab):
    view, _ = move(lab, event="a consumer joins")
    assert [e.reason for e in view.result.rebalances] == ["join c3"]
    assert any("got P" in t for t in texts(view))


@pytest.mark.parametrize(
    "values",
    [
        {"partitions": 1, "consumers": 1, "groups": 1, "rate": 0},
        {"partitions": 12, "consumers": 8, "groups": 3, "rate": 800, "skew": 2.0, "event": "c0 crashes"},
        {"partitions": 1, "consumers": 8, "groups": 3, "event": "a consumer joins", "strategy": "sticky"},
        {
            "partitions": 12,
            "consumers": 1,
            "groups": 1,
            "event": "c0 crashes",
            "strategy": "sticky",
            "protocol": "cooperative",
        },
    ],
)
def test_slider_extremes_draw_a_picture_not_a_traceback(values):
    view = streams_view(**values)  # what the lab computes for these slider values
    partitions = values["partitions"]
    assert len(view.figure.axes) == 2 and f"{partitions} partition{'s' if partitions > 1 else ''}," in view.summary
    plt.close("all")


def test_an_unknown_consumer_event_is_a_clear_error():
    with pytest.raises(ValueError, match="event must be one of 'none'"):
        streams_view(event="c9 explodes")
    assert CONSUMER_EVENTS[0] == "none"


def test_acks_all_loses_nothing_and_acks_1_loses_the_last_fetch_window(rep):
    assert rep.result.result.summary().lost == 0
    one, _ = move(rep, acks=1)
    zero, _ = move(rep, acks=0)
    assert 0 < one.result.summary().lost < zero.result.summary().lost
    assert one.summary.startswith("acks=1")


def test_two_replicas_with_min_isr_2_reject_writes_after_a_failure(rep):
    view, _ = move(rep, replication_factor=2, min_insync_replicas=2, failure="broker 1 dies")
    s = view.result.summary()
    assert s.rejected > 0 and s.lost == 0
    assert any("rejected" in t for t in texts(view))


def test_no_failure_means_every_acks_all_write_is_acknowledged(rep):
    view, _ = move(rep, failure="none")
    s = view.result.summary()
    assert s.served == s.writes and "no failure" in view.summary


def test_impossible_settings_are_adjusted_by_the_domain_and_the_summary_says_so(rep):
    view, _ = move(rep, brokers=2, replication_factor=5, min_insync_replicas=5, failure="broker 4 dies")
    assert view.result.scenario.replication_factor == 2 and view.result.scenario.min_insync_replicas == 2
    flat = " ".join(view.summary.split())
    assert "RF lowered to the 2 brokers" in flat and "min ISR lowered to RF" in flat
    assert "there is no broker 4" in flat


def test_a_single_broker_failure_takes_the_partitions_offline(rep):
    view, _ = move(rep, brokers=1, replication_factor=1, min_insync_replicas=1, failure="broker 0 dies")
    assert view.result.summary().rejected > 0
    assert any("offline" in t for t in texts(view))


@pytest.mark.parametrize(
    "values",
    [
        {"rate": 0},
        {"rate": 500, "brokers": 5, "replication_factor": 5, "min_insync_replicas": 5, "failure": "broker 4 dies"},
        {"rate": 500, "brokers": 1, "acks": 0},
    ],
)
def test_replication_extremes_draw_a_picture(values):
    view = replication_view(**values)
    assert len(view.figure.axes) == 2 and view.summary.startswith("acks=")
    plt.close("all")


def test_an_unknown_failure_is_a_clear_error():
    with pytest.raises(ValueError, match="failure must be one of 'none'"):
        replication_view(failure="broker 9")
    assert BROKER_FAILURES[1] == "broker 0 dies" and "broker 1 stalls" in BROKER_FAILURES


def test_more_allowed_lateness_means_fewer_dropped_rides(win):
    strict, _ = move(win, allowed_lateness=0.0)
    lenient, _ = move(win, allowed_lateness=30.0)
    assert len(strict.result.dropped) > 0 == len(lenient.result.dropped)
    assert sum(f.late for f in lenient.result.firings) > sum(f.late for f in strict.result.firings) == 0


def test_a_long_watermark_delay_makes_nothing_late(win):
    view, _ = move(win, out_of_orderness=15.0, stragglers=0.0)
    assert not view.result.dropped and not any(f.late for f in view.result.firings)


def test_processing_time_is_never_late(win):
    view, _ = move(win, time="processing")
    assert not view.result.dropped and not any(f.late for f in view.result.firings)
    assert "by processing time" in view.summary


def test_every_window_kind_runs_and_sliding_fires_about_twice_as_many_windows(win):
    counts = {}
    for kind in WINDOW_KINDS:
        view, _ = move(win, kind=kind)
        counts[kind] = len(view.result.firings)
    assert counts["sliding"] >= 2 * counts["tumbling"] - 6
    assert counts["session"] < counts["tumbling"]


@pytest.mark.parametrize("kind", WINDOW_KINDS)
@pytest.mark.parametrize("size", [2, 30])
def test_window_extremes_draw_a_picture(kind, size):
    view = windows_view(
        size=size, kind=kind, out_of_orderness=0.0, allowed_lateness=0.0, max_delay=10.0, stragglers=0.3
    )
    assert len(view.figure.axes) == 2 and (view.result.firings or view.result.pending)
    plt.close("all")


def test_an_unknown_window_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="kind must be one of 'tumbling'"):
        windows_view(kind="hopping")


def test_range_with_cooperative_rebalancing_is_refused_with_kafkas_reason_not_a_traceback(lab):
    view, printed = move(lab, event="c0 crashes", protocol="cooperative")  # the lab starts on range
    assert view.result is None and view.summary.startswith("Not run: protocol must be 'eager' with strategy 'range'")
    assert "cooperative sticky assignor" in printed and "Traceback" not in printed
    assert any("cooperative sticky assignor" in t.get_text() for t in view.figure.texts)
    allowed, _ = move(lab, strategy="sticky")  # the cooperative sticky assignor: runs
    assert allowed.result.summary().rebalances == 1 and "cooperative" in allowed.summary


def test_a_stalled_follower_holds_acks_all_writes_until_it_leaves_the_isr(rep):
    view, _ = move(rep, failure="broker 1 stalls")
    kinds = [e.kind for e in view.result.events]
    assert kinds[0] == "broker stalled" and kinds.count("isr shrink") == 2
    assert view.result.summary().lost == 0 and 0.9 < view.result.summary().slowest_ack < 1.2
    assert "broker 1 stalls at 5.08 s" in " ".join(view.summary.split())
    assert any("STALLED" in t for t in texts(view)) and any(t.startswith("ISR {0, 2}\nHW ") for t in texts(view))


def test_acks_1_says_min_isr_cannot_matter(rep):
    view, _ = move(rep, acks=1)
    assert "acks=1: min ISR has no effect" in " ".join(view.summary.split())


def test_sliding_windows_without_lateness_count_the_rides_their_older_window_missed(win):
    view, _ = move(win, kind="sliding", allowed_lateness=0.0)
    run = view.result
    assert run.missed and len(run.dropped) < len({m.seq for m in run.missed})
    flat = " ".join(view.summary.split())
    assert f"{len(run.missed_by_window())} windows count {len(run.missed)} events short" in flat
    assert sum("too late" in t for t in texts(view)) >= 1
