"""The instructor's commands end to end: a class autograded, exported, resumed; bad input reported."""
import csv
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nbgrader.dbutil import write_alembic_ini

from grader import assignments, course
from grader.gradebook import alembic_head
from grader.mutants import mutate_notebook
from grader.verify import total_points
from tests.cheats import CHEATS, fill
from tests.conftest import A3, with_cell, write_submission


def grader_command(*arguments):
    return subprocess.run([sys.executable, "-m", "grader", *arguments], capture_output=True, text=True,
                          cwd=course.REPOSITORY, timeout=1200)


def read_csv(path):
    with open(path, newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, solution_notebook, blank_notebook, a3):
    """A class with correct, blank, mutant, cheating and broken submissions, graded with --jobs 2."""
    root = tmp_path_factory.mktemp("course")
    mutants = {mutant.id: mutant for mutant in a3.MUTANTS}
    write_submission(root, "correct", solution_notebook)
    write_submission(root, "blank", blank_notebook)
    write_submission(root, "mutant_one_over_m",
                     mutate_notebook(solution_notebook, mutants["backward_dW2_missing_1_over_m"]))
    write_submission(root, "mutant_sigmoid_hidden",
                     mutate_notebook(solution_notebook, mutants["forward_sigmoid_hidden"]))
    for name in ("patch_allclose", "write_gradebook", "fork_bomb"):
        write_submission(root, "cheat_" + name, with_cell(blank_notebook, fill(CHEATS[name], "backward_propagation", a3,
                                                                           course.REPOSITORY, root)))
    write_submission(root, "broken_json", b"{\"cells\": [")
    write_submission(root, "not_a_notebook", b"[1, 2, 3]")
    write_submission(root, "no_cells", b"{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": []}")
    write_submission(root, "missing", None)
    write_submission(root, "correct_too", solution_notebook)
    result = grader_command("autograde", A3, "--root", str(root), "--jobs", "2")
    exported = grader_command("export", "--root", str(root), "--to", str(root / "grades.csv"))
    assert exported.returncode == 0, exported.stderr
    return root, result, read_csv(root / "grades.csv")


def test_scores_in_the_csv(graded_class):
    _, _, rows = graded_class
    score = {student: float(row["score"]) for student, row in rows.items()}
    assert {row["max_score"] for row in rows.values()} == {"13"}
    assert score["correct"] == score["correct_too"] == 13
    assert score["blank"] == 0
    assert 0 < score["mutant_one_over_m"] < 13 and 0 < score["mutant_sigmoid_hidden"] < 13
    for cheat in ("cheat_patch_allclose", "cheat_write_gradebook", "cheat_fork_bomb"):
        assert score[cheat] <= score["blank"]


def test_unreadable_submissions_get_zero_with_a_reason(graded_class):
    _, result, rows = graded_class
    reasons = {"broken_json": "not valid JSON", "not_a_notebook": "not a Jupyter notebook",
               "no_cells": "no code cells", "missing": "missing"}
    for student, words in reasons.items():
        assert rows[student]["score"] == "0" and rows[student]["status"] == "ungradable"
        assert words in rows[student]["reason"]
    assert result.returncode == len(reasons), "the exit status counts the ungradable submissions"
    assert "could not grade 4" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_gradebook_holds_the_scores_and_was_not_written_by_a_student(graded_class):
    root, _, _ = graded_class
    with sqlite3.connect(root / "gradebook.db") as connection:
        scores = connection.execute("SELECT max(auto_score), max(max_score) FROM grade "
                                    "JOIN grade_cells ON grade.cell_id = grade_cells.id").fetchone()
    assert scores == (4.0, 4.0)


def test_rerun_skips_graded_submissions_and_force_regrades_one(graded_class):
    root, _, rows = graded_class
    again = grader_command("autograde", A3, "--root", str(root))
    assert "skipped 12" in again.stderr and again.returncode == 4
    one = grader_command("autograde", A3, "--root", str(root), "--student", "correct", "--force")
    assert one.returncode == 0 and "[1/1] correct: 13/13" in one.stderr


def test_verdicts_explain_failures_without_leaking_the_reference(graded_class):
    root, _, _ = graded_class
    import json
    verdict = json.loads((root / "autograded" / "mutant_one_over_m" / A3 / "verdict.json").read_text())
    failed = [check for check in verdict["checks"] if not check["passed"]]
    assert [check["name"] for check in failed] == ["dW2"]
    assert "1/m" in failed[0]["diagnosis"] and "factor of" in failed[0]["message"]
    text = json.dumps(verdict)
    assert "BEGIN SOLUTION" not in text and "keepdims=True)" not in text.replace("keepdims=True keeps", "")


def test_bad_arguments_get_clear_errors(tmp_path):
    unknown = grader_command("autograde", "a9_nothing", "--root", str(tmp_path))
    assert unknown.returncode == 2 and "no grader for assignment" in unknown.stderr
    empty = grader_command("autograde", A3, "--root", str(tmp_path))
    assert empty.returncode == 2 and "submitted/" in empty.stderr
    assert "Traceback" not in unknown.stderr + empty.stderr
    no_gradebook = grader_command("export", "--root", str(tmp_path), "--to", str(tmp_path / "x.csv"))
    assert no_gradebook.returncode == 2 and "gradebook" in no_gradebook.stderr


def test_check_command_passes():
    result = grader_command("check", A3)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout


def test_written_answers_are_left_to_an_instructor(tmp_path):
    """a6's explanations are Markdown grade cells: no automatic score, marked for manual grading."""
    name = "a6_bug_hunt"
    write_submission(tmp_path, "student", course.solution_notebook(name).read_bytes(), assignment=name)
    result = grader_command("autograde", name, "--root", str(tmp_path), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "gradebook.db") as connection:
        rows = connection.execute(
            "SELECT grade_cells.cell_type, grade.auto_score, grade.needs_manual_grade FROM grade "
            "JOIN grade_cells ON grade.cell_id = grade_cells.id").fetchall()
    written = [row for row in rows if row[0] == "markdown"]
    automatic = [row for row in rows if row[0] == "code"]
    assert written and all(score is None and needs for _, score, needs in written)
    assert automatic and all(score is not None and not needs for _, score, needs in automatic)
    assert sum(score for _, score, _ in automatic) == total_points(assignments.load(name))


def test_a_new_gradebook_is_stamped_with_the_revision_alembic_itself_reports():
    """The in-process head (grader.gradebook.alembic_head) is what ``alembic heads`` prints."""
    with tempfile.TemporaryDirectory() as folder:
        ini = Path(folder) / "alembic.ini"
        write_alembic_ini(str(ini), "sqlite://")
        printed = subprocess.run([str(Path(sys.executable).with_name("alembic")), "-c", str(ini), "heads"],
                                 capture_output=True, text=True, check=True).stdout
    assert printed.split()[0] == alembic_head()
