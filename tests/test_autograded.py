"""Autograded notebooks as nbgrader's formgrader shows them, and manual grades that survive a regrade."""
import copy
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader import autograde, autograded, course, export, selfcheck
from grader.autograded import autograded_path
from grader.course import Course
from grader.mutants import read_notebook
from tests.conftest import A3, answered, write_submission

A6 = "a6_bug_hunt"
JUPYTER_SERVER = os.path.join(os.path.dirname(sys.executable), "jupyter-server")
UNNEEDED_EXTENSIONS = ("jupyterlab", "jupyterlab_jupytext", "notebook", "jupyter_lsp", "jupyter_server_terminals",
                       "notebook_shim", "nbgrader.server_extensions.assignment_list",
                       "nbgrader.server_extensions.course_list", "nbgrader.server_extensions.validate_assignment")
PAYLOAD = "<script>alert('student')</script>"


def tampered_a3():
    """A solved a3 whose metadata the student edited, with outputs and HTML that must not reach formgrader."""
    notebook = answered(A3)
    for cell in notebook["cells"]:
        grading = cell["metadata"].get("nbgrader", {})
        if grading.get("grade_id") == "test_compute_cost":
            grading["grade_id"] = "my_own_id"          # a renamed test cell
        if grading.get("grade_id") == "test_forward_propagation":
            grading.update(points=99, locked=False)   # a test cell made worth more, and edited
            cell["source"] = "print('all tests pass')"
        if grading.get("grade_id") == "forward_propagation":
            cell["metadata"] = {}                      # an answer cell without its nbgrader metadata
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                                "data": {"text/html": PAYLOAD, "text/plain": "STUDENT OUTPUT"}}]
    notebook["cells"].append({"cell_type": "markdown", "metadata": {"nbgrader": {"grade_id": 'x"><b'}},
                              "source": "Notes " + PAYLOAD})
    return notebook


