"""Drive one notebook in JupyterLab the way a learner does: run all cells, read the outputs, move a slider.

A lab is an ipywidgets `interactive` (CSS class `widget-interact`, built by `course.labs.build_lab`):
rows of controls above an Output widget that holds the printed one-line summary and the figure.
The `*_problems` functions turn what the page shows into sentences; the tests assert they are empty.

>>> cell_problems([{"index": 0, "code": True, "prompt": "[1]:", "errors": [], "stderr": []}], ["1 + 1"])
[]
>>> cell_problems([{"index": 0, "code": True, "prompt": "[ ]:", "errors": [], "stderr": []}], ["1 + 1"])
['cell 0 did not run (an earlier cell failed, or Run All stopped)']
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from lab_driver import JupyterLab, lab_count_in

__all__ = ["LabChange", "NotebookPage", "cell_problems", "notebook_sources", "slider_problems", "widget_problems"]


@dataclass(frozen=True)
class LabChange:
    """What one slider step did to a lab: summary, image src and error text before and after, and the delay.

    `seconds` runs from the key press to the moment the summary and the image had both changed (or
    an error appeared, or the wait gave up).

    >>> LabChange("rate", ("rate=3", "png-a", ""), ("rate=4", "png-b", ""), 0.2).problems()
    []
    >>> LabChange("rate", ("rate=3", "png-a", ""), ("rate=4", "png-a", ""), 2.0).problems()
    ['the image was not redrawn (the same picture as before the move)']
    """

    slider: str
    before: tuple[str, str, str]
    after: tuple[str, str, str]
    seconds: float
    key: str = "ArrowRight"

    @property
    def summary_changed(self) -> bool:
        return bool(self.after[0]) and self.after[0] != self.before[0]

    @property
    def image_changed(self) -> bool:
        return bool(self.after[1]) and self.after[1] != self.before[1]

    def problems(self) -> list[str]:
        """What a learner would notice is wrong after moving the slider (empty when the lab responded)."""
        found = []
        if self.after[2]:
            found.append(f"the lab shows an error: {self.after[2].strip().splitlines()[-1]}")
        if not self.after[0]:
            found.append("the lab prints no summary after the move")
        elif not self.summary_changed:
            found.append(f"the printed summary did not change (still {self.after[0]!r})")
        if not self.after[1]:
            found.append("the lab shows no image after the move")
        elif not self.image_changed:
            found.append("the image was not redrawn (the same picture as before the move)")
        return found


# In-page helpers. A lab is an ipywidgets `interactive` (class widget-interact): rows of controls,
# then an Output widget holding the printed summary and the figure.
_LAB_STATE_JS = """lab => {
    const out = lab.querySelector('.widget-output');
    if (!out) return ['', '', ''];
    const outputs = [...out.querySelectorAll('.jp-OutputArea-output')];
    const isError = o => o.dataset.mimeType === 'application/vnd.jupyter.stderr' && /Traceback/.test(o.innerText);
    const text = outputs.filter(o => !o.querySelector('img') && !isError(o))
        .map(o => o.innerText.trim()).filter(Boolean).join('\\n');
    const error = outputs.filter(isError).map(o => o.innerText.trim()).join('\\n');
    const img = out.querySelector('img');
    return [text, img ? img.getAttribute('src') || '' : '', error];
}"""

# Arm a watcher before the key press: it resolves once summary and image both differ from `before`
# (or an error shows, or `ms` pass) with the milliseconds since the handle received the key.
_ARM_WATCH_JS = (
    """(lab, [before, ms]) => {
    const state = """
    + _LAB_STATE_JS
    + """;
    const handle = lab.querySelector('.widget-slider .noUi-handle');
    const armed = performance.now();
    let pressed = null;
    handle.addEventListener('keydown', () => { pressed = performance.now(); }, {once: true, capture: true});
    lab.__watch = new Promise(resolve => {
        let timer = null;
        const observer = new MutationObserver(() => check());
        const finish = changed => {
            observer.disconnect(); clearTimeout(timer);
            resolve({changed, ms: performance.now() - (pressed ?? armed)});
        };
        const check = () => {
            const [text, src, error] = state(lab);
            if (error) finish(false);
            else if (text && src && text !== before[0] && src !== before[1]) finish(true);
        };
        observer.observe(lab, {subtree: true, childList: true, attributes: true, characterData: true});
        timer = setTimeout(() => finish(false), ms);
    });
}"""
)

_RUN_FINISHED_JS = """() => {
    const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
    if (!indicator || indicator.dataset.status !== 'idle') return false;
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')]
        .filter(cell => (cell.querySelector('.cm-content') || {textContent: 'x'}).textContent.trim())
        .map(cell => (cell.querySelector('.jp-InputPrompt') || {textContent: ''}).textContent.trim());
    if (prompts.length === 0) return true;
    return !prompts.some(p => p.includes('*')) && /\\d/.test(prompts[0]);
}"""

_KERNEL_IDLE_JS = """async path => {
    const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
    if (!indicator || indicator.dataset.status !== 'idle') return false;
    const sessions = await (await fetch('/api/sessions')).json();
    const session = sessions.find(s => s.path === path);
    return Boolean(session && session.kernel && session.kernel.execution_state === 'idle');
}"""

_CELL_REPORT_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map((cell, index) => {
    const outputs = [...cell.querySelectorAll('.jp-OutputArea-output')]
        .filter(o => !o.closest('.widget-output'));
    const stderr = outputs.filter(o => o.dataset.mimeType === 'application/vnd.jupyter.stderr')
        .map(o => o.innerText.trim());
    return {
        index,
        code: cell.classList.contains('jp-CodeCell'),
        prompt: (cell.querySelector('.jp-InputPrompt') || {textContent: ''}).textContent.trim(),
        errors: stderr.filter(t => /Traceback/.test(t)),
        stderr: stderr.filter(t => !/Traceback/.test(t)),
        fallbacks: outputs.map(o => o.innerText.trim()).filter(t =>
            /^(interactive|VBox|HBox|\\w*Slider|Dropdown)\\(|^Error displaying widget|^Loading widget/.test(t)),
        labs: [...cell.querySelectorAll('.widget-interact')].map(lab =>
            lab.querySelectorAll('.widget-slider .noUi-handle').length),
    };
})"""

