"""``python -m grader demo``: a made-up class graded end to end, to see what the grader does.

``run_demo`` writes a class into a new course folder, then grades it, writes the feedback pages,
exports the grades in every layout and writes the class report, through the very functions the
commands ``autograde``, ``feedback``, ``export`` and ``report`` call. The class, for any released
assignment with a catalogue of mutants:

* correct: the release filled with the solution's answers (also with one more cell of the
  student's own, and the instructor's solution notebook itself);
* partly correct: the same with one graded function left as released, one student per function;
* common bug: one student per catalogued mutant (``grader.mutants``) of the assignment;
* blank: the release as it was handed out, twice;
* cheat: the blank release with a cheat of ``grader.cheats`` (a cell, or changed graded cells);
* malformed: files that are not notebooks (not JSON, JSON that is not a notebook, an empty file, a
  symbolic link, a folder named like the notebook, no notebook) and a refused student folder name.

The folder is kept: its ``autograde.log`` has the grading's progress, ``exports/`` the CSV files,
``reports/`` the report and ``feedback/`` a page per student.
"""
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import assignments, cheats, course, export
from grader.autograde import autograde, read_verdict
from grader.mutants import mutate_notebook, read_notebook
from grader.synthetic import answered, with_cell, without_function, write_submission
from grader.verify import total_points

KINDS = ("correct", "partly correct", "common bug", "blank", "cheat", "malformed")
# What a kind must get: full marks, less than full marks, nothing, or no grade.
EXPECTED = {"correct": "full marks", "partly correct": "less than full marks", "common bug": "less than full marks",
            "blank": "0 points", "cheat": "0 points", "malformed": "could not be graded"}
# Cheats of grader.cheats that end quickly (the others wait for a time or memory limit).
DEMO_CHEATS = ("patch_allclose", "always_equal_object", "input_transformer", "swallow_errors", "cheat_when_grading",
               "read_reference", "read_the_job", "write_gradebook", "os_exit", "function_from_the_sandbox")
REFUSED_NAME = "-rf"
EXPORTS = {"csv": "grades.csv", "lms": "lms.csv", "checks": "checks.csv"}
UNSAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9_.@+-]")
REASON_WIDTH = 72


@dataclass(frozen=True)
class Student:
    """One member of the demo class: ``name`` is the folder under ``submitted/`` (for the refused
    name, the name as ``autograde`` shows it), ``kind`` one of :data:`KINDS`, ``what`` which one."""
    name: str
    kind: str
    what: str


@dataclass
class DemoRun:
    """What ``run_demo`` made: the class, its verdicts (student -> Verdict, None for a refused
    folder), what could not be graded (``[(student, reason)]``) and the files written."""
    assignment: str
    root: Path
    jobs: int
    students: list
    verdicts: dict
    ungradable: list
    csv_files: dict = field(default_factory=dict)
    report: Path = None
    feedback_page: Path = None
    feedback_student: str = None
    grading_seconds: float = 0.0
    seconds: float = 0.0


def demo_root(root=None):
    """The course folder for a demo: ``root`` (created; it must hold no course yet) or a new temporary one."""
    if root is None:
        return Path(tempfile.mkdtemp(prefix="grader-demo-")).resolve()
    root = Path(root).resolve()
    if root.exists() and any(root.iterdir()):
        raise ValueError("%s is not empty: the demo writes a new course folder" % root)
    root.mkdir(parents=True, exist_ok=True)
    return root


def folder_name(prefix, text):
    """A student id from ``prefix`` and ``text`` that the course accepts (see ``course.SAFE_NAME``)."""
    return course.check_name("student", (prefix + "-" + UNSAFE_CHARACTERS.sub("_", text))[:100])


def graded_functions(assignment):
    """The functions the checks of ``assignment`` grade, in the order of the checks."""
    return list(dict.fromkeys(check.function for check in assignment.CHECKS))


def demo_assignment(assignment_name):
    """The module of ``assignment_name`` if the demo can use it: released, with a catalogue of mutants."""
    assignment = assignments.load(assignment_name)
    if not getattr(assignment, "MUTANTS", None):
        raise ValueError("%s has no catalogued mutants: the demo needs its common bugs" % assignment_name)
    if not course.release_notebook(assignment_name).is_file():
        raise FileNotFoundError("%s is not released: run python -m grader release %s"
                                % (course.release_notebook(assignment_name), assignment_name))
    return assignment


