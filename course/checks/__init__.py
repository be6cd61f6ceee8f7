"""Immediate feedback for exercises: ``check("gateway.token_bucket", MyTokenBucket)`` prints one line.

Questions live in one module per domain, ``course/checks/<domain>.py``, imported the first time a
learner checks one of its ids. A question yields `Check` objects, each saying what to ask of the
answer (`call`, `drive`, `probe`) and what plain result to expect, never touching the answer itself:

    from course.checks import Check, call, question

    @question("demo.add", title="Add two numbers", off_limits=("operator.add",))
    def add(rng):
        a, b = rng.randint(10, 99), rng.randint(10, 99)
        yield Check(hint="add(2, 3) should be 5", ask=call(2, 3), expect=5)
        yield Check(hint=f"add({a}, {b}) should be {a + b}", ask=call(a, b), expect=a + b)

In a notebook every check runs here, on seed 0, with a time limit (2 s unless the `Check` says
otherwise); the learner's exceptions become one-line hints. The grader draws the checks with a
fresh seed, runs only the asks in the learner's sandboxed kernel, and judges the plain results in
its own process (`course.checks.remote`), adding an instructor's hidden checks (`course.checks.hidden`).

>>> from course.checks import check
>>> check("nosuchdomain.question", 42)
? nosuchdomain.question: no question 'nosuchdomain.question'; ...
"""

from .asks import Ask, Rng, attribute, call, calls, drive, method, probe
from .feedback import RESULTS, CheckResult, check, evaluate, last_result, run_question
from .hidden import HiddenChecksError, load_hidden, load_questions
from .registry import ANSWERS, Check, Question, UnknownQuestionError, hidden_questions, lookup, question
from .timelimit import TimeLimitExceeded, call_with_limit
from .verdict import close, raises

__all__ = [
    "ANSWERS",
    "RESULTS",
    "Ask",
    "Check",
    "CheckResult",
    "HiddenChecksError",
    "Question",
    "Rng",
    "TimeLimitExceeded",
    "UnknownQuestionError",
    "attribute",
    "call",
    "call_with_limit",
    "calls",
    "check",
    "close",
    "drive",
    "evaluate",
    "hidden_questions",
    "last_result",
    "load_hidden",
    "load_questions",
    "lookup",
    "method",
    "probe",
    "question",
    "raises",
    "run_question",
]
