"""Grade a whole class: every submission in its own sandbox, in parallel, resumable.

Each verdict is written (atomically) to ``DIR/autograded/<student>/<assignment>/verdict.json`` and
into the gradebook as soon as it is known, so an interrupted run loses nothing: the next run skips
submissions whose verdict was made from the same notebook by the same grader (``--force`` regrades).
"""
import contextlib
import hashlib
import itertools
import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from nbgrader.api import Gradebook

from grader import assignments, autograded, course, gradebook, sandbox, secret
from grader.progress import Progress, summary_lines
from grader.submission import Ungradable, read_submission
from grader.task import Task, grade_task, submission_fingerprint, ungradable
from grader.verify import Verdict, total_points

GRADER_FILES = ("grader/*.py", "grader/assignments/*.py", "backprop/*.py")


@dataclass
class Summary:
    """What a run did; ``ungradable`` lists ``(student, reason)`` (refused entries: the shown name)."""
    graded: int = 0
    skipped: int = 0
    ungradable: list = field(default_factory=list)


def grader_fingerprint(assignment):
    """Changes whenever the grading code, the reference or the solution notebook changes."""
    digest = hashlib.sha256()
    files = sorted(path for pattern in GRADER_FILES for path in course.REPOSITORY.glob(pattern))
    for path in files + [course.solution_notebook(assignment)]:
        digest.update(path.read_bytes())
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
              out=sys.stderr, db_url=None, scheduler=None):
    """Grade ``root/submitted/*/assignment_name`` (or one student's); returns a :class:`Summary`.

    ``jobs`` worker processes grade at once on this machine; with ``scheduler`` (a Dask scheduler's
    address) the cluster's workers do, and ``jobs`` is ignored.
    """
    assignment = assignments.load(assignment_name)
    sandbox.require_tools()
    if jobs < 1:
        raise ValueError("--jobs must be at least 1")
    klass = course.Course(root, db_url)
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
    progress, scores = Progress(len(todo), "submission", out), []
    with Gradebook(klass.db_url) as book, pools(jobs, scheduler) as (start_pool, workers):
        try:
            for task, (verdict, fingerprint) in graded(start_pool, tasks, workers):
                _store(klass, book, verdict, fingerprint, solution.stem, task.data)
                if verdict.status == "graded":
                    summary.graded += 1
                    scores.append(verdict.score)
                    line = "%g/%g (%.1f s)" % (verdict.score, verdict.max_score, verdict.seconds)
                else:
                    summary.ungradable.append((task.student, verdict.reason))
                    line = "could not be graded: " + verdict.reason
                progress.done(task.student, line, failed=verdict.status != "graded")
        finally:
            progress.close()
    print("\n".join(summary_lines(assignment_name, summary, scores, total_points(assignment), started)), file=out)
    return summary


@contextlib.contextmanager
def pools(jobs, scheduler=None):
    """``(start_pool, workers)`` for :func:`graded`: local worker processes (``jobs`` of them), or,
    given a Dask scheduler's address, the cluster's workers (``grader.cluster``)."""
    if scheduler is None:
        yield local_workers, jobs
        return
    from grader import cluster  # imports Dask, which only this path needs
    with cluster.connect(scheduler) as (start_pool, workers):
        yield start_pool, workers


def local_workers(jobs):
    """A pool of ``jobs`` worker processes that grade one :class:`Task` at a time each.

    They are trusted processes forked from a server that has ``grader.task`` loaded; the parent
    only reads the submissions and stores the verdicts, so judging runs on every core.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["grader.task"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def graded(start_pool, tasks, workers, grade=grade_task):
    """``(task, grade(task))`` for every task, as each finishes.

    ``start_pool(n)`` makes an executor of ``n`` workers; ``workers`` tasks are graded at once, and
    as many more wait submitted (so a worker never waits for the parent, and at most ``2 * workers``
    notebooks are held in memory). When a worker dies (or its pool
    breaks), every task submitted to that pool and not finished is graded again alone
    (:func:`grade_alone`), where a death is the task's own: it is retried once, then reported.
    """
    tasks, suspects, running = iter(tasks), [], {}
    in_flight = 2 * workers
    pool = start_pool(workers)
    try:
        while True:
            for task in itertools.islice(tasks, in_flight - len(running)):
                running[pool.submit(grade, task)] = task
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                if future.exception() is None:
                    yield task, future.result()
                else:
                    suspects.append(task)
            if suspects and isinstance(pool, ProcessPoolExecutor):  # a local pool breaks as a whole
                suspects += running.values()
                running.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = start_pool(workers)
            for task in suspects:
                yield task, grade_alone(start_pool, task, grade)
            suspects = []
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def grade_alone(start_pool, task, grade=grade_task):
    """``grade(task)`` in a pool of its own, where a worker's death is this task's: then once more,
    and an ungradable verdict that says so if its worker dies again."""
    for _ in range(2):
        with start_pool(1) as pool:
            future = pool.submit(grade, task)
            error = future.exception()
        if error is None:
            return future.result()
    reason = ("the grading process died twice while grading this submission (%s); please report it"
              % (type(error).__name__,))
    return ungradable(task, reason), submission_fingerprint(task.data, task.reason, task.grader)


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


def _store(klass, book, verdict, fingerprint, notebook, data=None):
    path = klass.verdict_path(verdict.student, verdict.assignment)
    _write_atomically(path, verdict.to_json())
    gradebook.record_verdict(book, verdict, notebook)
    autograded.write_autograded(klass, book, verdict, data, notebook)  # what formgrader shows
    _write_atomically(path.with_name("fingerprint"), fingerprint)


def read_verdict(klass, student, assignment):
    """The stored verdict, or None."""
    path = klass.verdict_path(student, assignment)
    return Verdict.from_json(path.read_text(encoding="utf-8")) if path.is_file() else None

