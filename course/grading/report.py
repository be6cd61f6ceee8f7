"""The grade report: one row per question, a total per notebook, as a table, JSON or CSV.

A question's ``status`` is "pass" (it earns its points), "fail" (the learner's answer or cell is
wrong, with the reason), "timeout" (a cell ran past its limit) or "error" (the notebook could not be
graded: unreadable, no solution, a dead kernel). A notebook that could not be graded keeps its
maximum points in the total. Points come from the solution's tags; a question whose points are
split over its checks may earn a fraction (shown with up to two decimals). Below the table: the
seed the checks were drawn with, the isolation in force, and a note per notebook when one applies.

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

__all__ = ["CSV_FIELDS", "GradeReport", "NotebookGrade", "QuestionGrade", "number"]

CSV_FIELDS = ["notebook", "question", "points", "max_points", "status", "reason"]
NOTEBOOK_ROW = "(notebook)"  # the question column of a row about the whole notebook (no solution to grade against)


@dataclass(frozen=True)
class QuestionGrade:
    """One question of one notebook: points earned out of `max_points`, a status, and why when it is not a pass."""

    question: str
    points: float
    max_points: int
    status: str
    reason: str = ""
    details: dict = field(default_factory=dict, compare=False, repr=False)  # checks passed, failures (JSON only)

    @property
    def result(self) -> str:
        return f"{self.status}: {self.reason}" if self.reason else self.status


def number(value: float) -> str:
    """Points as text: whole numbers without decimals, fractions with up to two.

    >>> number(2), number(2.0), number(1.5), number(0.6667)
    ('2', '2', '1.5', '0.67')
    """
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


@dataclass
class NotebookGrade:
    """Every question of one learner notebook; `error` is set when the notebook as a whole could not be graded."""

    notebook: str
    questions: list[QuestionGrade] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    @property
    def points(self) -> float:
        return round(sum(q.points for q in self.questions), 2)

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
    seed: int | None = None
    isolation: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.notebooks) and all(nb.ok for nb in self.notebooks)

    def table(self) -> str:
        """A plain-text table: one row per question, then a total row per notebook."""
        rows = [("notebook", "question", "points", "result")]
        for nb in self.notebooks:
            rows += [(nb.notebook, q.question, f"{number(q.points)}/{q.max_points}", q.result) for q in nb.rows()]
            rows.append((nb.notebook, "total", f"{number(nb.points)}/{nb.max_points}", ""))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3]
            for row in rows
        ]
        notes = [f"note: {nb.notebook}: {nb.note}" for nb in self.notebooks if nb.note]
        if self.seed is not None:
            notes.append(f"note: the checks were drawn with seed {self.seed} (--seed {self.seed} draws the same)")
        if self.isolation:
            notes.append(f"note: {self.isolation}")
        return "\n".join(line.rstrip() for line in lines + notes)

    def to_dict(self) -> dict:
        return {
            "points": round(sum(nb.points for nb in self.notebooks), 2),
            "max_points": sum(nb.max_points for nb in self.notebooks),
            "ok": self.ok,
            "seed": self.seed,
            "isolation": self.isolation,
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
                row = {"notebook": nb.notebook, **asdict(q)}
                writer.writerow({name: number(row[name]) if "points" in name else row[name] for name in CSV_FIELDS})
        return buffer.getvalue()

    def write_csv(self, path: str | Path) -> None:
        Path(path).write_text(self.csv_text(), encoding="utf-8", newline="")
