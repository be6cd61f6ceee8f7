"""The fleet toy: N gateway instances enforcing one client's limit with local, split or shared counters."""

import math
from collections import Counter

import pytest

from course.gateway import FleetResults, FleetScenario, simulate
from course.gateway.fleet import FleetRecord


def admitted_per_window(records, instance=None):
    """Admitted requests per aligned one-second window (of one instance, or of all)."""
    return Counter(
        math.floor(r.time) for r in records if r.outcome == "served" and (instance is None or r.instance == instance)
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_shared_counter_never_admits_more_than_the_limit_in_a_window(seed):
    results = simulate(FleetScenario(counters="shared", rate=300), until=10, seed=seed)
    assert max(admitted_per_window(results.records).values()) == 100  # reached, never passed


@pytest.mark.parametrize(("counters", "each"), [("local", 100), ("split", 25)])
def test_local_and_split_counters_hold_each_instance_to_its_own_limit(counters, each):
    results = simulate(FleetScenario(counters=counters, instances=4, limit=100, rate=600), until=6, seed=0)
    for instance in range(4):
        assert max(admitted_per_window(results.records, instance).values()) == each


def test_local_counters_admit_up_to_instances_times_the_limit():
    results = simulate(FleetScenario(counters="local", instances=4, limit=100, rate=600), until=6, seed=0)
    assert max(admitted_per_window(results.records).values()) == 400


def test_the_by_client_balancer_sends_every_request_to_one_instance():
    results = simulate(FleetScenario(balancer="by_client"), until=3, seed=0)
    assert len({r.instance for r in results.records}) == 1 and results.summary().hottest == 1.0


@pytest.mark.parametrize(
    ("mode", "outcome", "decided"), [("open", "served", "fail_open"), ("closed", "rejected", "fail_closed")]
)
def test_while_the_store_is_down_failing_open_admits_all_and_failing_closed_refuses_all(mode, outcome, decided):
    results = simulate(FleetScenario(store_down=(2, 4), on_store_down=mode), until=6, seed=0)
    inside = [r for r in results.records if 2 <= r.time < 4]
    assert inside and all(r.outcome == outcome and r.decided_by == decided for r in inside)
    assert all(r.decided_by == "shared" for r in results.records if not 2 <= r.time < 4)
    assert {r.status for r in inside} == {200 if mode == "open" else 503}


def test_falling_back_holds_each_instance_to_its_share_while_the_store_is_down():
    results = simulate(FleetScenario(store_down=(2, 4), on_store_down="local", rate=600), until=6, seed=0)
    inside = [r for r in results.records if 2 <= r.time < 4]
    assert {r.decided_by for r in inside} == {"fallback"}
    for instance in range(4):
        assert max(admitted_per_window(inside, instance).values()) == 25


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a = simulate(FleetScenario(), until=3, seed=4).records
    assert a == simulate(FleetScenario(), until=3, seed=4).records != simulate(FleetScenario(), until=3, seed=5).records
    assert all(isinstance(r, FleetRecord) for r in a)


def test_the_summary_and_the_timeseries_count_the_same_requests():
    results = simulate(FleetScenario(store_down=(1, 2), on_store_down="closed"), until=4, seed=0)
    s, ts = results.summary(), results.timeseries(bin=0.5)
    assert (sum(ts.served), sum(ts.rate_limited), sum(ts.rejected)) == (s.served, s.rate_limited, s.rejected)
    assert s.requests == len(results.records) and len(ts.t) == 8
    assert s.outage_rate == 0.0 and s.rejected > 0


def test_the_summary_says_the_admitted_rate_first_and_notes_what_cannot_matter():
    s = simulate(FleetScenario(counters="local", store_down=(1, 2)), until=4, seed=0).summary()
    lines = s.lines()
    assert lines[0].startswith(f"{s.served:,} of {s.requests:,} requests admitted")
    assert "no shared store here" in lines[-1].lower() and len(lines) <= 3
    assert math.isnan(s.outage_rate)  # the outage of a store nobody uses changes nothing
    empty = simulate(FleetScenario(rate=0), until=2).summary()
    assert empty.requests == 0 and "No requests" in str(empty)


def test_a_fleet_run_is_bounded_before_it_starts():
    with pytest.raises(ValueError, match="until must be at most 333 s"):
        simulate(FleetScenario(rate=300), until=1000)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"store_down": (4, 2)}, "store_down must end after it starts"),
        ({"store_down": 4}, "store_down must be a \\(start, end\\) pair"),
        ({"counters": "redis"}, "counters must be one of 'local', 'split', 'shared'"),
        ({"on_store_down": "maybe"}, "on_store_down must be one of"),
        ({"instances": 0}, "instances must be a whole number"),
    ],
)
def test_a_fleet_scenario_refuses_what_cannot_be_a_fleet(changes, message):
    with pytest.raises(ValueError, match=message):
        FleetScenario(**changes)


def test_fleet_results_refuse_a_scenario_that_is_not_a_fleet():
    with pytest.raises(ValueError, match="scenario must be"):
        FleetResults("fleet", [], 1.0, 0)
