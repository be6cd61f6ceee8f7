"""The three systems of lesson 4, as frozen data: consumer groups, a replicated topic, windows over events.

Each scenario describes the *system*; `course.streams.simulate(scenario, until=..., seed=...)` runs it.
`*Scenario.example(**knobs)` builds the lesson's and the lab's version from a few keyword knobs whose
defaults are the lab's starting values; it is also where the domain's rules for those knobs live
(which window a "sliding 10" is, what to do when the replication factor exceeds the brokers).

>>> GroupScenario.example(partitions=4).partitions
4
>>> ReplicationScenario.example(brokers=2).notes
('RF lowered to the 2 brokers',)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from course.sim.validate import choice, duration, instance, number, probability, whole
from course.sim.validate import rate as check_rate

from .assignors import ASSIGNORS
from .event_time import MAX_EVENTS, Event
from .rebalance import check_protocol
from .windows import Count, Session, Sliding, Tumbling, _time, assigner_for

__all__ = [
    "ACKS",
    "BROKER_FAILURES",
    "CONSUMER_EVENTS",
    "FAIL_MODES",
    "TIME_MODES",
    "GroupScenario",
    "ReplicationScenario",
    "WindowScenario",
]

CONSUMER_EVENTS = ("none", "c0 crashes", "a consumer joins")  # what happens to the dashboard at `EVENT_AT`
EVENT_AT = 4.0  # when the example's consumer crashes or joins
ACKS = (0, 1, "all")
FAIL_MODES = ("dies", "stalls")  # a broker that dies is gone; one that stalls stays up but stops fetching
BROKER_FAILURES = ("none", *(f"broker {b} {mode}" for mode in FAIL_MODES for b in range(5)))
FAIL_AT = 5.08  # between two follower fetches (every 0.1 s): acks=1 writes of the last 80 ms are at risk
TIME_MODES = ("event", "processing")
Assigner = Tumbling | Sliding | Session | Count
TEN_SECONDS = Tumbling(10)  # the default window: frozen, so one instance serves every scenario


@dataclass(frozen=True)
class GroupScenario:
    """A topic of `partitions`, `groups` groups of `consumers` each, a producer at `rate` records/s.

    `consumers` is one number for every group or a tuple with one per group. The first member of
    the first group crashes at `crash_at` (None: never); a new member joins the first group at
    `join_at` (None: never). Keys "k0", "k1", ... are drawn with Zipf `skew`. Each consumer processes
    `consumer_rate` records/s; time moves in ticks of `tick` seconds. The group notices a crash
    `session_timeout` seconds later: 1 s by default so that a crash fits a 10 s run, where Kafka's
    `session.timeout.ms` is 45 s (10 s before Kafka 3.0). `protocol="cooperative"` needs
    `strategy="sticky"` (Kafka's cooperative sticky assignor); other pairings are refused.

    >>> GroupScenario(partitions=6, consumers=(1, 3)).consumer_counts
    (1, 3)
    """

    partitions: int = 6
    consumers: int | tuple[int, ...] = 3
    groups: int = 2
    strategy: str = "range"
    protocol: str = "eager"
    rate: float = 200.0
    consumer_rate: float = 100.0
    keys: int = 50
    skew: float = 0.0
    crash_at: float | None = None
    join_at: float | None = None
    session_timeout: float = 1.0
    rebalance_time: float = 0.5
    commit_interval: float = 1.0
    tick: float = 0.1

    def __post_init__(self) -> None:
        whole("partitions", self.partitions, minimum=1, maximum=10_000, why="a topic needs a partition")
        whole("groups", self.groups, minimum=1, maximum=100, why="at least one consumer group must read the topic")
        if isinstance(self.consumers, list):
            object.__setattr__(self, "consumers", tuple(self.consumers))
        if isinstance(self.consumers, tuple):
            if len(self.consumers) != self.groups:
                raise ValueError(
                    f"consumers must list one number per group, {self.groups} here (got {self.consumers!r}): "
                    "or give one number for all groups"
                )
            for c in self.consumers:
                whole("consumers", c, minimum=1, maximum=1_000, why="a group needs a consumer to read anything")
        else:
            whole("consumers", self.consumers, minimum=1, maximum=1_000, why="a group needs a consumer")
        choice("strategy", self.strategy, ASSIGNORS)
        check_protocol(self.strategy, self.protocol)
        check_rate("rate", self.rate, why="records per second the producer writes")
        check_rate("consumer_rate", self.consumer_rate, why="records per second one consumer processes")
        whole("keys", self.keys, minimum=1, maximum=100_000, why="there must be at least one distinct key")
        number("skew", self.skew, minimum=0, maximum=10, why="0: every key equally common; 1 or 2: a few hot keys")
        for name in ("crash_at", "join_at"):
            if getattr(self, name) is not None:
                duration(name, getattr(self, name), why="a time in seconds, or None for never")
        duration("session_timeout", self.session_timeout, why="seconds before the group notices a crash")
        duration("rebalance_time", self.rebalance_time, why="seconds a rebalance pauses partitions")
        duration("commit_interval", self.commit_interval, positive=True, why="seconds between offset commits")
        duration("tick", self.tick, positive=True, why="the simulation step in seconds, e.g. 0.1")

    @property
    def consumer_counts(self) -> tuple[int, ...]:
        """The number of consumers of each group."""
        return (self.consumers,) * self.groups if isinstance(self.consumers, int) else tuple(self.consumers)

    @classmethod
    def example(
        cls,
        partitions: int = 6,
        consumers: int = 3,
        groups: int = 2,
        skew: float = 0.0,
        strategy: str = "range",
        protocol: str = "eager",
        rate: float = 200,
        event: str = "none",
    ) -> GroupScenario:
        """The lesson's dashboard: consumers of 100 records/s committing every 0.5 s; `event` is "none",
        "c0 crashes" or "a consumer joins" (the dashboard group, at 4 s).

        >>> GroupScenario.example(event="c0 crashes").crash_at
        4.0
        """
        happens = choice("event", event, CONSUMER_EVENTS)
        return cls(
            partitions=partitions,
            consumers=consumers,
            groups=groups,
            strategy=strategy,
            protocol=protocol,
            rate=rate,
            consumer_rate=100.0,
            skew=skew,
            crash_at=EVENT_AT if happens == "c0 crashes" else None,
            join_at=EVENT_AT if happens == "a consumer joins" else None,
            commit_interval=0.5,
        )


@dataclass(frozen=True)
class ReplicationScenario:
    """A cluster of `brokers`, a topic of `partitions` replicated `replication_factor` times, and a producer.

    Partition `p` lives on brokers `p, p+1, ...` (mod `brokers`), the first being its leader, so
    leaders spread over the brokers. At `fail_at` seconds `fail_broker` (None: no failure) dies, or
    with `fail_mode="stalls"` stays up but stops fetching (a slow disk, a long pause). Followers fetch
    every `fetch_interval` seconds; the controller notices a dead broker `failover_time` seconds after
    it dies; a leader drops from the ISR a follower that has not caught up with its log end for
    `replica_lag_time_max` seconds (Kafka's replica.lag.time.max.ms, 30 s by default: scaled down
    here). `notes` says what `example` had to adjust.

    >>> ReplicationScenario().replicas(2)
    [2, 0, 1]
    """

    brokers: int = 3
    replication_factor: int = 3
    partitions: int = 3
    acks: int | str = "all"
    min_insync_replicas: int = 2
    rate: float = 100.0
    fetch_interval: float = 0.05
    failover_time: float = 0.2
    fail_broker: int | None = None
    fail_at: float = 5.03  # mid-way between two fetches, so acks=1 shows its loss window
    fail_mode: str = "dies"
    replica_lag_time_max: float = 1.0
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        whole("brokers", self.brokers, minimum=1, maximum=100, why="a cluster needs at least one broker")
        whole("partitions", self.partitions, minimum=1, maximum=1_000, why="a topic needs a partition")
        whole(
            "replication_factor",
            self.replication_factor,
            minimum=1,
            maximum=self.brokers,
            why=f"each copy needs its own broker and there are {self.brokers}: add brokers or lower it",
        )
        choice("acks", self.acks, ACKS)
        whole(
            "min_insync_replicas",
            self.min_insync_replicas,
            minimum=1,
            maximum=self.replication_factor,
            why="at least the leader must have a write, and above the replication factor acks='all' never succeeds",
        )
        check_rate("rate", self.rate, why="records per second the producer sends")
        duration("fetch_interval", self.fetch_interval, positive=True, why="followers fetch every this many seconds")
        duration("failover_time", self.failover_time, why="seconds before the controller notices a dead broker")
        if self.fail_broker is not None:
            whole("fail_broker", self.fail_broker, maximum=self.brokers - 1, why="a broker number, or None")
        duration("fail_at", self.fail_at, why="the second at which fail_broker dies")
        choice("fail_mode", self.fail_mode, FAIL_MODES)
        duration(
            "replica_lag_time_max",
            self.replica_lag_time_max,
            positive=True,
            why="seconds a follower may go without catching up before it leaves the ISR",
        )
        if not isinstance(self.notes, tuple) or not all(isinstance(n, str) for n in self.notes):
            raise ValueError(f"notes must be a tuple of sentences (got {self.notes!r}): what example() adjusted")

    def replicas(self, partition: int) -> list[int]:
        """The brokers holding `partition`, preferred leader first."""
        whole("partition", partition, maximum=self.partitions - 1, why=f"the topic has {self.partitions}")
        return [(partition + i) % self.brokers for i in range(self.replication_factor)]

    @classmethod
    def example(
        cls,
        rate: float = 100,
        brokers: int = 3,
        replication_factor: int = 3,
        min_insync_replicas: int = 2,
        acks: int | str = "all",
        failure: str = "broker 0 dies",
    ) -> ReplicationScenario:
        """The lesson's cluster: 3 partitions, followers fetching every 0.1 s, `failure` at 5.08 s
        ("broker 1 dies" or "broker 1 stalls"), a stalled follower leaving the ISR after 1 s.

        Settings that cannot exist are adjusted, and `notes` says so: the replication factor is
        lowered to the number of brokers, `min_insync_replicas` to the replication factor, and a
        failure of a broker that does not exist becomes no failure.

        >>> s = ReplicationScenario.example(brokers=2, min_insync_replicas=3, failure="broker 4 dies")
        >>> s.replication_factor, s.min_insync_replicas, s.fail_broker
        (2, 2, None)
        >>> s.notes
        ('RF lowered to the 2 brokers', 'min ISR lowered to RF', 'no failure: there is no broker 4')
        """
        whole("brokers", brokers, minimum=1, maximum=100, why="a cluster needs at least one broker")
        whole("replication_factor", replication_factor, minimum=1, maximum=100, why="copies of each partition")
        whole("min_insync_replicas", min_insync_replicas, minimum=1, maximum=100, why="replicas a write needs")
        failed = choice("failure", failure, BROKER_FAILURES)
        notes = []
        rf = min(replication_factor, brokers)
        if rf < replication_factor:
            notes.append(f"RF lowered to the {brokers} broker{'s' if brokers > 1 else ''}")
        isr = min(min_insync_replicas, rf)
        if isr < min_insync_replicas:
            notes.append("min ISR lowered to RF")
        broker = None if failed == "none" else int(failed.split()[1])
        mode = "dies" if failed == "none" else failed.split()[2]
        if broker is not None and broker >= brokers:
            notes.append(f"no failure: there is no broker {broker}")
            broker = None
        return cls(
            brokers=brokers,
            replication_factor=rf,
            partitions=3,
            acks=acks,
            min_insync_replicas=isr,
            rate=rate,
            fetch_interval=0.1,
            failover_time=0.2,
            fail_broker=broker,
            fail_at=FAIL_AT,
            fail_mode=mode,
            replica_lag_time_max=1.0,
            notes=tuple(notes),
        )


def _events(events: Iterable[Any], time_mode: str) -> tuple[Event, ...]:
    if isinstance(events, (str, bytes)) or not isinstance(events, Iterable):
        raise ValueError(f"events must be a list of Event(time, key, value, arrival) (got {events!r})")
    out = []
    for i, e in enumerate(events):
        if i >= MAX_EVENTS:
            raise ValueError(f"events must hold at most {MAX_EVENTS:,} events: window a shorter stream")
        if not isinstance(e, Event):
            if isinstance(e, (str, bytes)) or not isinstance(e, Sequence) or not 1 <= len(e) <= 4:
                raise ValueError(f"events[{i}] must be an Event or a tuple (time, key, value, arrival) (got {e!r})")
            e = Event(*e)
        _time(f"events[{i}].time", e.time)
        number(f"events[{i}].value", e.value, why="values are summed per window")
        if e.arrival is not None:
            _time(f"events[{i}].arrival", e.arrival)
            if e.arrival < e.time:
                raise ValueError(
                    f"events[{i}].arrival must be at least its time {e.time!r} (got {e.arrival!r}): "
                    "an event arrives after it happens"
                )
        try:
            hash(e.key)
        except TypeError:
            raise ValueError(f"events[{i}].key must be hashable (got {e.key!r}): e.g. a city name") from None
        out.append(e)
    if time_mode == "processing":
        for i, e in enumerate(out):
            if e.arrival is None:
                raise ValueError(f"events[{i}].arrival must be a time: processing-time windows need one on every event")
            if i and e.arrival < out[i - 1].arrival:  # type: ignore[operator]
                raise ValueError(
                    f"events[{i}].arrival must not go backwards (got {e.arrival!r} after {out[i - 1].arrival!r}): "
                    "processing time is the order events arrive in"
                )
    return tuple(out)


@dataclass(frozen=True)
class WindowScenario:
    """Events summed per key and window, fired by a watermark as Flink does (see `course.streams.watermarks`).

    `assigner` cuts the windows; the watermark trails the largest event time seen by `out_of_orderness`
    seconds; a fired window still takes late events for `allowed_lateness` seconds; `time="processing"`
    windows by arrival instead. The events are `events` if given (in arrival order); otherwise a stream
    of `rate` events per second over `keys`, each arriving up to `max_delay` seconds late and a share
    `straggler_fraction` of them `straggler_delay` seconds later still (drawn by `simulate` from its seed).

    >>> WindowScenario(events=[(1, "paris"), (4, "lyon")]).events
    (Event(time=1, key='paris', value=1, arrival=None), Event(time=4, key='lyon', value=1, arrival=None))
    """

    assigner: Assigner = TEN_SECONDS
    out_of_orderness: float = 0.0
    allowed_lateness: float = 0.0
    time: str = "event"
    events: tuple[Event, ...] | None = None
    rate: float = 2.0
    keys: tuple[Any, ...] = ("paris", "lyon", "rome")
    max_delay: float = 2.0
    straggler_fraction: float = 0.0
    straggler_delay: float = 30.0
    flush: bool = True

    def __post_init__(self) -> None:
        instance("assigner", self.assigner, (Tumbling, Sliding, Session, Count), example="Tumbling(10)")
        duration("out_of_orderness", self.out_of_orderness, why="how far (in s) events may arrive out of order")
        duration("allowed_lateness", self.allowed_lateness, why="how long (in s) a fired window takes late events")
        choice("time", self.time, TIME_MODES)
        if self.events is not None:
            object.__setattr__(self, "events", _events(self.events, self.time))
        check_rate("rate", self.rate, why="events per second of the generated stream")
        if isinstance(self.keys, (str, bytes)) or not isinstance(self.keys, Sequence) or not self.keys:
            raise ValueError(f"keys must be a non-empty tuple of keys (got {self.keys!r}): e.g. ('paris', 'lyon')")
        object.__setattr__(self, "keys", tuple(self.keys))
        duration("max_delay", self.max_delay, why="seconds an event may take to arrive")
        probability("straggler_fraction", self.straggler_fraction, why="the share of events that arrive very late")
        duration("straggler_delay", self.straggler_delay, why="extra seconds a straggler takes")
        instance("flush", self.flush, bool, example="flush=True (fire every open window at the end of input)")

    @classmethod
    def example(
        cls,
        size: int = 10,
        kind: str = "tumbling",
        out_of_orderness: float = 2.0,
        allowed_lateness: float = 5.0,
        max_delay: float = 3.0,
        stragglers: float = 0.1,
        time: str = "event",
    ) -> WindowScenario:
        """The lesson's rides: 2 per second from three cities, arriving up to `max_delay` s late and a share
        `stragglers` of them 12 s later still; `size` is the window's one knob (see `assigner_for`).

        >>> WindowScenario.example(kind="session", size=5).assigner
        Session(gap=5)
        """
        probability("stragglers", stragglers, why="the share of rides that arrive 12 s later still")
        return cls(
            assigner=assigner_for(kind, size),
            out_of_orderness=out_of_orderness,
            allowed_lateness=allowed_lateness,
            time=time,
            rate=2.0,
            keys=("paris", "lyon", "rome"),
            max_delay=max_delay,
            straggler_fraction=stragglers,
            straggler_delay=12.0,
        )
