import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.balancing import (
    BalancerScenario,
    HealthCheck,
    HealthState,
    Outage,
    PassiveCheck,
    Slowdown,
    Workload,
    simulate,
)

LIGHT = Workload(rate=40)


def test_fall_consecutive_failures_mark_down_and_a_pass_resets_the_count():
    state = HealthState(fall=3, rise=2)
    assert state.replay([False, False, True, False, False]) == ["up"] * 5
    assert state.replay([False]) == ["down"]


def test_rise_consecutive_passes_mark_up_and_a_failure_resets_the_count():
    state = HealthState(fall=1, rise=3, up=False)
    assert state.replay([True, True, False, True, True]) == ["down"] * 5
    assert state.replay([True]) == ["up"]
    assert state.replay([False]) == ["down"]  # fall=1: one failure is enough


@given(results=st.lists(st.booleans(), max_size=60), fall=st.integers(1, 4), rise=st.integers(1, 4))
def test_the_state_flips_only_after_fall_or_rise_agreeing_results(results, fall, rise):
    state, before = HealthState(fall=fall, rise=rise), "up"
    for i, after in enumerate(state.replay(results)):
        if after != before:
            need = fall if after == "down" else rise
            tail = results[max(0, i - need + 1) : i + 1]
            assert len(tail) == need and all(ok == (after == "up") for ok in tail)
        before = after


def outage_run(check, at=5.0, until=None, **kw):
    sc = BalancerScenario(backends=3, workload=LIGHT, health=check, failures=(Outage("b1", at=at, until=until),), **kw)
    return simulate(sc, until=30.0)


def test_active_checks_detect_on_the_fall_th_failed_probe_and_restore_on_the_rise_th_pass():
    res = outage_run(HealthCheck(interval=2.0, fall=3, rise=2, timeout=1.0), at=5.0, until=12.0)
    (outage,) = res.outages
    # Probes at 6, 8, 10 fail; the third answer (a timeout) comes at 11.
    assert outage.marked_down == 11.0
    assert outage.detection == 6.0
    # Back at 12: probes at 12 and 14 pass, so traffic returns at 14.
    assert res.backend("b1").timeline == ((0.0, "up"), (5.0, "dead"), (11.0, "down"), (14.0, "up"))
    assert res.backend("b1").state_at(8.0) == "dead"


@pytest.mark.claim("balancing.detection-bounds")
@settings(max_examples=60)
@given(
    at=st.floats(0.1, 10.0),
    interval=st.floats(0.25, 3.0),
    fall=st.integers(1, 4),
    timeout_share=st.floats(0.0, 1.0),
)
def test_detection_is_bounded_by_interval_times_fall_plus_timeout(at, interval, fall, timeout_share):
    check = HealthCheck(interval=interval, fall=fall, rise=1, timeout=interval * timeout_share)
    sc = BalancerScenario(backends=2, workload=Workload(rate=5), health=check, failures=(Outage("b0", at=at),))
    res = simulate(sc, until=at + check.worst_detection + 1.0)
    detection = res.outages[0].detection
    assert detection is not None
    assert detection <= check.worst_detection + 1e-9
    assert detection >= (fall - 1) * interval + check.timeout - 1e-9


def test_faster_checks_shrink_the_window_of_requests_sent_to_a_dead_backend():
    sent = {}
    for interval, fall in ((4.0, 3), (2.0, 3), (1.0, 2), (0.5, 1)):
        res = outage_run(HealthCheck(interval=interval, fall=fall, timeout=0.25), at=5.0)
        outage = res.outages[0]
        sent[interval] = outage.sent_while_dead
        # Round robin over 3 backends: a third of the traffic during the window.
        assert outage.sent_while_dead == pytest.approx(LIGHT.rate / 3 * outage.detection, rel=0.35, abs=4)
    assert sent[4.0] > sent[2.0] > sent[1.0] > sent[0.5]


def test_without_checks_a_dead_backend_gets_its_share_until_the_end():
    res = outage_run(None, at=5.0)
    (outage,) = res.outages
    assert outage.marked_down is None and outage.detection is None
    assert outage.sent_while_dead == res.backend("b1").sent_while_dead
    assert outage.sent_while_dead == pytest.approx(LIGHT.rate / 3 * 25, rel=0.2)
    assert res.summary().failed >= outage.sent_while_dead


