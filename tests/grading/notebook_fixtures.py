"""Helpers for the grading tests: the fixture solution's cells and how to build notebooks from them."""

import shutil
from pathlib import Path

import nbformat

FIXTURES = Path(__file__).parent / "fixtures"
SUPPORT_FILES = ("demo_checks.py", "words.txt")

SOLUTION_CELLS = [
    ("code", "from course.checks import check\nimport demo_checks", []),
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
    ("code", 'check("demo.first_word", first_word)', ["check:demo.first_word", "points:2"]),
    (
        "code",
        'with open("words.txt") as f:\n'
        '    # BEGIN SOLUTION\n    print(len(f.read().split()), "words")\n    # END SOLUTION',
        ["check:demo.count"],
    ),
]


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
