"""The one verb of lesson 4: `simulate(scenario, until=..., seed=...)` runs any of its three systems."""

from __future__ import annotations

from typing import overload

from course.sim.validate import instance
from course.sim.validate import seed as check_seed
from course.sim.validate import until as check_until

from .event_time import event_stream
from .group_simulation import run_groups
from .replication import run_replication
from .results import GroupResults, ReplicationResults
from .scenario import GroupScenario, ReplicationScenario, WindowScenario
from .watermarks import fire_windows
from .window_results import WindowResults

__all__ = ["simulate"]


@overload
def simulate(scenario: GroupScenario, *, until: float, seed: int = 0) -> GroupResults: ...
@overload
def simulate(scenario: ReplicationScenario, *, until: float, seed: int = 0) -> ReplicationResults: ...
@overload
def simulate(scenario: WindowScenario, *, until: float, seed: int = 0) -> WindowResults: ...
def simulate(
    scenario: GroupScenario | ReplicationScenario | WindowScenario, *, until: float, seed: int = 0
) -> GroupResults | ReplicationResults | WindowResults:
    """Run `scenario` for `until` simulated seconds with random draws fixed by `seed`; return its results.

    - a `GroupScenario` gives `GroupResults`: lag per tick, group and partition, and every rebalance;
    - a `ReplicationScenario` gives `ReplicationResults`: every write's fate and what the cluster did;
    - a `WindowScenario` gives `WindowResults`: every window firing and every dropped event. Its
      events happen in `[0, until)` (drawn from `seed`), or are the scenario's own `events`, which
      must all happen by `until`; every event is read, however late it arrives.

    Taught in lessons/04_streams.ipynb.

    >>> simulate(GroupScenario(partitions=6, consumers=8, groups=1), until=2).idle()["dashboard"]
    ['c6', 'c7']
    >>> safe = simulate(ReplicationScenario(acks="all", fail_broker=0, fail_at=2.03), until=4)
    >>> risky = simulate(ReplicationScenario(acks=1, fail_broker=0, fail_at=2.03), until=4)
    >>> safe.summary().lost, risky.summary().lost > 0
    (0, True)
    >>> from course.streams import Event, Tumbling
    >>> late = WindowScenario(events=[Event(1), Event(4), Event(12), Event(3), Event(25), Event(8)],
    ...                       assigner=Tumbling(10), allowed_lateness=10)
    >>> [(f.start, f.value, f.kind) for f in simulate(late, until=30).firings]
    [(0, 2, 'on_time'), (0, 3, 'late'), (10, 1, 'on_time'), (20, 1, 'end_of_stream')]
    """
    instance(
        "scenario",
        scenario,
        (GroupScenario, ReplicationScenario, WindowScenario),
        example="simulate(GroupScenario.example(), until=10)",
    )
    end = check_until(until)
    check_seed(seed)
    if isinstance(scenario, GroupScenario):
        return run_groups(scenario, end, seed)
    if isinstance(scenario, ReplicationScenario):
        return run_replication(scenario, end, seed)
    if scenario.events is None:
        s = scenario
        events = event_stream(s.rate, end, s.keys, s.max_delay, s.straggler_fraction, s.straggler_delay, seed)
    else:
        events = list(scenario.events)
        last = max((e.time for e in events), default=0)
        if last > end:
            raise ValueError(
                f"until must be at least {last:g}, the time of the scenario's last event (got {until!r}): "
                "every event of the run happens by its end"
            )
    return fire_windows(scenario, events, end)
