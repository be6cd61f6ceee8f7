import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.messaging import MESSAGE_STATES, MessageQueue, RetryPolicy
from course.sim import Environment, partition_for


def log(q, *kinds):
    return [(e.t, e.kind, e.message) for e in q.events if not kinds or e.kind in kinds]


def drain_ids(q, consumer=0, lanes=None):
    """Receive and ack until empty; the ids in delivery order."""
    ids = []
    while (d := q.receive(consumer, lanes)) is not None:
        ids.append(d.message)
        q.ack(d)
    return ids


# -- ordering -------------------------------------------------------------------------------------


def test_fifo_hands_out_messages_in_the_order_they_were_sent():
    q = MessageQueue(Environment())
    for _ in range(5):
        q.send()
    assert drain_ids(q) == [0, 1, 2, 3, 4]


def test_priority_serves_lower_numbers_first_and_fifo_among_equals():
    q = MessageQueue(Environment(), ordering="priority")
    for priority in (2, 0, 1, 0, 2):
        q.send(priority=priority)
    assert drain_ids(q) == [1, 3, 2, 0, 4]


def test_a_custom_ordering_function_picks_the_order():
    q = MessageQueue(Environment(), ordering=lambda m: -m.id)  # newest first: a stack
    for _ in range(4):
        q.send()
    assert drain_ids(q) == [3, 2, 1, 0]


def test_a_retried_message_goes_back_to_its_place_at_the_head():
    env = Environment()
    q = MessageQueue(env, retry=RetryPolicy(backoff="none"))
    q.send(), q.send()
    first = q.receive()
    q.nack(first)
    assert q.receive().message == 0


def test_keys_pick_partitions_with_kafkas_partitioner():
    q = MessageQueue(Environment(), partitions=4)
    keys = [f"rider-{i}" for i in range(20)]
    ids = [q.send(key=k) for k in keys]
    assert [q.messages[i].partition for i in ids] == [partition_for(k, 4) for k in keys]
    assert len({q.messages[i].partition for i in ids}) == 4


def test_keyless_messages_go_round_robin_over_partitions():
    q = MessageQueue(Environment(), partitions=3)
    assert [q.messages[q.send()].partition for _ in range(5)] == [0, 1, 2, 0, 1]


def test_a_partition_hands_out_one_message_at_a_time_and_keeps_its_order():
    q = MessageQueue(Environment(), partitions=2, retry=RetryPolicy(backoff="none"))
    for _ in range(4):
        q.send()  # partitions 0, 1, 0, 1
    a = q.receive(lanes=[0])
    assert q.receive(lanes=[0]) is None  # message 2 waits for message 0
    b = q.receive(lanes=[1])
    assert (a.message, b.message) == (0, 1)
    q.nack(a)  # a failure: message 0 comes back, still ahead of message 2
    assert q.receive(lanes=[0]).message == 0


def test_order_holds_within_a_partition_but_not_across_partitions():
    q = MessageQueue(Environment(), partitions=2)
    for _ in range(4):
        q.send()  # partitions 0, 1, 0, 1
    order = drain_ids(q, lanes=[1]) + drain_ids(q, lanes=[0])
    assert order == [1, 3, 0, 2]
    assert [m for m in order if m % 2 == 0] == [0, 2] and [m for m in order if m % 2] == [1, 3]


# -- visibility timeout, acks and redelivery ------------------------------------------------------


def test_an_unacked_message_comes_back_exactly_at_the_visibility_timeout():
    env = Environment()
    q = MessageQueue(env, visibility_timeout=5)
    q.send()
    env.run(until=2)
    d = q.receive(consumer=3)
    assert (d.start, d.deadline, d.attempt) == (2.0, 7.0, 1)
    env.run(until=6.999)
    assert q.state(0) == "in_flight"
    env.run(until=7)
    assert q.state(0) == "ready"
    assert log(q, "timeout", "visible") == [(7.0, "timeout", 0), (7.0, "visible", 0)]
    again = q.receive(consumer=1)
    assert (again.attempt, again.deadline, again.receipt != d.receipt) == (2, 12.0, True)


