"""A class roster from folders of submissions: which learner handed in which notebook, and the shards of a class.

A learner is a folder (``submissions/ada/01_api_gateway.ipynb``: every notebook under it, at any
depth) or a file named after the learner (``submissions/ada_01_api_gateway.ipynb``, as learning
platforms export them; ``submissions/ada.ipynb`` when the course has one solution). A folder that
itself holds a notebook named like a solution is one learner's folder; any other folder is a class.
A learner's notebook is graded against the solution whose name its file name ends with. A shard
(`in_shard`) takes the learners whose stable hash falls in it, so every machine that sees the same
names splits them the same way, and a late learner never moves the others.

Taught in the README's section for instructors.

>>> learner_of_file("ada_01_api_gateway.ipynb", ["01_api_gateway.ipynb", "02_load_balancer.ipynb"])
('ada', '01_api_gateway.ipynb')
>>> learner_of_file("grace.ipynb", ["01_api_gateway.ipynb"])
('grace', '01_api_gateway.ipynb')
>>> parse_shard("2/3"), in_shard("ada", (1, 1))
((2, 3), True)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Submission", "in_shard", "learner_of_file", "parse_shard", "roster", "safe_name"]

_SEPARATORS = "_-. "
_SKIP_DIRS = {".ipynb_checkpoints", "__pycache__"}


@dataclass(frozen=True)
class Submission:
    """One notebook a learner handed in: `path` graded against `solution`, or a `problem` saying why it cannot be.

    A learner with nothing to grade (an empty folder) has one `Submission` with no path and no solution.
    """

    learner: str
    path: Path | None
    solution: str | None
    problem: str | None = None
    loose: bool = False  # a file named after its learner, lying among other learners' files


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/N"`` as (i, N), 1 <= i <= N: the i-th of N shards (a Kubernetes index k is shard k+1).

    >>> parse_shard("0/2")
    Traceback (most recent call last):
    ...
    ValueError: --shard must be i/N with 1 <= i <= N (got '0/2'), e.g. --shard 1/2 and --shard 2/2
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard must be i/N with 1 <= i <= N (got {text!r}), e.g. --shard 1/2 and --shard 2/2")
    return int(match.group(1)), int(match.group(2))


def in_shard(learner: str, shard: tuple[int, int] | None) -> bool:
    """Whether `learner` is graded in `shard` (every learner is in exactly one of the N shards).

    >>> [sum(in_shard(name, (i, 3)) for i in (1, 2, 3)) for name in ("ada", "grace", "linus")]
    [1, 1, 1]
    """
    if shard is None:
        return True
    from course.sim.hashing import stable_hash  # here: the grader's worker imports this module and never shards

    index, count = shard
    return stable_hash(learner) % count == index - 1


def safe_name(learner: str) -> str:
    """A file name for `learner`'s feedback: path separators and leading dots replaced.

    >>> safe_name("../ada"), safe_name("grace hopper")
    ('_.._ada', 'grace hopper')
    """
    name = re.sub(r"[\\/\x00-\x1f]", "_", learner)
    return "_" + name if name.startswith(".") or not name else name


def _ends_with_solution(name: str, solutions: list[str]) -> tuple[str, str] | None:
    """(learner, solution) when `name` is a learner's name, separators, then a solution's name."""
    for solution in sorted(solutions, key=len, reverse=True):
        if name.endswith(solution) and name != solution:
            learner = name[: -len(solution)].rstrip(_SEPARATORS)
            if learner:
                return learner, solution
    return None


def learner_of_file(name: str, solutions: Iterable[str]) -> tuple[str, str | None]:
    """(learner, solution) for a notebook named after its learner; solution None when the name says none."""
    names = sorted(solutions)
    match = _ends_with_solution(name, names)
    if match:
        return match
    stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
    return stem, names[0] if len(names) == 1 else None


def _notebooks(folder: Path) -> list[Path]:
    found = []
    for here, dirs, names in os.walk(folder):  # never follows a link to a folder
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        found += [Path(here) / n for n in sorted(names) if n.endswith(".ipynb") and not n.startswith(".")]
    return sorted(found, key=lambda p: (len(p.relative_to(folder).parts), str(p)))


def _learner_folder(learner: str, folder: Path, solutions: set[str]) -> list[Submission]:
    """A learner's notebooks: the shallowest one per exercise; others carry the reason they are not graded."""
    notebooks = _notebooks(folder)
    if not notebooks:
        return [Submission(learner, None, None, f"{folder} holds no notebook (.ipynb) to grade")]
    out: list[Submission] = []
    first: dict[str, Path] = {}
    for path in notebooks:
        match = _ends_with_solution(path.name, sorted(solutions))
        solution = path.name if path.name in solutions else match[1] if match else None
        if solution is None:
            why = f"{path} matches no exercise ({', '.join(sorted(solutions)) or 'none'}), so it is not graded"
            out.append(Submission(learner, path, None, why))
        elif solution in first:
            why = f"a second {solution} ({path}): only {first[solution]} is graded"
            out.append(Submission(learner, path, None, why))
        else:
            first[solution] = path
            out.append(Submission(learner, path, solution))
    return out


def _loose_file(path: Path, solutions: set[str]) -> Submission:
    learner, solution = learner_of_file(path.name, solutions)
    if solution is None:
        example = f"{learner}_{sorted(solutions)[0]}" if solutions else f"{learner}_01_api_gateway.ipynb"
        why = (
            f"{path.name} names no exercise: name it <learner>_<exercise>.ipynb, e.g. {example} "
            f"(exercises: {', '.join(sorted(solutions)) or 'none'})"
        )
        return Submission(learner, path, None, why, loose=True)
    return Submission(learner, path, solution, loose=True)


def roster(paths: Iterable[str | Path], solutions: Iterable[str]) -> list[Submission]:
    """Every notebook handed in under `paths` with its learner, in the order found (learners by name)."""
    names = set(solutions)
    found: list[Submission] = []
    for item in map(Path, paths):
        if item.is_symlink():
            found.append(Submission(item.name, None, None, f"{item} is a symbolic link: hand in the file itself"))
        elif item.is_dir():
            inside = sorted(p for p in item.iterdir() if not p.name.startswith(".") and p.name not in _SKIP_DIRS)
            if any(p.name in names and p.is_file() for p in inside):  # one learner's folder
                found += _learner_folder(item.resolve().name, item, names)
                continue
            if not inside:
                found.append(Submission(item.name, None, None, f"{item} is an empty folder: no learner to grade"))
            for entry in inside:
                if entry.is_symlink():
                    why = f"{entry} is a symbolic link: hand in the file or folder itself"
                    found.append(Submission(entry.name, None, None, why))
                elif entry.is_dir():
                    found += _learner_folder(entry.name, entry, names)
                elif entry.name.endswith(".ipynb"):
                    found.append(_loose_file(entry, names))
        elif item.name in names:
            found.append(Submission(item.resolve().parent.name, item, item.name))
        elif item.exists():
            found.append(_loose_file(item, names))
        else:
            found.append(Submission(item.stem, None, None, f"{item} does not exist"))
    return found
