"""Results of a simulated run: the shared base every package's results build on, and the pool's own.

Every `simulate` in the course returns a `*Results` built on `RunResults`: the `scenario` that ran,
flat `records`, the run's `until`, a `summary()` (a `SummaryBase`: one-line repr for code,
plain-language `str` for people) and `timeseries(bin)`.
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from .outcomes import OUTCOMES
from .validate import MAX_COUNT, bin_count, choice, duration, instance, items, number, whole

__all__ = [
    "Flow",
    "Record",
    "Results",
    "RunResults",
    "Summary",
    "SummaryBase",
    "TimeSeries",
    "format_duration",
    "per_second",
    "percentile",
    "percentiles",
    "seconds",
    "share",
]


class _FlowFields(NamedTuple):
    source: str
    target: str
    count: float  # type: ignore[assignment]  # the field shadows tuple.count, as in every NamedTuple named so
    outcome: str | None = None


class Flow(_FlowFields):
    """One edge of a system's picture: `count` requests or messages went from `source` to `target`.

    `outcome` is set when the edge ends in a final outcome node (a word from `OUTCOMES`, such as
    "rate_limited"); drawings make edge width proportional to `count`.

    >>> Flow("gateway", "users-service", 120)
    Flow(source='gateway', target='users-service', count=120, outcome=None)
    >>> Flow("gateway", "users-service", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: count must be a finite number of at least 0 (got nan): how many went along this edge
    """

    __slots__ = ()

    def __new__(cls, source: str, target: str, count: float, outcome: str | None = None) -> Flow:
        instance("source", source, str, example='source="gateway"')
        instance("target", target, str, example='target="users-service"')
        number("count", count, minimum=0, why="how many went along this edge")
        if outcome is not None:
            choice("outcome", outcome, list(OUTCOMES))
        return super().__new__(cls, source, target, count, outcome)


class Record(NamedTuple):
    """One job's fate: when it arrived, started and ended, on which server, and how it ended.

    `status` is an outcome (`course.sim.OUTCOMES`): "served", "rejected" (it found the queue full;
    `start == end == arrival`, `server == -1`) or "unfinished" (still queued or in service when the
    run ended).
    `tag` is whatever the caller attached (a request, say).
    """

    job: int
    arrival: float
    start: float
    end: float
    server: int
    status: str
    tag: Any = None

    @property
    def wait(self) -> float:
        """Seconds spent queued before a server took the job."""
        return self.start - self.arrival

    @property
    def latency(self) -> float:
        """Seconds from arrival to the end of service (the sojourn time)."""
        return self.end - self.arrival


def _sorted_numbers(values: object) -> list[float]:
    """`values` sorted, refusing anything that is not a collection of finite numbers."""
    if isinstance(values, (str, bytes, bytearray)) or not isinstance(values, Iterable):
        instance("values", values, list, example="values=[0.12, 0.3, 0.05]")
    ordered = list(values)  # type: ignore[call-overload]
    try:
        ordered.sort()
        finite = math.isfinite(sum(ordered))
    except TypeError:
        finite = False
    if not finite:
        for value in ordered:  # the first value that is not a finite number raises
            number("values", value, why="every value must be a finite number, e.g. a latency in seconds")
    return ordered


def percentiles(values: Sequence[float], qs: Sequence[float]) -> tuple[float, ...]:
    """The `qs`-th percentiles (each 0..100) with linear interpolation, from one sort; NaN for no values.

    >>> percentiles([4, 1, 3, 2], [50, 100])
    (2.5, 4.0)
    >>> percentiles([4, 1, float("nan")], [50])
    Traceback (most recent call last):
    ...
    ValueError: values must be a finite number (got nan): every value must be a finite number, e.g. a latency in seconds
    """
    levels = items("qs", qs, maximum=1_000, example="qs=[50, 99]")
    for q in levels:
        number("qs", q, minimum=0, maximum=100, why="percentiles run from 0 to 100")
    return _percentiles(_sorted_numbers(values), levels)


def _percentiles(ordered: list[float], qs: Iterable[float]) -> tuple[float, ...]:
    if not ordered:
        return tuple(math.nan for _ in qs)
    last = len(ordered) - 1

    def at(q: float) -> float:
        pos = last * q / 100
        lo = math.floor(pos)
        hi = min(lo + 1, last)
        return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))

    return tuple(at(q) for q in qs)


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0..100) with linear interpolation; NaN for no values.

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    >>> percentile([], 99)
    nan
    """
    number("q", q, minimum=0, maximum=100, why="percentiles run from 0 to 100")
    return _percentiles(_sorted_numbers(values), [q])[0]


def format_duration(seconds: float) -> str:
    """A duration as people read it in a summary line: milliseconds below a second; NaN reads "n/a".

    >>> format_duration(0.0412), format_duration(2.5), format_duration(float("nan"))
    ('41 ms', '2.50 s', 'n/a')
    """
    instance("seconds", seconds, (int, float), example="format_duration(0.25)")
    if math.isnan(seconds):
        return "n/a"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def seconds(label: str = "") -> Any:
    """A summary field holding a duration: shown as "41 ms" or "2.50 s"."""
    instance("label", label, str, example='label="p99 latency"')
    return field(metadata={"unit": "seconds", "label": label})


def share(label: str = "") -> Any:
    """A summary field holding a share from 0 to 1: shown as a percentage."""
    instance("label", label, str, example='label="utilization"')
    return field(metadata={"unit": "share", "label": label})


def per_second(label: str = "") -> Any:
    """A summary field holding a rate: shown as "12.3/s"."""
    instance("label", label, str, example='label="throughput"')
    return field(metadata={"unit": "per_second", "label": label})


def _format(value: Any, unit: str | None) -> str:
    if unit == "seconds":
        return format_duration(value)
    if unit == "share":
        return "n/a" if isinstance(value, float) and math.isnan(value) else f"{value:.0%}"
    if unit == "per_second":
        return f"{value:.1f}/s"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_format(v, None)}" for k, v in value.items()) + "}"
    return repr(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True, repr=False)
