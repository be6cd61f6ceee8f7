"""A design's queues and streams during a run, built on lesson 3's and lesson 4's own pieces.

A `QueueNode` is a `course.messaging.MessageQueue` with `ConsumerPool`s of workers: a producer's
message is enqueued, refused (its producer answers 503), or blocked until there is room (its producer
holds the request meanwhile: backpressure). A `StreamNode` is a `course.streams.Topic` read by one
`course.streams.ConsumerGroup` per group: an append lands in the key's partition, and each group's
consumers poll their own partitions, process a batch, and commit. Lag is records appended and not
yet committed.
"""

from __future__ import annotations

from collections import deque
from itertools import count
from typing import Any

from ..messaging import ConsumerPool, Faults, Message, MessageQueue
from ..sim import Environment, partition_for, stream
from ..streams import ConsumerGroup, Topic
from .parts import EventStream, WorkQueue
from .tiers import Job, LiveTier

__all__ = ["GroupRunner", "QueueNode", "StreamNode"]

SAMPLE_EVERY = 0.25  # seconds between two samples of a backlog (queue depth, group lag)
CREW = 16  # consumers per ConsumerPool of a queue's workers


class QueueNode:
    """A work queue during a run: `publish(job, tier)` answers "ok", "blocked" or "rejected"."""

    def __init__(self, env: Environment, spec: WorkQueue, seed: int, outage: tuple[float, float] | None = None):
        self.env, self.spec, self.name = env, spec, spec.name
        self.queue = MessageQueue(
            env,
            capacity=spec.capacity,
            when_full=spec.when_full,
            visibility_timeout=spec.visibility_timeout,
            retry=spec.retry,
            seed=seed,
            name=spec.name,
            keep_history=False,  # a design reads its own samples and the messages, not the queue's event log
        )
        self.blocked: deque[tuple[Message, Job, LiveTier]] = deque()
        self.max_blocked = 0
        self._admitting = False
        self.queue.subscribe(self._admitted)
        faults = Faults(outage=outage) if outage is not None else None
        # the workers, in crews of at most CREW consumers on the same queue: a crew looks at each of its
        # consumers when a message arrives, so many small crews cost less than one big one (same work done)
        sizes = [CREW] * (spec.workers // CREW) + ([spec.workers % CREW] if spec.workers % CREW else [])
        self.crews = [
            ConsumerPool(
                env,
                self.queue,
                consumers=size,
                processing=spec.processing,  # type: ignore[arg-type]  # a Distribution once the WorkQueue is built
                faults=faults,
                seed=seed,
                name=f"design:{spec.name}:{i}",
            )
            for i, size in enumerate(sizes or [0])
        ]
        self.samples: list[tuple[float, int, int]] = []  # (time, messages held, producers blocked)
        env.schedule(0.0, self._sample)

    def publish(self, job: Job, tier: LiveTier) -> str:
        q = self.queue
        msg = q.new_message(key=job.req.key)
        result = q.offer(msg)
        if result == "rejected":
            return "rejected"
        job.req.parts.append(msg)
        if result == "blocked":
            self.blocked.append((msg, job, tier))
            if len(self.blocked) > self.max_blocked:
                self.max_blocked = len(self.blocked)
            return "blocked"
        return "ok"

    def _admitted(self) -> None:
        """The queue took messages in: producers whose message got in go on (oldest first, as the queue admits)."""
        if self._admitting or not self.blocked:
            return
        self._admitting = True
        try:
            blocked = self.blocked
            while blocked and blocked[0][0].state != "at_producer":
                _, job, tier = blocked.popleft()
                tier.advance(job)
        finally:
            self._admitting = False

    def _sample(self) -> None:
        self.samples.append((self.env.now, self.queue.held, len(self.blocked)))
        self.env.schedule(SAMPLE_EVERY, self._sample)

    @property
    def max_held(self) -> int:
        """The most messages the queue ever held at once (ready, delayed or in flight)."""
        return self.queue.peak_held

    def utilization(self, elapsed: float) -> float:
        """Share of the workers' time spent processing over `elapsed` seconds."""
        capacity = self.spec.workers * elapsed
        return min(1.0, sum(c.busy_time for c in self.crews) / capacity) if capacity > 0 else 0.0


class GroupRunner:
    """One consumer group of a stream during a run: each consumer polls its partitions, processes, commits."""

    def __init__(self, env: Environment, node: StreamNode, name: str, consumers: int, seed: int):
        self.env, self.node, self.name = env, node, name
        self.members = [f"{name}-{i}" for i in range(consumers)]
        self.group = ConsumerGroup(name, node.topic, members=self.members)
        self.rng = stream(seed, f"design:{node.name}:{name}")
        self.busy: dict[str, bool] = dict.fromkeys(self.members, False)
        self.generation: dict[str, int] = dict.fromkeys(self.members, 0)
        self.owner: list[str | None] = []
        self.staleness: list[float] = []  # seconds from append to commit, per record processed
        self.processed = 0
        self.busy_time = 0.0
        self.lag: list[tuple[float, int]] = []
        self.crashed: list[str] = []
        self._owners()

    def _owners(self) -> None:
        owner: list[str | None] = [None] * self.node.topic.partitions
        for member, owned in self.group.assignment.items():
            for _, p in owned:
                owner[p] = member
        self.owner = owner

    def wake(self, partition: int) -> None:
        member = self.owner[partition]
        if member is not None and not self.busy[member]:
            self._start(member)

    def wake_all(self) -> None:
        for member in self.group.members:
            if not self.busy[member]:
                self._start(member)

    def _start(self, member: str) -> None:
        if self.node.down:
            return
        records = self.group.poll(member, max_records=self.node.spec.batch)
        if not records:
            self.busy[member] = False
            return
        self.busy[member] = True
        processing: Any = self.node.spec.processing  # a Distribution once the EventStream is built
        seconds = sum(processing.sample(self.rng) for _ in records)
        self.env.schedule(seconds, self._done, member, self.generation[member], records, seconds)

    def _done(self, member: str, generation: int, records: list[Any], seconds: float) -> None:
        if generation != self.generation[member] or member not in self.group.members:
            return  # it crashed meanwhile: nothing was committed, the new owner reads these again
        self.busy_time += seconds
        self.group.commit(member)
        now = self.env.now
        self.staleness.extend(now - r.timestamp for r in records)
        self.processed += len(records)
        self.busy[member] = False
        self._start(member)

    def crash(self) -> None:
        """The group's first consumer dies without committing; the others share its partitions."""
        live = [m for m in self.group.members if m not in self.crashed]
        if len(live) <= 1:
            return
        member = live[0]
        self.generation[member] += 1
        self.busy[member] = False
        self.group.crash(member)
        self.crashed.append(member)
        self._owners()
        self.wake_all()

    def rejoin(self) -> None:
        """Crashed consumers come back; the group rebalances again."""
        for member in self.crashed:
            self.group.join(member)
        self.crashed = []
        self._owners()
        self.wake_all()

    def sample(self) -> None:
        self.lag.append((self.env.now, self.group.total_lag()))

    def utilization(self, elapsed: float) -> float:
        """Share of the group's consumer time spent processing over `elapsed` seconds."""
        capacity = len(self.members) * elapsed
        return min(1.0, self.busy_time / capacity) if capacity > 0 else 0.0


class StreamNode:
    """An event stream during a run: `publish(job, tier)` appends to the key's partition ("ok"), or is
    refused while the broker is down ("rejected")."""

    def __init__(self, env: Environment, spec: EventStream, seed: int):
        self.env, self.spec, self.name = env, spec, spec.name
        self.topic = Topic(spec.name, spec.partitions)
        self.down = False
        self.appended = self.refused = 0
        self._round_robin = count()
        self.groups = [GroupRunner(env, self, group, consumers, seed) for group, consumers in spec.groups]
        env.schedule(0.0, self._sample)

    def publish(self, job: Job, tier: LiveTier) -> str:
        if self.down:
            self.refused += 1
            return "rejected"
        key = job.req.key
        partitions = self.spec.partitions
        p = next(self._round_robin) % partitions if key is None else partition_for(key, partitions)
        self.topic.append(p, key=key, timestamp=self.env.now)
        self.appended += 1
        for group in self.groups:
            group.wake(p)
        return "ok"

    def fail(self) -> None:
        self.down = True

    def mend(self) -> None:
        self.down = False
        for group in self.groups:
            group.wake_all()

    def _sample(self) -> None:
        for group in self.groups:
            group.sample()
        self.env.schedule(SAMPLE_EVERY, self._sample)
