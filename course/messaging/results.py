"""What a queue run produced: flat records and events, a summary, time series, flows and Little's law."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from course.sim import Flow, RunResults, SummaryBase, format_duration, per_second, percentiles, seconds, share, validate

from .dependency import Call
from .message import DeadLetter, MessageRecord, QueueEvent
from .scenario import QueueScenario

__all__ = ["LittlesLaw", "QueueResults", "QueueSummary", "QueueTimeSeries"]

NODE_OUTCOMES = {"acked": "served", "dlq": "dead_lettered", "rejected": "rejected"}  # picture node -> outcome


@dataclass(frozen=True, repr=False)
class QueueSummary(SummaryBase):
    """Where every message ended up, and how long the acked ones took.

    The accounting identity always holds: ``produced = served + rejected + dead_lettered +
    unfinished`` (outcome words of `course.sim.OUTCOMES`: served means acked; `held` counts the
    unfinished messages still waiting at their producers for room in a full queue).
    `duplicates` (deliveries of work that had already taken effect) are counted apart;
    `duplicate_effects` is how many of them a non-idempotent consumer applied. `max_depth` is
    the most messages ready at once; `utilization` the share of consumer time spent working
    (finished attempts only). `repr` is one line for code; `str` says it in words.

    >>> s = QueueSummary(produced=10, served=8, rejected=1, dead_lettered=0, unfinished=1, held=0, deliveries=9,
    ...                  duplicates=0, duplicate_effects=0, max_depth=3, p50=0.2, p95=0.5, p99=0.9,
    ...                  throughput=0.8, utilization=0.4)
    >>> s.accounted
    True
    >>> print(s)
    10 messages produced: 8 acked (0.8/s), 1 rejected by a full queue, 0 dead-lettered, 1
    unfinished.
    From production to ack: p50 200 ms, p99 900 ms; at most 3 messages waiting at once;
    consumers busy 40% of the time.
    """

    produced: int
    served: int
    rejected: int
    dead_lettered: int
    unfinished: int
    held: int
    deliveries: int
    duplicates: int
    duplicate_effects: int
    max_depth: int
    p50: float = seconds("p50 latency")
    p95: float = seconds("p95 latency")
    p99: float = seconds("p99 latency")
    throughput: float = per_second()
    utilization: float = share()
    notes: tuple[str, ...] = ()

    def _items(self) -> Iterable[tuple[str, str, str]]:
        return (item for item in super()._items() if item[0] != "notes")  # notes are words, not numbers

    @property
    def accounted(self) -> bool:
        """True when every produced message has exactly one outcome."""
        return self.produced == self.served + self.rejected + self.dead_lettered + self.unfinished

    def lines(self) -> list[str]:
        held = f" ({self.held:,} held at the producers)" if self.held else ""
        out = [
            f"{self.produced:,} messages produced: {self.served:,} acked ({self.throughput:.1f}/s), "
            f"{self.rejected:,} rejected by a full queue, {self.dead_lettered:,} dead-lettered, "
            f"{self.unfinished:,} unfinished{held}.",
            f"From production to ack: p50 {format_duration(self.p50)}, p99 {format_duration(self.p99)}; "
            f"at most {self.max_depth:,} messages waiting at once; consumers busy {self.utilization:.0%} of the time.",
        ]
        accepted = self.produced - self.rejected - self.held
        last = []
        if self.deliveries > accepted or self.duplicates:
            last.append(
                f"{self.deliveries:,} deliveries for {accepted:,} accepted messages; {self.duplicates:,} redeliveries "
                f"of work already done, {self.duplicate_effects:,} of them applied twice."
            )
        if last or self.notes:
            out.append(" ".join([*last, *self.notes]))
        return out


def _notes(scenario: QueueScenario) -> tuple[str, ...]:
    """Plain sentences about settings that cannot matter in this scenario (a lab control moved to no effect)."""
    notes = []
    if scenario.consumers == 0:
        notes.append("No consumers: processing, failures, retries and the visibility timeout have no effect.")
    elif scenario.retry.max_attempts == 1 and scenario.retry.backoff != "none":
        notes.append("One attempt per message: the retry backoff has no effect.")
    if scenario.capacity is None and scenario.when_full != "reject":
        notes.append(f"No capacity limit: when_full={scenario.when_full!r} has no effect.")
    return tuple(notes)


@dataclass(frozen=True)
class QueueTimeSeries:
    """Per-bin counts, time-averaged gauges and latency percentiles, ready for ``ax.plot(ts.t, ts.depth)``.

    `t` holds bin starts. Counts (produced ... dead_lettered) are events in the bin: `refusals`
    counts every 503 a producer got (retried or not), `rejected` the messages lost to a full queue
    for good (refused at last, or pushed out by a newer message). `depth` (ready messages),
    `delayed`, `in_flight`, `at_producer` and `in_system` are time averages over the bin; `dlq` is
    the dead-letter queue's size at the bin's end; latency columns (of messages acked in the bin)
    are NaN where nothing was acked.
    """

    t: list[float]
    produced: list[int]
    enqueued: list[int]
    served: list[int]
    deliveries: list[int]
    redeliveries: list[int]
    refusals: list[int]
    rejected: list[int]
    dead_lettered: list[int]
    depth: list[float]
    delayed: list[float]
    in_flight: list[float]
    at_producer: list[float]
    in_system: list[float]
    dlq: list[int]
    p50: list[float]
    p95: list[float]
    p99: list[float]


class LittlesLaw(NamedTuple):
    """Little's law on one run: the time-average number in the queue `L` against `arrival_rate * mean_time`."""

    L: float
    arrival_rate: float
    mean_time: float
    predicted: float
    relative_error: float


