"""Queueing theory next to simulation: the Erlang C formula and an M/M/c model on the kernel.

Why latency explodes near capacity: with utilization rho = lambda / (c * mu), the mean
time in queue grows like 1 / (1 - rho), so the last few percent of capacity cost the most.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

from .distributions import Exponential
from .kernel import Environment, stream
from .results import format_duration
from .server_pool import MAX_SERVERS, ServerPool
from .traffic import Poisson
from .validate import MAX_COUNT, function, items, number, rate, whole
from .validate import seed as validate_seed

MAX_RATE = 1e7  # customers per second: the largest rate `course.sim.validate.rate` accepts

__all__ = ["MMCResult", "MMCTheory", "SweepPoint", "erlang_c", "mmc", "mmc_theory", "utilization_sweep"]


def _check_rates(arrival_rate: object, service_rate: object, servers: object) -> tuple[float, float, int]:
    lam = rate("arrival_rate", arrival_rate, positive=True, why="customers per second (lambda)")
    mu = rate("service_rate", service_rate, positive=True, why="customers one server finishes per second (mu)")
    c = whole("servers", servers, minimum=1, why="an M/M/c queue needs at least one server")
    return lam, mu, c


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arriving customer must wait in an M/M/c queue (1.0 when overloaded).

    Computed with the Erlang B recursion `B(k) = a·B(k-1) / (k + a·B(k-1))`, then
    `C = c·B / (c - a·(1 - B))`: every step stays between 0 and 1, so it keeps full precision
    for any pool (the textbook sum of `a^k / k!` overflows a float beyond about 710 Erlangs).

    >>> round(erlang_c(3.6, 1.0, 4), 4)
    0.7878
    >>> round(erlang_c(900, 1, 1000), 6)   # 900 Erlangs on 1,000 servers
    0.000593
    """
    lam, mu, c = _check_rates(arrival_rate, service_rate, servers)
    a = lam / mu  # offered load in Erlangs
    if a >= c:
        return 1.0
    b = 1.0  # Erlang B with no server: every customer is blocked
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


@dataclass(frozen=True)
class MMCTheory:
    """What the formulas predict for an M/M/c queue; waits are infinite when rho >= 1 (it never settles).

    >>> mmc_theory(5, 1, 4).settles
    False
    """

    utilization: float
    p_wait: float
    mean_wait: float
    mean_sojourn: float

    @property
    def settles(self) -> bool:
        """True when the queue reaches a steady state (rho < 1): its waits are finite."""
        return math.isfinite(self.mean_wait)


def mmc_theory(arrival_rate: float, service_rate: float, servers: int) -> MMCTheory:
    """Erlang C's mean time in queue `C / (c * mu - lambda)` and the rest of the picture.

    >>> round(mmc_theory(3.6, 1.0, 4).mean_wait, 3)
    1.969
    >>> mmc_theory(5, 1, 4).mean_wait
    inf
    """
    lam, mu, c = _check_rates(arrival_rate, service_rate, servers)
    rho = lam / (c * mu)
    if rho >= 1:
        return MMCTheory(utilization=1.0, p_wait=1.0, mean_wait=math.inf, mean_sojourn=math.inf)
    p_wait = erlang_c(lam, mu, c)
    wait = p_wait / (c * mu - lam)
    return MMCTheory(utilization=rho, p_wait=p_wait, mean_wait=wait, mean_sojourn=wait + 1 / mu)


_NEVER_SETTLES = (
    "the queue never settles: customers arrive at least as fast as the servers finish them (utilization >= 100%), "
    "so the line keeps growing and this mean wait grows with `customers`"
)


@dataclass(frozen=True)
class MMCResult:
    """A simulated M/M/c run: averages over `customers`, beside the Erlang C prediction.

    When the load reaches capacity (`settles` is False) there is no steady state: the simulated
    mean wait is finite only because the run stops, and it grows with `customers`. The repr and
    the plain-language `str` say so.

    >>> print(mmc(5, 1, 4, customers=1_000))
    The queue never settles: customers arrive at least as fast as the servers finish them (utilization >=
    100%), so the line keeps growing and this mean wait grows with `customers`. 1,000 customers waited
    ... s on average; Erlang C's wait is infinite.
    """

    customers: int
    mean_wait: float
    mean_sojourn: float
    utilization: float
    theory: MMCTheory

    @property
    def settles(self) -> bool:
        """True when the queue has a steady state (utilization below 100%), so the means estimate it."""
        return self.theory.settles

    def __repr__(self) -> str:
        text = (
            f"MMCResult(customers={self.customers}, mean_wait={self.mean_wait:.3f} s, "
            f"mean_sojourn={self.mean_sojourn:.3f} s, utilization={self.utilization:.1%}, "
            f"erlang_c_wait={self.theory.mean_wait:.3f} s"
        )
        return text + (")" if self.settles else f", settles=False: {_NEVER_SETTLES})")

    def __str__(self) -> str:
        if self.settles:
            line = (
                f"{self.customers:,} customers waited {format_duration(self.mean_wait)} on average "
                f"(Erlang C predicts {format_duration(self.theory.mean_wait)}) and spent "
                f"{format_duration(self.mean_sojourn)} in the system; servers busy {self.utilization:.0%} of the time."
            )
        else:
            line = (
                f"{_NEVER_SETTLES[0].upper()}{_NEVER_SETTLES[1:]}. {self.customers:,} customers waited "
                f"{format_duration(self.mean_wait)} on average; Erlang C's wait is infinite."
            )
        return "\n".join(textwrap.wrap(line, 100))


