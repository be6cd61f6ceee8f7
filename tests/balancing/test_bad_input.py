"""Bad input gets a message that names the fix, raised where the learner wrote it, or a clearly shown state."""

import traceback

import pytest

from course.balancing import (
    STRATEGIES,
    Backend,
    BalancerScenario,
    ConsistentHashRing,
    HealthCheck,
    Outage,
    PeakEWMA,
    Workload,
    backend_pool,
    make_strategy,
    simulate,
)


def raised(make):
    with pytest.raises(Exception) as info:
        make()
    return info


@pytest.mark.parametrize("backends", [0, [], ()])
def test_zero_backends_is_refused_in_one_sentence(backends):
    info = raised(lambda: BalancerScenario(backends=backends))
    assert info.type is ValueError
    assert str(info.value) == "backends must be at least 1 (got 0): a load balancer needs somewhere to send traffic"


def test_the_message_comes_from_checking_the_input_not_from_deep_inside():
    info = raised(lambda: BalancerScenario(backends=-2))
    frames = traceback.extract_tb(info.tb)
    assert len(frames) <= 5
    assert all("course/sim" not in f.filename for f in frames)


@pytest.mark.parametrize("weight", [0, -1, -0.5, float("nan"), float("inf")])
def test_weights_must_be_positive(weight):
    with pytest.raises(ValueError, match=r"weight must be a positive number .*drain or remove it"):
        Backend(weight=weight)


def test_other_backend_settings_name_the_fix():
    with pytest.raises(ValueError, match="speed must be a positive number"):
        Backend(speed=0)
    with pytest.raises(ValueError, match="servers must be a whole number of at least 1"):
        Backend(servers=0)
    with pytest.raises(ValueError, match="queue_capacity must be a whole number of 0 or more"):
        Backend(queue_capacity=-1)
    with pytest.raises(ValueError, match="two backends are named 'x'"):
        BalancerScenario(backends=[Backend(name="x"), Backend(name="x")])
    with pytest.raises(ValueError, match="spread must be at least 0 and below 1"):
        backend_pool(3, spread=1.0)


@pytest.mark.parametrize("name", ["fastest", "", "least_conn", 3])
def test_unknown_strategy_names_list_the_valid_ones(name):
    with pytest.raises(ValueError) as info:
        BalancerScenario(strategy=name)
    message = str(info.value)
    assert message.startswith(f"unknown strategy {name!r}: choose one of")
    assert all(repr(valid) in message for valid in STRATEGIES)


def test_strategy_options_are_checked():
    with pytest.raises(ValueError, match=r"round_robin does not take \['tau'\]; its options are none"):
        make_strategy("round_robin", tau=1)
    with pytest.raises(ValueError, match=r"its options are \['tau'\]"):
        make_strategy("peak_ewma", vnodes=3)
    with pytest.raises(ValueError, match="tau must be a positive number of seconds"):
        PeakEWMA(tau=0)
    with pytest.raises(ValueError, match="vnodes must be a whole number of at least 1"):
        make_strategy("consistent_hash", vnodes=0)


def test_a_ring_with_no_nodes_says_so():
    with pytest.raises(LookupError, match="the ring has no nodes, so no key has an owner: add one first"):
        ConsistentHashRing().node_for("k")


def test_all_backends_dead_is_a_clearly_shown_state_not_an_error():
    sc = BalancerScenario(backends=2, health=HealthCheck(), failures=(Outage(0, at=0.0), Outage(1, at=0.0)))
    s = simulate(sc, until=5).summary()
    assert s.served == 0 and s.dropped == s.requests > 0
    assert "served=0" in repr(s) and "p99=n/a" in repr(s)


def test_run_settings_are_checked():
    with pytest.raises(ValueError, match="until must be a positive number of seconds"):
        simulate(BalancerScenario(), until=0)
    with pytest.raises(TypeError, match="simulate needs a BalancerScenario"):
        simulate({"backends": 3})
    with pytest.raises(TypeError, match="seed must be an int"):
        simulate(BalancerScenario(), until=1, seed=1.5)
    with pytest.raises(ValueError, match="bin must be a positive number of seconds"):
        simulate(BalancerScenario(workload=Workload(rate=10)), until=1).timeseries(bin=0)


def test_settings_that_would_make_a_run_crawl_are_refused_up_front():
    with pytest.raises(ValueError, match="raise the interval or shorten the run"):
        simulate(BalancerScenario(health=HealthCheck(interval=1e-4, timeout=0)), until=100)
    with pytest.raises(ValueError, match="shorten the run or lower the rate"):
        simulate(BalancerScenario(workload=Workload(rate=100_000)), until=60)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(retries=-1), "retries must be a whole number from 0 to 10"),
        (dict(connect_timeout=-0.1), "connect_timeout must be zero or more seconds"),
        (dict(health=3), r"health must be None or HealthCheck\(interval=2"),
        (dict(failures=Outage(0, at=1)), None),  # a single event is accepted
        (dict(failures="b0"), r"failures must be a sequence of Outage\(...\) or Slowdown\(...\)"),
        (dict(workload=300), r"workload must be a Workload\(...\)"),
    ],
)
def test_scenario_settings_name_the_fix(kwargs, message):
    if message is None:
        assert BalancerScenario(**kwargs).failures == (Outage(0, at=1),)
        return
    with pytest.raises(ValueError, match=message):
        BalancerScenario(**kwargs)


def test_scenarios_print_as_their_definition():
    assert repr(BalancerScenario()) == "BalancerScenario(backends=5, strategy=RoundRobin())"
    sc = BalancerScenario(backends=[Backend(speed=2.0)], strategy="peak_ewma", layer="L4", retries=1)
    assert repr(sc) == (
        "BalancerScenario(backends=[Backend(speed=2.0, weight=1, servers=1, queue_capacity=50, name='b0')], "
        "strategy=PeakEWMA(tau=1.0), layer=L4(), retries=1)"
    )
