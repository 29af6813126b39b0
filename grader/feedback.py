"""Feedback pages: one self-contained HTML page per graded submission, for the student.

``feedback`` writes ``DIR/feedback/<student>/<assignment>/<assignment>.html`` (where nbgrader's
``release_feedback`` looks) for every student with a verdict in ``DIR/autograded/``. A page shows
the score, the notes on the notebook, the student's own notebook cell by cell (sources only, never
outputs, which could hold scripts or huge data) and, after each graded test cell, the checks of
that part with their messages and diagnoses exactly as the verdict has them (the grader masked
them already: see ``grader.judging``).

Everything on a page that comes from a notebook or a verdict is escaped, and cleaned of control
and invisible characters; the page has no script and loads nothing (inline CSS only, and a
Content-Security-Policy that forbids everything else), so it works offline.
"""
import html
import json
import sys
import time
from dataclasses import dataclass, field

from grader import assignments, course
from grader.autograde import _write_atomically
from grader.harness import clean_text
from grader.progress import Progress
from grader.reading import PYTHON_LINE_END, _cells, source_text
from grader.submission import Ungradable, read_submission
from grader.verify import Verdict

MAX_CELLS_SHOWN = 500
MAX_CELL_CHARS = 20_000
MAX_LINE_CHARS = 2_000
POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1a1a1a; line-height: 1.45; }
header { border-bottom: 2px solid #444; margin-bottom: 1.5rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; padding: 0.6rem;
      font-family: ui-monospace, monospace; font-size: 0.9rem; }
