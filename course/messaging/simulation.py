"""Running a queue scenario: `simulate` (the one verb), and `QueueSimulation` to step, fix and redrive by hand."""

from __future__ import annotations

import math
from collections.abc import Iterable

from course.sim import Environment, SimulationLimitError, stream, validate

from .consumers import Faults
from .message import FINAL_STATES, Message
from .results import QueueResults
from .scenario import QueueScenario

__all__ = ["MAX_EVENTS", "MAX_MESSAGES", "QueueSimulation", "simulate"]

MAX_EVENTS = 500_000  # a run needing more stops with SimulationLimitError (10x the heaviest lesson run)
MAX_MESSAGES = 100_000  # a run expected to produce more is refused before it starts


class QueueSimulation:
    """One scenario set up on its own `Environment`, to run, inspect, fix, redrive and run again.

    A simulation's life: built for a run to `until` (producers send for the scenario's
    `produce_for`, at most until then), `run()` advances the clock, `results()` reads it at any
    moment; in between you may deploy a fix (`set_faults`), `redrive` dead letters, and `drain`
    (run on until nothing is left to happen). Every random draw comes from `seed`.
    Taught in lessons/03_queues.ipynb.

    >>> scenario = QueueScenario(consumers=1, faults=Faults(poison={0}), produce_for=5)
    >>> sim = QueueSimulation(scenario, until=30)
    >>> sim.run()                           # waits of 1, 2, 4 and 8 s between its 5 attempts
    >>> sim.queue.dlq
    DeadLetterQueue(1 message: 1 max attempts)
    >>> sim.set_faults(Faults())            # deploy the fix, then send the dead letter back
    >>> sim.redrive(), sim.drain(), sim.results().summary().dead_lettered
    (1, True, 0)
    """

    def __init__(self, scenario: QueueScenario, *, until: float, seed: int = 0, max_events: int = MAX_EVENTS):
        validate.instance("scenario", scenario, QueueScenario, example="scenario=QueueScenario.example()")
        self.until = validate.until(until)
        validate.seed(seed)
        validate.whole("max_events", max_events, minimum=1, maximum=10**12, why="events one run() may process")
        s = self.scenario = scenario
        self.seed = seed
        self.produce_until = self.until if s.produce_for is None else min(float(s.produce_for), self.until)
        expected = sum(source.mean_rate(self.produce_until) for source in s.sources) * self.produce_until
        if expected > MAX_MESSAGES:
            raise ValueError(
                f"until must keep a run under {MAX_MESSAGES:,} messages (got {until!r}: about {expected:,.0f} "
                "messages): shorten the run or lower the rate"
            )
        self.max_events = max_events
        self.env = env = Environment()
        self.queue = s.make_queue(env, seed)
        self.pool = s.make_pool(env, self.queue, seed)
        self._keys = stream(seed, "keys")
        self._priorities = stream(seed, "priorities")
        self._resend = stream(seed, "resend")
        for i, source in enumerate(s.sources):
            rng = stream(seed, "arrivals" if i == 0 else f"arrivals:{i}")  # producer 0 matches course.sim.run_pool
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
        will_retry = resend is not None and resend._allows(attempt)
        if self.queue.offer(msg, will_retry) == "rejected" and resend is not None and will_retry:
            self.env.schedule(resend._delay(attempt, self._resend), self._offer, msg, attempt + 1)

    @property
    def settled(self) -> bool:
        """True when every message produced so far is acked, dead-lettered or rejected."""
        return all(m.state in FINAL_STATES for m in self.queue.messages)

    def run(self, until: float | None = None) -> None:
        """Advance the clock to `until` (default: the `until` the simulation was built for)."""
        end = self.until if until is None else validate.until(until)
        if end < self.env.now:
            raise ValueError(f"until must be at least the current time {self.env.now:g} (got {until!r})")
        self.env.run(until=end, max_events=self.max_events)

    def drain(self, limit: float = 600.0) -> bool:
        """Run on after production until nothing is left to happen, at most `limit` more seconds; True if settled.

        The clock stops at the last event when the system goes quiet (drained, or stuck with no
        consumers), or at the limit when something keeps it busy (an endless retry loop).
        """
        limit = validate.duration("limit", limit, why="the most seconds to run on while draining")
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
        self.pool.faults = validate.instance("faults", faults, Faults, example="faults=Faults()")

    def redrive(self, ids: Iterable[int] | None = None) -> int:
        """Send dead letters (all, or those with these message ids) back to the queue; return how many moved."""
        return self.queue.dlq.redrive(ids)

    def results(self) -> QueueResults:
        """Everything so far: a record per message, the event log, gauges and dead letters."""
        effects = self.pool.effects
        return QueueResults(
            self.scenario,
            [m.record(effects.get(m.id, 0)) for m in self.queue.messages],
            self.env.now,
            events=list(self.queue.events),
            gauges=list(self.queue.gauges),
            dead_letters=list(self.queue.dlq.letters),
            drained=self.settled,
            duplicates=self.pool.duplicates,
            busy_time=self.pool.busy_time,
            calls=list(self.pool.calls),
            breaker_log=[] if self.pool.breaker is None else list(self.pool.breaker.log),
        )


def simulate(scenario: QueueScenario, *, until: float, seed: int = 0) -> QueueResults:
    """Run `scenario` from 0 to `until` seconds with every random draw taken from `seed`.

    Producers send for the scenario's `produce_for` seconds (or the whole run); after that the
    consumers drain what is left until `until`. Every run is bounded: by `until`, by
    `MAX_MESSAGES` messages (checked before it starts) and by `MAX_EVENTS` events.
    Taught in lessons/03_queues.ipynb.

    >>> from course.sim import Spike
    >>> burst = QueueScenario(source=Spike(base=0, peak=50, start=1, duration=2), processing=0.2, consumers=4)
    >>> res = simulate(burst, until=30)
    >>> s = res.summary()
    >>> s.rejected, s.served == s.produced, res.drained
    (0, True, True)
    >>> simulate(burst, until=float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: until must be a positive number of at most 1e+06 (got inf): a run needs an end, in simulated seconds
    """
    sim = QueueSimulation(scenario, until=until, seed=seed)
    sim.run()
    return sim.results()
