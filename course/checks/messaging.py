"""Questions for exercises/03_queues.ipynb: backoff with jitter, redelivery, idempotence, sizing workers, a retry storm.

Each question builds fresh inputs from a seeded `rng` and compares the learner's answer with the
rule the lesson states (and the library implements), so a hard-coded answer does not pass.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from ..messaging import ConsumerPool, MessageQueue, RetryPolicy, failure_drill
from ..sim import Environment
from .registry import Check, question

__all__ = ["ReferenceQueue", "burst_finish_time", "storm_deliveries_per_second", "workers_needed"]


# -- 1. an exponential backoff schedule with jitter ----------------------------------------------------------------


def _library_schedule(base: float, cap: float, retries: int, jitter: str | None, seed: int) -> list[float]:
    policy = RetryPolicy(backoff="exponential", base=base, cap=cap, jitter=jitter, max_attempts=None)
    rng = random.Random(seed)
    return [policy.delay(n, rng) for n in range(1, retries + 1)]


def _same(got, want, tolerance: float = 1e-9) -> bool:
    got = list(got)
    close = (math.isclose(g, w, rel_tol=tolerance, abs_tol=1e-12) for g, w in zip(got, want, strict=False))
    return len(got) == len(want) and all(close)


def _jittered_within(waits, ceilings: list[float]) -> bool:
    """Every wait lies between 0 and its exponential ceiling, and they are not simply the ceilings."""
    waits = list(waits)
    inside = all(0 <= w <= c for w, c in zip(waits, ceilings, strict=False))
    return len(waits) == len(ceilings) and inside and waits != ceilings


def _long_schedule(schedule: Callable) -> bool:
    try:
        waits = list(schedule(1.0, 60.0, 2000))
    except OverflowError:
        return False
    return len(waits) == 2000 and waits[-1] == 60.0


@question("messaging.backoff_schedule", title="An exponential backoff schedule, with and without jitter")
def backoff_schedule(schedule: Callable, rng: random.Random):
    yield Check(
        hint="base 0.5 s, cap 4 s, 5 retries: the waits double from 0.5 s and stop at the cap, [0.5, 1, 2, 4, 4]",
        run=lambda: _same(schedule(0.5, 4.0, 5), [0.5, 1.0, 2.0, 4.0, 4.0]),
    )
    yield Check(hint="0 retries means no waits at all: return []", run=lambda: list(schedule(1.0, 10.0, 0)) == [])
    base, cap, retries = rng.choice([0.1, 0.25, 0.5, 2.0]), rng.choice([5.0, 30.0, 60.0]), rng.randint(6, 12)
    want = _library_schedule(base, cap, retries, None, 0)
    yield Check(
        hint=f"base {base} s, cap {cap} s, {retries} retries: the wait before retry n is min(cap, base * 2**(n-1))",
        run=lambda: _same(schedule(base, cap, retries), want),
    )
    yield Check(
        hint="2000 retries must not overflow: once base * 2**(n-1) reaches the cap, stop doubling and use the cap",
        run=lambda: _long_schedule(schedule),
    )
    seed = rng.randint(0, 10_000)
    full, equal = (_library_schedule(base, cap, retries, jitter, seed) for jitter in ("full", "equal"))
    yield Check(
        hint="with jitter='full' every wait is a random number between 0 and the exponential wait (never above it)",
        run=lambda: _jittered_within(schedule(base, cap, retries, "full", random.Random(seed)), want),
    )
    yield Check(
        hint="with jitter='full', draw rng.uniform(0, wait) once per retry, in order, from the rng you are given",
        run=lambda: _same(schedule(base, cap, retries, "full", random.Random(seed)), full),
    )
    yield Check(
        hint="with jitter='equal' each wait is wait / 2 + rng.uniform(0, wait / 2): never below half the wait",
        run=lambda: _same(schedule(base, cap, retries, "equal", random.Random(seed)), equal),
    )


# -- 2. redelivery after the visibility timeout --------------------------------------------------------------------


class ReferenceQueue:
    """The rule of the exercise: hand out the oldest visible message and hide it; an ack deletes it.

    >>> q = ReferenceQueue(visibility_timeout=5)
    >>> q.send("a"); q.receive(0), q.receive(1), q.receive(5)
    ('a', None, 'a')
    """

    def __init__(self, visibility_timeout: float):
        self.visibility_timeout = visibility_timeout
        self.hidden_until: dict = {}  # message -> when it becomes visible again (dicts keep sending order)

    def send(self, message) -> None:
        self.hidden_until[message] = -math.inf

    def receive(self, now: float):
        for message, until in self.hidden_until.items():
            if now >= until:
                self.hidden_until[message] = now + self.visibility_timeout
                return message
        return None

    def ack(self, message) -> None:
        self.hidden_until.pop(message, None)


def _play(make: Callable, timeout: float, script: list[tuple]) -> list:
    """Run a script of ("send", m), ("receive", now), ("ack", m) on a new queue; return what receive gave."""
    queue = make(timeout)
    out = []
    for op, arg in script:
        if op == "send":
            queue.send(arg)
        elif op == "receive":
            out.append(queue.receive(arg))
        else:
            queue.ack(arg)
    return out


def _random_script(rng: random.Random, steps: int = 80, timeout: float = 3.0) -> list[tuple]:
    """Random sends, receives (time moving forward) and acks of messages that were received and not yet acked."""
    script, now, sent = [], 0.0, 0
    reference, out = ReferenceQueue(timeout), set()
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.35:
            script.append(("send", f"m{sent}"))
            reference.send(f"m{sent}")
            sent += 1
        elif roll < 0.8 or not out:
            now += rng.choice([0.0, 0.5, 1.0, 2.0])
            script.append(("receive", now))
            got = reference.receive(now)
            if got is not None:
                out.add(got)
        else:
            message = rng.choice(sorted(out))
            out.discard(message)
            script.append(("ack", message))
            reference.ack(message)
    return script


@question("messaging.redelivery", title="Redeliver a message after its visibility timeout")
def redelivery(make: Callable, rng: random.Random):
    yield Check(
        hint="send 'a' then 'b': receive(0) gives 'a', then 'b', then None (both are hidden now)",
        run=lambda: (
            _play(make, 5, [("send", "a"), ("send", "b"), ("receive", 0), ("receive", 0), ("receive", 0)])
            == ["a", "b", None]
        ),
    )
    yield Check(
        hint="a message received and never acked must come back: timeout 5, received at 0, receive(5.0) gives it again",
        run=lambda: _play(make, 5, [("send", "a"), ("receive", 0), ("receive", 5.0)]) == ["a", "a"],
    )
    yield Check(
        hint="a received message stays hidden until exactly now + timeout: receive(4.9) must give None",
        run=lambda: _play(make, 5, [("send", "a"), ("receive", 0), ("receive", 4.9)]) == ["a", None],
    )
    yield Check(
        hint="an acked message is gone for good: after ack('a'), receive(100) gives None",
        run=lambda: _play(make, 5, [("send", "a"), ("receive", 0), ("ack", "a"), ("receive", 100)]) == ["a", None],
    )
    yield Check(
        hint="each delivery starts a new timeout: received at 0 and again at 5, 'a' is hidden until 10 (None at 9)",
        run=lambda: (
            _play(make, 5, [("send", "a"), ("receive", 0), ("receive", 5), ("receive", 9), ("receive", 10)])
            == ["a", "a", None, "a"]
        ),
    )
    yield Check(
        hint="a message that comes back keeps its place: 'a' (sent first) comes before 'b' once both are visible",
        run=lambda: _play(make, 5, [("send", "a"), ("send", "b"), ("receive", 0), ("receive", 5)]) == ["a", "a"],
    )
    script = _random_script(rng)
    want = _play(ReferenceQueue, 3.0, script)
    yield Check(
        hint="on 80 random sends, receives and acks (timeout 3 s) your queue hands out different messages than the "
        "rule: the oldest message that is visible at `now`, hidden until now + timeout",
        run=lambda: _play(make, 3.0, script) == want,
    )


# -- 3. an idempotent consumer -------------------------------------------------------------------------------------


def _deliver(make: Callable, deliveries: list[tuple]) -> list:
    applied: list = []
    handle = make(applied.append)
    for message_id, payload in deliveries:
        handle(message_id, payload)
    return applied


class _FailOnce:
    """An effect that raises the first time it sees a payload, then works (a transient error)."""

    def __init__(self):
        self.applied: list = []
        self.failed: set = set()

    def __call__(self, payload) -> None:
        if payload not in self.failed:
            self.failed.add(payload)
            raise ConnectionError("the database did not answer")
        self.applied.append(payload)


def _retried(make: Callable, message_id: int) -> tuple[bool, list]:
    """Deliver a message whose first attempt fails, then its redelivery and a duplicate: (raised?, effects)."""
    effect = _FailOnce()
    handle = make(effect)
    raised = False
    try:
        handle(message_id, f"charge {message_id}")
    except ConnectionError:
        raised = True
    handle(message_id, f"charge {message_id}")  # the queue redelivers it
    handle(message_id, f"charge {message_id}")  # and a duplicate arrives
    return raised, effect.applied


def _at_least_once(rng: random.Random) -> list[tuple]:
    deliveries = []
    for i in range(40):
        deliveries.append((1000 + i, f"payload {i}"))
        for _ in range(rng.choice([0, 0, 1, 2])):
            later = rng.randint(0, len(deliveries))
            deliveries.insert(later, (1000 + i, f"payload {i}"))
    return deliveries


@question("messaging.idempotent_consumer", title="Make a consumer idempotent")
def idempotent_consumer(make: Callable, rng: random.Random):
    yield Check(
        hint="deliveries (1, 'a'), (2, 'b'), (1, 'a'): apply must run for 'a' and 'b' only, once each",
        run=lambda: _deliver(make, [(1, "a"), (2, "b"), (1, "a")]) == ["a", "b"],
    )
    yield Check(
        hint="dedupe by message id, not by content: (11, 'refund 5') and (12, 'refund 5') are two refunds",
        run=lambda: _deliver(make, [(11, "refund 5"), (12, "refund 5")]) == ["refund 5", "refund 5"],
    )
    yield Check(
        hint="if apply raises, the message was not processed: do not remember its id, so the redelivery applies it",
        run=lambda: _retried(make, 7)[1] == ["charge 7"],
    )
    yield Check(
        hint="if apply raises, let the error reach the caller (the consumer must not ack, so the queue retries)",
        run=lambda: _retried(make, 8)[0],
    )
    yield Check(
        hint="each call of make_idempotent starts its own memory of ids: a second handler must not skip message 21",
        run=lambda: (_deliver(make, [(21, "a")]), _deliver(make, [(21, "a")])) == (["a"], ["a"]),
    )
    deliveries = _at_least_once(rng)
    want = list(dict.fromkeys(payload for _, payload in deliveries))
    yield Check(
        hint=f"{len(deliveries)} deliveries of 40 messages, some redelivered: each must take effect exactly once, "
        "in the order of its first delivery",
        run=lambda: _deliver(make, deliveries) == want,
    )


# -- 4. how many workers drain a burst in time ---------------------------------------------------------------------


def workers_needed(burst: int, service_time: float, target: float) -> int | None:
    """The fewest workers that finish `burst` messages (all there at t=0, `service_time` s each) by `target` s.

    >>> workers_needed(10, 1.0, 3.5), workers_needed(10, 1.0, 0.5)
    (4, None)
    """
    rounds = math.floor(target / service_time)  # whole messages one worker finishes by the target
    return None if rounds < 1 else math.ceil(burst / rounds)


def burst_finish_time(burst: int, service_time: float, workers: int) -> float:
    """When the last of `burst` messages sent at t=0 is acked by `workers` consumers (simulated with the library)."""
    env = Environment()
    queue = MessageQueue(env, visibility_timeout=10 * service_time * burst)
    ConsumerPool(env, queue, consumers=workers, processing=service_time)
    for _ in range(burst):
        queue.send()
    env.run()
    return max(e.t for e in queue.events if e.kind == "ack")


def _fewest_in_time(workers: int, burst: int, service_time: float, target: float) -> bool:
    """True if `workers` finish the burst by `target` in a simulation and one worker fewer does not."""
    on_time = burst_finish_time(burst, service_time, workers) <= target
    return on_time and (workers == 1 or burst_finish_time(burst, service_time, workers - 1) > target)


@question("messaging.workers_for_burst", title="Choose the number of workers that drains a burst in time")
def workers_for_burst(answer: Callable, rng: random.Random):
    yield Check(
        hint="100 messages of 1 s each, to be done within 10 s: one worker does 10 in that time, so 10 workers",
        run=lambda: answer(100, 1.0, 10.0) == 10,
    )
    yield Check(
        hint="a worker only finishes whole messages: by 3.5 s it has done 3 of 1 s each, so 10 messages need 4 workers",
        run=lambda: answer(10, 1.0, 3.5) == 4,
    )
    yield Check(
        hint="if the target is shorter than one message's service time, no number of workers makes it: return None",
        run=lambda: answer(10, 1.0, 0.5) is None,
    )
    cases = []
    for _ in range(6):
        s = rng.choice([0.25, 0.5, 1.0, 2.0])
        cases.append((rng.randint(20, 500), s, s * rng.randint(1, 12) + rng.choice([0.0, 0.125, s / 2])))
    yield Check(
        hint="on random bursts your count differs from the fewest workers that finish in time: with c workers the "
        "burst takes ceil(burst / c) rounds of service_time",
        run=lambda: [answer(*case) for case in cases] == [workers_needed(*case) for case in cases],
    )
    burst, s, target = rng.randint(30, 120), 0.5, 0.5 * rng.randint(3, 8) + 0.25
    yield Check(
        hint=f"simulated with course.messaging, your workers must ack all {burst} messages of {s} s by {target} s, "
        "and one worker fewer must not",
        run=lambda: _fewest_in_time(answer(burst, s, target), burst, s, target),
        timeout=10,
    )


# -- 5. predict, then run: a retry storm ---------------------------------------------------------------------------


def storm_deliveries_per_second() -> float:
    """Deliveries per second at the height of the lesson's outage when every failure is retried at once."""
    res = failure_drill(RetryPolicy(backoff="none", max_attempts=None), until=30.0, drain_limit=0.0)
    return float(max(res.timeseries(1.0).deliveries))  # deliveries in the busiest second


@question("messaging.predict_retry_storm", title="Predict the load of a retry storm before running it")
def predict_retry_storm(predicted: Callable):
    yield Check(
        hint="not yet: during the outage each attempt fails after 10 ms and goes straight back to the queue, so "
        "each of the 10 consumers starts a new attempt every 10 ms",
        run=lambda: abs(predicted() - storm_deliveries_per_second()) <= 1,
        timeout=30,
    )
