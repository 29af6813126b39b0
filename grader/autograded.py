"""The autograded notebook of a submission, where nbgrader's formgrader looks for it.

``write_autograded`` writes ``DIR/autograded/<student>/<assignment>/<assignment>.ipynb`` beside the
verdict: the notebook formgrader lists on a submission's page, renders for manual grading and
scores from the gradebook. It is the student's notebook, exactly the bytes graded, rebuilt cell by
cell as nbgrader's own autograde leaves it (``OverwriteCells`` with missing cells added back):

* every output, attachment and metadata field of the student's cells is dropped (outputs can hold
  scripts, and formgrader renders the notebook as a page in the instructor's browser);
* the nbgrader cells come from the gradebook, not from the student: read-only cells and test cells
  get the source, metadata and checksum the gradebook holds, answer cells keep the student's text
  under the gradebook's metadata; a cell whose grade_id the gradebook does not know becomes a
  plain cell, and a gradebook cell the student deleted or renamed is added back where it belongs;
* each test cell's output is the verdict on that part (points, then every check with its message
  and likely cause) as a plain text stream, and a first cell, marked as the grader's, says the
  total, the notes on the notebook and, for a submission that could not be graded, why;
* Markdown (and raw) text written by the student has every ``<`` written as ``&lt;``: formgrader
  renders Markdown with raw HTML allowed, so no tag a student wrote reaches the page.

A submission that is not a readable notebook gets the released notebook instead, with the reason:
formgrader then still lists it, with its zero, and an instructor can still open and grade it.

The submission's time (nbgrader's ``timestamp.txt``, if any) goes into the gradebook, as
nbgrader's autograde puts it there: formgrader lists a submission as autograded only then.

When a written answer (a Markdown grade cell) is not the same text as in the previous autograded
notebook, the instructor's manual score and comment on it no longer apply and are cleared
(``grader.gradebook.forget_manual_grades``); on an unchanged answer they are kept.
"""
import json
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.utils import compute_checksum, parse_utc

from grader import course, gradebook
from grader.harness import clean_text
from grader.reading import _cells, source_text
from grader.submission import Ungradable, read_submission

MAX_CELLS = 1000
MAX_CELL_CHARS = 100_000
MAX_LINE_CHARS = 2_000
MAX_TIMESTAMP_CHARS = 100
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
GRADER_CELL_TITLE = "# Notes from the grader on this submission (added by the grader, not the student's)"
MISSING_NOTE = "This cell was missing from the submission. It was added back by the grader."


def autograded_path(klass, student, assignment):
    """Where formgrader reads a student's autograded notebook of ``assignment``."""
    return klass.verdict_path(student, assignment).with_name(assignment + ".ipynb")


