"""What every lab shares: a view (result, figure, summary), its controls declared once, and the widget.

A lab is three declarations: the domain's scenario factory (its keyword defaults are the lab's
starting values), the controls (name, widget kind, range, label: each declared once, here), and
how to draw results. `simulated_view` turns a factory, a `simulate` and a drawing into a view;
`build_lab` wraps a view in sliders:

    CONTROLS = (slider("rate", 0, 200, step=5, label="requests/s"), dropdown("strategy", STRATEGIES))
    view = simulated_view(BalancerScenario.example, simulate, draw_balancer_dashboard, until=20)
    lab = build_lab(view, CONTROLS, seed=0)
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..sim.validate import choice

__all__ = [
    "Control",
    "LabView",
    "build_lab",
    "choose",
    "dropdown",
    "png_bytes",
    "show",
    "simulated_view",
    "slider",
    "toggle",
]


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
    return choice(name, value, options)


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


@dataclass(frozen=True)
class Control:
    """One control of a lab, declared once: the view's parameter `name`, the widget `kind`, its
    range or options, and the `label` a learner reads. Its starting value is the view's default.

    >>> slider("rate", 0, 200, step=5, label="requests/s")
    Control(name='rate', kind='IntSlider', label='requests/s')
    """

    name: str
    kind: str
    label: str
    options: dict[str, Any] = field(default_factory=dict, repr=False)

    def widget(self, value: Any) -> widgets.Widget:
        """A fresh widget for this control, starting at `value`."""
        made = getattr(widgets, self.kind)(value=value, description=self.label, **self.options)
        if hasattr(made, "continuous_update"):
            made.continuous_update = False  # re-simulate when a slider is released, not on every pixel
        made.style = {"description_width": "initial"}
        return made


def slider(name: str, min: float, max: float, *, step: float = 1, label: str = "") -> Control:
    """A slider from `min` to `max`: whole numbers when all three are ints, else decimals."""
    whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (min, max, step))
    kind = "IntSlider" if whole else "FloatSlider"
    return Control(name, kind, label or name, {"min": min, "max": max, "step": step})


def dropdown(name: str, options: Iterable[Any] | Mapping[Any, Any], *, label: str = "") -> Control:
    """A drop-down list of `options` (a mapping's keys when given a mapping)."""
    return Control(name, "Dropdown", label or name, {"options": list(options)})


def toggle(name: str, options: Iterable[Any] | Mapping[Any, Any], *, label: str = "") -> Control:
    """A row of toggle buttons, one per option: for two or three choices."""
    return Control(name, "ToggleButtons", label or name, {"options": list(options)})


def simulated_view(
    make: Callable[..., Any],
    simulate: Callable[..., Any],
    draw: Callable[[Any], Figure | tuple[Figure, Any]],
    *,
    until: float,
) -> Callable[..., LabView]:
    """A view that builds `make(**knobs)`, runs `simulate(scenario, until=until, seed=seed)` and draws it.

    The view takes `make`'s keyword arguments (with `make`'s defaults) plus `seed`; its summary
    is the plain-language `str()` of the results' summary. `draw` returns a figure, or a
    `(figure, artists)` pair as the `draw_*_dashboard` functions do.

    >>> def make(servers=2):
    ...     return servers
    >>> view = simulated_view(make, lambda s, until, seed: s * until, lambda r: plt.figure(), until=3)
    >>> view(servers=4).result
    12
    >>> plt.close("all")
    """

    def view(*, seed: int = 0, **knobs: Any) -> LabView:
        results = simulate(make(**knobs), until=until, seed=seed)
        summary = results.summary() if hasattr(results, "summary") else results
        drawn = draw(results)
        figure = drawn[0] if isinstance(drawn, tuple) else drawn
        return LabView(results, figure, str(summary))

    parameters = [p for p in inspect.signature(make).parameters.values() if p.default is not p.empty]
    seed = inspect.Parameter("seed", inspect.Parameter.KEYWORD_ONLY, default=0)
    kw = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in parameters]
    view.__signature__ = inspect.Signature([*kw, seed])  # type: ignore[attr-defined]
    view.__doc__ = f"Simulate {getattr(make, '__qualname__', 'the scenario')} for {until:g} s and draw it."
    return view


def build_lab(
    view: Callable[..., LabView], controls: Sequence[Control], *, seed: int = 0, columns: int = 2
) -> widgets.interactive:
    """Wrap `view(**values, seed=seed) -> LabView` in an `ipywidgets.interactive`, one widget per control.

    Each control starts at the default of the view's parameter of the same name. Every change
    re-runs the view and shows it; sliders update when released. `lab.result` is the latest
    `LabView` and `lab.controls` maps each parameter name to its widget (tests and browser
    checks use it).

    >>> import contextlib, io
    >>> def view(n=2, seed=0):
    ...     return LabView(n, plt.figure(), f"n={n}")
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook, output goes to stdout
    ...     lab = build_lab(view, [slider("n", 0, 5)])
    ...     lab.controls["n"].value = 4
    >>> lab.result
    LabView(n=4)
    >>> plt.close("all")
    """
    defaults = {name: p.default for name, p in inspect.signature(view).parameters.items() if p.default is not p.empty}
    widgets_by_name: dict[str, widgets.Widget] = {}
    for control in controls:
        if control.name not in defaults:
            raise ValueError(
                f"control {control.name!r} has no default in the view: give the view a keyword argument "
                f"{control.name}=... (the lab starts there)"
            )
        widgets_by_name[control.name] = control.widget(defaults[control.name])

    def run(**values: Any) -> LabView:
        shown = view(**values, seed=seed)
        show(shown)
        return shown

    lab = widgets.interactive(run, **widgets_by_name)
    output = lab.children[-1]
    items = list(widgets_by_name.values())
    rows = [widgets.HBox(items[i : i + columns]) for i in range(0, len(items), columns)]
    lab.children = (*rows, output)
    lab.controls = widgets_by_name
    return lab
