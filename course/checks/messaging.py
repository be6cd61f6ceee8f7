"""Questions for exercises/03_queues.ipynb: backoff with jitter, redelivery, idempotence, sizing workers, a retry storm.

Each question builds fresh inputs from a seeded `rng` and compares the learner's answer with the
rule the lesson states (and the library implements), so a hard-coded answer does not pass. Each
check asks the answer for a plain result (`course.checks.asks`); the library code a question asks
the learner to write is off-limits in the answer. The backoff schedule and the tiny queue put the
whole of `course.messaging` off-limits, not only `RetryPolicy` and `MessageQueue`: its ready-made
policies (`RETRY_POLICIES`) and simulations (`QueueSimulation(...).queue`) hand those out under other
names. The idempotent consumer and the worker count have no library answer to avoid: simulating a
candidate pool with `course.messaging` is fair there.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from ..messaging import ConsumerPool, MessageQueue, RetryPolicy, failure_drill, simulate
from ..sim import Environment
from .asks import Rng, call, calls, drive, method, probe
from .plain import describe
from .registry import Check, question
from .verdict import close

__all__ = ["ReferenceQueue", "burst_finish_time", "storm_deliveries_per_second", "workers_needed"]

MESSAGING = ("course.messaging.*",)  # RetryPolicy, MessageQueue, and every object that carries one


# -- 1. an exponential backoff schedule with jitter ----------------------------------------------------------------


def _library_schedule(base: float, cap: float, retries: int, jitter: str | None, seed: int) -> list[float]:
    policy = RetryPolicy(backoff="exponential", base=base, cap=cap, jitter=jitter, max_attempts=None)
    rng = random.Random(seed)
    return [policy.delay(n, rng) for n in range(1, retries + 1)]


def _jittered_within(ceilings: list[float]) -> Callable[[list], bool]:
    """Every wait lies between 0 and its exponential ceiling, and they are not simply the ceilings."""

    def within(waits: list) -> bool:
        numbers = isinstance(waits, list) and all(type(w) in (int, float) for w in waits)
        inside = numbers and all(0 <= w <= c for w, c in zip(waits, ceilings, strict=False))
        return inside and len(waits) == len(ceilings) and waits != ceilings

    return within


def _long_schedule(waits: list) -> bool:
    return isinstance(waits, list) and len(waits) == 2000 and waits[-1] == 60.0


@question(
    "messaging.backoff_schedule",
    title="An exponential backoff schedule, with and without jitter",
    off_limits=MESSAGING,
)
def backoff_schedule(rng: random.Random):
    yield Check(
        hint="the wait before retry n is min(cap, base * 2**(n-1)): it doubles from base and stops at the cap",
        ask=call(0.5, 4.0, 5),
        expect=close([0.5, 1.0, 2.0, 4.0, 4.0]),
    )
    yield Check(hint="0 retries means no waits at all: an empty list", ask=call(1.0, 10.0, 0), expect=[])
    base, cap, retries = rng.choice([0.1, 0.25, 0.5, 2.0]), rng.choice([5.0, 30.0, 60.0]), rng.randint(6, 12)
    want = _library_schedule(base, cap, retries, None, 0)
    yield Check(
        hint="one wait per retry, n = 1 to retries, each min(cap, base * 2**(n-1)): doubling, then the cap",
        ask=call(base, cap, retries),
        expect=close(want),
    )
    yield Check(
        hint="2000 retries must not overflow: once base * 2**(n-1) reaches the cap, stop doubling and use the cap",
        ask=call(1.0, 60.0, 2000),
        expect=_long_schedule,
        shows="2000 waits, the last one 60.0",
        hint_on=("OverflowError",),
    )
    seed = rng.randint(0, 10_000)
    full, equal = (_library_schedule(base, cap, retries, jitter, seed) for jitter in ("full", "equal"))
    yield Check(
        hint="with jitter='full' each wait is a random number between 0 and its exponential wait, never above it",
        ask=call(base, cap, retries, "full", Rng(seed)),
        expect=_jittered_within(want),
        shows=f"waits between 0 and {describe(want, 60)}",
    )
    yield Check(
        hint="with jitter='full', draw rng.uniform(0, wait) once per retry, in order, from the rng you are given",
        ask=call(base, cap, retries, "full", Rng(seed)),
        expect=close(full),
    )
    yield Check(
        hint="with jitter='equal' each wait is wait / 2 + rng.uniform(0, wait / 2), one draw per retry, in order",
        ask=call(base, cap, retries, "equal", Rng(seed)),
        expect=close(equal),
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
    script: list[tuple] = []
    now, sent = 0.0, 0
    reference, out = ReferenceQueue(timeout), set[str]()
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


def _script(timeout: float, script: list[tuple]):
    """Ask: a new queue ``make(timeout)``, then the script; only what receive() gave is kept."""
    return drive((timeout,), [method(op, arg, keep=op == "receive") for op, arg in script])


@question(
    "messaging.redelivery",
    title="Redeliver a message after its visibility timeout",
    off_limits=MESSAGING,
)
def redelivery(rng: random.Random):
    yield Check(
        hint="receive(now) hands out the oldest visible message and hides it: once every message is hidden, None",
        ask=_script(5, [("send", "a"), ("send", "b"), ("receive", 0), ("receive", 0), ("receive", 0)]),
        expect=["a", "b", None],
    )
    yield Check(
        hint="a message received and never acked must come back: it is visible again from now + visibility_timeout",
        ask=_script(5, [("send", "a"), ("receive", 0), ("receive", 5.0)]),
        expect=["a", "a"],
    )
    yield Check(
        hint="a received message stays hidden until now + visibility_timeout: a receive before then gives None",
        ask=_script(5, [("send", "a"), ("receive", 0), ("receive", 4.9)]),
        expect=["a", None],
    )
    yield Check(
        hint="an acked message is gone for good: no later receive hands it out again",
        ask=_script(5, [("send", "a"), ("receive", 0), ("ack", "a"), ("receive", 100)]),
        expect=["a", None],
    )
    yield Check(
        hint="each delivery starts a new timeout: a message received again at t is hidden until t + visibility_timeout",
        ask=_script(5, [("send", "a"), ("receive", 0), ("receive", 5), ("receive", 9), ("receive", 10)]),
        expect=["a", "a", None, "a"],
    )
    yield Check(
        hint="a message that comes back keeps its place: of the visible messages, the one sent first goes out first",
        ask=_script(5, [("send", "a"), ("send", "b"), ("receive", 0), ("receive", 5)]),
        expect=["a", "a"],
    )
    script = _random_script(rng)
    yield Check(
        hint="on 80 random sends, receives and acks (timeout 3 s) some receive breaks the rule: it hands out the "
        "oldest sent message visible at `now` and hides it until now + timeout; ack deletes a message for good",
        ask=_script(3.0, script),
        expect=_play(ReferenceQueue, 3.0, script),
    )


# -- 3. an idempotent consumer -------------------------------------------------------------------------------------


def _at_least_once(rng: random.Random) -> list[tuple]:
    deliveries = []
    for i in range(40):
        deliveries.append((1000 + i, f"payload {i}"))
        for _ in range(rng.choice([0, 0, 1, 2])):
            later = rng.randint(0, len(deliveries))
            deliveries.insert(later, (1000 + i, f"payload {i}"))
    return deliveries


def _deliver(*runs: list[tuple]):
    """Ask: for each run, a new handler ``make(apply)`` gets the (message id, payload) deliveries; what it applied."""
    return probe(
        "consume", [[list(d) for d in run] for run in runs], text=describe(runs[0] if len(runs) == 1 else runs)
    )


RETRIED = (
    "message {0}: the first apply raises ConnectionError, then a redelivery and a duplicate; "
    "the result is [did the error reach the caller, payloads applied]"
)


@question("messaging.idempotent_consumer", title="Make a consumer idempotent")
def idempotent_consumer(rng: random.Random):
    yield Check(
        hint="apply runs once per message id: a delivery whose id already took effect does nothing",
        ask=_deliver([(1, "a"), (2, "b"), (1, "a")]),
        expect=[["a", "b"]],
    )
    yield Check(
        hint="dedupe by message id, not by content: two ids with the same payload are two messages",
        ask=_deliver([(11, "refund 5"), (12, "refund 5")]),
        expect=[["refund 5", "refund 5"]],
    )
    yield Check(
        hint="if apply raises, the message was not processed: do not remember its id, so the redelivery applies it",
        ask=probe("retried", 7, text=RETRIED.format(7)),
        expect=lambda got: got[1] == ["charge 7"],
        shows="[..., ['charge 7']]: 'charge 7' applied once, by the redelivery",
    )
    yield Check(
        hint="if apply raises, let the error reach the caller (the consumer must not ack, so the queue retries)",
        ask=probe("retried", 8, text=RETRIED.format(8)),
        expect=lambda got: got[0] is True,
        shows="[True, ...]: the ConnectionError reaches the caller",
    )
    yield Check(
        hint="each call of make_idempotent starts its own memory of ids: a new handler applies every id once",
        ask=_deliver([(21, "a")], [(21, "a")]),
        expect=[["a"], ["a"]],
    )
    deliveries = _at_least_once(rng)
    yield Check(
        hint=f"{len(deliveries)} deliveries of 40 messages, some redelivered: each message id must take effect "
        "exactly once, in the order of its first delivery",
        ask=_deliver(deliveries),
        expect=[list(dict.fromkeys(payload for _, payload in deliveries))],
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


def _drains(burst: int, service_time: float, target: float) -> Callable[[object], bool]:
    def drains(workers: object) -> bool:
        if type(workers) is not int or not 1 <= workers <= 10 * burst:  # beyond that the simulation would only be slow
            return False
        return _fewest_in_time(workers, burst, service_time, target)

    return drains


@question("messaging.workers_for_burst", title="Choose the number of workers that drains a burst in time")
def workers_for_burst(rng: random.Random):
    yield Check(
        hint="one worker finishes target / service_time messages by the target; the burst is shared among workers",
        ask=call(100, 1.0, 10.0),
        expect=10,
    )
    yield Check(
        hint="a worker only finishes whole messages: by the target it has done floor(target / service_time) of them",
        ask=call(10, 1.0, 3.5),
        expect=4,
    )
    yield Check(
        hint="if the target is shorter than one message's service time, no number of workers makes it: return None",
        ask=call(10, 1.0, 0.5),
        expect=None,
    )
    cases = []
    for _ in range(6):
        s = rng.choice([0.25, 0.5, 1.0, 2.0])
        cases.append((rng.randint(20, 500), s, s * rng.randint(1, 12) + rng.choice([0.0, 0.125, s / 2])))
    yield Check(
        hint="on random bursts some count is not the fewest workers that finish in time: with c workers the "
        "burst takes ceil(burst / c) rounds of service_time, and those rounds must fit within the target",
        ask=calls(cases),
        expect=[workers_needed(*case) for case in cases],
    )
    burst, s, target = rng.randint(30, 120), 0.5, 0.5 * rng.randint(3, 8) + 0.25
    yield Check(
        hint=f"simulated with course.messaging, your workers must ack all {burst} messages of {s} s by {target} s, "
        "and one worker fewer must not",
        ask=call(burst, s, target),
        expect=_drains(burst, s, target),
        shows=f"{workers_needed(burst, s, target)} (the fewest workers that finish in time)",
        timeout=10,
    )


# -- 5. predict, then run: a retry storm ---------------------------------------------------------------------------


def storm_deliveries_per_second() -> float:
    """Deliveries per second at the height of the lesson's outage when every failure is retried at once."""
    res = simulate(failure_drill(RetryPolicy(backoff="none", max_attempts=None)), until=30.0)
    return float(max(res.timeseries(1.0).deliveries))  # deliveries in the busiest second


def _near(actual: float) -> Callable[[Any], bool]:
    return lambda predicted: type(predicted) in (int, float) and abs(predicted - actual) <= 1


@question(
    "messaging.predict_retry_storm",
    title="Predict the load of a retry storm before running it",
    off_limits=MESSAGING,
)
def predict_retry_storm():
    actual = storm_deliveries_per_second()
    yield Check(
        hint="not yet: during the outage the payment service refuses each call in 10 ms and the message goes "
        "straight back to the queue, so each of the 10 consumers starts a new attempt every 10 ms",
        ask=call(),
        expect=_near(actual),
        shows=f"{actual:g} ± 1",
        reveal=False,
        timeout=30,
    )
