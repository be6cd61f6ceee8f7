"""Queueing theory next to simulation: the Erlang C formula and an M/M/c model on the kernel.

Why latency explodes near capacity: with utilization rho = lambda / (c * mu), the mean
time in queue grows like 1 / (1 - rho), so the last few percent of capacity cost the most.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

from .distributions import Exponential
from .kernel import Environment, stream
from .server_pool import ServerPool
from .traffic import Poisson

__all__ = ["MMCResult", "MMCTheory", "SweepPoint", "erlang_c", "mmc", "mmc_theory", "utilization_sweep"]


def _check_rates(arrival_rate: float, service_rate: float, servers: int) -> None:
    for name, value in (("arrival_rate", arrival_rate), ("service_rate", service_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
            raise ValueError(f"{name} must be a positive number per second (got {value!r})")
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ValueError(f"servers must be a whole number of at least 1 (got {servers!r})")


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arriving customer must wait in an M/M/c queue (1.0 when overloaded).

    >>> round(erlang_c(3.6, 1.0, 4), 4)
    0.7878
    """
    _check_rates(arrival_rate, service_rate, servers)
    a = arrival_rate / service_rate  # offered load in Erlangs
    rho = a / servers
    if rho >= 1:
        return 1.0
    # Sum a^k / k! for k < c with a running term, stable for large c.
    term, total = 1.0, 1.0
    for k in range(1, servers):
        term *= a / k
        total += term
    top = term * a / servers / (1 - rho)  # a^c / c! * 1 / (1 - rho)
    return top / (total + top)


@dataclass(frozen=True)
class MMCTheory:
    """What the formulas predict for an M/M/c queue; waits are infinite when rho >= 1."""

    utilization: float
    p_wait: float
    mean_wait: float
    mean_sojourn: float


def mmc_theory(arrival_rate: float, service_rate: float, servers: int) -> MMCTheory:
    """Erlang C's mean time in queue `C / (c * mu - lambda)` and the rest of the picture.

    >>> round(mmc_theory(3.6, 1.0, 4).mean_wait, 3)
    1.969
    >>> mmc_theory(5, 1, 4).mean_wait
    inf
    """
    _check_rates(arrival_rate, service_rate, servers)
    rho = arrival_rate / (servers * service_rate)
    if rho >= 1:
        return MMCTheory(utilization=1.0, p_wait=1.0, mean_wait=math.inf, mean_sojourn=math.inf)
    c = erlang_c(arrival_rate, service_rate, servers)
    wait = c / (servers * service_rate - arrival_rate)
    return MMCTheory(utilization=rho, p_wait=c, mean_wait=wait, mean_sojourn=wait + 1 / service_rate)


@dataclass(frozen=True)
class MMCResult:
    """A simulated M/M/c run: averages over `customers`, beside the Erlang C prediction."""

    customers: int
    mean_wait: float
    mean_sojourn: float
    utilization: float
    theory: MMCTheory

    def __repr__(self) -> str:
        return (
            f"MMCResult(customers={self.customers}, mean_wait={self.mean_wait:.3f} s, "
            f"mean_sojourn={self.mean_sojourn:.3f} s, utilization={self.utilization:.1%}, "
            f"erlang_c_wait={self.theory.mean_wait:.3f} s)"
        )


def mmc(arrival_rate: float, service_rate: float, servers: int, customers: int, seed: int = 0) -> MMCResult:
    """Simulate `customers` Poisson arrivals served by `servers` exponential workers.

    Built on the general kernel (`Environment` + `ServerPool`), the same pieces the
    gateway and balancer use. Averages include the start-up transient, which is
    negligible for tens of thousands of customers.

    >>> r = mmc(3.6, 1.0, 4, customers=20_000, seed=1)
    >>> abs(r.mean_wait - r.theory.mean_wait) < 0.5
    True
    """
    _check_rates(arrival_rate, service_rate, servers)
    if isinstance(customers, bool) or not isinstance(customers, int) or customers < 1:
        raise ValueError(f"customers must be a whole number of at least 1 (got {customers!r})")
    env = Environment()
    pool = ServerPool(env, servers, Exponential(service_rate), seed=seed, name="mmc", keep_records=False)
    arrivals = islice(Poisson(arrival_rate).times(math.inf, stream(seed, "arrivals")), customers)
    env.feed(arrivals, pool.submit)
    env.run()
    return MMCResult(
        customers=customers,
        mean_wait=pool.total_wait / pool.served,
        mean_sojourn=pool.total_latency / pool.served,
        utilization=pool.utilization(),
        theory=mmc_theory(arrival_rate, service_rate, servers),
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
    notebook to see a bar while it runs.

    >>> [round(p.predicted, 2) for p in utilization_sweep([0.5, 0.9], customers=200)]
    [1.09, 2.97]
    """
    points = []
    for rho in progress(list(utilizations)):
        if not 0 < rho < 1:
            raise ValueError(
                f"utilizations must lie strictly between 0 and 1 (got {rho!r}): at 1 the queue never settles"
            )
        arrival_rate = rho * servers * service_rate
        sim = mmc(arrival_rate, service_rate, servers, round(customers / (1 - rho)), seed=seed)
        points.append(SweepPoint(rho, sim.mean_sojourn, sim.theory.mean_sojourn))
    return points
