"""Immediate feedback for exercises: ``check("gateway.token_bucket", token_bucket_allow)`` prints one line.

Questions live in one module per domain, ``course/checks/<domain>.py``, imported the first time a
learner checks one of its ids. A question receives the learner's answer and yields `Check` objects:

    from course.checks import Check, question

    @question("gateway.token_bucket", title="Token bucket: allow()")
    def token_bucket(allow):
        yield Check(hint="the 4th request in the same second should be refused",
                    run=lambda: [allow(0.0) for _ in range(4)] == [True, True, True, False])

Every check runs with a time limit (2 s unless the `Check` says otherwise); the learner's
exceptions become one-line hints. ``check`` records each answer so the grader can run an
instructor's hidden checks (`course.checks.hidden`) against it later in the same kernel.

>>> from course.checks import check
>>> check("nosuchdomain.question", 42)
? nosuchdomain.question: no question 'nosuchdomain.question'; ...
"""

from .feedback import RESULTS, CheckResult, check, evaluate, last_result, run_question
from .hidden import HiddenChecksError, load_hidden, verify
from .registry import ANSWERS, Check, Question, UnknownQuestionError, hidden_questions, lookup, question
from .timelimit import TimeLimitExceeded, call_with_limit

__all__ = [
    "ANSWERS",
    "RESULTS",
    "Check",
    "CheckResult",
    "HiddenChecksError",
    "Question",
    "TimeLimitExceeded",
    "UnknownQuestionError",
    "call_with_limit",
    "check",
    "evaluate",
    "hidden_questions",
    "last_result",
    "load_hidden",
    "lookup",
    "question",
    "run_question",
    "verify",
]
