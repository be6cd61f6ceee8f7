"""Lesson 4's labs: consumer groups reading a partitioned topic, replicas surviving a broker, windows firing.

- `streams_lab`: partitions, consumers per group, groups, key skew, assignment strategy,
  rebalance protocol, producer rate and a consumer crash (or join), over the live graph of who
  reads which partition, with each group's lag.
- `replication_lab`: producer rate, brokers, replication factor, `min.insync.replicas`, `acks`
  and a broker failure, over the brokers' replicas and every write's fate.
- `windows_lab`: window type and size, watermark delay, allowed lateness, network delay,
  stragglers and event versus processing time, over the event-time timeline.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..streams import (
    PROTOCOLS,
    STRATEGIES,
    Count,
    GroupScenario,
    ReplicationScenario,
    Session,
    Sliding,
    Tumbling,
    event_stream,
    run_windows,
    simulate_groups,
    simulate_replication,
)
from ..viz.streams import draw_group_dashboard, draw_replication_dashboard, draw_window_dashboard
from .view import LabView, build_lab, choose

__all__ = [
    "CONSUMER_EVENTS",
    "FAILURES",
    "WINDOW_KINDS",
    "replication_lab",
    "replication_view",
    "streams_lab",
    "streams_view",
    "windows_lab",
    "windows_view",
]

UNTIL = 10.0  # simulated seconds per update of the group and replication labs
EVENT_AT = 4.0  # when the lab's consumer crashes or joins
CONSUMER_RATE = 100.0  # records per second one consumer processes
CONSUMER_EVENTS = ("none", "c0 crashes", "a consumer joins")
FAILURES = ("none", "broker 0", "broker 1", "broker 2", "broker 3", "broker 4")
FAIL_AT = 5.08  # between two follower fetches (every 0.1 s): acks=1 writes of the last 80 ms are at risk
WINDOW_KINDS = ("tumbling", "sliding", "session", "count")
EVENTS_UNTIL = 40.0  # seconds of rides in the windows lab
STRAGGLER_DELAY = 12.0  # extra seconds a straggler (a phone that was offline) takes


def streams_view(
    partitions: int = 6,
    consumers: int = 3,
    groups: int = 2,
    skew: float = 0.0,
    strategy: str = "range",
    protocol: str = "eager",
    rate: float = 200,
    event: str = "none",
    seed: int = 0,
) -> LabView:
    """Simulate 10 s of rides read by `groups` groups of `consumers` and draw who reads what.

    Each consumer processes 100 records/s; `event` is "none", "c0 crashes" (the dashboard's
    first consumer, at 4 s) or "a consumer joins" (the dashboard, at 4 s).

    >>> import matplotlib.pyplot as plt
    >>> streams_view(partitions=6, consumers=8, groups=1).result.idle()["dashboard"]
    ['c6', 'c7']
    >>> plt.close("all")
    """
    choose("event", event, CONSUMER_EVENTS)
    scenario = GroupScenario(
        partitions=partitions,
        consumers=consumers,
        groups=groups,
        strategy=strategy,
        protocol=protocol,
        rate=rate,
        consumer_rate=CONSUMER_RATE,
        skew=skew,
        crash_at=EVENT_AT if event == "c0 crashes" else None,
        join_at=EVENT_AT if event == "a consumer joins" else None,
        commit_interval=0.5,
        seed=seed,
    )
    results = simulate_groups(scenario, until=UNTIL)
    figure, _ = draw_group_dashboard(results)
    s = results.summary()
    summary = (
        f"{partitions} partitions · {groups} group{'s' if groups > 1 else ''} × {consumers} consumers "
        f"({strategy}, {protocol}) · {rate:g} rides/s, skew {skew:g}: idle={s.idle}, max_lag={s.max_lag}, "
        f"final_lag={s.final_lag}, duplicates={s.duplicates}, rebalances={s.rebalances}"
    )
    return LabView(results, figure, summary)


def streams_lab(seed: int = 0) -> widgets.interactive:
    """The consumer-group lab: sliders for the topic, the groups and the load, a crash or a join at 4 s.

    Every change re-simulates 10 s and redraws producer -> partitions -> consumers (edge
    width = lag, fill = how busy), each group's lag over time, and what a rebalance moved.
    """

    def update(partitions, consumers, groups, skew, strategy, protocol, rate, event):
        return streams_view(partitions, consumers, groups, skew, strategy, protocol, rate, event, seed=seed)

    return build_lab(
        update,
        partitions=widgets.IntSlider(value=6, min=1, max=12, step=1, description="partitions"),
        consumers=widgets.IntSlider(value=3, min=1, max=8, step=1, description="consumers per group"),
        groups=widgets.IntSlider(value=2, min=1, max=3, step=1, description="consumer groups"),
        skew=widgets.FloatSlider(value=0.0, min=0.0, max=2.0, step=0.25, description="key skew (hot keys)"),
        strategy=widgets.Dropdown(options=list(STRATEGIES), value="range", description="assignment"),
        protocol=widgets.Dropdown(options=list(PROTOCOLS), value="eager", description="rebalance protocol"),
        rate=widgets.IntSlider(value=200, min=0, max=800, step=50, description="producer (rides/s)"),
        event=widgets.Dropdown(options=list(CONSUMER_EVENTS), value="none", description="at 4 s"),
    )


def replication_view(
    rate: float = 100,
    brokers: int = 3,
    replication_factor: int = 3,
    min_insync_replicas: int = 2,
    acks: int | str = "all",
    failure: str = "broker 0",
    seed: int = 0,
) -> LabView:
    """Simulate 10 s of writes to a replicated topic of 3 partitions, one broker failing at 5.08 s.

    Settings that cannot exist are lowered, and the summary says so: the replication factor
    to the number of brokers, `min_insync_replicas` to the replication factor, a failed broker
    that does not exist to no failure.

    >>> import matplotlib.pyplot as plt
    >>> replication_view(acks="all").result.summary().lost
    0
    >>> replication_view(brokers=2).summary.split(":")[0]
    'acks=all, RF 2 (lowered to the 2 brokers), min ISR 2, broker 0 dies at 5.08 s, 100 writes/s'
    >>> plt.close("all")
    """
    choose("failure", failure, FAILURES)
    notes = []
    rf = min(replication_factor, brokers)
    if rf < replication_factor:
        notes.append(f"RF {rf} (lowered to the {brokers} brokers)")
    else:
        notes.append(f"RF {rf}")
    isr = min(min_insync_replicas, rf)
    notes.append(f"min ISR {isr}" + (" (lowered to RF)" if isr < min_insync_replicas else ""))
    broker = None if failure == "none" else int(failure.split()[1])
    if broker is not None and broker >= brokers:
        notes.append(f"no failure (there is no broker {broker})")
        broker = None
    elif broker is not None:
        notes.append(f"broker {broker} dies at {FAIL_AT:g} s")
    else:
        notes.append("no failure")
    scenario = ReplicationScenario(
        brokers=brokers,
        replication_factor=rf,
        partitions=3,
        acks=acks,
        min_insync_replicas=isr,
        rate=rate,
        fetch_interval=0.1,
        failover_time=0.2,
        fail_broker=broker,
        fail_at=FAIL_AT,
        seed=seed,
    )
    result = simulate_replication(scenario, until=UNTIL)
    figure, _ = draw_replication_dashboard(result)
    s = result.summary()
    summary = (
        f"acks={acks}, {', '.join(notes)}, {rate:g} writes/s: sent={s.sent}, acked={s.acked}, "
        f"refused={s.refused}, failed={s.failed}, lost={s.lost}"
    )
    return LabView(result, figure, summary)


def replication_lab(seed: int = 0) -> widgets.interactive:
    """The replication lab: producer rate, brokers, replication factor, min ISR, acks and a broker failure.

    Every change re-simulates 10 s and redraws the brokers (leader, follower, out of the ISR)
    and every write's fate around the failure (acked, refused, failed, lost).
    """

    def update(rate, brokers, replication_factor, min_insync_replicas, acks, failure):
        return replication_view(rate, brokers, replication_factor, min_insync_replicas, acks, failure, seed=seed)

    return build_lab(
        update,
        rate=widgets.IntSlider(value=100, min=0, max=500, step=20, description="producer (writes/s)"),
        brokers=widgets.IntSlider(value=3, min=1, max=5, step=1, description="brokers"),
        replication_factor=widgets.IntSlider(value=3, min=1, max=5, step=1, description="replication factor"),
        min_insync_replicas=widgets.IntSlider(value=2, min=1, max=5, step=1, description="min in-sync replicas"),
        acks=widgets.Dropdown(options=[("0", 0), ("1", 1), ("all", "all")], value="all", description="acks"),
        failure=widgets.Dropdown(options=list(FAILURES), value="broker 0", description="at 5.08 s"),
    )


def _assigner(kind: str, size: int):
    if kind == "tumbling":
        return Tumbling(size)
    if kind == "sliding":
        return Sliding(size, size / 2)
    if kind == "session":
        return Session(size)
    if kind == "count":
        return Count(size)
    raise ValueError(f"window kind must be one of {', '.join(map(repr, WINDOW_KINDS))} (got {kind!r})")


def _describe(kind: str, size: int) -> str:
    return {
        "tumbling": f"tumbling {size} s",
        "sliding": f"sliding {size} s every {size / 2:g} s",
        "session": f"sessions (gap {size} s)",
        "count": f"count windows of {size} rides",
    }[kind]


def windows_view(
    size: int = 10,
    kind: str = "tumbling",
    out_of_orderness: float = 2.0,
    allowed_lateness: float = 5.0,
    max_delay: float = 3.0,
    stragglers: float = 0.1,
    time: str = "event",
    seed: int = 0,
) -> LabView:
    """Window 40 s of rides from three cities and draw when each window fired and which rides were late.

    `size` is the window length in seconds (tumbling, sliding every `size / 2`), the session
    gap in seconds, or the number of rides of a count window. Rides arrive up to `max_delay`
    seconds after they happen; a share `stragglers` of them 12 s later still.

    >>> import matplotlib.pyplot as plt
    >>> view = windows_view(stragglers=0.0, max_delay=1.0, out_of_orderness=1.0)
    >>> len(view.result.dropped), sum(f.kind == "late" for f in view.result.firings)
    (0, 0)
    >>> plt.close("all")
    """
    assigner = _assigner(kind, size)
    events = event_stream(
        rate=2.0,
        until=EVENTS_UNTIL,
        keys=("paris", "lyon", "rome"),
        max_delay=max_delay,
        straggler_fraction=stragglers,
        straggler_delay=STRAGGLER_DELAY,
        seed=seed,
    )
    run = run_windows(events, assigner, out_of_orderness=out_of_orderness, allowed_lateness=allowed_lateness, time=time)
    figure, _ = draw_window_dashboard(events, run, windows=time, count=kind == "count", grid=kind == "tumbling")
    late = sum(1 for f in run.firings if f.kind == "late")
    summary = (
        f"{_describe(kind, size)}, {time} time, watermark delay {out_of_orderness:g} s, lateness "
        f"{allowed_lateness:g} s: {len(events)} rides → firings={len(run.firings)}, late_refires={late}, "
        f"dropped={len(run.dropped)}"
    )
    return LabView(run, figure, summary)


def windows_lab(seed: int = 0) -> widgets.interactive:
    """The windows lab: window type and size, watermark delay, allowed lateness, disorder and time mode.

    Every change re-runs the windows over the same rides and redraws the event-time timeline
    (watermark, late and dropped rides) and each city's windows with their counts.
    """

    def update(size, kind, out_of_orderness, allowed_lateness, max_delay, stragglers, time):
        return windows_view(size, kind, out_of_orderness, allowed_lateness, max_delay, stragglers, time, seed=seed)

    return build_lab(
        update,
        size=widgets.IntSlider(value=10, min=2, max=30, step=1, description="window size"),
        kind=widgets.Dropdown(options=list(WINDOW_KINDS), value="tumbling", description="window"),
        out_of_orderness=widgets.FloatSlider(value=2.0, min=0.0, max=15.0, step=0.5, description="watermark delay (s)"),
        allowed_lateness=widgets.FloatSlider(
            value=5.0, min=0.0, max=30.0, step=1.0, description="allowed lateness (s)"
        ),
        max_delay=widgets.FloatSlider(value=3.0, min=0.0, max=10.0, step=0.5, description="network delay up to (s)"),
        stragglers=widgets.FloatSlider(value=0.1, min=0.0, max=0.3, step=0.05, description="stragglers (+12 s)"),
        time=widgets.Dropdown(options=["event", "processing"], value="event", description="time"),
    )