def test_an_ack_in_time_removes_the_message_and_cancels_the_timeout():
    env = Environment()
    q = MessageQueue(env, visibility_timeout=5)
    q.send()
    d = q.receive()
    env.run(until=4.5)
    assert q.ack(d) is True
    env.run(until=100)
    assert log(q) == [(0.0, "produce", 0), (0.0, "enqueue", 0), (0.0, "deliver", 0), (4.5, "ack", 0)]
    assert q.counts["acked"] == 1 and q.counts["in_flight"] == 0


def test_only_the_current_receipt_can_ack_a_late_ack_changes_nothing():
    env = Environment()
    q = MessageQueue(env, visibility_timeout=5)
    q.send()
    slow = q.receive(consumer=0)
    env.run(until=5)
    fast = q.receive(consumer=1)
    env.run(until=6)
    assert q.ack(slow) is False
    assert q.state(0) == "in_flight"
    assert q.ack(fast) is True
    assert q.ack(fast) is False  # a second ack of the same delivery is late too
    assert log(q, "ack", "late_ack") == [(6.0, "late_ack", 0), (6.0, "ack", 0), (6.0, "late_ack", 0)]


def test_a_nack_brings_the_message_back_after_the_backoff():
    env = Environment()
    q = MessageQueue(env, retry=RetryPolicy(backoff="exponential", base=1, cap=100, max_attempts=10))
    q.send()
    for _ in range(4):
        d = q.receive()
        env.run(until=env.now + 0.5)  # work half a second, then fail
        q.nack(d)
        env.run(until=env.peek())
    assert log(q, "fail", "visible") == [
        (0.5, "fail", 0), (1.5, "visible", 0),    # waits 1 s
        (2.0, "fail", 0), (4.0, "visible", 0),    # waits 2 s
        (4.5, "fail", 0), (8.5, "visible", 0),    # waits 4 s
        (9.0, "fail", 0), (17.0, "visible", 0),   # waits 8 s
    ]  # fmt: skip


def test_a_nack_can_name_its_own_delay():
    env = Environment()
    q = MessageQueue(env)
    q.send()
    q.nack(q.receive(), delay=2.5)
    assert q.state(0) == "delayed"
    env.run()
    assert log(q, "visible") == [(2.5, "visible", 0)]


# -- dead letters ---------------------------------------------------------------------------------


def test_a_message_is_dead_lettered_after_max_attempts_of_failure():
    env = Environment()
    q = MessageQueue(env, retry=RetryPolicy(backoff="none", max_attempts=3))
    q.send(key="k")
    for _ in range(3):
        q.nack(q.receive())
    assert q.state(0) == "dead_lettered"
    assert [(d.message, d.key, d.reason, d.attempts) for d in q.dlq.inspect()] == [(0, "k", "max attempts", 3)]
    assert q.receive() is None


def test_timeouts_count_as_attempts_too():
    env = Environment()
    q = MessageQueue(env, visibility_timeout=2, retry=RetryPolicy(max_attempts=2))
    q.send()
    q.receive()
    env.run(until=2)
    q.receive()
    env.run(until=10)
    assert log(q, "timeout", "dead_letter") == [(2.0, "timeout", 0), (4.0, "timeout", 0), (4.0, "dead_letter", 0)]


def test_poison_is_dead_lettered_at_once_and_redrive_sends_it_back_to_the_end():
    env = Environment()
    q = MessageQueue(env)
    q.send(), q.send()
    q.dead_letter(q.receive(), reason="poison")
    q.send()
    assert [d.reason for d in q.dlq] == ["poison"]
    assert q.dlq.redrive() == 1
    assert len(q.dlq) == 0 and q.state(0) == "ready"
    back = drain_ids(q)
    assert back == [1, 2, 0]
    assert q.messages[0].attempts == 1 and q.messages[0].deliveries == 2  # attempts restart, history stays


