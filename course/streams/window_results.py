"""What a windowed run produced: `WindowResults`, its `WindowSummary` and `WindowTimeSeries`.

A late event can miss a window two ways, and both are counted: it is **dropped** when it fits no
window that is still open (Flink's late side output), and it is **missed** by each window it belongs
to whose state was already gone. With tumbling windows the two are the same; with sliding windows an
event that is too late for its older window but in time for the newer one is not dropped, yet the
older window counts one short. `missed` records every such (event, window) pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from course.sim import RunResults, SummaryBase

from .event_time import Event
from .records import Dropped, Firing, Missed, WatermarkStep
from .scenario import WindowScenario
from .windows import Count, describe

__all__ = ["WindowResults", "WindowSummary", "WindowTimeSeries"]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _bin_of(t: float, width: float, n: int) -> int:
    return min(max(int(t / width), 0), n - 1)


@dataclass(frozen=True, repr=False)
class WindowSummary(SummaryBase):
    """The headline numbers of a windowed run: how many windows fired, and what came too late for them.

    >>> print(WindowSummary(events=74, windows=12, firings=15, late_refires=3, too_late=2, missed=2,
    ...                     short_windows=2, dropped=2, unfired=0))
    74 events in 12 windows, fired 15 times: 3 late re-fires.
    2 events too late for their window were dropped: 2 windows count short.
    >>> print(WindowSummary(events=74, windows=24, firings=26, late_refires=0, too_late=5, missed=5,
    ...                     short_windows=4, dropped=0, unfired=0))
    74 events in 24 windows, fired 26 times.
    5 late events missed at least one of their windows: 4 windows count 5 events short; 0 of them fit no
    open window and were dropped.
    """

    events: int
    windows: int
    firings: int
    late_refires: int
    too_late: int
    missed: int
    short_windows: int
    dropped: int
    unfired: int
    setting: str = ""

    def lines(self) -> list[str]:
        refires = f": {_plural(self.late_refires, 'late re-fire')}" if self.late_refires else ""
        nothing = "" if self.missed else "; nothing came too late"
        fired = f"fired {self.firings:,} times{refires}{nothing}"
        out = [f"{self.events:,} events in {_plural(self.windows, 'window')}, {fired}."]
        short = _plural(self.short_windows, "window") + f" count{'s' if self.short_windows == 1 else ''}"
        if self.missed and self.missed == self.too_late == self.dropped:
            one = self.dropped == 1
            out.append(
                f"{_plural(self.dropped, 'event')} too late for {'its' if one else 'their'} window "
                f"{'was' if one else 'were'} dropped: {short} short."
            )
        elif self.missed:
            out.append(
                f"{_plural(self.too_late, 'late event')} missed at least one of their windows: {short} "
                f"{_plural(self.missed, 'event')} short; {self.dropped:,} of them fit no open window and were dropped."
            )
        if self.unfired:
            out.append(f"{_plural(self.unfired, 'window')} never fired (the input ended first).")
        return out + ([f"{self.setting}."] if self.setting else [])


@dataclass(frozen=True)
class WindowTimeSeries:
    """Per bin of arrival time (event time for events without one): events `arrived`, `late_refires`, `dropped`."""

    t: list[float]
    arrived: list[int]
    late_refires: list[int]
    dropped: list[int]


class WindowResults(RunResults):
    """A windowed run: `records` (every `Firing`, in order), the `events` read, the `dropped` ones, every
    window an event `missed` (its state was gone), the watermark after each event (`watermarks`) and the
    windows that never fired (`pending`: `(key, start, end, value, events)`, only without `flush`).
    """

    scenario: WindowScenario
    records: list[Firing]

    def __init__(
        self,
        scenario: WindowScenario,
        records: list[Firing],
        until: float,
        *,
        events: list[Event],
        dropped: list[Dropped],
        missed: list[Missed],
        watermarks: list[WatermarkStep],
        pending: list[tuple[Any, float, float, float, int]],
    ):
        super().__init__(scenario, records, until)
        self.events = events
        self.dropped = dropped
        self.missed = missed
        self.watermarks = watermarks
        self.pending = pending

    @property
    def firings(self) -> list[Firing]:
        """Every window result, in the order they fired (the same list as `records`)."""
        return self.records

    def results(self) -> dict[tuple[Any, float, float], float]:
        """The last value fired for each `(key, start, end)` window: what a dashboard finally shows."""
        return {(f.key, f.start, f.end): f.value for f in self.records}

    def missed_by_window(self) -> dict[tuple[Any, float, float], int]:
        """How many late events each `(key, start, end)` window left out (only windows that missed one).

        >>> from course.streams import Event, Sliding, WindowScenario, simulate
        >>> run = simulate(WindowScenario(events=[Event(1), Event(12), Event(8)], assigner=Sliding(10, 5)), until=12)
        >>> run.missed_by_window(), len(run.dropped)     # the ride at 8 s still counts in [5, 15)
        ({('all', 0, 10): 1}, 0)
        """
        out: dict[tuple[Any, float, float], int] = {}
        for m in self.missed:
            out[(m.key, m.start, m.end)] = out.get((m.key, m.start, m.end), 0) + 1
        return out

    def summary(self) -> WindowSummary:
        """Events read, windows fired (and how often), late re-fires, what came too late, windows never fired."""
        s = self.scenario
        setting = describe(s.assigner) + ("" if isinstance(s.assigner, Count) else f" by {s.time} time")
        if s.time == "event" and not isinstance(s.assigner, Count):
            setting += f", watermark {s.out_of_orderness:g} s behind, lateness {s.allowed_lateness:g} s"
        if isinstance(s.assigner, Count):
            setting += " (count windows: time, watermark delay and lateness have no effect)"
        elif s.time == "processing":
            setting += " (processing time: watermark delay and lateness have no effect)"
        return WindowSummary(
            events=len(self.events),
            windows=len({*self.results(), *self.missed_by_window(), *((k, a, b) for k, a, b, *_ in self.pending)}),
            firings=len(self.records),
            late_refires=sum(1 for f in self.records if f.kind == "late"),
            too_late=len({m.seq for m in self.missed}),
            missed=len(self.missed),
            short_windows=len(self.missed_by_window()),
            dropped=len(self.dropped),
            unfired=len(self.pending),
            setting=setting,
        )

    def timeseries(self, bin: float = 1.0) -> WindowTimeSeries:
        """Events arrived, late re-fires and dropped events per `bin` seconds of arrival time."""
        n, width = self.bins(bin)
        arrived, late, dropped = [0] * n, [0] * n, [0] * n
        for e in self.events:
            arrived[_bin_of(e.arrival if e.arrival is not None else e.time, width, n)] += 1
        for f in self.records:
            if f.kind == "late":
                late[_bin_of(f.at if f.at is not None else f.end, width, n)] += 1
        for d in self.dropped:
            dropped[_bin_of(d.at if d.at is not None else d.time, width, n)] += 1
        return WindowTimeSeries(t=[i * width for i in range(n)], arrived=arrived, late_refires=late, dropped=dropped)
