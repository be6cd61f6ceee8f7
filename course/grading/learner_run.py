"""A learner's run: the notebook's private copy, the worker that runs it, and what its time and resource limits did.

The grader reads a learner's notebook only as a regular file (never through a link, never past its
size limit) and copies the regular files next to it into a fresh folder; it then starts
``python -m course.grading.worker`` in a session of its own and kills that whole process group, and
the kernel's, when the notebook's overall time limit passes (or the instructor presses Ctrl-C). The
sentences here say what a limit did, naming the cell to blame: a cell that ran past its limit and
ignored the interrupt, a run stopped at the overall limit, an error that a memory or process limit
most likely caused. Taught in the README's section for instructors.

>>> _cell({"names": {"2": "def add(a, b):"}}, 2), _cell({}, None)
('cell 3 ("def add(a, b):")', "the kernel's start")
>>> _limit_hint("MemoryError", Limits(memory_mb=512))
'MemoryError (the limit is 512 MB per process)'
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat

from .execute import NotebookFormatError, first_line
from .sandbox import Limits

__all__ = ["COPY_FILES", "COPY_LIMIT"]

COPY_LIMIT = 50 * 2**20  # bytes of files next to a notebook copied for it; beyond that none are
COPY_FILES = 2000  # files next to a notebook copied for it; beyond that none are
_SKIP = {"__pycache__", "node_modules", "venv"}
_COURSE_ROOT = Path(__file__).resolve().parents[2]


# ---- the learner's files ------------------------------------------------------------------------------------


def _read_regular(path: Path, limit: int) -> str:
    """The text of the regular file at `path`, never following a link and never reading more than `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotebookFormatError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise NotebookFormatError(
                f"{path.name} is {info.st_size / 2**20:.0f} MB; notebooks over {limit >> 20} MB are not graded"
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookFormatError(f"{path.name} is not UTF-8 text, so not a notebook") from None


def _copy_folder(source: Path, target: Path) -> str | None:
    """Copy the regular files next to a notebook (not notebooks, links, hidden or cache folders); a note if not."""

    def skipped(name: str) -> bool:
        return name.startswith(".") or name in _SKIP or name.endswith(".ipynb")

    files: list[Path] = []
    links = 0
    for folder, dirs, names in os.walk(source):  # never follows a link to a folder
        dirs[:] = sorted(d for d in dirs if not skipped(d) and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(names):
            path = Path(folder) / name
            if skipped(name):
                continue
            if path.is_symlink() or not path.is_file():
                links += 1
                continue
            files.append(path)
    target.mkdir(parents=True)
    size = sum(p.lstat().st_size for p in files)
    if size > COPY_LIMIT or len(files) > COPY_FILES:
        return (
            f"the files next to the notebook ({len(files)} files, {size / 2**20:.0f} MB) were not copied "
            f"(at most {COPY_FILES} files and {COPY_LIMIT >> 20} MB): relative paths will fail"
        )
    for path in files:
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as src, open(copy, "wb") as dst:
            shutil.copyfileobj(src, dst)
    if links:
        return f"{links} link(s) or special file(s) next to the notebook were not copied: only regular files are"
    return None


# ---- running the worker -------------------------------------------------------------------------------------


def _kill_group(pgid: int | None, must_lead: bool = False) -> None:
    if not pgid:
        return
    try:
        if must_lead and os.getpgid(pgid) != pgid:  # the pid was reused by an unrelated process
            return
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _run_worker(job: dict[str, Any], folder: Path, timeout: float) -> bool:
    """Run the worker on `job`; True when it was killed at the time limit."""
    job_path = folder / "job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_COURSE_ROOT), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "course.grading.worker", str(job_path)]
    with open(folder / "worker.log", "wb") as log:
        proc = subprocess.Popen(
            command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        killed = True
        try:
            proc.wait(timeout=timeout)
            killed = False
        except subprocess.TimeoutExpired:
            pass
        finally:  # also when the instructor presses Ctrl-C: the worker's session would not get it
            if killed:
                _kill_group(proc.pid)
            _kill_group((_read_json(Path(job["progress"])) or {}).get("kernel_pid"), must_lead=True)
            proc.wait()
    return killed


# ---- what the limits did ------------------------------------------------------------------------------------


def _cell(result: dict, index: int | None) -> str:
    if index is None:
        return "the kernel's start"
    name = (result.get("names") or {}).get(str(index), "")
    return f'cell {index + 1} ("{name}")' if name else f"cell {index + 1}"


def _ignored(result: dict, index: int | None, cell_timeout: float) -> str:
    return (
        f"{_cell(result, index)} ran past the {cell_timeout:g} s limit and did not stop when interrupted "
        "(does it catch KeyboardInterrupt or BaseException?), so the cells after it could not run"
    )


def _killed_problem(learner: nbformat.NotebookNode, progress: dict, timeout: float, cell_timeout: float) -> str:
    running, since = progress.get("cell"), progress.get("since")
    reason = f"the notebook did not finish within {timeout:g} s and was stopped"
    if running is None:
        return f"{reason} before its first cell ran"
    names = {"names": {str(i): first_line(c) for i, c in enumerate(learner.cells)}}
    if running < len(learner.cells):
        over = since is not None and time.time() - since >= cell_timeout
        unresponsive = progress.get("unresponsive", [])
        culprit = running if over else (unresponsive[-1] if unresponsive else None)
        if culprit is not None:
            return f"{reason}: {_ignored(names, culprit, cell_timeout)}"
        return f"{reason} while {_cell(names, running)} was running"
    return f"{reason} while the grader was asking for the answers"


def _limit_hint(error: str, limits: Limits) -> str:
    """The error, with the resource limit that most likely caused it."""
    if error.startswith("MemoryError"):
        return f"{error} (the limit is {limits.memory_mb} MB per process)"
    if "can't start new thread" in error or "Resource temporarily unavailable" in error:
        return f"{error} (the limit is {limits.processes} processes and threads)"
    return error
