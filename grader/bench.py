"""``python -m grader bench``: this grader against plain ``nbgrader autograde``, on the same class.

Two classes of the same ``COUNT`` submissions of one assignment (half the release filled with the
solution's answers, a quarter blank releases, a quarter catalogued wrong versions):

1. as a student hands them in: the training and plotting cells as released, which plain nbgrader
   runs (it runs every cell) and this grader does not (it keeps only definitions);
2. the same with those cells removed (every code cell without nbgrader metadata), where nbgrader
   does no more work than this grader.

Each class is graded by ``nbgrader autograde`` in a course folder of its own, with no
``nbgrader_config.py`` of ours (``generate_assignment`` beforehand, untimed), and by
``python -m grader autograde`` with ``--jobs 1`` and ``--jobs 2``, each on a fresh copy of the class
in one run, so the ratios compare runs on the same machine at the same time. The figures that follow
say where this grader's time goes per submission.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader import assignments, course, gradebook, sandbox
from grader.mutants import mutate_notebook, read_notebook
from grader.synthetic import answered, write_submission
from grader.verify import Verdict

COUNT = 40
REPEATS = 5
BIN = Path(sys.executable).parent


def class_notebooks(name, count=COUNT):
    """``count`` submissions of assignment ``name``: half correct, a quarter blank, a quarter wrong."""
    correct, blank = answered(name), read_notebook(course.release_notebook(name))
    mutants = assignments.load(name).MUTANTS
    wrong = [mutate_notebook(read_notebook(course.solution_notebook(name)), mutants[index % len(mutants)])
             for index in range(count // 4)]
    return [correct] * (count - count // 4 - len(wrong)) + [blank] * (count // 4) + wrong


def without_unmarked_code(notebook):
    """The notebook without its code cells that carry no nbgrader metadata (training, plots)."""
    changed = dict(notebook)
    changed["cells"] = [cell for cell in notebook["cells"]
                        if cell["cell_type"] != "code" or cell["metadata"].get("nbgrader")]
    return changed


def write_class(root, name, notebooks):
    for index, notebook in enumerate(notebooks):
        write_submission(root, "student%03d" % index, name, notebook)


def timed(command, cwd):
    """Wall seconds of ``command``; stops the benchmark with its output if it fails."""
    environment = dict(os.environ, PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""))
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError("%s failed (exit status %d): %s" % (" ".join(map(str, command[:5])), result.returncode,
                                                              (result.stderr or result.stdout)[-1500:]))
    return seconds


def nbgrader_seconds(folder, name, notebooks):
    """Seconds of plain ``nbgrader autograde`` on the class, in a course folder of its own."""
    write_class(folder, name, notebooks)
    shutil.copytree(course.SOLUTIONS / name, folder / "source" / name)
    timed([str(BIN / "nbgrader"), "generate_assignment", name, "--force"], folder)
    return timed([str(BIN / "nbgrader"), "autograde", name, "--force"], folder)


def grader_seconds(folder, name, notebooks, jobs):
    write_class(folder, name, notebooks)
    return timed([sys.executable, "-m", "grader", "autograde", name, "--root", str(folder), "--jobs", str(jobs)],
                 course.REPOSITORY)


def median_seconds(command):
    times = []
    for _ in range(REPEATS):
        started = time.monotonic()
        command()
        times.append(time.monotonic() - started)
    return statistics.median(times)


def where_the_time_goes(folder, name):
    """``[(what, seconds per submission)]`` for the class graded in ``folder`` with ``--jobs 1``."""
    verdicts = [Verdict.from_json(path.read_text()) for path in sorted(folder.glob("autograded/*/%s/verdict.json" % name))]
    def mean(key):
        return statistics.fmean(verdict.timings.get(key, 0.0) for verdict in verdicts)
    empty_sandbox = median_seconds(lambda: sandbox.run_job({"cells": [], "calls": []}))
    python_numpy = median_seconds(lambda: subprocess.run([sys.executable, "-I", "-c", "import numpy"], check=True))
    runs = statistics.fmean(_sandbox_runs(verdict) for verdict in verdicts)
    store = _store_seconds(folder, name, verdicts)
    return [("reading the notebook (a reading process)", mean("reading")),
            ("sandbox start (bubblewrap, uid, cgroups), %.2f runs" % runs, runs * (empty_sandbox - python_numpy)),
            ("Python and NumPy import in the sandbox", runs * python_numpy),
            ("definitions and calls in the sandbox", mean("sandbox") - runs * empty_sandbox),
            ("checks and diagnoses", mean("judging")),
            ("verdict, gradebook rows, autograded notebook", store)]


def _sandbox_runs(verdict):
    """Sandbox runs a verdict took: one, plus one per call that did not finish (its restart)."""
    return 1 + sum(1 for check in verdict.checks if "did not finish" in (check.get("message") or ""))


def _store_seconds(folder, name, verdicts):
    """Seconds per submission to store a verdict again as ``autograde`` does (same rows, same files)."""
    from grader import autograde
    klass = course.Course(folder)
    solution = course.solution_notebook(name)
    started = time.monotonic()
    with gradebook.Gradebook(klass.db_url) as book:
        for verdict in verdicts:
            data = klass.submission(verdict.student, name).read_bytes()
            fingerprint = (klass.verdict_path(verdict.student, name).with_name("fingerprint")).read_text()
            autograde._store(klass, book, verdict, fingerprint, solution.stem, data)
    return (time.monotonic() - started) / len(verdicts)


def run(name, count=COUNT, out=sys.stdout):
    """Grade both classes every way, print the table and the breakdown; returns the ratios."""
    assignments.load(name)
    notebooks = class_notebooks(name, count)
    classes = {"as handed in": notebooks, "training cells removed": [without_unmarked_code(nb) for nb in notebooks]}
    ratios = {}
    print("%d submissions of %s on %d cores; ratio = nbgrader's seconds / ours" % (count, name, os.cpu_count()),
          file=out)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        scratch = Path(scratch)
        for number, (label, submissions) in enumerate(classes.items(), start=1):
            print("\nclass %d, %s:" % (number, label), file=out, flush=True)
            times = {"nbgrader autograde": nbgrader_seconds(scratch / ("nbgrader%d" % number), name, submissions)}
            for jobs in (1, 2):
                times["grader --jobs %d" % jobs] = grader_seconds(scratch / ("grader%d_%d" % (number, jobs)), name,
                                                                  submissions, jobs)
            base = times["nbgrader autograde"]
            for what, seconds in times.items():
                print("  %-20s %7.1f s  %6.3f s per submission  %5.1f x" % (what, seconds, seconds / count,
                                                                            base / seconds), file=out, flush=True)
            ratios[label] = {what: base / seconds for what, seconds in times.items()}
        print("\nwhere grader --jobs 1 spends a submission's time (class 1, seconds per submission):", file=out)
        for what, seconds in where_the_time_goes(scratch / "grader1_1", name):
            print("  %7.3f  %s" % (seconds, what), file=out)
        fixed = timed([sys.executable, "-m", "grader", "autograde", name, "--root", str(scratch / "grader1_1")],
                      course.REPOSITORY)
        print("  and once per run: %.2f s to start (imports, gradebook, secret, finding what is already graded)"
              % fixed, file=out)
    return ratios
