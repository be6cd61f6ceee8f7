"""The gradebook of a class: one row per learner, one column per question (points), the total and the percent.

A gradebook holds, per learner, the grade of each notebook they handed in (as the grade report has
it), notes about anything not graded, and the course's `catalog` (each expected notebook's questions
and points). A notebook a learner did not hand in scores 0 and its row says so; a notebook that
could not be graded keeps its points in the maximum. A shard's gradebook is saved as JSON
(`write`), and `merge` joins the shards of one class into one gradebook, refusing shards that
overlap, miss a part, or were graded against different solutions.

Taught in the README's section for instructors.

>>> book = Gradebook(catalog={"01.ipynb": {"questions": [{"id": "demo.add", "points": 2}]}}, expected=["01.ipynb"])
>>> book.add("ada", "01.ipynb", {"notebook": "ada/01.ipynb", "error": None, "note": None,
...     "questions": [{"question": "demo.add", "points": 2, "max_points": 2, "status": "pass", "reason": ""}]})
>>> _ = book.learner("grace")  # handed in nothing
>>> print(book.csv_text(), end="")
learner,demo.add,points,max_points,percent,notes
ada,2,2,2,100,
grace,0,0,2,0,no 01.ipynb handed in
>>> book.summary()
'graded 1 of 2 learners (1 notebook); 0 could not be graded; 1 handed in nothing; median 50 %'
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .report import number

__all__ = ["FORMAT", "Gradebook", "GradebookError", "LearnerRow", "merge"]

FORMAT = "course-gradebook/1"  # the JSON a shard writes and `merge` reads


class GradebookError(ValueError):
    """Shards that cannot be merged: they overlap, one is missing, or they disagree on the solutions."""


@dataclass(frozen=True)
class LearnerRow:
    """One learner's line: points per question id, the total, the maximum, the percent, and the notes."""

    learner: str
    points: dict[str, float]
    total: float
    max_points: int
    notes: tuple[str, ...]

    @property
    def percent(self) -> float:
        return round(100 * self.total / self.max_points, 1) if self.max_points else 0.0


