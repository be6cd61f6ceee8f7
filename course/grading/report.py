"""The grade report: one row per question, a total per notebook, as a table, JSON or CSV.

A question's ``status`` is "pass" (it earns its points), "fail" (the learner's answer or cell is
wrong, with the reason) or "error" (the notebook could not be graded: unreadable, no solution,
stopped after its time limit, a dead kernel). Points are whole numbers from the solution's tags.

Taught in the README's section for instructors.

>>> rows = [QuestionGrade("gateway.route", 1, 1, "pass"),
...         QuestionGrade("gateway.token_bucket", 0, 2, "fail", "the cell raised NameError: x")]
>>> nb = NotebookGrade("alice/01.ipynb", rows)
>>> (nb.points, nb.max_points, nb.ok)
(1, 3, False)
>>> print(GradeReport([nb]).table())
notebook        question              points  result
alice/01.ipynb  gateway.route         1/1     pass
alice/01.ipynb  gateway.token_bucket  0/2     fail: the cell raised NameError: x
alice/01.ipynb  total                 1/3
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["CSV_FIELDS", "GradeReport", "NotebookGrade", "QuestionGrade"]

CSV_FIELDS = ["notebook", "question", "points", "max_points", "status", "reason"]
NOTEBOOK_ROW = "(notebook)"  # the question column of a row about the whole notebook (no solution to grade against)


@dataclass(frozen=True)
class QuestionGrade:
    """One question of one notebook: points earned out of `max_points`, a status, and why when it is not a pass."""

    question: str
    points: int
    max_points: int
    status: str
    reason: str = ""

    @property
    def result(self) -> str:
        return f"{self.status}: {self.reason}" if self.reason else self.status


@dataclass
class NotebookGrade:
    """Every question of one learner notebook; `error` is set when the notebook as a whole could not be graded."""

    notebook: str
    questions: list[QuestionGrade] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    @property
    def points(self) -> int:
        return sum(q.points for q in self.questions)

    @property
    def max_points(self) -> int:
        return sum(q.max_points for q in self.questions)

    @property
    def ok(self) -> bool:
        """True when nothing went wrong and every question earned all its points."""
        return self.error is None and bool(self.questions) and all(q.status == "pass" for q in self.questions)

    def rows(self) -> list[QuestionGrade]:
        """The questions, or one row about the notebook itself when there are none to grade."""
        if self.questions:
            return list(self.questions)
        return [QuestionGrade(NOTEBOOK_ROW, 0, 0, "error", self.error or "no questions to grade")]


@dataclass
class GradeReport:
    """The grades of every notebook passed to the grader, in the order given."""

    notebooks: list[NotebookGrade]

    @property
    def ok(self) -> bool:
        return bool(self.notebooks) and all(nb.ok for nb in self.notebooks)

    def table(self) -> str:
        """A plain-text table: one row per question, then a total row per notebook."""
        rows = [("notebook", "question", "points", "result")]
        for nb in self.notebooks:
            rows += [(nb.notebook, q.question, f"{q.points}/{q.max_points}", q.result) for q in nb.rows()]
            rows.append((nb.notebook, "total", f"{nb.points}/{nb.max_points}", ""))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3]
            for row in rows
        ]
        notes = [f"note: {nb.notebook}: {nb.note}" for nb in self.notebooks if nb.note]
        return "\n".join(line.rstrip() for line in lines + notes)

    def to_dict(self) -> dict:
        return {
            "points": sum(nb.points for nb in self.notebooks),
            "max_points": sum(nb.max_points for nb in self.notebooks),
            "ok": self.ok,
            "notebooks": [
                {
                    "notebook": nb.notebook,
                    "points": nb.points,
                    "max_points": nb.max_points,
                    "ok": nb.ok,
                    "error": nb.error,
                    "note": nb.note,
                    "questions": [asdict(q) for q in nb.rows()],
                }
                for nb in self.notebooks
            ],
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def csv_text(self) -> str:
        """One CSV row per question (and per notebook that could not be matched to a solution)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for nb in self.notebooks:
            for q in nb.rows():
                writer.writerow({"notebook": nb.notebook, **asdict(q)})
        return buffer.getvalue()

    def write_csv(self, path: str | Path) -> None:
        Path(path).write_text(self.csv_text(), encoding="utf-8", newline="")