class SummaryBase:
    """The headline numbers of a run: a one-line repr for code, plain sentences for people.

    Subclasses are frozen dataclasses; fields made with `seconds()`, `share()` or `per_second()`
    print with their unit. `str()` gives `lines()` wrapped at word boundaries (80 columns); a
    subclass overrides `lines()` to say what matters first, in words.

    >>> @dataclass(frozen=True, repr=False)
    ... class Demo(SummaryBase):
    ...     requests: int
    ...     p99: float = seconds("p99 latency")
    >>> Demo(requests=3, p99=0.25)
    Demo(requests=3, p99=250 ms)
    >>> print(Demo(requests=3, p99=0.25))
    requests 3 · p99 latency 250 ms
    """

    WIDTH = 80  # characters per line of the plain-language text

    def _items(self) -> Iterable[tuple[str, str, str]]:
        for f in fields(self):
            unit = f.metadata.get("unit")
            label = f.metadata.get("label") or f.name.replace("_", " ")
            yield f.name, label, _format(getattr(self, f.name), unit)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{name}={text}' for name, _, text in self._items())})"

    def lines(self) -> list[str]:
        """The summary in plain words, most important first (one line unless a subclass says more)."""
        return [" · ".join(f"{label} {text}" for _, label, text in self._items())]

    def __str__(self) -> str:
        out: list[str] = []
        for line in self.lines():
            out.extend(textwrap.wrap(line, self.WIDTH, break_long_words=False, break_on_hyphens=False) or [""])
        return "\n".join(out)


def _field_names(record: object) -> list[str]:
    if hasattr(record, "_fields"):
        return list(record._fields)
    return [name for name in vars(record) if not name.startswith("_")] if hasattr(record, "__dict__") else []


class RunResults:
    """What every `simulate` returns: the `scenario` that ran, flat `records`, and `until`.

    A run's life: `simulate` builds the system from the scenario, runs the kernel to `until`, and
    hands the records here; `summary()` and `timeseries(bin)` are computed from the records on
    demand, so a result never disagrees with itself. Subclasses define `summary()` and
    `timeseries()`, and may add fields of their own after calling `super().__init__`.
    """

    def __init__(self, scenario: Any, records: list[Any], until: float):
        instance("records", records, (list, tuple), example="records=[Record(...), ...]")
        self.scenario = scenario
        self.records = records
        self.until = duration("until", until, why="the simulated seconds the run covered")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.records)} records over {self.until:g} s) -> {self.summary()!r}"

    def summary(self) -> SummaryBase:
        """The headline numbers of the run."""
        raise NotImplementedError(f"{type(self).__name__} must define summary()")

    def outcomes(self, attribute: str = "status") -> dict[str, int]:
        """How many records ended in each outcome, most common first.

        >>> from course.sim import ConstantRate, run_pool
        >>> run_pool(ConstantRate(rate=2), service=1.0, queue_capacity=0, until=3).outcomes()
        {'served': 2, 'rejected': 2, 'unfinished': 1}
        """
        instance("attribute", attribute, str, example='attribute="status"')
        if self.records and not hasattr(self.records[0], attribute):
            choice("attribute", attribute, _field_names(self.records[0]))
        return dict(Counter(getattr(r, attribute) for r in self.records).most_common())

    def bins(self, bin: object) -> tuple[int, float]:
        """How many bins of `bin` seconds cover the run, and their width (validated: see `bin_count`)."""
        n = bin_count(bin, self.until)
        return n, float(bin)  # type: ignore[arg-type]


