"""Helpers for the grading tests: the fixture solution's cells and how to build notebooks from them."""

import copy
import shutil
from pathlib import Path

import nbformat

FIXTURES = Path(__file__).parent / "fixtures"
QUESTIONS = FIXTURES / "questions"
HIDDEN = FIXTURES / "hidden"
SUPPORT_FILES = ("words.txt",)

SOLUTION_CELLS = [
    ("code", "from course.checks import check", []),
    ("markdown", "# Demo\nWrite `add`.<!-- BEGIN SOLUTION --> Use `+`.<!-- END SOLUTION -->", []),
    (
        "code",
        'def add(a, b):\n    """Return the sum of a and b."""\n'
        "    # BEGIN SOLUTION\n    return a + b\n    # END SOLUTION",
        [],
    ),
    ("code", 'check("demo.add", add)', ["check:demo.add"]),
    (
        "code",
        'def first_word(text):\n    """The first word of `text` ("" for none)."""\n'
        '    # BEGIN SOLUTION\n    words = text.split()\n    return words[0] if words else ""\n    # END SOLUTION',
        [],
    ),
    ("code", 'check("demo.first_word", first_word)', ["check:demo.first_word", "points:2", "partial"]),
    (
        "code",
        'def vocabulary():\n    """The distinct words of words.txt, sorted."""\n    with open("words.txt") as f:\n'
        "        # BEGIN SOLUTION\n        return sorted(set(f.read().split()))\n        # END SOLUTION",
        [],
    ),
    ("code", 'check("demo.vocabulary", vocabulary)', ["check:demo.vocabulary"]),
    (
        "code",
        'def mean(xs):\n    """The mean of xs."""\n'
        "    # BEGIN SOLUTION\n    return sum(xs) / len(xs)\n    # END SOLUTION",
        [],
    ),
    ("code", 'check("demo.mean", mean)', ["check:demo.mean"]),
]
FULL_MARKS = 5  # 1 + 2 + 1 + 1
ADD_CELL, FIRST_WORD_CELL, VOCABULARY_CELL, MEAN_CELL = 2, 4, 6, 8


def make_notebook(cells):
    """A notebook from (cell type, source, tags) triples."""
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    nb = nbformat.v4.new_notebook(cells=[make[kind](source) for kind, source, _ in cells])
    for index, (cell, (_, _, tags)) in enumerate(zip(nb.cells, cells, strict=True)):
        if tags:
            cell.metadata["tags"] = list(tags)
        cell.id = f"cell-{index}"  # nbformat's are random: fixed ids keep the fixture files deterministic
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    return nb


def with_support_files(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SUPPORT_FILES:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def replace_stub(nb, cell, new_body):
    """Put the learner's code where the exercise says 'replace this line with your code'."""
    nb.cells[cell].source = "\n".join(
        new_body if "NotImplementedError" in line else line for line in nb.cells[cell].source.split("\n")
    )


def variant(nb, **cells):
    """A copy of `nb` with cells replaced by index: variant(sol, c2="def add(a, b): ...")."""
    new = copy.deepcopy(nb)
    for key, source in cells.items():
        new.cells[int(key[1:])].source = source
        new.cells[int(key[1:])].outputs = []
    return new


def write_learner(root: Path, name: str, nb, filename: str = "demo.ipynb") -> Path:
    path = with_support_files(root / name) / filename
    nbformat.write(nb, str(path))
    return path