def write_autograded(klass, book, verdict, data, notebook_name):
    """Write the autograded notebook of ``verdict`` (see the module docstring) and clear the manual
    grades of written answers that changed since the previous one.

    ``data`` is the submission's bytes exactly as graded, or None if they could not be read;
    ``book`` an open :class:`nbgrader.api.Gradebook` holding the assignment's notebook
    ``notebook_name`` (and, already, this verdict's submission). Returns the written path.
    """
    path = autograded_path(klass, verdict.student, verdict.assignment)
    notebook = autograded_notebook(book, verdict, data, notebook_name)
    previous = written_answers(path)
    text = nbformat.writes(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    if previous is not None:
        changed = [grade_id for grade_id, answer in written_answers_of(notebook).items()
                   if previous.get(grade_id) != answer]
        gradebook.forget_manual_grades(book, verdict.assignment, verdict.student, notebook_name, changed)
    gradebook.record_timestamp(book, verdict.assignment, verdict.student,
                               submitted_timestamp(klass, verdict.student, verdict.assignment))
    return path


def submitted_timestamp(klass, student, assignment):
    """The time in ``submitted/<student>/<assignment>/timestamp.txt`` (written by nbgrader's collect),
    as formgrader reads it (UTC, naive), or None: formgrader counts a submission as autograded only
    when the gradebook holds that same time. The file is in the student's folder, so it is read
    as a submission is (no links, no pipes) and anything odd in it counts as no time."""
    try:
        text = read_submission(klass.submitted / student / assignment / "timestamp.txt", klass.submitted)
        return parse_utc(text[:MAX_TIMESTAMP_CHARS].decode("utf-8").strip()) if text.strip() else None
    except (Ungradable, OSError, ValueError, OverflowError, TypeError, LookupError):
        return None


def autograded_notebook(book, verdict, data, notebook_name):
    """The autograded notebook (an ``nbformat`` v4 NotebookNode, valid) of ``verdict``."""
    release = nbformat.read(str(course.release_notebook(verdict.assignment)), as_version=4)
    source = GradebookCells(book, notebook_name, verdict.assignment, release)
    try:
        cells, unread = student_cells(data)
    except Exception as error:  # noqa: BLE001 - whatever the bytes hold, the instructor gets a notebook
        cells, unread = None, "it could not be shown (%s)" % type(error).__name__
    notes = list(verdict.problems)
    if cells is None:
        notes.insert(0, "The submitted file is not shown (%s); below is the released notebook." % unread)
        cells = [{"cell_type": cell["cell_type"], "source": cell["source"], "id": cell.get("id"),
                  "grade_id": source.grade_id_of(cell)} for cell in release.cells]
    elif unread:
        notes.insert(0, unread)
    restored = source.restore(cells)
    checks = {}
    for check in verdict.checks:
        checks.setdefault(check["grade_id"], []).append(check)
    for cell in restored:
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and grading.get("grade"):
            cell.outputs = [text_output(part_lines(verdict, grading, checks.get(grading["grade_id"], [])))]
    notebook = new_notebook(cells=[grader_cell(verdict, notes)] + restored, metadata=release.metadata)
    nbformat.validate(notebook)
    return notebook


def student_cells(data):
    """``(cells, note)``: the submission's cells as plain dicts (``cell_type``, ``source``, ``id``,
    ``grade_id``: the nbgrader grade_id the student's metadata claims, or None) and a note ("" or
    how many cells or characters were left out); or ``(None, reason)`` if ``data`` is not a notebook."""
    if data is None:
        return None, "it could not be read"
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None, "it is not valid JSON"
    except (RecursionError, MemoryError):
        return None, "it nests JSON too deeply, or is too large, to be shown"
    found = _cells(document)
    if found is None:
        return None, "it is JSON but not a Jupyter notebook"
    cells, cut = [], 0
    for cell in found[:MAX_CELLS]:
        if not isinstance(cell, dict):
            continue
        text = source_text(cell)
        text = "" if text is None else text.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates
        if len(text) > MAX_CELL_CHARS:
            cut += 1
            text = text[:MAX_CELL_CHARS] + "\n[... %d more characters left out by the grader]" % (
                len(text) - MAX_CELL_CHARS)
        cells.append({"cell_type": cell.get("cell_type"), "source": text, "id": cell.get("id"),
                      "grade_id": claimed_grade_id(cell)})
    notes = []
    if len(found) > MAX_CELLS:
        notes.append("only the first %d of the notebook's %d cells are shown" % (MAX_CELLS, len(found)))
    if cut:
        notes.append("%d cell(s) longer than %d characters are cut" % (cut, MAX_CELL_CHARS))
    return cells, "; ".join(notes)


def claimed_grade_id(cell):
    """The grade_id in a cell's nbgrader metadata if it is a string, else None (student-controlled)."""
    metadata = cell.get("metadata")
    grading = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    grade_id = grading.get("grade_id") if isinstance(grading, dict) else None
    return grade_id if isinstance(grade_id, str) else None


class GradebookCells:
    """The nbgrader cells of one assignment notebook as the gradebook holds them, in the release's order."""

    def __init__(self, book, notebook_name, assignment, release):
        stored = book.find_notebook(notebook_name, assignment)
        self.source = {cell.name: cell for cell in stored.source_cells}
        self.points = {cell.name: float(cell.max_score) for cell in stored.grade_cells}
        self.answers = {cell.name for cell in stored.solution_cells}
        self.released = {}      # grade_id -> the release's cell (its id, and the blank answer)
        for cell in release.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in self.source:
                self.released[grade_id] = cell
        self.order = list(self.released)
        self.by_cell_id = {cell.get("id"): grade_id for grade_id, cell in self.released.items()}

    def grade_id_of(self, cell):
        """The grade_id of a cell of the release (None for a plain cell)."""
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        return grade_id if grade_id in self.source else None

    def restore(self, cells):
        """The notebook cells (NotebookNodes) for ``cells`` (dicts from :func:`student_cells`), with
        the gradebook's nbgrader cells restored and missing ones added back."""
        owners = self.match(cells)
        restored, where = [], {}
        used_ids = set()
        for index, cell in enumerate(cells):
            grade_id = owners.get(index)
            if grade_id is None:
                restored.append(self.plain_cell(cell, used_ids))
            else:
                where[grade_id] = len(restored)
                restored.append(self.nbgrader_cell(grade_id, cell["source"]))
                used_ids.add(restored[-1].id)
        for position, grade_id in enumerate(self.order):
            if grade_id in where or not (self.source[grade_id].locked or grade_id in self.points):
                continue
            before = [where[earlier] for earlier in self.order[:position] if earlier in where]
            at = max(before) + 1 if before else 0
            restored.insert(at, self.missing_cell(grade_id))
            where = {key: value + (value >= at) for key, value in where.items()}
            where[grade_id] = at
        seen = set()
        for cell in restored:
            if cell.id in seen:
                cell.id = "grader-%d" % len(seen)
            seen.add(cell.id)
        return restored

    def match(self, cells):
        """``{index of a student cell: grade_id}``: which student cell stands for which gradebook cell.

        A cell's claimed grade_id counts if the gradebook knows it and no earlier cell took it; an
        answer cell whose nbgrader metadata the student removed is found by the release's cell id."""
        owners, taken = {}, set()
        for index, cell in enumerate(cells):
            grade_id = cell["grade_id"]
            if grade_id in self.source and grade_id not in taken:
                owners[index] = grade_id
                taken.add(grade_id)
        for index, cell in enumerate(cells):
            grade_id = self.by_cell_id.get(cell["id"]) if isinstance(cell["id"], str) else None
            if (index not in owners and cell["grade_id"] is None and grade_id in self.answers
                    and grade_id not in taken and cell["cell_type"] == self.source[grade_id].cell_type):
                owners[index] = grade_id
                taken.add(grade_id)
        return owners

    def metadata(self, grade_id):
        """The nbgrader metadata of a gradebook cell, as nbgrader's own autograde leaves it."""
        source = self.source[grade_id]
        grading = {"grade": grade_id in self.points, "grade_id": grade_id, "locked": bool(source.locked),
                   "schema_version": 3, "solution": grade_id in self.answers, "task": False,
                   "checksum": source.checksum}
        if grade_id in self.points:
            grading["points"] = self.points[grade_id]
        metadata = {"nbgrader": grading}
        if source.locked:
            metadata.update(deletable=False, editable=False)
        return metadata

    def nbgrader_cell(self, grade_id, student_text, note=""):
        """A gradebook cell: locked ones with the gradebook's source, answers with the student's text."""
        source = self.source[grade_id]
        text = source.source if source.locked else student_text
        if source.cell_type == "markdown" and not source.locked:
            text = neutral_markdown(text)
        cell_id = self.released[grade_id].get("id") or grade_id
        if source.cell_type == "code":
            cell = new_code_cell(("# " + note + "\n" if note else "") + text, metadata=self.metadata(grade_id))
        else:
            cell = new_markdown_cell(("*" + note + "*\n\n" if note else "") + text, metadata=self.metadata(grade_id))
        cell.id = cell_id
        if cell.metadata["nbgrader"]["checksum"] is None:  # the gradebook keeps none for a source notebook
            cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)
        return cell

    def missing_cell(self, grade_id):
        """A gradebook cell the submission lacks: locked cells from the gradebook, answers blank
        (the release's text; the gradebook's would be the model answer)."""
        return self.nbgrader_cell(grade_id, source_text(self.released[grade_id]) or "", note=MISSING_NOTE)

    @staticmethod
    def plain_cell(cell, used_ids):
        """A student's cell without nbgrader metadata: code stays code, anything else is neutral Markdown."""
        if cell["cell_type"] == "code":
            made = new_code_cell(cell["source"])
        else:
            made = new_markdown_cell(neutral_markdown(cell["source"]))
        if isinstance(cell["id"], str) and CELL_ID.fullmatch(cell["id"]) and cell["id"] not in used_ids:
            made.id = cell["id"]
        used_ids.add(made.id)
        return made