class QueueResults(RunResults):
    """Everything a queue run produced: `records` (one per message), `events` (the log) and the context.

    `until` is where the run's clock stopped. `gauges` holds ``(t, ready, delayed, in_flight,
    at_producer, dlq)`` rows, one per moment the counts changed; `drained` says whether every
    message had reached its final state by then.

    >>> from course.messaging import QueueScenario, simulate
    >>> from course.sim import ConstantRate
    >>> res = simulate(QueueScenario(source=ConstantRate(rate=2), processing=0.25, consumers=1), until=10)
    >>> res.summary().accounted, res.summary().served
    (True, 19)
    >>> res.timeseries(bin=5).served
    [9, 10]
    """

    scenario: QueueScenario
    records: list[MessageRecord]

    def __init__(
        self,
        scenario: QueueScenario,
        records: list[MessageRecord],
        until: float,
        *,
        events: list[QueueEvent],
        gauges: list[tuple[float, int, int, int, int, int]],
        dead_letters: list[DeadLetter],
        drained: bool,
        duplicates: int,
        busy_time: float = 0.0,
        calls: list[Call] | None = None,
        breaker_log: list[tuple[float, str]] | None = None,
    ):
        validate.instance("scenario", scenario, QueueScenario, example="scenario=QueueScenario()")
        for name, value in (
            ("records", records),
            ("events", events),
            ("gauges", gauges),
            ("dead_letters", dead_letters),
        ):
            validate.instance(name, value, list, example=f"{name}=[] (simulate builds these)")
        if not gauges:
            raise ValueError(
                "gauges must hold at least the starting row (t, ready, delayed, in_flight, at_producer, dlq)"
            )
        validate.duration("until", until, why="where the run's clock stopped")
        validate.instance("drained", drained, bool, example="drained=True")
        validate.whole("duplicates", duplicates, why="redeliveries of work already done")
        validate.duration("busy_time", busy_time, maximum=math.inf, why="consumer-seconds spent working")
        super().__init__(scenario, records, float(until))
        self.events = events
        self.gauges = gauges
        self.dead_letters = dead_letters
        self.drained = drained
        self.duplicates = duplicates
        self.busy_time = busy_time
        self.calls = [] if calls is None else validate.instance("calls", calls, list, example="calls=[]")
        self.breaker_log = (
            [] if breaker_log is None else validate.instance("breaker_log", breaker_log, list, example="[]")
        )

    @property
    def consumers(self) -> int:
        """How many consumers the run had."""
        return self.scenario.consumers

    @property
    def partitions(self) -> int | None:
        """How many partitions the queue had (None: one shared queue)."""
        return self.scenario.partitions

    def summary(self) -> QueueSummary:
        """The outcome of every message, deliveries and duplicates, and latency percentiles of acked messages."""
        state = Counter(r.state for r in self.records)
        done = [r.latency for r in self.records if r.state == "acked"]
        p50, p95, p99 = percentiles(done, (50, 95, 99))
        final = state["acked"] + state["rejected"] + state["dead_lettered"]
        return QueueSummary(
            produced=len(self.records),
            served=state["acked"],
            rejected=state["rejected"],
            dead_lettered=state["dead_lettered"],
            unfinished=len(self.records) - final,
            held=state["at_producer"],
            deliveries=sum(r.deliveries for r in self.records),
            duplicates=self.duplicates,
            duplicate_effects=sum(max(0, r.effects - 1) for r in self.records),
            max_depth=max(row[1] for row in self.gauges),
            notes=_notes(self.scenario),
            p50=p50,
            p95=p95,
            p99=p99,
            throughput=len(done) / self.until if self.until else 0.0,
            utilization=self.busy_time / (self.consumers * self.until) if self.consumers and self.until else 0.0,
        )

    def timeseries(self, bin: float = 1.0) -> QueueTimeSeries:
        """Counts, gauges and latencies per `bin` seconds over the whole run.

        >>> from course.messaging import QueueScenario, simulate
        >>> simulate(QueueScenario(), until=10).timeseries(bin=0)
        Traceback (most recent call last):
        ...
        ValueError: bin must be a positive number (got 0): the width of one time bin, in simulated seconds
        """
        n, width = self.bins(bin)
        kinds = ("produce", "enqueue", "ack", "deliver", "redeliver", "refuse", "reject", "dead")
        counts = {k: [0] * n for k in kinds}

        def slot(t: float) -> int:
            return min(int(t / width), n - 1)

        for e in self.events:
            k, kind = slot(e.t), e.kind
            if kind in ("produce", "enqueue", "ack"):
                counts[kind][k] += 1
            elif kind == "deliver":
                counts["deliver"][k] += 1
                if e.attempt > 1:
                    counts["redeliver"][k] += 1
            elif kind == "dead_letter":
                counts["dead"][k] += 1
            elif kind == "reject":
                if e.detail != "oldest":
                    counts["refuse"][k] += 1
                if e.detail != "will retry":
                    counts["reject"][k] += 1
        latencies: list[list[float]] = [[] for _ in range(n)]
        for r in self.records:
            if r.state == "acked":
                latencies[slot(r.end)].append(r.latency)
        avg = self._averages(width, n)
        tails = [percentiles(x, (50, 95, 99)) for x in latencies]
        return QueueTimeSeries(
            t=[i * width for i in range(n)],
            produced=counts["produce"],
            enqueued=counts["enqueue"],
            served=counts["ack"],
            deliveries=counts["deliver"],
            redeliveries=counts["redeliver"],
            refusals=counts["refuse"],
            rejected=counts["reject"],
            dead_lettered=counts["dead"],
            depth=avg[0],
            delayed=avg[1],
            in_flight=avg[2],
            at_producer=avg[3],
            in_system=[a + b + c for a, b, c in zip(avg[0], avg[1], avg[2], strict=True)],
            dlq=self._at_bin_ends(width, n),
            p50=[t[0] for t in tails],
            p95=[t[1] for t in tails],
            p99=[t[2] for t in tails],
        )

    def _averages(self, bin: float, n: int) -> list[list[float]]:
        """Time averages per bin of the gauges ready, delayed, in_flight and at_producer (a step function)."""
        sums = [[0.0] * n for _ in range(4)]
        rows, end = self.gauges, self.until
        for i, row in enumerate(rows):
            t0 = row[0]
            t1 = min(end, rows[i + 1][0] if i + 1 < len(rows) else end)
            values = row[1:5]
            if t1 <= t0 or not any(values):
                continue
            b = min(int(t0 / bin), n - 1)
            while t0 < t1:
                edge = t1 if b == n - 1 else min(t1, (b + 1) * bin)
                for col in range(4):
                    sums[col][b] += values[col] * (edge - t0)
                t0, b = edge, b + 1
        widths = [min(end, (b + 1) * bin) - b * bin for b in range(n)]
        return [[s / w if w > 0 else 0.0 for s, w in zip(col, widths, strict=True)] for col in sums]

    def _at_bin_ends(self, bin: float, n: int) -> list[int]:
        out, i, rows = [], 0, self.gauges
        for b in range(n):
            edge = min(self.until, (b + 1) * bin)
            while i + 1 < len(rows) and rows[i + 1][0] <= edge:
                i += 1
            out.append(rows[i][5])
        return out

    def flows(self) -> list[Flow]:
        """Messages along each edge of producers -> queue (or partitions) -> consumers -> acked / dlq.

        Failed and timed-out deliveries flow back from a consumer to the queue, unless that was
        their last attempt (they flow to the dlq instead); a redrive flows from the dlq to the queue.
        Node names: "producers", "queue" or "partition p", "consumer c", "acked", "dlq", "rejected"
        (refused by a full queue, from the producers, or pushed out of it, from the queue). An edge
        into a final node carries its outcome word.

        >>> from course.messaging import QueueScenario, simulate
        >>> from course.sim import ConstantRate
        >>> for flow in simulate(QueueScenario(source=ConstantRate(rate=1), consumers=1), until=3).flows():
        ...     print(flow)
        Flow(source='consumer 0', target='acked', count=2, outcome='served')
        Flow(source='producers', target='queue', count=2, outcome=None)
        Flow(source='queue', target='consumer 0', count=2, outcome=None)
        """
        part = {r.id: r.partition for r in self.records}

        def node(m: int) -> str:
            return "queue" if self.partitions is None else f"partition {part[m]}"

        edges: Counter = Counter()
        last: dict[int, str] = {}  # each message's previous event
        for e in self.events:
            k = e.kind
            if k == "enqueue":
                edges["producers", node(e.message)] += 1
            elif k == "reject" and e.detail == "final":
                edges["producers", "rejected"] += 1
            elif k == "reject" and e.detail == "oldest":
                edges[node(e.message), "rejected"] += 1
            elif k == "deliver":
                edges[node(e.message), f"consumer {e.consumer}"] += 1
            elif k == "ack":
                edges[f"consumer {e.consumer}", "acked"] += 1
            elif k in ("fail", "timeout"):
                edges[f"consumer {e.consumer}", node(e.message)] += 1
            elif k == "dead_letter":
                if e.detail == "max attempts" and last.get(e.message) in ("fail", "timeout"):
                    edges[f"consumer {e.consumer}", node(e.message)] -= 1  # that last attempt did not go back
                edges[f"consumer {e.consumer}" if e.consumer >= 0 else node(e.message), "dlq"] += 1
            elif k == "redrive":
                edges["dlq", node(e.message)] += 1
            last[e.message] = k
        return [Flow(a, b, m, NODE_OUTCOMES.get(b)) for (a, b), m in sorted(edges.items()) if m]

    def littles_law(self) -> LittlesLaw:
        """Check L = lambda * W: L from the gauges (time average in the queue), W from the records.

        lambda counts messages that entered the queue per second of the run; W is the mean time
        from entering to leaving (ack, dead letter, or pushed out of a full queue) of those that left. On a drained run
        the two sides agree exactly; otherwise the messages still inside make the gap.

        >>> from course.messaging import QueueScenario, simulate
        >>> from course.sim import ConstantRate
        >>> res = simulate(QueueScenario(source=ConstantRate(rate=2), processing=0.25, consumers=1), until=10)
        >>> law = res.littles_law()
        >>> round(law.L, 3), round(law.arrival_rate * law.mean_time, 3)
        (0.475, 0.475)
        """
        if not self.until > 0:
            raise ValueError("Little's law needs a run longer than zero seconds")
        entered = [r for r in self.records if not math.isnan(r.enqueued)]
        left = [r.in_system for r in entered if not math.isnan(r.end)]
        avg = self._averages(self.until, 1)  # one bin spanning the run: its time averages
        L = avg[0][0] + avg[1][0] + avg[2][0]
        rate = len(entered) / self.until
        mean_time = sum(left) / len(left) if left else math.nan
        predicted = rate * mean_time
        error = abs(L - predicted) / predicted if predicted else (0.0 if L == 0 else math.inf)
        return LittlesLaw(L=L, arrival_rate=rate, mean_time=mean_time, predicted=predicted, relative_error=error)