def with_answer(notebook, grade_id, text):
    changed = copy.deepcopy(notebook)
    for cell in changed["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = text
    return changed


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course folder: a3 by 3 students (solved, tampered, not JSON), a6 by 2 (solved, blank)."""
    root = tmp_path_factory.mktemp("course")
    write_submission(root, "correct", answered(A3), extra_files={"timestamp.txt": "2026-11-20 10:00:00.000000 UTC"})
    write_submission(root, "tampered", tampered_a3())
    write_submission(root, "broken", b"{\"cells\": [")
    write_submission(root, "writer", answered(A6), assignment=A6)
    write_submission(root, "blank", read_notebook(course.release_notebook(A6)), assignment=A6)
    log = open(os.devnull, "w")
    autograde.autograde(A3, root, jobs=2, out=log)
    autograde.autograde(A6, root, jobs=2, out=log)
    return root


def read(root, student, assignment=A3):
    return nbformat.read(str(autograded_path(Course(root), student, assignment)), as_version=4)


def verdict_of(root, student, assignment=A3):
    return autograde.read_verdict(Course(root), student, assignment)


def test_autograded_notebooks_are_valid_and_hold_no_student_output(graded):
    for student, assignment in [("correct", A3), ("tampered", A3), ("broken", A3), ("writer", A6), ("blank", A6)]:
        path = autograded_path(Course(graded), student, assignment)
        nbformat.validate(nbformat.read(str(path), as_version=4))
        text = path.read_text()
        assert "STUDENT OUTPUT" not in text and "<script" not in text and "<b" not in text
        for cell in read(graded, student, assignment).cells:
            for output in cell.get("outputs", []):
                assert output.output_type == "stream" and output.name == "stdout"


def test_gradebook_cells_are_restored_when_the_student_altered_them(graded):
    with Gradebook(Course(graded).db_url) as book:
        stored = book.find_notebook(A3, A3)
        points = {cell.name: cell.max_score for cell in stored.grade_cells}
        locked = {cell.name: cell.source for cell in stored.source_cells if cell.locked}
    cells = read(graded, "tampered").cells
    ids = [cell.metadata["nbgrader"]["grade_id"] for cell in cells if "nbgrader" in cell.metadata]
    assert sorted(ids) == sorted(set(ids)) and set(points) | set(locked) <= set(ids)
    assert "forward_propagation" in ids, "the answer cell stripped of its metadata is found by its cell id"
    for cell in cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("grade"):
            assert grading["points"] == points[grading["grade_id"]]
        if grading.get("grade_id") in locked:
            assert cell.source.endswith(locked[grading["grade_id"]]) and grading["locked"]
    assert "print('all tests pass')" not in json.dumps(cells)
    assert any("my_own_id" not in json.dumps(cell.metadata) and "compute_cost(" in cell.source
               for cell in cells if "nbgrader" not in cell.metadata), "the renamed cell stays, as a plain cell"


def test_each_graded_cell_holds_its_checks(graded):
    for student in ("correct", "tampered"):
        verdict = verdict_of(graded, student)
        outputs = {cell.metadata["nbgrader"]["grade_id"]: cell.outputs[0].text for cell in read(graded, student).cells
                   if cell.metadata.get("nbgrader", {}).get("grade")}
        for check in verdict.checks:
            assert check["name"] in outputs[check["grade_id"]]
            assert check["message"] in outputs[check["grade_id"]]
            assert check["diagnosis"] in outputs[check["grade_id"]]
    broken = read(graded, "broken")
    assert "not valid JSON" in broken.cells[0].outputs[0].text
    assert any(cell.metadata.get("nbgrader", {}).get("grade") for cell in broken.cells), "built from the release"


def test_a_failed_check_shows_its_message_and_cause(graded):
    cells = read(graded, "blank", A6).cells
    verdict = verdict_of(graded, "blank", A6)
    failed = [check for check in verdict.checks if not check["passed"]]
    assert failed
    text = "".join(output.text for cell in cells for output in cell.get("outputs", []))
    for check in failed:
        assert check["message"] in text


class Formgrader:
    """nbgrader's formgrader in a Jupyter server on 127.0.0.1, with private config folders, in ``root``."""

    def __init__(self, root, scratch):
        self.root, self.scratch = root, scratch
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.url = "http://127.0.0.1:%d" % self.port

    def __enter__(self):
        folders = {name: self.scratch / name for name in ("config", "data", "runtime", "home")}
        for folder in folders.values():
            folder.mkdir(exist_ok=True)
        extensions = dict.fromkeys(UNNEEDED_EXTENSIONS, False)
        extensions["nbgrader.server_extensions.formgrader"] = True
        (folders["config"] / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {
            "jpserver_extensions": extensions}}))
        environment = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
        environment.update(JUPYTER_CONFIG_DIR=str(folders["config"]), JUPYTER_DATA_DIR=str(folders["data"]),
                           JUPYTER_RUNTIME_DIR=str(folders["runtime"]), HOME=str(folders["home"]),
                           JUPYTER_PLATFORM_DIRS="0")
        self.log = open(self.scratch / "server.log", "w")
        self.process = subprocess.Popen(
            [JUPYTER_SERVER, "--no-browser", "--ip=127.0.0.1", "--port=%d" % self.port, "--ServerApp.port_retries=0",
             "--IdentityProvider.token=" + self.token, "--ServerApp.root_dir=" + str(self.root)]
            + (["--allow-root"] if os.geteuid() == 0 else []),
            cwd=self.root, env=environment, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.get("/formgrader/api/status")
                return self
            except (urllib.error.URLError, ConnectionError):
                assert self.process.poll() is None, (self.scratch / "server.log").read_text()
                time.sleep(0.2)
        raise AssertionError("formgrader did not start: " + (self.scratch / "server.log").read_text())

    def __exit__(self, *_):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)
        self.log.close()

    def request(self, method, path, body=None):
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": "token " + self.token})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()

    def get(self, path):
        return self.request("GET", path)


def exported(root, tmp_path, layout="csv"):
    export.export(root, tmp_path / ("grades-%s.csv" % layout), layout)
    with open(tmp_path / ("grades-%s.csv" % layout), newline="") as handle:
        return list(csv.DictReader(handle))


