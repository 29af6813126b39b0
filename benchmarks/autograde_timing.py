"""Time the autograding of one class of 20 a3 submissions, three ways, in one run.

    .venv/bin/python benchmarks/autograde_timing.py

The class: 10 correct, 5 blank and 5 mutant submissions. Timed: ``python -m grader autograde``
with ``--jobs 1`` and ``--jobs 2`` (sandboxed, secret inputs, no training cell run), and plain
``nbgrader autograde`` (runs every cell in a kernel, the XOR training included, trusting the
student's process). The machine is shared and noisy: read the ratios, not the seconds.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader import assignments, course
from grader.mutants import mutate_notebook, read_notebook

A3 = "a3_two_layer_network"
BIN = Path(sys.executable).parent


def make_class(root):
    solution = read_notebook(course.solution_notebook(A3))
    blank = read_notebook(course.release_notebook(A3))
    mutants = assignments.load(A3).MUTANTS
    notebooks = [solution] * 10 + [blank] * 5 + [mutate_notebook(solution, mutant) for mutant in mutants[-5:]]
    for index, notebook in enumerate(notebooks):
        folder = root / "submitted" / ("student%02d" % index) / A3
        folder.mkdir(parents=True)
        (folder / (A3 + ".ipynb")).write_text(json.dumps(notebook))
    return len(notebooks)


def timed(command, cwd):
    environment = dict(os.environ, PATH=str(BIN) + os.pathsep + os.environ["PATH"])
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment)
    seconds = time.monotonic() - started
    if result.returncode not in (0,):
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
        raise SystemExit("%s failed with exit status %d" % (" ".join(command[:4]), result.returncode))
    return seconds


def main():
    with tempfile.TemporaryDirectory(prefix="timing-") as scratch:
        scratch = Path(scratch)
        times = {}
        for jobs in (1, 2):
            root = scratch / ("grader%d" % jobs)
            count = make_class(root)
            times["grader --jobs %d" % jobs] = timed(
                [sys.executable, "-m", "grader", "autograde", A3, "--root", str(root), "--jobs", str(jobs)],
                course.REPOSITORY)
        root = scratch / "nbgrader"
        make_class(root)
        shutil.copytree(course.SOLUTIONS / A3, root / "source" / A3)
        timed([str(BIN / "nbgrader"), "generate_assignment", A3, "--force"], root)
        times["nbgrader autograde"] = timed([str(BIN / "nbgrader"), "autograde", A3, "--force"], root)
    base = times["grader --jobs 1"]
    print("%d submissions of %s" % (count, A3))
    for label, seconds in times.items():
        print("%-22s %7.1f s   %5.2f x grader --jobs 1   %5.2f s per submission"
              % (label, seconds, seconds / base, seconds / count))


if __name__ == "__main__":
    main()
