"""One self-contained HTML page on how a class did on an assignment, from its verdicts.

``write_report(assignment, root)`` reads ``DIR/autograded/*/<assignment>/verdict.json`` and writes
``DIR/reports/<assignment>.html``: the numbers graded and ungradable, a score histogram, the
failure rate of every check, the most frequent diagnoses, the ungradable submissions with their
reasons and the grading time per submission. Figures are PNG images drawn with Matplotlib's Agg
backend and inlined as base64 ``data:`` URIs: the page has no script and loads nothing.

Much of a verdict's text comes from a student (file names in reasons, sandbox messages): every
text from a verdict goes through ``html.escape``.
"""
import base64
import html
import io
import os
import statistics
from collections import Counter
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from grader import assignments, course
from grader.autograde import read_verdict
from grader.verify import total_points

TOP_DIAGNOSES = 10
NO_DIAGNOSIS = "(no diagnosis)"
BAR_COLOUR = "#3b528b"   # viridis blue: dark enough to read in greyscale
STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}"
         "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;text-align:left}"
         "td.number{text-align:right}img{max-width:100%}figcaption,caption{font-style:italic}")


def class_verdicts(klass, assignment):
    """Every stored verdict of ``assignment`` in the course ``klass``, sorted by student."""
    folder = klass.root / "autograded"
    students = sorted(os.listdir(folder)) if folder.is_dir() else []
    verdicts = [read_verdict(klass, student, assignment) for student in students]
    return [verdict for verdict in verdicts if verdict is not None]


def check_label(check):
    """How a check is named in the report: ``grade_id: name``."""
    return "%s: %s" % (check.grade_id, check.name)


def failure_rates(graded, checks):
    """``[(label, fraction of graded verdicts failing it)]`` for ``checks``, in their order."""
    rates = []
    for check in checks:
        failed = sum(1 for verdict in graded for result in verdict.checks
                     if (result["grade_id"], result["name"]) == (check.grade_id, check.name) and not result["passed"])
        rates.append((check_label(check), failed / len(graded) if graded else 0.0))
    return rates


def frequent_diagnoses(graded, count=TOP_DIAGNOSES):
    """The ``count`` most frequent diagnoses of failed checks, ``[(diagnosis, times)]``, most
    frequent first (ties alphabetically); a failed check without one counts as ``(no diagnosis)``."""
    counter = Counter(result.get("diagnosis") or NO_DIAGNOSIS
                      for verdict in graded for result in verdict.checks if not result["passed"])
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:count]


