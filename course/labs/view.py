"""What every lab shares: a view (result, figure, one-line summary) and the widget that shows it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["LabView", "build_lab", "choose", "png_bytes", "show"]


@dataclass(frozen=True)
class LabView:
    """One redraw of a lab: the simulation `result`, its `figure`, and a one-line `summary`.

    The summary is what a screen reader or a skimming learner needs; it is printed beside
    the figure on every update.
    """

    result: Any
    figure: Figure
    summary: str

    def __repr__(self) -> str:
        return f"LabView({self.summary})"


def choose(name: str, value: Any, options: Iterable | Mapping) -> Any:
    """Check a control's value against its options; return what it maps to (or the value itself).

    >>> choose("layer", "L4", {"L4": 4, "L7": 7})
    4
    >>> choose("layer", "L5", ["L4", "L7"])
    Traceback (most recent call last):
    ...
    ValueError: layer must be one of 'L4', 'L7' (got 'L5')
    """
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))} (got {value!r})")
    return options[value] if isinstance(options, Mapping) else value


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG at its own size and dpi (no tight-bbox pass: one render instead of two)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi)
    return buffer.getvalue()


def show(view: LabView) -> None:
    """Print the view's summary, display its figure as a PNG, and close it so figures never pile up."""
    from IPython.display import Image, display

    print(view.summary)
    display(Image(data=png_bytes(view.figure), format="png"))
    plt.close(view.figure)


def build_lab(update: Callable[..., LabView], columns: int = 2, **controls: widgets.Widget) -> widgets.interactive:
    """Wrap `update(**values) -> LabView` in an `ipywidgets.interactive` with the given controls.

    Every change of a control re-runs `update` and shows the new view; sliders update when
    released (not on every pixel of a drag). `lab.result` is the latest `LabView` and
    `lab.controls` maps each parameter name to its widget (tests and browser checks use it).

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook, output goes to stdout
    ...     lab = build_lab(lambda n: LabView(n, plt.figure(), f"n={n}"), n=widgets.IntSlider(value=2, max=5))
    ...     lab.controls["n"].value = 4
    >>> lab.result
    LabView(n=4)
    """
    for widget in controls.values():
        if hasattr(widget, "continuous_update"):
            widget.continuous_update = False
        widget.style = {"description_width": "initial"}

    def run(**values: Any) -> LabView:
        view = update(**values)
        show(view)
        return view

    lab = widgets.interactive(run, **controls)
    output = lab.children[-1]
    items = list(controls.values())
    rows = [widgets.HBox(items[i : i + columns]) for i in range(0, len(items), columns)]
    lab.children = (*rows, output)
    lab.controls = dict(controls)
    return lab
