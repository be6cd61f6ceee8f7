"""The payment service a consumer calls, and the circuit breaker in front of it."""

import pytest

from course.messaging import (
    PAYMENTS,
    CircuitBreaker,
    ConsumerPool,
    Dependency,
    DependencyState,
    Faults,
    MessageQueue,
    QueueScenario,
    RetryPolicy,
    simulate,
)
from course.messaging.dependency import Breaker
from course.sim import ConstantRate, Environment


@pytest.mark.claim("queues.overload-fails-more")
def test_ten_calls_at_once_overload_a_service_that_answers_four_within_the_timeout():
    payments = DependencyState(PAYMENTS)
    answers = [payments.call(0.0) for _ in range(10)]
    assert answers == pytest.approx([0.005 * k for k in range(1, 11)])  # 5 ms each, one after another
    assert sum(a > PAYMENTS.timeout for a in answers) == payments.abandoned == 6
    assert payments.backlog(0.0) == pytest.approx(0.05)  # all ten are worked on, abandoned or not
    assert payments.wasted == pytest.approx(6 * 0.005 - 0.0, abs=0.0051)  # the abandoned calls' work after 20 ms
    late = payments.call(0.02)  # a call 20 ms later waits behind the work nobody waits for
    assert late == pytest.approx(0.035) and late > PAYMENTS.timeout


def test_below_its_capacity_every_call_is_answered_in_time():
    service = DependencyState(Dependency(rate=200, timeout=0.02))
    times = [service.call(t * 0.01) for t in range(100)]  # 100 calls/s: half its rate
    assert max(times) == pytest.approx(0.005) and service.abandoned == 0 and service.wasted == 0


def test_the_capacity_is_rate_times_timeout():
    assert Dependency(rate=50, timeout=0.2).capacity == 10
    assert PAYMENTS.capacity == pytest.approx(4)


def test_a_breaker_opens_after_failures_in_a_row_and_lets_one_probe_through_after_the_cooldown():
    env = Environment()
    woken = []
    b = Breaker(CircuitBreaker(failures=3, cooldown=1.0), env, lambda: woken.append(env.now))
    b.record(False, False), b.record(False, False), b.record(True, False)  # a success resets the count
    assert b.state == "closed"
    for _ in range(3):
        b.record(False, False)
    assert b.state == "open" and b.allows() is None
    env.run(until=1.0)
    assert b.state == "half_open" and woken == [1.0]
    assert b.allows() == "probe" and b.allows() is None  # one probe at a time
    b.record(False, True)  # the probe failed: open again for another cooldown
    assert b.state == "open"
    env.run(until=2.0)
    b.allows()
    b.release()  # the probe's message failed before calling: another consumer may probe
    assert b.allows() == "probe"
    b.record(True, True)
    assert b.state == "closed" and b.allows() == "call"
    assert [state for _, state in b.log] == ["closed", "open", "half_open", "open", "half_open", "closed"]


def test_results_of_calls_started_before_the_breaker_opened_do_not_move_it():
    env = Environment()
    b = Breaker(CircuitBreaker(failures=1, cooldown=5.0), env, lambda: None)
    b.record(False, False)
    b.record(True, False)  # a late success from before: the breaker stays open
    assert b.state == "open"


def run_pool(dependency=None, breaker=None, faults=None, consumers=2, messages=20, until=10.0):
    env = Environment()
    queue = MessageQueue(env, retry=RetryPolicy(backoff="fixed", base=0.1, max_attempts=50))
    pool = ConsumerPool(env, queue, consumers, 0.01, dependency=dependency, breaker=breaker, faults=faults)
    for _ in range(messages):
        queue.send()
    env.run(until=until)
    return queue, pool


def test_each_attempt_calls_the_dependency_and_takes_its_response_time():
    queue, pool = run_pool(Dependency(rate=100, timeout=1.0), consumers=1, messages=3)
    assert [round(c.response, 6) for c in pool.calls] == [0.01, 0.01, 0.01] and all(c.answered for c in pool.calls)
    acks = [e.t for e in queue.events if e.kind == "ack"]
    assert acks == pytest.approx([0.02, 0.04, 0.06])  # 10 ms call + 10 ms of work each


