"""The simulation core: a discrete-event kernel, traffic, service times, server pools, results.

>>> from course.sim import Environment, ServerPool, Poisson, Exponential, mmc
"""

from .distributions import Constant, Distribution, Exponential, LogNormal, Uniform, as_distribution
from .kernel import Environment, SimulationLimitError, Ticket, stream
from .queueing import MMCResult, MMCTheory, SweepPoint, erlang_c, mmc, mmc_theory, utilization_sweep
from .results import Record, Results, Summary, TimeSeries, format_duration, percentile, percentiles
from .server_pool import ServerPool, run_pool
from .traffic import ConstantRate, OnOff, Poisson, RushHour, Source, Spike, TimeVarying, arrival_times

__all__ = [
    "Constant",
    "ConstantRate",
    "Distribution",
    "Environment",
    "Exponential",
    "LogNormal",
    "MMCResult",
    "MMCTheory",
    "OnOff",
    "Poisson",
    "Record",
    "Results",
    "RushHour",
    "ServerPool",
    "SimulationLimitError",
    "Source",
    "Spike",
    "Summary",
    "SweepPoint",
    "Ticket",
    "TimeSeries",
    "TimeVarying",
    "Uniform",
    "arrival_times",
    "as_distribution",
    "erlang_c",
    "format_duration",
    "mmc",
    "mmc_theory",
    "percentile",
    "percentiles",
    "run_pool",
    "stream",
    "utilization_sweep",
]
