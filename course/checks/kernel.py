"""The grading kernel's ``course.checks``: ``check`` records the answer, and the grader asks it questions later.

When the grader runs a learner's notebook, its kernel gets this module as ``course.checks``
(the real package, with the questions and their expected values, is not there to import). The
notebook's ``check("<question id>", answer)`` only records the answer. After the last cell the
grader calls `answer` once per question with the inputs it drew; the answer's plain results go
back as display data, and the grader judges them in its own process. Nothing printed here is
trusted: a kernel that lies only changes what it answered.

Taught in the README's section for instructors.

>>> check("demo.add", lambda a, b: a + b)
… demo.add: answer recorded (the grader checks it outside this notebook)
>>> from course.checks.asks import call
>>> answer_records("demo.add", json.dumps([{"ask": call(2, 3).to_json(), "timeout": 1}]))
[{'value': 5}]
>>> answer_records("demo.other", "[]")
{'missing': "check('demo.other', ...) never recorded an answer"}
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from typing import Any

from .asks import Ask, Rng, attribute, call, calls, drive, method, probe
from .probes import answer_all

__all__ = [
    "ANSWERS",
    "MIME",
    "Ask",
    "Check",
    "Rng",
    "answer",
    "answer_records",
    "attribute",
    "call",
    "calls",
    "check",
    "close",
    "drive",
    "method",
    "probe",
    "question",
    "raises",
]

MIME = "application/vnd.course.answers+json"  # the display data type that carries a question's records
ANSWERS: dict[str, Any] = {}  # question id -> the answer of the last check(...) call
_MISSING = object()


def check(question_id: str, answer: Any = _MISSING) -> None:
    """Record `answer` for question `question_id` (the grader checks it later) and say so in one line."""
    if answer is _MISSING:
        print(f"? {question_id}: pass your answer too, e.g. check({question_id!r}, your_function)")
        return
    ANSWERS[str(question_id)] = answer
    print(f"… {question_id}: answer recorded (the grader checks it outside this notebook)")


def answer_records(question_id: str, payload: str) -> Any:
    """The records of the recorded answer for each ask in `payload` (JSON), the learner's prints discarded."""
    if question_id not in ANSWERS:
        return {"missing": f"check({question_id!r}, ...) never recorded an answer"}
    items = json.loads(payload)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return answer_all(ANSWERS[question_id], items)


def answer(question_id: str, payload: str) -> None:
    """Display the records for the grader (what its probe cell calls)."""
    from IPython.display import display

    display({MIME: {"question": question_id, "records": answer_records(question_id, payload)}}, raw=True)


def question(*args: Any, **kwargs: Any) -> Callable:
    """Inert here: questions are registered and run by the grader, not in the grading kernel."""
    return lambda build: build


class Check:
    """Inert here, so a module of questions a notebook imports for feedback still imports."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass


def raises(name: str) -> None:
    """Inert here (see `course.checks.verdict.raises`)."""


def close(*args: Any, **kwargs: Any) -> None:
    """Inert here (see `course.checks.verdict.close`)."""