_SHUTDOWN_JS = """async path => {
    const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
    const sessions = await (await fetch('/api/sessions')).json();
    for (const s of sessions.filter(s => s.path === path))
        await fetch('/api/sessions/' + s.id, {method: 'DELETE', headers: {'X-XSRFToken': xsrf}});
}"""


class NotebookPage:
    """One notebook open in JupyterLab in its own browser tab, driven the way a learner would."""

    def __init__(self, page, server: JupyterLab, notebook: str, *, timeout: float = 120.0):
        self.page, self.server, self.notebook, self.timeout = page, server, notebook, timeout
        self.page.set_default_timeout(timeout * 1000)

    def open(self) -> NotebookPage:
        """Open the notebook with a fresh workspace, hide the file browser, wait for an idle kernel."""
        self.page.goto(self.server.url(f"lab/tree/{self.notebook}?reset"))
        self.page.wait_for_selector(".jp-Notebook .jp-Cell")
        self.wait_for_kernel_idle()
        with contextlib.suppress(Exception):  # cosmetic: collapse the file browser, more room for the lesson
            self.page.click(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current", timeout=5000)
        return self

    def wait_for_kernel_idle(self) -> None:
        """Wait until the server reports this notebook's kernel idle and the page shows it idle too.

        JupyterLab may ask which kernel to start ("Select Kernel") when it opens a notebook before it
        has the list of kernels; the dialog preselects the notebook's own kernel, so accept it.
        """
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            dialog = self.page.locator(".jp-Dialog")
            if dialog.count():
                text = dialog.first.inner_text()
                if "Select Kernel" not in text:
                    raise RuntimeError(f"JupyterLab shows an unexpected dialog: {text!r}")
                dialog.first.locator("button.jp-mod-accept").click()
            elif self.page.evaluate(_KERNEL_IDLE_JS, self.notebook):
                return
            time.sleep(0.2)
        raise TimeoutError(f"the kernel of {self.notebook} was not idle after {self.timeout:.0f} s")

    def menu(self, menu: str, command: str, *, timeout: float | None = None) -> None:
        """Click a menu bar entry (`Run`), then the item that runs `command` (`runmenu:run-all`)."""
        ms = min(30.0, self.timeout if timeout is None else timeout) * 1000
        self.page.click(f"div.lm-MenuBar-itemLabel:text-is('{menu}')", timeout=ms)
        try:
            self.page.click(f"li.lm-Menu-item[data-command='{command}']", timeout=ms)
        except Exception:
            self.page.keyboard.press("Escape")  # leave no menu open behind
            raise

    def run_all(self) -> float:
        """Clear every output (nothing saved is checked), then Run > Run All Cells; wait until the kernel is done.

        Returns the seconds the run took. A cell that raises stops the run: later cells stay unnumbered.
        """
        self.menu("Edit", "editmenu:clear-all")
        self.page.wait_for_function(
            "() => ![...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')].some(p => /\\d/.test(p.textContent))"
        )
        start = time.monotonic()
        self.menu("Run", "runmenu:run-all")
        self.page.wait_for_function(_RUN_FINISHED_JS, polling=100)
        return time.monotonic() - start

    def cells(self) -> list[dict]:
        """Per cell: index, is code, prompt, tracebacks, other stderr, widget text fallbacks, sliders per lab."""
        return self.page.evaluate(_CELL_REPORT_JS)

    def labs(self) -> list:
        """Every lab rendered in the page, in order (Playwright locators)."""
        return self.page.locator(".jp-Notebook .widget-interact").all()

    def lab_state(self, lab) -> tuple[str, str, str]:
        """The lab's printed text, its image src and any traceback in its output (empty strings when missing)."""
        return tuple(lab.evaluate(_LAB_STATE_JS))

    def move_slider(self, lab, *, timeout: float = 10.0, key: str | None = None) -> LabChange:
        """Focus the lab's first slider handle and press one arrow `key` (by default left at the maximum, else right).

        Waits until the summary and the image have both changed, an error shows, or `timeout` seconds pass.
        """
        handle = lab.locator(".widget-slider .noUi-handle").first
        handle.scroll_into_view_if_needed()
        label = lab.locator(".widget-slider").first.locator(".widget-label")
        name = label.inner_text().strip() if label.count() else ""
        value, top = (float(handle.get_attribute(a) or 0) for a in ("aria-valuenow", "aria-valuemax"))
        before = self.lab_state(lab)
        lab.evaluate(_ARM_WATCH_JS, [list(before), timeout * 1000])
        handle.focus()
        key = key or ("ArrowLeft" if value >= top else "ArrowRight")
        self.page.keyboard.press(key)
        outcome = lab.evaluate("lab => lab.__watch", timeout=(timeout + 30) * 1000)
        with contextlib.suppress(Exception):  # let the kernel settle before the next move or screenshot
            self.page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached", timeout=timeout * 1000
            )
        return LabChange(name or "slider", before, self.lab_state(lab), outcome["ms"] / 1000, key)

    def screenshot(self, path: Path, lab=None) -> Path:
        """Save what the learner sees as a PNG at `path`, scrolled to the cell holding `lab` when given."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if lab is not None:
            lab.evaluate("lab => (lab.closest('.jp-Cell') || lab).scrollIntoView({block: 'start'})")
        with contextlib.suppress(Exception):  # a figure that never paints still gets its screenshot taken
            self.page.wait_for_function(_IMAGES_PAINTED_JS, polling=100, timeout=10_000)
        # Chromium rasterizes a large image in tiles after it is decoded: keep shooting until two
        # shots in a row agree, so the saved one shows the figure fully painted.
        shot, previous = self.page.screenshot(), b""
        for _ in range(20):
            if shot == previous:
                break
            self.page.wait_for_timeout(250)
            previous, shot = shot, self.page.screenshot()
        path.write_bytes(shot)
        return path

    def close(self) -> None:
        """Shut this notebook's kernel down and close the tab; nothing is saved."""
        with contextlib.suppress(Exception):
            self.page.evaluate(_SHUTDOWN_JS, self.notebook)
        with contextlib.suppress(Exception):
            self.page.close()