.cell { margin: 0.8rem 0; border: 1px solid #ccc; border-radius: 4px; }
.cell .label { font-size: 0.8rem; color: #555; padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; }
.code pre { background: #f6f6f6; }
.part { margin: 0.8rem 0 1.6rem 2rem; padding: 0.4rem 0.8rem; border-left: 4px solid #36c; background: #f3f6fc; }
.part h3 { margin: 0.3rem 0; font-size: 1rem; }
.check { margin: 0.5rem 0; }
.passed .verdict { color: #176b2c; font-weight: bold; }
.failed .verdict { color: #a3141c; font-weight: bold; }
.message, .diagnosis { margin: 0.2rem 0 0 1.2rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.reason, .problems { background: #fff4e0; border: 1px solid #e0a030; padding: 0.5rem 0.8rem; }
"""


@dataclass
class Counts:
    """What a run wrote: pages, of which ``without_notebook`` show only why the notebook is not
    shown; ``refused`` lists ``(shown name, reason)`` for entries of ``autograded/`` not used."""
    pages: int = 0
    without_notebook: int = 0
    refused: list = field(default_factory=list)


@dataclass
class Cell:
    """One cell of a student's notebook as a page shows it."""
    kind: str        # "code", "markdown" or "raw"
    source: str      # cleaned (see :func:`shown_text`), possibly cut
    grade_id: str    # nbgrader's grade_id, or ""
    number: int      # code cells: 1, 2, ... (as the verdict's notes count them); others 0


def feedback_path(klass, student, assignment_name):
    """Where nbgrader keeps the feedback of a student's assignment."""
    return klass.root / "feedback" / student / assignment_name / (assignment_name + ".html")


def feedback(assignment_name, root, student=None, out=sys.stderr):
    """Write the feedback page of every student of ``root`` (or only ``student``) with a verdict on
    ``assignment_name``; returns :class:`Counts`."""
    assignments.load(assignment_name)
    klass = course.Course(root)
    students, refused = graded_students(klass, assignment_name, student)
    counts = Counts(refused=refused)
    for name, reason in refused:
        print("%s: no feedback: %s" % (name, reason), file=out)
    started = time.monotonic()
    progress = Progress(len(students), "page", out)
    for name in students:
        verdict = Verdict.from_json(klass.verdict_path(name, assignment_name).read_text(encoding="utf-8"))
        cells, reason = notebook_for_page(klass, name, assignment_name)
        _write_atomically(feedback_path(klass, name, assignment_name), page(verdict, cells, reason))
        counts.pages += 1
        counts.without_notebook += cells is None
        progress.done(name, "written" if cells is not None else "written, without the notebook: " + reason)
    progress.close()
    seconds = time.monotonic() - started
    print("%s: wrote %d feedback page(s) under %s in %.2f s (%.3f s per page)"
          % (assignment_name, counts.pages, klass.root / "feedback", seconds, seconds / max(counts.pages, 1)),
          file=out)
    return counts


def graded_students(klass, assignment_name, student=None):
    """``(students, refused)``: the sorted names in ``autograded/`` with a verdict on the assignment
    (or ``student`` alone, who must have one); ``refused`` lists ``(shown name, reason)`` for
    entries whose name is not an accepted student id."""
    folder = klass.root / "autograded"
    if student is not None:
        course.check_name("student", student)
        if not klass.verdict_path(student, assignment_name).is_file():
            raise FileNotFoundError("%s has no verdict on %s: run autograde first" % (student, assignment_name))
        return [student], []
    if not folder.is_dir():
        raise FileNotFoundError("%s has no autograded/ folder: run autograde first" % klass.root)
    names = sorted(entry.name for entry in folder.iterdir())
    refused = [(course.shown(name), "the name is not accepted as a student id (%s)" % course.NAME_RULE)
               for name in names if not course.SAFE_NAME.fullmatch(name)]
    return [name for name in names if course.SAFE_NAME.fullmatch(name)
            and klass.verdict_path(name, assignment_name).is_file()], refused


def notebook_for_page(klass, student, assignment_name):
    """``(cells, None)``: the student's submitted notebook, read as grading reads it; or ``(None,
    reason)`` when it cannot be read or is not a notebook."""
    try:
        data = read_submission(klass.submission(student, assignment_name), klass.submitted)
        return notebook_cells(data), None
    except Ungradable as error:
        return None, str(error)


def notebook_cells(data):
    """The cells of a notebook given as its file's bytes: a list of :class:`Cell` (at most
    ``MAX_CELLS_SHOWN``). Raises :class:`Ungradable` for bytes that are not a notebook."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise Ungradable("the file is not valid JSON: it is not a saved notebook") from None
    except (RecursionError, MemoryError):
        raise Ungradable("the file nests JSON too deeply, or is too large, to be shown") from None
    cells = _cells(document)
    if cells is None:
        raise Ungradable("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    shown, code_cells = [], 0
    for cell in cells[:MAX_CELLS_SHOWN]:
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        kind = kind if kind in ("code", "markdown") else "raw"
        code_cells += kind == "code"
        source = source_text(cell)
        shown.append(Cell(kind, "" if source is None else shown_text(source, MAX_CELL_CHARS),
                          _grade_id(cell), code_cells if kind == "code" else 0))
    return shown


def _grade_id(cell):
    """The cell's nbgrader grade_id if it is a string, else ""."""
    metadata = cell.get("metadata")
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else ""


def shown_text(text, limit):
    """``text`` cut to ``limit`` characters, each line cleaned of control, invisible and surrogate
    characters (``grader.harness.clean_text``; tabs become four spaces). Not yet escaped."""
    cut = len(text) > limit
    lines = PYTHON_LINE_END.split(text[:limit])
    cleaned = "\n".join(clean_text(line.replace("\t", "    "), MAX_LINE_CHARS) for line in lines)
    return cleaned + ("\n[... %d more characters not shown]" % (len(text) - limit) if cut else "")


def escaped(text):
    """``text`` (from a notebook or a verdict) as HTML text: cleaned, then escaped."""
    return html.escape(shown_text(str(text), MAX_CELL_CHARS), quote=True)


def page(verdict, cells, reason):
    """The whole HTML page of one verdict; ``cells`` as from :func:`notebook_cells`, or None and the
    ``reason`` why the notebook is not shown."""
    parts = checks_by_grade_id(verdict.checks)
    body = [header(verdict), problems_section(verdict.problems)]
    if cells is None:
        body.append('<p class="reason">Your notebook is not shown: %s</p>' % escaped(reason))
        placed = set()
    else:
        body.append(notebook_section(cells, parts))
        placed = {cell.grade_id for cell in cells if cell.kind == "code"}
    body.append(unplaced_parts(parts, placed))
    title = "%s: feedback for %s" % (verdict.assignment, verdict.student)
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta http-equiv="Content-Security-Policy" content="%s">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n%s\n</body>\n</html>\n'
            % (POLICY, escaped(title), STYLE, "\n".join(piece for piece in body if piece)))


def header(verdict):
    """Assignment, student, score out of the maximum, and whether it was graded (or why not)."""
    if verdict.status == "graded":
        status = "<p>Graded: %s / %s points.</p>" % (_points(verdict.score), _points(verdict.max_score))
    else:
        status = ('<p class="reason">Could not be graded: %s</p><p>Score: %s / %s points.</p>'
                  % (escaped(verdict.reason), _points(verdict.score), _points(verdict.max_score)))
    return ("<header>\n<h1>%s</h1>\n<p>Student: %s</p>\n%s\n</header>"
            % (escaped(verdict.assignment), escaped(verdict.student), status))


def problems_section(problems):
    """The verdict's notes on the notebook (syntax errors, definitions that failed), or ""."""
    if not problems:
        return ""
    items = "\n".join("<li>%s</li>" % escaped(problem) for problem in problems)
    return ('<section class="problems">\n<h2>Notes on your notebook</h2>\n<ul>\n%s\n</ul>\n</section>'
            % items)


def checks_by_grade_id(checks):
    """``{grade_id: [check, ...]}`` in the order the verdict lists them."""
    parts = {}
    for check in checks:
        parts.setdefault(check["grade_id"], []).append(check)
    return parts


def notebook_section(cells, parts):
    """The notebook, cell by cell, with each part's checks after the first code cell of its grade_id."""
    pieces, placed = [], set()
    for cell in cells:
        pieces.append(cell_html(cell))
        if cell.kind == "code" and cell.grade_id in parts and cell.grade_id not in placed:
            placed.add(cell.grade_id)
            pieces.append(part_html(cell.grade_id, parts[cell.grade_id]))
    return '<main>\n<h2>Your notebook</h2>\n%s\n</main>' % "\n".join(pieces)


def cell_html(cell):
    """One cell: its kind (code cells numbered as the notes count them) and its escaped source."""
    label = "code cell %d" % cell.number if cell.kind == "code" else cell.kind
    if cell.grade_id:
        label += " (%s)" % cell.grade_id
    return ('<div class="cell %s">\n<div class="label">%s</div>\n<pre>%s</pre>\n</div>'
            % (cell.kind, escaped(label), html.escape(cell.source, quote=True)))


def part_html(grade_id, checks):
    """The block of one graded part: points earned / possible and every check of it."""
    earned = sum(check["points"] for check in checks if check["passed"])
    possible = sum(check["points"] for check in checks)
    items = "\n".join(check_html(check) for check in checks)
    return ('<section class="part">\n<h3>Checks of %s: %s / %s points</h3>\n<ul>\n%s\n</ul>\n</section>'
            % (escaped(grade_id), _points(earned), _points(possible), items))


def check_html(check):
    """One check: name, passed or failed, its points, the message and "Likely cause: ..."."""
    outcome = "passed" if check["passed"] else "failed"
    lines = ['<li class="check %s"><span class="verdict">%s</span> %s (%s point%s)'
             % (outcome, outcome, escaped(check["name"]), _points(check["points"]),
                "" if check["points"] == 1 else "s")]
    if check.get("message"):
        lines.append('<div class="message">%s</div>' % escaped(check["message"]))
    if check.get("diagnosis"):
        lines.append('<div class="diagnosis">Likely cause: %s</div>' % escaped(check["diagnosis"]))
    return "\n".join(lines) + "</li>"


def unplaced_parts(parts, placed):
    """The parts whose graded cell is not in the notebook shown, listed at the end; or ""."""
    missing = [grade_id for grade_id in parts if grade_id not in placed]
    if not missing:
        return ""
    blocks = "\n".join(part_html(grade_id, parts[grade_id]) for grade_id in missing)
    return ('<section class="unplaced">\n<h2>Graded parts whose cell is not in your notebook</h2>\n%s\n</section>'
            % blocks)


def _points(value):
    return "%g" % value
