"""What a queue run produced: flat records and events, a one-line summary, time series, flows and Little's law."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from course.sim import format_duration, percentile

from .message import DeadLetter, Event, MessageRecord

__all__ = ["Flow", "LittlesLaw", "QueueResults", "QueueSummary", "QueueTimeSeries"]

BUCKETS = ("acked", "dead_lettered", "dropped", "rejected", "queued", "in_flight", "at_producer")


@dataclass(frozen=True)
class QueueSummary:
    """Where every message ended up, and how long the acked ones took; prints as one line.

    The accounting identity always holds: ``produced = acked + dead_lettered + dropped + rejected
    + queued + in_flight + at_producer``. `duplicates` (deliveries of work that had already taken
    effect) are counted apart; `duplicate_effects` is how many of them a non-idempotent consumer applied.
    `max_depth` is the most messages ready at once; `utilization` the share of consumer time
    spent working (finished attempts only).
    """

    produced: int
    acked: int
    dead_lettered: int
    dropped: int
    rejected: int
    queued: int
    in_flight: int
    at_producer: int
    deliveries: int
    duplicates: int
    duplicate_effects: int
    p50: float
    p95: float
    p99: float
    max_depth: int
    throughput: float
    utilization: float

    def __repr__(self) -> str:
        return (
            f"QueueSummary(produced={self.produced}, acked={self.acked}, dead_lettered={self.dead_lettered}, "
            f"dropped={self.dropped}, rejected={self.rejected}, queued={self.queued}, in_flight={self.in_flight}, "
            f"at_producer={self.at_producer}, deliveries={self.deliveries}, duplicates={self.duplicates}, "
            f"p50={format_duration(self.p50)}, p99={format_duration(self.p99)}, max_depth={self.max_depth})"
        )

    @property
    def accounted(self) -> bool:
        """True when every produced message is in exactly one bucket."""
        return self.produced == sum(getattr(self, name) for name in BUCKETS)


@dataclass(frozen=True)
class QueueTimeSeries:
    """Per-bin counts, time-averaged gauges and latency percentiles, ready for ``ax.plot(ts.t, ts.depth)``.

    `t` holds bin starts. Counts (produced ... dead_lettered) are events in the bin; `depth`
    (ready messages), `delayed`, `in_flight`, `at_producer` and `in_system` are time averages
    over the bin; `dlq` is the dead-letter queue's size at the bin's end; latency columns
    (of messages acked in the bin) are NaN where nothing was acked.
    """

    t: list[float]
    produced: list[int]
    enqueued: list[int]
    acked: list[int]
    deliveries: list[int]
    redeliveries: list[int]
    rejections: list[int]
    drops: list[int]
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


class Flow(NamedTuple):
    """How many messages went from one node to another (an edge of the picture; width = messages)."""

    source: str
    target: str
    messages: int


class LittlesLaw(NamedTuple):
    """Little's law on one run: the time-average number in the queue `L` against `arrival_rate * mean_time`."""

    L: float
    arrival_rate: float
    mean_time: float
    predicted: float
    relative_error: float


