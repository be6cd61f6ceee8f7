"""Every lesson as a learner meets it: opened in JupyterLab in headless Chromium, run, and its labs moved.

For each `lessons/*.ipynb`: Run > Run All Cells; no cell shows an error; every lab renders real
widgets; one slider step of every lab changes both its printed summary and its image; a screenshot
after the move is written to `test-artifacts/screenshots/<lesson>.png`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from discovery import LESSONS_GLOB, lesson_paths, require_browser, skip_or_fail
from notebook_page import NotebookPage, cell_problems, notebook_sources, slider_problems, widget_problems

pytestmark = pytest.mark.browser
require_browser()

LESSONS = lesson_paths()


@dataclass
class RanLesson:
    """A lesson open in the browser after Run All: its page, what each cell shows, and how long the run took."""

    path: Path
    page: NotebookPage
    notebook: list[tuple[str, str, list[str]]]
    cells: list[dict]
    seconds: float


@pytest.fixture(scope="module", params=LESSONS, ids=[lesson.stem for lesson in LESSONS])
def lesson(request, jupyterlab, chromium, served_lessons) -> RanLesson:
    """Open one lesson in its own tab and run all its cells; close the tab (and its kernel) afterwards."""
    page = NotebookPage(chromium.new_page(), jupyterlab, served_lessons[request.param])
    try:
        page.open()
        seconds = page.run_all()
        yield RanLesson(request.param, page, notebook_sources(request.param), page.cells(), seconds)
    finally:
        page.close()


def test_there_are_lessons_to_test():
    if not LESSONS:
        skip_or_fail(f"no lesson notebook matches {LESSONS_GLOB}: nothing to open in the browser yet")


def test_every_cell_runs_without_an_error(lesson):
    problems = cell_problems(lesson.cells, [source for _, source, _ in lesson.notebook])
    for cell in lesson.cells:
        for text in cell["stderr"]:
            warnings.warn(f"{lesson.path.name}: cell {cell['index']} writes to stderr: {text[:200]}", stacklevel=1)
    assert not problems, f"{lesson.path.name} after Run All:\n" + "\n".join(problems)


def test_every_lab_renders_real_widgets(lesson):
    problems = widget_problems(lesson.cells, lesson.notebook)
    assert not problems, f"{lesson.path.name}:\n" + "\n".join(problems)


def test_moving_a_slider_redraws_every_lab(lesson, screenshots):
    try:
        problems, changes = slider_problems(lesson.page)
    finally:
        labs = lesson.page.labs()
        shot = lesson.page.screenshot(screenshots / f"{lesson.path.stem}.png", labs[0] if labs else None)
        for number, lab in enumerate(labs[1:], 2):
            lesson.page.screenshot(screenshots / f"{lesson.path.stem}-lab{number}.png", lab)
    print(f"{lesson.path.name}: run all {lesson.seconds:.1f} s; screenshot {shot}")
    for change in changes:
        print(f"  {change.slider}: {change.before[0]!r} -> {change.after[0]!r} in {change.seconds * 1000:.0f} ms")
    assert changes, f"{lesson.path.name} has no lab with a slider to move"
    assert not problems, f"{lesson.path.name} (screenshot: {shot}):\n" + "\n".join(problems)
