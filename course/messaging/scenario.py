"""A whole queue system as one frozen value: producers, a queue and its consumers (what `simulate` runs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from course.sim import Distribution, Environment, Exponential, Poisson, Source, Spike, validate

from .consumers import ConsumerPool, Faults, processing_time
from .dependency import CircuitBreaker, Dependency
from .message import Message
from .message_queue import WHEN_FULL, MessageQueue
from .retry import RetryPolicy

__all__ = ["EXAMPLE_RETRIES", "QueueScenario"]

DEFAULT_SOURCE = Poisson(rate=5.0)
BASE_RATE = 5.0  # the example's messages per second before and after its burst
BURST_AT = 10.0  # the example's burst starts at t = 10 s (9:00)
PRODUCE_FOR = 40.0  # the example's producers send for 40 s; a run to 60 s gives the consumers 20 s to drain
POISON = 7  # the example's one message that fails every attempt

EXAMPLE_RETRIES: dict[str, RetryPolicy] = {
    "at once": RetryPolicy(backoff="none"),
    "fixed 1 s": RetryPolicy(backoff="fixed", base=1.0),
    "exponential": RetryPolicy(backoff="exponential", base=0.5, cap=8.0),
    "exponential + full jitter": RetryPolicy(backoff="exponential", base=0.5, cap=8.0, jitter="full"),
    "exponential + equal jitter": RetryPolicy(backoff="exponential", base=0.5, cap=8.0, jitter="equal"),
}


@dataclass(frozen=True, kw_only=True)
class QueueScenario:
    """Producers send messages from `source` into one queue that `consumers` workers drain; prints its non-defaults.

    `source` is one traffic source or a tuple of them (one producer each); producers send for
    `produce_for` seconds (None: for the whole run), then the consumers go on draining the queue
    until the run ends. Messages get a random key out of `keys` distinct ones (None: no key) and
    a random priority out of `priorities` levels (None: all 0). A producer whose message is
    rejected offers it again after the `resend` policy's delay (None: it gives up at once). The
    other fields configure `MessageQueue` (capacity, when_full, ordering, partitions,
    visibility_timeout, retry) and `ConsumerPool` (consumers, processing, faults, idempotent,
    poll_interval, restart, and the `dependency` each attempt calls, guarded by a `breaker`).
    The run's seed is not part of the system: it goes to `simulate`.
    Taught in lessons/03_queues.ipynb.

    >>> QueueScenario(source=Poisson(rate=20), consumers=4, capacity=100)
    QueueScenario(source=Poisson(rate=20), consumers=4, capacity=100)
    >>> QueueScenario(consumers=-1)
    Traceback (most recent call last):
    ...
    ValueError: consumers must be a whole number of at least 0 (got -1): with 0 nothing is consumed
    """

    source: Source | tuple[Source, ...] = DEFAULT_SOURCE
    processing: Distribution | float = 0.1
    consumers: int = 2
    capacity: int | None = None
    when_full: str = "reject"
    resend: RetryPolicy | None = None
    ordering: str | Callable[[Message], Any] = "fifo"
    partitions: int | None = None
    keys: int | None = None
    priorities: int | None = None
    visibility_timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    faults: Faults = field(default_factory=Faults)
    idempotent: bool = False
    poll_interval: float = 0.0
    restart: float = 0.0
    dependency: Dependency | None = None
    breaker: CircuitBreaker | None = None
    produce_for: float | None = None

    def __post_init__(self):
        sources = self.source if isinstance(self.source, (tuple, list)) else (self.source,)
        for src in sources:
            validate.instance("source", src, Source, example="source=Poisson(rate=5), or a tuple of sources")
        if not sources:
            raise ValueError("source must hold at least one traffic source (one per producer) (got ())")
        object.__setattr__(self, "source", sources[0] if len(sources) == 1 else tuple(sources))
        processing_time(self.processing)
        validate.instance("retry", self.retry, RetryPolicy, example="retry=RetryPolicy(backoff='exponential')")
        validate.instance("faults", self.faults, Faults, example="faults=Faults(failure_rate=0.1)")
        if self.keys is not None:
            validate.whole("keys", self.keys, minimum=1, why="how many distinct keys the messages carry (None: no key)")
        if self.priorities is not None:
            validate.whole("priorities", self.priorities, minimum=1, why="how many priority levels (0 is served first)")
        if self.resend is not None:
            validate.instance("resend", self.resend, RetryPolicy, example="resend=RetryPolicy(base=0.5)")
            if self.resend.max_attempts is None and self.resend.ceiling(1) == 0:
                raise ValueError(
                    "resend must wait or give up (got a policy that offers a rejected message again at the same "
                    "instant forever): give it a delay (backoff='fixed' or 'exponential' with base > 0) or a "
                    "max_attempts"
                )
        if self.produce_for is not None:
            validate.duration("produce_for", self.produce_for, positive=True, why="seconds the producers send for")
        env = Environment()  # build the pieces once: their constructors check the remaining fields
        self.make_pool(env, self.make_queue(env))

    def __repr__(self) -> str:
        shown = [
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if getattr(self, f.name) != _DEFAULTS[f.name]
        ]
        return f"QueueScenario({', '.join(shown)})"

    @property
    def sources(self) -> tuple[Source, ...]:
        """The producers' traffic sources, one per producer."""
        return self.source if isinstance(self.source, tuple) else (self.source,)

    def make_queue(self, env: Environment, seed: int = 0) -> MessageQueue:
        """This scenario's queue on `env` (jittered backoffs drawn with `seed`)."""
        return MessageQueue(
            env,
            capacity=self.capacity,
            when_full=self.when_full,
            ordering=self.ordering,
            partitions=self.partitions,
            visibility_timeout=self.visibility_timeout,
            retry=self.retry,
            seed=seed,
        )

    def make_pool(self, env: Environment, queue: MessageQueue, seed: int = 0) -> ConsumerPool:
        """This scenario's consumers on `queue` (processing times and faults drawn with `seed`)."""
        return ConsumerPool(
            env,
            queue,
            self.consumers,
            self.processing,
            faults=self.faults,
            idempotent=self.idempotent,
            poll_interval=self.poll_interval,
            restart=self.restart,
            dependency=self.dependency,
            breaker=self.breaker,
            seed=seed,
        )

    @classmethod
    def example(
        cls,
        burst: int = 200,
        burst_rate: float = 50.0,
        consumers: int = 4,
        processing: float = 0.2,
        failure_rate: float = 0.05,
        retry: str = "exponential",
        max_attempts: int | None = 5,
        capacity: int | None = 100,
        when_full: str = "reject",
        visibility_timeout: float = 2.0,
    ) -> QueueScenario:
        """Lesson 3's lab system: 5 messages/s for 40 s, plus `burst` more at `burst_rate` per second from t = 10 s.

        Processing times are exponential with mean `processing` seconds, so a few run past a short
        visibility timeout; every attempt fails with probability `failure_rate`, and message 7 is
        poison. `retry` names a backoff in `EXAMPLE_RETRIES`, used for at most `max_attempts`
        deliveries (None: forever). Run it to 60 s to give the consumers 20 s to drain.

        >>> QueueScenario.example().capacity, QueueScenario.example(capacity=None).capacity
        (100, None)
        >>> QueueScenario.example(burst=400).source
        Spike(base=5.0, peak=55.0, start=10.0, duration=8.0)
        >>> QueueScenario.example(retry="sideways")
        Traceback (most recent call last):
        ...
        ValueError: retry must be one of 'at once', 'fixed 1 s', ... (got 'sideways')
        """
        validate.whole("burst", burst, why="messages sent in the burst (0: none)")
        validate.rate("burst_rate", burst_rate, positive=True, why="messages per second during the burst")
        validate.duration("processing", processing, positive=True, why="mean seconds of work per message")
        policy = validate.choice("retry", retry, EXAMPLE_RETRIES)
        if max_attempts is not None:
            validate.whole("max_attempts", max_attempts, minimum=1, why="deliveries per message (None: forever)")
        if capacity is not None:
            validate.whole("capacity", capacity, minimum=1, why="messages the queue holds (None: unbounded)")
        validate.choice("when_full", when_full, WHEN_FULL)
        source: Source = Poisson(rate=BASE_RATE)
        if burst > 0:
            source = Spike(base=BASE_RATE, peak=BASE_RATE + burst_rate, start=BURST_AT, duration=burst / burst_rate)
        return cls(
            source=source,
            processing=Exponential(rate=1.0 / processing),
            consumers=consumers,
            capacity=capacity,
            when_full=when_full,
            visibility_timeout=visibility_timeout,
            retry=RetryPolicy(
                backoff=policy.backoff,
                base=policy.base,
                cap=policy.cap,
                jitter=policy.jitter,
                max_attempts=max_attempts,
            ),
            faults=Faults(failure_rate=failure_rate, poison=frozenset({POISON})),
            produce_for=PRODUCE_FOR,
        )


_DEFAULTS = {
    f.name: (f.default_factory() if callable(f.default_factory) else f.default)  # type: ignore[misc]
    for f in fields(QueueScenario)
}
