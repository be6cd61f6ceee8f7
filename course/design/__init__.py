"""Lesson 6, putting it together: a whole system as data, simulated end to end on one kernel.

A `Design` declares the system: clients and their request mix, the gateway (lesson 1's own), tiers
behind load balancers (lesson 2's strategies and health checks), queues (lesson 3's) and streams
(lesson 4's), joined by sync or async `Link`s that may carry timeouts, retries, retry budgets,
circuit breakers and fallbacks. `simulate(design, until=, seed=)` runs it on one `course.sim`
kernel and returns `DesignResults`: one outcome per request, figures per part, flows for the picture.
`estimate` and `utilization` do the back-of-the-envelope arithmetic first; `check_design` judges a
design against `Requirements` in plain words (interview mode).

Taught in lessons/06_putting_it_together.ipynb.

>>> from course.design import Design, simulate
>>> results = simulate(Design.example("rides"), until=10, seed=0)
>>> s = results.summary()
>>> s.requests == sum(s.outcomes.values())
True
"""

from .design import Design
from .estimate import SECONDS_PER_DAY, Estimate, estimate, instances_for, offered_load, peak_rate, utilization
from .examples import DESIGNS, FAILURES
from .interview import DesignCheck, Requirements, Verdict, check_design, components_for
from .parts import FAILURE_KINDS, MODES, EventStream, Failure, Link, Tier, WorkQueue
from .results import DesignRecord, DesignResults, DesignSummary, DesignTimeSeries, PartStats
from .simulation import simulate

__all__ = [
    "DESIGNS",
    "FAILURES",
    "FAILURE_KINDS",
    "MODES",
    "SECONDS_PER_DAY",
    "Design",
    "DesignCheck",
    "DesignRecord",
    "DesignResults",
    "DesignSummary",
    "DesignTimeSeries",
    "Estimate",
    "EventStream",
    "Failure",
    "Link",
    "PartStats",
    "Requirements",
    "Tier",
    "Verdict",
    "WorkQueue",
    "check_design",
    "components_for",
    "estimate",
    "instances_for",
    "offered_load",
    "peak_rate",
    "simulate",
    "utilization",
]
