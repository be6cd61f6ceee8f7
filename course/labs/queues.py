"""Lesson 3's lab: send a burst through a queue to a pool of flaky consumers and watch where every message goes."""

from __future__ import annotations

import ipywidgets as widgets

from ..messaging import Faults, QueueResults, QueueScenario, RetryPolicy, simulate
from ..sim import Exponential, Poisson, Spike
from ..viz.messaging import draw_queue_dashboard
from .view import LabView, build_lab, choose

__all__ = ["CAPACITIES", "FULL_POLICIES", "MAX_ATTEMPTS", "RETRIES", "queues_lab", "queues_scenario", "queues_view"]

BASE_RATE = 5.0  # messages per second before and after the burst
BURST_AT = 10.0  # the burst starts at t = 10 s (9:00)
UNTIL = 40.0  # producers send for 40 s ...
DRAIN = 20.0  # ... and the consumers get at most 20 s more to empty the queue
POISON = frozenset({7})  # one message that fails every attempt
RETRIES = {
    "at once": RetryPolicy(backoff="none"),
    "fixed 1 s": RetryPolicy(backoff="fixed", base=1.0),
    "exponential": RetryPolicy(backoff="exponential", base=0.5, cap=8.0),
    "exponential + full jitter": RetryPolicy(backoff="exponential", base=0.5, cap=8.0, jitter="full"),
    "exponential + equal jitter": RetryPolicy(backoff="exponential", base=0.5, cap=8.0, jitter="equal"),
}
MAX_ATTEMPTS = (*(str(n) for n in range(1, 11)), "forever")
CAPACITIES = ("10", "20", "50", "100", "200", "500", "unbounded")
FULL_POLICIES = {"reject (503)": "reject", "block the producer": "block", "drop the oldest": "drop_oldest"}


def queues_scenario(
    burst: int = 200,
    burst_rate: float = 50.0,
    consumers: int = 4,
    processing: float = 0.2,
    failure_rate: float = 0.05,
    retry: str = "exponential",
    max_attempts: str = "5",
    capacity: str = "100",
    when_full: str = "reject (503)",
    visibility_timeout: float = 2.0,
    seed: int = 0,
) -> QueueScenario:
    """The lab's control values as a scenario: 5 messages/s, plus `burst` more at `burst_rate` per second from t=10 s.

    Processing times are exponential with mean `processing`, so a few run past a short
    visibility timeout; every attempt fails with probability `failure_rate`, and message 7 is poison.

    >>> queues_scenario(burst=0, capacity="unbounded", max_attempts="forever").capacity is None
    True
    """
    choose("retry", retry, RETRIES)
    choose("max_attempts", max_attempts, MAX_ATTEMPTS)
    choose("capacity", capacity, CAPACITIES)
    choose("when_full", when_full, FULL_POLICIES)
    if burst > 0:
        source = Spike(base=BASE_RATE, peak=BASE_RATE + burst_rate, start=BURST_AT, duration=burst / burst_rate)
    else:
        source = Poisson(rate=BASE_RATE)
    attempts = None if max_attempts == "forever" else int(max_attempts)
    policy = RETRIES[retry]
    return QueueScenario(
        source=source,
        processing=Exponential(rate=1.0 / processing),
        consumers=consumers,
        capacity=None if capacity == "unbounded" else int(capacity),
        when_full=FULL_POLICIES[when_full],
        visibility_timeout=visibility_timeout,
        retry=RetryPolicy(
            backoff=policy.backoff, base=policy.base, cap=policy.cap, jitter=policy.jitter, max_attempts=attempts
        ),
        faults=Faults(failure_rate=failure_rate, poison=POISON),
        seed=seed,
    )


def queues_view(
    burst: int = 200,
    burst_rate: float = 50.0,
    consumers: int = 4,
    processing: float = 0.2,
    failure_rate: float = 0.05,
    retry: str = "exponential",
    max_attempts: str = "5",
    capacity: str = "100",
    when_full: str = "reject (503)",
    visibility_timeout: float = 2.0,
    seed: int = 0,
) -> LabView:
    """Simulate 40 s of production (and up to 20 s of draining) and draw it: what one control move computes.

    >>> import matplotlib.pyplot as plt
    >>> view = queues_view(consumers=0, burst=0)
    >>> view.result.summary().acked
    0
    >>> plt.close("all")
    """
    scenario = queues_scenario(
        burst, burst_rate, consumers, processing, failure_rate, retry, max_attempts, capacity, when_full,
        visibility_timeout, seed,
    )  # fmt: skip
    results: QueueResults = simulate(scenario, until=UNTIL, drain=True, drain_limit=DRAIN)
    span = (BURST_AT, BURST_AT + burst / burst_rate) if burst > 0 else None
    figure, _ = draw_queue_dashboard(results, capacity=scenario.capacity, span=span, xmax=UNTIL + DRAIN)
    return LabView(results, figure, repr(results.summary()))


def queues_lab(seed: int = 0) -> widgets.interactive:
    """The lab widget: burst, consumer, failure, retry and backpressure controls over a live picture of the queue.

    Every change re-simulates with `seed` and redraws the system graph (edge width = messages,
    dashed = lost, consumer fill = utilization) and the queue depth, latency, losses and DLQ
    size over time, with the run's one-line summary above them.
    """

    def update(burst, burst_rate, consumers, processing, failure_rate, retry, max_attempts, capacity, when_full,
               visibility_timeout):  # fmt: skip
        return queues_view(
            burst, burst_rate, consumers, processing, failure_rate, retry, max_attempts, capacity, when_full,
            visibility_timeout, seed=seed,
        )  # fmt: skip

    return build_lab(
        update,
        burst=widgets.IntSlider(value=200, min=0, max=1000, step=50, description="burst (messages)"),
        burst_rate=widgets.IntSlider(value=50, min=20, max=200, step=10, description="burst rate (msg/s)"),
        consumers=widgets.IntSlider(value=4, min=0, max=10, step=1, description="consumers"),
        processing=widgets.FloatSlider(value=0.2, min=0.05, max=1.0, step=0.05, description="processing time (s)"),
        failure_rate=widgets.FloatSlider(value=0.05, min=0.0, max=0.5, step=0.05, description="failure rate"),
        retry=widgets.Dropdown(options=list(RETRIES), value="exponential", description="retry"),
        max_attempts=widgets.SelectionSlider(options=MAX_ATTEMPTS, value="5", description="max attempts"),
        capacity=widgets.SelectionSlider(options=CAPACITIES, value="100", description="queue capacity"),
        when_full=widgets.Dropdown(options=list(FULL_POLICIES), value="reject (503)", description="when full"),
        visibility_timeout=widgets.FloatSlider(
            value=2.0, min=0.1, max=10.0, step=0.1, description="visibility timeout (s)"
        ),
    )
