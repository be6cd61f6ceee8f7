"""A caller that waits for its answer through a queue: request-reply with correlation ids, and the direct call.

`request_reply` runs a scenario in which some producers are *callers*: each sends a request
message carrying a correlation id (here: the message's id) and the name of its reply queue, then
waits up to `budget` seconds. A consumer does the work, publishes a reply with the same
correlation id to the reply queue and acks the request; the caller matches the reply to its
waiting request by that id. A reply that arrives after its caller has given up matches nothing
and is dropped, but the work it reports was done (a card charged for a user who saw an error).

`sync_vs_queue` compares the same work called directly and sent through a queue, on an otherwise
empty queue. Taught in lessons/03_queues.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from course.sim import Poisson, RunResults, SummaryBase, percentile, percentiles, run_pool, seconds, validate

from .consumers import processing_time
from .results import QueueResults
from .scenario import QueueScenario
from .simulation import simulate

__all__ = [
    "Reply",
    "ReplyTimeSeries",
    "RequestReplyResults",
    "RequestReplySummary",
    "SyncRow",
    "request_reply",
    "sync_vs_queue",
]


class Reply(NamedTuple):
    """One request a caller sent through the queue and waited for (times in simulated seconds; NaN: never).

    `outcome` is "served" (the reply came within the budget), "timed_out" (the caller gave up
    first) or "unfinished" (the run ended while the caller still waited). `replied` is when the
    reply reached the reply queue, whether or not anyone still waited for it.
    """

    correlation_id: int
    sent: float
    deadline: float
    started: float
    replied: float
    outcome: str

    @property
    def response(self) -> float:
        """Seconds from sending to the reply (NaN if no reply came)."""
        return self.replied - self.sent

    @property
    def orphan(self) -> bool:
        """True if the reply came after the caller had given up: the work was done for nobody."""
        return self.outcome == "timed_out" and not math.isnan(self.replied)


@dataclass(frozen=True, repr=False)
class RequestReplySummary(SummaryBase):
    """How the callers fared: answered within the budget, timed out, and work done after they gave up.

    >>> print(RequestReplySummary(requests=10, answered=7, timed_out=3, unfinished=0, orphans=2, started_late=1,
    ...                           p50=0.05, p99=12.0, budget=0.5))
    10 requests: 7 answered within 500 ms, 3 timed out, 0 still waiting.
    2 of the timed-out requests were processed anyway after their caller had given up (1
    not even started by then): their replies matched no waiting caller. Replies took p50
    50 ms, p99 12 s.
    """

    requests: int
    answered: int
    timed_out: int
    unfinished: int
    orphans: int
    started_late: int
    p50: float = seconds("p50 reply")
    p99: float = seconds("p99 reply")
    budget: float = seconds("budget")

    def lines(self) -> list[str]:
        budget = _ms(self.budget)
        return [
            f"{self.requests:,} requests: {self.answered:,} answered within {budget}, {self.timed_out:,} timed out, "
            f"{self.unfinished:,} still waiting.",
            f"{self.orphans:,} of the timed-out requests were processed anyway after their caller had given up "
            f"({self.started_late:,} not even started by then): their replies matched no waiting caller. "
            f"Replies took p50 {_ms(self.p50)}, p99 {_ms(self.p99)}.",
        ]


@dataclass(frozen=True)
class ReplyTimeSeries:
    """Per bin of sending time: requests `sent`, `answered` within the budget, `timed_out`, and the `worst` reply time.

    `worst` is NaN where no reply came for the requests sent in that bin.
    """

    t: list[float]
    sent: list[int]
    answered: list[int]
    timed_out: list[int]
    worst: list[float]


def _ms(t: float) -> str:
    if math.isnan(t):
        return "n/a"
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.3g} s"


class RequestReplyResults(RunResults):
    """Every caller's request (`records`, one `Reply` each) and the queue run behind them (`queued`).

    >>> from course.sim import ConstantRate
    >>> quiet = QueueScenario(source=ConstantRate(rate=2), processing=0.1, consumers=1)
    >>> rr = request_reply(quiet, until=10)
    >>> rr.summary().answered == rr.summary().requests - rr.summary().unfinished
    True
    """

    records: list[Reply]

    def __init__(self, queued: QueueResults, records: list[Reply], *, budget: float, hop: float):
        validate.instance("queued", queued, QueueResults, example="queued=simulate(scenario, until=60)")
        super().__init__(queued.scenario, records, queued.until)
        self.queued = queued
        self.budget = validate.duration("budget", budget, positive=True, why="seconds a caller waits")
        self.hop = validate.duration("hop", hop, why="seconds one network hop takes")

    def summary(self) -> RequestReplySummary:
        """Answered, timed out and orphaned requests, and reply-time percentiles of every reply that came."""
        outcome = [r.outcome for r in self.records]
        replies = [r.response for r in self.records if not math.isnan(r.replied)]
        p50, p99 = percentiles(replies, (50, 99))
        return RequestReplySummary(
            requests=len(self.records),
            answered=outcome.count("served"),
            timed_out=outcome.count("timed_out"),
            unfinished=outcome.count("unfinished"),
            orphans=sum(r.orphan for r in self.records),
            started_late=sum(r.outcome == "timed_out" and not r.started < r.deadline for r in self.records),
            p50=p50,
            p99=p99,
            budget=self.budget,
        )

    def timeseries(self, bin: float = 1.0) -> ReplyTimeSeries:
        """Per `bin` seconds of sending time: requests sent, answered in time, timed out, and the worst reply time.

        >>> from course.sim import ConstantRate
        >>> request_reply(QueueScenario(source=ConstantRate(rate=2), consumers=1), until=10).timeseries(5).sent
        [10, 9]
        """
        n, width = self.bins(bin)
        ts = ReplyTimeSeries([i * width for i in range(n)], [0] * n, [0] * n, [0] * n, [math.nan] * n)
        for r in self.records:
            k = min(max(int(r.sent / width), 0), n - 1)
            ts.sent[k] += 1
            if r.outcome == "served":
                ts.answered[k] += 1
            elif r.outcome == "timed_out":
                ts.timed_out[k] += 1
            if not math.isnan(r.replied):
                ts.worst[k] = r.response if math.isnan(ts.worst[k]) else max(ts.worst[k], r.response)
        return ts


def request_reply(
    scenario: QueueScenario,
    *,
    budget: float = 0.5,
    hop: float = 0.01,
    callers: Iterable[int] = (0,),
    until: float,
    seed: int = 0,
) -> RequestReplyResults:
    """Run `scenario`; the messages of producers `callers` are requests whose callers wait `budget` seconds.

    A request costs a network `hop` to the broker and its reply one more to the caller: a caller
    sends at ``produced - hop`` and gets its reply at ``ack + hop``. Other producers' messages
    (a batch job, say) share the queue and its consumers, so the requests wait behind them.

    >>> from course.sim import Spike
    >>> mixed = QueueScenario(source=(Poisson(rate=5), Spike(base=0, peak=400, start=10, duration=5)),
    ...                       processing=0.05, consumers=4, produce_for=40)
    >>> s = request_reply(mixed, until=60).summary()
    >>> s.timed_out > 50, s.orphans == s.timed_out
    (True, True)
    """
    validate.instance("scenario", scenario, QueueScenario, example="scenario=QueueScenario(consumers=2)")
    validate.duration("budget", budget, positive=True, why="the seconds a caller waits for its reply")
    validate.duration("hop", hop, why="seconds one network hop to the broker takes")
    if isinstance(callers, (str, bytes)) or not isinstance(callers, Iterable):
        raise ValueError(f"callers must be a list of producer numbers, e.g. callers=(0,) (got {callers!r})")
    top = len(scenario.sources) - 1
    waiting = {validate.whole("callers", c, maximum=top, why=f"producers are numbered 0 to {top}") for c in callers}
    queued = simulate(scenario, until=until, seed=seed)
    records = []
    for m in queued.records:
        if m.producer not in waiting:
            continue
        sent = m.produced - hop
        deadline = sent + budget
        replied = m.end + hop if m.state == "acked" else math.nan
        if replied <= deadline:
            outcome = "served"
        elif deadline <= queued.until:
            outcome = "timed_out"
        else:
            outcome = "unfinished"
        records.append(Reply(m.id, sent, deadline, m.first_delivery, replied, outcome))
    return RequestReplyResults(queued, records, budget=budget, hop=hop)


class SyncRow(NamedTuple):
    """Latency of a synchronous request at one arrival rate: called directly or sent through a queue."""

    rate: float
    utilization: float
    direct_p50: float
    direct_p99: float
    queue_p50: float
    queue_p99: float
    budget: float

    @property
    def added_p50(self) -> float:
        """What the queue adds to the median response."""
        return self.queue_p50 - self.direct_p50

    @property
    def direct_ok(self) -> bool:
        """True if the direct call's p99 fits the budget."""
        return self.direct_p99 <= self.budget

    @property
    def queue_ok(self) -> bool:
        """True if the queued path's p99 fits the budget."""
        return self.queue_p99 <= self.budget


