"""The question registry: what a check is, how a question registers its checks, and where answers are kept.

A *question* has an id such as ``"gateway.token_bucket"``; the text before the first dot is its
*domain*, and the questions of a domain live in ``course/checks/<domain>.py``, imported on demand.
A question is a function that receives the learner's answer and yields `Check` objects; each
check is a hint for the learner plus a ``run`` callable that returns True when the answer behaves.

Taught in exercises/01_api_gateway.ipynb (every exercise uses it).

>>> @question("demo.double", title="Double a number")
... def double(f):
...     yield Check(hint="double(2) should be 4", run=lambda: f(2) == 4)
>>> lookup("demo.double").title
'Double a number'
>>> [c.hint for c in lookup("demo.double").checks(lambda x: 2 * x)]
['double(2) should be 4']
>>> forget("demo.double")
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from course.sim import stream

__all__ = [
    "ANSWERS",
    "DEFAULT_CHECK_TIMEOUT",
    "Check",
    "Question",
    "QuestionDefinitionError",
    "UnknownQuestionError",
    "domain_of",
    "forget",
    "hidden_questions",
    "known_domains",
    "lookup",
    "question",
    "registering_hidden",
    "similar_ids",
]

DEFAULT_CHECK_TIMEOUT = 2.0  # seconds one check may run before it counts as an infinite loop

# Modules of course/checks that are machinery, not domains of questions.
_MACHINERY = frozenset({"registry", "feedback", "hidden", "timelimit"})

_VISIBLE: dict[str, Question] = {}
_HIDDEN: dict[str, dict[str, Question]] = {}  # question id -> {function's qualified name: question}
_hidden_mode = False

ANSWERS: dict[str, Any] = {}  # question id -> the learner's answer from their last check(...) call


@dataclass(frozen=True)
class Check:
    """One behaviour check: it passes when ``run()`` returns True; False or an exception fails it.

    `hint` is what the learner reads when this is the first check that fails, so write it for them:
    "the 4th request in the same second should be refused". `timeout` is in seconds.

    >>> Check(hint="1 + 1 is 2", run=lambda: 1 + 1 == 2).run()
    True
    >>> Check(hint="", run=lambda: True)
    Traceback (most recent call last):
    ...
    ValueError: a check needs a hint a learner can act on, e.g. hint="the 4th request should be refused"
    """

    hint: str
    run: Callable[[], Any]
    timeout: float = DEFAULT_CHECK_TIMEOUT

    def __post_init__(self):
        if not isinstance(self.hint, str) or not self.hint.strip():
            raise ValueError('a check needs a hint a learner can act on, e.g. hint="the 4th request should be refused"')
        if not callable(self.run):
            raise TypeError(f"run must be a function of no arguments (got {self.run!r}), e.g. run=lambda: f(2) == 4")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)) or not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds (got {self.timeout!r}), e.g. timeout=2")


@dataclass(frozen=True)
class Question:
    """A registered question: its id, a title, whether it is hidden, and the function that yields its checks."""

    id: str
    title: str
    build: Callable[..., Any] = field(repr=False)
    hidden: bool = False

    @property
    def domain(self) -> str:
        return domain_of(self.id)

    @property
    def source_file(self) -> str | None:
        """The file that defines the question (to tell a broken check from a learner's error)."""
        try:
            return inspect.getsourcefile(self.build)
        except TypeError:
            return None

    def checks(self, answer: Any, seed: int = 0) -> list[Check]:
        """The checks for `answer`; a question taking a second parameter ``rng`` gets a seeded stream."""
        params = inspect.signature(self.build).parameters
        kwargs = {}
        if "rng" in params:
            kwargs["rng"] = stream(seed, ("hidden:" if self.hidden else "") + self.id)
        made = self.build(answer, **kwargs)
        checks = [made] if isinstance(made, Check) else list(made or ())
        for item in checks:
            if not isinstance(item, Check):
                raise QuestionDefinitionError(
                    f"question {self.id!r} yielded {item!r}: a question must yield Check(hint=..., run=...)"
                )
        return checks


class QuestionDefinitionError(TypeError):
    """A question module broke the rules (it yielded something other than a `Check`): the author's bug."""


class UnknownQuestionError(LookupError):
    """Raised by `lookup` for an id that no domain module registers; its message lists similar ids."""


def domain_of(question_id: str) -> str:
    """The domain of a question id: the text before the first dot.

    >>> domain_of("gateway.token_bucket")
    'gateway'
    """
    return question_id.split(".", 1)[0]


def _validate_id(question_id: str) -> None:
    if not isinstance(question_id, str) or "." not in question_id or question_id.strip() != question_id:
        raise ValueError(
            f"a question id is '<domain>.<name>' (got {question_id!r}), e.g. 'gateway.token_bucket', "
            "whose questions live in course/checks/gateway.py"
        )


def question(question_id: str, *, title: str | None = None, hidden: bool = False) -> Callable:
    """Register the decorated function as the question `question_id`; it receives the answer and yields checks.

    ``hidden=True`` registers extra checks an instructor keeps out of the learner's copy; the grader
    runs them after the visible ones (see `course.checks.hidden`). Registering an id again replaces it.
    """
    _validate_id(question_id)

    def register(build: Callable) -> Callable:
        if not callable(build):
            raise TypeError(f"@question({question_id!r}) decorates a function that yields checks (got {build!r})")
        is_hidden = hidden or _hidden_mode
        q = Question(id=question_id, title=title or question_id, build=build, hidden=is_hidden)
        if is_hidden:
            _HIDDEN.setdefault(question_id, {})[f"{build.__module__}.{build.__qualname__}"] = q
        else:
            _VISIBLE[question_id] = q
        return build

    return register


@contextmanager
def registering_hidden() -> Iterator[None]:
    """Within this block every `question` registers as hidden, whatever its arguments say."""
    global _hidden_mode
    before, _hidden_mode = _hidden_mode, True
    try:
        yield
    finally:
        _hidden_mode = before


def forget(question_id: str) -> None:
    """Remove a question (visible and hidden) and its recorded answer; for tests and notebooks' clean-ups."""
    _VISIBLE.pop(question_id, None)
    _HIDDEN.pop(question_id, None)
    ANSWERS.pop(question_id, None)


def known_domains() -> list[str]:
    """Domains with a module in course/checks, plus domains registered from elsewhere (tests, notebooks)."""
    package = sys.modules[__package__]
    modules = {m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")} - _MACHINERY
    return sorted(modules | {q.domain for q in _VISIBLE.values()})


def _load_domain(domain: str) -> None:
    if domain in _MACHINERY or not domain.isidentifier() or domain.startswith("_"):
        return
    try:
        importlib.import_module(f"{__package__}.{domain}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.{domain}":
            raise


def lookup(question_id: str) -> Question:
    """The visible question `question_id`, importing ``course/checks/<domain>.py`` the first time."""
    if question_id not in _VISIBLE and isinstance(question_id, str):
        _load_domain(domain_of(question_id))
    if question_id in _VISIBLE:
        return _VISIBLE[question_id]
    close = similar_ids(question_id)
    if close:
        raise UnknownQuestionError(f"no question {question_id!r}; did you mean {' or '.join(map(repr, close))}?")
    raise UnknownQuestionError(
        f"no question {question_id!r}; question ids look like 'gateway.token_bucket' "
        f"(known domains: {', '.join(known_domains()) or 'none yet'})"
    )


def hidden_questions(question_id: str) -> list[Question]:
    """The hidden questions registered for `question_id` (empty unless an instructor's folder was loaded)."""
    return list(_HIDDEN.get(question_id, {}).values())


def similar_ids(question_id: Any, n: int = 3) -> list[str]:
    """Registered ids that look like `question_id` (loading every domain module to find them)."""
    for domain in known_domains():
        try:
            _load_domain(domain)
        except Exception:  # a broken domain module must not hide the suggestions of the others
            continue
    return difflib.get_close_matches(str(question_id), sorted(_VISIBLE), n=n, cutoff=0.8)