def test_redrive_of_selected_ids_and_unknown_ids():
    env = Environment()
    q = MessageQueue(env)
    for _ in range(3):
        q.send()
    for _ in range(3):
        q.dead_letter(q.receive())
    assert q.dlq.redrive(ids=[2]) == 1
    assert [d.message for d in q.dlq] == [0, 1]
    with pytest.raises(ValueError, match=r"ids must name messages in the dead-letter queue \(got \[7\]"):
        q.dlq.redrive(ids=[0, 7])
    assert len(q.dlq) == 2  # nothing moved


# -- full queues ----------------------------------------------------------------------------------


def test_a_full_queue_rejects_new_messages_with_reject():
    q = MessageQueue(Environment(), capacity=2, when_full="reject")
    ids = [q.send() for _ in range(3)]
    assert [q.state(i) for i in ids] == ["ready", "ready", "rejected"]
    assert log(q, "reject") == [(0.0, "reject", 2)]
    assert q.messages[2].reason == "queue full"
    d = q.receive()
    q.send()  # a delivered message is still the queue's until it is acked: still full
    assert q.state(3) == "rejected"
    q.ack(d)
    q.send()  # the ack made room
    assert q.state(4) == "ready" and d.message == 0


def test_a_full_queue_pushes_out_its_oldest_waiting_message_with_drop_oldest():
    q = MessageQueue(Environment(), capacity=2, when_full="drop_oldest")
    for _ in range(4):
        q.send()
    assert [q.state(i) for i in range(4)] == ["rejected", "rejected", "ready", "ready"]
    assert [e.detail for e in q.events if e.kind == "reject"] == ["oldest", "oldest"]
    assert drain_ids(q) == [2, 3]


def test_drop_oldest_with_every_message_in_flight_rejects_the_newcomer():
    q = MessageQueue(Environment(), capacity=1, when_full="drop_oldest")
    q.send()
    q.receive()
    q.send()  # nothing is waiting to push out: the new message is refused
    assert (q.state(0), q.state(1)) == ("in_flight", "rejected")


def test_drop_oldest_can_push_out_a_message_waiting_out_its_backoff():
    env = Environment()
    q = MessageQueue(env, capacity=1, when_full="drop_oldest", retry=RetryPolicy(backoff="fixed", base=5))
    q.send()
    q.nack(q.receive())
    q.send()
    assert (q.state(0), q.state(1)) == ("rejected", "ready")
    env.run()
    assert log(q, "visible") == []  # its retry timer was called off


def test_a_full_queue_blocks_the_producer_until_an_ack_makes_room():
    env = Environment()
    q = MessageQueue(env, capacity=1, when_full="block")
    ids = [q.send() for _ in range(3)]
    assert [q.state(i) for i in ids] == ["ready", "at_producer", "at_producer"]
    env.run(until=4)
    d = q.receive()
    assert (q.state(1), q.state(2)) == ("at_producer", "at_producer")  # in flight still takes the place
    env.run(until=5)
    q.ack(d)
    assert (q.state(1), q.state(2)) == ("ready", "at_producer")
    assert q.messages[1].enqueued == 5.0  # it entered the queue when room appeared
    assert drain_ids(q) == [1, 2]


def test_a_message_coming_back_always_has_its_place_and_depth_never_exceeds_capacity():
    env = Environment()
    q = MessageQueue(env, capacity=2, when_full="reject", visibility_timeout=1, retry=RetryPolicy(backoff="none"))
    q.send()
    d = q.receive()
    q.send()
    q.send()  # ready 1 + in flight 1: full
    assert q.state(2) == "rejected"
    q.nack(d)  # message 0 comes back: its place was kept
    assert q.waiting == 2 and (q.state(0), q.state(1)) == ("ready", "ready")
    q.receive()
    env.run(until=5)  # a timeout brings it back too
    assert q.held == 2 and max(row[1] for row in q.gauges) <= 2


