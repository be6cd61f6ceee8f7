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


def outage_run(check, at=5.0, until=None, kind="unreachable", **kw):
    outage = (Outage("b1", at=at, until=until, kind=kind),)
    sc = BalancerScenario(backends=3, workload=LIGHT, health=check, failures=outage, **kw)
    return simulate(sc, until=30.0)


def test_active_checks_detect_on_the_fall_th_failed_probe_and_restore_on_the_rise_th_pass():
    res = outage_run(HealthCheck(interval=2.0, fall=3, rise=2, timeout=1.0), at=5.0, until=12.0)
    (outage,) = res.outages
    # Probes at 6, 8, 10 get no answer; the third times out at 11.
    assert outage.marked_down == 11.0
    assert outage.detection == 6.0
    # Back at 12: probes at 12 and 14 pass, so traffic returns at 14.
    assert res.backend("b1").timeline == ((0.0, "up"), (5.0, "dead"), (11.0, "down"), (14.0, "up"))
    assert res.backend("b1").state_at(8.0) == "dead"


def test_a_crashed_backend_refuses_probes_at_once_so_it_is_marked_down_a_timeout_sooner():
    res = outage_run(HealthCheck(interval=2.0, fall=3, rise=2, timeout=1.0), at=5.0, until=12.0, kind="crash")
    # Probes at 6, 8, 10 are refused at once: the third marks it down at 10.
    assert res.outages[0].marked_down == 10.0 and res.outages[0].kind == "crash"
    assert res.backend("b1").timeline == ((0.0, "up"), (5.0, "dead"), (10.0, "down"), (14.0, "up"))


@pytest.mark.claim("balancing.detection-bounds")
@settings(max_examples=60)
@given(
    at=st.floats(0.1, 10.0),
    interval=st.floats(0.25, 3.0),
    fall=st.integers(1, 4),
    timeout_share=st.floats(0.0, 1.0),
    kind=st.sampled_from(["unreachable", "crash"]),
)
def test_detection_lies_in_the_window_interval_times_fall_minus_one_to_fall_plus_the_timeout(
    at, interval, fall, timeout_share, kind
):
    check = HealthCheck(interval=interval, fall=fall, rise=1, timeout=interval * timeout_share)
    failures = (Outage("b0", at=at, kind=kind),)
    res = simulate(
        BalancerScenario(backends=2, workload=Workload(rate=5), health=check, failures=failures), until=at + 15
    )
    detection = res.outages[0].detection
    shortest, longest = check.detection_window(kind)
    assert detection is not None
    assert shortest - 1e-9 <= detection <= longest + 1e-9
    wait = check.timeout if kind == "unreachable" else 0.0
    assert (shortest, longest) == pytest.approx(((fall - 1) * interval + wait, fall * interval + wait))


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
    waited = sum(1 for r in res.records if r.note == "connect timed out")  # unreachable: each waited, then a 504
    still_waiting = sum(1 for r in res.records if r.outcome == "unfinished" and r.backend == "b1")
    assert waited + still_waiting == outage.sent_while_dead


def test_passive_checks_eject_after_failures_in_a_row_and_try_again_after_the_ejection():
    check = PassiveCheck(failures=3, ejection=5.0)
    res = outage_run(None, at=5.0, passive=check, kind="crash")
    (outage,) = res.outages
    periods = math.ceil((30 - 5) / check.ejection)
    # At most `failures` to eject it, then one request per ejection period on probation.
    assert 1 <= outage.sent_while_dead <= check.failures + periods
    assert outage.detection is not None and outage.detection < 1.0
    assert [s for _, s in res.backend("b1").timeline].count("ejected") >= 2


def test_passive_checks_hear_of_an_unreachable_backend_only_when_its_connections_time_out():
    check = PassiveCheck(failures=3, ejection=5.0)
    res = outage_run(None, at=5.0, passive=check, connect_timeout=1.0)
    (outage,) = res.outages
    assert 1.0 <= outage.detection < 1.5  # the first three timeouts end a connect timeout after the death
    assert outage.sent_while_dead > 10  # and every request sent meanwhile waits its second