def mmc(arrival_rate: float, service_rate: float, servers: int, customers: int, seed: int = 0) -> MMCResult:
    """Simulate `customers` Poisson arrivals served by `servers` exponential workers.

    Built on the general kernel (`Environment` + `ServerPool`), the same pieces the
    gateway and balancer use. Averages include the start-up transient, which is
    negligible for tens of thousands of customers. At utilization 100% or more the
    queue never settles: the result's `settles` is False and its repr says so.

    >>> r = mmc(3.6, 1.0, 4, customers=20_000, seed=1)
    >>> abs(r.mean_wait - r.theory.mean_wait) < 0.5, r.settles
    (True, True)
    """
    lam, mu, c = _check_rates(arrival_rate, service_rate, servers)
    n = whole("customers", customers, minimum=1, maximum=MAX_COUNT, why="how many arrivals to simulate")
    env = Environment()
    pool = ServerPool(env, c, Exponential(mu), seed=seed, name="mmc", keep_records=False)
    arrivals = islice(Poisson(lam).times(math.inf, stream(seed, "arrivals")), n)
    pool.feed(arrivals)
    env.run(max_events=2 * n + 16)  # one arrival and one departure per customer
    return MMCResult(
        customers=n,
        mean_wait=pool.total_wait / pool.served,
        mean_sojourn=pool.total_latency / pool.served,
        utilization=pool.utilization(),
        theory=mmc_theory(lam, mu, c),
    )


@dataclass(frozen=True)
class SweepPoint:
    """One load level of a sweep: target utilization, simulated and predicted mean sojourn."""

    utilization: float
    simulated: float
    predicted: float


def utilization_sweep(
    utilizations: Iterable[float],
    servers: int = 4,
    service_rate: float = 1.0,
    customers: int = 20_000,
    seed: int = 0,
    progress: Callable[[Iterable[float]], Iterable[float]] = iter,
) -> list[SweepPoint]:
    """Mean time in system at each utilization, simulated with `mmc` beside Erlang C.

    A queue near saturation takes longer to forget its empty start, so utilization `rho`
    runs `customers / (1 - rho)` customers. Pass `progress=course.viz.progress` in a
    notebook to see a bar while it runs. Every argument is checked before anything runs.

    >>> [round(p.predicted, 2) for p in utilization_sweep([0.5, 0.9], customers=200)]
    [1.09, 2.97]
    >>> utilization_sweep([0.5, 1.0])
    Traceback (most recent call last):
    ...
    ValueError: utilizations must be a number above 0 and below 1 (got 1.0): at 1 the queue never settles
    """
    example = "utilizations=[0.3, 0.6, 0.9]"
    levels = items("utilizations", utilizations, maximum=1_000, example=example)
    for rho in levels:
        number("utilizations", rho, above=0, below=1, why="at 1 the queue never settles")
    _, mu, c = _check_rates(1.0, service_rate, servers)
    whole("servers", c, maximum=MAX_SERVERS, why="the simulated pool keeps one slot per server")
    if c * mu > MAX_RATE:  # the busiest level's arrival rate must be one mmc accepts
        number("service_rate", mu, maximum=MAX_RATE / c, why=f"servers x service_rate is at most {MAX_RATE:g}/s")
    validate_seed(seed)
    function("progress", progress, example="progress=course.viz.progress")
    busiest = max(levels, default=0.0)
    most = max(1, round(MAX_COUNT * (1 - busiest)))
    why = f"utilization {busiest:g} runs customers / (1 - {busiest:g}) of them, at most {MAX_COUNT:,}"
    whole("customers", customers, minimum=1, maximum=most, why=why)
    points = []
    for rho in progress(levels):
        arrival_rate = rho * servers * service_rate
        sim = mmc(arrival_rate, service_rate, servers, round(customers / (1 - rho)), seed=seed)
        points.append(SweepPoint(rho, sim.mean_sojourn, sim.theory.mean_sojourn))
    return points
