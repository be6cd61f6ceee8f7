"""What a simulated gateway run produced: the access log as flat records, a summary, time series, flows.

`GatewayResults` is built on the shared `course.sim.RunResults`; every number comes from its
`records` (one `AccessLogEntry` per request), so a result never disagrees with itself. Outcomes
are the shared words of `course.sim.OUTCOMES`; HTTP statuses stay on the records and responses.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..sim import Flow, RunResults, SummaryBase, format_duration, percentiles, seconds, share, validate
from ..sim.outcomes import OUTCOMES
from .access_log import AccessLog, AccessLogEntry
from .cache import CacheStats
from .gateway import Gateway, StageCount
from .rate_limit import TokenBucket
from .scenario import GatewayScenario

__all__ = ["GATEWAY_OUTCOMES", "GatewayResults", "GatewaySummary", "GatewayTimeSeries", "compare_runs"]

# the outcomes a gateway run can end in, in the order summaries list them
GATEWAY_OUTCOMES = ("served", "rate_limited", "unauthorized", "forbidden", "not_found", "rejected")
_STATUS = {"rate_limited": 429, "unauthorized": 401, "forbidden": 403, "not_found": 404, "rejected": 503}


def _seconds_or_nan(name: str, value: object) -> None:
    if not (isinstance(value, float) and math.isnan(value)):  # NaN: nothing was served, so no latency
        validate.duration(name, value, why="a latency in seconds, or NaN when nothing was served")


@dataclass(frozen=True, repr=False)
class GatewaySummary(SummaryBase):
    """The headline numbers of a gateway run: requests by outcome, latency percentiles of the served
    requests (NaN when none was served), the cache hit ratio (NaN without a cache) and each
    service's utilization. `repr` is one line for code; `print` says what matters first, in words.

    >>> s = GatewaySummary(requests=10, served=7, rate_limited=2, unauthorized=1, forbidden=0, not_found=0,
    ...                    rejected=0, p50=0.01, p95=0.04, p99=0.05, hit_ratio=0.5, utilization={"users": 0.4})
    >>> s.outcomes, s.share_of("rate_limited")
    ({'served': 7, 'rate_limited': 2, 'unauthorized': 1}, 0.2)
    >>> print(s)
    7 of 10 requests served (70%), p50 10 ms, p99 50 ms.
    Refused: 2 rate limited (429), 1 unauthorized (401).
    Cache hits 50%; users busiest at 40%.
    """

    requests: int
    served: int
    rate_limited: int
    unauthorized: int
    forbidden: int
    not_found: int
    rejected: int
    p50: float = seconds("p50 latency")
    p95: float = seconds("p95 latency")
    p99: float = seconds("p99 latency")
    hit_ratio: float = share("cache hit ratio")
    utilization: dict[str, float] = field(default_factory=dict)
    shed: int = 0
    notes: tuple[str, ...] = ()

    def _items(self):  # type: ignore[no-untyped-def]
        return (item for item in super()._items() if item[0] != "notes")  # notes are words, not numbers

    def __post_init__(self) -> None:
        for word in ("requests", *GATEWAY_OUTCOMES, "shed"):
            validate.whole(word, getattr(self, word), why="a count of requests")
        if self.shed > self.rejected:
            raise ValueError(
                f"shed must be at most rejected (got shed={self.shed!r}, rejected={self.rejected!r}): "
                "a shed request is one kind of rejected request"
            )
        if not isinstance(self.notes, tuple) or not all(isinstance(n, str) for n in self.notes):
            raise ValueError(f"notes must be a tuple of sentences (got {self.notes!r}): e.g. notes=('No cache.',)")
        counted = sum(getattr(self, word) for word in GATEWAY_OUTCOMES)
        if counted != self.requests:
            raise ValueError(
                f"requests must equal {' + '.join(GATEWAY_OUTCOMES)} (got {self.requests!r}; they add up to "
                f"{counted}): every request has exactly one outcome"
            )
        for name in ("p50", "p95", "p99"):
            _seconds_or_nan(name, getattr(self, name))
        if not (isinstance(self.hit_ratio, float) and math.isnan(self.hit_ratio)):
            validate.probability("hit_ratio", self.hit_ratio, why="hits / look-ups, or NaN without a cache")
        validate.instance("utilization", self.utilization, dict, example="{'users-service': 0.4}")
        for value in self.utilization.values():
            validate.number(
                "utilization", value, minimum=0.0, maximum=1.0 + 1e-9, why="the share of time a service was busy"
            )

    @property
    def outcomes(self) -> dict[str, int]:
        """Requests per outcome that happened at least once, in the order of `GATEWAY_OUTCOMES`."""
        return {word: getattr(self, word) for word in GATEWAY_OUTCOMES if getattr(self, word)}

    def share_of(self, outcome: str) -> float:
        """The share of requests that ended in `outcome` (a word of `course.sim.OUTCOMES`; 0.0 without requests)."""
        word = validate.choice("outcome", outcome, list(OUTCOMES))
        count = getattr(self, word) if word in GATEWAY_OUTCOMES else 0
        return count / self.requests if self.requests else 0.0

    def lines(self) -> list[str]:
        """Three sentences: how many were served and how fast, who was refused and why, the cache and
        load (with any note on a setting that had no effect)."""
        if not self.requests:
            return ["No requests arrived in this run: raise the traffic to see the gateway at work.", *self.notes]
        counts = {word: getattr(self, word) for word in GATEWAY_OUTCOMES[1:]}
        said = {word: word.replace("_", " ") for word in counts}
        counts["shed"], counts["rejected"] = self.shed, self.rejected - self.shed
        said |= {"shed": "shed", "rejected": "hit a full queue"}
        order = ("shed", "rate_limited", "unauthorized", "forbidden", "not_found", "rejected")
        refused = [f"{counts[word]:,} {said[word]} ({_STATUS.get(word, 503)})" for word in order if counts[word]]
        served = f"{self.served:,} of {self.requests:,} requests served ({self.served / self.requests:.0%})"
        if self.served:
            served += f", p50 {format_duration(self.p50)}, p99 {format_duration(self.p99)}"
        cache = "No cache" if math.isnan(self.hit_ratio) else f"Cache hits {self.hit_ratio:.0%}"
        busiest = max(self.utilization, key=lambda name: self.utilization[name], default=None)
        if busiest is not None:
            cache += f"; {busiest} busiest at {self.utilization[busiest]:.0%}"
        return [f"{served}.", f"Refused: {', '.join(refused) or 'none'}.", " ".join([f"{cache}.", *self.notes])]


def _notes(scenario: GatewayScenario) -> tuple[str, ...]:
    """What the lab's controls cannot change in this scenario, said in words (empty when all matter)."""
    limiter = scenario.limiter
    if limiter is None:
        return ("No limiter: limit, bucket unused.",)
    if not isinstance(limiter, TokenBucket):
        return (f"{limiter.name.replace('_', ' ').capitalize()}: bucket unused.",)
    return ()


