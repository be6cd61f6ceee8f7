"""Every public callable of lesson 3 (course.messaging, its lab and its drawings), one bad argument at a time.

Each must answer with a clear error naming the argument the learner passed, or accept the value
where it is valid: never a raw error from deep inside, a hang, another argument's name, or a
silent NaN. See tests/bad_input.py.
"""

import dataclasses

import matplotlib.pyplot as plt
import pytest

import course.messaging as messaging
import course.viz.messaging as viz
import course.viz.messaging_compare as compare
from course.labs.queues import queues_lab, queues_view
from course.messaging import (
    PAYMENTS,
    CircuitBreaker,
    ConsumerPool,
    DeadLetterQueue,
    Dependency,
    DependencyState,
    Faults,
    MessageQueue,
    QueueResults,
    QueueScenario,
    QueueSimulation,
    RetryPolicy,
    backoff_delays,
    compare_retries,
    failure_drill,
    request_reply,
    retry_row,
    ride_burst,
    simulate,
    sync_vs_queue,
    worker_sweep,
)
from course.sim import ConstantRate, Environment, Poisson, Spike
from tests.bad_input import Probe, cases, expected, public_callables, verdict

SEEDS = {"-1", "0", "1e9"}  # any whole number is a seed
GOOD = object()  # stands for the good object a method probe builds fresh for each call

SMALL = QueueScenario(source=ConstantRate(rate=2), processing=0.2, consumers=2, produce_for=2)
RUSH = QueueScenario(source=Spike(base=1, peak=20, start=1, duration=1), processing=0.2, consumers=2, produce_for=3)
DRILL = failure_drill(consumers=2, burst=10, produce_for=3)
RESULTS = simulate(SMALL, until=3)
BURST = ride_burst(RUSH, until=5)
ROWS = worker_sweep(SMALL, workers=(1, 2), until=3)
SYNC = sync_vs_queue(SMALL, rates=(2.0,), until=3)
REPLIES = request_reply(SMALL, until=3)


def env_and_queue():
    env = Environment()
    return env, MessageQueue(env)


def queue_with_delivery():
    q = MessageQueue(Environment(), retry=RetryPolicy(max_attempts=3))
    q.send()
    return q, q.receive()


def on_queue(method):
    """Call `method` of a fresh queue holding one message in flight; GOOD stands for that delivery."""

    def call(kwargs):
        q, delivery = queue_with_delivery()
        return getattr(q, method)(**{k: delivery if v is GOOD else v for k, v in kwargs.items()})

    return call


def on_simulation(method):
    def call(kwargs):
        sim = QueueSimulation(SMALL, until=3)
        sim.run()
        return getattr(sim, method)(**kwargs)

    return call


def with_env(kwargs):
    """`kwargs` with GOOD replaced by a fresh env and a queue on it."""
    env, queue = env_and_queue()
    fresh = {"env": env, "queue": queue}
    return {k: fresh[k] if v is GOOD else v for k, v in kwargs.items()}


def drawn(function):
    def call(kwargs):
        try:
            return function(**kwargs)
        finally:
            plt.close("all")

    return call


