"""Back-of-the-envelope numbers: requests per second from daily users, storage and bandwidth per day,
and how busy each part of a design will be, before simulating anything.

The rules, as the system-design primer does them: a day has 86,400 seconds (about 10^5); the
average rate is daily users x requests per user / 86,400; the peak is a few times the average;
storage per day is writes x bytes per write x copies kept. For a design, each route's share of the
request mix becomes that tier's rate, each link passes its `share` on, and a tier is
`rate x mean service time / (instances x workers)` busy. The cache, the limiter and failures are
left out, so the estimate is an upper bound to check against the simulation.

Taught in lessons/06_putting_it_together.ipynb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..sim import validate
from .design import Design

__all__ = ["SECONDS_PER_DAY", "Estimate", "estimate", "instances_for", "offered_load", "peak_rate", "utilization"]

SECONDS_PER_DAY = 86_400


def _bytes(n: float) -> str:
    """A byte count as people say it: 1.2 GB, 340 MB (powers of 1,000)."""
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


@dataclass(frozen=True)
class Estimate:
    """The envelope: `daily_users` each making `requests_per_user` requests a day, `peak_factor` times the
    average at the busiest hour; a `write_share` of requests store `bytes_per_write` bytes, kept in
    `copies` copies; every answer carries `bytes_per_response` bytes.

    Taught in lessons/06_putting_it_together.ipynb.

    >>> e = estimate(daily_users=1_000_000, requests_per_user=20)
    >>> round(e.average_rps), round(e.peak_rps)
    (231, 694)
    >>> print(e)
    1,000,000 users x 20 requests a day = 231 requests/s on average, 694/s at peak (x3).
    Writes: 4,000,000 a day x 1 KB x 3 copies = 12 GB of storage a day, 4.38 TB a year.
    Bandwidth at peak: 694/s x 2 KB = 1.39 MB/s out.
    """

    daily_users: int
    requests_per_user: float
    peak_factor: float = 3.0
    write_share: float = 0.2
    bytes_per_write: int = 1_000
    copies: int = 3
    bytes_per_response: int = 2_000

    def __post_init__(self) -> None:
        validate.whole("daily_users", self.daily_users, minimum=1, maximum=10**10, why="people using it each day")
        validate.number(
            "requests_per_user", self.requests_per_user, positive=True, maximum=1e6, why="requests each makes a day"
        )
        validate.number("peak_factor", self.peak_factor, minimum=1, maximum=1000, why="peak / average traffic")
        validate.probability("write_share", self.write_share, why="the share of requests that store something")
        validate.whole("bytes_per_write", self.bytes_per_write, maximum=10**12, why="bytes one write stores")
        validate.whole("copies", self.copies, minimum=1, maximum=100, why="copies kept of every write (replicas)")
        validate.whole("bytes_per_response", self.bytes_per_response, maximum=10**12, why="bytes in one answer")

    @property
    def requests_per_day(self) -> float:
        return self.daily_users * self.requests_per_user

    @property
    def average_rps(self) -> float:
        """Requests per second averaged over the day."""
        return self.requests_per_day / SECONDS_PER_DAY

    @property
    def peak_rps(self) -> float:
        """Requests per second at the busiest time: the average x `peak_factor`."""
        return self.average_rps * self.peak_factor

    @property
    def writes_per_day(self) -> float:
        return self.requests_per_day * self.write_share

    @property
    def storage_per_day(self) -> float:
        """Bytes stored a day, every copy counted."""
        return self.writes_per_day * self.bytes_per_write * self.copies

    @property
    def peak_bandwidth(self) -> float:
        """Bytes per second sent back at peak."""
        return self.peak_rps * self.bytes_per_response

    def lines(self) -> list[str]:
        """The envelope in three sentences, each number with its unit."""
        return [
            f"{self.daily_users:,} users x {self.requests_per_user:g} requests a day = {self.average_rps:,.0f} "
            f"requests/s on average, {self.peak_rps:,.0f}/s at peak (x{self.peak_factor:g}).",
            f"Writes: {self.writes_per_day:,.0f} a day x {_bytes(self.bytes_per_write)} x {self.copies} copies = "
            f"{_bytes(self.storage_per_day)} of storage a day, {_bytes(self.storage_per_day * 365)} a year.",
            f"Bandwidth at peak: {self.peak_rps:,.0f}/s x {_bytes(self.bytes_per_response)} = "
            f"{_bytes(self.peak_bandwidth)}/s out.",
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def estimate(daily_users: int, requests_per_user: float, **assumptions: float) -> Estimate:
    """The envelope for `daily_users` making `requests_per_user` requests a day (see `Estimate` for the rest).

    >>> round(estimate(86_400, 1).average_rps, 6)
    1.0
    """
    return Estimate(daily_users, requests_per_user, **assumptions)  # type: ignore[arg-type]


def instances_for(rate: float, service_time: float, *, workers: int = 1, utilization: float = 0.7) -> int:
    """How many instances keep a tier at or below `utilization` when `rate` requests per second each need
    `service_time` seconds of one of an instance's `workers`: ceil(rate x service_time / (workers x utilization)).

    >>> instances_for(100, 0.05, workers=2)   # 5 busy workers' worth of work, at most 70 % busy
    4
    >>> instances_for(0, 0.05)
    1
    """
    rate = validate.rate("rate", rate, why="requests per second the tier must answer")
    service_time = validate.duration("service_time", service_time, positive=True, why="mean seconds per request")
    workers = validate.whole("workers", workers, minimum=1, maximum=10_000, why="requests one instance works on")
    utilization = validate.number("utilization", utilization, above=0, maximum=1, why="the target busy share")
    busy = rate * service_time / workers  # instances' worth of work
    return max(1, math.ceil(busy / utilization - 1e-9))


def peak_rate(design: Design, until: float = 60.0, steps: int = 600) -> float:
    """The most requests per second the design's clients send at any moment of `[0, until)`.

    >>> round(peak_rate(Design.example("rides", rate=40, spike=3)))
    120
    """
    validate.instance("design", design, Design, example="Design.example('rides')")
    span = validate.duration("until", until, positive=True, why="the stretch of time to look at")
    n = validate.whole("steps", steps, minimum=1, maximum=100_000, why="moments to look at")
    return max(sum(c.source.rate_at(span * k / n) for c in design.clients) for k in range(n))


def offered_load(design: Design, rate: float | None = None) -> dict[str, float]:
    """Requests (or messages, or records) per second reaching each tier, queue and stream at `rate` requests
    per second in all (default: the design's average), following the mix, the routes and the links.

    The gateway's cache and limiter are ignored (an upper bound); refused requests still count.

    >>> load = offered_load(Design.example("rides"), rate=100)
    >>> round(load["booking"]), round(load["pricing"]), round(load["matching"])
    (20, 45, 20)
    """
    validate.instance("design", design, Design, example="Design.example('rides')")
    total = design.rate if rate is None else validate.rate("rate", rate, why="requests per second in all")
    weights = sum(e.weight for e in design.mix)
    load = dict.fromkeys(design.kinds, 0.0)
    for endpoint in design.mix:
        match = design.routes.match(endpoint.method, endpoint.path.replace("{id}", "1"))
        if match is not None:
            load[match.service] += total * endpoint.weight / weights
    for name in _call_order(design):
        for link in design.links_from(name):
            load[link.target] += load[name] * link.share
    return load


def _call_order(design: Design) -> list[str]:
    """Tiers in an order where every caller comes before what it calls (sync links have no cycle)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for link in design.links:
            if link.target == name:
                visit(link.source)
        order.append(name)

    for name in design.kinds:
        visit(name)
    return [name for name in order if design.kinds[name] == "tier"]


def utilization(design: Design, rate: float | None = None) -> dict[str, float]:
    """How busy each tier and queue would be at `rate` requests per second (default: the design's average):
    load x mean work per request / workers. Above 1 it cannot keep up.

    >>> round(utilization(Design.example("rides"), rate=100)["booking"], 2)
    0.67
    """
    load = offered_load(design, rate)
    costs: dict[str, float] = {}
    for link in design.links:
        costs[link.target] = costs.get(link.target, 0.0) + load[link.source] * link.share * (link.cost - 1)
    out: dict[str, float] = {}
    for tier in design.tiers:
        work = (load[tier.name] + costs.get(tier.name, 0.0)) * tier.service_time.mean  # type: ignore[union-attr]
        out[tier.name] = work / (tier.instances * tier.workers)
    for queue in design.queues:
        out[queue.name] = load[queue.name] * queue.processing.mean / queue.workers if queue.workers else math.inf  # type: ignore[union-attr]
    return out