def test_a_call_that_times_out_fails_the_attempt_at_the_timeout_and_says_why():
    queue, pool = run_pool(Dependency(rate=10, timeout=0.15), consumers=4, messages=4, until=0.2)
    fails = [e for e in queue.events if e.kind == "fail"]
    assert {e.detail for e in fails} == {"timed out"} and len(fails) == 3  # 0.1 s each: only the first is in time
    assert all(e.t == pytest.approx(0.15) for e in fails)
    assert sum(not c.answered for c in pool.calls) == 3 and pool.service.abandoned == 3


def test_during_an_outage_calls_are_refused_fast_and_cost_the_service_nothing():
    faults = Faults(outage=(0.0, 1.0), fail_time=0.01)
    queue, pool = run_pool(Dependency(rate=10, timeout=0.5), faults=faults, consumers=1, messages=1, until=0.5)
    assert {e.detail for e in queue.events if e.kind == "fail"} == {"refused"}
    assert pool.service.calls == 0 and all(not c.answered for c in pool.calls)


def test_an_open_breaker_keeps_every_consumer_from_taking_a_message():
    faults = Faults(outage=(0.0, 5.0), fail_time=0.01)
    queue, _ = run_pool(breaker=CircuitBreaker(failures=3, cooldown=1.0), faults=faults, consumers=4, until=4.9)
    delivered = [e.t for e in queue.events if e.kind == "deliver"]
    assert len([t for t in delivered if t < 1.0]) <= 4 + 3  # the first three failures open it
    assert 3 <= len([t for t in delivered if t >= 1.0]) <= 5  # then one probe per cooldown
    assert queue.counts["ready"] > 10  # the messages wait in the queue meanwhile


def test_the_breaker_recovers_after_the_outage_and_every_message_is_acked():
    faults = Faults(outage=(0.0, 2.0), fail_time=0.01)
    queue, pool = run_pool(breaker=CircuitBreaker(failures=3, cooldown=0.5), faults=faults, until=20)
    assert queue.counts["acked"] == 20 and pool.breaker.state == "closed"


def test_faults_say_when_the_dependency_is_down():
    assert Faults(outage=(1, 2)).down(1.5) and not Faults(outage=(1, 2)).down(2.0) and not Faults().down(1.5)
    with pytest.raises(ValueError, match="now must be a finite number"):
        Faults().down(float("nan"))


def test_a_scenario_carries_its_dependency_and_breaker_into_the_run():
    scenario = QueueScenario(
        source=ConstantRate(rate=5), consumers=2, dependency=Dependency(rate=100, timeout=0.5),
        breaker=CircuitBreaker(), produce_for=2,
    )  # fmt: skip
    res = simulate(scenario, until=3)
    assert len(res.calls) == res.summary().deliveries and res.breaker_log == [(0.0, "closed")]
    assert "dependency=Dependency(rate=100, timeout=0.5)" in repr(scenario)
    assert simulate(QueueScenario(source=ConstantRate(rate=5), produce_for=2), until=3).calls == []


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: Dependency(rate=-1), "rate must be a positive number"),
        (lambda: Dependency(timeout=0), "timeout must be a positive number"),
        (lambda: CircuitBreaker(failures=0), "failures must be a whole number of at least 1"),
        (lambda: CircuitBreaker(cooldown=float("inf")), "cooldown must be a positive number"),
        (lambda: DependencyState("fast"), "dependency must be a Dependency"),
        (lambda: DependencyState(PAYMENTS).call(-1), "now must be a number from 0"),
        (lambda: QueueScenario(dependency=100), "dependency must be a Dependency"),
        (lambda: QueueScenario(breaker=True), "breaker must be a CircuitBreaker"),
        (lambda: MessageQueue(Environment()).nack(None, reason=3), "delivery must be the Delivery"),
    ],
)
def test_bad_settings_are_refused_naming_what_was_passed(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_nack_reason_must_be_words_and_is_checked_before_anything_changes():
    q = MessageQueue(Environment())
    q.send()
    d = q.receive()
    with pytest.raises(ValueError, match="reason must be a str"):
        q.nack(d, reason=3)
    assert q.state(0) == "in_flight" and q.nack(d, reason="timed out")
    assert [e.detail for e in q.events if e.kind == "fail"] == ["timed out"]
