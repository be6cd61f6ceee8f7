import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.sim import Environment, SimulationLimitError, collector_paused, stream


def test_events_happen_in_time_order_and_ties_in_scheduling_order():
    env = Environment()
    log = []
    env.schedule(2.0, log.append, ("b", 2))
    env.schedule(1.0, log.append, ("a", 1))
    env.schedule(2.0, log.append, ("c", 2))
    env.run()
    assert log == [("a", 1), ("b", 2), ("c", 2)]


def test_run_until_includes_events_at_the_horizon_and_sets_the_clock():
    env = Environment()
    log = []
    for t in (1.0, 2.0, 3.0):
        env.schedule(t, log.append, t)
    env.run(until=2.0)
    assert log == [1.0, 2.0]
    assert env.now == 2.0
    env.run(until=10)
    assert log == [1.0, 2.0, 3.0]
    assert env.now == 10.0


def test_callbacks_can_schedule_more_events():
    env = Environment()
    ticks = []

    def tick():
        ticks.append(env.now)
        if env.now < 3:
            env.schedule(1.0, tick)

    env.schedule(0.0, tick)
    env.run()
    assert ticks == [0.0, 1.0, 2.0, 3.0]


def test_a_cancelled_event_never_happens():
    env = Environment()
    log = []
    ticket = env.schedule(1.0, log.append, "cancelled")
    env.schedule(2.0, log.append, "kept")
    env.cancel(ticket)
    assert env.peek() == 2.0
    env.run()
    assert log == ["kept"]


def test_cancelling_a_ticket_that_already_ran_changes_nothing():
    # Regression: this made repr(env) show pending=-1.
    env = Environment()
    ticket = env.schedule(1.0, print, "ran")
    env.run(until=2)
    env.cancel(ticket)
    env.cancel(ticket)
    assert env.pending == 0
    assert repr(env) == "Environment(now=2, pending=0)"
    later = env.schedule(1.0, lambda: None)
    assert env.pending == 1
    env.cancel(later)
    assert env.pending == 0


def test_cancelling_many_finished_tickets_keeps_memory_bounded():
    env = Environment()
    tickets = [env.schedule(0.001 * i, lambda: None) for i in range(10_000)]
    env.run(until=1)
    env.schedule(5.0, lambda: None)  # a pending event keeps the heap from emptying
    for ticket in tickets:
        env.cancel(ticket)
    assert env.pending == 1
    assert len(env._cancelled) <= 2 * len(env._heap) + 64  # stale tickets are forgotten


# A model-based property: the kernel's bookkeeping agrees with a plain list of what is still to come.
actions = st.lists(
    st.one_of(
        st.tuples(st.just("schedule"), st.floats(0, 5)),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("run"), st.floats(0, 3)),
    ),
    max_size=40,
)


@given(actions)
def test_pending_counts_exactly_the_events_still_to_happen(steps):
    env = Environment()
    log: list[int] = []
    due: dict[int, float] = {}  # ticket -> time, for events neither happened nor cancelled
    expected: list[int] = []  # the tickets that must have happened, in order
    issued = 0
    for action, value in steps:
        if action == "schedule":
            ticket = env.schedule(value, log.append, issued)
            assert ticket == issued
            due[ticket] = env.now + value
            issued += 1
        elif action == "cancel" and value < issued:
            env.cancel(value)
            due.pop(value, None)
        elif action == "run":
            until = env.now + value
            env.run(until=until)
            happened = sorted((t, k) for k, t in due.items() if t <= until)
            expected += [k for _, k in happened]
            for _, k in happened:
                del due[k]
            assert log == expected
        assert env.pending == len(due)
        assert repr(env).endswith(f"pending={len(due)})")
    env.run()
    assert log == expected + [k for _, k in sorted((t, k) for k, t in due.items())]
    assert env.pending == 0


def test_cancel_refuses_tickets_that_were_never_handed_out():
    env = Environment()
    with pytest.raises(ValueError, match=r"ticket must be a whole number of at most -1 \(got 0\)"):
        env.cancel(0)
    env.schedule(1.0, print)
    with pytest.raises(ValueError, match=r"ticket must be a whole number of at most 0 \(got 5\)"):
        env.cancel(5)
    with pytest.raises(ValueError, match="ticket must be a whole number"):
        env.cancel(0.0)


def test_step_processes_one_event_and_reports_an_empty_heap():
    env = Environment()
    log = []
    env.schedule(1.5, log.append, 1)
    assert env.step() is True
    assert (log, env.now) == ([1], 1.5)
    assert env.step() is False
    assert env.peek() == math.inf