@pytest.mark.claim("balancing.retry-only-what-is-safe")
@pytest.mark.parametrize("kind", ["crash", "unreachable"])
def test_retries_repeat_what_was_never_sent_and_only_idempotent_requests_that_were(kind):
    mixed = Workload(rate=240, methods={"GET": 0.7, "POST": 0.3})
    failures = tuple(Outage("b1", at=at, until=at + 1.5, kind=kind) for at in range(3, 30, 3))  # nine outages
    sc = BalancerScenario(backends=4, workload=mixed, failures=failures, retries=1)
    res = simulate(sc, until=30.0)
    requests = mixed.arrivals(30.0, seed=0)
    never_sent = "connection refused" if kind == "crash" else "connect timed out"
    lost_after_sending = "backend died" if kind == "crash" else "no response"
    retried = [r for r in res.records if r.attempts == 2]
    assert len(retried) > 500 and all(r.outcome == "served" and r.backend != "b1" for r in retried)
    assert not any(r.note == never_sent for r in res.records)  # never sent: always retried, GET or POST
    assert any(requests[r.request].method == "POST" for r in retried)
    lost = [r for r in res.records if r.note == lost_after_sending]  # sent, then lost: only GETs were retried
    assert lost and {requests[r.request].method for r in lost} == {"POST"}
    assert {r.outcome for r in lost} == {"failed" if kind == "crash" else "timed_out"}


def test_a_crash_refuses_connections_at_once_with_a_502():
    res = outage_run(None, at=5.0, kind="crash")
    refused = [r for r in res.records if r.note == "connection refused"]
    assert refused and all(r.latency == 0 and r.http_status == 502 and r.backend == "b1" for r in refused)
    assert len(refused) == res.outages[0].sent_while_dead


def test_an_unreachable_backend_makes_each_connection_wait_for_the_connect_timeout_then_504():
    failures = tuple(Outage("b1", at=at, until=at + 1) for at in (3, 8, 13, 18, 23))
    sc = BalancerScenario(backends=3, workload=Workload(rate=200), failures=failures, connect_timeout=0.5)
    res = simulate(sc, until=30.0)
    waited = [r for r in res.records if r.note == "connect timed out"]
    assert waited and all(r.latency == pytest.approx(0.5) and r.http_status == 504 for r in waited)
    held = [r for r in res.records if r.note == "no response"]  # held when it went silent: no answer ever comes
    assert held and all(r.end == pytest.approx(r.arrival + sc.response_timeout) for r in held)
    assert res.summary().timed_out == len(waited) + len(held)


@pytest.mark.claim("balancing.least-connections-avoids-a-silent-backend")
def test_least_connections_sends_an_unreachable_backend_less_than_its_share():
    res = outage_run(None, at=5.0, strategy="least_connections")
    arrived = sum(1 for r in res.records if r.arrival >= 5.0)
    assert res.outages[0].sent_while_dead / arrived < 0.1  # its waiting connections count as in flight


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
    dead = tuple(Outage(i, at=0.0, kind="crash") for i in range(3))
    with_checks = simulate(BalancerScenario(backends=3, health=HealthCheck(), failures=dead, workload=LIGHT), until=10)
    assert {(r.outcome, r.note) for r in with_checks.records} == {("rejected", "no backend up")}
    assert all(b.timeline == ((0.0, "down"),) for b in with_checks.backends)
    without = simulate(BalancerScenario(backends=3, failures=dead, workload=LIGHT), until=10)
    assert {(r.outcome, r.note) for r in without.records} == {("failed", "connection refused")}
    assert without.summary().served == 0 and len(without.records) > 300


def test_all_backends_dying_later_turns_502s_into_503s_once_detected():
    dead = tuple(Outage(i, at=5.0, kind="crash") for i in range(3))
    check = HealthCheck(interval=1.0, fall=2, timeout=0.5)
    res = simulate(BalancerScenario(backends=3, health=check, failures=dead, workload=LIGHT), until=15)
    last_502 = max(r.end for r in res.records if r.outcome == "failed")
    first_503 = min(r.end for r in res.records if r.outcome == "rejected")
    longest = check.detection_window("crash")[1]
    assert 5.0 <= last_502 <= 5.0 + longest <= first_503 + check.interval
    assert all(r.outcome == "rejected" for r in res.records if r.arrival > 5.0 + longest)


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
        (lambda: Outage("b0", at=1, kind="hang"), "kind must be one of 'unreachable', 'crash'"),
        (
            lambda: BalancerScenario(failures=(Outage(7, at=1),)),
            "failures must name backends in the pool: 'b0', .*\\(got Outage\\(backend=7",
        ),
    ],
)
def test_bad_health_and_failure_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
