"""Hostile files and folder names in a course folder: refused one by one, fast, without reading them.

A student controls everything below ``submitted/``: the notebook may be a symbolic link (to the
solution, to a classmate's notebook, to the course secret, to a device), a named pipe, a device, a
folder or a huge sparse file, and a student folder may be a link or carry a name the grader refuses.
Each must score nothing and be reported, and the rest of the class must still be graded.
"""
import csv
import json
import os
import resource
import stat
import subprocess
import sys
import threading
import time

import pytest

from grader import course, secret
from grader.submission import MAX_NOTEBOOK_BYTES, Ungradable, read_submission
from tests.conftest import A3, write_submission

NOTEBOOK = A3 + ".ipynb"
RUN_SECONDS = 300
MEMORY_BYTES = 3 << 30
SPARSE_BYTES = 4 << 30
IS_ROOT = os.geteuid() == 0

# student -> words its reason must contain (each one's notebook is made by HOSTILE_FILES)
HOSTILE_REASONS = {
    "link_to_solution": "symbolic link",
    "link_to_classmate": "symbolic link",
    "link_to_secret": "symbolic link",
    "link_to_dev_zero": "symbolic link",
    "named_pipe": "named pipe (FIFO)",
    "device": "device",
    "folder": "is a folder",
    "sparse_4gb": "larger than the 20 MB limit",
}
# entries of submitted/ that are no student folder: (name as bytes, what it is)
REFUSED_ENTRIES = [
    (b"linked_student", "symbolic link"),
    (b"two  spaces", "not accepted as a student id"),
    (b"newline\n", "not accepted as a student id"),
    (b".hidden", "not accepted as a student id"),
    (b"not\xffutf8", "not accepted as a student id"),
    (b"plain_file", "not a folder"),
]


