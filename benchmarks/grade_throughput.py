"""How many learner notebooks the grader judges per minute with 1, 2 and 4 notebooks at a time (`--jobs`).

Workload: a class of `--learners` learners (8 by default), each handing in one copy of the course's
solution for `--lesson` (lesson 1 by default): every notebook runs from scratch in its own sandbox,
then every question is judged in the grader, exactly as `python -m course grade --gradebook` does.
The figure to plan a course with: a 300-learner course at R notebooks per minute per machine
takes 300 / R minutes on one machine, or that divided by N with `--shard i/N` on N machines.

    .venv/bin/python benchmarks/grade_throughput.py [--learners 8] [--lesson 01] [--jobs 1 2 4]

Every run grades the same class with the same seed; a run where any notebook does not score full
marks is reported (a grader that is fast because it failed would be no figure at all).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from course.grading.classroom import grade_class
from course.grading.grader import default_solutions


def make_class(root: Path, solution: Path, learners: int) -> Path:
    """A submissions folder of `learners` learners, each with a copy of `solution`."""
    submissions = root / "submissions"
    for number in range(learners):
        folder = submissions / f"learner-{number:03d}"
        folder.mkdir(parents=True)
        shutil.copy(solution, folder / solution.name)
    return submissions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=8, help="learners in the class (default 8)")
    parser.add_argument("--lesson", default="01", help="the solution handed in, by file name prefix (default 01)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4], help="--jobs values to time (1 2 4)")
    args = parser.parse_args()
    solutions = default_solutions()
    found = sorted(solutions.glob(f"{args.lesson}*.ipynb"))
    if not found:
        raise SystemExit(f"no solution starting with {args.lesson!r} in {solutions}")
    print(f"grading {args.learners} learners' {found[0].name} (CPUs: {os.cpu_count()})")
    print(f"{'jobs':>4}  {'seconds':>8}  {'notebooks/min':>13}  full marks")
    with tempfile.TemporaryDirectory(prefix="grade-throughput-") as tmp:
        submissions = make_class(Path(tmp), found[0], args.learners)
        for jobs in args.jobs:
            started = time.perf_counter()
            report, book = grade_class([submissions], solutions, jobs=jobs, seed=1)
            seconds = time.perf_counter() - started
            full = sum(nb.ok for nb in report.notebooks)
            rate = 60 * len(report.notebooks) / seconds
            print(f"{jobs:>4}  {seconds:>8.1f}  {rate:>13.1f}  {full}/{len(report.notebooks)}")
            if full < len(report.notebooks):
                print(f"      not every copy of the solution scored full marks: {book.summary()}")


if __name__ == "__main__":
    main()