def neutral_markdown(text):
    """Student Markdown that renders without any HTML tag the student wrote: ``<`` becomes ``&lt;``."""
    return text.replace("<", "&lt;")


def text_output(lines):
    """A plain text stream output (stdout) of ``lines``, each cleaned of control characters."""
    text = "\n".join(clean_text(str(line).replace("\t", "    "), MAX_LINE_CHARS) for line in lines) + "\n"
    return new_output("stream", name="stdout", text=text)


def part_lines(verdict, grading, checks):
    """What the grader says on one graded part: its points, then each check with message and cause."""
    possible = float(grading.get("points", 0.0))
    if verdict.status != "graded":
        return ["Grader: 0 / %g points: the submission could not be graded (%s)" % (possible, verdict.reason)]
    earned = sum(check["points"] for check in checks if check["passed"])
    lines = ["Grader: %g / %g points" % (earned, possible)]
    for check in checks:
        lines.append("%s  %s (%g point%s)" % ("passed" if check["passed"] else "FAILED", check["name"],
                                            check["points"], "" if check["points"] == 1 else "s"))
        if check.get("message"):
            lines.append("    " + check["message"])
        if check.get("diagnosis"):
            lines.append("    Likely cause: " + check["diagnosis"])
    if not checks:
        lines.append("(no automatic check on this part)")
    return lines


def grader_cell(verdict, notes):
    """The first cell: the grader's summary of the submission as a plain text output."""
    if verdict.status == "graded":
        lines = ["Automatic score: %g / %g points" % (verdict.score, verdict.max_score)]
    else:
        lines = ["Could not be graded: %s" % verdict.reason, "Automatic score: 0 / %g points" % verdict.max_score]
    lines += ["Note: " + note for note in notes]
    cell = new_code_cell(GRADER_CELL_TITLE, outputs=[text_output(lines)])
    cell.id = "grader-notes"
    return cell


def written_answers_of(notebook):
    """``{grade_id: text}`` of the Markdown grade cells (written answers) of an autograded notebook."""
    answers = {}
    for cell in notebook.cells:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and grading.get("grade") and grading.get("solution"):
            answers.setdefault(grading.get("grade_id"), cell.get("source"))
    return answers


def written_answers(path):
    """The written answers of the autograded notebook at ``path`` (see :func:`written_answers_of`),
    or None when there is none yet (or it cannot be read)."""
    try:
        return written_answers_of(nbformat.read(str(path), as_version=4))
    except (OSError, ValueError, KeyError, AttributeError):
        return None