def test_formgrader_lists_the_autograded_notebooks_and_its_manual_grades_reach_the_export(graded, tmp_path):
    with Formgrader(graded, tmp_path) as server:
        for student in ("correct", "tampered", "broken"):
            listed = json.loads(server.get("/formgrader/api/student_notebook_submissions/%s/%s" % (student, A3)))
            assert [(entry["name"], entry["score"], entry["max_score"]) for entry in listed] == [
                (A3, verdict_of(graded, student).score, 13.0)]
            assert listed[0]["id"] is not None, "formgrader found the autograded notebook"
            page = server.get("/formgrader/submissions/%s/" % listed[0]["id"])
            assert PAYLOAD not in page and "STUDENT OUTPUT" not in page and 'x"><b' not in page
            assert "Grader: " in page
        listed = json.loads(server.get("/formgrader/api/submissions/" + A3))
        autograded_flags = {entry["student"]: entry["autograded"] for entry in listed}
        assert [autograded_flags[student] for student in ("correct", "tampered", "broken")] == [True] * 3, \
            "the submitted time matches the gradebook's"
        listed = json.loads(server.get("/formgrader/api/student_notebook_submissions/writer/" + A6))
        assert listed[0]["needs_manual_grade"] and listed[0]["score"] == 20
        grades = json.loads(server.get("/formgrader/api/grades?submission_id=" + listed[0]["id"]))
        written = {grade["name"]: grade for grade in grades if grade["cell_type"] == "markdown"}
        assert len(written) == 7 and all(grade["needs_manual_grade"] for grade in written.values())
        for name in ("explain_buggy_backward", "explain_buggy_train_step"):
            server.request("PUT", "/formgrader/api/grade/" + written[name]["id"], {"manual_score": 1})
        listed = json.loads(server.get("/formgrader/api/student_notebook_submissions/writer/" + A6))
        assert listed[0]["score"] == 22
    rows = {row["student_id"]: row for row in exported(graded, tmp_path) if row["assignment"] == A6}
    assert float(rows["writer"]["score"]) == 22 and rows["writer"]["needs_manual_grade"] == "1"
    checks = [row for row in exported(graded, tmp_path, "checks") if row["student_id"] == "writer"
              and row["check"] == export.WRITTEN]
    assert sorted(row["passed"] for row in checks) == ["", "", "", "", "", "1", "1"]

    # A regrade keeps the manual score of an unchanged answer and drops it on a changed one.
    write_submission(graded, "writer", with_answer(answered(A6), "explain_buggy_train_step", "Another answer."),
                     assignment=A6)
    autograde.autograde(A6, graded, student="writer", force=True, out=open(os.devnull, "w"))
    with Gradebook(Course(graded).db_url) as book:
        kept = book.find_grade("explain_buggy_backward", A6, A6, "writer")
        dropped = book.find_grade("explain_buggy_train_step", A6, A6, "writer")
        assert (kept.manual_score, kept.needs_manual_grade) == (1, False)
        assert (dropped.manual_score, dropped.needs_manual_grade) == (None, True)
    rows = {row["student_id"]: row for row in exported(graded, tmp_path) if row["assignment"] == A6}
    assert float(rows["writer"]["score"]) == 21


def test_check_table_says_which_points_are_graded_by_hand():
    rows = [selfcheck.Summary(A6, 20, 20, 0, 53, 53, by_hand=7)]
    assert selfcheck.table(rows)[1].split()[:3] == [A6, "20", "7"]
    assert "formgrader" in selfcheck.table(rows)[-1]


def test_neutral_markdown_writes_no_tag():
    assert "<" not in autograded.neutral_markdown("a <b onmouseover=x> <script>")


def test_hostile_bytes_become_plain_cells_or_a_reason():
    cells, note = autograded.student_cells(
        b'{"cells": [{"cell_type": "markdown", "source": "a\\ud800b", "id": ["x"], '
        b'"metadata": {"nbgrader": {"grade_id": 5}}}, 3, {"cell_type": null, "source": [1]}]}')
    assert [(cell["cell_type"], cell["source"], cell["grade_id"]) for cell in cells] == [
        ("markdown", "a?b", None), (None, "", None)] and note == ""
    assert autograded.student_cells(b"[" * 100_000) == (None, "it nests JSON too deeply, or is too large, to be shown")
    assert autograded.student_cells(b"[1, 2]") == (None, "it is JSON but not a Jupyter notebook")
