import csv
import io
import json

from course.grading import GradeReport, NotebookGrade, QuestionGrade


def sample():
    good = NotebookGrade("a/01.ipynb", [QuestionGrade("demo.add", 1, 1, "pass"), QuestionGrade("demo.x", 2, 2, "pass")])
    bad = NotebookGrade("b/01.ipynb", [QuestionGrade("demo.add", 0, 1, "timeout", "cell 4 did not finish within 30 s")])
    lost = NotebookGrade("c/99.ipynb", error="no solution named 99.ipynb in solutions (solutions there: 01.ipynb)")
    return GradeReport([good, bad, lost])


def test_the_table_has_a_row_per_question_and_a_total_per_notebook():
    assert sample().table().splitlines() == [
        "notebook    question    points  result",
        "a/01.ipynb  demo.add    1/1     pass",
        "a/01.ipynb  demo.x      2/2     pass",
        "a/01.ipynb  total       3/3",
        "b/01.ipynb  demo.add    0/1     timeout: cell 4 did not finish within 30 s",
        "b/01.ipynb  total       0/1",
        "c/99.ipynb  (notebook)  0/0     error: no solution named 99.ipynb in solutions (solutions there: 01.ipynb)",
        "c/99.ipynb  total       0/0",
    ]


def test_a_report_is_ok_only_when_every_notebook_earned_every_point():
    report = sample()
    assert [nb.ok for nb in report.notebooks] == [True, False, False]
    assert not report.ok
    assert GradeReport(report.notebooks[:1]).ok
    assert not GradeReport([]).ok  # nothing graded is not a success


def test_json_and_csv_agree_with_the_table(tmp_path):
    report = sample()
    report.write_json(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert (data["points"], data["max_points"]) == (3, 4)
    assert [nb["ok"] for nb in data["notebooks"]] == [True, False, False]
    assert data["notebooks"][2]["questions"][0]["question"] == "(notebook)"
    rows = list(csv.DictReader(io.StringIO(report.csv_text())))
    assert [(r["notebook"], r["question"], r["points"], r["status"]) for r in rows] == [
        ("a/01.ipynb", "demo.add", "1", "pass"),
        ("a/01.ipynb", "demo.x", "2", "pass"),
        ("b/01.ipynb", "demo.add", "0", "timeout"),
        ("c/99.ipynb", "(notebook)", "0", "error"),
    ]
    report.write_csv(tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_text() == report.csv_text()
