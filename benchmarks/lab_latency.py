"""How fast every lab redraws after a slider move, in process and in a real browser, in one run.

For every lab in `course.labs.LABS` (lesson stem -> lab factory), at default settings:
- in process: the median time of one update when the lab's first slider is set alternately to its
  value and a neighbouring one: simulate, draw, and render the PNG that `course.labs.show`
  displays (matplotlib Agg, printed output swallowed). Target: under 200 ms.
- in the browser: the lab displayed in JupyterLab in headless Chromium (Debian's chromium), the
  median time from an arrow-key press on that slider to the moment the printed summary and the
  image have both changed. Target: under 1 s. Skipped, with a note, when Chromium is missing.

    .venv/bin/python benchmarks/lab_latency.py [--repeats N] [--no-browser] [--registry module:NAME]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))  # the browser driver shared with the browser tests

from lab_driver import Chromium, JupyterLab, browser_missing, write_notebook  # noqa: E402
from notebook_page import NotebookPage, cell_problems, notebook_sources  # noqa: E402

IN_PROCESS_TARGET, BROWSER_TARGET = 0.200, 1.0


def load_registry(spec: str) -> dict[str, Callable]:
    """The lab registry named `module:NAME` (default `course.labs:LABS`); empty when it does not exist yet."""
    module, _, name = spec.partition(":")
    return dict(getattr(importlib.import_module(module), name or "LABS", {}))


def first_slider(lab):
    """The name and widget of the lab's first slider with a single value (the one the browser moves too)."""
    for name, control in lab.controls.items():
        if "Slider" in type(control).__name__ and not isinstance(control.value, tuple):
            return name, control
    raise ValueError(f"the lab has no slider to move (controls: {', '.join(lab.controls)})")


def in_process_seconds(factory: Callable, repeats: int) -> list[float]:
    """Time `repeats` updates of the lab's first slider (alternating between two neighbouring values).

    An update re-simulates, redraws and renders the PNG the learner sees (`course.labs.show`)."""
    import matplotlib.pyplot as plt

    with contextlib.redirect_stdout(io.StringIO()):
        lab = factory()
        _, slider = first_slider(lab)
        if hasattr(slider, "options"):  # SelectionSlider: move by index
            attribute, here = "index", slider.index
            there = here + 1 if here + 1 < len(slider.options) else here - 1
        else:
            attribute, here = "value", slider.value
            there = here + slider.step if here + slider.step <= slider.max else here - slider.step
        setattr(slider, attribute, there)  # warm-up, not timed
        setattr(slider, attribute, here)
        times = []
        for index in range(repeats):
            start = time.perf_counter()
            setattr(slider, attribute, there if index % 2 == 0 else here)  # show() renders the PNG too
            times.append(time.perf_counter() - start)
    plt.close("all")
    return times


def browser_seconds(registry_spec: str, names: list[str], repeats: int) -> dict[str, list[float] | str]:
    """Per lab: the key-press-to-redraw times in JupyterLab in Chromium, or a sentence saying what went wrong."""
    results: dict[str, list[float] | str] = {}
    module, _, attr = registry_spec.partition(":")
    with tempfile.TemporaryDirectory(prefix="lab-latency-") as tmp:
        work = Path(tmp)
        cells = ["%matplotlib inline", f"from {module} import {attr or 'LABS'} as LABS"]
        cells += [f"LABS[{name!r}]()" for name in names]
        notebook = write_notebook(work / "root" / "lab_latency.ipynb", cells)
        with JupyterLab(work / "root", work / "server") as server, Chromium(work / "profile") as browser:
            page = NotebookPage(browser.new_page(), server, "lab_latency.ipynb")
            try:
                page.open()
                page.run_all()
                problems = cell_problems(page.cells(), [source for _, source, _ in notebook_sources(notebook)])
                if problems:
                    return dict.fromkeys(names, "the benchmark notebook failed: " + "; ".join(problems))
                labs = page.labs()
                for name, lab in zip(names, labs, strict=False):
                    results[name] = _move_repeatedly(page, lab, repeats)
                for name in names[len(labs) :]:
                    results[name] = "no lab widget rendered"
            finally:
                page.close()
    return results


def _move_repeatedly(page: NotebookPage, lab, repeats: int) -> list[float] | str:
    """Move the lab's first slider one step `repeats` times, back and forth; the times, or what went wrong."""
    times, key = [], None
    for _ in range(repeats):
        change = page.move_slider(lab, key=key)
        if change.problems():
            return "; ".join(change.problems())
        times.append(change.seconds)
        key = "ArrowLeft" if change.key == "ArrowRight" else "ArrowRight"
    return times


def verdict(seconds: float, target: float) -> str:
    return "ok" if seconds < target else f"MISSED (> {target * 1000:.0f} ms)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="slider moves per lab and per side (default 15)")
    parser.add_argument("--no-browser", action="store_true", help="measure in process only")
    parser.add_argument("--registry", default="course.labs:LABS", help="where the labs are registered")
    args = parser.parse_args()

    registry = load_registry(args.registry)
    if not registry:
        print(f"{args.registry} has no lab registered yet: nothing to measure.")
        return 0
    names = sorted(registry)

    in_process = {name: statistics.median(in_process_seconds(registry[name], args.repeats)) for name in names}

    missing = "skipped by --no-browser" if args.no_browser else browser_missing()
    browser = {} if missing else browser_seconds(args.registry, names, args.repeats)

    print(f"Lab latency, median of {args.repeats} slider moves per lab (first slider, one step back and forth)")
    print(f"{'lab':<24} {'in process':>11}  {'vs 200 ms':<18} {'in browser':>11}  vs 1 s")
    for name in names:
        here = in_process[name]
        row = f"{name:<24} {here * 1000:>8.0f} ms  {verdict(here, IN_PROCESS_TARGET):<18}"
        measured = browser.get(name)
        if isinstance(measured, list):
            there = statistics.median(measured)
            row += f" {there * 1000:>8.0f} ms  {verdict(there, BROWSER_TARGET)}"
        elif isinstance(measured, str):
            row += f" {'failed':>11}  {measured}"
        else:
            row += f" {'-':>11}"
        print(row)
    print("in process: simulate + draw + the PNG course.labs.show renders, Agg, output swallowed.")
    if missing:
        print(f"in browser: not measured: {missing}")
    else:
        print("in browser: JupyterLab in headless Chromium, arrow key on the slider -> summary and image changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
