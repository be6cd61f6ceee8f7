"""Presenter mode in a real browser: each lesson's labs served by Voila on loopback, opened in headless Chromium.

For each lesson: `python -m course present NN` builds the page (`--dry-run`, into a throwaway folder),
Voila serves it on 127.0.0.1 with the ``present`` template, and the page must show every lab as
live widgets, no code, large type (the page zoomed), fetch nothing from anywhere but loopback, and
redraw a lab's summary and picture when its first slider moves one step. Screenshots go to
``test-artifacts/screenshots/present-<lesson>.png``.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from discovery import ROOT, lesson_paths, require_browser
from lab_driver import lab_count_in, stop_process_group
from notebook_page import LabChange

pytestmark = pytest.mark.browser
require_browser()

LESSONS = lesson_paths()
MIN_ZOOM = 1.3  # the page's zoom: body text at 22 px on a projector instead of 16

# A lab's printed summary and the src of its figure (the Output widget under its controls).
_LAB_STATE_JS = """lab => {
    const out = lab.querySelector('.widget-output');
    if (!out) return ['', '', ''];
    const items = [...out.querySelectorAll('.jp-OutputArea-output')];
    const text = items.filter(o => !o.querySelector('img')).map(o => o.innerText.trim()).filter(Boolean).join('\\n');
    const error = items.filter(o => /Traceback|Error/.test(o.innerText) && o.dataset.mimeType
        === 'application/vnd.jupyter.stderr').map(o => o.innerText).join('\\n');
    const img = out.querySelector('img');
    return [text, img ? img.getAttribute('src') || '' : '', error];
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Voila:
    """`python -m course present` for one lesson, run as the Makefile runs it, stopped by its process group."""

    def __init__(self, lesson: Path, workdir: Path, *, start_timeout: float = 90.0):
        self.lesson, self.workdir, self.start_timeout = lesson, workdir, start_timeout
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self.log = workdir / "voila.log"

    def __enter__(self) -> Voila:
        build = self.workdir / "build"
        dry = subprocess.run(
            [sys.executable, "-m", "course", "present", self.lesson.name[:2], "--lessons", str(self.lesson.parent),
             "--build", str(build), "--port", str(self.port), "--dry-run"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assignment, *command = shlex.split(dry.stdout.splitlines()[-1])  # JUPYTER_PATH=... python -m voila ...
        env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "JUPYTER_PORT", "JUPYTER_TOKEN")}
        name, value = assignment.split("=", 1)
        env[name] = value
        for folder in ("config", "runtime"):
            (self.workdir / folder).mkdir(exist_ok=True)
            env[f"JUPYTER_{folder.upper()}_DIR"] = str(self.workdir / folder)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=build, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"voila exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}voila/static/voila.js", timeout=2) as response:
                    if response.status == 200:
                        return self
            time.sleep(0.3)
        self.__exit__()
        raise TimeoutError(f"voila did not answer within {self.start_timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            stop_process_group(self.process.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            self.process = None


LOADS = 3  # page loads tried before a presenter page counts as broken
LOAD_TIMEOUT = 120  # seconds one load may take on a busy 2-core machine


@pytest.fixture(scope="module", params=LESSONS, ids=[lesson.stem for lesson in LESSONS])
def presented(request, chromium, tmp_path_factory):
    """One lesson's presenter page, loaded in its own tab until its labs have rendered; every request recorded."""
    lesson = request.param
    with Voila(lesson, tmp_path_factory.mktemp(f"present-{lesson.stem}")) as server:
        page = chromium.new_page()
        page.set_default_timeout(240_000)  # a busy 2-core machine runs the lesson's imports and labs slowly
        elsewhere: list[str] = []

        def elsewhere_url(url: str) -> bool:
            return not url.startswith(("data:", "blob:")) and urlparse(url).hostname not in ("127.0.0.1", "localhost")

        def refuse(route):  # only requests leaving the machine are intercepted: the page itself streams untouched
            elsewhere.append(route.request.url)
            route.abort()

        page.route(elsewhere_url, refuse)
        try:
            started = time.monotonic()
            labs = sum(lab_count_in(c) for c in _lab_sources(lesson))
            # Voila streams the page while a fresh kernel runs the cells: wait for the labs, not for "load".
            # Now and then a load stalls before the kernel starts; a stalled load is retried in a new one.
            for attempt in range(1, LOADS + 1):
                try:
                    page.goto(server.url, wait_until="commit")
                    wait = {"timeout": LOAD_TIMEOUT * 1000}
                    page.wait_for_function(
                        f"() => document.querySelectorAll('.widget-interact').length >= {labs}", **wait
                    )
                    page.wait_for_selector(".widget-interact .widget-output img", **wait)
                    break
                except Exception as exc:
                    if attempt < LOADS:
                        continue
                    log = server.log.read_text(errors="replace")[-2000:]
                    why = f"{lesson.name}: the presenter page showed no labs in {LOADS} loads ({exc}); voila:\n{log}"
                    raise AssertionError(why) from None
            yield {"lesson": lesson, "page": page, "labs": labs, "elsewhere": elsewhere,
                   "seconds": time.monotonic() - started}  # fmt: skip
        finally:
            with contextlib.suppress(Exception):
                page.close()


def _lab_sources(lesson: Path) -> list[str]:
    import nbformat

    return [c.source for c in nbformat.read(str(lesson), as_version=4).cells if c.cell_type == "code"]


def test_there_are_lessons_to_present():
    if not LESSONS:
        pytest.skip("no lesson notebook to present")


def test_every_lab_renders_without_code_and_without_the_network(presented):
    page = presented["page"]
    text = page.inner_text("body")
    assert page.locator(".widget-interact").count() == presented["labs"]
    assert page.locator(".widget-interact .widget-slider .noUi-handle").count() >= presented["labs"]
    assert "import " not in text and "_lab(" not in text, "code shows on the presenter page"
    assert not page.locator(".jp-CodeMirrorEditor, .jp-CodeCell .jp-InputArea:visible").count()
    assert "Traceback" not in text
    assert presented["elsewhere"] == [], f"the page asked the network for {presented['elsewhere']}"


def test_the_type_is_large(presented):
    page = presented["page"]
    zoom = float(page.evaluate("getComputedStyle(document.documentElement).zoom") or 1)
    assert zoom >= MIN_ZOOM
    height = page.evaluate("document.querySelector('.widget-interact .widget-label').getBoundingClientRect().height")
    print(f"{presented['lesson'].name}: zoom {zoom}, a control's label {height:.1f} px tall")
    assert height >= 20  # on screen, zoom included


def test_moving_a_slider_redraws_each_lab(presented, screenshots):
    page = presented["page"]
    problems = []
    for number, lab in enumerate(page.locator(".widget-interact").all(), 1):
        handle = lab.locator(".widget-slider .noUi-handle").first
        handle.scroll_into_view_if_needed()
        before = tuple(lab.evaluate(_LAB_STATE_JS))
        value, top = (float(handle.get_attribute(a) or 0) for a in ("aria-valuenow", "aria-valuemax"))
        key = "ArrowLeft" if value >= top else "ArrowRight"
        handle.focus()
        started = time.monotonic()
        page.keyboard.press(key)
        after = before
        while time.monotonic() - started < 30:
            after = tuple(lab.evaluate(_LAB_STATE_JS))
            if after[2] or (after[0] != before[0] and after[1] != before[1] and after[0] and after[1]):
                break
            time.sleep(0.1)
        change = LabChange(f"lab {number}", before, after, time.monotonic() - started, key)
        problems += [f"lab {number}: {p}" for p in change.problems()]
        if number == 1:
            page.screenshot(path=str(screenshots / f"present-{presented['lesson'].stem}.png"))
    assert not problems, f"{presented['lesson'].name} presenter page:\n" + "\n".join(problems)
