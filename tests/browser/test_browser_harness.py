"""The browser checks can fail: a generated notebook holds one working lab and labs whose wiring is broken.

A lesson test that cannot fail would prove nothing, so the same checks run here on labs broken the
way a slip in `course/labs/` would break them (a callback that no longer redraws, no longer prints
a new summary, or raises), on a text fallback instead of widgets, and on a cell that raises.
"""

from __future__ import annotations

import pytest
from discovery import require_browser
from lab_driver import write_notebook
from notebook_page import NotebookPage, cell_problems, notebook_sources, slider_problems, widget_problems

pytestmark = pytest.mark.browser
require_browser()

SETUP = '''
import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display
from course.labs import LabView, build_lab
from course.labs.view import slider


def harness_lab(kind="working", seed=0):
    """A tiny lab; `kind` other than "working" breaks its wiring."""

    def update(rate=5, seed=0):
        if kind == "raises" and rate != 5:
            raise ValueError(f"rate {rate} breaks this lab")
        fig, ax = plt.subplots(figsize=(4, 2))
        height = 5 if kind == "no_redraw" else rate
        ax.bar(["served", "limited"], [height, 10 - height])
        summary = "rate=5 (stale)" if kind == "no_new_summary" else f"kind={kind} rate={rate}"
        return LabView(rate, fig, summary)

    return build_lab(update, [slider("rate", 0, 10)], seed=seed)


def fallback_lab(seed=0):
    """What a learner sees when the widget extension is missing: the widget's text form."""
    display({"text/plain": "interactive(children=(IntSlider(value=5, description='rate'), Output()))"}, raw=True)
'''

KINDS = ["working", "no_redraw", "no_new_summary", "raises"]
CELLS = [
    "%matplotlib inline",
    SETUP,
    *[f'harness_lab("{kind}")' for kind in KINDS],
    "fallback_lab()",
    "1 / 0",
    'print("never runs")',
]
FIRST_LAB_CELL = 2


@pytest.fixture(scope="module")
def harness(jupyterlab, chromium, lab_root):
    """The harness notebook open in a tab after Run All, and its labs each moved one step (2 s wait each)."""
    path = write_notebook(lab_root / "harness" / "wiring.ipynb", CELLS)
    page = NotebookPage(chromium.new_page(), jupyterlab, "harness/wiring.ipynb")
    try:
        page.open()
        page.run_all()
        cells = page.cells()
        problems, changes = slider_problems(page, timeout=2.0)
        yield {"notebook": notebook_sources(path), "cells": cells, "problems": problems, "changes": changes}
    finally:
        page.close()


def lab_problems(harness, kind):
    number = KINDS.index(kind) + 1
    return [p.split(": ", 1)[1] for p in harness["problems"] if p.startswith(f"lab {number} ")]


def test_a_working_lab_passes(harness):
    assert lab_problems(harness, "working") == []
    change = harness["changes"][0]
    assert (change.before[0], change.after[0]) == ("kind=working rate=5", "kind=working rate=6")


def test_a_callback_that_no_longer_redraws_fails(harness):
    assert lab_problems(harness, "no_redraw") == ["the image was not redrawn (the same picture as before the move)"]


def test_a_callback_whose_summary_no_longer_changes_fails(harness):
    assert lab_problems(harness, "no_new_summary") == ["the printed summary did not change (still 'rate=5 (stale)')"]


def test_a_callback_that_raises_fails(harness):
    assert lab_problems(harness, "raises") == [
        "the lab shows an error: ValueError: rate 6 breaks this lab",
        "the lab prints no summary after the move",
        "the lab shows no image after the move",
    ]


def test_a_text_fallback_instead_of_widgets_fails(harness):
    fallback_cell = FIRST_LAB_CELL + len(KINDS)
    problems = widget_problems(harness["cells"], harness["notebook"])
    assert problems == [
        f"cell {fallback_cell} shows the text fallback "
        "\"interactive(children=(IntSlider(value=5, description='rate'), Output()))\" instead of widgets",
        f"cell {fallback_cell} builds a lab but no lab widget rendered",
    ]


def test_a_cell_error_fails_and_the_cells_it_stopped_are_named(harness):
    error_cell = FIRST_LAB_CELL + len(KINDS) + 1
    problems = cell_problems(harness["cells"], [source for _, source, _ in harness["notebook"]])
    assert [problem.splitlines()[0] for problem in problems] == [
        f"cell {error_cell} shows an error: ZeroDivisionError: division by zero",
        f"cell {error_cell + 1} did not run (an earlier cell failed, or Run All stopped)",
    ]
    assert "----> 1 1 / 0" in problems[0]