@dataclass
class Gradebook:
    """A class's grades: `learners` maps a name to its graded notebooks (by solution name) and notes."""

    catalog: dict[str, Any] = field(default_factory=dict)
    expected: list[str] = field(default_factory=list)
    learners: dict[str, dict[str, Any]] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=list)
    isolation: list[str] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)  # "i/N" of each shard joined here ("1/1" for a whole class)

    def learner(self, name: str) -> dict[str, Any]:
        """The record of learner `name` (made empty the first time), holding ``notebooks`` and ``notes``."""
        return self.learners.setdefault(name, {"notebooks": {}, "notes": []})

    def add(self, learner: str, solution: str, grade: dict[str, Any]) -> None:
        """Record `learner`'s graded notebook for `solution` (a notebook of `GradeReport.to_dict`)."""
        self.learner(learner)["notebooks"][solution] = grade

    def note(self, learner: str, text: str) -> None:
        self.learner(learner)["notes"].append(text)

    def questions(self) -> list[tuple[str, int]]:
        """(question id, points) for every expected notebook's questions, in course order."""
        entries = [self.catalog.get(name, {}) for name in self.expected]
        return [(q["id"], q["points"]) for entry in entries for q in entry.get("questions", [])]

    def row(self, name: str) -> LearnerRow:
        record = self.learners[name]
        points: dict[str, float] = {qid: 0 for qid, _ in self.questions()}
        notes = list(record["notes"])
        for solution in self.expected:
            grade = record["notebooks"].get(solution)
            if grade is None:
                notes.append(f"no {solution} handed in")
                continue
            if grade.get("error"):
                notes.append(f"{solution} could not be graded: {grade['error']}")
            for q in grade.get("questions", []):
                if q["question"] in points:
                    points[q["question"]] = q["points"]
        maximum = sum(p for _, p in self.questions())
        return LearnerRow(name, points, round(sum(points.values()), 2), maximum, tuple(notes))

    def rows(self) -> list[LearnerRow]:
        """One row per learner, by name."""
        return [self.row(name) for name in sorted(self.learners)]

    def csv_text(self) -> str:
        """The gradebook as CSV: learner, one column per question id, points, max_points, percent, notes."""
        ids = [qid for qid, _ in self.questions()]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["learner", *ids, "points", "max_points", "percent", "notes"])
        for row in self.rows():
            cells = [number(row.points[qid]) for qid in ids]
            writer.writerow(
                [row.learner, *cells, number(row.total), row.max_points, number(row.percent), "; ".join(row.notes)]
            )
        return buffer.getvalue()

    def not_graded(self) -> list[tuple[str, str]]:
        """(learner, solution) of every handed-in notebook that could not be graded."""
        return [
            (name, solution)
            for name, record in sorted(self.learners.items())
            for solution, grade in record["notebooks"].items()
            if grade.get("error")
        ]

    def summary(self) -> str:
        """One line for a script: learners graded, notebooks that could not be, learners with nothing, the median."""
        rows = self.rows()
        graded = [r for r in rows if self.learners[r.learner]["notebooks"]]
        notebooks = sum(len(self.learners[r.learner]["notebooks"]) for r in rows)
        median = number(round(statistics.median(r.percent for r in rows), 1)) if rows else "-"
        return (
            f"graded {len(graded)} of {len(rows)} learners ({notebooks} notebook{'s' * (notebooks != 1)}); "
            f"{len(self.not_graded())} could not be graded; {len(rows) - len(graded)} handed in nothing; "
            f"median {median} %"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "shards": self.shards,
            "seeds": self.seeds,
            "isolation": self.isolation,
            "expected": self.expected,
            "catalog": self.catalog,
            "learners": self.learners,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "gradebook") -> Gradebook:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise GradebookError(f"{where} is not a gradebook written by `python -m course grade --gradebook`")
        return cls(
            dict(data["catalog"]),
            list(data["expected"]),
            dict(data["learners"]),
            list(data.get("seeds", [])),
            list(data.get("isolation", [])),
            list(data.get("shards", [])),
        )

    @classmethod
    def load(cls, folder: str | Path) -> Gradebook:
        """The gradebook a grading run wrote to `folder` (its ``gradebook.json``)."""
        path = Path(folder) / "gradebook.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise GradebookError(f"{path} does not exist: grade with --gradebook {folder} first") from None
        except (OSError, ValueError) as exc:
            raise GradebookError(f"{path} cannot be read ({type(exc).__name__})") from None
        return cls.from_dict(data, str(path))

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``gradebook.csv``, ``gradebook.json`` and ``feedback/<learner>.md`` into `folder`; the paths."""
        from .feedback_files import feedback_markdown, feedback_path

        folder = Path(folder)
        if (folder / "gradebook.json").is_file():  # a gradebook written here before: its feedback goes too
            for old in (folder / "feedback").glob("*.md"):
                old.unlink()
        (folder / "feedback").mkdir(parents=True, exist_ok=True)
        written = [folder / "gradebook.csv", folder / "gradebook.json"]
        written[0].write_text(self.csv_text(), encoding="utf-8", newline="")
        written[1].write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        for name in sorted(self.learners):
            path = feedback_path(folder, name)
            path.write_text(feedback_markdown(self, name), encoding="utf-8")
            written.append(path)
        return written


def _shard_parts(books: list[Gradebook]) -> str | None:
    """None when the shards' parts make whole classes; else what is wrong, in a sentence."""
    parts = [tuple(int(x) for x in s.split("/")) for b in books for s in b.shards]
    counts = {n for _, n in parts}
    if len(counts) > 1:
        return f"the shards split the class differently ({', '.join(sorted({f'{i}/{n}' for i, n in parts}))})"
    if not counts:
        return None
    total = counts.pop()
    seen = sorted(i for i, _ in parts)
    twice = sorted({i for i in seen if seen.count(i) > 1})
    if twice:
        return f"shard {twice[0]}/{total} is given twice"
    missing = [i for i in range(1, total + 1) if i not in seen]
    if missing:
        names = ", ".join(f"{i}/{total}" for i in missing)
        return f"shard {names} {'is' if len(missing) == 1 else 'are'} missing: grade it, then merge again"
    return None


def merge(books: list[Gradebook]) -> Gradebook:
    """One gradebook from the shards of a class; `GradebookError` says why they cannot be joined."""
    if not books:
        raise GradebookError("no gradebook to merge")
    problem = _shard_parts(books)
    if problem:
        raise GradebookError(problem)
    joined = Gradebook()
    for book in books:
        for name, entry in book.catalog.items():
            if name in joined.catalog and joined.catalog[name]["questions"] != entry["questions"]:
                raise GradebookError(f"the shards were graded against different versions of {name}")
            joined.catalog.setdefault(name, entry)
        for learner, record in book.learners.items():
            if learner in joined.learners:
                raise GradebookError(f"{learner} was graded in two shards: split the class with --shard i/N")
            joined.learners[learner] = record
        joined.expected += [n for n in book.expected if n not in joined.expected]
        joined.seeds += [s for s in book.seeds if s not in joined.seeds]
        joined.isolation += [i for i in book.isolation if i not in joined.isolation]
        joined.shards += book.shards
    joined.expected.sort()
    return joined
