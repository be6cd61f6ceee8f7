"""Executing notebooks: run every cell in a fresh kernel of this Python, so saved outputs come only from running.

The kernel starts in the notebook's folder (relative paths work), numbers its cells 1..n, and
leaves no timing metadata or widget state behind, so re-executing an unchanged notebook gives
the same file. `python -m course execute` uses it for lessons and solutions, `release` for
exercises, and the grader's worker for learners' copies.

Taught in CONTRIBUTING.md ("Notebooks").

>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", outputs=[{"output_type": "stream",
...     "name": "stdout", "text": "stale"}], execution_count=7)])
>>> [len(c.outputs) for c in strip_outputs(nb).cells], nb.cells[0].execution_count
([0], None)
>>> tags(nbformat.v4.new_code_cell("", metadata={"tags": ["check:gateway.token_bucket"]}))
['check:gateway.token_bucket']
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

__all__ = [
    "AUTHOR_CELL_TIMEOUT",
    "KERNELSPEC",
    "TIMEOUT_ERROR",
    "NotebookExecutionError",
    "NotebookFormatError",
    "execute_cells",
    "execute_notebook",
    "first_line",
    "parse_notebook",
    "read_notebook",
    "run_notebook",
    "strip_outputs",
    "tags",
    "tidy",
    "write_notebook",
]

AUTHOR_CELL_TIMEOUT = 120  # seconds per cell when authors execute lessons, solutions and exercises
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TIMEOUT_ERROR = "CellTimeoutError"  # the error a cell gets when it runs past its time limit
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class NotebookFormatError(ValueError):
    """The file is not a notebook: not JSON, or JSON that breaks the nbformat schema."""


class NotebookExecutionError(RuntimeError):
    """A cell failed (an exception not allowed by a ``raises-exception`` tag, a time-out, or a dead kernel)."""


class _ThisPython(KernelSpecManager):
    """Every kernel name means the Python running this code, so a kernel always sees the installed course."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        return KernelSpec(argv=argv, display_name=KERNELSPEC["display_name"], language="python")


def parse_notebook(text: str) -> nbformat.NotebookNode:
    """Parse and validate notebook text as nbformat 4, or raise `NotebookFormatError` saying what is wrong.

    The message never quotes the text itself (a "notebook" may be any file a learner pointed at).

    >>> parse_notebook("root:x:0:0:root:/root:/bin/bash")
    Traceback (most recent call last):
    ...
    course.grading.execute.NotebookFormatError: not a valid notebook (not JSON: Expecting value at line 1, column 1)
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookFormatError(
            f"not a valid notebook (not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise NotebookFormatError(f"not a valid notebook (not JSON: {type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise NotebookFormatError(f"not a valid notebook (JSON {type(data).__name__}, not an object)")
    try:
        with warnings.catch_warnings():  # a missing cell id is fixed on reading: no need to warn about it
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # nbformat raises NotJSONError, ValidationError and friends, some quoting the text
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", []) or [])
        at = f" at {where}" if where else ""
        raise NotebookFormatError(
            f"not a valid notebook ({type(exc).__name__}{at}: it breaks the nbformat schema)"
        ) from None
    return nb


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read and validate a notebook as nbformat 4, or raise `NotebookFormatError` saying what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookFormatError(
            f"cannot read {path}: {getattr(exc, 'strerror', None) or type(exc).__name__}"
        ) from None
    return parse_notebook(text)


def write_notebook(nb: nbformat.NotebookNode, path: str | Path) -> None:
    """Write `nb` the way nbformat always does (one-space indent, sorted keys, final newline)."""
    nbformat.write(nb, str(path))


def tags(cell: dict[str, Any]) -> list[str]:
    """The cell's tags (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def first_line(cell: dict[str, Any], width: int = 50) -> str:
    """The first non-blank line of a cell's source, shortened to `width` characters, to name the cell in messages.

    >>> first_line({"source": "\\nwhile True:\\n    pass"})
    'while True:'
    """
    for line in str(cell.get("source", "")).splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""


def strip_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Clear every code cell's outputs and execution count, in place; return `nb`."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def tidy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes on every run (widget state and views, timings, the Python patch version); pin python3.

    A widget's saved view points at state that is not kept, so its text fallback (``IntSlider(value=3)``)
    is all a notebook can show before its kernel runs anyway.
    """
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    if "language_info" in nb.metadata:
        nb.metadata["language_info"].pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


def kernel_env() -> dict[str, str]:
    """The kernel's environment: ours, minus MPLBACKEND (it stops inline figures), without debugger noise."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["COURSE_PROGRESS"] = "off"  # executing a notebook is not a learner's attempt: no progress file
    return env


