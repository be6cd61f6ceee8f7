"""Lesson 2's comparisons side by side: strategies' tails and utilization, shares per layer, balls into bins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..balancing.results import BalancerResults
from ..sim import validate
from .balancing import DPI, MIN_FONT, _axes, _results
from .palette import OKABE_ITO

__all__ = ["draw_bins", "draw_shares", "draw_strategy_tails"]

MAX_LOAD = 10_000  # draw_bins draws one bar per possible load, so the fullest bin is bounded


def _runs(results: object) -> None:
    example = "{'round robin': simulate(...), 'least connections': simulate(...)}"
    runs = validate.instance("results", results, Mapping, example=example)
    if not runs:
        raise ValueError(f"results must hold at least one run (got {{}}): for example {example}")
    for run in runs.values():
        _results(run)


def draw_shares(results: Mapping[str, BalancerResults], ax: Axes | None = None, what: str = "share") -> dict[str, Any]:
    """Per backend, side by side for each run in `results` (label -> results): its share of the
    requests (`what="share"`) or its utilization (`what="utilization"`). Runs keep their colour and
    hatch by position, so identical runs still show as two bars side by side; the legend sits
    above the axes, off the bars.

    >>> from course.balancing import BalancerScenario, simulate
    >>> runs = {"L7": simulate(BalancerScenario(backends=2), until=2)}
    >>> len(draw_shares(runs)["L7"])
    2
    >>> plt.close("all")
    """
    _runs(results)
    _axes(ax)
    validate.choice("what", what, ("share", "utilization"))
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3), dpi=DPI)
    width = 0.8 / max(1, len(results))
    colours, hatches = [OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["bluish green"]], ["//", "", "xx"]
    artists, names = {}, []
    for i, (label, res) in enumerate(results.items()):
        names = [b.name for b in res.backends]
        values = [getattr(b, what) for b in res.backends]
        xs = [k + (i - (len(results) - 1) / 2) * width for k in range(len(values))]
        artists[label] = ax.bar(
            xs, values, width=width, color=colours[i % 3], hatch=hatches[i % 3], edgecolor="white", label=label
        )
    ax.set_xticks(range(len(names)), names, fontsize=MIN_FONT + 1)
    ax.set_ylabel(f"{what} of the run" if what == "utilization" else "share of requests", fontsize=MIN_FONT + 1)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    ax.tick_params(labelsize=MIN_FONT + 1)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=MIN_FONT + 1, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=len(results), frameon=False)
    return artists


def draw_strategy_tails(results: Mapping[str, BalancerResults]) -> tuple[Figure, dict[str, Any]]:
    """Strategies on the same traffic: p50 and p99 latency (left, log scale) and how busy each
    backend was under each strategy (right, with the numbers written in).

    >>> from course.balancing import BalancerScenario, simulate
    >>> fig, artists = draw_strategy_tails({"random": simulate(BalancerScenario(strategy="random"), until=2)})
    >>> sorted(artists)
    ['p50', 'p99', 'utilization']
    >>> plt.close("all")
    """
    _runs(results)
    names = list(results)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(9.6, 0.45 * len(names) + 1.7), dpi=DPI, gridspec_kw={"width_ratios": [1.1, 1]}
    )
    ys = list(range(len(names)))[::-1]
    summaries = [results[n].summary() for n in names]
    p50 = left.barh(
        [y + 0.2 for y in ys], [s.p50 * 1000 for s in summaries], height=0.38, color=OKABE_ITO["blue"], label="p50"
    )
    p99 = left.barh(
        [y - 0.2 for y in ys],
        [s.p99 * 1000 for s in summaries],
        height=0.38,
        color=OKABE_ITO["vermillion"],
        hatch="//",
        edgecolor="white",
        label="p99",
    )
    for y, s in zip(ys, summaries, strict=True):
        rejected = f", {s.rejected / s.requests:.0%} rejected" if s.requests and s.rejected else ""
        left.text(s.p99 * 1000 * 1.08, y - 0.2, f"{s.p99 * 1000:.0f} ms{rejected}", va="center", fontsize=MIN_FONT)
    left.set_xscale("log")
    left.set_yticks(ys, [n.replace("_", " ") for n in names], fontsize=MIN_FONT + 1)
    left.set_xlabel("latency of served requests (ms, log scale)", fontsize=MIN_FONT + 1)
    left.set_xlim(right=max([s.p99 * 1000 for s in summaries] + [10]) * 8)
    left.tick_params(labelsize=MIN_FONT)
    left.legend(fontsize=MIN_FONT, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False)
    left.grid(alpha=0.3, axis="x")
    backends = results[names[0]].backends
    grid = [[b.utilization for b in results[n].backends] for n in names]
    image = right.imshow(grid, cmap="cividis", vmin=0, vmax=1, aspect="auto")
    for i, row in enumerate(grid):
        for j, u in enumerate(row):
            right.text(
                j, i, f"{u:.0%}", ha="center", va="center", fontsize=MIN_FONT, color="white" if u < 0.55 else "black"
            )
    right.set_yticks(range(len(names)), [n.replace("_", " ") for n in names], fontsize=MIN_FONT + 1)
    right.set_xticks(range(len(backends)), [f"{b.name} ×{b.speed:g}" for b in backends], fontsize=MIN_FONT)
    right.set_title("utilization of each backend (speed)", fontsize=MIN_FONT + 1)
    fig.tight_layout()
    return fig, {"p50": p50, "p99": p99, "utilization": image}


def draw_bins(loads: Mapping[str, Sequence[int]], ax: Axes | None = None) -> dict[str, Any]:
    """For each experiment, how many bins ended up holding 0, 1, 2, ... balls (log scale), so the
    fullest bin of each stands out.

    >>> artists = draw_bins({"one choice": [0, 1, 2, 1], "two choices": [1, 1, 1, 1]})
    >>> sorted(artists)
    ['one choice', 'two choices']
    >>> plt.close("all")
    """
    example = "{'one choice': balls_into_bins(1000, 100), 'two choices': ...}"
    validate.instance("loads", loads, Mapping, example=example)
    for values in loads.values():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise ValueError(f"loads must map a label to a list of bin loads (got {values!r}): for example {example}")
        for v in values:
            validate.whole("loads", v, maximum=MAX_LOAD, why="balls in one bin")
    _axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3), dpi=DPI)
    top = max((max(v) for v in loads.values() if v), default=0)
    width = 0.8 / max(1, len(loads))
    hatches, colours = ["", "//", "xx", ".."], [OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["bluish green"]]
    artists = {}
    for i, (label, values) in enumerate(loads.items()):
        counts = [0] * (top + 1)
        for v in values:
            counts[v] += 1
        xs = [k + (i - (len(loads) - 1) / 2) * width for k in range(top + 1)]
        artists[label] = ax.bar(
            xs,
            counts,
            width=width,
            color=colours[i % 3],
            hatch=hatches[i % 4],
            edgecolor="white",
            label=f"{label}: fullest bin {max(values, default=0)}",
        )
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.5)  # a single bin still shows
    ax.set_xticks(range(top + 1))
    ax.set_xlabel("balls in a bin", fontsize=MIN_FONT + 1)
    ax.set_ylabel("number of bins", fontsize=MIN_FONT + 1)
    ax.tick_params(labelsize=MIN_FONT + 1)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=MIN_FONT + 1, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=len(loads), frameon=False)
    return artists
