"""The parts a design is made of, as frozen data: service tiers, work queues, event streams, the links
between them (with their timeouts, retries, retry budgets and circuit breakers) and injected failures.

Each part is checked when it is built and prints as what it is. The parts reuse the course's own
value objects: a tier's balancer strategy is a name from `course.balancing.STRATEGIES` and its
health check a `course.balancing.HealthCheck`; a queue's retries are a `course.messaging.RetryPolicy`
and a link's circuit breaker is lesson 3's `CircuitBreaker`.

Taught in lessons/06_putting_it_together.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..balancing import STRATEGIES, HealthCheck
from ..messaging import WHEN_FULL, RetryPolicy
from ..messaging.dependency import CircuitBreaker
from ..sim import Constant, Distribution, Exponential, validate
from ..sim.outcomes import OUTCOMES

__all__ = ["FAILURE_KINDS", "MODES", "RESERVED", "EventStream", "Failure", "Link", "Tier", "WorkQueue"]

MODES = ("sync", "async")  # a sync link waits for the answer; an async one hands work over and moves on
FAILURE_KINDS = {
    "instance_dies": "tier",  # one instance of a tier crashes (its requests fail) and restarts at `until`
    "slow": "tier",  # every instance of a tier takes `factor` times longer (a slow dependency)
    "workers_fail": "queue",  # every attempt a queue's workers start fails (their own dependency is down)
    "consumer_crashes": "stream",  # one consumer of each group reading a stream crashes; the group rebalances
    "broker_fails": "stream",  # the stream's broker is down: appends refused, nothing read
}
RESERVED = ("client", "clients", "gateway", *OUTCOMES)  # node names the picture uses for other things
MAX_INSTANCES = 1000
MAX_WORKERS = 10_000


def _name(value: object, what: str) -> str:
    validate.instance("name", value, str, example=f"name='{what}'")
    if not value or not str(value).replace("-", "").replace("_", "").isalnum():
        raise ValueError(
            f"name must be letters, digits, '-' or '_' (got {value!r}): it labels the part in the picture, "
            f"e.g. '{what}'"
        )
    if value in RESERVED:
        raise ValueError(f"name must not be one of {', '.join(RESERVED)} (got {value!r}): the picture uses them")
    return str(value)


def _time(name: str, value: object, why: str) -> Distribution:
    """`value` as a distribution of seconds: a distribution, or a positive number (a constant time)."""
    if isinstance(value, Distribution):
        return value
    return Constant(validate.duration(name, value, positive=True, maximum=3600, why=why))


@dataclass(frozen=True)
class Tier:
    """A service tier: `instances` copies of a service behind one load balancer, each working on `workers`
    requests at once and holding at most `concurrency` (in service, queued, or waiting for a dependency).

    A request the balancer sends to a full instance is refused (503); one that reaches a dead instance
    is refused at connect and tried once on another (always safe: nothing reached the server). The
    balancer picks with `strategy` (a name of `course.balancing.STRATEGIES`) among the instances its
    `health` checks believe are up (None: no checks, a dead instance stays in rotation). `pin=True`
    keeps every connection on the instance it first reached, as a WebSocket is (it moves only when
    that instance dies). `stores=True` marks a database: what it keeps survives a crash.

    Taught in lessons/06_putting_it_together.ipynb.

    >>> Tier("booking", instances=4, workers=2, service_time=0.05)
    Tier('booking', 4 instances x 2 workers, 160 req/s)
    >>> Tier("booking", instances=0)
    Traceback (most recent call last):
    ...
    ValueError: instances must be a whole number of at least 1 (got 0): a load balancer needs somewhere to send traffic
    """

    name: str
    instances: int = 2
    workers: int = 4
    service_time: Distribution | float = field(default_factory=lambda: Exponential(rate=50))
    concurrency: int = 32
    strategy: str = "least_connections"
    health: HealthCheck | None = field(default_factory=lambda: HealthCheck(interval=1.0, fall=2, rise=2, timeout=0.5))
    pin: bool = False
    stores: bool = False

    def __post_init__(self) -> None:
        _name(self.name, "booking")
        validate.whole(
            "instances",
            self.instances,
            minimum=1,
            maximum=MAX_INSTANCES,
            why="a load balancer needs somewhere to send traffic",
        )
        validate.whole("workers", self.workers, minimum=1, maximum=MAX_WORKERS, why="requests one instance works on")
        object.__setattr__(
            self,
            "service_time",
            _time("service_time", self.service_time, "seconds of work per request, or a distribution"),
        )
        validate.whole(
            "concurrency",
            self.concurrency,
            minimum=1,
            maximum=MAX_WORKERS * 100,
            why="requests one instance may hold at once (working, queued or waiting for a dependency)",
        )
        if self.concurrency < self.workers:
            raise ValueError(
                f"concurrency must be at least workers (got concurrency={self.concurrency}, workers={self.workers}): "
                "an instance holds every request it works on"
            )
        validate.choice("strategy", self.strategy, STRATEGIES)
        if self.health is not None:
            validate.instance("health", self.health, HealthCheck, example="HealthCheck(interval=1.0), or None")
        validate.instance("pin", self.pin, bool, example="pin=True keeps a connection on one instance")
        validate.instance("stores", self.stores, bool, example="stores=True for a database")

    def __repr__(self) -> str:
        extra = ", pinned" if self.pin else ""
        extra += ", stores data" if self.stores else ""
        return (
            f"Tier({self.name!r}, {self.instances} instances x {self.workers} workers, "
            f"{self.capacity:.3g} req/s{extra})"
        )

    @property
    def capacity(self) -> float:
        """Requests per second the whole tier can finish: instances x workers / mean service time."""
        return self.instances * self.workers / self.service_time.mean  # type: ignore[union-attr]


@dataclass(frozen=True)
class WorkQueue:
    """A message queue and its `workers`: producers hand work over and move on; workers take one message
    each, process it for `processing` seconds and ack it (a `course.messaging.MessageQueue` with a
    `ConsumerPool`). The queue holds at most `capacity` messages (None: unbounded); a new one finding it
    full is refused, blocks its producer, or pushes out the oldest (`when_full`). A failed attempt comes
    back after `retry`'s backoff; after its last attempt it goes to the dead-letter queue.

    Taught in lessons/06_putting_it_together.ipynb.

    >>> WorkQueue("matching", workers=8, processing=0.5, capacity=200)
    WorkQueue('matching', 8 workers, capacity 200, reject when full, 16 msg/s)
    """

    name: str
    workers: int = 4
    processing: Distribution | float = 0.5
    capacity: int | None = 500
    when_full: str = "reject"
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(base=0.5, cap=5.0, max_attempts=4))
    visibility_timeout: float = 30.0

    def __post_init__(self) -> None:
        _name(self.name, "matching")
        validate.whole("workers", self.workers, maximum=MAX_WORKERS, why="with 0 nothing is processed")
        object.__setattr__(
            self,
            "processing",
            _time("processing", self.processing, "seconds of work per message, or a distribution"),
        )
        if self.capacity is not None:
            validate.whole(
                "capacity",
                self.capacity,
                minimum=1,
                why="the most messages the queue holds (None: unbounded, so memory is not bounded either)",
            )
        validate.choice("when_full", self.when_full, WHEN_FULL)
        validate.instance("retry", self.retry, RetryPolicy, example="retry=RetryPolicy(max_attempts=4)")
        validate.duration(
            "visibility_timeout",
            self.visibility_timeout,
            positive=True,
            why="seconds a message stays hidden while a worker has it",
        )

    def __repr__(self) -> str:
        cap = "unbounded" if self.capacity is None else f"capacity {self.capacity}"
        return (
            f"WorkQueue({self.name!r}, {self.workers} workers, {cap}, {self.when_full.replace('_', ' ')} when full, "
            f"{self.capacity_rate:.3g} msg/s)"
        )

    @property
    def capacity_rate(self) -> float:
        """Messages per second the workers can finish: workers / mean processing time."""
        return self.workers / self.processing.mean  # type: ignore[union-attr]


@dataclass(frozen=True)
class EventStream:
    """A partitioned log (a `course.streams.Topic`) read by consumer groups: each group sees every record,
    its `consumers` share the `partitions` (one owner per partition), and each record takes
    `processing` seconds. Records with the same key land in the same partition, in order.

    `groups` maps each group's name to its number of consumers.

    Taught in lessons/06_putting_it_together.ipynb.

    >>> EventStream("ride-events", partitions=6, groups={"dashboard": 2, "billing": 3})
    EventStream('ride-events', 6 partitions, groups dashboard x2, billing x3)
    """

    name: str
    partitions: int = 6
    groups: Any = field(default_factory=lambda: (("readers", 2),))
    processing: Distribution | float = 0.01
    batch: int = 20

    def __post_init__(self) -> None:
        _name(self.name, "ride-events")
        validate.whole("partitions", self.partitions, minimum=1, maximum=1000, why="a topic needs a partition")
        pairs = self.groups.items() if isinstance(self.groups, dict) else self.groups
        listed = validate.items("groups", pairs, minimum=1, maximum=50, example="groups={'dashboard': 2}")
        checked = []
        for pair in listed:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    f"groups must map group names to consumers (got {pair!r}): e.g. groups={{'billing': 2}}"
                )
            group, consumers = pair
            _name(group, "billing")
            consumers = validate.whole("groups", consumers, minimum=1, maximum=1000, why=f"consumers in {group!r}")
            checked.append((group, consumers))
        validate.distinct("groups", [g for g, _ in checked], why="each group has one name")
        object.__setattr__(self, "groups", tuple(checked))
        object.__setattr__(
            self, "processing", _time("processing", self.processing, "seconds per record, or a distribution")
        )
        validate.whole("batch", self.batch, minimum=1, maximum=10_000, why="the most records one poll returns")

    def __repr__(self) -> str:
        groups = ", ".join(f"{g} x{n}" for g, n in self.groups)
        return f"EventStream({self.name!r}, {self.partitions} partitions, groups {groups})"


@dataclass(frozen=True)
class Link:
    """An edge of a design: `source` (a tier) calls `target` on a `share` of its requests.

    A `sync` link waits for the answer (its target is a tier); an `async` link hands the work to a
    queue or appends it to a stream and moves on. A sync link may guard the call: give up after
    `timeout` seconds (504), retry a failed or timed-out call up to `retries` times (only for calls
    that are safe to repeat), but never more than `retry_budget` retries per call on average, and
    open a `breaker` (lesson 3's circuit breaker) after repeated failures. With `fallback=True` a
    failed call does not fail the request (the caller answers with a default, degraded). `cost` is the
    work one call asks of the target, in multiples of its usual service time (an aggregate query may
    cost 30 simple reads).

    Taught in lessons/06_putting_it_together.ipynb.

    >>> Link("booking", "pricing", timeout=0.3, retries=2, retry_budget=0.1)
    Link('booking' -> 'pricing', sync, timeout 300 ms, 2 retries, budget 10%)
    >>> Link("booking", "matching", mode="async")
    Link('booking' -> 'matching', async)
    """

    source: str
    target: str
    mode: str = "sync"
    share: float = 1.0
    timeout: float | None = None
    retries: int = 0
    retry_budget: float | None = None
    breaker: CircuitBreaker | None = None
    fallback: bool = False
    cost: float = 1.0

    def __post_init__(self) -> None:
        validate.instance("source", self.source, str, example="source='booking'")
        validate.instance("target", self.target, str, example="target='pricing'")
        validate.choice("mode", self.mode, MODES)
        validate.number("share", self.share, above=0, maximum=1, why="the share of the source's requests that call")
        if self.timeout is not None:
            validate.duration("timeout", self.timeout, positive=True, maximum=3600, why="seconds before giving up")
        validate.whole("retries", self.retries, maximum=10, why="extra attempts after a failed call")
        if self.retry_budget is not None:
            validate.number(
                "retry_budget", self.retry_budget, minimum=0, maximum=10, why="retries allowed per call, on average"
            )
        if self.breaker is not None:
            validate.instance(
                "breaker", self.breaker, CircuitBreaker, example="breaker=CircuitBreaker(failures=5, cooldown=2)"
            )
        validate.instance("fallback", self.fallback, bool, example="fallback=True answers with a default")
        validate.number("cost", self.cost, positive=True, maximum=1000, why="work per call, in service times")
        guarded = self.timeout is not None or self.retries or self.breaker is not None or self.fallback
        if self.mode == "async" and (guarded or self.cost != 1):
            raise ValueError(
                f"mode must be 'sync' for a link with a timeout, retries, a breaker, a fallback or a cost (got "
                f"'async' from {self.source!r} to {self.target!r}): an async link waits for no answer"
            )

    def __repr__(self) -> str:
        parts = [self.mode]
        if self.share < 1:
            parts.append(f"{self.share:.0%} of requests")
        if self.timeout is not None:
            parts.append(f"timeout {self.timeout * 1000:.0f} ms" if self.timeout < 1 else f"timeout {self.timeout:g} s")
        if self.retries:
            parts.append(f"{self.retries} retr{'y' if self.retries == 1 else 'ies'}")
        if self.retry_budget is not None:
            parts.append(f"budget {self.retry_budget:.0%}")
        if self.breaker is not None:
            parts.append(f"breaker after {self.breaker.failures}")
        if self.fallback:
            parts.append("fallback")
        if self.cost != 1:
            parts.append(f"cost x{self.cost:g}")
        return f"Link({self.source!r} -> {self.target!r}, {', '.join(parts)})"


@dataclass(frozen=True)
class Failure:
    """Something that goes wrong at `at` seconds and is mended at `until` (None: never), in part `target`.

    `kind` is one of `FAILURE_KINDS`: "instance_dies" (the first instance of a tier), "slow" (a tier
    takes `factor` times longer), "workers_fail" (every attempt of a queue's workers fails),
    "consumer_crashes" (one consumer of each group of a stream), "broker_fails" (a stream's broker).

    Taught in lessons/06_putting_it_together.ipynb.

    >>> Failure("slow", "pricing", at=10, until=20, factor=10)
    Failure('slow', 'pricing', at 10 s until 20 s, x10)
    """

    kind: str
    target: str
    at: float = 10.0
    until: float | None = None
    factor: float = 10.0

    def __post_init__(self) -> None:
        validate.choice("kind", self.kind, FAILURE_KINDS)
        validate.instance("target", self.target, str, example="target='booking'")
        validate.duration("at", self.at, why="when it goes wrong, in simulated seconds")
        if self.until is not None:
            end = validate.duration("until", self.until, why="when it is mended (None: never)")
            if not end > self.at:
                raise ValueError(f"until must come after at (got at={self.at!r}, until={self.until!r})")
        validate.number("factor", self.factor, minimum=1, maximum=1000, why="how many times slower a slow tier is")

    def __repr__(self) -> str:
        until = "" if self.until is None else f" until {self.until:g} s"
        factor = f", x{self.factor:g}" if self.kind == "slow" else ""
        return f"Failure({self.kind!r}, {self.target!r}, at {self.at:g} s{until}{factor})"
