"""Bad input gets a message that names the fix, raised where the learner wrote it, or a clearly shown state.

The sweep (test_bad_input_sweep.py) tries every public callable with one bad value at a time; these
tests pin the wording of the messages a learner is most likely to meet.
"""

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
    assert str(info.value) == (
        "backends must be a whole number of at least 1 (got 0): a load balancer needs somewhere to send traffic"
    )


def test_the_message_comes_from_checking_the_input_not_from_deep_inside():
    info = raised(lambda: BalancerScenario(backends=-2))
    frames = [f for f in traceback.extract_tb(info.tb) if "course/" in f.filename]
    assert [f.name for f in frames][-1] in ("whole", "_fail")  # the shared validator raised it
    assert not any("course/sim/server_pool" in f.filename or "kernel" in f.filename for f in frames)


@pytest.mark.parametrize("weight", [0, -1, -0.5, float("nan"), float("inf")])
def test_weights_must_be_positive(weight):
    with pytest.raises(ValueError, match=r"weight must be a positive number .*drain or remove it"):
        Backend(weight=weight)


def test_other_backend_settings_name_the_fix():
    with pytest.raises(ValueError, match="speed must be a positive number"):
        Backend(speed=0)
    with pytest.raises(ValueError, match="servers must be a whole number of at least 1"):
        Backend(servers=0)
    with pytest.raises(ValueError, match="queue_capacity must be a whole number of at least 0"):
        Backend(queue_capacity=-1)
    with pytest.raises(ValueError, match="backends must have distinct names \\(got 'x' twice\\)"):
        BalancerScenario(backends=[Backend(name="x"), Backend(name="x")])
    with pytest.raises(ValueError, match=r"spread must be a number from 0 to 0\.95"):
        backend_pool(3, spread=1.0)


@pytest.mark.parametrize("name", ["fastest", "", "least_conn", 3])
def test_unknown_strategy_names_list_the_valid_ones(name):
    with pytest.raises(ValueError) as info:
        BalancerScenario(strategy=name)
    message = str(info.value)
    assert message.startswith("strategy must be one of") and message.endswith(f"(got {name!r})")
    assert all(repr(valid) in message for valid in STRATEGIES)


def test_strategy_options_are_checked():
    with pytest.raises(ValueError, match=r"round_robin does not take \['tau'\]; its options are none"):
        make_strategy("round_robin", tau=1)
    with pytest.raises(ValueError, match=r"its options are \['tau'\]"):
        make_strategy("peak_ewma", vnodes=3)
    with pytest.raises(ValueError, match="tau must be a positive number"):
        PeakEWMA(tau=0)
    with pytest.raises(ValueError, match="vnodes must be a whole number of at least 1"):
        make_strategy("consistent_hash", vnodes=0)


def test_a_ring_with_no_nodes_says_so():
    with pytest.raises(LookupError, match="the ring has no nodes, so no key has an owner: add one first"):
        ConsistentHashRing().node_for("k")


def test_a_string_of_nodes_is_refused_rather_than_split_into_letters():
    with pytest.raises(ValueError, match=r"nodes must be a list, like \['cache-a', 'cache-b'\] \(got 'abc'\)"):
        ConsistentHashRing("abc")


def test_all_backends_dead_is_a_clearly_shown_state_not_an_error():
    sc = BalancerScenario(backends=2, health=HealthCheck(), failures=(Outage(0, at=0.0), Outage(1, at=0.0)))
    s = simulate(sc, until=5).summary()
    assert s.served == 0 and s.rejected == s.requests > 0
    assert "served=0" in repr(s) and "p99=n/a" in repr(s)
    assert str(s).startswith(f"0 of {s.requests:,} requests served")


def test_run_settings_are_checked():
    with pytest.raises(ValueError, match="until must be a positive number"):
        simulate(BalancerScenario(), until=0)
    with pytest.raises(ValueError, match=r"scenario must be a BalancerScenario \(got \{'backends': 3\}\)"):
        simulate({"backends": 3}, until=1)
    with pytest.raises(ValueError, match="seed must be a whole number"):
        simulate(BalancerScenario(), until=1, seed=1.5)
    with pytest.raises(TypeError, match="until"):
        simulate(BalancerScenario())  # a run is always bounded: until has no default
    with pytest.raises(ValueError, match="bin must be a positive number"):
        simulate(BalancerScenario(workload=Workload(rate=10)), until=1).timeseries(bin=0)
    with pytest.raises(ValueError, match="bin must be at least"):
        simulate(BalancerScenario(workload=Workload(rate=10)), until=1).timeseries(bin=1e-9)


def test_settings_that_would_make_a_run_crawl_are_refused_up_front():
    with pytest.raises(ValueError, match=r"until must be shorter .* or raise the interval"):
        simulate(BalancerScenario(health=HealthCheck(interval=1e-4, timeout=0)), until=100)
    with pytest.raises(ValueError, match="shorten the run or lower the rate"):
        simulate(BalancerScenario(workload=Workload(rate=100_000)), until=60)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(retries=-1), "retries must be a whole number of at least 0"),
        (dict(retries=11), "retries must be a whole number of at most 10"),
        (dict(connect_timeout=-0.1), "connect_timeout must be a number from 0 to 60"),
        (dict(health=3), r"health must be a HealthCheck \(got 3\): for example None or HealthCheck\(interval=2"),
        (dict(failures="b0"), r"failures must be a sequence of Outage\(...\) or Slowdown\(...\)"),
        (dict(workload=300), r"workload must be a Workload \(got 300\)"),
    ],
)
def test_scenario_settings_name_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BalancerScenario(**kwargs)


def test_a_single_event_needs_no_tuple():
    assert BalancerScenario(failures=Outage(0, at=1)).failures == (Outage(0, at=1),)


def test_scenarios_print_as_their_definition():
    assert repr(BalancerScenario()) == "BalancerScenario(backends=5, strategy=RoundRobin())"
    sc = BalancerScenario(backends=[Backend(speed=2.0)], strategy="peak_ewma", layer="L4", retries=1)
    assert repr(sc) == (
        "BalancerScenario(backends=[Backend(speed=2.0, weight=1, servers=1, queue_capacity=50, name='b0')], "
        "strategy=PeakEWMA(tau=1.0), layer=L4(), retries=1)"
    )
