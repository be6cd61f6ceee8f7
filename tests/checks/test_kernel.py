"""The grading kernel's edition of course.checks: it records answers and runs asks, and holds no expected value."""

import json
import os
import subprocess
import sys

from course.checks.asks import call
from course.checks.kernel import MIME, answer_records
from course.grading.sandbox import _course_view, kernel_checks


def test_the_kernels_checks_hold_the_givens_and_the_probes_but_no_question(tmp_path):
    folder = kernel_checks(tmp_path / "checks")
    assert sorted(p.name for p in folder.iterdir()) == [
        "__init__.py", "asks.py", "balancing.py", "givens.py", "plain.py", "probes.py", "timelimit.py",
    ]  # fmt: skip
    text = "".join(p.read_text() for p in folder.iterdir())
    for reference in ("ConsistentHashRing", "ReferenceQueue", "workers_needed", "def judge", "expect="):
        assert reference not in text


def test_a_notebook_in_the_grading_kernel_records_and_answers_but_cannot_reach_the_questions(tmp_path):
    view = _course_view(tmp_path / "view", kernel_checks(tmp_path / "checks"))
    asks = json.dumps(json.dumps([{"ask": call(2, 3).to_json(), "timeout": 1}]))
    code = (
        "import json\n"
        "from course.checks import check\n"
        "from course.checks.balancing import pool_scenario, detection_scenario\n"
        "check('demo.add', lambda a, b: a + b)\n"
        "import course.checks as c\n"
        f"print(json.dumps(c.answer_records('demo.add', {asks})))\n"
        "for name in ('gateway', 'registry', 'remote', 'verdict', 'hidden'):\n"
        "    try:\n"
        "        __import__(f'course.checks.{name}')\n"
        "        print('imported', name)\n"
        "    except ImportError:\n"
        "        pass\n"
    )
    env = {**os.environ, "PYTHONPATH": str(view)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "… demo.add: answer recorded (the grader checks it outside this notebook)",
        '[{"value": 5}]',
    ]


def test_answers_come_back_as_display_data_and_an_unrecorded_question_says_so():
    assert answer_records("fixture.none", "[]") == {"missing": "check('fixture.none', ...) never recorded an answer"}
    assert MIME == "application/vnd.course.answers+json"
