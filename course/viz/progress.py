"""A progress bar for computations a learner waits on (parameter sweeps over a second)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

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
    the same on every run.

    >>> list(progress([1, 2, 3], label="sweep"))
    [1, 2, 3]
    """
    items = list(items) if total is None else items
    total = len(items) if total is None else total
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
