"""Scores into, and rows out of, the standard nbgrader gradebook of a course folder."""
import contextlib
import warnings

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveCells


def record_assignment(db_url, assignment, source_notebook):
    """Put the assignment's notebook, grade cells and their points into the gradebook (idempotent)."""
    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_assignment(assignment)
    notebook = nbformat.read(str(source_notebook), as_version=nbformat.NO_CONVERT)
    resources = {"nbgrader": {"db_url": db_url, "assignment": assignment, "notebook": source_notebook.stem}}
    SaveCells().preprocess(notebook, resources)


def record_verdict(gradebook, verdict, notebook):
    """Replace the student's submission of this assignment by one scored from ``verdict``.

    Code grade cells get the verdict's scores; Markdown grade cells (written answers) are left
    to an instructor, marked as needing a manual grade.

    ``gradebook`` is an open :class:`nbgrader.api.Gradebook` (opening one costs a subprocess).
    """
    scores = verdict.scores_by_grade_id()
    # nbgrader 0.9.6's add_submission makes SQLAlchemy 2 warn about its own relationship handling;
    # the rows are written correctly (the tests read them back), so the warning is only noise here.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    gradebook.update_or_create_student(verdict.student)
    with contextlib.suppress(MissingEntry):
        gradebook.remove_submission(verdict.assignment, verdict.student)
        gradebook.db.expunge_all()
    gradebook.add_submission(verdict.assignment, verdict.student)
    for cell in gradebook.find_notebook(notebook, verdict.assignment).grade_cells:
        grade = gradebook.find_grade(cell.name, notebook, verdict.assignment, verdict.student)
        if cell.cell_type == "markdown":  # a written answer: an instructor grades it in formgrader
            grade.auto_score = None
            grade.needs_manual_grade = True
            continue
        grade.auto_score = min(scores.get(cell.name, 0.0), cell.max_score)
        grade.needs_manual_grade = False
    gradebook.db.commit()


def submission_scores(db_url):
    """``[(student, assignment, score, max_score)]`` for every submission in the gradebook, sorted."""
    with Gradebook(db_url) as gradebook:
        rows = []
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                rows.append((submission.student_id, assignment.name, submission.score, submission.max_score))
    return sorted(rows)
