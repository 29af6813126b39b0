"""Grade a whole class: every submission in its own sandbox, in parallel, resumable.

Each verdict is written (atomically) to ``DIR/autograded/<student>/<assignment>/verdict.json`` and
into the gradebook as soon as it is known, so an interrupted run loses nothing: the next run skips
submissions whose verdict was made from the same notebook by the same grader (``--force`` regrades).
"""
import hashlib
import itertools
import os
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from nbgrader.api import Gradebook

from grader import assignments, course, gradebook, sandbox, secret
from grader.submission import Ungradable, read_submission
from grader.verify import Verdict, grade_submission, total_points

GRADER_FILES = ("grader/*.py", "grader/assignments/*.py", "backprop/*.py")


@dataclass
class Summary:
    """What a run did; ``ungradable`` lists ``(student, reason)`` (refused entries: the shown name)."""
    graded: int = 0
    skipped: int = 0
    ungradable: list = field(default_factory=list)


@dataclass(frozen=True)
class Task:
    """One submission to grade, with everything a worker needs (picklable: a worker may be elsewhere).

    ``data`` is the notebook's bytes, read safely by the parent; when it could not be read, ``data``
    is None and ``reason`` says why.
    """
    student: str
    assignment: str
    data: bytes | None
    reason: str | None
    key: bytes
    grader: str
    limits: sandbox.Limits = sandbox.Limits()


def grade_task(task):
    """``(verdict, fingerprint)`` of one :class:`Task`; the fingerprint is that of the very bytes graded."""
    assignment = assignments.load(task.assignment)
    fingerprint = submission_fingerprint(task.data, task.reason, task.grader)
    if task.reason is not None:
        return Verdict(task.student, task.assignment, "ungradable", 0.0, total_points(assignment),
                       reason=task.reason), fingerprint
    try:
        verdict = grade_submission(task.data, assignment, course.solution_notebook(task.assignment), task.key,
                                   task.student, limits=task.limits)
    except Exception as error:  # noqa: BLE001 - one broken submission must not stop the class
        traceback.print_exc()
        verdict = Verdict(task.student, task.assignment, "ungradable", 0.0, total_points(assignment),
                          reason="the grader failed on this submission (%s: %s); please report it"
                          % (type(error).__name__, error))
    return verdict, fingerprint


def grader_fingerprint(assignment):
    """Changes whenever the grading code, the reference or the solution notebook changes."""
    digest = hashlib.sha256()
    files = sorted(path for pattern in GRADER_FILES for path in course.REPOSITORY.glob(pattern))
    for path in files + [course.solution_notebook(assignment)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def submission_fingerprint(data, reason, grader):
    """Identifies a submission's bytes (or, if it could not be read, the reason) and the grader."""
    digest = hashlib.sha256(grader.encode())
    digest.update(b"bytes\0" + data if reason is None else b"refused\0" + reason.encode())
    return digest.hexdigest()


def read_for_grading(klass, student, assignment_name):
    """``(data, reason)``: the submission's bytes (read safely, see ``grader.submission``) and None,
    or None and why it cannot be graded."""
    try:
        return read_submission(klass.submission(student, assignment_name), klass.submitted), None
    except Ungradable as error:
        return None, str(error)


def inspect_submission(klass, student, assignment_name, grader):
    """The fingerprint of a student's submission as it is now, read as grading reads it."""
    return submission_fingerprint(*read_for_grading(klass, student, assignment_name), grader)


def _write_atomically(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _up_to_date(verdict_path, fingerprint):
    marker = verdict_path.with_name("fingerprint")
    return verdict_path.is_file() and marker.is_file() and marker.read_text() == fingerprint


def autograde(assignment_name, root, jobs=1, student=None, force=False, limits=sandbox.Limits(),
              out=sys.stderr):
    """Grade ``root/submitted/*/assignment_name`` (or one student's); returns a :class:`Summary`."""
    assignment = assignments.load(assignment_name)
    sandbox.require_tools()
    if jobs < 1:
        raise ValueError("--jobs must be at least 1")
    klass = course.Course(root)
    students, refused = klass.student_folders(student)
    solution = course.solution_notebook(assignment_name)
    gradebook.record_assignment(klass.db_url, assignment_name, solution)
    key = secret.course_secret(klass.root)
    grader = grader_fingerprint(assignment_name)
    summary = Summary(ungradable=list(refused))
    report_refused(refused, out)
    todo = _to_grade(klass, students, assignment_name, grader, force, summary)
    if summary.skipped:
        print("%d submission(s) already graded with this grader and unchanged: skipped (use --force to "
              "regrade)" % summary.skipped, file=out)

    started = time.monotonic()
    tasks = (Task(name, assignment_name, *read_for_grading(klass, name, assignment_name), key, grader, limits)
             for name in todo)
    with ThreadPoolExecutor(max_workers=jobs) as pool, Gradebook(klass.db_url) as book:
        for done, (task, (verdict, fingerprint)) in enumerate(graded(pool, tasks, 2 * jobs), start=1):
            name = task.student
            _store(klass, book, verdict, fingerprint, solution.stem)
            if verdict.status == "graded":
                summary.graded += 1
                line = "%g/%g" % (verdict.score, verdict.max_score)
            else:
                summary.ungradable.append((name, verdict.reason))
                line = "could not be graded: " + verdict.reason
            print("[%d/%d] %s: %s (%.1f s)" % (done, len(todo), name, line, verdict.seconds), file=out, flush=True)
    print("%s: graded %d, could not grade %d, skipped %d, in %.1f s"
          % (assignment_name, summary.graded, len(summary.ungradable), summary.skipped,
             time.monotonic() - started), file=out)
    return summary


def graded(pool, tasks, in_flight):
    """``(task, grade_task(task))`` for every task, as each finishes, with at most ``in_flight``
    submitted to ``pool`` at once (so at most that many notebooks are held in memory)."""
    tasks = iter(tasks)
    running = {}
    while True:
        for task in itertools.islice(tasks, in_flight - len(running)):
            running[pool.submit(grade_task, task)] = task
        if not running:
            return
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            yield running.pop(future), future.result()


def _to_grade(klass, students, assignment_name, grader, force, summary):
    """The students whose submission must be graded; counts the others as skipped."""
    todo = []
    for name in students:
        fingerprint = inspect_submission(klass, name, assignment_name, grader)
        if not force and _up_to_date(klass.verdict_path(name, assignment_name), fingerprint):
            summary.skipped += 1
            earlier = read_verdict(klass, name, assignment_name)
            if earlier.status != "graded":
                summary.ungradable.append((name, earlier.reason))
        else:
            todo.append(name)
    return todo


def report_refused(refused, out):
    """Print the entries of ``submitted/`` that are not student folders; they are not stored."""
    for name, reason in refused:
        print("%s: could not be graded: %s" % (name, reason), file=out)
    if refused:
        print("%d entry(ies) of submitted/ not a student folder: reported here only, not stored in "
              "autograded/ or the gradebook" % len(refused), file=out, flush=True)


def _store(klass, book, verdict, fingerprint, notebook):
    path = klass.verdict_path(verdict.student, verdict.assignment)
    _write_atomically(path, verdict.to_json())
    gradebook.record_verdict(book, verdict, notebook)
    _write_atomically(path.with_name("fingerprint"), fingerprint)


def read_verdict(klass, student, assignment):
    """The stored verdict, or None."""
    path = klass.verdict_path(student, assignment)
    return Verdict.from_json(path.read_text(encoding="utf-8")) if path.is_file() else None