def test_passive_checks_eject_after_failures_in_a_row_and_try_again_after_the_ejection():
    check = PassiveCheck(failures=3, ejection=5.0)
    res = outage_run(None, at=5.0, passive=check)
    (outage,) = res.outages
    periods = math.ceil((30 - 5) / check.ejection)
    # At most `failures` to eject it, then one request per ejection period on probation.
    assert 1 <= outage.sent_while_dead <= check.failures + periods
    assert outage.detection is not None and outage.detection < 1.0
    assert [s for _, s in res.backend("b1").timeline].count("ejected") >= 2


def test_retries_send_a_refused_request_to_another_backend():
    plain = outage_run(None, at=5.0)
    retried = outage_run(None, at=5.0, retries=1)
    assert plain.summary().failed > 100
    died_in_flight = sum(1 for r in retried.records if r.note == "backend died")
    assert retried.summary().failed == died_in_flight  # only requests lost mid-service fail
    second_tries = [r for r in retried.records if r.attempts == 2]
    assert len(second_tries) == retried.outages[0].sent_while_dead
    assert all(r.outcome == "served" and r.backend != "b1" for r in second_tries)


def test_a_connect_timeout_makes_each_refusal_cost_that_long():
    res = outage_run(None, at=5.0, connect_timeout=0.5)
    refused = [r for r in res.records if r.note == "backend dead"]
    assert refused and all(r.latency == pytest.approx(0.5) for r in refused)


@pytest.mark.claim("balancing.a-slow-backend-passes-its-checks")
def test_a_slow_backend_passes_its_health_checks_and_least_connections_routes_around_it():
    slow = (Slowdown("b0", at=0.0, factor=4.0),)
    runs = {
        name: simulate(
            BalancerScenario(strategy=name, health=HealthCheck(), failures=slow, workload=Workload(rate=250)), until=30
        )
        for name in ("round_robin", "least_connections")
    }
    for res in runs.values():
        assert res.backend("b0").timeline == ((0.0, "slow"),)
    assert runs["least_connections"].backend("b0").share < 0.1 < 0.19 < runs["round_robin"].backend("b0").share
    assert runs["least_connections"].summary().p99 < runs["round_robin"].summary().p99 / 3


def test_all_backends_dead_every_request_is_503_with_checks_and_502_without():
    dead = tuple(Outage(i, at=0.0) for i in range(3))
    with_checks = simulate(BalancerScenario(backends=3, health=HealthCheck(), failures=dead, workload=LIGHT), until=10)
    assert {(r.outcome, r.note) for r in with_checks.records} == {("rejected", "no backend up")}
    assert all(b.timeline == ((0.0, "down"),) for b in with_checks.backends)
    without = simulate(BalancerScenario(backends=3, failures=dead, workload=LIGHT), until=10)
    assert {(r.outcome, r.note) for r in without.records} == {("failed", "backend dead")}
    assert without.summary().served == 0 and len(without.records) > 300


def test_all_backends_dying_later_turns_502s_into_503s_once_detected():
    dead = tuple(Outage(i, at=5.0) for i in range(3))
    check = HealthCheck(interval=1.0, fall=2, timeout=0.5)
    res = simulate(BalancerScenario(backends=3, health=check, failures=dead, workload=LIGHT), until=15)
    last_502 = max(r.end for r in res.records if r.outcome == "failed")
    first_503 = min(r.end for r in res.records if r.outcome == "rejected")
    assert 5.0 <= last_502 <= 5.0 + check.worst_detection <= first_503 + check.interval
    assert all(r.outcome == "rejected" for r in res.records if r.arrival > 5.0 + check.worst_detection)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: HealthCheck(interval=0), "interval must be a positive number"),
        (lambda: HealthCheck(fall=0), "fall must be a whole number of at least 1"),
        (lambda: HealthCheck(rise=1.5), "rise must be a whole number"),
        (lambda: HealthCheck(interval=1, timeout=2), "timeout must not exceed interval"),
        (lambda: PassiveCheck(failures=0), "failures must be a whole number"),
        (lambda: PassiveCheck(ejection=-1), "ejection must be a positive number"),
        (lambda: Outage("b0", at=5, until=4), "until must come after at"),
        (lambda: Outage(-1, at=5), "backend must be a whole number of at least 0 .*a backend's name like 'b0'"),
        (lambda: Slowdown("b0", at=1, factor=0), "factor must be a positive number"),
        (
            lambda: BalancerScenario(failures=(Outage(7, at=1),)),
            "failures must name backends in the pool: 'b0', .*\\(got Outage\\(backend=7",
        ),
    ],
)
def test_bad_health_and_failure_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