SWEEP = [
    # -- the run --------------------------------------------------------------------------------------------------
    Probe(simulate, {"scenario": SMALL, "until": 3, "seed": 0}, accepts={"seed": SEEDS}),
    Probe(
        QueueSimulation,
        {"scenario": SMALL, "until": 3, "seed": 0, "max_events": 10_000},
        accepts={"seed": SEEDS, "max_events": {"1e9"}},
    ),
    Probe(QueueSimulation.run, {"until": 5}, call=on_simulation("run"), accepts={"until": {"None"}}, name="run"),
    Probe(QueueSimulation.drain, {"limit": 5}, call=on_simulation("drain"), accepts={"limit": {"0"}}, name="drain"),
    Probe(QueueSimulation.set_faults, {"faults": Faults()}, call=on_simulation("set_faults"), name="set_faults"),
    Probe(
        QueueSimulation.redrive,
        {"ids": None},
        call=on_simulation("redrive"),
        accepts={"ids": {"None"}},
        name="QueueSimulation.redrive",
    ),
    # -- the system -----------------------------------------------------------------------------------------------
    Probe(
        QueueScenario,
        {
            "source": Poisson(rate=2),
            "processing": 0.1,
            "consumers": 2,
            "capacity": 10,
            "when_full": "reject",
            "resend": None,
            "ordering": "fifo",
            "partitions": None,
            "keys": None,
            "priorities": None,
            "visibility_timeout": 30.0,
            "retry": RetryPolicy(),
            "faults": Faults(),
            "idempotent": False,
            "poll_interval": 0.0,
            "restart": 0.0,
            "dependency": PAYMENTS,
            "breaker": CircuitBreaker(),
            "produce_for": None,
        },
        accepts={
            "dependency": {"None"},
            "breaker": {"None"},
            "consumers": {"0"},
            "capacity": {"None"},
            "resend": {"None"},
            "partitions": {"None"},
            "keys": {"None"},
            "priorities": {"None"},
            "idempotent": {"True"},
            "poll_interval": {"0"},
            "restart": {"0"},
            "produce_for": {"None"},
        },
    ),
    Probe(
        QueueScenario.example,
        {
            "burst": 200,
            "burst_rate": 50.0,
            "consumers": 4,
            "processing": 0.2,
            "failure_rate": 0.05,
            "retry": "exponential",
            "max_attempts": 5,
            "capacity": 100,
            "when_full": "reject",
            "visibility_timeout": 2.0,
        },
        accepts={
            "burst": {"0"},
            "consumers": {"0"},
            "failure_rate": {"0"},
            "max_attempts": {"None"},
            "capacity": {"None"},
        },
    ),
    Probe(
        QueueScenario.make_queue,
        {"env": Environment(), "seed": 0},
        call=lambda kw: SMALL.make_queue(**kw),
        accepts={"seed": SEEDS},
    ),
    Probe(
        QueueScenario.make_pool,
        {"env": GOOD, "queue": GOOD, "seed": 0},
        call=lambda kw: SMALL.make_pool(**with_env(kw)),
        accepts={"seed": SEEDS},
    ),
    # -- the queue and its consumers ------------------------------------------------------------------------------
    Probe(
        MessageQueue,
        {
            "env": Environment(),
            "capacity": 10,
            "when_full": "reject",
            "ordering": "fifo",
            "partitions": 2,
            "visibility_timeout": 30.0,
            "retry": RetryPolicy(),
            "seed": 0,
            "name": "q",
        },
        accepts={"capacity": {"None"}, "partitions": {"None"}, "retry": {"None"}, "seed": SEEDS, "name": {"string"}},
    ),
    Probe(
        MessageQueue.send,
        {"key": "k", "priority": 0, "poison": False, "producer": 0},
        call=on_queue("send"),
        accepts={
            "key": {"-1", "0", "1e9", "string", "None"},
            "priority": {"-1", "0", "1e9"},
            "poison": {"True"},
            "producer": {"0"},
        },
    ),
    Probe(
        MessageQueue.new_message,
        {"key": "k", "priority": 0, "poison": False, "producer": 0},
        call=on_queue("new_message"),
        accepts={
            "key": {"-1", "0", "1e9", "string", "None"},
            "priority": {"-1", "0", "1e9"},
            "poison": {"True"},
            "producer": {"0"},
        },
    ),
    Probe(
        MessageQueue.offer,
        {"msg": GOOD, "will_retry": False},
        accepts={"will_retry": {"True"}},
        call=lambda kw: (lambda q: q.offer(**{**kw, "msg": q.new_message() if kw["msg"] is GOOD else kw["msg"]}))(
            MessageQueue(Environment())
        ),
    ),
    Probe(
        MessageQueue.receive,
        {"consumer": 0, "lanes": None},
        call=on_queue("receive"),
        accepts={"consumer": {"0"}, "lanes": {"None"}},
    ),
    Probe(MessageQueue.available, {"lanes": None}, call=on_queue("available"), accepts={"lanes": {"None"}}),
    Probe(MessageQueue.ack, {"delivery": GOOD}, call=on_queue("ack")),
    Probe(
        MessageQueue.nack,
        {"delivery": GOOD, "delay": 1.0, "reason": "timed out"},
        call=on_queue("nack"),
        accepts={"delay": {"0", "None"}, "reason": {"string"}},
    ),
    Probe(
        MessageQueue.dead_letter,
        {"delivery": GOOD, "reason": "poison"},
        call=on_queue("dead_letter"),
        accepts={"reason": {"string"}},
    ),
    Probe(MessageQueue.state, {"message": 0}, call=on_queue("state"), accepts={"message": {"0"}}),
    Probe(MessageQueue.subscribe, {"callback": print}, call=on_queue("subscribe")),
    Probe(DeadLetterQueue, {"send_back": lambda m: True}),
    Probe(
        DeadLetterQueue.inspect,
        {"reason": None},
        call=lambda kw: DeadLetterQueue(bool).inspect(**kw),
        accepts={"reason": {"None", "string"}},
    ),
    Probe(
        DeadLetterQueue.redrive,
        {"ids": None},
        call=lambda kw: DeadLetterQueue(bool).redrive(**kw),
        accepts={"ids": {"None"}},
    ),
    Probe(
        ConsumerPool,
        {
            "env": GOOD,
            "queue": GOOD,
            "consumers": 1,
            "processing": 0.1,
            "faults": None,
            "idempotent": False,
            "poll_interval": 0.0,
            "restart": 0.0,
            "dependency": PAYMENTS,
            "breaker": CircuitBreaker(),
            "seed": 0,
            "name": "pool",
        },
        call=lambda kw: ConsumerPool(**with_env(kw)),
        accepts={
            "dependency": {"None"},
            "breaker": {"None"},
            "consumers": {"0"},
            "faults": {"None"},
            "idempotent": {"True"},
            "poll_interval": {"0"},
            "restart": {"0"},
            "seed": SEEDS,
            "name": {"string"},
        },
    ),
    Probe(
        Faults,
        {
            "failure_rate": 0.1,
            "crash_rate": 0.0,
            "slow_rate": 0.0,
            "slow_time": 60.0,
            "poison": {3},
            "detect_poison": False,
            "outage": (1.0, 2.0),
            "fail_time": None,
            "schedule": {(0, 1): "crash"},
        },
        accepts={
            "failure_rate": {"0"},
            "crash_rate": {"0"},
            "slow_rate": {"0"},
            "detect_poison": {"True"},
            "outage": {"None"},
            "fail_time": {"None"},
        },
    ),
    Probe(
        Faults.outcome,
        {"message": 0, "attempt": 1, "now": 0.0, "u": 0.5, "poison": False},
        call=lambda kw: Faults().outcome(**kw),
        accepts={"message": {"0"}, "now": {"-1", "0", "1e9"}, "u": {"0"}, "poison": {"True"}},
    ),
    Probe(
        Faults.down, {"now": 1.0}, call=lambda kw: Faults(outage=(1, 2)).down(**kw), accepts={"now": {"-1", "0", "1e9"}}
    ),
    # -- the dependency and its breaker ---------------------------------------------------------------------------
    Probe(Dependency, {"rate": 100.0, "timeout": 0.5}),
    Probe(CircuitBreaker, {"failures": 5, "cooldown": 2.0}),
    Probe(DependencyState, {"dependency": PAYMENTS}),
    Probe(
        DependencyState.call,
        {"now": 0.0},
        call=lambda kw: DependencyState(PAYMENTS).call(**kw),
        accepts={"now": {"0"}},
    ),
    Probe(
        DependencyState.backlog,
        {"now": 0.0},
        call=lambda kw: DependencyState(PAYMENTS).backlog(**kw),
        accepts={"now": {"0"}},
    ),
    # -- retries --------------------------------------------------------------------------------------------------
    Probe(
        RetryPolicy,
        {"backoff": "exponential", "base": 1.0, "cap": 60.0, "multiplier": 2.0, "jitter": None, "max_attempts": 5},
        accepts={"base": {"0"}, "jitter": {"None"}, "max_attempts": {"None", "1e9"}},
    ),
    Probe(
        RetryPolicy.delay,
        {"retry": 1, "rng": None},
        call=lambda kw: RetryPolicy().delay(**kw),
        accepts={"retry": {"1e9"}, "rng": {"None"}},
    ),
    Probe(RetryPolicy.ceiling, {"retry": 1}, call=lambda kw: RetryPolicy().ceiling(**kw), accepts={"retry": {"1e9"}}),
    Probe(
        RetryPolicy.allows,
        {"attempts": 1},
        call=lambda kw: RetryPolicy().allows(**kw),
        accepts={"attempts": {"0", "1e9"}},
    ),
    Probe(
        backoff_delays,
        {"policy": RetryPolicy(), "retries": 3, "seed": 0},
        accepts={"retries": {"0", "None"}, "seed": SEEDS},
    ),
    # -- results --------------------------------------------------------------------------------------------------
    Probe(
        QueueResults,
        {
            "scenario": SMALL,
            "records": [],
            "until": 1.0,
            "events": [],
            "gauges": [(0.0, 0, 0, 0, 0, 0)],
            "dead_letters": [],
            "drained": True,
            "duplicates": 0,
            "busy_time": 0.0,
            "calls": [],
            "breaker_log": [],
        },
        accepts={
            "until": {"0"},
            "drained": {"True"},
            "duplicates": {"0"},
            "busy_time": {"0", "1e9"},
            "calls": {"None"},
            "breaker_log": {"None"},
        },
    ),
    Probe(QueueResults.timeseries, {"bin": 1.0}, call=lambda kw: RESULTS.timeseries(**kw), accepts={"bin": {"1e9"}}),
    # -- the experiments ------------------------------------------------------------------------------------------
    Probe(
        ride_burst,
        {"scenario": RUSH, "until": 5, "seed": 0, "waiting_room": 0},
        accepts={"seed": SEEDS, "waiting_room": {"0"}},
    ),
    Probe(worker_sweep, {"scenario": SMALL, "workers": (1,), "until": 3, "seed": 0}, accepts={"seed": SEEDS}),
    Probe(
        sync_vs_queue,
        {"scenario": SMALL, "rates": (2.0,), "hop": 0.01, "budget": 0.5, "until": 3, "seed": 0},
        accepts={"hop": {"0"}, "seed": SEEDS},
    ),
    Probe(
        failure_drill,
        {
            "retry": RetryPolicy(),
            "rate": 20.0,
            "burst": 200,
            "burst_at": 20.0,
            "consumers": 10,
            "processing": 0.01,
            "outage": (20.0, 30.0),
            "failure_rate": 0.02,
            "poison": (5,),
            "fail_time": 0.01,
            "produce_for": 60.0,
            "dependency": PAYMENTS,
            "breaker": CircuitBreaker(),
        },
        accepts={
            "dependency": {"None"},
            "breaker": {"None"},
            "retry": {"None"},
            "rate": {"0"},
            "burst": {"0"},
            "burst_at": {"0"},
            "consumers": {"0"},
            "outage": {"None"},
            "failure_rate": {"0"},
            "fail_time": {"None"},
            "produce_for": {"None"},
        },
    ),
    Probe(
        compare_retries,
        {"scenario": DRILL, "policies": {"backoff": RetryPolicy()}, "until": 4, "seed": 0, "bin": 0.5},
        accepts={"policies": {"None"}, "seed": SEEDS, "bin": {"1e9"}},
    ),
    Probe(
        retry_row,
        {"name": "x", "results": simulate(DRILL, until=4), "bin": 0.5},
        accepts={"name": {"string"}, "bin": {"1e9"}},
    ),
    Probe(
        request_reply,
        {"scenario": SMALL, "budget": 0.5, "hop": 0.01, "callers": (0,), "until": 3, "seed": 0},
        accepts={"hop": {"0"}, "seed": SEEDS},
    ),
    Probe(
        messaging.RequestReplyResults,
        {"queued": RESULTS, "records": [], "budget": 0.5, "hop": 0.01},
        accepts={"hop": {"0"}},
    ),
    Probe(
        messaging.RequestReplyResults.timeseries,
        {"bin": 1.0},
        call=lambda kw: REPLIES.timeseries(**kw),
        accepts={"bin": {"1e9"}},
    ),
    # -- the lab --------------------------------------------------------------------------------------------------
    Probe(queues_lab, {"seed": 0}, call=drawn(queues_lab), accepts={"seed": SEEDS}),
    Probe(
        queues_view,
        {"burst": 100, "consumers": 4, "processing": 0.2, "max_attempts": 5, "capacity": 100, "seed": 0},
        call=drawn(queues_view),
        accepts={"burst": {"0"}, "consumers": {"0"}, "max_attempts": {"None"}, "capacity": {"None"}, "seed": SEEDS},
    ),
    # -- the drawings ---------------------------------------------------------------------------------------------
    Probe(viz.consumer_utilization, {"results": RESULTS}),
    Probe(viz.queue_graph, {"results": RESULTS}),
    Probe(viz.queue_layout, {"g": viz.queue_graph(RESULTS)}),
    Probe(viz.draw_queue, {"results": RESULTS, "ax": None}, call=drawn(viz.draw_queue), accepts={"ax": {"None"}}),
    Probe(
        viz.draw_messages_over_time,
        {"ts": RESULTS.timeseries(1.0), "ax": None, "capacity": 10, "span": (1, 2)},
        call=drawn(viz.draw_messages_over_time),
        accepts={"ax": {"None"}, "capacity": {"None"}, "span": {"None"}},
    ),
    Probe(
        viz.draw_queue_latency,
        {"ts": RESULTS.timeseries(1.0), "ax": None, "span": (1, 2)},
        call=drawn(viz.draw_queue_latency),
        accepts={"ax": {"None"}, "span": {"None"}},
    ),
    Probe(
        viz.draw_queue_dashboard,
        {"results": RESULTS, "bin": 1.0, "span": (1, 2), "xmax": 10},
        call=drawn(viz.draw_queue_dashboard),
        accepts={"bin": {"1e9"}, "span": {"None"}, "xmax": {"None"}},
    ),
    Probe(
        compare.draw_burst_comparison,
        {"cmp": BURST, "bin": 1.0},
        call=drawn(compare.draw_burst_comparison),
        accepts={"bin": {"1e9"}},
    ),
    Probe(compare.draw_worker_sweep, {"rows": ROWS, "rate": 2.0}, call=drawn(compare.draw_worker_sweep)),
    Probe(compare.draw_sync_vs_queue, {"rows": SYNC}, call=drawn(compare.draw_sync_vs_queue)),
    Probe(
        compare.draw_request_reply,
        {"rr": REPLIES, "xmax": 3},
        call=drawn(compare.draw_request_reply),
        accepts={"xmax": {"None"}},
    ),
    Probe(
        compare.draw_retry_storm,
        {"runs": {"a": RESULTS}, "outage": (1, 2), "bin": 0.5, "xmax": 10},
        call=drawn(compare.draw_retry_storm),
        accepts={"outage": {"None"}, "bin": {"1e9"}, "xmax": {"None"}},
    ),
]

