"""The question registry: what a check is, how a question registers its checks, and where answers are kept.

A *question* has an id such as ``"gateway.token_bucket"``; the text before the first dot is its
*domain*, and the questions of a domain live in ``course/checks/<domain>.py``, imported on demand
(or in a folder named by the ``COURSE_QUESTIONS`` environment variable, for an instructor's own
questions). A question is a function of an optional seeded ``rng`` that yields `Check` objects. It
never sees the learner's answer: each check says what to ask of it (`course.checks.asks`) and what
the plain result should be, so the same check runs beside the answer in a notebook and, when
grading, with the answer in a sandboxed kernel and the verdict in the grader.

Taught in exercises/01_api_gateway.ipynb (every exercise uses it).

>>> from course.checks.asks import call
>>> @question("demo.double", title="Double a number")
... def double():
...     yield Check(hint="double(2) should be 4", ask=call(2), expect=4)
>>> lookup("demo.double").title
'Double a number'
>>> [c.hint for c in lookup("demo.double").checks()]
['double(2) should be 4']
>>> forget("demo.double")
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import os
import pkgutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.sim import stream

from .asks import Ask

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
    "load_module_file",
    "lookup",
    "question",
    "question_folders",
    "registering_hidden",
    "similar_ids",
]

DEFAULT_CHECK_TIMEOUT = 2.0  # seconds one check may run before it counts as an infinite loop

# Modules of course/checks that are machinery, not domains of questions.
_MACHINERY = frozenset(
    {"registry", "feedback", "hidden", "timelimit", "plain", "asks", "probes", "verdict", "remote", "kernel", "givens"}
)
QUESTIONS_ENV = "COURSE_QUESTIONS"  # folders (os.pathsep between them) of an instructor's own <domain>.py modules
_UNSET = object()

_VISIBLE: dict[str, Question] = {}
_HIDDEN: dict[str, dict[str, Question]] = {}  # question id -> {function's qualified name: question}
_hidden_mode = False

ANSWERS: dict[str, Any] = {}  # question id -> the learner's answer from their last check(...) call


@dataclass(frozen=True)
class Check:
    """One behaviour check: `ask` what the answer computes, and it passes when the plain result meets `expect`.

    `expect` is the plain value the result must equal (`course.checks.plain.same`), or a function of
    the result returning True when it is right (then `shows` says in words what was expected).
    `hint` is what the learner reads when this is the first check that fails, so write it for them:
    "the 4th request in the same second should be refused". `timeout` (seconds) bounds the answer's
    run and, separately, the expectation's. `reveal=False` keeps the expected value out of the
    learner's line (a prediction question would give its answer away); `hint_on` names exceptions
    that mean "wrong answer" here, so the learner reads this hint instead of the exception.

    >>> from course.checks.asks import call
    >>> Check(hint="1 + 1 is 2", ask=call(1, 1), expect=2).timeout
    2.0
    >>> Check(hint="", ask=call(), expect=1)
    Traceback (most recent call last):
    ...
    ValueError: a check needs a hint a learner can act on, e.g. hint="the 4th request should be refused"
    """

    hint: str
    ask: Ask
    expect: Any = _UNSET
    timeout: float = DEFAULT_CHECK_TIMEOUT
    shows: str | None = None
    reveal: bool = True
    hint_on: tuple[str, ...] = ()

    def __post_init__(self):
        if not isinstance(self.hint, str) or not self.hint.strip():
            raise ValueError('a check needs a hint a learner can act on, e.g. hint="the 4th request should be refused"')
        if not isinstance(self.ask, Ask):
            raise TypeError(
                f"ask must say what to compute from the answer (got {self.ask!r}), e.g. ask=call(2, 3) "
                "from course.checks.asks"
            )
        if self.expect is _UNSET:
            raise TypeError("a check needs expect=: the plain value the answer should give, or a function of it")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)) or not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds (got {self.timeout!r}), e.g. timeout=2")
        if isinstance(self.hint_on, str) or not all(isinstance(name, str) for name in self.hint_on):
            raise TypeError(f"hint_on must be a tuple of exception names (got {self.hint_on!r}), e.g. ('KeyError',)")


@dataclass(frozen=True)
class Question:
    """A registered question: its id, a title, whether it is hidden, what it puts off-limits, and its checks.

    `off_limits` names library code an answer must not use ("course.gateway.TokenBucket"; a name
    ending in ".*" covers a whole module): the grader gives such an answer 0 and says why.
    """

    id: str
    title: str
    build: Callable[..., Any] = field(repr=False)
    hidden: bool = False
    off_limits: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return domain_of(self.id)

    def checks(self, seed: int = 0) -> list[Check]:
        """The checks, drawn with `seed`; a question taking a parameter ``rng`` gets a seeded stream."""
        params = inspect.signature(self.build).parameters
        required = [n for n, p in params.items() if p.default is p.empty and n != "rng"]
        if required:
            raise QuestionDefinitionError(
                f"question {self.id!r} takes {', '.join(required)}: a question no longer receives the answer; "
                "take only rng and yield Check(hint=..., ask=call(...), expect=...)"
            )
        kwargs = {}
        if "rng" in params:
            kwargs["rng"] = stream(seed, ("hidden:" if self.hidden else "") + self.id)
        made = self.build(**kwargs)
        checks = [made] if isinstance(made, Check) else list(made or ())
        for item in checks:
            if not isinstance(item, Check):
                raise QuestionDefinitionError(
                    f"question {self.id!r} yielded {item!r}: a question must yield Check(hint=..., ask=..., expect=...)"
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


def question(
    question_id: str, *, title: str | None = None, hidden: bool = False, off_limits: tuple[str, ...] = ()
) -> Callable:
    """Register the decorated function as the question `question_id`; it yields the question's checks.

    ``hidden=True`` registers extra checks an instructor keeps out of the learner's copy; the grader
    runs them after the visible ones (see `course.checks.hidden`). Registering an id again replaces it.
    """
    _validate_id(question_id)
    if isinstance(off_limits, str) or not all(isinstance(name, str) and "." in name for name in off_limits):
        raise ValueError(
            f"off_limits must be a tuple of dotted names (got {off_limits!r}), e.g. ('course.gateway.TokenBucket',)"
        )

    def register(build: Callable) -> Callable:
        if not callable(build):
            raise TypeError(f"@question({question_id!r}) decorates a function that yields checks (got {build!r})")
        is_hidden = hidden or _hidden_mode
        q = Question(question_id, title or question_id, build, is_hidden, tuple(off_limits))
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


def question_folders() -> list[Path]:
    """The folders named by ``COURSE_QUESTIONS`` that exist (an instructor's own ``<domain>.py`` modules)."""
    return [Path(p) for p in os.environ.get(QUESTIONS_ENV, "").split(os.pathsep) if p and Path(p).is_dir()]


def known_domains() -> list[str]:
    """Domains with a module in course/checks or a ``COURSE_QUESTIONS`` folder, plus domains registered elsewhere."""
    package = sys.modules[__package__]
    modules = {m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")} - _MACHINERY
    extra = {p.stem for folder in question_folders() for p in folder.glob("*.py") if not p.stem.startswith("_")}
    return sorted(modules | extra | {q.domain for q in _VISIBLE.values()})


def load_module_file(path: Path, name: str, hidden: bool = False) -> Any:
    """Import the Python file at `path` as module `name` (its questions hidden when `hidden`); errors propagate."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        if hidden:
            with registering_hidden():
                spec.loader.exec_module(module)
        else:
            spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _load_domain(domain: str) -> None:
    if domain in _MACHINERY or not domain.isidentifier() or domain.startswith("_"):
        return
    try:
        importlib.import_module(f"{__package__}.{domain}")
        return
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.{domain}":
            raise
    for folder in question_folders():
        path = folder / f"{domain}.py"
        name = f"course_questions_{domain}"
        if path.is_file() and name not in sys.modules:
            load_module_file(path, name)
            return


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
