"""A corpus of hostile submissions, one per way a learner tried to cheat the old grader: each scores 0 and says why.

Every notebook is the fixture solution with one cell replaced (the cell that defines ``add``, question
``demo.add``), so the other questions show what the sandbox let through. They are graded together, two
at a time, with an honest learner beside them whose files must come out untouched. The checks are drawn
with a seed other than 0, so the inputs a learner saw in their own feedback are not the graded ones.
"""

import hashlib
import os
import re
import time
from pathlib import Path

import pytest

from course.checks import load_questions, lookup
from course.grading import grade, isolation
from course.grading.sandbox import SANDBOX_UID_BASE

from .notebook_fixtures import ADD_CELL, FULL_MARKS, HIDDEN, MEAN_CELL, QUESTIONS, variant, write_learner

SEED = 987654
SECRET_ENV = "COURSE_HOSTILE_TEST_SECRET"
MARKER = "course-hostile-marker"

needs_sandbox = pytest.mark.skipif(
    isolation().mode != "namespaces", reason="this machine offers no namespaces: the grader says so in its report"
)


def hostile_cells(paths: dict[str, str]) -> dict[str, str]:
    """The replacement for the cell defining add, per cheat; `paths` are files outside the submission."""
    load_questions(QUESTIONS)
    table = {tuple(c.ask.args): c.expect for c in lookup("demo.add").checks(0)}  # what a learner's feedback used
    return {
        "tamper_checks": (
            "import course.checks as checks\n"
            "def add(a, b):\n    return -7\n"
            "def fake(question_id, payload):\n"
            "    from IPython.display import display\n"
            "    records = {'question': question_id, 'records': [{'value': True}] * 20}\n"
            "    display({'application/vnd.course.answers+json': records}, raw=True)\n"
            "checks.answer = fake\n"
            "for name in ('hidden', 'registry', 'feedback'):\n"
            "    try:\n"
            "        module = __import__(f'course.checks.{name}', fromlist=['x'])\n"
            "        module.verify = module.lookup = lambda *a, **k: {}\n"
            "    except ImportError:\n"
            "        pass\n"
        ),
        "rewrite_verification": (
            "import glob, json, os, time\n"
            "def add(a, b):\n    return -7\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        for _ in range(300):\n"
            "            for path in glob.glob('/tmp/**/*.json', recursive=True):\n"
            "                try:\n"
            "                    open(path, 'w').write(json.dumps({'status': 'ok', 'questions': {}}))\n"
            "                except OSError:\n"
            "                    pass\n"
            "            time.sleep(0.05)\n"
            "    os._exit(0)\n"
        ),
        "cheats_when_graded": (
            "import os, course.checks\n"
            "grading = not hasattr(course.checks, 'run_question') or os.path.exists('../job.json')\n"
            "def add(a, b):\n    return a * b\n"
            "if grading:  # every later check(...) records an answer that is always right, or so it hopes\n"
            "    check = lambda question_id, answer: course.checks.ANSWERS.update({question_id: lambda *a: True})\n"
        ),
        "runs_solution": (
            "import json\n"
            f"for cell in json.load(open({paths['solution']!r}))['cells']:\n"
            "    if cell['cell_type'] == 'code' and 'check(' not in ''.join(cell['source']):\n"
            "        exec(''.join(cell['source']))\n"
        ),
        "delegates_to_library": "from operator import add\n",
        "delegates_to_checks": (
            "def add(a, b):\n    from course.checks.verdict import judge  # the checks' own code\n    return a + b\n"
        ),
        "lookup_table": f"TABLE = {table!r}\ndef add(a, b):\n    return TABLE.get((a, b), 0)\n",
        "always_equal": (
            "class Anything(int):\n"
            "    def __eq__(self, other):\n        return True\n"
            "    __hash__ = int.__hash__\n"
            "def add(a, b):\n    return Anything()\n"
        ),
        "frame_inspection": (
            "import sys\n"
            "def add(a, b):\n"
            "    frame = sys._getframe(1)\n"
            "    while frame is not None:\n"
            "        for name, value in frame.f_locals.items():\n"
            "            if name in ('expect', 'expected', 'want') and type(value) is int:\n"
            "                return value\n"
            "        frame = frame.f_back\n"
            "    return -1\n"
        ),
        "snoops": (
            "import os, socket\n"
            "cmdlines = []\n"
            "for pid in os.listdir('/proc'):\n"
            "    try:\n"
            "        cmdlines.append(open(f'/proc/{pid}/cmdline', 'rb').read().decode(errors='replace'))\n"
            "    except OSError:\n"
            "        pass\n"
            "def readable(path):\n"
            "    try:\n        open(path).read()\n        return True\n"
            "    except OSError:\n        return False\n"
            "def online():\n"
            "    try:\n        socket.create_connection(('1.1.1.1', 53), timeout=2)\n        return True\n"
            "    except OSError:\n        return False\n"
            f"LOOT = [{SECRET_ENV!r} in os.environ, any('worker' in c or 'pytest' in c for c in cmdlines),\n"
            f"        readable({paths['hidden']!r}), readable({paths['victim']!r}), readable({paths['solution']!r}),\n"
            "        online()]\n"
            "def add(a, b):\n    return LOOT\n"
        ),
        "edits_others": (
            "import os\n"
            f"for path in [{paths['victim']!r}, {paths['solution']!r}, {paths['hidden']!r}, {paths['csv']!r}]:\n"
            "    for attempt in (lambda: open(path, 'a').write('pwned'), lambda: os.remove(path)):\n"
            "        try:\n            attempt()\n        except OSError:\n            pass\n"
            "def add(a, b):\n    return -7\n"
        ),
        "daemon_rewrites_csv": (
            "import os, time\n"
            "def add(a, b):\n    return -7\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        time.sleep(2)\n"
            "        for _ in range(200):\n"
            "            try:\n"
            f"                open({paths['csv']!r}, 'w').write('notebook,question,points\\nme,demo.add,1\\n')\n"
            "            except OSError:\n"
            "                pass\n"
            "            time.sleep(0.1)\n"
            "    os._exit(0)\n"
        ),
        "kills_grader": (
            "import os, signal\n"
            "for pid in [p for p in os.listdir('/proc') if p.isdigit()] + ['1', str(os.getppid())]:\n"
            "    if int(pid) != os.getpid():\n"
            "        try:\n            os.kill(int(pid), signal.SIGKILL)\n"
            "        except OSError:\n            pass\n"
            "def add(a, b):\n    return -7\n"
        ),
        "setsid_child": (
            "import os, subprocess, sys, time\n"
            f"subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
            f"code = 'import time; time.sleep(300)  # {MARKER}'\n"
            "subprocess.Popen([sys.executable, '-c', code], start_new_session=True)\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    time.sleep(300)\n"
            "    os._exit(0)\n"
            "def add(a, b):\n    return -7\n"
        ),
        "fork_bomb": (
            "import os, time\n"
            "try:\n"
            "    while True:\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(300)\n"
            "            os._exit(0)\n"
            "except OSError:\n"
            "    pass\n"
            "def add(a, b):\n    return a + b\n"
        ),
        "allocates_2gb": "block = bytearray(2 * 10**9)\ndef add(a, b):\n    return a + b\n",
        "crashes": "import ctypes\nctypes.string_at(0)\ndef add(a, b):\n    return a + b\n",
        "exits_when_asked": "import os\ndef add(a, b):\n    os._exit(0)\n",
        "swallows_when_asked": (
            "import time\n"
            "def add(a, b):\n"
            "    while True:\n"
            "        try:\n            time.sleep(0.05)\n"
            "        except BaseException:\n            pass\n"
        ),
    }