def sync_vs_queue(
    scenario: QueueScenario,
    rates: Sequence[float] = (4.0, 12.0, 20.0, 28.0, 36.0),
    *,
    hop: float = 0.01,
    budget: float = 0.5,
    until: float,
    seed: int = 0,
) -> list[SyncRow]:
    """Call `scenario`'s consumers directly, or send the same work through its queue, at each Poisson rate in `rates`.

    The queued path adds a network `hop` to the broker for the request and one for the reply,
    and whatever the scenario's consumers add (a `poll_interval` after finding the queue empty;
    0 means long polling); the caller is assumed to get its reply the moment it lands. The work
    and the queueing behind busy workers are the same on both paths (same seed, same times).

    >>> from course.sim import Exponential
    >>> checkout = QueueScenario(processing=Exponential(rate=20), consumers=2)
    >>> row = sync_vs_queue(checkout, rates=(4.0,), until=120)[0]
    >>> row.direct_ok, row.queue_ok, round(row.added_p50, 3)   # long polling: the queue adds two hops
    (True, True, 0.02)
    """
    validate.instance("scenario", scenario, QueueScenario, example="scenario=QueueScenario(consumers=2)")
    if scenario.consumers < 1:
        raise ValueError("scenario must have at least 1 consumer (got consumers=0): someone has to do the work")
    if isinstance(rates, (str, bytes)) or not isinstance(rates, Iterable):
        raise ValueError(f"rates must be a list of requests per second, e.g. rates=(4, 12) (got {rates!r})")
    speeds = [validate.rate("rates", r, positive=True, why="requests per second") for r in rates]
    validate.duration("hop", hop, why="seconds one network hop to the broker takes")
    validate.duration("budget", budget, positive=True, why="the seconds a caller may wait for its answer")
    end = validate.until(until)
    mean = processing_time(scenario.processing).mean
    rows = []
    for rate in speeds:
        calls = run_pool(Poisson(rate), scenario.processing, scenario.consumers, until=end, seed=seed).records
        direct = [r.latency for r in calls if r.status == "served"]
        res = simulate(replace(scenario, source=Poisson(rate)), until=end, seed=seed)
        queued = [r.latency + 2 * hop for r in res.records if r.status == "served"]  # request and reply: two hops
        rows.append(
            SyncRow(
                rate=rate,
                utilization=rate * mean / scenario.consumers,
                direct_p50=percentile(direct, 50),
                direct_p99=percentile(direct, 99),
                queue_p50=percentile(queued, 50),
                queue_p99=percentile(queued, 99),
                budget=budget,
            )
        )
    return rows