def limit_memory():
    """Run in the child before exec: reading a 4 GB file or /dev/zero must fail, not swap."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_grader(*arguments, timeout=RUN_SECONDS):
    """``python -m grader ...`` with a time limit and an address-space limit of 3 GB."""
    return subprocess.run([sys.executable, "-m", "grader", *arguments], capture_output=True, text=True,
                          cwd=course.REPOSITORY, timeout=timeout, preexec_fn=limit_memory)


def make_device(path):
    """A character device node like /dev/zero (needs root)."""
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))


def hostile_files(root):
    """Put every hostile kind of notebook file in place of a submission; returns the students used."""
    made = {
        "link_to_solution": lambda path: path.symlink_to(course.solution_notebook(A3)),
        "link_to_classmate": lambda path: path.symlink_to(course.Course(root).submission("correct", A3)),
        "link_to_secret": lambda path: path.symlink_to(root / ".grader" / "secret"),
        "link_to_dev_zero": lambda path: path.symlink_to("/dev/zero"),
        "named_pipe": os.mkfifo,
        "device": make_device,
        "folder": lambda path: path.mkdir(),
        "sparse_4gb": lambda path: (path.touch(), os.truncate(path, SPARSE_BYTES)),
    }
    students = []
    for student, make in made.items():
        if student == "device" and not IS_ROOT:
            continue
        make(write_submission(root, student, None) / NOTEBOOK)
        students.append(student)
    return students


def refused_entries(root):
    """Put every kind of entry that is no student folder into ``submitted/``."""
    submitted = os.fsencode(root / "submitted")
    for name, _ in REFUSED_ENTRIES:
        path = os.path.join(submitted, name)
        if name == b"linked_student":
            os.symlink(os.path.join(submitted, b"correct"), path)
        elif name == b"plain_file":
            with open(path, "wb") as handle:
                handle.write(b"{}")
        else:
            os.makedirs(os.path.join(path, A3.encode()))


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory, solution_notebook):
    """One class: a correct student, every hostile file kind, every refused entry; graded with --jobs 2."""
    root = tmp_path_factory.mktemp("hostile_course")
    write_submission(root, "correct", solution_notebook)
    secret.course_secret(root)
    students = hostile_files(root)
    refused_entries(root)
    started = time.monotonic()
    result = run_grader("autograde", A3, "--root", str(root), "--jobs", "2")
    seconds = time.monotonic() - started
    exported = run_grader("export", "--root", str(root), "--to", str(root / "grades.csv"))
    return root, students, result, seconds, exported


def csv_rows(root):
    with open(root / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_the_correct_student_gets_full_marks_and_export_works(hostile_class):
    root, _, result, _, exported = hostile_class
    assert "correct: 13/13" in result.stderr, result.stderr
    assert exported.returncode == 0, exported.stderr
    assert csv_rows(root)["correct"]["score"] == "13"


def test_every_hostile_file_scores_zero_with_its_reason(hostile_class):
    root, students, result, _, _ = hostile_class
    rows = csv_rows(root)
    for student in students:
        row = rows[student]
        assert (row["score"], row["status"]) == ("0", "ungradable"), (student, row)
        assert HOSTILE_REASONS[student] in row["reason"], (student, row["reason"])
        assert "%s: could not be graded: " % student in result.stderr


def test_entries_that_are_no_student_folder_are_reported_escaped_and_not_stored(hostile_class):
    root, _, result, _, _ = hostile_class
    rows = csv_rows(root)
    stored = set(os.listdir(root / "autograded"))
    for name, words in REFUSED_ENTRIES:
        shown = ascii(os.fsdecode(name))
        lines = [line for line in result.stderr.splitlines() if line.startswith(shown + ": could not be graded")]
        assert lines and words in lines[0], (shown, result.stderr)
        assert os.fsdecode(name) not in rows and os.fsdecode(name) not in stored
    assert "\nnewline\n" not in result.stderr and "not\ufffdutf8" not in result.stderr
    assert set(rows) == stored == {"correct", *hostile_class[1]}


def test_the_run_finishes_counts_every_refusal_and_never_crashes(hostile_class):
    _, students, result, seconds, _ = hostile_class
    assert result.returncode == len(students) + len(REFUSED_ENTRIES), result.stderr
    assert "could not grade %d" % result.returncode in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert seconds < RUN_SECONDS


def test_the_secret_and_the_solution_do_not_leak(hostile_class):
    root, _, _, _, _ = hostile_class
    key = (root / ".grader" / "secret").read_text().strip()
    everything = (root / "grades.csv").read_text() + "".join(
        path.read_text() for path in (root / "autograded").rglob("verdict.json"))
    assert key not in everything and "BEGIN SOLUTION" not in everything


def test_a_rerun_skips_the_refusals_it_already_made(hostile_class):
    root, students, first, _, _ = hostile_class
    again = run_grader("autograde", A3, "--root", str(root))
    assert "skipped %d" % (len(students) + 1) in again.stderr, again.stderr
    assert again.returncode == first.returncode


@pytest.mark.parametrize("student", sorted(HOSTILE_REASONS) + ["linked_student"])
def test_each_hostile_entry_alone_is_refused(hostile_class, student):
    """``--student`` on one entry: each kind on its own (a pipe must not hang, a link not score)."""
    if student == "device" and not IS_ROOT:
        pytest.skip("making a device node needs root")
    root = hostile_class[0]
    result = run_grader("autograde", A3, "--root", str(root), "--student", student, "--force", timeout=120)
    words = HOSTILE_REASONS.get(student, "symbolic link")
    assert result.returncode == 1, result.stderr
    assert "could not be graded: " in result.stderr and words in result.stderr, result.stderr
    assert "13/13" not in result.stderr and "Traceback" not in result.stderr


def test_a_bad_student_argument_is_a_clear_error(hostile_class):
    root = hostile_class[0]
    for name in ("newline\n", "../correct"):
        result = run_grader("autograde", A3, "--root", str(root), "--student", name, timeout=120)
        assert result.returncode == 2 and "invalid student name" in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr


# read_submission alone: every kind of file, in milliseconds, with the memory of the test capped


def read_guarded(path, trusted_root=None, seconds=10):
    """``read_submission`` in a thread with a time limit and 1 GB more address space than now.

    Returns the bytes or the ``Ungradable`` message; fails the test if the call blocks or raises
    anything else (a ``MemoryError`` means it read a file it should have refused).
    """
    outcome = {}

    def call():
        try:
            arguments = (path,) if trusted_root is None else (path, trusted_root)
            outcome["value"] = read_submission(*arguments)
        except Ungradable as error:
            outcome["value"] = "Ungradable: %s" % error
        except BaseException as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = error

    with capped_address_space(1 << 30):
        worker = threading.Thread(target=call, daemon=True)
        started = time.monotonic()
        worker.start()
        worker.join(seconds)
    assert not worker.is_alive(), "read_submission blocked on %s" % path
    assert "error" not in outcome, "read_submission raised %r" % outcome.get("error")
    return outcome["value"], time.monotonic() - started


class capped_address_space:
    """Within the block, the process may map at most ``extra`` bytes more than it has now."""

    def __init__(self, extra):
        self.extra = extra

    def __enter__(self):
        self.saved = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as handle:
            mapped = int(handle.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (mapped + self.extra, self.saved[1]))

    def __exit__(self, *exception):
        resource.setrlimit(resource.RLIMIT_AS, self.saved)


@pytest.fixture
def submitted(tmp_path):
    """A ``submitted/`` folder with one student's assignment folder; yields (submitted, notebook path)."""
    folder = tmp_path / "submitted" / "student" / A3
    folder.mkdir(parents=True)
    return tmp_path / "submitted", folder / NOTEBOOK