def _sandbox_processes() -> list[str]:
    """Processes on this machine that run as a sandbox's user, or carry the hostile marker.

    A kernel whose grading folder still exists belongs to a grading still running elsewhere on this
    machine (the grader deletes its folders when it is done), so it is not counted as left behind.
    """
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        uid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:")))
        if uid >= SANDBOX_UID_BASE or MARKER in cmdline:
            folder = re.search(r"/\S*course-grade-[^/\s]+", cmdline)
            if MARKER not in cmdline and folder is not None and Path(folder.group()).exists():
                continue  # another grading's live kernel
            found.append(f"{entry.name} uid {uid}: {cmdline[:80]}")
    return found


@pytest.fixture(scope="module")
def hostile(course_dirs, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    victim = write_learner(root, "victim", course_dirs.solution)
    csv_path = root / "grades.csv"
    csv_path.write_text("before grading\n")
    paths = {
        "solution": str(course_dirs.solutions / "demo.ipynb"),
        "hidden": str(HIDDEN / "demo.py"),
        "victim": str(victim),
        "csv": str(csv_path),
    }
    notebooks = {"victim": victim, "exercise": write_learner(root, "exercise", course_dirs.exercise)}
    for name, source in hostile_cells(paths).items():
        notebooks[name] = write_learner(root, name, variant(course_dirs.solution, **{f"c{ADD_CELL}": source}))
    mean = variant(
        course_dirs.solution, **{f"c{MEAN_CELL}": "import statistics\ndef mean(xs):\n    return statistics.fmean(xs)"}
    )
    notebooks["delegates_to_library"] = write_learner(
        root, "delegates_to_library", variant(mean, **{f"c{ADD_CELL}": "from operator import add\n"})
    )
    link = root / "symlinked" / "demo.ipynb"
    link.parent.mkdir()
    link.symlink_to(course_dirs.solutions / "demo.ipynb")
    notebooks["symlinked"] = link
    guarded = [victim, Path(paths["solution"]), Path(paths["hidden"])]
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in guarded}
    os.environ[SECRET_ENV] = "s3cr3t-value"
    try:
        started = time.monotonic()
        report = grade(
            list(notebooks.values()),
            course_dirs.solutions,
            HIDDEN,
            cell_timeout=10,
            timeout=150,
            jobs=2,
            questions=[QUESTIONS],
            seed=SEED,
        )
        seconds = time.monotonic() - started
    finally:
        os.environ.pop(SECRET_ENV, None)
    report.write_csv(csv_path)
    written = csv_path.read_text()
    time.sleep(4)  # a daemon left behind would have rewritten it by now
    return {
        "grades": dict(zip(notebooks, report.notebooks, strict=True)),
        "report": report,
        "seconds": seconds,
        "csv": (written, csv_path.read_text()),
        "files": (before, {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in guarded}),
        "processes": _sandbox_processes(),
    }


