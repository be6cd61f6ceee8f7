"""Run a `Design` on one `course.sim` kernel: clients, the gateway, every tier, queue and stream together.

Each client's arrivals come from its own seeded stream; each request picks a line of the mix,
enters the front door (`Front`), and ends in exactly one outcome of `course.sim.OUTCOMES`: its
answer's (`served`, `rate_limited`, `rejected`, `failed`, `timed_out`, ...), or, for an answered
request that handed work to a queue, that work's fate (`served` once a worker acked it,
`dead_lettered`, `rejected` when pushed out of a full queue, `unfinished` while still queued). A
client retrying a 5xx (the design's `client_retry`) sends another attempt of the same request; the
request ends with its last attempt. The run stops at `until`: whatever is still in progress then
is `unfinished`.

Taught in lessons/06_putting_it_together.ipynb.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from ..gateway import Headers, outcome_of
from ..sim import Environment, collector_paused, stream, validate
from ..sim.outcomes import OUTCOMES
from .async_parts import QueueNode, StreamNode
from .design import KEEP_RECORDS_UP_TO, MAX_REQUESTS, Design
from .front import Front
from .links import Handoff, SyncCall
from .results import DesignResults, Figures, build_figures
from .tiers import LiveTier

__all__ = ["MAX_ATTEMPTS", "simulate"]

MAX_ATTEMPTS = 10  # a client retrying forever (max_attempts=None) still stops here
NAN = math.nan
WORDS = tuple(OUTCOMES)
_CODE = {word: i for i, word in enumerate(WORDS)}


class Req:
    """One client request during a run (all its attempts)."""

    __slots__ = ("arrival", "attempts", "client", "headers", "id", "key", "method", "parts", "path")

    def __init__(self, id: int, arrival: float, client: str, headers: Headers, method: str, path: str, key: Any):
        self.id, self.arrival, self.client, self.headers = id, arrival, client, headers
        self.method, self.path, self.key = method, path, key
        self.attempts = 0
        self.parts: list[Any] = []


def _expected(design: Design, until: float) -> float:
    return sum(c.source.mean_rate(until) for c in design.clients) * until


def simulate(design: Design, *, until: float, seed: int = 0) -> DesignResults:
    """Run `design` for `until` simulated seconds; every random draw comes from `course.sim.stream(seed, ...)`.

    Taught in lessons/06_putting_it_together.ipynb.

    >>> res = simulate(Design.example("rides"), until=10, seed=1)
    >>> s = res.summary()
    >>> s.requests == sum(s.outcomes.values()) == len(res.records)
    True
    >>> simulate(Design.example("rides", rate=100_000, spike=1), until=30)
    Traceback (most recent call last):
    ...
    ValueError: until must be at most 20 s at 100,000 requests per second (got 30): a run sends at most ...
    """
    validate.instance("design", design, Design, example="simulate(Design.example('rides'), until=30)")
    horizon = validate.until(until)
    seed = validate.seed(seed)
    expected = _expected(design, horizon)
    if expected > MAX_REQUESTS:
        rate = expected / horizon
        raise ValueError(
            f"until must be at most {MAX_REQUESTS / rate:.3g} s at {rate:,.0f} requests per second (got {until!r}): "
            f"a run sends at most {MAX_REQUESTS:,} requests; shorten the run or lower the rate"
        )
    if design.keep_records and expected > KEEP_RECORDS_UP_TO:
        raise ValueError(
            f"keep_records must be False for a run of about {expected:,.0f} requests (got True): a record per "
            f"request is kept up to {KEEP_RECORDS_UP_TO:,}; design.replace(keep_records=False) keeps the summary, "
            "the time series and the picture"
        )
    with collector_paused():  # millions of short-lived objects and no cycle per request: see collector_paused
        run = _Run(design, horizon, seed)
        run.env.run(until=horizon)
        return run.results()


class _Run:
    """One run: the kernel, every part built from the design, and the columns each request fills."""

    def __init__(self, design: Design, until: float, seed: int):
        self.design, self.until, self.seed = design, until, seed
        env = self.env = Environment()
        keep = design.keep_records
        self.tiers = {t.name: LiveTier(env, t, seed) for t in design.tiers}
        outages = {
            f.target: (f.at, f.until if f.until is not None else until + 1.0)
            for f in design.failures
            if f.kind == "workers_fail"
        }
        self.queues = {q.name: QueueNode(env, q, seed, outages.get(q.name)) for q in design.queues}
        self.streams = {s.name: StreamNode(env, s, seed) for s in design.streams}
        self.links: list[SyncCall | Handoff] = []
        for tier in self.tiers.values():
            for link in design.links_from(tier.name):
                if link.mode == "sync":
                    step: SyncCall | Handoff = SyncCall(env, link, self.tiers[link.target], seed)
                else:
                    step = Handoff(link, self.queues.get(link.target) or self.streams[link.target], seed)
                tier.steps.append(step)
                self.links.append(step)
        self.front = Front(env, design, self.tiers, self._answered)
        self.retry_rng = stream(seed, "design:client retries")
        self.overhead = design.overhead if design.gateway else 0.0
        self.retried = 0
        self.waiting: list[Req] = []  # answered 200 with work handed to a queue: settled at the end
        # one row per request, in arrival order
        self.arrival = array("d")
        self.latency = array("d")
        self.status = array("H")
        self.attempts = array("B")
        self.client_of = array("B")
        self.endpoint_of = array("H")
        self.keyed = array("B")
        self.paths: list[str] | None = [] if keep else None
        self.answered_by: list[str] | None = [] if keep else None
        self._schedule_failures()
        self._feed()

    # -- traffic ----------------------------------------------------------------------------------------------

    def _feed(self) -> None:
        design, env = self.design, self.env
        mix = design.mix
        self.cumulative = list(accumulate(e.weight for e in mix))
        self.templates: list[tuple[str, str, str | None, int]] = []
        for e in mix:
            head, _, tail = e.path.partition("{id}")
            self.templates.append((e.method, head, tail, e.ids) if "{id}" in e.path else (e.method, e.path, None, 0))
        self.mix_rng = stream(self.seed, "design:mix")
        self.anonymous_rng = stream(self.seed, "design:anonymous")
        self.no_key = Headers()
        for index, client in enumerate(design.clients):
            headers = Headers({"X-Api-Key": client.key}) if client.key else self.no_key
            times = client.source.times(self.until, stream(self.seed, f"arrivals:{client.name}"))
            env.feed(times, self._arrive, index, client.name, headers)

    def _arrive(self, client_index: int, name: str, headers: Headers) -> None:
        share = self.design.anonymous_share
        if share and self.anonymous_rng.random() < share:
            name, headers = "anonymous", self.no_key
        rng = self.mix_rng
        endpoint = bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        method, head, tail, ids = self.templates[endpoint]
        if tail is None:
            path, key = head, None
        else:
            key = int(rng.random() * ids) + 1
            path = f"{head}{key}{tail}"
        n = len(self.arrival)
        now = self.env.now
        req = Req(n, now, name, headers, method, path, key)
        self.arrival.append(now)
        self.latency.append(NAN)
        self.status.append(0)
        self.attempts.append(0)
        self.client_of.append(client_index)
        self.endpoint_of.append(endpoint)
        self.keyed.append(1 if headers is not self.no_key else 0)
        if self.paths is not None:
            self.paths.append(path)
            self.answered_by.append("")  # type: ignore[union-attr]
        self._attempt(req)

    def _attempt(self, req: Req) -> None:
        req.attempts += 1
        self.attempts[req.id] = req.attempts if req.attempts < 255 else 255
        self.front.enter(req)

    def _answered(self, req: Req, status: int, who: str) -> None:
        policy = self.design.client_retry
        if policy is not None and status >= 502:
            most = MAX_ATTEMPTS if policy.max_attempts is None else min(policy.max_attempts, MAX_ATTEMPTS)
            if req.attempts < most:
                self.retried += 1
                self.env.schedule(policy.delay(req.attempts, self.retry_rng), self._attempt, req)
                return
        i = req.id
        self.status[i] = status
        self.latency[i] = self.env.now - req.arrival + self.overhead  # the gateway's own time, when there is one
        if self.answered_by is not None:
            self.answered_by[i] = who
        if status == 200 and req.parts:
            self.waiting.append(req)

    # -- failures ---------------------------------------------------------------------------------------------

    def _schedule_failures(self) -> None:
        env = self.env
        for f in self.design.failures:
            if f.kind == "instance_dies":
                tier = self.tiers[f.target]
                inst = tier.instances[0]
                env.schedule(f.at, tier.die, inst)
                if f.until is not None:
                    env.schedule(f.until, tier.recover, inst)
            elif f.kind == "slow":
                tier = self.tiers[f.target]
                env.schedule(f.at, tier.slow_down, f.factor)
                if f.until is not None:
                    env.schedule(f.until, tier.slow_down, 1.0)
            elif f.kind == "consumer_crashes":
                for group in self.streams[f.target].groups:
                    env.schedule(f.at, group.crash)
                    if f.until is not None:
                        env.schedule(f.until, group.rejoin)
            elif f.kind == "broker_fails":
                node = self.streams[f.target]
                env.schedule(f.at, node.fail)
                if f.until is not None:
                    env.schedule(f.until, node.mend)
            # "workers_fail" is the queue workers' outage, given to their ConsumerPool's faults

    # -- the end ----------------------------------------------------------------------------------------------

    def _outcomes(self) -> array:
        """Each request's one outcome, as an index into `course.sim.OUTCOMES`, and when its work was done."""
        unfinished, served = _CODE["unfinished"], _CODE["served"]
        codes = array("B", [unfinished]) * len(self.status)
        self.finished = array("d", [NAN]) * len(self.status)
        for i, status in enumerate(self.status):
            if status:
                codes[i] = _CODE[outcome_of(status)]
                if status == 200:
                    self.finished[i] = self.arrival[i] + self.latency[i]
        for req in self.waiting:
            states = [msg.state for msg in req.parts]
            if "dead_lettered" in states:
                code = _CODE["dead_lettered"]
            elif "rejected" in states:
                code = _CODE["rejected"]
            elif all(state == "acked" for state in states):
                code = served
                self.finished[req.id] = max(msg.end for msg in req.parts)
            else:
                code = unfinished
            if code != served:
                self.finished[req.id] = NAN
            codes[req.id] = code
        return codes

    def results(self) -> DesignResults:
        codes = self._outcomes()
        figures: Figures = build_figures(self)
        return DesignResults(
            self.design,
            until=self.until,
            seed=self.seed,
            columns={
                "arrival": self.arrival,
                "latency": self.latency,
                "finished": self.finished,
                "status": self.status,
                "outcome": codes,
                "attempts": self.attempts,
                "client": self.client_of,
                "endpoint": self.endpoint_of,
                "keyed": self.keyed,
            },
            paths=self.paths,
            answered_by=self.answered_by,
            figures=figures,
        )
