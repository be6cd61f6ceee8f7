"""Hidden checks: an instructor's extra questions, which the grader runs and a learner's kernel never sees.

An instructor keeps a folder of modules outside the course (``hidden/gateway.py``) that register
more checks for the same question ids with ``@question("gateway.token_bucket", hidden=True)``; the
grader loads them in its own process (``--hidden DIR``) and asks the learner's kernel for their
inputs after the visible ones. A folder of *visible* questions (``--questions DIR``, or the
``COURSE_QUESTIONS`` environment variable in a notebook) adds an instructor's own domains.

Taught in the README's section for instructors.

>>> import pathlib, tempfile
>>> from course.checks.registry import forget, hidden_questions
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "demo.py").write_text(
...     "from course.checks import Check, question, call\\n"
...     "@question('demo.inc', hidden=True)\\n"
...     "def inc():\\n"
...     "    yield Check(hint='inc(10**6) should be 10**6 + 1', ask=call(10**6), expect=10**6 + 1)\\n")
>>> [name.rsplit("_", 1)[-1] for name in load_hidden(folder)]
['demo']
>>> [q.hidden for q in hidden_questions("demo.inc")]
[True]
>>> forget("demo.inc")
"""

from __future__ import annotations

from pathlib import Path

from .registry import load_module_file

__all__ = ["HiddenChecksError", "load_hidden", "load_questions"]

_loaded: dict[tuple[str, bool], list[str]] = {}  # (folder, hidden) -> module names already loaded from it


class HiddenChecksError(RuntimeError):
    """A folder of hidden (or extra) checks is missing, or one of its modules failed to import."""


def _load(folder: str | Path, hidden: bool) -> list[str]:
    folder = Path(folder).resolve()
    what = "hidden checks" if hidden else "questions"
    if not folder.is_dir():
        option = "--hidden" if hidden else "--questions"
        raise HiddenChecksError(f"the {what} folder {str(folder)!r} does not exist: pass a folder with {option}")
    key = (str(folder), hidden)
    if key in _loaded:
        return _loaded[key]
    names = []
    for path in sorted(folder.glob("*.py")):
        name = f"course_{'hidden' if hidden else 'questions'}_{len(_loaded)}_{path.stem}"
        try:
            load_module_file(path, name, hidden=hidden)
        except Exception as exc:
            text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise HiddenChecksError(f"{what} in {path.name} failed to load: {type(exc).__name__}: {text}") from exc
        names.append(name)
    _loaded[key] = names
    return names


def load_hidden(folder: str | Path) -> list[str]:
    """Import every ``*.py`` in `folder` (sorted by name), registering its questions as hidden; once per folder."""
    return _load(folder, hidden=True)


def load_questions(folder: str | Path) -> list[str]:
    """Import every ``*.py`` in `folder` (sorted by name), registering its questions as visible; once per folder."""
    return _load(folder, hidden=False)
