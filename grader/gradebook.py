"""Scores into, and rows out of, the standard nbgrader gradebook of a course folder."""
import contextlib
import os
import tempfile
import warnings

import nbformat
import nbgrader.api
from alembic.config import Config
from alembic.script import ScriptDirectory
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.dbutil import write_alembic_ini
from nbgrader.preprocessors import SaveCells


def alembic_head():
    """The revision nbgrader stamps a new gradebook with, read in this process.

    nbgrader's own ``get_alembic_version`` runs ``alembic heads`` as a subprocess: 3 s here, and it
    fails unless ``alembic`` is on PATH. It reads the same ``alembic.ini`` as this does.
    """
    with tempfile.TemporaryDirectory(prefix="alembic-") as folder:
        ini = os.path.join(folder, "alembic.ini")
        write_alembic_ini(ini, "sqlite://")
        return ScriptDirectory.from_config(Config(ini)).get_current_head()


nbgrader.api.get_alembic_version = alembic_head


def record_assignment(db_url, assignment, source_notebook):
    """Put the assignment's notebook, grade cells and their points into the gradebook (idempotent)."""
    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_assignment(assignment)
    notebook = nbformat.read(str(source_notebook), as_version=nbformat.NO_CONVERT)
    resources = {"nbgrader": {"db_url": db_url, "assignment": assignment, "notebook": source_notebook.stem}}
    SaveCells().preprocess(notebook, resources)


def record_verdict(gradebook, verdict, notebook):
    """Score the student's submission of this assignment from ``verdict`` (adding it if new).

    Code grade cells get the verdict's scores; Markdown grade cells (written answers) are left
    to an instructor, marked as needing a manual grade until one is given. The submission is
    updated in place, so what an instructor gave in formgrader (manual scores, extra credit,
    comments, the flag) survives a regrade; ``grader.autograded`` clears it on a written answer
    whose text changed (:func:`forget_manual_grades`).

    ``gradebook`` is an open :class:`nbgrader.api.Gradebook` (opening one costs a subprocess).
    """
    scores = verdict.scores_by_grade_id()
    # nbgrader 0.9.6's add_submission makes SQLAlchemy 2 warn about its own relationship handling;
    # the rows are written correctly (the tests read them back), so the warning is only noise here.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    gradebook.update_or_create_student(verdict.student)
    cells = gradebook.find_notebook(notebook, verdict.assignment).grade_cells
    grades = _submission_grades(gradebook, verdict, notebook, cells)
    for cell, grade in zip(cells, grades):
        if cell.cell_type == "markdown":  # a written answer: an instructor grades it in formgrader
            grade.auto_score = None
            grade.needs_manual_grade = grade.manual_score is None
            continue
        grade.auto_score = min(scores.get(cell.name, 0.0), cell.max_score)
        grade.needs_manual_grade = False
    gradebook.db.commit()


def _submission_grades(gradebook, verdict, notebook, cells):
    """The student's grade of each of ``cells``: those of the existing submission, or of a new one
    when there is none or it lacks a grade (the assignment gained a grade cell since)."""
    try:
        gradebook.find_submission(verdict.assignment, verdict.student)
        return [gradebook.find_grade(cell.name, notebook, verdict.assignment, verdict.student) for cell in cells]
    except MissingEntry:
        with contextlib.suppress(MissingEntry):
            gradebook.remove_submission(verdict.assignment, verdict.student)
            gradebook.db.expunge_all()
    gradebook.add_submission(verdict.assignment, verdict.student)
    return [gradebook.find_grade(cell.name, notebook, verdict.assignment, verdict.student) for cell in cells]


def forget_manual_grades(gradebook, assignment, student, notebook, grade_ids):
    """Clear the manual score, extra credit and comment an instructor gave on the student's cells
    ``grade_ids`` (written answers whose text changed) and mark them as needing a manual grade."""
    for grade_id in grade_ids:
        grade = gradebook.find_grade(grade_id, notebook, assignment, student)
        grade.manual_score = grade.extra_credit = None
        grade.needs_manual_grade = grade.auto_score is None
        with contextlib.suppress(MissingEntry):
            gradebook.find_comment(grade_id, notebook, assignment, student).manual_comment = None
    gradebook.db.commit()


def record_timestamp(gradebook, assignment, student, timestamp):
    """Set the submission's time (a naive UTC datetime, or None), as formgrader compares it with the
    time in ``submitted/<student>/<assignment>/timestamp.txt``."""
    gradebook.find_submission(assignment, student).timestamp = timestamp
    gradebook.db.commit()


def manual_grading(db_url):
    """``{(student, assignment): (needs_manual_grade, [(grade_id, manual_score or None, max_score)])}``:
    whether a submission still needs a manual grade, and its Markdown grade cells (written answers)."""
    with Gradebook(db_url) as gradebook:
        found = {}
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                written = [(grade.name, grade.manual_score, grade.max_score)
                           for notebook in submission.notebooks for grade in notebook.grades
                           if grade.cell.cell_type == "markdown"]
                found[submission.student_id, assignment.name] = (bool(submission.needs_manual_grade), written)
    return found


def submission_scores(db_url):
    """``[(student, assignment, score, max_score)]`` for every submission in the gradebook, sorted."""
    with Gradebook(db_url) as gradebook:
        rows = []
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                rows.append((submission.student_id, assignment.name, submission.score, submission.max_score))
    return sorted(rows)
