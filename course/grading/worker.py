"""The grader's worker: run one learner notebook in a sandboxed kernel, ask it for answers, judge them here.

The grader starts ``python -m course.grading.worker JOB.json`` in its own session and kills the whole
process group (and the kernel's, whose pid this worker reports) when the notebook's time limit passes.
The worker loads the questions (and any hidden checks) in its own process and draws their checks
with the run's seed, starts the kernel in the sandbox (`course.grading.sandbox`), runs the learner's
cells, then appends one probe cell per question that only asks the recorded answer for plain
results. It judges those results itself and writes everything the grader needs to ``result``, a
file the kernel cannot see. Nothing the kernel prints or writes is trusted as a verdict. An author
debugging the sandbox can send the kernel's own stdout and stderr to a file named by the environment
variable ``COURSE_GRADE_KERNEL_LOG`` (they are discarded otherwise).

Taught in the README's section for instructors.

>>> "course.checks.answer('gateway.route', '[]')" in probe_source("gateway.route", "[]")
True
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell

from .execute import first_line, read_notebook, run_notebook, tags
from .offlimits import off_limits_use
from .outputs import error_of
from .sandbox import SANDBOX_UID_BASE, Isolation, Limits, SandboxKernels, sandbox_spec, write_spec

__all__ = ["GRADER_TAG", "KERNEL_LOG", "MAX_OUTPUT", "PING_TIMEOUT", "main", "probe_source", "stuck_cell"]

GRADER_TAG = "course-grader"  # the tag of the cells the worker appends to ask for the answers
MAX_OUTPUT = 200_000  # characters of output kept per cell; the rest is dropped (a print loop cannot flood us)
PING_TIMEOUT = 10  # seconds a kernel may take to answer "pass" after a cell ignored its interrupt
KERNEL_LOG = "COURSE_GRADE_KERNEL_LOG"  # a file for the kernel's own stdout and stderr (else discarded)


def probe_source(question_id: str, payload: str) -> str:
    """The code of a probe cell: the kernel's ``course.checks.answer`` for one question and its asks."""
    return f"import course.checks\ncourse.checks.answer({question_id!r}, {payload!r})"


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


class GradingClient(NotebookClient):
    """nbclient with a cap on each cell's output, no widget state, and a stop once the kernel is stuck."""

    stuck_at: int | None = None
    timed_out_now = False

    def output(self, outs, msg, display_id, cell_index):
        sizes = self.__dict__.setdefault("_sizes", {})  # characters kept so far, per cell
        if sizes.get(cell_index, 0) > MAX_OUTPUT:
            return None
        sizes[cell_index] = sizes.get(cell_index, 0) + len(json.dumps(msg.get("content", {}), default=str))
        return super().output(outs, msg, display_id, cell_index)

    def handle_comm_msg(self, outs, msg, cell_index):
        return None  # widgets are not graded

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out_now = True
        return await super()._async_handle_timeout(timeout, cell)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if self.stuck_at is not None:
            return cell
        self.timed_out_now = False
        done = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        interrupted = any(o.get("ename") == "KeyboardInterrupt" for o in done.get("outputs", []))
        if self.timed_out_now and not interrupted and not await self._alive():
            self.stuck_at = cell_index
        return done

    async def _alive(self) -> bool:
        """Whether the kernel answers a trivial request within `PING_TIMEOUT` seconds."""
        kc: Any = self.kc  # an AsyncKernelClient: its get_shell_msg is a coroutine
        msg_id = kc.execute("pass", silent=True, store_history=False)
        deadline = time.monotonic() + PING_TIMEOUT
        while time.monotonic() < deadline:
            try:
                reply = await kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                return False
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return True
        return False


def _write_json(path: str | Path, data: dict[str, Any]) -> None:
    partial = f"{path}.partial"
    Path(partial).write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, path)  # the grader never reads a half-written file


def _load_questions(job: dict[str, Any]) -> str | None:
    """Load the instructor's extra and hidden question folders; a one-line problem, or None."""
    from course.checks.hidden import HiddenChecksError, load_hidden, load_questions

    try:
        for folder in job.get("questions") or []:
            load_questions(folder)
        if job.get("hidden"):
            load_hidden(job["hidden"])
    except HiddenChecksError as exc:
        return str(exc)
    return None


def _records(cell) -> Any:
    """The records the kernel displayed in a probe cell (the last such display), or None."""
    from course.checks.kernel import MIME

    found = None
    for out in cell.get("outputs", []):
        data = out.get("data", {}) if out.get("output_type") in ("display_data", "execute_result") else {}
        if isinstance(data.get(MIME), dict):
            found = data[MIME].get("records")
    return json.loads(json.dumps(found))  # plain dicts and lists again (nbformat wraps them in NotebookNode)


def _check_cell(nb, question_id: str) -> int | None:
    matches = [i for i, cell in enumerate(nb.cells) if f"check:{question_id}" in tags(cell)]
    return matches[-1] if matches else None