def add_row(hostile, name):
    row = next(q for q in hostile["grades"][name].questions if q.question == "demo.add")
    return row.points, row.status, row.reason


def test_the_honest_learner_scores_full_marks_and_the_untouched_exercise_zero(hostile):
    assert hostile["grades"]["victim"].points == FULL_MARKS and hostile["grades"]["victim"].ok
    assert hostile["grades"]["exercise"].points == 0


@pytest.mark.parametrize(
    "name, reason",
    [
        ("cheats_when_graded", "0 of 4 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned True)"),
        ("rewrite_verification", "0 of 4 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -7)"),
        (
            "delegates_to_library",
            "uses operator.add (cell 3), which demo.add puts off-limits: write that part yourself",
        ),
        (
            "delegates_to_checks",
            "uses course.checks.verdict.judge (cell 3), the checks' own reference code, which no answer may use",
        ),
        ("frame_inspection", "0 of 4 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -1)"),
        ("kills_grader", "0 of 4 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -7)"),
        ("setsid_child", "0 of 4 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -7)"),
        ("daemon_rewrites_csv", "0 of 4 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -7)"),
        ("edits_others", "0 of 4 checks passed; add(2, 3) should be 5 (input (2, 3); expected 5; returned -7)"),
    ],
)
def test_each_cheat_scores_zero_with_a_reason(hostile, name, reason):
    assert add_row(hostile, name) == (0, "fail", reason)


def test_replacing_the_kernels_check_machinery_only_changes_what_the_kernel_answered(hostile):
    grade_ = hostile["grades"]["tamper_checks"]
    assert grade_.points == 0  # every question got its fake answers, and every fake answer is wrong
    assert add_row(hostile, "tamper_checks")[2].endswith("(input (2, 3); expected 5; returned True)")


