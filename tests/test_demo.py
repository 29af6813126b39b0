"""``python -m grader demo`` on a3: every kind of student gets what it should, the summary fits a
screen, and the report and a feedback page render in headless Chromium without a console error.

The demo is run once for the module, in-process, with ``--jobs 2`` (about a minute: 64 submissions).
"""
import csv
import io
import time

import pytest

from book_extensions.print_pdf import headless_chromium
from grader import assignments
from grader.__main__ import parser
from grader.demo import KINDS, run_demo
from tests.conftest import A3
from tests.jupyterlab_driver import missing_browser_parts

WINDOW = (1280, 900)
# What the browser tests need from a page.
MEASURE = """
return {text: document.body.innerText,
        images: Array.from(document.images).map(image => ({complete: image.complete, width: image.naturalWidth,
                                                            alt: image.getAttribute("alt")}))};
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo run on a3 (a ``DemoRun``), what it printed, and how long it took (seconds)."""
    printed = io.StringIO()
    started = time.monotonic()
    run = run_demo(A3, tmp_path_factory.mktemp("demo") / "course", jobs=2, out=printed)
    return run, printed.getvalue(), time.monotonic() - started


def members(run, kind):
    return [student for student in run.students if student.kind == kind]


def scores(run, kind):
    """student -> (status, score, max_score) of every student of ``kind``."""
    return {student.name: (run.verdicts[student.name].status, run.verdicts[student.name].score,
                           run.verdicts[student.name].max_score) for student in members(run, kind)}


def test_a_class_of_at_least_40_with_every_kind(demo):
    run, _, seconds = demo
    assert len(run.students) >= 40 and len({student.name for student in run.students}) == len(run.students)
    assert {student.kind for student in run.students} == set(KINDS)
    assert sorted(student.what for student in members(run, "common bug")) == sorted(
        mutant.id for mutant in assignments.load(A3).MUTANTS)
    print("the demo took %.1f s" % seconds)


def test_correct_submissions_get_full_marks(demo):
    run, _, _ = demo
    assert len(members(run, "correct")) >= 2
    assert set(scores(run, "correct").values()) == {("graded", 13, 13)}


def test_blank_releases_get_nothing(demo):
    run, _, _ = demo
    assert set(scores(run, "blank").values()) == {("graded", 0, 13)}


def test_partly_correct_and_every_common_bug_lose_points(demo):
    run, _, _ = demo
    for kind in ("partly correct", "common bug"):
        for name, (status, score, max_score) in scores(run, kind).items():
            assert status == "graded" and 0 <= score < max_score == 13, (name, status, score)


def test_cheats_earn_nothing(demo):
    run, _, _ = demo
    cheats = scores(run, "cheat")
    assert len(cheats) >= 10
    assert set(cheats.values()) == {("graded", 0, 13)}, cheats


def test_every_malformed_submission_could_not_be_graded_with_a_reason(demo):
    run, _, _ = demo
    reasons = dict(run.ungradable)
    malformed = members(run, "malformed")
    assert len(malformed) == 7 and set(reasons) == {student.name for student in malformed}
    for student in malformed:
        verdict = run.verdicts[student.name]
        assert verdict is None if student.name == "'-rf'" else verdict.status == "ungradable"
        assert len(reasons[student.name]) > 20, (student, reasons[student.name])
    assert "symbolic link" in reasons["malformed-symlink"] and "folder" in reasons["malformed-folder"]
    assert "not valid JSON" in reasons["malformed-not-json"] and "not a Jupyter notebook" in reasons[
        "malformed-not-a-notebook"]


def test_the_summary_fits_a_screen_and_names_the_files(demo):
    run, printed, _ = demo
    lines = printed.splitlines()
    assert len(lines) < 40, printed
    assert str(run.root) in printed and "Every student got what their kind should." in printed
    for path in list(run.csv_files.values()) + [run.report, run.feedback_page]:
        assert path.is_file() and str(path.relative_to(run.root)) in printed
    assert any(line.split()[:3] == ["common", "bug", "34"] for line in lines), printed


def test_the_exports_hold_every_stored_submission(demo):
    run, _, _ = demo
    with open(run.csv_files["csv"], newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    stored = {name for name, verdict in run.verdicts.items() if verdict is not None}
    assert set(rows) == stored and len(stored) == len(run.students) - 1
    assert rows["correct-answered"]["score"] == "13" and rows["malformed-empty"]["status"] == "ungradable"


def test_the_command_line_has_a_demo_command():
    arguments = parser().parse_args(["demo"])
    assert (arguments.assignment, arguments.root, arguments.jobs) == (A3, None, 2)
    arguments = parser().parse_args(["demo", "--assignment", "a5_gradient_checking", "--root", "x", "--jobs", "3"])
    assert (arguments.assignment, arguments.root, arguments.jobs) == ("a5_gradient_checking", "x", 3)


def test_an_unknown_assignment_or_a_used_folder_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(KeyError):
        run_demo("a0_no_such_assignment", tmp_path / "course", out=io.StringIO())
    assert not (tmp_path / "course").exists()
    (tmp_path / "used" / "submitted").mkdir(parents=True)
    with pytest.raises(ValueError, match="not empty"):
        run_demo(A3, tmp_path / "used", out=io.StringIO())
    assert [path.name for path in (tmp_path / "used").iterdir()] == ["submitted"]


@pytest.fixture(scope="module")
def browser():
    problem = missing_browser_parts()
    if problem:
        pytest.fail(problem)
    driver = headless_chromium(*WINDOW)
    yield driver
    driver.quit()


def opened(browser, path):
    """Load the HTML file ``path``: what MEASURE returns, with the page's SEVERE console entries."""
    browser.get_log("browser")                      # forget what earlier pages logged
    browser.get(path.as_uri())
    result = browser.execute_script(MEASURE)
    result["console_errors"] = [entry["message"] for entry in browser.get_log("browser")
                                if entry["level"] == "SEVERE"]
    return result


def test_the_report_renders_with_its_images(demo, browser):
    run, _, _ = demo
    page = opened(browser, run.report)
    assert not page["console_errors"], page["console_errors"]
    assert len(page["images"]) >= 2, page["images"]
    assert all(image["complete"] and image["width"] > 0 and image["alt"] for image in page["images"])
    graded = sum(1 for verdict in run.verdicts.values() if verdict is not None and verdict.status == "graded")
    assert "%d submissions graded, 6 could not be graded." % graded in page["text"]


def test_a_feedback_page_renders_with_its_score(demo, browser):
    run, _, _ = demo
    page = opened(browser, run.feedback_page)
    assert not page["console_errors"], page["console_errors"]
    verdict = run.verdicts[run.feedback_student]
    assert "Graded: %g / 13 points." % verdict.score in page["text"]
    assert run.feedback_student in page["text"]