def main(argv: list[str] | None = None) -> int:
    from course.checks.remote import judge_records, payload, plan

    job_path = Path((argv or sys.argv[1:])[0])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    folder = job_path.parent
    tempfile.tempdir = str(folder)  # the kernel's sockets too: the grader deletes the folder even after a kill
    problem = _load_questions(job)
    ids: list[str] = job["question_ids"]
    pool = ThreadPoolExecutor(1)  # draw the checks (and their expected values) while the kernel starts
    plans_future = pool.submit(plan, ids, int(job["seed"]))
    nb = read_notebook(job["notebook"])
    learner = len(nb.cells)
    sources = [c.source if c.cell_type == "code" else "" for c in nb.cells]
    cell_timeout = float(job["cell_timeout"])
    iso, limits = Isolation(**job["isolation"]), Limits(**job["limits"])
    uid = SANDBOX_UID_BASE + os.getpid()
    work, run = folder / "work", folder / "run"
    run.mkdir(mode=0o700)
    if iso.own_uid:
        folder.chmod(0o711)  # the sandbox's user may pass through, never list
        os.chown(run, uid, uid)
    spec_path = write_spec(folder / "spec.json", sandbox_spec(folder, work, run, limits, iso, uid))
    env = json.loads(spec_path.read_text(encoding="utf-8"))["env"]

    progress: dict[str, Any] = {"kernel_pid": None, "cell": None, "since": None, "unresponsive": []}
    probes: dict[int, str] = {}  # cell index -> question id
    pending: list[str] = []
    started = {"probing": False}

    def on_kernel(pid):
        progress["kernel_pid"] = pid
        _write_json(job["progress"], progress)
        if iso.own_uid:  # the kernel has made its sockets: from now on it cannot add files to the folder
            os.chown(run, 0, 0)
            run.chmod(0o755)

    def on_cell(index, cell):
        progress.update(cell=index, since=time.time())
        _write_json(job["progress"], progress)

    def on_timeout(index):  # a cell the interrupt did not stop has no KeyboardInterrupt among its outputs
        if not any(o.get("ename") == "KeyboardInterrupt" for o in nb.cells[index].outputs):
            progress["unresponsive"].append(index)
            _write_json(job["progress"], progress)

    def limit(cell) -> float:
        qid = cell.metadata.get("course-question") if GRADER_TAG in cell.metadata.get("tags", []) else None
        return plans_future.result()[qid].budget if qid else cell_timeout

    def more_cells() -> list:
        if problem is not None or client_box["client"].stuck_at is not None:
            return []
        plans = plans_future.result()
        if not started["probing"]:
            started["probing"] = True
            pending.extend(q for q in ids if plans[q].checks and not plans[q].problem)
        if not pending:
            return []
        qid = pending.pop(0)
        cell = new_code_cell(probe_source(qid, payload(plans[qid])))
        cell.metadata.update({"tags": [GRADER_TAG], "course-question": qid})
        probes[len(nb.cells)] = qid
        return [cell]

    client_box: dict[str, Any] = {}

    class Client(GradingClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            client_box["client"] = self

    status: dict[str, Any] = {"status": "ok"}
    debug = os.environ.get(KERNEL_LOG)  # an author debugging the sandbox: the kernel's own output goes there
    sink = open(debug, "ab") if debug else subprocess.DEVNULL
    start = {"env": env, "stdout": sink, "stderr": sink}
    timed_out: list[int] = []
    try:
        timed_out = run_notebook(
            nb,
            work,
            cell_timeout,
            allow_errors=True,
            timeout_for=limit,
            on_kernel=on_kernel,
            on_cell=on_cell,
            on_timeout=on_timeout,
            more_cells=more_cells,
            kernels=SandboxKernels(spec_path, iso),
            sockets=run,
            start=start,
            client_class=Client,
        )
        stuck = client_box["client"].stuck_at
        if stuck is not None:
            status = {"status": "stuck", "cell": stuck, "question": probes.get(stuck)}
    except DeadKernelError:
        status = {"status": "dead", "cell": progress["cell"]}
    except Exception as exc:  # the kernel could not start, or nbclient failed: the grader reports it
        status = {"status": "error", "cell": progress["cell"], "message": f"{type(exc).__name__}: {exc}"[:300]}
    plans = plans_future.result()
    pool.shutdown()

    questions: dict[str, Any] = {}
    answered = {qid: index for index, qid in probes.items()}
    for qid in ids:
        entry: dict[str, Any] = {"check_cell": _check_cell(nb, qid), "problem": problem or plans[qid].problem}
        if entry["check_cell"] is not None:
            rules = plans[qid].off_limits
            entry["off_limits"] = off_limits_use(sources[:learner], entry["check_cell"], qid, rules)
        index = answered.get(qid)
        if index is not None and index < len(nb.cells):
            probe = nb.cells[index]
            records = _records(probe)
            if records is not None:
                entry["verdict"] = judge_records(plans[qid], records)
            elif index in timed_out:
                entry["no_reply"] = f"its answer did not reply within {plans[qid].budget:g} s"
            elif error_of(probe.get("outputs", [])):
                entry["no_reply"] = f"asking its answer raised {error_of(probe.outputs)}"
            else:
                entry["no_reply"] = "the kernel sent back no answer"
        questions[qid] = entry

    result = {
        **status,
        "learner_cells": learner,
        "timed_out": [i for i in timed_out if i < learner],
        "unresponsive": [i for i in progress["unresponsive"] if i < learner],
        "errors": {str(i): error_of(c.get("outputs", [])) for i, c in enumerate(nb.cells[:learner])},
        "names": {str(i): first_line(c) for i, c in enumerate(nb.cells[:learner])},
        "questions": questions,
    }
    _write_json(job["result"], result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
