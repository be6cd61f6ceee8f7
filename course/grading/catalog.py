"""The questions of a course, as a gradebook and a learner's feedback name them: points, title and what to revise.

For each solution notebook the catalog lists its questions in order (`solution_questions`), each
with the title of the exercise's section above its check cell ("2 · A hash ring's `node_for`")
and the lesson section to revise: the lesson with the solution's file name, and the section of it
that shares the most telling words with the exercise's text (words rare across the lesson weigh
more). An author can name the section instead, with ``<!-- lesson: Consistent hashing -->`` in
the exercise's text (the start of a lesson heading). The catalog is plain data, saved with a
shard's gradebook so that merging needs no course files.

Taught in the README's section for instructors.

>>> lesson = [("## Routing: which service owns this path?", "A route maps a path prefix to a service."),
...           ("## Caching", "A cache answers repeated reads; its TTL bounds staleness.")]
>>> closest_section(lesson, "1 · Match a path", "Match a request path against a route prefix.")
'Routing: which service owns this path?'
>>> closest_section(lesson, "2 · Pick a TTL", "Choose a TTL so the cache answers 90 % of reads.")
'Caching'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .execute import NotebookFormatError, read_notebook, tags
from .grader import solution_questions

__all__ = ["catalog", "closest_section", "exercise_sections", "lesson_sections"]

_STOP = set(
    "the a an of to in on and or is are be it its that this with for as at by from your you we our not what which "
    "when each one two does do how more than into their them then there they so if can may will would per all any "
    "only no yes but out up write return returns".split()
)
_SKIP_SECTIONS = {"Words we will use", "In an interview", "Summary", "Exercises", "When you are done"}
_HEADING = re.compile(r"^(#{1,3})\s+(.*\S)\s*$")
_NAMED = re.compile(r"<!--\s*lesson:\s*(.*?)\s*-->")


def _words(text: str) -> list[str]:
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    return [w for w in re.findall(r"[a-z][a-z_]+", text.lower()) if w not in _STOP and len(w) > 2]


def lesson_sections(nb: Any) -> list[tuple[str, str]]:
    """The lesson's sections (level 2 and 3 headings) with their text, markdown and code alike."""
    sections: list[tuple[str, list[str]]] = []
    for cell in nb.cells:
        lines = cell.source.splitlines() if cell.cell_type == "markdown" else [cell.source]
        for line in lines:
            match = _HEADING.match(line) if cell.cell_type == "markdown" else None
            if match and len(match.group(1)) >= 2:
                sections.append((line, []))
            elif sections:
                sections[-1][1].append(line)
    return [(h, "\n".join(body)) for h, body in sections]


def _title(heading: str) -> str:
    return _HEADING.sub(r"\2", heading).strip()


def closest_section(sections: list[tuple[str, str]], title: str, text: str) -> str | None:
    """The title of the section of `sections` closest in telling words to an exercise's `title` and `text`."""
    usable = [(h, b) for h, b in sections if _title(h) not in _SKIP_SECTIONS]
    if not usable:
        return None
    docs = [Counter(_words((_title(h) + " ") * 3 + b)) for h, b in usable]
    seen = Counter(w for d in docs for w in d)
    kept = "\n\n".join(p for p in text.split("\n\n") if "scores 0" not in p and "off-limits" not in p)
    query = Counter(_words((title + " ") * 3 + kept))

    def score(i: int) -> float:
        return sum(
            min(n, 3) * math.log(1 + docs[i][w]) * math.log(len(docs) / seen[w])
            for w, n in query.items()
            if w in docs[i]
        )

    best = max(range(len(usable)), key=score)
    return _title(usable[best][0]) if score(best) > 0 else None


def exercise_sections(nb: Any) -> dict[str, tuple[str, str]]:
    """For each check cell's question id: the title and text of the exercise section above it."""
    found: dict[str, tuple[str, str]] = {}
    title, text = "", list[str]()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = _HEADING.match(line)
                if match and len(match.group(1)) == 2:
                    title, text = match.group(2), []
                else:
                    text.append(line)
        for tag in tags(cell):
            if tag.startswith("check:") and tag[6:] not in found:
                found[tag[6:]] = (title, "\n".join(text))
    return found


def _revise(lesson_path: Path, sections: list[tuple[str, str]] | None, title: str, text: str) -> dict[str, Any]:
    named = _NAMED.search(text)
    if sections and named:
        wanted = named.group(1).lower()
        section = next((_title(h) for h, _ in sections if _title(h).lower().startswith(wanted)), None)
    else:
        section = closest_section(sections or [], title, text)
    return {"lesson": f"lessons/{lesson_path.name}", "section": section}


def catalog(solutions: str | Path, names: list[str], lessons: str | Path | None = None) -> dict[str, Any]:
    """For each solution file name in `names`: its questions (id, points, title, what to revise), in order.

    `lessons` defaults to the ``lessons`` folder beside `solutions`; a solution that cannot be read
    gets a ``problem`` and no questions.
    """
    solutions = Path(solutions)
    lessons = Path(lessons) if lessons is not None else solutions.parent / "lessons"
    out: dict[str, Any] = {}
    for name in names:
        try:
            solution = read_notebook(solutions / name)
        except NotebookFormatError as exc:
            out[name] = {"questions": [], "problem": str(exc)}
            continue
        sections = None
        if (lessons / name).is_file():
            try:
                sections = lesson_sections(read_notebook(lessons / name))
            except NotebookFormatError:
                sections = None
        texts = exercise_sections(solution)
        questions = []
        for q in solution_questions(solution, str(solutions / name)):
            title, text = texts.get(q.id, ("", ""))
            questions.append(
                {
                    "id": q.id,
                    "points": q.points,
                    "title": title or q.id,
                    "revise": _revise(lessons / name, sections, title, text),
                }
            )
        out[name] = {"questions": questions, "problem": None}
    return out