@pytest.mark.claim("queues.capacity-bounds-depth")
@given(
    capacity=st.integers(1, 6),
    when_full=st.sampled_from(["block", "reject", "drop_oldest"]),
    script=st.lists(st.tuples(st.sampled_from(["send", "receive", "ack", "nack", "wait"]), st.integers(0, 5)),
                    max_size=60),
)  # fmt: skip
def test_the_queue_never_holds_more_than_its_capacity(capacity, when_full, script):
    env = Environment()
    q = MessageQueue(env, capacity=capacity, when_full=when_full, visibility_timeout=2,
                     retry=RetryPolicy(backoff="fixed", base=0.5, max_attempts=3))  # fmt: skip
    out = []
    for op, n in script:
        if op == "send":
            q.send()
        elif op == "receive" and (d := q.receive(consumer=n)) is not None:
            out.append(d)
        elif op in ("ack", "nack") and out:
            d = out.pop(n % len(out))
            q.ack(d) if op == "ack" else q.nack(d)
        elif op == "wait":
            env.run(until=env.now + n / 2)
        assert q.held <= capacity
    assert all(row[1] + row[2] + row[3] <= capacity for row in q.gauges)  # ready + delayed + in flight


# -- defects that once stranded or reordered messages ---------------------------------------------------------------


@pytest.mark.parametrize("delay", [-1, math.nan, math.inf, "soon", True])
def test_a_bad_nack_delay_is_refused_before_anything_changes(delay):
    env = Environment()
    q = MessageQueue(env, visibility_timeout=5)
    q.send()
    d = q.receive()
    events = len(q.events)
    with pytest.raises(ValueError, match="delay must be a number from 0"):
        q.nack(d, delay=delay)
    assert q.state(0) == "in_flight" and len(q.events) == events
    env.run(until=5)  # the visibility timer still runs: the message comes back, it is not stranded
    assert q.state(0) == "ready" and log(q, "timeout") == [(5.0, "timeout", 0)]


def test_a_nan_priority_is_refused_instead_of_silently_reordering():
    q = MessageQueue(Environment(), ordering="priority")
    with pytest.raises(ValueError, match="priority must be a finite number"):
        q.send(priority=math.nan)
    with pytest.raises(ValueError, match="priority must be a finite number"):
        q.send(priority=math.inf)
    assert q.messages == []  # nothing half-made
    for priority in (2, 0, 1):
        q.send(priority=priority)
    assert drain_ids(q) == [1, 2, 0]


def test_an_ordering_function_that_returns_nan_is_refused():
    q = MessageQueue(Environment(), ordering=lambda m: math.nan)
    with pytest.raises(ValueError, match="ordering must give every message a sort key that is not NaN"):
        q.send()


@st.composite
def operations(draw):
    ops = []
    for _ in range(draw(st.integers(1, 40))):
        op = draw(st.sampled_from(["send", "receive", "ack", "nack", "bad_nack", "dead_letter", "wait", "redrive"]))
        ops.append((op, draw(st.integers(0, 7)), draw(st.sampled_from([-1, math.nan, math.inf, 0, 0.5, 3.0]))))
    return ops


