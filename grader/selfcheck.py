"""``python -m grader check``: the grading of an assignment is itself tested before anyone is graded.

It fails unless the committed release equals a fresh one, the points of the checks equal the
points of the notebook's grade cells, the solution scores full marks, the blank release scores 0,
and every mutant in the catalogue loses points with its own diagnosis.
"""
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from grader import assignments, course, release, secret
from grader.mutants import MutantDoesNotApply, mutate_notebook, read_notebook
from grader.verify import grade_notebook, total_points


def _points_by_grade_id(notebook):
    points = {}
    for cell in notebook["cells"]:
        metadata = cell.get("metadata", {}).get("nbgrader", {})
        if metadata.get("grade") and cell["cell_type"] == "code":
            points[metadata["grade_id"]] = float(metadata["points"])
    return points


def _written_points(notebook):
    """The points of the notebook's Markdown grade cells: written answers, graded by hand, not checked here."""
    return sum(float(cell["metadata"]["nbgrader"]["points"]) for cell in notebook["cells"]
               if cell["cell_type"] == "markdown" and cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def _check_points(assignment, solution):
    expected = _points_by_grade_id(solution)
    graded = {}
    for check in assignment.CHECKS:
        graded[check.grade_id] = graded.get(check.grade_id, 0.0) + check.points
    return [] if graded == expected else [
        "the checks give points %s but the notebook's grade cells say %s" % (graded, expected)]


@dataclass
class Summary:
    """What ``grader check`` found for one assignment: one row of its table."""
    assignment: str
    points: float
    solution_score: float = 0.0
    blank_score: float = 0.0
    mutants_caught: int = 0
    mutants: int = 0
    failures: list = field(default_factory=list)
    by_hand: float = 0.0        # points of written answers: an instructor grades them in formgrader


def table(summaries):
    """The per-assignment table ``grader check`` prints at the end, as lines of text.

    ``points`` are the automatic ones, those the solution must earn in full; ``by hand`` the points
    of written answers, which no check grades (they are marked for manual grading instead)."""
    lines = ["%-26s %6s %7s %9s %7s %15s  %s" % ("assignment", "points", "by hand", "solution", "blank",
                                                  "mutants caught", "result")]
    for row in summaries:
        lines.append("%-26s %6g %7s %9g %7g %15s  %s" % (
            row.assignment, row.points, "%g" % row.by_hand if row.by_hand else "-", row.solution_score,
            row.blank_score, "%d/%d" % (row.mutants_caught, row.mutants), "FAIL" if row.failures else "ok"))
    if any(row.by_hand for row in summaries):
        lines.append("by hand: points of written answers, graded in formgrader (not by the checks); "
                     "the solution must earn every automatic point")
    return lines


def run_selfcheck(name, jobs=2, out=sys.stdout):
    """Run every self-check of assignment ``name``; returns its :class:`Summary` (no failures = pass)."""
    assignment = assignments.load(name)
    solution_path = course.solution_notebook(name)
    solution = read_notebook(solution_path)
    failures = ["release: " + line for line in release.release_differences(name)]
    failures += _check_points(assignment, solution)
    key = secret.one_time_secret()
    max_score = total_points(assignment)
    with tempfile.TemporaryDirectory(prefix="selfcheck-") as scratch:
        subjects = [("solution", solution, None), ("blank release", read_notebook(course.release_notebook(name)), None)]
        for mutant in assignment.MUTANTS:
            try:
                subjects.append(("mutant " + mutant.id, mutate_notebook(solution, mutant), mutant))
            except MutantDoesNotApply as error:
                failures.append(str(error))

        def grade(item):
            index, (label, notebook, mutant) = item
            path = Path(scratch) / str(index) / (name + ".ipynb")
            path.parent.mkdir()
            path.write_text(json.dumps(notebook), encoding="utf-8")
            return grade_notebook(path, assignment, solution_path, key, label)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            verdicts = list(pool.map(grade, enumerate(subjects)))
    summary = Summary(name, max_score, mutants=len(assignment.MUTANTS), by_hand=_written_points(solution))
    for (label, _, mutant), verdict in zip(subjects, verdicts):
        problem = _judge_subject(label, mutant, verdict, max_score)
        print("%-50s %5g/%g  %s" % (label, verdict.score, max_score, problem or "ok"), file=out)
        if problem:
            failures.append("%s: %s" % (label, problem))
        if label == "solution":
            summary.solution_score = verdict.score
        elif label == "blank release":
            summary.blank_score = verdict.score
        elif not problem:
            summary.mutants_caught += 1
    summary.failures = failures
    return summary


def _judge_subject(label, mutant, verdict, max_score):
    failed = [check for check in verdict.checks if not check["passed"]]
    if label == "solution":
        return "" if verdict.score == max_score else "the solution lost points: %s" % [
            (check["name"], check["message"]) for check in failed]
    if label == "blank release":
        return "" if verdict.score == 0 else "the blank release earned %g points" % verdict.score
    if verdict.score >= max_score:
        return "not caught: it scores full marks"
    if not any(check["diagnosis"] == mutant.diagnosis for check in failed):
        return "caught, but no failed check gives its diagnosis (%s)" % [check["diagnosis"] for check in failed]
    return ""
