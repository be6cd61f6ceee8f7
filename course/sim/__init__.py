"""The shared layer: the discrete-event kernel, traffic, service times, server pools, the results base,
the outcome vocabulary, argument validation (`course.sim.validate`) and stable hashing.

>>> from course.sim import Environment, ServerPool, Poisson, Exponential, mmc
"""

from .distributions import Constant, Distribution, Exponential, LogNormal, Uniform, as_distribution
from .hashing import murmur2, partition_for, stable_hash
from .kernel import Environment, SimulationLimitError, Ticket, collector_paused, stream
from .outcomes import OUTCOMES, outcome
from .queueing import MMCResult, MMCTheory, SweepPoint, erlang_c, mmc, mmc_theory, utilization_sweep
from .results import (
    Flow,
    Record,
    Results,
    RunResults,
    Summary,
    SummaryBase,
    TimeSeries,
    format_duration,
    per_second,
    percentile,
    percentiles,
    seconds,
    share,
)
from .server_pool import ServerPool, run_pool
from .traffic import ConstantRate, OnOff, Poisson, RushHour, Source, Spike, TimeVarying, arrival_times

__all__ = [
    "OUTCOMES",
    "Constant",
    "ConstantRate",
    "Distribution",
    "Environment",
    "Exponential",
    "Flow",
    "LogNormal",
    "MMCResult",
    "MMCTheory",
    "OnOff",
    "Poisson",
    "Record",
    "Results",
    "RunResults",
    "RushHour",
    "ServerPool",
    "SimulationLimitError",
    "Source",
    "Spike",
    "Summary",
    "SummaryBase",
    "SweepPoint",
    "Ticket",
    "TimeSeries",
    "TimeVarying",
    "Uniform",
    "arrival_times",
    "as_distribution",
    "collector_paused",
    "erlang_c",
    "format_duration",
    "mmc",
    "mmc_theory",
    "murmur2",
    "outcome",
    "partition_for",
    "per_second",
    "percentile",
    "percentiles",
    "run_pool",
    "seconds",
    "share",
    "stable_hash",
    "stream",
    "utilization_sweep",
]