class QueueResults:
    """Everything a queue run produced: `records` (one per message), `events` (the log) and the context.

    `until` is the run's length: the production time, or the end of draining when the run
    went quiet earlier than its drain limit. `gauges` holds ``(t, ready, delayed, in_flight,
    at_producer, dlq)`` rows, one per moment the counts changed.

    >>> from course.messaging import QueueScenario, simulate
    >>> from course.sim import ConstantRate
    >>> res = simulate(QueueScenario(source=ConstantRate(rate=2), processing=0.25, consumers=1), until=10)
    >>> res.summary().accounted, res.summary().acked
    (True, 19)
    >>> res.timeseries(bin=5).acked
    [9, 10]
    """

    def __init__(
        self,
        records: list[MessageRecord],
        events: list[Event],
        gauges: list[tuple],
        dead_letters: list[DeadLetter],
        until: float,
        consumers: int,
        partitions: int | None,
        drained: bool,
        duplicates: int,
        busy_time: float = 0.0,
    ):
        self.records = records
        self.events = events
        self.gauges = gauges
        self.dead_letters = dead_letters
        self.until = until
        self.consumers = consumers
        self.partitions = partitions
        self.drained = drained
        self.duplicates = duplicates
        self.busy_time = busy_time

    def __repr__(self) -> str:
        return f"QueueResults({len(self.records)} messages over {self.until:g} s) -> {self.summary()!r}"

    def summary(self) -> QueueSummary:
        """The counts of every bucket, duplicates, and latency percentiles of acked messages."""
        status = Counter(r.status for r in self.records)
        done = [r.latency for r in self.records if r.status == "acked"]
        return QueueSummary(
            produced=len(self.records),
            acked=status["acked"],
            dead_lettered=status["dead_lettered"],
            dropped=status["dropped"],
            rejected=status["rejected"],
            queued=status["ready"] + status["delayed"],
            in_flight=status["in_flight"],
            at_producer=status["at_producer"],
            deliveries=sum(r.deliveries for r in self.records),
            duplicates=self.duplicates,
            duplicate_effects=sum(max(0, r.effects - 1) for r in self.records),
            p50=percentile(done, 50),
            p95=percentile(done, 95),
            p99=percentile(done, 99),
            max_depth=max(row[1] for row in self.gauges),
            throughput=len(done) / self.until if self.until else 0.0,
            utilization=self.busy_time / (self.consumers * self.until) if self.consumers and self.until else 0.0,
        )

    def timeseries(self, bin: float = 1.0) -> QueueTimeSeries:
        """Counts, gauges and latencies per `bin` seconds over the whole run."""
        if isinstance(bin, bool) or not isinstance(bin, (int, float)) or not 0 < bin < math.inf:
            raise ValueError(f"bin must be a positive number of seconds (got {bin!r})")
        if self.until / bin > 100_000:
            raise ValueError(f"bin={bin!r} makes more than 100,000 bins over {self.until:g} s: pick a wider bin")
        n = max(1, math.ceil(self.until / bin))
        counts = {k: [0] * n for k in ("produce", "enqueue", "ack", "deliver", "redeliver", "reject", "drop", "dead")}

        def slot(t: float) -> int:
            return min(int(t / bin), n - 1)

        kinds = {"produce": "produce", "enqueue": "enqueue", "ack": "ack", "reject": "reject", "drop": "drop"}
        for e in self.events:
            k = slot(e.t)
            if e.kind in kinds:
                counts[kinds[e.kind]][k] += 1
            if e.kind == "deliver":
                counts["deliver"][k] += 1
                if e.attempt > 1:
                    counts["redeliver"][k] += 1
            elif e.kind == "dead_letter":
                counts["dead"][k] += 1
            elif e.kind == "reject" and e.detail == "final":
                counts["drop"][k] += 1
        latencies: list[list[float]] = [[] for _ in range(n)]
        for r in self.records:
            if r.status == "acked":
                latencies[slot(r.end)].append(r.latency)
        avg = self._averages(bin, n)
        return QueueTimeSeries(
            t=[i * bin for i in range(n)],
            produced=counts["produce"],
            enqueued=counts["enqueue"],
            acked=counts["ack"],
            deliveries=counts["deliver"],
            redeliveries=counts["redeliver"],
            rejections=counts["reject"],
            drops=counts["drop"],
            dead_lettered=counts["dead"],
            depth=avg[0],
            delayed=avg[1],
            in_flight=avg[2],
            at_producer=avg[3],
            in_system=[a + b + c for a, b, c in zip(avg[0], avg[1], avg[2], strict=True)],
            dlq=self._at_bin_ends(bin, n),
            p50=[percentile(x, 50) for x in latencies],
            p95=[percentile(x, 95) for x in latencies],
            p99=[percentile(x, 99) for x in latencies],
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
        Node names: "producers", "queue" or "partition p", "consumer c", "acked", "dlq", "dropped", "rejected".

        >>> from course.messaging import QueueScenario, simulate
        >>> from course.sim import ConstantRate
        >>> for flow in simulate(QueueScenario(source=ConstantRate(rate=1), consumers=1), until=3).flows():
        ...     print(flow)
        Flow(source='consumer 0', target='acked', messages=2)
        Flow(source='producers', target='queue', messages=2)
        Flow(source='queue', target='consumer 0', messages=2)
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
            elif k == "drop":
                edges[node(e.message), "dropped"] += 1
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
        return [Flow(a, b, m) for (a, b), m in sorted(edges.items()) if m]

    def littles_law(self) -> LittlesLaw:
        """Check L = lambda * W: L from the gauges (time average in the queue), W from the records.

        lambda counts messages that entered the queue per second of the run; W is the mean time
        from entering to leaving (ack, dead letter or drop) of those that left. On a drained run
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