def png_data_uri(figure):
    """The Matplotlib ``figure`` drawn by Agg as a ``data:image/png;base64,...`` URI."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(scores, max_score):
    """A histogram of ``scores``, one bar per point from 0 to ``max_score``: a Figure."""
    figure = Figure(figsize=(6, 3))
    axes = figure.add_subplot()
    axes.hist(scores, bins=np.arange(0, int(max_score) + 2) - 0.5, color=BAR_COLOUR, edgecolor="white")
    axes.set_xlabel("score (points out of %g)" % max_score)
    axes.set_ylabel("submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return figure


def failure_chart(rates):
    """Horizontal bars, one per ``(label, rate)``, the first at the top, rates in percent: a Figure."""
    figure = Figure(figsize=(7, 0.35 * len(rates) + 1))
    axes = figure.add_subplot()
    positions = np.arange(len(rates))
    axes.barh(positions, [100 * rate for _, rate in rates], color=BAR_COLOUR)
    axes.set_yticks(positions, [label for label, _ in rates])
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("graded submissions failing the check (%)")
    return figure


def figure_html(figure, alt, caption):
    """A ``<figure>`` with the image inline, its alt text and its caption (both escaped)."""
    return ('<figure><img src="%s" alt="%s"><figcaption>%s</figcaption></figure>'
            % (png_data_uri(figure), html.escape(alt), html.escape(caption)))


def table_html(caption, header, rows, numeric=()):
    """A ``<table>`` with a caption; every cell escaped; columns whose index is in ``numeric`` are
    right-aligned."""
    head = "".join("<th>%s</th>" % html.escape(str(cell)) for cell in header)
    body = "".join("<tr>%s</tr>" % "".join(
        '<td%s>%s</td>' % (' class="number"' if index in numeric else "", html.escape(str(cell)))
        for index, cell in enumerate(row)) for row in rows)
    return "<table><caption>%s</caption><tr>%s</tr>%s</table>" % (html.escape(caption), head, body)


def scores_section(graded, max_score):
    """The score histogram, or a sentence when nothing was graded."""
    if not graded:
        return "<h2>Scores</h2><p>No submission was graded.</p>"
    scores = [verdict.score for verdict in graded]
    counts = Counter("%g" % score for score in scores)
    alt = "Histogram of the scores of %d graded submissions out of %g points: %s." % (
        len(scores), max_score, "; ".join("%s points: %d" % (score, counts[score])
                                          for score in sorted(counts, key=float)))
    caption = "Scores of the %d graded submissions (median %g of %g)." % (
        len(scores), statistics.median(scores), max_score)
    return "<h2>Scores</h2>" + figure_html(score_histogram(scores, max_score), alt, caption)


def failures_section(graded, checks):
    """The failure rate of every check as horizontal bars."""
    if not graded:
        return ""
    rates = failure_rates(graded, checks)
    alt = "Horizontal bar chart of the failure rate of each check: %s." % "; ".join(
        "%s %.0f%%" % (label, 100 * rate) for label, rate in rates)
    caption = "Share of the %d graded submissions that failed each check, in the assignment's order." % len(graded)
    return "<h2>Failure rate per check</h2>" + figure_html(failure_chart(rates), alt, caption)


def diagnoses_section(graded):
    """The most frequent diagnoses as a table."""
    rows = frequent_diagnoses(graded)
    if not rows:
        return "<h2>Most frequent diagnoses</h2><p>No check failed.</p>"
    return "<h2>Most frequent diagnoses</h2>" + table_html(
        "The %d most frequent diagnoses of failed checks" % len(rows), ["diagnosis", "failed checks"], rows, {1})


def ungradable_section(ungradable):
    """The submissions that could not be graded, with their reasons."""
    if not ungradable:
        return "<h2>Could not be graded</h2><p>Every submission was graded.</p>"
    return "<h2>Could not be graded</h2>" + table_html(
        "Submissions that could not be graded", ["student", "reason"],
        [(verdict.student, verdict.reason) for verdict in ungradable])


def time_section(verdicts):
    """Minimum, median and maximum grading time per submission, as a table."""
    if not verdicts:
        return ""
    seconds = [verdict.seconds for verdict in verdicts]
    return "<h2>Time per submission</h2>" + table_html(
        "Grading time of the %d submissions (seconds)" % len(seconds), ["minimum", "median", "maximum"],
        [["%.1f" % min(seconds), "%.1f" % statistics.median(seconds), "%.1f" % max(seconds)]], {0, 1, 2})


def report_html(assignment, verdicts):
    """The whole page for ``assignment`` (a ``grader.assignments`` module) and its ``verdicts``."""
    graded = [verdict for verdict in verdicts if verdict.status == "graded"]
    ungradable = [verdict for verdict in verdicts if verdict.status != "graded"]
    title = html.escape("Class report: %s" % assignment.NAME)
    counts = "<p>%d submissions graded, %d could not be graded.</p>" % (len(graded), len(ungradable))
    sections = [counts, scores_section(graded, total_points(assignment)), failures_section(graded, assignment.CHECKS),
                diagnoses_section(graded), ungradable_section(ungradable), time_section(verdicts)]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style>'
            "</head><body><h1>%s</h1>%s</body></html>\n" % (title, STYLE, title, "".join(sections)))


def write_report(assignment_name, root, destination=None):
    """Write the report on ``assignment_name`` for the course folder ``root`` to ``destination``
    (default ``root/reports/<assignment>.html``); returns ``(path, number of verdicts)``."""
    assignment = assignments.load(assignment_name)
    klass = course.Course(root)
    verdicts = class_verdicts(klass, assignment_name)
    path = Path(destination) if destination else klass.root / "reports" / (assignment_name + ".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(assignment, verdicts), encoding="utf-8")
    return path, len(verdicts)