# Every output image is loaded and decoded, and two animation frames have passed (so it is painted).
_IMAGES_PAINTED_JS = """
() => {
  if (window.__painted === undefined) {
    window.__painted = false;
    const images = [...document.querySelectorAll('.jp-OutputArea-output img')];
    Promise.all(images.map(img => img.decode().catch(() => null))).then(() =>
      requestAnimationFrame(() => requestAnimationFrame(() => { window.__painted = true; })));
  }
  if (window.__painted) { delete window.__painted; return true; }
  return false;
}
"""


def notebook_sources(path: Path) -> list[tuple[str, str, list[str]]]:
    """The (cell type, source, tags) of every cell of the notebook at `path`, in page order."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    return [(cell.cell_type, cell.source, list(cell.metadata.get("tags", []))) for cell in notebook.cells]


def _describe_error(traceback: str, context: int = 3) -> str:
    """The error line of a traceback, then its last lines of context, indented."""
    lines = [line for line in traceback.strip().splitlines() if line.strip() and not set(line.strip()) <= {"-"}]
    return lines[-1].strip() + "".join("\n    " + line for line in lines[-1 - context : -1])


def cell_problems(cells: list[dict], sources: list[str]) -> list[str]:
    """Every cell that shows an error output, and every non-empty code cell that did not run.

    `cells` is `NotebookPage.cells()`, `sources` the cell sources in the same order.
    """
    found = []
    if len(cells) != len(sources):
        found.append(f"the page shows {len(cells)} cells but the notebook has {len(sources)}")
    for cell, source in zip(cells, sources, strict=False):
        for error in cell["errors"]:
            found.append(f"cell {cell['index']} shows an error: {_describe_error(error)}")
        if cell["code"] and source.strip() and not re.search(r"\d", cell["prompt"]):
            found.append(f"cell {cell['index']} did not run (an earlier cell failed, or Run All stopped)")
    return found


def widget_problems(cells: list[dict], notebook: list[tuple[str, str, list[str]]]) -> list[str]:
    """Every lab that is missing or shows a text fallback instead of real widgets, or has no slider.

    A widget cell (tagged `nbval-ignore-output`) that calls `<topic>_lab(...)` must render a lab, every
    rendered lab must have a slider, and a lesson must show at least one lab.

    >>> cell = {"index": 3, "fallbacks": ["interactive(children=(IntSlider(value=5),))"], "labs": []}
    >>> widget_problems([cell], [("code", "gateway_lab(seed=0)", ["nbval-ignore-output"])])[:2]
    ["cell 3 shows the text fallback 'interactive(children=(IntSlider(value=5),))' instead of widgets", \
'cell 3 builds a lab but no lab widget rendered']
    """
    found = []
    for cell, (kind, source, tags) in zip(cells, notebook, strict=False):
        for text in cell["fallbacks"]:
            found.append(f"cell {cell['index']} shows the text fallback {text[:80]!r} instead of widgets")
        if kind == "code" and "nbval-ignore-output" in tags and lab_count_in(source) and not cell["labs"]:
            found.append(f"cell {cell['index']} builds a lab but no lab widget rendered")
        for number, sliders in enumerate(cell["labs"], 1):
            if not sliders:
                found.append(f"cell {cell['index']}: lab {number} has no slider to move")
    if not any(cell["labs"] for cell in cells):
        found.append("no lab rendered: every lesson has a lab (CONTRIBUTING.md, Notebooks)")
    return found


def slider_problems(page: NotebookPage, *, timeout: float = 10.0) -> tuple[list[str], list[LabChange]]:
    """Move one slider of every lab in the page; say which labs did not redraw both summary and image."""
    found, changes = [], []
    for number, lab in enumerate(page.labs(), 1):
        if not lab.locator(".widget-slider .noUi-handle").count():
            found.append(f"lab {number} has no slider to move")
            continue
        change = page.move_slider(lab, timeout=timeout)
        changes.append(change)
        found += [f"lab {number} (slider {change.slider!r}): {problem}" for problem in change.problems()]
    return found, changes
