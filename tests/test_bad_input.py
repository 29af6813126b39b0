"""Bad input to ``python -m grader autograde``: a clear error for the command, a clear reason for one
student, and everyone else in the class graded as usual."""
import copy
import json
import os
import subprocess
import sys
import tracemalloc

import nbformat
import pytest

from grader import course, notebook
from grader.submission import MAX_NOTEBOOK_BYTES, Ungradable, read_submission

A3 = "a3_two_layer_network"
NOTEBOOK = A3 + ".ipynb"
SPARSE_BYTES = 200 << 20


def grader_command(*arguments):
    return subprocess.run([sys.executable, "-m", "grader", *arguments], capture_output=True, text=True,
                          cwd=course.REPOSITORY, timeout=600)


def solution():
    return json.loads(course.solution_notebook(A3).read_text(encoding="utf-8"))


def with_format(major):
    """The solution with ``nbformat`` set to ``major`` (None: the key removed)."""
    changed = solution()
    if major is None:
        del changed["nbformat"]
    else:
        changed["nbformat"] = major
    return changed


def nbformat_3():
    """The solution as nbformat 3 writes it (worksheets, code under "input")."""
    return nbformat.convert(nbformat.from_dict(copy.deepcopy(solution())), 3)


def submit(root, student, files):
    """Make ``root/submitted/<student>/a3/`` holding ``files`` ({name: dict, bytes or a size for a sparse
    file}); ``files`` None: the student's folder without an assignment folder."""
    folder = root / "submitted" / student / A3
    if files is None:
        folder.parent.mkdir(parents=True)
        return
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, int):
            path.touch()
            os.truncate(path, content)
        else:
            path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())


# student -> (their files, words their reason must hold; None: graded 13/13)
CLASS = {
    "correct": ({NOTEBOOK: solution()}, None),
    "José": ({NOTEBOOK: solution()}, None),
    "Ana María": ({NOTEBOOK: solution()}, None),
    "王小明": ({NOTEBOOK: solution()}, None),
    "with_a_copy": ({NOTEBOOK: solution(), "Copy of a3.ipynb": b"{}"}, None),
    "nbformat_3": ({NOTEBOOK: nbformat_3()}, None),
    "no_assignment_folder": (None, ["folder 'a3_two_layer_network'", "missing"]),
    "empty_folder": ({"notes.txt": b"hi"}, [NOTEBOOK + " is missing", "holds no notebook"]),
    "two_other_notebooks": ({"a3 (1).ipynb": solution(), "Untitled.ipynb": solution()},
                            ["2 other notebook(s)", "'Untitled.ipynb'", "only a notebook named exactly " + NOTEBOOK]),
    "nbformat_5": ({NOTEBOOK: with_format(5)}, ["nbformat 5, newer than the grader reads"]),
    "nbformat_missing": ({NOTEBOOK: with_format(None)}, ['no "nbformat" version']),
    "nbformat_text": ({NOTEBOOK: with_format("4")}, ["nbformat version ('4') is not one the grader reads"]),
    "huge": ({NOTEBOOK: SPARSE_BYTES}, ["200 MB, larger than the 20 MB limit"]),
}
REFUSED = ["-rf", "evil\u202etxt.exe", "zero\u200bwidth", "x" * 101, "tab\tname"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class above and the refused folders, autograded with --jobs 2: (root, result, verdicts)."""
    root = tmp_path_factory.mktemp("course")
    for student, (files, _) in CLASS.items():
        submit(root, student, files)
    for name in REFUSED:
        submit(root, name, {NOTEBOOK: solution()})
    result = grader_command("autograde", A3, "--root", str(root), "--jobs", "2")
    klass = course.Course(root)
    verdicts = {student: json.loads(klass.verdict_path(student, A3).read_text(encoding="utf-8")) for student in CLASS}
    return root, result, verdicts


def test_each_bad_submission_gets_zero_and_its_reason_and_the_others_are_graded(graded):
    _, result, verdicts = graded
    for student, (_, words) in CLASS.items():
        verdict = verdicts[student]
        if words is None:
            assert (verdict["status"], verdict["score"], verdict["max_score"]) == ("graded", 13, 13), student
        else:
            assert (verdict["status"], verdict["score"]) == ("ungradable", 0), student
            for word in words:
                assert word in verdict["reason"], (student, verdict["reason"])
    ungradable = sum(words is not None for _, words in CLASS.values()) + len(REFUSED)
    assert result.returncode == ungradable, result.stderr
    assert "Traceback" not in result.stderr


def test_refused_folders_are_listed_escaped_with_the_rule(graded):
    root, result, _ = graded
    for name in REFUSED:
        assert "%s: could not be graded: the folder name is not accepted as a student id" % ascii(name) in result.stderr
        assert not (root / "autograded" / name).exists()
    assert "\u202e" not in result.stderr and "\t" not in result.stderr
    assert "%d entry(ies) of submitted/ not a student folder" % len(REFUSED) in result.stderr


def test_a_sparse_200_mb_notebook_is_refused_unread(tmp_path):
    submit(tmp_path, "huge", {NOTEBOOK: SPARSE_BYTES})
    klass = course.Course(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(Ungradable, match="larger than the 20 MB limit"):
            read_submission(klass.submission("huge", A3), klass.submitted)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_NOTEBOOK_BYTES // 10, "%d bytes were allocated to refuse it" % peak


def test_missing_root_and_unknown_assignment_are_clear_errors(tmp_path):
    missing = grader_command("autograde", A3, "--root", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "course folder %s does not exist" % (tmp_path / "nowhere") in missing.stderr
    unknown = grader_command("autograde", "a9_nothing", "--root", str(tmp_path))
    assert unknown.returncode == 2 and "a9_nothing" in unknown.stderr
    assert all(name in unknown.stderr for name in course.released_assignments())
    assert "Traceback" not in missing.stderr + unknown.stderr


ACCEPTED = ["alice", "José", "Ana María", "a b c", "jose\u0301", "Łukasz_1", "王小明", "محمد", "a.b@c+d-e", "x" * 100, "١٢٣"]
REFUSED_NAMES = [".", "..", ".hidden", "-rf", "_x", "a/b", " a", "a ", "a  b", "a\u00a0b", "a\n", "a\x1b[31m", "a\u202eb", "a\u2066b",
                 "a\u200db", "x" * 101, "not\udcffutf8", "=1+2", "", "a\\b", "a:b"]


@pytest.mark.parametrize("name", ACCEPTED)
def test_student_ids_nbgrader_accepts_are_accepted(name):
    assert course.SAFE_NAME.fullmatch(name) and course.check_name("student", name) == name


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_unsafe_student_ids_are_refused_with_the_rule(name):
    assert not course.SAFE_NAME.fullmatch(name)
    with pytest.raises(ValueError, match="invalid student name"):
        course.check_name("student", name)


@pytest.mark.parametrize("major, readable", [(3, True), (4, True), (5, False), (2, False), (None, False),
                                             (4.0, False), (True, False)])
def test_nbformat_versions_read(major, readable):
    data = json.dumps(with_format(major)).encode()
    assert (notebook.notebook_format_problem(data) is None) == readable