@pytest.mark.parametrize("delay", [-1.0, float("nan"), float("inf"), "1", None, True])
def test_events_cannot_be_scheduled_in_the_past_or_never(delay):
    with pytest.raises(ValueError, match=r"^delay must be a finite number of at least 0 .*cannot happen in the past"):
        Environment().schedule(delay, print)


def test_an_int_delay_is_a_float_time():
    env = Environment()
    env.schedule(2, print)
    assert env.peek() == 2.0 and isinstance(env.peek(), float)


def test_a_callback_must_be_callable_when_scheduled_not_when_it_fires():
    env = Environment()
    with pytest.raises(ValueError, match=r"^callback must be a function"):
        env.schedule(1.0, "print")
    with pytest.raises(ValueError, match=r"^callback must be a function"):
        env.feed([1.0], None)
    assert env.pending == 0


def test_schedule_at_names_the_time_it_was_given():
    env = Environment()
    env.run(until=5)
    with pytest.raises(ValueError, match=r"^time must be a finite number of at least 5 \(got 1\)"):
        env.schedule_at(1, print)


def test_run_until_before_now_is_refused():
    env = Environment()
    env.run(until=5)
    with pytest.raises(ValueError, match=r"^until must be a finite number of at least 5 \(got 1\)"):
        env.run(until=1)


@pytest.mark.parametrize("until", [float("inf"), float("nan"), "10", True])
def test_run_refuses_an_until_that_is_not_a_time(until):
    # until=None runs to exhaustion (bounded by max_events); inf would only be a slower spelling of it
    with pytest.raises(ValueError, match=r"^until must be a finite number"):
        Environment().run(until=until)


def test_a_runaway_model_hits_the_event_bound_instead_of_hanging():
    env = Environment()

    def forever():
        env.schedule(0.0, forever)

    env.schedule(0.0, forever)
    with pytest.raises(SimulationLimitError, match="more than 1,000 events to run until no event is left"):
        env.run(max_events=1000)
    assert env.events_processed == 1000


@pytest.mark.parametrize("max_events", [0, -1, 10**9, 1.5, None])
def test_the_event_bound_is_a_sensible_whole_number(max_events):
    with pytest.raises(ValueError, match=r"^max_events must be a whole number"):
        Environment().run(max_events=max_events)


def test_feed_calls_back_at_each_time_and_stops_at_the_horizon():
    env = Environment()
    seen = []
    env.feed(iter([0.5, 1.0, 1.0, 4.0]), lambda: seen.append(env.now))
    env.run(until=2)
    assert seen == [0.5, 1.0, 1.0]


@pytest.mark.parametrize("bad", [1.0, float("nan"), "3"])
def test_feed_refuses_times_that_go_backwards_or_are_not_times(bad):
    env = Environment()
    with pytest.raises(ValueError, match=r"^times must be a finite number of at least 2 .*never go backwards"):
        env.feed([2.0, bad], lambda: None)  # refused as it is read: here in the first block, at once


def test_an_arrival_at_infinity_never_happens():
    env = Environment()
    seen = []
    env.feed([1.0, math.inf], lambda: seen.append(env.now))
    env.run()
    assert seen == [1.0]
    assert env.now == 1.0 and env.pending == 1


def test_streams_are_reproducible_and_independent_by_name():
    assert [stream(3, "a").random() for _ in range(2)] == [stream(3, "a").random() for _ in range(2)]
    assert stream(3, "a").random() != stream(3, "b").random()
    assert stream(3, "a").random() != stream(4, "a").random()


@pytest.mark.parametrize("seed", ["7", 1.5, None, True])
def test_a_seed_must_be_a_whole_number(seed):
    with pytest.raises(ValueError, match=r"^seed must be a whole number"):
        stream(seed)


def test_collector_paused_restores_the_collector_also_after_an_error():
    import gc

    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


@given(events=st.integers(0, 700), cancelled=st.integers(0, 50), bound=st.integers(1, 700))
def test_the_event_bound_is_exact_and_cancelled_events_do_not_count(events, cancelled, bound):
    env = Environment()
    tickets = [env.schedule(float(i), lambda: None) for i in range(events + cancelled)]
    for ticket in tickets[::-1][:cancelled] if cancelled else []:
        env.cancel(ticket)
    if events <= bound:
        env.run(max_events=bound)
        assert env.events_processed == events and env.pending == 0
    else:
        with pytest.raises(SimulationLimitError):
            env.run(max_events=bound)
        assert env.events_processed == bound and env.pending == events - bound
        env.run()  # the rest still happens, in order
        assert env.events_processed == events and env.pending == 0
