"""The three export layouts and the class report, on a small a3 class graded once for the module."""
import copy
import csv
import html
import json
import re
import shutil

import pytest

from grader import course, export, report
from grader.autograde import autograde
from grader.mutants import mutate_notebook, read_notebook
from grader.verify import Verdict
from tests.conftest import A3, answered, write_submission

MUTANT = "forward_sigmoid_hidden"   # its diagnosis holds an apostrophe, which html.escape changes
STUDENTS = ["blank", "correct", "mutant", "not_json"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, a3):
    """A class of four graded with ``autograde``: ``(root, {student: Verdict})``."""
    root = tmp_path_factory.mktemp("course")
    release = read_notebook(course.release_notebook(A3))
    solved = answered(A3)
    mutant = next(mutant for mutant in a3.MUTANTS if mutant.id == MUTANT)
    write_submission(root, "correct", solved)
    write_submission(root, "mutant", mutate_notebook(solved, mutant))
    write_submission(root, "blank", release)
    write_submission(root, "not_json", b"this is not JSON, {")
    summary = autograde(A3, root, jobs=2)
    assert summary.graded == 3 and len(summary.ungradable) == 1
    klass = course.Course(root)
    return root, {name: Verdict.from_json(klass.verdict_path(name, A3).read_text()) for name in STUDENTS}


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def exported(root, layout, tmp_path):
    path = tmp_path / (layout + ".csv")
    count = export.export(root, path, layout)
    rows = read_rows(path)
    assert count == len(rows) - 1
    return rows


def test_the_class_is_graded_as_expected(graded):
    _, verdicts = graded
    assert verdicts["correct"].score == verdicts["correct"].max_score == 13
    assert verdicts["blank"].score == 0 and verdicts["not_json"].status == "ungradable"
    assert 0 < verdicts["mutant"].score < 13
    assert any(check["diagnosis"] == "the hidden layer uses sigmoid: this network's hidden activation is tanh"
               for check in verdicts["mutant"].checks)


def test_csv_layout_is_one_row_per_submission(graded, tmp_path):
    root, verdicts = graded
    header, *rows = exported(root, "csv", tmp_path)
    assert header == ["student_id", "assignment", "score", "max_score", "status", "reason", "needs_manual_grade"]
    assert [row[0] for row in rows] == STUDENTS
    for student, assignment, score, max_score, status, reason, needs_manual_grade in rows:
        assert needs_manual_grade == "0", "a3 has no written answers"
        verdict = verdicts[student]
        assert assignment == A3 and float(score) == verdict.score and float(max_score) == verdict.max_score
        assert (status, reason) == (verdict.status, verdict.reason)


def test_lms_layout_is_one_row_per_student_with_a_total(graded, tmp_path):
    root, verdicts = graded
    header, *rows = exported(root, "lms", tmp_path)
    assert header == ["Student", A3, "Total"]
    assert [row[0] for row in rows] == STUDENTS
    for student, score, total in rows:
        assert float(score) == float(total) == verdicts[student].score


def test_lms_layout_leaves_an_assignment_not_submitted_empty():
    records = [("ann", "a1", 3.0, 4.0, None), ("ann", "a2", 2.5, 5.0, None), ("bob", "a2", 5.0, 5.0, None)]
    rows = [[export.spreadsheet_cell(value) for value in row] for row in export.lms_rows(records)]
    assert rows == [["Student", "a1", "a2", "Total"], ["ann", "3", "2.5", "5.5"], ["bob", "", "5", "5"]]


def test_checks_layout_is_one_row_per_student_and_check(graded, tmp_path, a3):
    root, verdicts = graded
    header, *rows = exported(root, "checks", tmp_path)
    assert header == ["student_id", "assignment", "grade_id", "check", "points", "passed", "diagnosis", "message"]
    assert len(rows) == 3 * len(a3.CHECKS), "one row per check of each graded submission, none for not_json"
    expected = [[student, A3, check["grade_id"], check["name"], "%g" % check["points"], "1" if check["passed"] else "0",
                 check["diagnosis"], check["message"]] for student in STUDENTS for check in verdicts[student].checks]
    assert rows == expected
    assert {row[5] for row in rows if row[0] == "correct"} == {"1"}
    assert {row[5] for row in rows if row[0] == "blank"} == {"0"}


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("a,b\n\"c\"", "a,b\n\"c\""), ("plain text", "plain text"), ("", ""),
    (-1, "-1"), (-2.5, "-2.5"), (13.0, "13"), (0, "0")])
