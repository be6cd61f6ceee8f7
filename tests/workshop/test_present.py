"""Presenter mode without a browser: the page built from each lesson, the Voila template, the command it runs.

tests/browser/test_presenter.py opens a page in Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from course.__main__ import main
from course.grading.execute import read_notebook
from course.grading.present import find_lesson, lab_calls, presenter_notebook, write_template
from tests.grading.notebook_fixtures import make_notebook

REPO = Path(__file__).resolve().parents[2]
LESSONS = sorted((REPO / "lessons").glob("*.ipynb"))


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_each_lesson_gives_a_page_of_its_title_imports_and_labs(lesson):
    source = read_notebook(lesson)
    page = presenter_notebook(source, lesson.name)
    labs = [c.source for c in source.cells if c.cell_type == "code" and lab_calls(c.source)]
    code = [c.source for c in page.cells if c.cell_type == "code"]
    assert labs and code == [next(c.source for c in source.cells if c.cell_type == "code"), *labs]
    assert page.cells[0].source.startswith("# Lesson")
    assert all(c.source.startswith("## ") for c in page.cells[2:] if c.cell_type == "markdown")


def test_a_lab_built_from_names_defined_on_the_way_is_refused_with_the_name():
    lesson = make_notebook([("markdown", "# L", []), ("code", "from course.labs import gateway_lab", []),
                            ("code", "seed = 3", []), ("code", "gateway_lab(seed=seed)", [])])  # fmt: skip
    with pytest.raises(ValueError, match="the lab cell 'gateway_lab\\(seed=seed\\)' uses seed, defined on the way"):
        presenter_notebook(lesson, "l.ipynb")
    with pytest.raises(ValueError, match="has no lab"):
        presenter_notebook(make_notebook([("code", "import math", [])]), "l.ipynb")


def test_lessons_are_found_by_number_and_a_wrong_name_lists_them():
    if LESSONS:
        assert find_lesson(LESSONS[0].name[:2]) == LESSONS[0]
        assert find_lesson(str(int(LESSONS[0].name[:2]))) == LESSONS[0]
    with pytest.raises(ValueError, match=r"name one lesson, e\.g\. make present LESSON=02"):
        find_lesson("99")


def test_the_command_serves_on_loopback_with_the_presenter_template(tmp_path, capsys):
    if not LESSONS:
        pytest.skip("no lesson in this checkout")
    assert main(["present", LESSONS[0].name[:2], "--dry-run", "--build", str(tmp_path), "--port", "8899"]) == 0
    command = capsys.readouterr().out.splitlines()[-1]
    assert "--Voila.ip=127.0.0.1" in command and "--Voila.port=8899" in command and "--template=present" in command
    assert "--no-browser" in command and f"JUPYTER_PATH={tmp_path / 'share'}" in command
    assert (tmp_path / LESSONS[0].name).exists()
    assert main(["present", "99", "--dry-run", "--build", str(tmp_path)]) == 2


def test_the_template_loads_nothing_from_a_cdn_and_sets_the_size(tmp_path):
    write_template(tmp_path, font=24)
    text = (tmp_path / "voila" / "templates" / "present" / "index.html.j2").read_text()
    assert "cdn.jsdelivr" not in text and "zoom: 1.500" in text and "block notebook_css" in text
    assert (
        tmp_path / "voila" / "templates" / "present" / "conf.json"
    ).read_text().strip() == '{"base_template": "lab"}'
