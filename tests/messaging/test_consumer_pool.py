import pytest

from course.messaging import ConsumerPool, Faults, MessageQueue, RetryPolicy
from course.sim import Environment, Exponential, ServerPool


def setup(consumers=1, processing=1.0, queue=None, **pool):
    env = Environment()
    q = MessageQueue(env, **(queue or {}))
    p = ConsumerPool(env, q, consumers=consumers, processing=processing, **pool)
    return env, q, p


def log(q, *kinds):
    return [(e.t, e.kind, e.message, e.consumer) for e in q.events if not kinds or e.kind in kinds]


def test_consumers_work_in_parallel_and_take_the_next_message_when_done():
    env, q, _ = setup(consumers=2, processing=1.0)
    for _ in range(3):
        q.send()
    env.run()
    assert log(q, "ack") == [(1.0, "ack", 0, 0), (1.0, "ack", 1, 1), (2.0, "ack", 2, 0)]


def test_processing_times_are_drawn_like_a_server_pool_with_the_same_seed():
    *_, pool = setup(consumers=1, processing=Exponential(rate=3), seed=11)
    twin = ServerPool(Environment(), servers=1, service=Exponential(rate=3), seed=11)
    drawn = [pool.processing.sample(pool.rng_processing) for _ in range(5)]
    assert drawn == twin.service.sample_many(twin.rng, 5)


def test_zero_consumers_is_a_clear_state_everything_waits():
    env, q, pool = setup(consumers=0)
    for _ in range(3):
        q.send()
    env.run(until=100)
    assert q.counts["ready"] == 3 and q.counts["acked"] == 0
    assert repr(pool) == "ConsumerPool(consumers=0, busy=0, duplicates=0)"


def test_a_crash_after_the_work_brings_the_message_back_at_the_timeout_and_duplicates_the_effect():
    env, q, pool = setup(queue=dict(visibility_timeout=5), faults=Faults(schedule={(0, 1): "crash"}))
    q.send()
    env.run()
    assert log(q, "deliver", "crash", "timeout", "duplicate", "ack") == [
        (0.0, "deliver", 0, 0),
        (1.0, "crash", 0, 0),
        (5.0, "timeout", 0, 0),
        (5.0, "deliver", 0, 0),
        (6.0, "duplicate", 0, 0),
        (6.0, "ack", 0, 0),
    ]
    assert pool.effects == {0: 2} and pool.duplicates == 1


def test_an_idempotent_consumer_applies_the_crashed_message_exactly_once():
    env, q, pool = setup(queue=dict(visibility_timeout=5), faults=Faults(schedule={(0, 1): "crash"}), idempotent=True)
    q.send()
    env.run()
    assert pool.effects == {0: 1} and pool.duplicates == 1
    assert [e.detail for e in q.events if e.kind == "duplicate"] == ["skipped"]
    assert q.state(0) == "acked"


def test_a_slow_consumer_loses_its_message_to_another_at_the_timeout():
    faults = Faults(schedule={(0, 1): "slow"}, slow_time=8.0)
    env, q, pool = setup(consumers=2, queue=dict(visibility_timeout=5), faults=faults)
    q.send()
    env.run()
    assert log(q, "deliver", "timeout", "ack", "late_ack") == [
        (0.0, "deliver", 0, 0),
        (5.0, "timeout", 0, 0),
        (5.0, "deliver", 0, 1),  # consumer 1 takes it while consumer 0 is still at work
        (6.0, "ack", 0, 1),
        (8.0, "late_ack", 0, 0),  # consumer 0 finishes; its receipt is stale
    ]
    assert pool.effects == {0: 2}


def test_an_idempotent_slow_consumer_skips_the_work_already_done():
    faults = Faults(schedule={(0, 1): "slow"}, slow_time=8.0)
    env, q, pool = setup(consumers=2, queue=dict(visibility_timeout=5), faults=faults, idempotent=True)
    q.send()
    env.run()
    assert pool.effects == {0: 1}


def test_a_failure_is_retried_after_the_backoff_then_dead_lettered():
    retry = RetryPolicy(backoff="exponential", base=2, max_attempts=3)
    env, q, pool = setup(queue=dict(retry=retry), faults=Faults(poison={0}))
    q.send()
    env.run()
    assert log(q, "deliver", "fail", "dead_letter") == [
        (0.0, "deliver", 0, 0), (1.0, "fail", 0, 0),
        (3.0, "deliver", 0, 0), (4.0, "fail", 0, 0),
        (8.0, "deliver", 0, 0), (9.0, "fail", 0, 0), (9.0, "dead_letter", 0, 0),
    ]  # fmt: skip
    assert pool.effects == {}


def test_detected_poison_goes_to_the_dlq_on_its_first_attempt():
    env, q, _ = setup(faults=Faults(poison={1}, detect_poison=True))
    q.send(), q.send(), q.send()
    env.run()
    assert [(d.message, d.reason, d.attempts, d.t) for d in q.dlq] == [(1, "poison", 1, 2.0)]
    assert q.counts["acked"] == 2


def test_a_message_marked_poison_at_send_fails_too():
    env, q, _ = setup(queue=dict(retry=RetryPolicy(backoff="none", max_attempts=2)))
    q.send(poison=True)
    env.run()
    assert q.state(0) == "dead_lettered"