def test_spreadsheet_cell_quotes_formulas_and_keeps_numbers(value, cell):
    assert export.spreadsheet_cell(value) == cell


def test_hostile_text_is_quoted_and_stays_well_formed(graded, tmp_path):
    """A reason and a diagnosis that a spreadsheet would run as formulas, with commas, quotes and
    newlines: written with a leading quote, read back whole."""
    root = tmp_path / "course"
    shutil.copytree(graded[0], root)
    reason, diagnosis = '=HYPERLINK("x","y"),\n"z"', "@SUM(A1), \"q\"\r\nnext"
    edit_verdict(root, "not_json", lambda verdict: verdict.update(reason=reason))
    edit_verdict(root, "mutant", lambda verdict: verdict["checks"][2].update(diagnosis=diagnosis, passed=False))
    rows = {row[0]: row for row in exported(root, "csv", tmp_path)}
    assert rows["not_json"][5] == "'" + reason
    checks = [row for row in exported(root, "checks", tmp_path) if row[0] == "mutant"]
    assert checks[2][6] == "'" + diagnosis and len(checks[2]) == 8


def edit_verdict(root, student, change):
    """Apply ``change`` to the JSON dict of a stored verdict and write it back."""
    path = course.Course(root).verdict_path(student, A3)
    verdict = json.loads(path.read_text())
    change(verdict)
    path.write_text(json.dumps(verdict))


def test_export_command_writes_the_chosen_layout(graded, tmp_path):
    from grader.__main__ import main
    root, _ = graded
    assert main(["export", "--root", str(root), "--to", str(tmp_path / "lms.csv"), "--format", "lms"]) == 0
    assert read_rows(tmp_path / "lms.csv")[0] == ["Student", A3, "Total"]


@pytest.fixture(scope="module")
def page(graded):
    from grader.__main__ import main
    root, _ = graded
    assert main(["report", A3, "--root", str(root)]) == 0
    return (root / "reports" / (A3 + ".html")).read_text(encoding="utf-8")


def without_images(text):
    return re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]*"', "", text)


def test_report_counts_and_figures(page, a3):
    assert "3 submissions graded, 1 could not be graded" in page
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 2 and all('alt="' in image and 'src="data:image/png;base64,' in image for image in images)
    assert page.count("<figcaption>") == 2
    failures = re.search(r'alt="Horizontal bar chart[^"]*"', page).group()
    labels = [html.escape("%s: %s" % (check.grade_id, check.name)) for check in a3.CHECKS]
    assert [failures.index(label) for label in labels] == sorted(failures.index(label) for label in labels)


def test_report_holds_diagnoses_reasons_and_times(page, graded):
    _, verdicts = graded
    assert html.escape("this network's hidden activation is tanh") in page
    assert "network's" not in page, "the diagnosis is escaped"
    assert html.escape(verdicts["not_json"].reason) in page and "not valid JSON" in page
    assert "(no diagnosis)" in page and "Time per submission" in page


def test_report_is_self_contained(page):
    text = without_images(page).lower()
    assert "<script" not in text and "http" not in text and "<link" not in text


def test_report_escapes_a_students_text(graded, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded[0], root)
    edit_verdict(root, "not_json", lambda verdict: verdict.update(reason="<script>alert(1)</script>"))
    edit_verdict(root, "mutant", lambda verdict: verdict["checks"][2].update(diagnosis="<img src=x onerror=y>",
                                                                              passed=False))
    path, count = report.write_report(A3, root)
    text = path.read_text(encoding="utf-8")
    assert count == 4 and "<script" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;img src=x onerror=y&gt;" in text
