"""One submission as a unit of work: what a grading worker receives, and what it sends back.

A worker is a trusted process of the instructor's (a local process of ``autograde --jobs N`` or a
Dask worker of ``--scheduler``); the student's code still runs only in a fresh sandbox per
submission (``grader.sandbox``). This module imports nothing heavier than ``grader.verify``, so a
worker starts quickly.
"""
import hashlib
import traceback
from dataclasses import dataclass

from grader import assignments, course, sandbox
from grader.verify import Verdict, grade_submission, total_points


@dataclass(frozen=True)
class Task:
    """One submission to grade, with everything a worker needs (picklable: a worker may be elsewhere).

    ``data`` is the notebook's bytes, read safely by the parent; when it could not be read, ``data``
    is None and ``reason`` says why. ``key`` is the course secret; ``grader`` the grader's fingerprint.
    """
    student: str
    assignment: str
    data: bytes | None
    reason: str | None
    key: bytes
    grader: str
    limits: sandbox.Limits = sandbox.Limits()


def submission_fingerprint(data, reason, grader):
    """Identifies a submission's bytes (or, if it could not be read, the reason) and the grader."""
    digest = hashlib.sha256(grader.encode())
    digest.update(b"bytes\0" + data if reason is None else b"refused\0" + reason.encode())
    return digest.hexdigest()


def grade_task(task):
    """``(verdict, fingerprint)`` of one :class:`Task`; the fingerprint is that of the very bytes graded."""
    assignment = assignments.load(task.assignment)
    fingerprint = submission_fingerprint(task.data, task.reason, task.grader)
    if task.reason is not None:
        return ungradable(task, task.reason), fingerprint
    try:
        verdict = grade_submission(task.data, assignment, course.solution_notebook(task.assignment), task.key,
                                   task.student, limits=task.limits)
    except Exception as error:  # noqa: BLE001 - one broken submission must not stop the class
        traceback.print_exc()
        verdict = ungradable(task, "the grader failed on this submission (%s: %s); please report it"
                             % (type(error).__name__, error))
    return verdict, fingerprint


def ungradable(task, reason):
    """The verdict of a submission that could not be graded: 0 points, and why."""
    return Verdict(task.student, task.assignment, "ungradable", 0.0, total_points(assignments.load(task.assignment)),
                   reason=reason)
