"""A progress bar for computations a learner waits on (parameter sweeps over a second)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from ..sim.validate import instance, whole
from ..sim.validate import items as collect

__all__ = ["progress"]

T = TypeVar("T")


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the course
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def progress(items: Iterable[T], total: int | None = None, label: str = "working") -> Iterator[T]:
    """Yield `items` unchanged while a progress bar fills in a notebook (silent elsewhere).

    The bar is an ipywidgets widget, so it never writes to stdout and saved outputs stay
    the same on every run. Without `total`, `items` is read into a list first to count it;
    arguments are checked at the call, not when the first item is drawn.

    >>> list(progress([1, 2, 3], label="sweep"))
    [1, 2, 3]
    >>> progress(3)
    Traceback (most recent call last):
    ...
    ValueError: items must be a list (got 3): for example progress([0.3, 0.6, 0.9])
    """
    instance("label", label, str, example='label="sweep"')
    if total is None:
        listed = collect("items", items, example="progress([0.3, 0.6, 0.9])")
        return _bar(listed, len(listed), label)
    instance("items", items, Iterable, example="progress(range(10), total=10)")
    return _bar(items, whole("total", total, why="how many items the bar counts to"), label)


def _bar(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    bar = None
    if _in_kernel():
        import ipywidgets as widgets
        from IPython.display import display

        bar = widgets.IntProgress(value=0, min=0, max=max(1, total), description=label)
        display(bar)
    for item in items:
        yield item
        if bar is not None:
            bar.value += 1
    if bar is not None:
        bar.bar_style = "success"
