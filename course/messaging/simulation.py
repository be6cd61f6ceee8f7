"""A whole queue system in one value object: producers, a queue, consumers; `simulate` runs it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from course.sim import Distribution, Environment, Poisson, SimulationLimitError, Source, stream

from .consumers import ConsumerPool, Faults
from .message import FINAL_STATES, Message
from .message_queue import MessageQueue
from .results import QueueResults
from .retry import RetryPolicy

__all__ = ["MAX_EVENTS", "MAX_MESSAGES", "QueueScenario", "QueueSimulation", "simulate"]

MAX_EVENTS = 250_000  # a run needing more stops with SimulationLimitError (10x the heaviest lesson run)
MAX_MESSAGES = 100_000  # a run expected to produce more is refused before it starts
DEFAULT_SOURCE = Poisson(rate=5.0)


def _count(name: str, value: int | None, what: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a whole number of at least 1, or None (got {value!r}): {what}")


@dataclass(frozen=True, kw_only=True)
class QueueScenario:
    """Producers send messages from `source` into one queue that `consumers` workers drain; prints its non-defaults.

    `source` is one traffic source or a tuple of them (one producer each). Messages get a random
    key out of `keys` distinct ones (None: no key) and a random priority out of `priorities`
    levels (None: all 0). A producer whose message is rejected offers it again after the
    `resend` policy's delay (None: it gives up at once). The other fields configure
    `MessageQueue` and `ConsumerPool`. Taught in lessons/03_queues.ipynb.

    >>> QueueScenario(source=Poisson(rate=20), consumers=4, capacity=100)
    QueueScenario(source=Poisson(rate=20), consumers=4, capacity=100)
    >>> QueueScenario(consumers=-1)
    Traceback (most recent call last):
    ...
    ValueError: consumers must be a whole number of 0 or more (got -1): with 0 nothing is consumed
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
    seed: int = 0

    def __post_init__(self):
        sources = self.source if isinstance(self.source, (tuple, list)) else (self.source,)
        for src in sources:
            if not isinstance(src, Source):
                raise TypeError(
                    f"source must be a traffic source such as Poisson(rate=5), or a tuple of them (got {src!r})"
                )
        if not sources:
            raise ValueError("source must hold at least one traffic source (one per producer)")
        object.__setattr__(self, "source", sources[0] if len(sources) == 1 else tuple(sources))
        _count("keys", self.keys, "how many distinct keys the messages carry")
        _count("priorities", self.priorities, "how many priority levels (0 is served first)")
        if self.resend is not None:
            if not isinstance(self.resend, RetryPolicy):
                raise TypeError(f"resend must be a RetryPolicy or None (got {self.resend!r})")
            if self.resend.max_attempts is None and self.resend.ceiling(1) == 0:
                raise ValueError(
                    "resend would offer a rejected message again and again at the same instant forever: "
                    "give it a delay (backoff='fixed' or 'exponential' with base > 0) or a max_attempts"
                )
        stream(self.seed, "check")  # the seed must be an int
        env = Environment()  # build the pieces once: their constructors check the remaining fields
        queue = _queue(env, self)
        ConsumerPool(env, queue, self.consumers, self.processing, **_pool_options(self))

    def __repr__(self) -> str:
        default = _DEFAULTS
        shown = [
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if getattr(self, f.name) != default[f.name]
        ]
        return f"QueueScenario({', '.join(shown)})"

    @property
    def sources(self) -> tuple[Source, ...]:
        """The producers' traffic sources, one per producer."""
        return self.source if isinstance(self.source, tuple) else (self.source,)


def _queue(env: Environment, s: QueueScenario) -> MessageQueue:
    return MessageQueue(
        env,
        capacity=s.capacity,
        when_full=s.when_full,
        ordering=s.ordering,
        partitions=s.partitions,
        visibility_timeout=s.visibility_timeout,
        retry=s.retry,
        seed=s.seed,
    )


def _pool_options(s: QueueScenario) -> dict:
    return dict(faults=s.faults, idempotent=s.idempotent, poll_interval=s.poll_interval, restart=s.restart, seed=s.seed)


_DEFAULTS = {
    f.name: (f.default_factory() if callable(f.default_factory) else f.default)  # type: ignore[misc]
    for f in fields(QueueScenario)
}