def test_fast_failures_take_fail_time():
    env, q, _ = setup(faults=Faults(schedule={(0, 1): "fail"}, fail_time=0.25), queue=dict(retry=RetryPolicy(base=1)))
    q.send()
    env.run()
    assert log(q, "fail", "ack") == [(0.25, "fail", 0, 0), (2.25, "ack", 0, 0)]


def test_every_attempt_during_an_outage_fails():
    retry = RetryPolicy(backoff="fixed", base=4, max_attempts=None)
    env, q, _ = setup(queue=dict(retry=retry), faults=Faults(outage=(0, 6)))
    q.send()
    env.run()
    assert log(q, "deliver", "ack") == [(0.0, "deliver", 0, 0), (5.0, "deliver", 0, 0), (10.0, "deliver", 0, 0),
                                        (11.0, "ack", 0, 0)]  # fmt: skip


def test_a_polling_consumer_finds_a_message_at_its_next_poll():
    env, q, _ = setup(processing=0.5, poll_interval=2.0)
    env.run(until=3.0)
    q.send()  # the consumer last found the queue empty at t=0: it polls at 2, 4, 6 ...
    env.run(until=4.2)
    q.send()  # it finished at 4.5 and polls at once: no wait
    env.run()
    assert log(q, "deliver") == [(4.0, "deliver", 0, 0), (4.5, "deliver", 1, 0)]


def test_a_crashed_consumer_is_down_for_its_restart_time():
    env, q, _ = setup(queue=dict(visibility_timeout=30), faults=Faults(schedule={(0, 1): "crash"}), restart=3.0)
    q.send(), q.send()
    env.run()
    assert log(q, "deliver") == [(0.0, "deliver", 0, 0), (4.0, "deliver", 1, 0), (30.0, "deliver", 0, 0)]


def test_each_partition_has_one_owner_and_extra_consumers_sit_idle():
    env, q, pool = setup(consumers=5, queue=dict(partitions=3))
    assert pool.assignment == {0: [0], 1: [1], 2: [2], 3: [], 4: []}
    for _ in range(9):
        q.send()
    env.run()
    assert {e.consumer for e in q.events if e.kind == "deliver"} == {0, 1, 2}
    *_, pool2 = setup(consumers=2, queue=dict(partitions=5))
    assert pool2.assignment == {0: [0, 2, 4], 1: [1, 3]}


def test_a_failing_message_blocks_its_partition_until_it_succeeds():
    retry = RetryPolicy(backoff="fixed", base=3)
    env, q, _ = setup(consumers=2, queue=dict(partitions=2, retry=retry), faults=Faults(schedule={(0, 1): "fail"}))
    for _ in range(4):
        q.send()  # 0 and 2 on partition 0, 1 and 3 on partition 1
    env.run()
    assert log(q, "ack") == [(1.0, "ack", 1, 1), (2.0, "ack", 3, 1), (5.0, "ack", 0, 0), (6.0, "ack", 2, 0)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(failure_rate=1.5), "failure_rate must be a number from 0 to 1"),
        (dict(crash_rate=-0.1), "crash_rate must be a number from 0 to 1"),
        (dict(failure_rate=0.6, slow_rate=0.6), "must be at most 1"),
        (dict(slow_time=0), "slow_time must be a positive number"),
        (dict(fail_time=-1), "fail_time must be a positive number"),
        (dict(outage=(5, 2)), r"outage must be \(start, end\) with start < end"),
        (dict(outage=(5, float("nan"))), "outage must be a number from 0"),
        (dict(schedule={(0, 1): "explode"}), "schedule must be one of 'ok', 'fail', 'crash', 'slow', 'poison'"),
        (dict(schedule={(0, 0): "ok"}), "schedule must be a whole number of at least 1"),
        (dict(poison={-1}), "poison must be a whole number of at least 0"),
    ],
)
def test_bad_faults_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Faults(**kwargs)


def test_poison_must_be_a_set_of_ids():
    with pytest.raises(ValueError, match="poison must be a set of message ids"):
        Faults(poison="7")
    assert Faults(poison=[3, 3, 17]).poison == frozenset({3, 17})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(consumers=-1), "consumers must be a whole number of at least 0"),
        (dict(consumers=1.5), "consumers must be a whole number"),
        (dict(consumers=10**9), "consumers must be a whole number of at most 10,000"),
        (dict(poll_interval=-1), "poll_interval must be a number from 0"),
        (dict(restart=float("nan")), "restart must be a number from 0"),
        (dict(processing="slow"), "processing must be a distribution such as Exponential"),
        (dict(processing=0), "processing must be a positive number"),
        (dict(idempotent=1), "idempotent must be a bool"),
    ],
)
def test_bad_pool_settings_are_refused_with_the_fix(kwargs, message):
    env = Environment()
    with pytest.raises(ValueError, match=message):
        ConsumerPool(env, MessageQueue(env), **kwargs)


def test_a_pool_and_its_queue_must_share_one_clock():
    with pytest.raises(ValueError, match="queue must run on the same env"):
        ConsumerPool(Environment(), MessageQueue(Environment()))