@dataclass(frozen=True, repr=False)
class Summary(SummaryBase):
    """The headline numbers of a server pool's run."""

    requests: int
    served: int
    rejected: int
    unfinished: int
    throughput: float = per_second()
    p50: float = seconds()
    p95: float = seconds()
    p99: float = seconds()
    utilization: float = share()

    def lines(self) -> list[str]:
        return [
            f"{self.served:,} of {self.requests:,} jobs served ({self.throughput:.1f}/s), "
            f"{self.rejected:,} rejected by a full queue, {self.unfinished:,} unfinished.",
            f"Latency p50 {format_duration(self.p50)}, p95 {format_duration(self.p95)}, "
            f"p99 {format_duration(self.p99)}; servers busy {self.utilization:.0%} of the time.",
        ]


@dataclass(frozen=True)
class TimeSeries:
    """Per-bin counts and latency percentiles, ready for `ax.plot(ts.t, ts.p99)`.

    `t` holds bin starts; latency columns are NaN in bins where nothing finished.
    """

    t: list[float]
    arrivals: list[int]
    served: list[int]
    rejected: list[int]
    p50: list[float]
    p99: list[float]


class Results(RunResults):
    """Everything a server pool's run produced: `records` (one per job, in arrival order) and its context.

    >>> from course.sim import Exponential, Poisson, run_pool
    >>> res = run_pool(Poisson(rate=5), Exponential(rate=10), servers=1, until=100, seed=1)
    >>> s = res.summary()
    >>> s.requests == s.served + s.rejected + s.unfinished
    True
    """

    records: list[Record]

    def __init__(self, records: list[Record], until: float, servers: int, busy_time: float, scenario: Any = None):
        super().__init__(scenario, records, until)
        self.servers = whole("servers", servers, minimum=1, maximum=MAX_COUNT, why="the workers of the pool")
        self.busy_time = number("busy_time", busy_time, minimum=0, why="worker-seconds spent serving")

    def summary(self) -> Summary:
        """Throughput, latency percentiles of served jobs, rejections and utilization."""
        served = [r.latency for r in self.records if r.status == "served"]
        rejected = sum(1 for r in self.records if r.status == "rejected")
        capacity = self.servers * self.until
        p50, p95, p99 = percentiles(served, (50, 95, 99))
        return Summary(
            requests=len(self.records),
            served=len(served),
            rejected=rejected,
            unfinished=len(self.records) - len(served) - rejected,
            throughput=len(served) / self.until if self.until else 0.0,
            p50=p50,
            p95=p95,
            p99=p99,
            utilization=self.busy_time / capacity if capacity else 0.0,
        )

    def timeseries(self, bin: float = 1.0) -> TimeSeries:
        """Counts per `bin` seconds (arrivals by arrival time, outcomes by end time)."""
        n, bin = self.bins(bin)
        arrivals, served, rejected = [0] * n, [0] * n, [0] * n
        lat: list[list[float]] = [[] for _ in range(n)]
        for r in self.records:
            arrivals[min(int(r.arrival / bin), n - 1)] += 1
            k = min(int(r.end / bin), n - 1)
            if r.status == "served":
                served[k] += 1
                lat[k].append(r.latency)
            elif r.status == "rejected":
                rejected[k] += 1
        return TimeSeries(
            t=[i * bin for i in range(n)],
            arrivals=arrivals,
            served=served,
            rejected=rejected,
            p50=[percentile(x, 50) for x in lat],
            p99=[percentile(x, 99) for x in lat],
        )
