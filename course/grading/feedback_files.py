"""A feedback file per learner: each question's points, why it lost them, and which lesson section to revise.

The file is Markdown (it reads as plain text too, and learning platforms render it): the learner's
total and percent, then per notebook a table of questions, then for every question that lost
points the grader's one-line reason (the hint of the first failing check, with its input, the
expected and the returned value) and the lesson section closest to it (`course.grading.catalog`).
Notebooks not handed in and notebooks that could not be graded say so. Nothing in it depends on
the time it was written, so grading the same work with the same seed gives the same file.

Taught in the README's section for instructors.

>>> from course.grading.gradebook import Gradebook
>>> book = Gradebook(catalog={"01.ipynb": {"questions": [{"id": "demo.add", "points": 1, "title": "1 · Add",
...     "revise": {"lesson": "lessons/01.ipynb", "section": "Adding"}}]}}, expected=["01.ipynb"])
>>> book.add("ada", "01.ipynb", {"error": None, "questions": [{"question": "demo.add", "points": 0,
...     "max_points": 1, "status": "fail", "reason": "add(2, 3) should be 5 (input (2, 3); expected 5; returned -1)"}]})
>>> text = feedback_markdown(book, "ada")
>>> text.splitlines()[0], "Revise *Adding* in lessons/01.ipynb." in text
('# Feedback for ada', True)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .report import number
from .roster import safe_name

if TYPE_CHECKING:
    from .gradebook import Gradebook

__all__ = ["feedback_markdown", "feedback_path"]

_MARK = {"pass": "✓", "fail": "✗", "timeout": "⏱", "error": "⚠", "missing": "·"}


def feedback_path(folder: Path, learner: str) -> Path:
    """Where `learner`'s feedback goes: ``feedback/<learner>.md`` under the gradebook's folder."""
    return Path(folder) / "feedback" / f"{safe_name(learner)}.md"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _revise(question: dict[str, Any]) -> str:
    revise = question.get("revise") or {}
    lesson, section = revise.get("lesson"), revise.get("section")
    if lesson and section:
        return f"Revise *{section}* in {lesson}."
    return f"Revise {lesson}." if lesson else ""


def _notebook(book: Gradebook, learner: str, solution: str) -> list[str]:
    entry = book.catalog.get(solution, {})
    questions = entry.get("questions", [])
    grade = book.learners[learner]["notebooks"].get(solution)
    rows = {q["question"]: q for q in (grade or {}).get("questions", [])}
    earned = sum(rows.get(q["id"], {}).get("points", 0) for q in questions)
    maximum = sum(q["points"] for q in questions)
    lines = [f"## {solution}: {number(earned)}/{maximum}", ""]
    if grade is None:
        return [*lines, f"Not handed in: no {solution} was found for you, so its questions score 0.", ""]
    if grade.get("error"):
        lines += [f"This notebook could not be graded: {_cell(grade['error'])}", ""]
    lines += ["| question | points | result |", "| --- | --- | --- |"]
    for q in questions:
        row = rows.get(q["id"], {"points": 0, "status": "missing", "reason": "not graded"})
        result = "passed" if row["status"] == "pass" else row["status"]
        lines.append(
            f"| {_cell(q.get('title') or q['id'])} (`{q['id']}`) | {number(row['points'])}/{q['points']} "
            f"| {_MARK.get(row['status'], '?')} {result} |"
        )
    lost = [(q, rows[q["id"]]) for q in questions if q["id"] in rows and rows[q["id"]]["status"] != "pass"]
    if lost:
        lines += ["", "### What to work on", ""]
        for q, row in lost:
            lines.append(f"- **{_cell(q.get('title') or q['id'])}** ({number(row['points'])}/{q['points']}): "
                         f"{_cell(row.get('reason') or row['status'])}. {_revise(q)}".rstrip())  # fmt: skip
    return [*lines, ""]


def feedback_markdown(book: Gradebook, learner: str) -> str:
    """The feedback file of `learner`, as Markdown."""
    row = book.row(learner)
    lines = [
        f"# Feedback for {learner}",
        "",
        f"**{number(row.total)} of {row.max_points} points ({number(row.percent)} %).**",
        "",
    ]
    lines += [f"- {_cell(note)}" for note in book.learners[learner]["notes"]]
    if book.learners[learner]["notes"]:
        lines.append("")
    for solution in book.expected:
        lines += _notebook(book, learner, solution)
    lines += [
        "Each ✗ names the first check your answer failed: its input, the value expected and the value your "
        "code returned. Fix that case first, run the notebook from the top "
        "(*Kernel → Restart Kernel and Run All Cells*), and check again.",
    ]
    return "\n".join(lines) + "\n"