def open_below(folder):
    """The descriptors this process holds open on anything in ``folder`` (should be none after a read)."""
    found = []
    for descriptor in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink("/proc/self/fd/" + descriptor)
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_a_regular_file_is_read_whole(submitted):
    root, path = submitted
    path.write_bytes(b"x" * MAX_NOTEBOOK_BYTES)
    for trusted_root in (None, root):
        assert read_guarded(path, trusted_root)[0] == b"x" * MAX_NOTEBOOK_BYTES
    assert open_below(root) == []


@pytest.mark.parametrize("kind, make, words", [
    ("link to a notebook", lambda path: path.symlink_to(course.solution_notebook(A3)), "symbolic link"),
    ("link to /dev/zero", lambda path: path.symlink_to("/dev/zero"), "symbolic link"),
    ("dangling link", lambda path: path.symlink_to("nowhere"), "symbolic link"),
    ("named pipe", os.mkfifo, "named pipe (FIFO)"),
    ("device", make_device, "is a device"),
    ("folder", lambda path: path.mkdir(), "is a folder"),
    ("sparse 4 GB file", lambda path: (path.touch(), os.truncate(path, SPARSE_BYTES)), "20 MB limit"),
    ("one byte too many", lambda path: path.write_bytes(b"x" * (MAX_NOTEBOOK_BYTES + 1)), "20 MB limit"),
    ("missing", lambda path: None, "no submission: %s is missing" % NOTEBOOK),
])
@pytest.mark.parametrize("below_trusted_root", [False, True])
def test_read_submission_refuses(submitted, kind, make, words, below_trusted_root):
    if kind == "device" and not IS_ROOT:
        pytest.skip("making a device node needs root")
    root, path = submitted
    make(path)
    message, seconds = read_guarded(path, root if below_trusted_root else None)
    assert isinstance(message, str) and message.startswith("Ungradable: "), (kind, message[:80])
    assert words in message, (kind, message)
    assert seconds < 1, (kind, seconds)
    assert open_below(root) == []


@pytest.mark.parametrize("link", ["student", A3])
def test_a_linked_folder_on_the_way_is_refused_below_the_trusted_root(submitted, link):
    root, path = submitted
    path.write_text(json.dumps({"cells": []}))
    real = root / "real"
    (root / "student").rename(real)
    if link == "student":
        (root / "student").symlink_to(real)
    else:
        (root / "student").mkdir()
        (root / "student" / A3).symlink_to(real / A3)
    message, _ = read_guarded(path, root)
    assert message == "Ungradable: the folder %r holding the submission is a symbolic link, not a folder" % link
    assert read_guarded(path)[0] == path.read_bytes(), "above the trusted root, folders are the caller's"


def test_a_file_on_the_way_is_refused(submitted):
    root, path = submitted
    path.parent.rmdir()
    path.parent.write_text("{}")
    message, _ = read_guarded(path, root)
    assert "is not a folder" in message
