"""nbgrader's own tools in a course folder made by ``python -m grader init``: generate_assignment,
validate and the formgrader's API work; autograde refuses, naming ours, and runs no student code."""
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from grader import course, nbgrader_course

A3 = "a3_two_layer_network"

FILES = (A3 + ".ipynb", "validate.py", "validate_data.json")


def submit(root, student, notebook):
    """Put ``notebook`` (a dict) where nbgrader and our grader look for ``student``'s submission."""
    folder = root / "submitted" / student / A3
    folder.mkdir(parents=True)
    (folder / (A3 + ".ipynb")).write_text(json.dumps(notebook), encoding="utf-8")


def run(*command, cwd):
    """``python *command`` in ``cwd`` with the virtual environment's programs first on PATH, as when it
    is activated (nbgrader's gradebook runs ``alembic``)."""
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    return subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env=dict(os.environ, PATH=path))


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A course folder after ``init`` and ``nbgrader generate_assignment a3``."""
    root = tmp_path_factory.mktemp("course")
    made = run("-m", "grader", "init", str(root), cwd=course.REPOSITORY)
    assert made.returncode == 0, made.stderr
    generated = run("-m", "nbgrader", "generate_assignment", A3, cwd=root)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    return root


def test_generate_assignment_releases_what_exercises_holds(released):
    release = released / "release" / A3
    assert sorted(path.name for path in release.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (release / name).read_bytes() == (course.EXERCISES / A3 / name).read_bytes(), name
    with sqlite3.connect(released / "gradebook.db") as connection:
        points = connection.execute("SELECT sum(max_score) FROM grade_cells").fetchone()[0]
    assert points == 13


def test_validate_runs_on_a_release_copy(released, tmp_path):
    copy = tmp_path / (A3 + ".ipynb")
    copy.write_bytes((released / "release" / A3 / (A3 + ".ipynb")).read_bytes())
    result = run("-m", "nbgrader", "validate", str(copy), cwd=released)
    assert result.returncode == 0, result.stderr
    assert "is not implemented yet" in result.stdout + result.stderr


def test_autograde_refuses_naming_ours_and_runs_no_student_code(released, tmp_path):
    marker = tmp_path / "student_code_ran"
    notebook = json.loads(course.solution_notebook(A3).read_text(encoding="utf-8"))
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": "open(%r, 'w').write('ran')" % str(marker)})
    submit(released, "alice", notebook)
    result = run("-m", "nbgrader", "autograde", A3, cwd=released)
    assert not marker.exists(), "nbgrader ran the student's code"
    assert result.returncode != 0
    assert "python -m grader autograde %s --root %s" % (A3, released) in result.stderr.replace(
        sys.executable + " ", "python ")
    assert not (released / "autograded").exists()
    with sqlite3.connect(released / "gradebook.db") as connection:
        assert connection.execute("SELECT count(*) FROM submitted_assignment").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM grade").fetchone() == (0,)


FORMGRADER = """
from nbgrader.apps import NbGraderAPI
from nbgrader.apps.baseapp import NbGrader
app = NbGrader()
app.load_config_file()
api = NbGraderAPI(config=app.config)
print([assignment["name"] for assignment in api.get_assignments()])
result = api.autograde(%r, "bob")
print(result["success"], "python -m grader autograde" in result["log"].replace(%r, "python"))
"""


def test_formgrader_api_lists_the_assignment_and_its_autograde_refuses(released):
    submit(released, "bob", json.loads(course.solution_notebook(A3).read_text(encoding="utf-8")))
    result = run("-c", FORMGRADER % (A3, sys.executable), cwd=released)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [repr(course.released_assignments()), "False True"]


def test_init_keeps_an_instructors_config_unless_forced(tmp_path):
    config = tmp_path / "nbgrader_config.py"
    config.write_text("c = get_config()\n")
    refused = run("-m", "grader", "init", str(tmp_path), cwd=course.REPOSITORY)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert config.read_text() == "c = get_config()\n" and not (tmp_path / "source").exists()
    forced = run("-m", "grader", "init", str(tmp_path), "--force", cwd=course.REPOSITORY)
    assert forced.returncode == 0, forced.stderr
    assert "nbgrader_course.configure(c," in config.read_text()
    link = tmp_path / "source" / A3 / (A3 + ".ipynb")
    assert link.is_symlink() and link.resolve() == course.solution_notebook(A3)


def test_init_again_changes_nothing(tmp_path):
    assert nbgrader_course.init(tmp_path)
    assert nbgrader_course.init(tmp_path) == []