class QueueSimulation:
    """One scenario set up on its own `Environment`, to run, inspect, fix, redrive and run again.

    Producers send during ``[0, produce_until)``. Taught in lessons/03_queues.ipynb.

    >>> sim = QueueSimulation(QueueScenario(consumers=1, faults=Faults(poison={0})), produce_until=5)
    >>> sim.run(until=30)                  # waits of 1, 2, 4 and 8 s between its 5 attempts
    >>> sim.queue.dlq
    DeadLetterQueue(1 message: 1 max attempts)
    >>> sim.set_faults(Faults())           # deploy the fix, then send the dead letter back
    >>> sim.redrive(), sim.drain(), sim.results().summary().dead_lettered
    (1, True, 0)
    """

    def __init__(self, scenario: QueueScenario, produce_until: float = 60.0, max_events: int = MAX_EVENTS):
        if not isinstance(scenario, QueueScenario):
            raise TypeError(f"scenario must be a QueueScenario (got {scenario!r})")
        if (
            isinstance(produce_until, bool)
            or not isinstance(produce_until, (int, float))
            or not 0 < produce_until < math.inf
        ):
            raise ValueError(f"produce_until must be a positive number of seconds (got {produce_until!r})")
        expected = sum(source.mean_rate(produce_until) for source in scenario.sources) * produce_until
        if expected > MAX_MESSAGES:
            raise ValueError(
                f"this run would produce about {expected:,.0f} messages, more than the {MAX_MESSAGES:,} a run may "
                "hold: shorten the run (until) or lower the rate"
            )
        s = self.scenario = scenario
        self.produce_until = float(produce_until)
        self.max_events = max_events
        self.env = env = Environment()
        self.queue = _queue(env, s)
        self.pool = ConsumerPool(env, self.queue, s.consumers, s.processing, **_pool_options(s))
        self._keys = stream(s.seed, "keys")
        self._priorities = stream(s.seed, "priorities")
        self._resend = stream(s.seed, "resend")
        for i, source in enumerate(s.sources):
            rng = stream(s.seed, "arrivals" if i == 0 else f"arrivals:{i}")  # producer 0 matches course.sim.run_pool
            env.feed(source.times(self.produce_until, rng), self._arrive, i)

    def __repr__(self) -> str:
        return f"QueueSimulation(now={self.env.now:g}, {self.queue!r})"

    def _arrive(self, producer: int) -> None:
        if len(self.queue.messages) >= MAX_MESSAGES:
            raise SimulationLimitError(
                f"the producers sent more than {MAX_MESSAGES:,} messages: shorten the run or lower the rate"
            )
        s = self.scenario
        key = f"key-{self._keys.randrange(s.keys)}" if s.keys else None
        priority = self._priorities.randrange(s.priorities) if s.priorities else 0
        self._offer(self.queue.new_message(key=key, priority=priority, producer=producer), 1)

    def _offer(self, msg: Message, attempt: int) -> None:
        resend = self.scenario.resend
        will_retry = resend is not None and resend.allows(attempt)
        if self.queue.offer(msg, will_retry) == "rejected" and will_retry:
            self.env.schedule(resend.delay(attempt, self._resend), self._offer, msg, attempt + 1)

    @property
    def settled(self) -> bool:
        """True when every message produced so far is acked, dead-lettered, dropped or rejected."""
        return all(m.state in FINAL_STATES for m in self.queue.messages)

    def run(self, until: float) -> None:
        """Advance the simulation to time `until`."""
        self.env.run(until=until, max_events=self.max_events)

    def drain(self, limit: float = 600.0) -> bool:
        """Run on after production until nothing is left to happen, at most `limit` more seconds; True if settled.

        The clock stops at the last event when the system goes quiet (drained, or stuck with no
        consumers), or at the limit when something keeps it busy (an endless retry loop).
        """
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 <= limit < math.inf:
            raise ValueError(f"limit must be zero or more seconds (got {limit!r})")
        env = self.env
        horizon = max(env.now, self.produce_until) + limit
        start = env.events_processed
        while (nxt := env.peek()) <= horizon:
            env.run(until=nxt, max_events=self.max_events)
            if env.events_processed - start > self.max_events:
                raise SimulationLimitError(
                    f"draining needed more than {self.max_events:,} events: shorten the run or lower the traffic"
                )
        if env.peek() < math.inf:
            env.run(until=horizon)
        return self.settled

    def set_faults(self, faults: Faults) -> None:
        """Change what goes wrong from now on (``Faults()`` deploys a fix)."""
        if not isinstance(faults, Faults):
            raise TypeError(f"faults must be a Faults (got {faults!r})")
        self.pool.faults = faults

    def redrive(self, ids: Sequence[int] | None = None) -> int:
        """Send dead letters (all, or those with these message ids) back to the queue; return how many."""
        return self.queue.dlq.redrive(ids)

    def results(self) -> QueueResults:
        """Everything so far: a record per message, the event log, gauges and dead letters."""
        effects = self.pool.effects
        records = [m.record(effects.get(m.id, 0)) for m in self.queue.messages]
        return QueueResults(
            records=records,
            events=list(self.queue.events),
            gauges=list(self.queue.gauges),
            dead_letters=list(self.queue.dlq.letters),
            until=self.env.now,
            consumers=self.scenario.consumers,
            partitions=self.scenario.partitions,
            drained=self.settled,
            duplicates=self.pool.duplicates,
            busy_time=self.pool.busy_time,
        )


def simulate(
    scenario: QueueScenario, until: float = 60.0, *, drain: bool = False, drain_limit: float = 600.0
) -> QueueResults:
    """Run `scenario` with producers sending for `until` seconds; with `drain`, go on until the queue is empty.

    Every run is bounded: by `until` (plus at most `drain_limit` seconds of draining), by
    `MAX_MESSAGES` messages (checked before it starts) and by `MAX_EVENTS` events.
    Taught in lessons/03_queues.ipynb.

    >>> from course.sim import Spike
    >>> burst = QueueScenario(source=Spike(base=0, peak=50, start=1, duration=2), processing=0.2, consumers=4)
    >>> res = simulate(burst, until=10, drain=True)
    >>> s = res.summary()
    >>> s.dropped, s.acked == s.produced, res.drained
    (0, True, True)
    """
    sim = QueueSimulation(scenario, produce_until=until)
    sim.run(until)
    if drain:
        sim.drain(drain_limit)
    return sim.results()
