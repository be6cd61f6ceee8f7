"""Run a `GatewayScenario` on the `course.sim` kernel: clients -> gateway -> one server pool per service.

Each arrival becomes a `Request`; the gateway's stages run at once; a request that reaches the
backend joins its service's `ServerPool` and is answered when served (200, which also fills the
cache), or at once with a 503 when the pool's queue is full. Arrivals stop at `until`; requests
still in a backend then finish, so every request has exactly one outcome. A run never sends more
than `max_requests` requests: when the traffic would exceed that, arrivals stop earlier and the
results say so (`truncated`).

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

import networkx as nx

from ..sim import Environment, ServerPool, format_duration, percentiles, stream
from .access_log import AccessLog, LogRecord
from .cache import CacheStats
from .gateway import Gateway, StageCount, _Stop
from .messages import Headers, Request
from .scenario import GatewayScenario, _mean_rate

__all__ = ["Flow", "GatewayResults", "GatewaySummary", "GatewayTimeSeries", "simulate"]


@dataclass(frozen=True)
class GatewaySummary:
    """The headline numbers of a run; prints as one line. Latency percentiles are over 200s."""

    requests: int
    by_status: dict[int, int]
    p50: float
    p95: float
    p99: float
    hit_ratio: float | None
    utilization: dict[str, float]

    def __repr__(self) -> str:
        statuses = " ".join(f"{status}={n}" for status, n in self.by_status.items()) or "none"
        hit = "off" if self.hit_ratio is None else f"{self.hit_ratio:.0%}"
        busy = " ".join(f"{service}={u:.0%}" for service, u in self.utilization.items())
        return (
            f"GatewaySummary(requests={self.requests}, status {statuses}, p50={format_duration(self.p50)}, "
            f"p95={format_duration(self.p95)}, p99={format_duration(self.p99)}, cache hit ratio={hit}, "
            f"utilization {busy})"
        )

    def share(self, status: int) -> float:
        """The share of requests answered with `status` (0.0 when there were none)."""
        return self.by_status.get(status, 0) / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class GatewayTimeSeries:
    """Per-bin counts by status (bins by arrival time) and latency percentiles of the 200s,
    ready for `ax.plot(ts.t, ts.p99)`; latency is NaN in bins without a 200."""

    t: list[float]
    requests: list[int]
    by_status: dict[int, list[int]]
    p50: list[float]
    p95: list[float]
    p99: list[float]


class Flow(NamedTuple):
    """One edge of the picture: `count` requests went from `source` to `target`.

    `kind` is "request" (client -> gateway), "forward" (gateway -> service), "cache" (gateway ->
    cache, answered there), "rejected" (gateway -> a status node such as "429") or "dropped"
    (service -> "503", its queue was full); `status` is set for the last two.
    """

    source: str
    target: str
    count: int
    kind: str
    status: int | None = None


class GatewayResults:
    """Everything a run produced: flat `records` (the access log, one per request, in arrival
    order), the per-stage `counts`, backend `utilization`, cache statistics, and the scenario."""

    def __init__(
        self,
        scenario: GatewayScenario,
        gateway: Gateway,
        until: float,
        utilization: dict[str, float],
        truncated: bool,
        seed: int,
    ):
        self.scenario = scenario
        self.records: list[LogRecord] = sorted(gateway.log.records, key=lambda r: r.time)
        self.log = AccessLog(self.records)
        self.counts: list[StageCount] = gateway.counts()
        self._counts_table = gateway.counts_table()
        self.cache_stats: CacheStats | None = None if gateway.cache is None else gateway.cache.stats
        self.cache_saved = gateway.saved
        self.until = until
        self.utilization = utilization
        self.truncated = truncated
        self.seed = seed

    def __repr__(self) -> str:
        cut = ", stopped early at max_requests" if self.truncated else ""
        return f"GatewayResults({len(self.records)} requests over {self.until:g} s{cut}) -> {self.summary()!r}"

    def counts_table(self) -> str:
        """What each stage of the gateway did, as a text table."""
        return self._counts_table

    def summary(self) -> GatewaySummary:
        """Requests, statuses, latency percentiles of the 200s, cache hit ratio and utilization."""
        ok = [r.latency for r in self.records if r.status == 200]
        p50, p95, p99 = percentiles(ok, (50, 95, 99))
        return GatewaySummary(
            requests=len(self.records),
            by_status=dict(sorted(Counter(r.status for r in self.records).items())),
            p50=p50,
            p95=p95,
            p99=p99,
            hit_ratio=None if self.cache_stats is None else self.cache_stats.hit_ratio,
            utilization=dict(self.utilization),
        )

    def timeseries(self, bin: float = 1.0) -> GatewayTimeSeries:
        """Counts per status and latency percentiles of the 200s, per `bin` seconds of arrival time."""
        if isinstance(bin, bool) or not isinstance(bin, (int, float)) or not bin > 0 or math.isinf(bin):
            raise ValueError(f"bin must be a positive number of seconds (got {bin!r}), e.g. bin=1.0")
        n = max(1, math.ceil(self.until / bin - 1e-9))
        if n > 100_000:
            raise ValueError(f"bin={bin!r} s makes {n:,} bins over {self.until:g} s: choose a wider bin")
        statuses = sorted({r.status for r in self.records})
        by_status = {s: [0] * n for s in statuses}
        requests = [0] * n
        latencies: list[list[float]] = [[] for _ in range(n)]
        for r in self.records:
            k = min(int(r.time / bin), n - 1)
            requests[k] += 1
            by_status[r.status][k] += 1
            if r.status == 200:
                latencies[k].append(r.latency)
        cuts = [percentiles(x, (50, 95, 99)) for x in latencies]
        return GatewayTimeSeries(
            t=[i * bin for i in range(n)],
            requests=requests,
            by_status=by_status,
            p50=[c[0] for c in cuts],
            p95=[c[1] for c in cuts],
            p99=[c[2] for c in cuts],
        )

    def flows(self) -> list[Flow]:
        """Request counts per edge (client -> gateway -> service, cache, and rejections by status)."""
        sent: Counter = Counter(r.client for r in self.records)
        forwarded: Counter = Counter()
        rejected: Counter = Counter()
        dropped: Counter = Counter()
        hits = 0
        for r in self.records:
            if r.stage == "backend":
                forwarded[r.service] += 1
                if r.status == 503:
                    dropped[r.service] += 1
            elif r.stage == "cache":
                hits += 1
            else:
                rejected[r.status] += 1
        flows = [Flow(client, "gateway", n, "request") for client, n in sent.items()]
        flows += [Flow("gateway", service, n, "forward") for service, n in forwarded.items()]
        if hits:
            flows.append(Flow("gateway", "cache", hits, "cache"))
        flows += [Flow("gateway", str(status), n, "rejected", status) for status, n in sorted(rejected.items())]
        flows += [Flow(service, "503", n, "dropped", 503) for service, n in dropped.items()]
        return flows

    def graph(self) -> nx.DiGraph:
        """The system as a directed graph for drawing: nodes carry `kind` (client, gateway,
        service, cache, rejected) and services their `utilization`; edges carry `count`,
        `kind` and `status`. Every client and service appears, even with no traffic."""
        g = nx.DiGraph()
        for client in self.scenario.clients:
            g.add_node(client.name, kind="client")
        if any(r.client == "anonymous" for r in self.records) or self.scenario.anonymous_share > 0:
            g.add_node("anonymous", kind="client")
        g.add_node("gateway", kind="gateway")
        for service in self.scenario.backends:
            g.add_node(service, kind="service", utilization=self.utilization.get(service, 0.0))
        for flow in self.flows():
            for node in (flow.source, flow.target):
                if node not in g:
                    g.add_node(node, kind="cache" if node == "cache" else "rejected")
            g.add_edge(flow.source, flow.target, count=flow.count, kind=flow.kind, status=flow.status)
        return g


def simulate(
    scenario: GatewayScenario, until: float = 20.0, seed: int = 0, max_requests: int = 20_000
) -> GatewayResults:
    """Simulate `until` seconds of the scenario's traffic through its gateway and backends.

    Every random draw comes from `course.sim.stream(seed, ...)`: the same seed gives the same run.

    Taught in lessons/01_api_gateway.ipynb.

    >>> res = simulate(GatewayScenario(), until=5, seed=1)
    >>> s = res.summary()
    >>> s.requests == sum(s.by_status.values()) == len(res.records)
    True
    """
    if not isinstance(scenario, GatewayScenario):
        raise ValueError(
            f"simulate takes a GatewayScenario, e.g. simulate(GatewayScenario(), until=20) (got {scenario!r})"
        )
    if isinstance(until, bool) or not isinstance(until, (int, float)) or not 0 < until < math.inf:
        raise ValueError(f"until must be a positive number of seconds (got {until!r}), e.g. until=20")
    if isinstance(max_requests, bool) or not isinstance(max_requests, int) or max_requests < 1:
        raise ValueError(f"max_requests must be a whole number of at least 1 (got {max_requests!r})")
    stream(seed, "check")  # refuses a seed that is not a whole number, with the fix

    expected = sum(_mean_rate(c.source) for c in scenario.clients) * until
    truncated = expected > max_requests
    horizon = until * max_requests / expected if truncated else float(until)

    env = Environment()
    gateway = scenario.gateway()
    pools = {
        name: ServerPool(
            env, b.servers, b.service, queue_capacity=b.queue_capacity, seed=seed, name=name, keep_records=False
        )
        for name, b in scenario.backends.items()
    }
    mix = scenario.mix
    cumulative = list(accumulate(e.weight for e in mix))
    total_weight = cumulative[-1]
    templates = [
        (e.method, *e.path.split("{id}", 1), e.ids) if "{id}" in e.path else (e.method, e.path, None, 0) for e in mix
    ]
    mix_rng, anon_rng = stream(seed, "mix"), stream(seed, "anonymous")
    share = scenario.anonymous_share
    no_headers = Headers()
    sent = [0]
    front, stopped, answered = gateway._front, gateway._stopped, gateway._answered_by_backend

    def done(record) -> None:
        forward = record.tag
        if record.status == "served":
            answered(forward, 200, record.end - record.arrival, record.end)
        else:
            answered(forward, 503, 0.0, record.end)

    def arrive(name: str, headers: Headers) -> None:
        if sent[0] >= max_requests:
            return
        sent[0] += 1
        now = env.now
        method, head, tail, ids = templates[bisect_right(cumulative, mix_rng.random() * total_weight)]
        path = head if tail is None else f"{head}{int(mix_rng.random() * ids) + 1}{tail}"
        if share and anon_rng.random() < share:
            name, headers = "anonymous", no_headers
        request = Request._trusted(method, path, name, headers, now)
        step = front(request, now)
        if isinstance(step, _Stop):
            stopped(request, now, step)
        else:
            pools[step.match.service].submit(on_done=done, tag=step)

    for client in scenario.clients:
        headers = Headers({"X-Api-Key": client.key}) if client.key else no_headers
        times = client.source.times(horizon, stream(seed, f"arrivals:{client.name}"))
        env.feed(times, arrive, client.name, headers)
    env.run()  # arrivals end at the horizon; the backends then finish what they hold
    elapsed = env.now if env.now > 0 else horizon
    utilization = {name: pool.busy_time() / (pool.servers * elapsed) for name, pool in pools.items()}
    return GatewayResults(scenario, gateway, horizon, utilization, truncated or sent[0] >= max_requests, seed)
