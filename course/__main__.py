"""Course tools for authors and instructors: ``python -m course COMMAND``.

    python -m course execute lessons/*.ipynb solutions/*.ipynb   # run notebooks in place (authoring)
    python -m course release [--check]                           # solutions/ -> exercises/ (then executed)
    python -m course release --to handout/ [--zip]               # the learners' folder, without solutions
    python -m course grade submissions/ --json grades.json        # re-execute and grade learners' notebooks
    python -m course grade submissions/ --gradebook out/ [--shard 1/2]   # a class: gradebook and feedback
    python -m course gradebook merge out-1/ out-2/ --to out/      # join the shards' gradebooks
    python -m course present 02                                  # a lesson's labs as a page without code

``execute`` runs every cell in a fresh kernel started in the notebook's folder and saves the outputs
(no timing metadata, no widget state); a cell may raise only when tagged ``raises-exception``.
``release`` regenerates every ``exercises/NN.ipynb`` from ``solutions/NN.ipynb``; ``--check`` writes
nothing and fails, naming the file, when a committed exercise drifted from its solution; ``--to DIR``
writes the learners' folder instead (lessons, exercises, the course package, a README; never a
solution or a hidden check), ``--zip`` packs it as ``DIR.zip``.
``grade`` matches each notebook to the solution with the same name and runs a stripped copy in a
sandbox (the learner's file is never written) with a per-cell and an overall time limit and resource
limits (``--memory``, ``--cpu``, ``--processes``); the notebook's ``check`` calls only record answers,
which the grader asks for plain results on inputs drawn with a fresh seed (``--seed`` repeats a run)
and judges in its own process. It prints one row per question, a total per notebook, the seed and the
isolation in force; ``--hidden DIR`` adds an instructor's hidden checks, ``--questions DIR`` their own
questions, ``--partial`` splits every question's points over its checks, ``--json``/``--csv`` write
the report. Exit status: 0 when everything passed, 1 otherwise, 2 for a wrong option.
With ``--gradebook DIR`` the paths are a class (a folder per learner, or files named after their
learners): it writes ``DIR/gradebook.csv`` (a row per learner), ``DIR/gradebook.json`` and
``DIR/feedback/<learner>.md``, prints a one-line summary last, and exits 0 when every notebook handed
in could be graded (learners may still have lost points), 1 when one could not; ``--shard i/N`` grades
only the i-th of N stable parts of the class, and ``gradebook merge`` joins the parts' folders.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from course.grading import AUTHOR_CELL_TIMEOUT, DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT, Limits

    parser = argparse.ArgumentParser(
        prog="python -m course", description="Execute, release and grade the course's notebooks."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{release,execute,grade,gradebook,present}")

    rel = commands.add_parser("release", help="write exercises/ from solutions/ and execute them")
    rel.add_argument("--check", action="store_true", help="write nothing; exit 1 if an exercise drifted")
    rel.add_argument("--solutions", default="solutions", help="folder of solution notebooks (default: solutions)")
    rel.add_argument("--exercises", default="exercises", help="folder to write (default: exercises)")
    rel.add_argument("--no-execute", action="store_true", help="write the exercises without running them")
    rel.add_argument("--cell-timeout", type=float, default=AUTHOR_CELL_TIMEOUT, metavar="S")
    rel.add_argument(
        "--only", metavar="NAME", action="append", help="release only solutions whose file name starts with NAME"
    )
    rel.add_argument("--to", metavar="DIR", help="write the learners' folder (lessons, exercises, course) to DIR")
    rel.add_argument("--zip", action="store_true", help="with --to: also pack DIR as DIR.zip")
    rel.add_argument("--lessons", default="lessons", help="with --to: folder of lessons (default: lessons)")
    rel.add_argument("--wheelhouse", metavar="DIR", help="with --to: copy this folder of wheels into the release")

    ex = commands.add_parser("execute", help="execute notebooks in place (lessons, solutions)")
    ex.add_argument("paths", nargs="+", metavar="PATH")
    ex.add_argument("--cell-timeout", type=float, default=AUTHOR_CELL_TIMEOUT, metavar="S")

    gr = commands.add_parser("grade", help="grade learners' notebooks (files or folders)")
    gr.add_argument("paths", nargs="+", metavar="PATH")
    gr.add_argument("--solutions", metavar="DIR", help="solution notebooks (default: the course's solutions/)")
    gr.add_argument("--hidden", metavar="DIR", help="an instructor's folder of hidden check modules")
    gr.add_argument("--json", metavar="F", help="write the report as JSON")
    gr.add_argument("--csv", metavar="F", help="write the report as CSV (one row per question)")
    gr.add_argument(
        "--cell-timeout", type=float, default=DEFAULT_CELL_TIMEOUT, metavar="S", help="seconds per cell (default 30)"
    )
    gr.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S", help="seconds per notebook (default 300)"
    )
    gr.add_argument("--jobs", type=int, default=1, metavar="N", help="notebooks graded at once (default 1)")
    gr.add_argument("--questions", metavar="DIR", action="append", help="a folder of your own <domain>.py questions")
    gr.add_argument("--seed", type=int, metavar="N", help="draw the checks with this seed (default: a fresh one)")
    gr.add_argument("--partial", action="store_true", help="split every question's points over its checks")
    gr.add_argument("--gradebook", metavar="DIR", help="grade a class: write gradebook.csv and feedback/ to DIR")
    gr.add_argument("--shard", metavar="i/N", help="with --gradebook: grade only the i-th of N parts of the class")
    gr.add_argument(
        "--expect", metavar="NAME", action="append", help="with --gradebook: the notebooks due (file name prefix)"
    )
    gr.add_argument("--lessons", metavar="DIR", help="with --gradebook: the lessons feedback points to")
    gr.add_argument("--quiet", action="store_true", help="print no table, only the notes and the summary")
    limits = Limits()
    gr.add_argument(
        "--memory",
        type=int,
        default=limits.memory_mb,
        metavar="MB",
        help=f"memory per process (default {limits.memory_mb})",
    )
    gr.add_argument(
        "--cpu",
        type=int,
        default=limits.cpu_seconds,
        metavar="S",
        help=f"CPU seconds per process (default {limits.cpu_seconds})",
    )
    gr.add_argument(
        "--processes",
        type=int,
        default=limits.processes,
        metavar="N",
        help=f"processes per notebook (default {limits.processes})",
    )

    gb = commands.add_parser("gradebook", help="join the gradebooks of a class's shards")
    gb_commands = gb.add_subparsers(dest="action", required=True, metavar="{merge}")
    merge = gb_commands.add_parser("merge", help="merge shard folders written by grade --gradebook")
    merge.add_argument("folders", nargs="+", metavar="DIR")
    merge.add_argument("--to", metavar="DIR", required=True, help="write the merged gradebook and feedback here")

    pr = commands.add_parser("present", help="serve a lesson's labs as a page without code (Voila, loopback)")
    pr.add_argument("lesson", metavar="LESSON", help="the lesson's number or file name prefix, e.g. 02")
    pr.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    pr.add_argument("--lessons", default=None, metavar="DIR", help="folder of lessons (default: the course's)")
    pr.add_argument("--font", type=int, default=22, metavar="PX", help="base font size in pixels (default 22)")
    pr.add_argument("--build", metavar="DIR", help="write the presenter notebook here (default: build/present)")
    pr.add_argument("--dry-run", action="store_true", help="write the presenter notebook and print the command")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from course import grading

    if args.command == "execute":
        failed = 0
        for path in args.paths:
            try:
                grading.execute_notebook(path, cell_timeout=args.cell_timeout)
                print(f"executed {path}")
            except (grading.NotebookExecutionError, grading.NotebookFormatError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                failed += 1
        return 1 if failed else 0

    if args.command == "release" and args.to:
        from course.grading.handout import release_to, zip_release

        problems = release_to(
            args.to, solutions=args.solutions, exercises=args.exercises, lessons=args.lessons,
            wheelhouse=args.wheelhouse,
        )  # fmt: skip
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"{args.to}: the learners' folder (lessons, exercises, course package, README; no solutions)")
        if args.zip:
            print(f"{zip_release(args.to)}: the same, zipped for a learning platform")
        return 0

    if args.command == "gradebook":
        return _merge(args.folders, args.to)

    if args.command == "present":
        from course.grading.present import present

        return present(
            args.lesson, port=args.port, lessons=args.lessons, font=args.font, build=args.build, dry_run=args.dry_run
        )

    if args.command == "release":
        problems = grading.release(
            args.solutions,
            args.exercises,
            check=args.check,
            execute=not args.no_execute,
            cell_timeout=args.cell_timeout,
            only=args.only,
        )
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems and args.check:
            print("run `python -m course release` to regenerate the exercises", file=sys.stderr)
        if not problems:
            names = [p.name for p in Path(args.solutions).glob("*.ipynb")]
            count = sum(1 for n in names if not args.only or any(n.startswith(prefix) for prefix in args.only))
            done = "match" if args.check else "released from"
            print(f"{args.exercises}: {count} exercise notebook(s) {done} {args.solutions}")
        return 1 if problems else 0

    for option, folder in [("--hidden", args.hidden), *(("--questions", f) for f in args.questions or [])]:
        if folder is not None and not Path(folder).is_dir():
            print(f"error: {option} {folder} is not a folder", file=sys.stderr)
            return 2
    if args.jobs < 1:
        print(f"error: --jobs must be at least 1 (got {args.jobs})", file=sys.stderr)
        return 2
    shard = None
    if args.shard is not None or args.expect or args.lessons:
        if not args.gradebook:
            print("error: --shard, --expect and --lessons grade a class: add --gradebook DIR", file=sys.stderr)
            return 2
    if args.shard is not None:
        from course.grading.roster import parse_shard

        try:
            shard = parse_shard(args.shard)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        limits = grading.Limits(memory_mb=args.memory, cpu_seconds=args.cpu, processes=args.processes)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = {
        "cell_timeout": args.cell_timeout,
        "timeout": args.timeout,
        "jobs": args.jobs,
        "questions": args.questions,
        "seed": args.seed,
        "limits": limits,
        "partial": args.partial,
    }
    book = None
    if args.gradebook:
        from course.grading.classroom import grade_class

        report, book = grade_class(
            args.paths, args.solutions, args.hidden, shard=shard, expect=args.expect, lessons=args.lessons, **options
        )
    else:
        report = grading.grade(args.paths, args.solutions, args.hidden, **options)
    table = report.table()
    print("\n".join(line for line in table.splitlines() if line.startswith("note: ")) if args.quiet else table)
    if args.json:
        report.write_json(args.json)
    if args.csv:
        report.write_csv(args.csv)
    if book is None:
        return 0 if report.ok else 1
    book.write(args.gradebook)
    print(f"{args.gradebook}: gradebook.csv, gradebook.json and {len(book.learners)} feedback file(s)")
    print(book.summary())
    return 1 if book.not_graded() else 0


def _merge(folders: list[str], to: str) -> int:
    """``gradebook merge``: join the shards' gradebooks and write the class's gradebook and feedback to `to`."""
    from course.grading.gradebook import Gradebook, GradebookError, merge

    try:
        book = merge([Gradebook.load(folder) for folder in folders])
    except GradebookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    book.write(to)
    print(f"{to}: gradebook.csv, gradebook.json and {len(book.learners)} feedback file(s) from {len(folders)} shard(s)")
    print(book.summary())
    return 1 if book.not_graded() else 0


if __name__ == "__main__":
    sys.exit(main())