def write_class(assignment_name, root):
    """Write the demo class's submissions of ``assignment_name`` under ``root/submitted/``; the
    :class:`Student` list, in the order of :data:`KINDS`."""
    assignment = demo_assignment(assignment_name)
    solution = read_notebook(course.solution_notebook(assignment_name))
    release = read_notebook(course.release_notebook(assignment_name))
    solved = answered(assignment_name)
    notebooks = {}                                   # Student -> a JSON dict, bytes, or a writer
    notebooks[Student("correct-answered", "correct", "the release with the solution's answers")] = solved
    notebooks[Student("correct-own-cell", "correct", "the same and a cell of the student's own")] = with_cell(
        solved, "print('my own experiment:', 6 * 7)\n")
    notebooks[Student("correct-solution", "correct", "the instructor's solution notebook")] = solution
    for function in graded_functions(assignment):
        notebooks[Student(folder_name("partly", "no-" + function), "partly correct", function + " left blank")] = \
            answered(assignment_name, without_function(solution, release, function))
    for mutant in assignment.MUTANTS:
        notebooks[Student(folder_name("bug", mutant.id), "common bug", mutant.id)] = \
            answered(assignment_name, mutate_notebook(solution, mutant))
    notebooks[Student("blank-1", "blank", "the release")] = release
    notebooks[Student("blank-2", "blank", "the release")] = release
    target = cheats.target(assignment)
    for name in DEMO_CHEATS:
        notebooks[Student(folder_name("cheat", name), "cheat", name)] = with_cell(
            release, cheats.fill(cheats.CHEATS[name], target, assignment, course.REPOSITORY, root))
    for name, change in cheats.NOTEBOOK_CHEATS.items():
        notebooks[Student(folder_name("cheat", name), "cheat", name)] = change(release)
    notebooks.update(malformed_submissions(assignment_name, solved))
    for student, notebook in notebooks.items():
        folder = REFUSED_NAME if student.name == course.shown(REFUSED_NAME) else student.name
        if callable(notebook):
            notebook(Path(root) / "submitted" / folder / assignment_name / (assignment_name + ".ipynb"))
        else:
            write_submission(root, folder, assignment_name, notebook)
    return list(notebooks)


def malformed_submissions(assignment_name, solved):
    """Student -> what to hand in: bytes, None (no notebook), or a function of the notebook's path
    that makes it (a link, a folder). The refused folder name holds a correct notebook."""
    def linked(path):
        path.parent.mkdir(parents=True)
        os.symlink(course.solution_notebook(assignment_name), path)

    def folder(path):
        path.mkdir(parents=True)

    return {
        Student("malformed-not-json", "malformed", "not JSON"): b'{"cells": [{"cell_type": "code", "source": ',
        Student("malformed-not-a-notebook", "malformed", "JSON that is not a notebook"):
            b'{"name": "my homework", "answers": [1, 2, 3]}',
        Student("malformed-empty", "malformed", "an empty file"): b"",
        Student("malformed-symlink", "malformed", "a symbolic link to the solution notebook"): linked,
        Student("malformed-folder", "malformed", "a folder named like the notebook"): folder,
        Student("malformed-no-notebook", "malformed", "no notebook"): None,
        Student(course.shown(REFUSED_NAME), "malformed", "a student folder name that is refused"): solved,
    }


