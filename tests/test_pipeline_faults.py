"""Faults during a class's grading: a grading worker that dies, and a run killed midway."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from grader import course, secret
from grader.autograde import graded, local_workers
from grader.mutants import mutate_notebook
from grader.task import Task, ungradable
from tests.conftest import A3, write_submission


def grade_or_die(task):
    """A stand-in for ``grade_task`` whose worker process dies on some students: ``always-*`` every
    time, ``once-*`` the first time only (a marker file remembers)."""
    if task.student.startswith("always-"):
        os._exit(3)
    if task.student.startswith("once-"):
        marker = Path(tempfile.gettempdir()) / task.student
        if not marker.exists():
            marker.touch()
            os._exit(3)
    return ungradable(task, "graded by " + task.student), "fingerprint"


def test_a_worker_that_dies_is_retried_once_alone_then_reported():
    token = uuid.uuid4().hex[:8]
    names = ["fine-a", "once-" + token, "fine-b", "always-" + token, "fine-c", "fine-d", "fine-e"]
    tasks = [Task(name, A3, b"{}", None, b"key", "grader") for name in names]
    try:
        results = {task.student: verdict.reason for task, (verdict, _) in graded(local_workers, tasks, 2, grade_or_die)}
    finally:
        (Path(tempfile.gettempdir()) / ("once-" + token)).unlink(missing_ok=True)
    assert sorted(results) == sorted(names), "every submission gets exactly one verdict"
    assert results["always-" + token].startswith("the grading process died twice while grading this submission")
    for name in names:
        if not name.startswith("always-"):
            assert results[name] == "graded by " + name, "a submission beside a dying one is graded again"


def _grader(*arguments, **keywords):
    return subprocess.Popen([sys.executable, "-m", "grader", *arguments], cwd=course.REPOSITORY,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **keywords)


def _class(root, solution_notebook, blank_notebook, a3):
    for index in range(3):
        write_submission(root, "correct%d" % index, solution_notebook)
    write_submission(root, "blank", blank_notebook)
    for mutant in a3.MUTANTS[:4]:
        write_submission(root, mutant.id, mutate_notebook(solution_notebook, mutant))
    secret.course_secret(root)


def test_a_run_killed_midway_then_resumed_exports_what_an_uninterrupted_run_does(
        tmp_path, solution_notebook, blank_notebook, a3):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    _class(whole, solution_notebook, blank_notebook, a3)
    shutil.copytree(whole, killed)
    assert _grader("autograde", A3, "--root", str(whole), "--jobs", "2").wait(timeout=600) == 0

    run = _grader("autograde", A3, "--root", str(killed), "--jobs", "2", start_new_session=True)
    verdicts = killed / "autograded"
    deadline = time.monotonic() + 300
    while len(list(verdicts.glob("*/%s/fingerprint" % A3))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the grader, its workers and their sandboxes, at once
    run.wait()
    done_before = len(list(verdicts.glob("*/%s/fingerprint" % A3)))
    assert 3 <= done_before < 8, "killed midway"
    resumed = _grader("autograde", A3, "--root", str(killed), "--jobs", "2")
    _, errors = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, errors
    assert "%d submission(s) already graded" % done_before in errors.decode()

    for root in (whole, killed):
        assert _grader("export", "--root", str(root), "--to", str(root / "grades.csv")).wait(timeout=120) == 0
    assert (killed / "grades.csv").read_text() == (whole / "grades.csv").read_text()