@pytest.mark.claim("queues.never-stranded")
@given(ops=operations(), capacity=st.one_of(st.none(), st.integers(1, 4)), attempts=st.integers(1, 4))
def test_a_message_is_never_stranded(ops, capacity, attempts):
    """Whatever consumers do (bad calls included), every message ends acked, dead-lettered or rejected, or is
    available, or waits for a live timer that will move it on: left alone, the queue hands every message out again."""
    env = Environment()
    q = MessageQueue(env, capacity=capacity, visibility_timeout=2, retry=RetryPolicy(base=0.5, max_attempts=attempts))
    out = []
    for op, n, delay in ops:
        if op == "send":
            q.send()
        elif op == "receive" and (d := q.receive(consumer=n)) is not None:
            out.append(d)
        elif op in ("ack", "nack", "bad_nack", "dead_letter") and out:
            d = out[n % len(out)]
            if op == "ack":
                q.ack(d)
            elif op == "dead_letter":
                q.dead_letter(d)
            elif op == "nack":
                q.nack(d, delay=None if delay != delay or delay < 0 or delay == math.inf else delay)
            else:
                try:
                    q.nack(d, delay=delay)
                except ValueError:
                    pass
        elif op == "wait":
            env.run(until=env.now + n / 2)
        elif op == "redrive":
            q.dlq.redrive()
    assert all(m.state in MESSAGE_STATES for m in q.messages)
    for m in q.messages:
        if m.state in ("in_flight", "delayed"):
            assert m.timer is not None  # something will move it on
    env.run(until=env.now + 10_000)  # nobody acts any more: every timer fires
    assert {m.state for m in q.messages} <= {"ready", "acked", "dead_lettered", "rejected"}
    assert all(q.available() for m in q.messages if m.state == "ready")


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(capacity=0), r"capacity must be a whole number of at least 1 .*\(None: unbounded\)"),
        (dict(capacity=-3), "course.sim.ServerPool with queue_capacity=0"),
        (dict(when_full="wait"), "when_full must be one of 'block', 'reject', 'drop_oldest'"),
        (dict(visibility_timeout=-1), "visibility_timeout must be a positive number"),
        (dict(visibility_timeout=0), "set it above the processing time"),
        (dict(partitions=0), "partitions must be a whole number of at least 1"),
        (dict(partitions=10**9), "partitions must be a whole number of at most 10,000"),
        (dict(ordering="lifo"), "ordering must be 'fifo', 'priority' or a function"),
        (dict(retry="exponential"), "retry must be a RetryPolicy"),
        (dict(seed=1.5), "seed must be a whole number"),
    ],
)
def test_bad_queue_settings_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MessageQueue(Environment(), **kwargs)


def test_acking_something_that_is_not_a_delivery_is_refused():
    q = MessageQueue(Environment())
    q.send()
    with pytest.raises(ValueError, match="delivery must be the Delivery that receive"):
        q.ack(0)
    with pytest.raises(ValueError, match="msg must be a new message of this queue"):
        q.offer(q.messages[0])
    with pytest.raises(ValueError, match="message must be a whole number of at most 0"):
        q.state(3)
    with pytest.raises(ValueError, match="lanes must be a whole number of at most 0"):
        q.receive(lanes=[2])


def test_repr_shows_the_counts():
    q = MessageQueue(Environment())
    q.send()
    assert repr(q) == "MessageQueue('queue', ready=1, delayed=0, in_flight=0, acked=0, dead_lettered=0, rejected=0)"


@given(st.lists(st.sampled_from(["send", "receive", "ack", "nack", "wait"]), max_size=60), st.integers(1, 6))
def test_a_queue_that_keeps_no_history_behaves_the_same_and_knows_its_peak(steps, capacity):
    def run(keep_history):
        env = Environment()
        q = MessageQueue(env, capacity=capacity, visibility_timeout=2.0, keep_history=keep_history)
        out: list = []
        for step in steps:
            if step == "send":
                q.send()
            elif step == "receive" and (d := q.receive()) is not None:
                out.append(d)
            elif step in ("ack", "nack") and out:
                getattr(q, step)(out.pop(0))
            elif step == "wait":
                env.run(until=env.now + 0.7)
        return q

    kept, forgetful = run(True), run(False)
    assert forgetful.counts == kept.counts and forgetful.events == [] and len(forgetful.gauges) == 1
    assert forgetful.peak_held == kept.peak_held == max(r[1] + r[2] + r[3] for r in kept.gauges)
