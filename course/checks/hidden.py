"""Hidden checks: an instructor's extra questions, run by the grader against the answers ``check`` recorded.

An instructor keeps a folder of modules outside the course (``hidden/gateway.py``) that register
more checks for the same question ids with ``@question("gateway.token_bucket", hidden=True)``.
After a learner's notebook has run, the grader calls `verify` in the same kernel: an answer
scores only if its visible checks pass again and every hidden check passes too.

Taught in the README's section for instructors.

>>> from course.checks.registry import ANSWERS, Check, question, forget
>>> @question("demo.inc")
... def inc(f):
...     yield Check(hint="inc(1) should be 2", run=lambda: f(1) == 2)
>>> @question("demo.inc", hidden=True)
... def inc_big(f):
...     yield Check(hint="inc(10**6) should be 10**6 + 1", run=lambda: f(10**6) == 10**6 + 1)
>>> ANSWERS["demo.inc"] = lambda x: 2 if x == 1 else 0
>>> verify(["demo.inc"])["demo.inc"]["reason"]
'a hidden check failed: inc(10**6) should be 10**6 + 1'
>>> forget("demo.inc")
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from .feedback import PASSED, evaluate
from .registry import ANSWERS, UnknownQuestionError, hidden_questions, lookup, registering_hidden

__all__ = ["HiddenChecksError", "load_hidden", "verify", "write_verification"]

_loaded: dict[str, list[str]] = {}  # folder -> module names already loaded from it


class HiddenChecksError(RuntimeError):
    """The instructor's folder of hidden checks is missing or one of its modules failed to import."""


def load_hidden(folder: str | Path) -> list[str]:
    """Import every ``*.py`` in `folder` (sorted by name), registering its questions as hidden; once per folder."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise HiddenChecksError(f"hidden checks folder {str(folder)!r} does not exist: pass the folder with --hidden")
    if str(folder) in _loaded:
        return _loaded[str(folder)]
    names = []
    for path in sorted(folder.glob("*.py")):
        name = f"course_hidden_{len(_loaded)}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            with registering_hidden():
                spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(name, None)
            raise HiddenChecksError(
                f"hidden checks in {path.name} failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        names.append(name)
    _loaded[str(folder)] = names
    return names


def _verify_one(question_id: str) -> dict[str, Any]:
    try:
        visible = lookup(question_id)
    except UnknownQuestionError:
        visible = None
    hidden = hidden_questions(question_id)
    if visible is None and not hidden:
        return {"status": "unregistered", "reason": "no checks registered: only the cell's output is compared"}
    if question_id not in ANSWERS:
        return {"status": "fail", "reason": f"check({question_id!r}, ...) never ran, so there is no answer to verify"}
    answer = ANSWERS[question_id]
    total = 0
    if visible is not None:
        result = evaluate(visible, answer)
        total += result.total
        if result.status != PASSED:
            return {"status": "fail", "reason": f"re-running its checks: {result.line}"}
    for q in hidden:
        result = evaluate(q, answer)
        total += result.total
        if result.status != PASSED:
            why = result.hint or result.status
            return {"status": "fail", "reason": f"a hidden check failed: {why}"}
    return {"status": "pass", "reason": "", "checks": total, "hidden": len(hidden)}


def verify(question_ids: list[str], hidden: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Re-run the visible and hidden checks of each question against its recorded answer.

    Each value has a ``status`` ("pass", "fail", "error" or "unregistered") and a ``reason``.
    """
    if hidden is not None:
        try:
            load_hidden(hidden)
        except HiddenChecksError as exc:
            return {qid: {"status": "error", "reason": str(exc)} for qid in question_ids}
    report = {}
    for qid in question_ids:
        try:
            report[qid] = _verify_one(qid)
        except Exception as exc:  # a broken question module: report it, keep verifying the others
            report[qid] = {"status": "error", "reason": f"verifying raised {type(exc).__name__}: {exc}"}
    return report


def write_verification(question_ids: list[str], hidden: str | None, path: str) -> None:
    """Run `verify` and write its report as JSON to `path` (what the grader's last cell does)."""
    report = verify(question_ids, hidden)
    Path(path).write_text(json.dumps(report, ensure_ascii=False, sort_keys=True), encoding="utf-8")