# Result types: built by the library and read by learners, never given arguments by them.
RECORDS = {
    "BurstComparison",
    "Call",
    "Reply",
    "ReplyTimeSeries",
    "RequestReplySummary",
    "DeadLetter",
    "Delivery",
    "LittlesLaw",
    "Message",
    "MessageRecord",
    "QueueEvent",
    "QueueSummary",
    "QueueTimeSeries",
    "RetryRow",
    "SyncRow",
    "WorkerRow",
}


@pytest.mark.parametrize(("probe", "param", "bad"), list(cases(SWEEP)))
def test_bad_input_gets_a_clear_answer(probe, param, bad):
    assert verdict(probe, param, bad) == expected(probe, param, bad)


def test_the_sweep_covers_every_public_callable():
    probed = {probe.target for probe in SWEEP}
    for module in (messaging, viz, compare):
        missing = {name for name in public_callables(module) - RECORDS if getattr(module, name) not in probed}
        assert not missing, f"{module.__name__} has public callables the sweep never tries: {sorted(missing)}"
    assert queues_lab in probed and queues_view in probed


def test_the_exempt_names_are_results_not_inputs():
    for name in RECORDS:
        kind = getattr(messaging, name)
        built = issubclass(kind, tuple) or dataclasses.is_dataclass(kind) or kind is messaging.Message
        assert built, f"{name} is exempt from the sweep but is neither a record nor a result"
        assert name in messaging.__all__
