"""The grader's worker process: execute one learner notebook, then verify its answers in the same kernel.

The grader starts ``python -m course.grading.worker JOB.json`` in its own session and kills the
whole process group (and the kernel's, whose pid this worker reports) when the notebook's time
limit passes: nbclient's interrupt cannot stop a cell that swallows ``KeyboardInterrupt``.
Files the job names: the stripped notebook (read), and ``progress``, ``status``, ``output``
(the executed notebook) and ``verification`` (written by the last, appended cell).

Taught in the README's section for instructors.

>>> "write_verification(['gateway.route'], None," in verification_source(["gateway.route"], None, "/tmp/v.json")
True
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell

from .compare import error_of
from .execute import read_notebook, run_notebook, write_notebook

__all__ = ["GRADER_TAG", "main", "stuck_cell", "verification_source", "verification_timeout"]

GRADER_TAG = "course-grader"  # the tag of the cell the worker appends to verify the recorded answers


def verification_source(question_ids: list[str], hidden: str | None, path: str) -> str:
    """The code of the appended cell: re-run visible and hidden checks, write the verdicts to `path`."""
    return (
        "from course.checks.hidden import write_verification as __course_write_verification\n"
        f"__course_write_verification({question_ids!r}, {hidden!r}, {path!r})"
    )


def verification_timeout(cell_timeout: float, questions: int) -> float:
    """Seconds the verification cell may take: enough for every question's checks to time out twice."""
    return max(cell_timeout, 10 + 5 * questions)


def stuck_cell(nb, timed_out: list[int]) -> int | None:
    """The cell that stuck the kernel: the first of the timed-out cells that run without a break to the last.

    >>> cells = [{"cell_type": "code", "source": s} for s in ("a", "b", "", "c", "d")]
    >>> stuck_cell({"cells": cells}, [3, 4])
    3
    >>> stuck_cell({"cells": cells}, [1, 3, 4])  # the empty cell 2 never ran
    1
    """
    timed = set(timed_out)
    executed = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and c["source"].strip()]
    culprit = None
    for index in reversed(executed[: executed.index(max(timed_out)) + 1] if timed_out else []):
        if index not in timed:
            break
        culprit = index
    return culprit


def _write_json(path: str, data: dict[str, Any]) -> None:
    partial = f"{path}.partial"
    Path(partial).write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, path)  # the grader never reads a half-written file


def main(argv: list[str] | None = None) -> int:
    job_path = Path((argv or sys.argv[1:])[0])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    tempfile.tempdir = str(job_path.parent)  # the kernel's sockets too: the grader deletes the folder even after a kill
    nb = read_notebook(job["notebook"])
    learner_cells = len(nb.cells)
    source = verification_source(job["question_ids"], job["hidden"], job["verification"])
    nb.cells.append(new_code_cell(source, metadata={"tags": [GRADER_TAG]}))
    cell_timeout = float(job["cell_timeout"])
    grader_timeout = verification_timeout(cell_timeout, len(job["question_ids"]))

    def limit(cell):
        return grader_timeout if cell is not None and GRADER_TAG in cell.metadata.get("tags", []) else cell_timeout

    progress: dict[str, Any] = {"kernel_pid": None, "cell": None, "since": None, "unresponsive": []}

    def on_kernel(pid):
        progress["kernel_pid"] = pid
        _write_json(job["progress"], progress)

    def on_cell(index, cell):
        progress.update(cell=index, since=time.time())
        _write_json(job["progress"], progress)

    def on_timeout(index):  # a cell the interrupt did not stop has no KeyboardInterrupt among its outputs
        if not any(o.get("ename") == "KeyboardInterrupt" for o in nb.cells[index].outputs):
            progress["unresponsive"].append(index)
            _write_json(job["progress"], progress)

    status: dict[str, Any] = {"status": "ok"}
    try:
        timed_out = run_notebook(
            nb,
            job["cwd"],
            cell_timeout,
            allow_errors=True,
            timeout_for=limit,
            on_kernel=on_kernel,
            on_cell=on_cell,
            on_timeout=on_timeout,
        )
        status["timed_out"] = [i for i in timed_out if i < learner_cells]
        status["grader_error"] = error_of(nb.cells[learner_cells].outputs)
        if learner_cells in timed_out:  # even the grader's cell timed out: the kernel is stuck in a learner's cell
            start = stuck_cell(nb, timed_out)
            ignored = [i for i in progress["unresponsive"] if start is not None and i >= start]
            status = {"status": "stuck", "cell": ignored[0] if ignored else start}
    except DeadKernelError:
        status = {"status": "dead", "cell": progress["cell"]}
    except Exception as exc:  # the kernel could not start, or nbclient failed: the grader reports it
        status = {"status": "error", "cell": progress["cell"], "message": f"{type(exc).__name__}: {exc}"[:500]}
    del nb.cells[learner_cells:]
    write_notebook(nb, job["output"])
    _write_json(job["status"], status)
    return 0


if __name__ == "__main__":
    sys.exit(main())