@dataclass(frozen=True)
class GatewayTimeSeries:
    """Per-bin request counts by outcome (binned by arrival time), the requests sent on to each
    service (`forwarded`, by service name) and latency percentiles of the served requests, ready
    for `ax.plot(ts.t, ts.p99)`; latency is NaN in bins where none was served. `width` is the bin."""

    t: list[float]
    requests: list[int]
    by_outcome: dict[str, list[int]]
    p50: list[float]
    p95: list[float]
    p99: list[float]
    forwarded: dict[str, list[int]] = field(default_factory=dict)
    width: float = 1.0


class GatewayResults(RunResults):
    """Everything a run produced: flat `records` (the access log, one `AccessLogEntry` per request,
    in arrival order), the per-stage `counts`, each service's `utilization`, cache statistics, the
    `scenario` and the `seed`.

    >>> from course.gateway import GatewayScenario, simulate
    >>> res = simulate(GatewayScenario.example(rate=50), until=2, seed=1)
    >>> s = res.summary()
    >>> s.requests == len(res.records) == sum(s.outcomes.values())
    True
    """

    records: list[AccessLogEntry]
    scenario: GatewayScenario

    def __init__(
        self,
        scenario: GatewayScenario,
        gateway: Gateway,
        until: float,
        utilization: Mapping[str, float],
        seed: int,
    ):
        validate.instance("scenario", scenario, GatewayScenario, example="GatewayScenario.example()")
        validate.instance("gateway", gateway, Gateway, example="scenario.gateway()")
        validate.instance("utilization", utilization, Mapping, example="{'users-service': 0.4}")
        super().__init__(scenario, sorted(gateway.log.records, key=lambda r: r.time), validate.until(until))
        self.log = AccessLog(self.records)
        self.counts: list[StageCount] = gateway.counts()
        self._counts_table = gateway.counts_table()
        self.cache_stats: CacheStats | None = None if gateway.cache is None else gateway.cache.stats
        self.cache_saved = gateway.saved  # backend seconds the cache saved
        self.utilization = dict(utilization)
        self.seed = validate.seed(seed)

    def counts_table(self) -> str:
        """What each stage of the gateway did, as a text table."""
        return self._counts_table

    def outcomes(self, attribute: str = "outcome") -> dict[str, int]:
        """How many requests ended in each outcome, most common first."""
        return super().outcomes(attribute)

    def summary(self) -> GatewaySummary:
        """Requests by outcome, latency percentiles of the served, cache hit ratio and utilization."""
        counts = Counter(r.outcome for r in self.records)
        served = [r.latency for r in self.records if r.outcome == "served"]
        p50, p95, p99 = percentiles(served, (50, 95, 99))
        return GatewaySummary(
            requests=len(self.records),
            **{word: counts[word] for word in GATEWAY_OUTCOMES},
            p50=p50,
            p95=p95,
            p99=p99,
            hit_ratio=math.nan if self.cache_stats is None else self.cache_stats.hit_ratio,
            utilization=dict(self.utilization),
            shed=sum(1 for r in self.records if r.stage == "admission"),
            notes=_notes(self.scenario),
        )

    def timeseries(self, bin: float = 1.0) -> GatewayTimeSeries:
        """Requests per outcome and latency percentiles of the served, per `bin` seconds of arrival time."""
        n, width = self.bins(bin)
        by_outcome = {word: [0] * n for word in OUTCOMES if any(r.outcome == word for r in self.records)}
        requests = [0] * n
        forwarded = {service: [0] * n for service in self.scenario.services}
        latencies: list[list[float]] = [[] for _ in range(n)]
        for r in self.records:
            k = min(int(r.time / width), n - 1)
            requests[k] += 1
            by_outcome[r.outcome][k] += 1
            if r.stage == "backend" and r.service in forwarded:
                forwarded[r.service][k] += 1
            if r.outcome == "served":
                latencies[k].append(r.latency)
        cuts = [percentiles(x, (50, 95, 99)) for x in latencies]
        return GatewayTimeSeries(
            t=[i * width for i in range(n)],
            requests=requests,
            by_outcome=by_outcome,
            p50=[c[0] for c in cuts],
            p95=[c[1] for c in cuts],
            p99=[c[2] for c in cuts],
            forwarded=forwarded,
            width=width,
        )

    def load(self, service: str, bin: float = 1.0) -> list[float]:
        """Requests sent to `service` per `bin` seconds, as a share of what it can answer (its `capacity`):
        1.0 means the service is sent exactly as much as its workers can do."""
        name = validate.choice("service", service, list(self.scenario.services))
        ts = self.timeseries(bin)
        capacity = self.scenario.services[name].capacity * ts.width
        return [n / capacity for n in ts.forwarded[name]]

    def flows(self) -> list[Flow]:
        """Request counts per edge of the system's picture (`course.sim.Flow`): client -> gateway,
        gateway -> service or cache, and into an outcome node for every refusal (gateway ->
        "rate_limited", ...), every request admission control shed (gateway -> "shed", outcome
        "rejected") and every rejection by a full service queue (service -> "rejected")."""
        sent: Counter = Counter(r.client for r in self.records)
        forwarded: Counter = Counter()
        refused: Counter = Counter()
        rejected: Counter = Counter()
        hits = shed = 0
        for r in self.records:
            if r.stage == "admission":
                shed += 1
            elif r.stage == "backend":
                forwarded[r.service] += 1
                if r.outcome == "rejected":
                    rejected[r.service] += 1
            elif r.stage == "cache":
                hits += 1
            else:
                refused[r.outcome] += 1
        flows = [Flow(client, "gateway", n) for client, n in sent.items()]
        flows += [Flow("gateway", service, n) for service, n in forwarded.items()]
        if hits:
            flows.append(Flow("gateway", "cache", hits))
        flows += [Flow("gateway", word, refused[word], word) for word in OUTCOMES if refused[word]]
        if shed:
            flows.append(Flow("gateway", "shed", shed, "rejected"))
        flows += [Flow(service, "rejected", n, "rejected") for service, n in rejected.items()]
        return flows


