import os

import nbformat
import pytest

from course.__main__ import main
from course.grading import NotebookFormatError, read_notebook
from course.grading.execute import run_notebook

from .notebook_fixtures import make_notebook

CELLS = [
    ("markdown", "# A lesson", []),
    ("code", "print(open('data.txt').read().strip())", []),
    ("code", "", []),
    ("code", "import ipywidgets\nipywidgets.IntSlider(value=3)", ["nbval-ignore-output"]),
    ("code", "raise ValueError('shown on purpose')", ["raises-exception"]),
    ("code", "6 * 7", []),
]


@pytest.fixture
def lesson(tmp_path):
    (tmp_path / "data.txt").write_text("read from the notebook's folder\n")
    path = tmp_path / "lesson.ipynb"
    nb = make_notebook(CELLS)
    nb.metadata["kernelspec"] = {"name": "some-other-kernel", "display_name": "Other", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_execute_runs_in_the_notebooks_folder_and_saves_a_deterministic_file(lesson, capsys):
    assert main(["execute", str(lesson)]) == 0
    assert capsys.readouterr().out == f"executed {lesson}\n"
    first = lesson.read_bytes()
    nb = read_notebook(lesson)
    assert [c.get("execution_count") for c in nb.cells] == [None, 1, None, 2, 3, 4]
    assert nb.cells[1].outputs[0].text == "read from the notebook's folder\n"
    assert nb.cells[4].outputs[0].ename == "ValueError"
    assert nb.cells[5].outputs[0].data == {"text/plain": "42"}
    assert nb.cells[3].outputs[0].data == {"text/plain": "IntSlider(value=3)"}  # no view of a state we do not keep
    assert "widgets" not in nb.metadata
    assert nb.metadata.kernelspec == {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    assert "version" not in nb.metadata.language_info
    assert all("execution" not in c.metadata for c in nb.cells)
    assert main(["execute", str(lesson)]) == 0
    assert lesson.read_bytes() == first


def test_a_failing_cell_is_named_its_file_left_untouched_and_the_others_still_run(lesson, tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    nbformat.write(make_notebook([("markdown", "x", []), ("code", "1 / 0", [])]), str(broken))
    before = broken.read_bytes()
    assert main(["execute", str(broken), str(lesson)]) == 1
    out, err = capsys.readouterr()
    assert err == (
        f"error: {broken}: cell 2 ('1 / 0') raised ZeroDivisionError: division by zero "
        "(tag the cell raises-exception if that is intended)\n"
    )
    assert out == f"executed {lesson}\n"
    assert broken.read_bytes() == before


def test_a_cell_past_its_time_limit_fails_the_notebook(tmp_path, capsys):
    slow = tmp_path / "slow.ipynb"
    nbformat.write(make_notebook([("code", "import time\ntime.sleep(60)", [])]), str(slow))
    assert main(["execute", str(slow), "--cell-timeout", "1"]) == 1
    assert capsys.readouterr().err == f"error: {slow}: cell 1 ('import time') did not finish within 1 s\n"


def test_a_file_that_is_not_a_notebook_is_refused(tmp_path, capsys):
    (tmp_path / "bad.ipynb").write_text("{ not json")
    with pytest.raises(NotebookFormatError, match=r"not a valid notebook \("):
        read_notebook(tmp_path / "bad.ipynb")
    (tmp_path / "schema.ipynb").write_text('{"cells": 3}')
    with pytest.raises(NotebookFormatError, match="not a valid notebook"):
        read_notebook(tmp_path / "schema.ipynb")
    assert main(["execute", str(tmp_path / "missing.ipynb")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "{release,execute,grade,gradebook,present}" in capsys.readouterr().out


def test_the_kernel_is_gone_when_the_run_returns(tmp_path):
    pids = []
    nb = make_notebook([("code", "import os\nprint(os.getcwd())", [])])
    assert run_notebook(nb, tmp_path, 30, on_kernel=pids.append) == []
    assert nb.cells[0].outputs[0].text == f"{tmp_path}\n"
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)
