"""Grades out of a course folder as CSV, in three layouts, every cell safe to open in a spreadsheet.

* ``csv``: one row per student and assignment (score, max_score, status, reason);
* ``lms``: one row per student, one column per assignment and a total, as an LMS gradebook imports;
* ``checks``: one row per student and check (points, passed, diagnosis, message), for item analysis.

Scores come from the gradebook, as nbgrader counts them: a cell's manual score where an
instructor gave one in formgrader, else its automatic score; ``csv`` says which submissions still
need a manual grade (written answers not yet graded), and ``checks`` has a row per written answer
with its manual score. Everything else comes from the verdicts in ``DIR/autograded/``. A
student controls much of that text (file names end up in reasons, sandbox messages in checks): a
text cell that a spreadsheet would read as a formula is written with a leading single quote.
"""
import csv
from pathlib import Path

from grader import course, database, gradebook
from grader.autograde import read_verdict

FORMATS = ("csv", "lms", "checks")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NO_VERDICT = "no verdict file: graded outside this tool?"
WRITTEN = "written answer"


def spreadsheet_cell(value):
    """``value`` as a CSV cell: a number (int or float, not bool) as a number, e.g. ``-1`` or
    ``12.5``; any other value as text, prefixed with ``'`` when it starts with a character that
    makes a spreadsheet read a formula (= + - @ tab carriage-return, OWASP's CSV-injection advice)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "%.10g" % value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def course_records(root, db_url=None):
    """``[(student, assignment, score, max_score, verdict or None, (needs_manual_grade, written))]``
    (``written``: ``[(grade_id, manual score or None, max_score)]``) for every submission in the
    gradebook of the course folder ``root`` (at ``db_url``, default ``root/gradebook.db``), sorted by
    student and assignment."""
    klass = course.Course(root, database.gradebook_url(db_url))
    database.check_gradebook(klass.db_url, must_exist=True)
    manual = gradebook.manual_grading(klass.db_url)
    return [(student, assignment, score, max_score, read_verdict(klass, student, assignment),
             manual.get((student, assignment), (False, [])))
            for student, assignment, score, max_score in gradebook.submission_scores(klass.db_url)]


def submission_rows(records):
    """The ``csv`` layout: a header and one row per submission."""
    rows = [["student_id", "assignment", "score", "max_score", "status", "reason", "needs_manual_grade"]]
    for student, assignment, score, max_score, verdict, (needs_manual_grade, _) in records:
        status, reason = (verdict.status, verdict.reason) if verdict else ("unknown", NO_VERDICT)
        rows.append([student, assignment, score, max_score, status, reason, int(needs_manual_grade)])
    return rows


def lms_rows(records):
    """The ``lms`` layout: ``Student, <assignment>..., Total`` and one row per student; an
    assignment the student did not submit is an empty cell (and adds nothing to the total)."""
    assignment_names = sorted({record[1] for record in records})
    scores = {}
    for student, assignment, score, *_ in records:
        scores.setdefault(student, {})[assignment] = score
    rows = [["Student"] + assignment_names + ["Total"]]
    for student in sorted(scores):
        mine = scores[student]
        rows.append([student] + [mine.get(name, "") for name in assignment_names] + [sum(mine.values())])
    return rows


def check_rows(records):
    """The ``checks`` layout: one row per student and check of every verdict (ungradable
    submissions have no checks, hence no rows); ``passed`` is 1 or 0. Then one row per written
    answer (check ``written answer``, graded by hand): ``passed`` 1 for full marks, 0 for less,
    empty while ungraded, and the manual score in the message."""
    rows = [["student_id", "assignment", "grade_id", "check", "points", "passed", "diagnosis", "message"]]
    for student, assignment, _, _, verdict, (_, written) in records:
        for check in verdict.checks if verdict else []:
            rows.append([student, assignment, check["grade_id"], check["name"], check["points"],
                         int(bool(check["passed"])), check.get("diagnosis", ""), check.get("message", "")])
        for grade_id, manual_score, max_score in written:
            if manual_score is None:
                rows.append([student, assignment, grade_id, WRITTEN, max_score, "", "", "needs a manual grade"])
            else:
                rows.append([student, assignment, grade_id, WRITTEN, max_score, int(manual_score >= max_score), "",
                             "manual score %g / %g" % (manual_score, max_score)])
    return rows


LAYOUTS = {"csv": submission_rows, "lms": lms_rows, "checks": check_rows}


def write_rows(rows, destination):
    """Write ``rows`` (lists of values) to the CSV file ``destination``, every value through
    :func:`spreadsheet_cell`, quoted only where needed (commas, quotes, newlines)."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open(destination, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerows([spreadsheet_cell(value) for value in row] for row in rows)


def export(root, destination, layout="csv", db_url=None):
    """Write the grades of the course folder ``root`` (its gradebook at ``db_url``, default
    ``root/gradebook.db``) to ``destination`` in ``layout`` (one of :data:`FORMATS`); returns the
    number of rows written below the header."""
    if layout not in LAYOUTS:
        raise ValueError("unknown export format %r: use one of %s" % (layout, ", ".join(FORMATS)))
    rows = LAYOUTS[layout](course_records(root, db_url))
    write_rows(rows, destination)
    return len(rows) - 1