def test_the_shipped_solutions_are_not_there_to_run(hostile):
    points, status, reason = add_row(hostile, "runs_solution")
    assert (points, status) == (0, "fail")
    assert reason.startswith(
        "the check cell (cell 4) raised NameError: name 'add' is not defined, after cell 3 (\"import json\") "
        "raised FileNotFoundError: [Errno 2] No such file or directory"
    )


def test_a_symlinked_submission_is_refused(hostile):
    linked = hostile["grades"]["symlinked"]
    assert linked.error == "demo.ipynb is a symbolic link, not a notebook: hand in the notebook file itself"
    assert (linked.points, linked.max_points) == (0, FULL_MARKS)


def test_off_limits_library_code_scores_zero_even_when_correct(hostile):
    rows = {q.question: q.reason for q in hostile["grades"]["delegates_to_library"].questions}
    assert (
        rows["demo.mean"] == "uses statistics.fmean (cell 9), which demo.mean puts off-limits: write that part yourself"
    )


def test_a_lookup_table_of_the_visible_inputs_fails_the_fresh_ones(hostile):
    assert lookup("demo.add").checks(0)[1].ask.args != lookup("demo.add").checks(SEED)[1].ask.args
    points, status, reason = add_row(hostile, "lookup_table")
    assert (points, status) == (0, "fail") and reason.startswith("2 of 4 checks passed; add(")


def test_an_object_equal_to_everything_is_not_a_number(hostile):
    assert add_row(hostile, "always_equal") == (
        0,
        "fail",
        "0 of 4 checks passed; your code returned an Anything object; only None, True/False, numbers, text, and "
        "lists, tuples, sets and dicts of them can be checked (input (2, 3); expected 5)",
    )


@needs_sandbox
def test_the_kernel_sees_no_secret_no_grader_no_other_file_and_no_network(hostile):
    points, _, reason = add_row(hostile, "snoops")
    # [instructor's variable, grader's process, hidden checks, another submission, a solution, network]
    assert reason.endswith("returned [False, False, False, False, False, False])")
    assert points == 0 and "s3cr3t" not in hostile["report"].table()


@needs_sandbox
def test_other_files_are_untouched_and_the_report_outlives_any_daemon(hostile):
    before, after = hostile["files"]
    assert after == before
    written, later = hostile["csv"]
    assert later == written and "before grading" not in written
    assert hostile["grades"]["victim"].ok  # its notebook was neither edited nor deleted


@needs_sandbox
def test_no_process_of_any_notebook_outlives_its_grading(hostile):
    assert hostile["processes"] == []


def test_a_fork_bomb_a_2_gb_allocation_a_crash_and_an_exit_each_give_one_clear_row(hostile):
    _, status, reason = add_row(hostile, "fork_bomb")
    assert status == "fail" and "(the limit is 256 processes and threads)" in reason
    assert add_row(hostile, "allocates_2gb") == (
        0,
        "fail",
        'cell 3 ("block = bytearray(2 * 10**9)") raised MemoryError (the limit is 2048 MB per process), '
        "so add was never defined",
    )
    assert add_row(hostile, "crashes") == (
        0,
        "fail",
        'the kernel died while cell 3 ("import ctypes") was running (os._exit, a crash, or out of memory?)',
    )
    assert add_row(hostile, "exits_when_asked") == (
        0,
        "fail",
        "the kernel died while the grader asked the answers (the code exited or crashed)",
    )


def test_an_answer_that_hangs_when_asked_stops_only_its_own_notebook(hostile):
    assert add_row(hostile, "swallows_when_asked") == (
        0,
        "fail",
        "your answer did not finish when asked and ignored the interrupt (does it catch KeyboardInterrupt or "
        "BaseException?)",
    )
    rows = {q.question: q.reason for q in hostile["grades"]["swallows_when_asked"].questions}
    assert rows["demo.first_word"] == "the kernel was stuck in the answer to demo.add, so this one was never asked"


def test_the_corpus_is_graded_in_reasonable_time(hostile):
    assert hostile["seconds"] < 150  # about 30 s on an idle 2-core machine
    assert len(hostile["report"].notebooks) == len(hostile["grades"])  # the grader was never killed
