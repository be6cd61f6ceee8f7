"""Release: write each exercise notebook from its solution, the only authored copy.

In code cells, the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` (markers included) become
one ``raise NotImplementedError(...)`` at the marker's indentation, and the cell gets the tag
``raises-exception``; signatures, docstrings and comments around the markers stay. In markdown
cells, a hidden answer between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` is removed.
The exercise's outputs come from executing it, never from the solution.

Taught in CONTRIBUTING.md ("Exercises and checks").

>>> code = "def double(x):\\n    '''Twice x.'''\\n    # BEGIN SOLUTION\\n    return 2 * x\\n    # END SOLUTION"
>>> print(strip_solution(code)[0])
def double(x):
    '''Twice x.'''
    raise NotImplementedError("replace this line with your code")
>>> strip_markdown_answer("Your guess: <!-- BEGIN SOLUTION -->42<!-- END SOLUTION -->")
'Your guess: '
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

from .execute import (
    AUTHOR_CELL_TIMEOUT,
    NotebookExecutionError,
    NotebookFormatError,
    execute_cells,
    read_notebook,
    strip_outputs,
    tags,
    tidy,
    write_notebook,
)

__all__ = [
    "STUB",
    "ReleaseError",
    "drift",
    "make_exercise",
    "release",
    "skeleton",
    "strip_markdown_answer",
    "strip_solution",
]

STUB = 'raise NotImplementedError("replace this line with your code")'
RAISES = "raises-exception"
_BEGIN = re.compile(r"^(\s*)#\s*BEGIN SOLUTION\b")
_END = re.compile(r"^\s*#\s*END SOLUTION\b")
_MD_ANSWER = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->.*?<!--\s*END SOLUTION\s*-->", re.DOTALL)
_MD_MARKER = re.compile(r"<!--\s*(BEGIN|END) SOLUTION\s*-->")


class ReleaseError(ValueError):
    """A solution notebook's markers are unbalanced, or an exercise could not be executed."""


def strip_solution(source: str, where: str = "cell") -> tuple[str, int]:
    """Replace each marked block of `source` with a stub; return the new source and how many stubs it holds."""
    out: list[str] = []
    stubs, opened_at = 0, None
    for number, line in enumerate(source.split("\n"), start=1):
        begin, end = _BEGIN.match(line), _END.match(line)
        if begin:
            if opened_at is not None:
                raise ReleaseError(
                    f"{where}, line {number}: BEGIN SOLUTION inside the block opened on line {opened_at}"
                )
            opened_at = number
            out.append(begin.group(1) + STUB)
            stubs += 1
        elif end:
            if opened_at is None:
                raise ReleaseError(f"{where}, line {number}: END SOLUTION without a BEGIN SOLUTION above it")
            opened_at = None
        elif opened_at is None:
            out.append(line)
    if opened_at is not None:
        raise ReleaseError(f"{where}, line {opened_at}: BEGIN SOLUTION is never closed: add # END SOLUTION")
    return "\n".join(out), stubs


def strip_markdown_answer(source: str, where: str = "cell") -> str:
    """Remove hidden answers (``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->``) from markdown."""
    stripped = _MD_ANSWER.sub("", source)
    if _MD_MARKER.search(stripped):
        raise ReleaseError(f"{where}: unbalanced <!-- BEGIN SOLUTION --> / <!-- END SOLUTION --> markers")
    return stripped


def make_exercise(solution: nbformat.NotebookNode, name: str = "solution") -> nbformat.NotebookNode:
    """The exercise notebook for `solution` (a new notebook, outputs cleared, not executed yet)."""
    exercise = strip_outputs(copy.deepcopy(solution))
    for index, cell in enumerate(exercise.cells, start=1):
        where = f"{name}, cell {index}"
        if cell.cell_type == "code":
            cell.source, stubs = strip_solution(cell.source, where)
            if stubs and RAISES not in tags(cell):
                cell.metadata["tags"] = [*tags(cell), RAISES]
        elif cell.cell_type == "markdown":
            cell.source = strip_markdown_answer(cell.source, where)
    exercise.metadata.pop("widgets", None)
    return exercise


def skeleton(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """What must agree between a generated and a committed exercise: each cell's type, source and tags."""
    return [(cell.cell_type, cell.source, tuple(sorted(tags(cell)))) for cell in nb.cells]


def drift(expected: nbformat.NotebookNode, actual: nbformat.NotebookNode) -> str | None:
    """None if the two notebooks have the same skeleton, else the first difference in words."""
    want, have = skeleton(expected), skeleton(actual)
    for index, (w, h) in enumerate(zip(want, have, strict=False), start=1):
        for part, a, b in zip(("type", "source", "tags"), w, h, strict=True):
            if a != b:
                return f"cell {index} {part} differs"
    if len(want) != len(have):
        return f"it has {len(have)} cells, the solution gives {len(want)}"
    return None


def release(
    solutions: str | Path = "solutions",
    exercises: str | Path = "exercises",
    *,
    check: bool = False,
    execute: bool = True,
    cell_timeout: float = AUTHOR_CELL_TIMEOUT,
    only: list[str] | None = None,
) -> list[str]:
    """Regenerate ``exercises/NN.ipynb`` for every ``solutions/NN.ipynb``; return the problems found.

    ``only`` limits the release to solutions whose file name starts with one of its prefixes ("03").

    With ``check=True`` nothing is written: each problem says which exercise drifted from its solution.
    Otherwise each exercise is executed (kernel in the exercises folder) and written only if that succeeds.
    """
    solutions, exercises = Path(solutions), Path(exercises)
    if not solutions.is_dir():
        return [f"{solutions}/ does not exist: nothing to release"]
    problems = []
    for source in sorted(solutions.glob("*.ipynb")):
        if only and not any(source.name.startswith(prefix) for prefix in only):
            continue
        target = exercises / source.name
        try:
            exercise = make_exercise(read_notebook(source), str(source))
            if check:
                if not target.exists():
                    problems.append(f"{target} is missing")
                elif (why := drift(exercise, read_notebook(target))) is not None:
                    problems.append(f"{target} is out of date with {source}: {why}")
                continue
            exercises.mkdir(parents=True, exist_ok=True)
            if execute:
                execute_cells(exercise, exercises.resolve(), cell_timeout, label=str(target))
            write_notebook(tidy(exercise), target)
        except (ReleaseError, NotebookExecutionError, NotebookFormatError) as exc:  # the others still release
            problems.append(str(exc))
    for extra in sorted(exercises.glob("*.ipynb")) if exercises.is_dir() else []:
        if not (solutions / extra.name).exists():
            problems.append(f"{extra} has no solution {solutions / extra.name}: delete it or add the solution")
    return problems