def run_notebook(
    nb: nbformat.NotebookNode,
    cwd: str | Path,
    cell_timeout: float,
    *,
    allow_errors: bool = False,
    timeout_for: Callable[[dict[str, Any]], float] | None = None,
    on_kernel: Callable[[int | None], None] | None = None,
    on_cell: Callable[[int, dict[str, Any]], None] | None = None,
    on_timeout: Callable[[int], None] | None = None,
    more_cells: Callable[[], list[Any]] | None = None,
    kernels: KernelSpecManager | None = None,
    sockets: str | Path | None = None,
    start: dict[str, Any] | None = None,
    client_class: type[NotebookClient] = NotebookClient,
) -> list[int]:
    """Execute `nb` in place in a fresh kernel started in `cwd`; return the indices of the cells that timed out.

    A cell running longer than `cell_timeout` (or ``timeout_for(cell)``) is interrupted and counts as an
    error named `TIMEOUT_ERROR`; execution moves on without waiting for the kernel's reply, which never
    comes when the interrupt lands just as the cell finishes. Without `allow_errors`, only cells tagged
    ``raises-exception`` may raise. `on_kernel(pid)` is called once the kernel runs, `on_cell(index, cell)`
    before each cell, `on_timeout(index)` after a cell timed out. After the last cell, `more_cells()` may
    return cells to append and run in the same kernel (it is called again until it returns none).
    `kernels` starts the kernel another way (the grader's sandbox), in the folder `sockets` for its
    local sockets, with `start` passed to the kernel's launch (its ``env``, ``stdout``, ``stderr``).
    """
    # Local sockets in a private folder: no TCP port open to other users, no "unencrypted TCP" warning.
    own = tempfile.TemporaryDirectory(prefix="course-kernel-") if sockets is None else None
    folder = own.name if own is not None else str(sockets)
    km = AsyncKernelManager(
        kernel_name="python3",
        kernel_spec_manager=kernels or _ThisPython(),
        transport="ipc",
        ip=os.path.join(folder, "kernel"),
        connection_file=os.path.join(folder, "kernel.json"),
    )
    timed_out: list[int] = []

    def whole_seconds(cell):
        return max(1, math.ceil(timeout_for(cell) if timeout_for else cell_timeout))  # nbclient wants whole seconds

    def notebook_started(notebook):
        if on_kernel is not None:
            on_kernel(getattr(km.provisioner, "pid", None))

    def cell_started(cell, cell_index):
        if on_cell is not None:
            on_cell(cell_index, cell)

    def cell_finished(cell, cell_index, execute_reply):
        if (execute_reply or {}).get("content", {}).get("ename") == TIMEOUT_ERROR:
            timed_out.append(cell_index)
            if on_timeout is not None:
                on_timeout(cell_index)

    client = client_class(
        nb,
        km=km,
        timeout_func=whole_seconds,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ERROR, "evalue": "the cell did not finish in time", "traceback": []},
        allow_errors=allow_errors,
        record_timing=False,
        store_widget_state=True,  # nbclient 0.11 crashes on Output widgets without it; dropped by tidy
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}},
        on_notebook_start=notebook_started,
        on_cell_execute=cell_started,
        on_cell_executed=cell_finished,
    )

    async def run_all() -> None:
        client.reset_execution_trackers()
        # nbclient keeps kernels of managers it did not make: cleanup_kc shuts this one down
        async with client.async_setup_kernel(cleanup_kc=True, **{"env": kernel_env(), **(start or {})}):
            assert client.kc is not None
            info = await client.async_wait_for_reply(await ensure_async(client.kc.kernel_info()))
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            index = 0
            while True:
                for index in range(index, len(nb.cells)):  # noqa: B020 - resumes where the last batch ended
                    await client.async_execute_cell(
                        nb.cells[index], index, execution_count=client.code_cells_executed + 1
                    )
                index = len(nb.cells)
                extra = more_cells() if more_cells is not None else []
                if not extra:
                    break
                nb.cells.extend(extra)

    with own if own is not None else contextlib.nullcontext():
        run_sync(run_all)()
    tidy(nb)
    return timed_out


def execute_cells(
    nb: nbformat.NotebookNode, cwd: str | Path, cell_timeout: float = AUTHOR_CELL_TIMEOUT, label: str = "notebook"
) -> nbformat.NotebookNode:
    """Strip `nb`'s outputs and execute it in place with the kernel in `cwd`; return it.

    Raises `NotebookExecutionError` naming the cell (``label: cell N``) that failed and why.
    """
    strip_outputs(nb)
    current = {"index": 0}

    def where(index):
        return f"{label}: cell {index + 1} ({first_line(nb.cells[index])!r})"

    try:
        timed_out = run_notebook(nb, cwd, cell_timeout, on_cell=lambda index, cell: current.update(index=index))
    except CellExecutionError as exc:
        if exc.ename == TIMEOUT_ERROR:
            late = f"{where(current['index'])} did not finish within {cell_timeout:g} s"
            raise NotebookExecutionError(late) from None
        raise NotebookExecutionError(
            f"{where(current['index'])} raised {exc.ename}: {exc.evalue} "
            "(tag the cell raises-exception if that is intended)"
        ) from None
    except (CellTimeoutError, DeadKernelError) as exc:
        raise NotebookExecutionError(f"{where(current['index'])} failed: {exc}") from None
    if timed_out:  # a cell tagged raises-exception may time out without stopping the run
        raise NotebookExecutionError(f"{where(timed_out[0])} did not finish within {cell_timeout:g} s")
    return nb


def execute_notebook(path: str | Path, cell_timeout: float = AUTHOR_CELL_TIMEOUT) -> None:
    """Execute the notebook at `path` in place (kernel in its folder); on failure leave the file untouched.

    Raises `NotebookExecutionError` naming the cell that failed and why.
    """
    path = Path(path)
    nb = execute_cells(read_notebook(path), path.parent.resolve(), cell_timeout, label=str(path))
    write_notebook(nb, path)
