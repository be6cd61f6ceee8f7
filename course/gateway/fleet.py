"""Rate limiting across a fleet of gateways: where the counters live, and what happens when their store is down.

Real gateways run as several instances behind a load balancer, so one client's requests land on
all of them. A `FleetScenario` puts `instances` gateways in front of one client sending `rate`
requests per second, limited to `limit` per second (a fixed window of one second, the shape of
the Redis `INCR` + `EXPIRE` pattern), with the counters kept in one of three places:

- "local": each instance counts alone and allows the full `limit`, so the client gets up to
  `instances` times its limit (Kong's `policy=local` warns of exactly this);
- "split": each instance counts alone and allows `limit // instances`, which holds the total
  only while the balancer spreads the client evenly;
- "shared": one counter in a store every instance asks (Redis), exact while the store answers.

While the shared store is down (`store_down=(start, end)`), `on_store_down` decides: "open"
admits everything (Kong's `fault_tolerant=true`, Envoy's default), "closed" refuses everything
with a 503, "local" falls back to the split local counters. The toy counts decisions only: no
latency for the round trip to the store, no network partitions between instances.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from ..sim import Poisson, RunResults, SummaryBase, per_second, share, stable_hash, stream, validate
from .rate_limit import FixedWindow

__all__ = [
    "BALANCERS",
    "COUNTERS",
    "FAILURE_MODES",
    "FLEET_OUTCOMES",
    "FleetRecord",
    "FleetResults",
    "FleetScenario",
    "FleetSummary",
    "FleetTimeSeries",
    "simulate_fleet",
]

COUNTERS = ("local", "split", "shared")  # where each instance keeps the client's count
FAILURE_MODES = ("open", "closed", "local")  # what an instance does while the shared store is down
BALANCERS = ("random", "by_client")  # how the load balancer in front picks an instance
MAX_FLEET_REQUESTS = 100_000  # the most requests one fleet run may send
FLEET_OUTCOMES = ("served", "rate_limited", "rejected")  # admitted, 429, 503 (fail closed)
_STATUS = {"served": 200, "rate_limited": 429, "rejected": 503}
_FAILING = {"open": "failing open", "closed": "failing closed", "local": "falling back to local limits"}


@dataclass(frozen=True, repr=False)
class FleetScenario:
    """`instances` gateways share one client's limit of `limit` requests per second, the client sending
    `rate` per second (Poisson); `counters` says where they count ("local", "split" or "shared"),
    `balancer` how requests are spread ("random", or "by_client": every request of a client to the
    same instance), `store_down` when the shared store is unreachable (a `(start, end)` pair of
    seconds, or None) and `on_store_down` what the instances do meanwhile ("open", "closed", "local").

    Taught in lessons/01_api_gateway.ipynb.

    >>> FleetScenario(instances=4, counters="local")
    FleetScenario(4 gateways, local counters, alice at 300 req/s limited to 100/s, random balancing)
    >>> FleetScenario(store_down=(4, 8), on_store_down="closed").store_down
    (4.0, 8.0)
    """

    instances: int = 4
    limit: int = 100
    rate: float = 300.0
    counters: str = "shared"
    balancer: str = "random"
    store_down: tuple[float, float] | None = None
    on_store_down: str = "open"

    def __post_init__(self) -> None:
        validate.whole("instances", self.instances, minimum=1, maximum=1_000, why="gateways behind the balancer")
        validate.whole("limit", self.limit, minimum=1, why="requests per second the client may send, fleet-wide")
        validate.rate("rate", self.rate, why="requests per second the client sends")
        validate.choice("counters", self.counters, COUNTERS)
        validate.choice("balancer", self.balancer, BALANCERS)
        validate.choice("on_store_down", self.on_store_down, FAILURE_MODES)
        if self.store_down is not None:
            if not isinstance(self.store_down, (tuple, list)) or len(self.store_down) != 2:
                raise ValueError(
                    f"store_down must be a (start, end) pair of seconds, or None (got {self.store_down!r}): "
                    "e.g. store_down=(4, 8)"
                )
            start, end = (
                validate.duration("store_down", t, why="when the shared store stops and starts answering")
                for t in self.store_down
            )
            if end <= start:
                raise ValueError(
                    f"store_down must end after it starts (got {self.store_down!r}): e.g. store_down=(4, 8)"
                )
            object.__setattr__(self, "store_down", (float(start), float(end)))

    def __repr__(self) -> str:
        down = ""
        if self.store_down is not None:
            down = f", store down {self.store_down[0]:g}-{self.store_down[1]:g} s (fail {self.on_store_down})"
        return (
            f"FleetScenario({self.instances} gateways, {self.counters} counters, alice at {self.rate:g} req/s "
            f"limited to {self.limit}/s, {self.balancer.replace('_', ' ')} balancing{down})"
        )

    def replace(self, **changes: Any) -> FleetScenario:
        """A copy with some fields changed (the scenario itself never changes)."""
        return replace(self, **changes)

    @property
    def local_limit(self) -> int:
        """What each instance allows when it counts alone in "split" mode: `limit // instances`, at least 1."""
        return max(1, self.limit // self.instances)

    def store_is_down(self, now: float) -> bool:
        """True while the shared store does not answer: `start <= now < end`."""
        return self.store_down is not None and self.store_down[0] <= now < self.store_down[1]


class FleetRecord(NamedTuple):
    """One request of the fleet run: when it arrived, which `instance` took it, its `outcome`
    ("served": admitted, "rate_limited": 429, "rejected": 503 while failing closed) and who
    decided (`decided_by`: "local", "split", "shared", "fail_open", "fail_closed" or "fallback")."""

    time: float
    instance: int
    outcome: str
    decided_by: str

    @property
    def status(self) -> int:
        """The HTTP status the client got: 200, 429 or 503."""
        return _STATUS[self.outcome]


def _busiest(times: list[float], window: float = 1.0) -> int:
    """The most times in any window `(t - window, t]` (times ascending)."""
    return max((bisect_right(times, t) - bisect_right(times, t - window) for t in times), default=0)


@dataclass(frozen=True, repr=False)
class FleetSummary(SummaryBase):
    """The headline numbers of a fleet run: requests by outcome, the admitted rate against the
    `limit`, the `busiest` one-second window, the admitted rate while the store was down (NaN
    without an outage) and the share of requests the busiest instance took.

    >>> s = FleetSummary(requests=600, served=400, rate_limited=200, rejected=0, limit=100, instances=4,
    ...                  counters="local", admitted_rate=100.0, busiest=120, outage_rate=float("nan"), hottest=0.27)
    >>> print(s)
    400 of 600 requests admitted: 100/s against a limit of 100/s; the busiest second admitted 120
    (1.2x the limit).
    4 gateways, local counters: 200 refused (429).
    """

    requests: int
    served: int
    rate_limited: int
    rejected: int
    limit: int
    instances: int
    counters: str
    admitted_rate: float = per_second("admitted")
    outage_rate: float = per_second("admitted while the store was down")
    hottest: float = share("busiest gateway's share")
    busiest: int = 0
    on_store_down: str = ""
    notes: tuple[str, ...] = ()

    def _items(self):  # type: ignore[no-untyped-def]
        return (item for item in super()._items() if item[0] != "notes")

    def __post_init__(self) -> None:
        for name in ("requests", *FLEET_OUTCOMES, "busiest"):
            validate.whole(name, getattr(self, name), why="a count of requests")
        if self.served + self.rate_limited + self.rejected != self.requests:
            raise ValueError(
                f"requests must equal served + rate_limited + rejected (got {self.requests!r}): "
                "every request has exactly one outcome"
            )
        validate.whole("limit", self.limit, minimum=1, why="requests per second the client may send")
        validate.whole("instances", self.instances, minimum=1, maximum=1_000, why="gateways behind the balancer")
        validate.choice("counters", self.counters, COUNTERS)
        validate.rate("admitted_rate", self.admitted_rate, why="requests admitted per second")
        if not (isinstance(self.outage_rate, float) and math.isnan(self.outage_rate)):
            validate.rate("outage_rate", self.outage_rate, why="admitted per second while the store was down, or NaN")
        validate.probability("hottest", self.hottest, why="the share of requests the busiest gateway took")
        validate.choice("on_store_down", self.on_store_down, ("", *FAILURE_MODES))
        if not isinstance(self.notes, tuple) or not all(isinstance(n, str) for n in self.notes):
            raise ValueError(f"notes must be a tuple of sentences (got {self.notes!r}): e.g. notes=('No outage.',)")

    def lines(self) -> list[str]:
        """The admitted rate against the limit first, then who refused what, then the outage and notes."""
        if not self.requests:
            return ["No requests arrived in this run: raise the rate to see the fleet at work.", *self.notes]
        first = (
            f"{self.served:,} of {self.requests:,} requests admitted: {self.admitted_rate:.0f}/s against a limit "
            f"of {self.limit}/s; the busiest second admitted {self.busiest:,} ({self.busiest / self.limit:.1f}x "
            "the limit)."
        )
        refused = [f"{self.rate_limited:,} refused (429)"] if self.rate_limited else []
        if self.rejected:
            refused.append(f"{self.rejected:,} refused while the store was down (503)")
        second = f"{self.instances} gateways, {self.counters} counters: {', '.join(refused) or 'none refused'}."
        third = []
        if not math.isnan(self.outage_rate):
            doing = _FAILING.get(self.on_store_down, "")
            third.append(f"While the store was down ({doing}): {self.outage_rate:.0f}/s admitted.")
        return [first, second, " ".join([*third, *self.notes])] if third or self.notes else [first, second]


@dataclass(frozen=True)
class FleetTimeSeries:
    """Requests per bin by outcome (admitted, 429, 503), ready for `ax.step(ts.t, ts.served)`."""

    t: list[float]
    served: list[int]
    rate_limited: list[int]
    rejected: list[int]


class FleetResults(RunResults):
    """Everything a fleet run produced: `records` (one `FleetRecord` per request, in time order), the
    `scenario`, `until` and `seed`.

    >>> from course.gateway import FleetScenario, simulate
    >>> res = simulate(FleetScenario(counters="shared"), until=4, seed=0)
    >>> res.summary().served <= 4 * res.scenario.limit  # one window of 100 per second, four seconds
    True
    """

    records: list[FleetRecord]
    scenario: FleetScenario

    def __init__(self, scenario: FleetScenario, records: list[FleetRecord], until: float, seed: int):
        validate.instance("scenario", scenario, FleetScenario, example="FleetScenario(counters='shared')")
        super().__init__(scenario, records, validate.until(until))
        self.seed = validate.seed(seed)

    def per_instance(self) -> dict[int, int]:
        """Requests each instance took, by instance number (every instance listed)."""
        counts = Counter(r.instance for r in self.records)
        return {i: counts[i] for i in range(self.scenario.instances)}

    def summary(self) -> FleetSummary:
        """Requests by outcome, the admitted rate against the limit, the busiest second and the outage."""
        scenario = self.scenario
        counts = Counter(r.outcome for r in self.records)
        admitted = [r.time for r in self.records if r.outcome == "served"]
        outage = math.nan
        if scenario.counters == "shared" and scenario.store_down is not None:
            start, end = scenario.store_down
            span = min(end, self.until) - start
            if span > 0:
                inside = sum(1 for r in self.records if r.outcome == "served" and start <= r.time < end)
                outage = inside / span
        per = self.per_instance()
        return FleetSummary(
            requests=len(self.records),
            served=counts["served"],
            rate_limited=counts["rate_limited"],
            rejected=counts["rejected"],
            limit=scenario.limit,
            instances=scenario.instances,
            counters=scenario.counters,
            admitted_rate=len(admitted) / self.until,
            busiest=_busiest(admitted),
            outage_rate=outage,
            hottest=max(per.values()) / len(self.records) if self.records else 0.0,
            on_store_down=scenario.on_store_down if scenario.store_down is not None else "",
            notes=_notes(scenario),
        )

    def timeseries(self, bin: float = 1.0) -> FleetTimeSeries:
        """Requests per `bin` seconds by outcome."""
        n, width = self.bins(bin)
        columns: dict[str, list[int]] = {word: [0] * n for word in FLEET_OUTCOMES}
        for r in self.records:
            columns[r.outcome][min(int(r.time / width), n - 1)] += 1
        return FleetTimeSeries(t=[i * width for i in range(n)], **columns)


def _notes(scenario: FleetScenario) -> tuple[str, ...]:
    """Settings that cannot matter in this scenario, said in words."""
    notes = []
    if scenario.counters != "shared" and scenario.store_down is not None:
        notes.append("No shared store here, so its outage and on_store_down change nothing.")
    if scenario.instances == 1 and scenario.counters != "shared":
        notes.append("With one gateway, local and shared counters agree.")
    return tuple(notes)


def _decide(
    scenario: FleetScenario, now: float, instance: int, locals_: Sequence[FixedWindow], shared: FixedWindow
) -> tuple[str, str]:
    """(outcome, who decided) for one request of alice at `now` on `instance`."""
    if scenario.counters != "shared":
        return ("served" if locals_[instance].allow(now, "alice") else "rate_limited"), scenario.counters
    if not scenario.store_is_down(now):
        return ("served" if shared.allow(now, "alice") else "rate_limited"), "shared"
    if scenario.on_store_down == "open":
        return "served", "fail_open"
    if scenario.on_store_down == "closed":
        return "rejected", "fail_closed"
    return ("served" if locals_[instance].allow(now, "alice") else "rate_limited"), "fallback"


def simulate_fleet(scenario: FleetScenario, *, until: float, seed: int = 0) -> FleetResults:
    """Run `until` seconds of the client's traffic through the fleet (`course.gateway.simulate` calls this).

    >>> res = simulate_fleet(FleetScenario(counters="local"), until=5, seed=0)
    >>> res.summary().busiest > 2 * res.scenario.limit  # four instances, four limits
    True
    """
    validate.instance("scenario", scenario, FleetScenario, example="simulate(FleetScenario(), until=12)")
    horizon = validate.until(until)
    seed = validate.seed(seed)
    if scenario.rate * horizon > MAX_FLEET_REQUESTS:
        raise ValueError(
            f"until must be at most {MAX_FLEET_REQUESTS / scenario.rate:.3g} s at {scenario.rate:g} requests per "
            f"second (got {until!r}): a run sends at most {MAX_FLEET_REQUESTS:,} requests; shorten the run"
        )
    each = scenario.limit if scenario.counters == "local" else scenario.local_limit
    locals_ = [FixedWindow(each, 1.0) for _ in range(scenario.instances)]
    shared = FixedWindow(scenario.limit, 1.0)
    pick = stream(seed, "balancer")
    pinned = stable_hash("alice") % scenario.instances
    records = []
    for now in Poisson(scenario.rate).times(horizon, stream(seed, "arrivals:alice")):
        instance = pinned if scenario.balancer == "by_client" else pick.randrange(scenario.instances)
        outcome, decided = _decide(scenario, now, instance, locals_, shared)
        records.append(FleetRecord(now, instance, outcome, decided))
    return FleetResults(scenario, records, horizon, seed)