def run_demo(assignment_name="a3_two_layer_network", root=None, jobs=2, out=sys.stdout):
    """Write the demo class into ``root`` (default: a new temporary folder), grade it, write the
    feedback pages, the three CSV exports and the report, and print a one-screen summary to ``out``;
    returns a :class:`DemoRun`."""
    from grader import feedback, report   # report imports Matplotlib

    started = time.monotonic()
    demo_assignment(assignment_name)                # before any folder is made
    root = demo_root(root)
    print("Demo class for %s in %s (kept)" % (assignment_name, root), file=out, flush=True)
    students = write_class(assignment_name, root)
    log = root / "autograde.log"
    print("grading %d submissions with --jobs %d; progress in %s" % (len(students), jobs, log), file=out, flush=True)
    grading_started = time.monotonic()
    with open(log, "w", encoding="utf-8") as progress:
        summary = autograde(assignment_name, root, jobs=jobs, out=progress)
    grading_seconds = time.monotonic() - grading_started
    klass = course.Course(root)
    verdicts = {student.name: read_verdict(klass, student.name, assignment_name) for student in students}
    run = DemoRun(assignment_name, root, jobs, students, verdicts, list(summary.ungradable),
                  grading_seconds=grading_seconds)
    with open(log, "a", encoding="utf-8") as progress:
        feedback.feedback(assignment_name, root, out=progress)
    for layout, file_name in EXPORTS.items():
        run.csv_files[layout] = root / "exports" / file_name
        export.export(root, run.csv_files[layout], layout)
    run.report, _ = report.write_report(assignment_name, root)
    run.feedback_student = next(student.name for student in students if student.kind == "common bug")
    run.feedback_page = feedback.feedback_path(klass, run.feedback_student, assignment_name)
    run.seconds = time.monotonic() - started
    print("\n".join(summary_lines(run)), file=out, flush=True)
    return run


def meets_expectation(kind, verdict):
    """Whether a student of ``kind`` got what :data:`EXPECTED` says (``verdict`` None: not stored)."""
    if kind == "malformed":
        return verdict is None or verdict.status != "graded"
    if verdict is None or verdict.status != "graded":
        return False
    if kind == "correct":
        return verdict.score == verdict.max_score
    if kind in ("blank", "cheat"):
        return verdict.score == 0
    return verdict.score < verdict.max_score


def problems(run):
    """Sentences on every student of ``run`` who did not get what their kind should (none: all did)."""
    found = ["%s (%s: %s) should get %s" % (student.name, student.kind, student.what, EXPECTED[student.kind])
             for student in run.students if not meets_expectation(student.kind, run.verdicts[student.name])]
    refused = {name for name, _ in run.ungradable}
    found += ["%s is not among those that could not be graded" % student.name for student in run.students
              if student.kind == "malformed" and student.name not in refused]
    return found


def score_range(verdicts):
    """``"low-high"`` of the graded verdicts' scores, or ``"-"`` when none was graded."""
    scores = [verdict.score for verdict in verdicts if verdict is not None and verdict.status == "graded"]
    return "%g-%g" % (min(scores), max(scores)) if scores else "-"


def one_line(text, width=REASON_WIDTH):
    """``text`` on one line of at most ``width`` characters (cut with "...")."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3] + "..."


def summary_lines(run):
    """The summary ``run_demo`` prints: fewer than 40 lines."""
    points = total_points(assignments.load(run.assignment))
    lines = ["", "%d students handed in %s (%g points)" % (len(run.students), run.assignment, points),
             "%-15s %8s %7s %12s  %s" % ("kind", "students", "graded", "scores", "should get")]
    for kind in KINDS:
        members = [student for student in run.students if student.kind == kind]
        verdicts = [run.verdicts[student.name] for student in members]
        graded = sum(1 for verdict in verdicts if verdict is not None and verdict.status == "graded")
        lines.append("%-15s %8d %7d %12s  %s" % (kind, len(members), graded, score_range(verdicts), EXPECTED[kind]))
    lines.append("Could not be graded (%d):" % len(run.ungradable))
    lines += ["  %s: %s" % (student, one_line(reason)) for student, reason in run.ungradable]
    folder = str(run.root) + os.sep
    lines += ["Files (in %s):" % run.root,
              "  CSV       " + ", ".join(str(path).replace(folder, "", 1) for path in run.csv_files.values()),
              "  report    " + str(run.report).replace(folder, "", 1),
              "  feedback  " + str(run.feedback_page).replace(folder, "", 1),
              "Took %.1f s (grading %.1f s) with --jobs %d." % (run.seconds, run.grading_seconds, run.jobs)]
    unexpected = problems(run)
    lines += ["Every student got what their kind should."] if not unexpected else \
        ["NOT AS EXPECTED (%d):" % len(unexpected)] + ["  " + one_line(text, 100) for text in unexpected[:5]]
    return lines
