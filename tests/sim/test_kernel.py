import math

import pytest

from course.sim import Environment, SimulationLimitError, stream


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


def test_step_processes_one_event_and_reports_an_empty_heap():
    env = Environment()
    log = []
    env.schedule(1.5, log.append, 1)
    assert env.step() is True
    assert (log, env.now) == ([1], 1.5)
    assert env.step() is False
    assert env.peek() == math.inf


@pytest.mark.parametrize("delay", [-1.0, float("nan")])
def test_events_cannot_be_scheduled_in_the_past(delay):
    with pytest.raises(ValueError, match="cannot happen in the past"):
        Environment().schedule(delay, print)


def test_run_until_before_now_is_refused():
    env = Environment()
    env.run(until=5)
    with pytest.raises(ValueError, match="at least the current time"):
        env.run(until=1)


def test_a_runaway_model_hits_the_event_bound_instead_of_hanging():
    env = Environment()

    def forever():
        env.schedule(0.0, forever)

    env.schedule(0.0, forever)
    with pytest.raises(SimulationLimitError, match="more than 1,000 events"):
        env.run(max_events=1000)


def test_feed_calls_back_at_each_time_and_stops_at_the_horizon():
    env = Environment()
    seen = []
    env.feed(iter([0.5, 1.0, 1.0, 4.0]), lambda: seen.append(env.now))
    env.run(until=2)
    assert seen == [0.5, 1.0, 1.0]


def test_feed_refuses_times_that_go_backwards():
    env = Environment()
    env.feed([2.0, 1.0], lambda: None)
    with pytest.raises(ValueError, match="must not go backwards"):
        env.run()


def test_streams_are_reproducible_and_independent_by_name():
    assert [stream(3, "a").random() for _ in range(2)] == [stream(3, "a").random() for _ in range(2)]
    assert stream(3, "a").random() != stream(3, "b").random()
    assert stream(3, "a").random() != stream(4, "a").random()


def test_a_seed_must_be_an_int():
    with pytest.raises(TypeError, match="seed must be an int"):
        stream("7")