def compare_runs(runs: Mapping[str, GatewayResults], service: str = "orders-service") -> str:
    """A text table of several runs side by side: served, 429s, 503s (shed by the gateway, and from
    a full queue), p99, how busy `service` was on average, and its peak load: the most it was sent
    in one second, as a share of what it can answer (above 100 %, its queue grows).

    >>> from course.gateway import GatewayScenario, simulate
    >>> runs = {"off": simulate(GatewayScenario.example(algorithm="off", rate=50), until=4)}
    >>> print(compare_runs(runs).splitlines()[0])
    run    served    429  503 shed  503 full     p99  orders-service busy  peak load
    """
    validate.instance("runs", runs, Mapping, example="{'no limiter': simulate(GatewayScenario.example(), until=20)}")
    if not runs:
        raise ValueError("runs must hold at least one run (got {}): e.g. {'off': results}")
    for result in runs.values():
        validate.instance("runs", result, GatewayResults, example="{'off': simulate(GatewayScenario.example())}")
    for result in runs.values():
        validate.choice("service", service, list(result.scenario.services))
    width = max(3, *(len(name) for name in runs))
    head = f"{'run':<{width}}  {'served':>6}  {'429':>5}  {'503 shed':>8}  {'503 full':>8}  {'p99':>6}"
    lines = [f"{head}  {service + ' busy':>{len(service) + 5}}  peak load"]
    for name, result in runs.items():
        s = result.summary()
        busy = result.utilization.get(service, 0.0)
        peak = max(result.load(service), default=0.0)
        lines.append(
            f"{name:<{width}}  {s.served:>6,}  {s.rate_limited:>5,}  {s.shed:>8,}  {s.rejected - s.shed:>8,}  "
            f"{format_duration(s.p99):>6}  {busy:>{len(service) + 5}.0%}  {peak:>9.0%}"
        )
    return "\n".join(lines)
