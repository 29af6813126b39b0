"""Shared fixtures: the a3 notebooks as JSON dicts and a one-call way to grade a notebook."""
import copy

import pytest

from grader import assignments, course, secret, synthetic
from grader.mutants import read_notebook
# Tests import these from here; their home is grader.synthetic.
from grader.synthetic import SOLUTION_MARKERS, answered, code_cell, with_cell, without_function  # noqa: F401
from grader.verify import grade_notebook

A3 = "a3_two_layer_network"


@pytest.fixture(scope="session")
def a3():
    return assignments.load(A3)


@pytest.fixture(scope="session")
def solution_notebook():
    return read_notebook(course.solution_notebook(A3))


@pytest.fixture(scope="session")
def blank_notebook():
    return read_notebook(course.release_notebook(A3))


def with_function(notebook, function, source):
    """A copy of ``notebook`` whose cell defining ``function`` holds ``source`` instead."""
    changed = copy.deepcopy(notebook)
    marker = "def %s(" % function
    cells = [cell for cell in changed["cells"] if cell["cell_type"] == "code" and marker in "".join(cell["source"])]
    assert len(cells) == 1, "%d code cells define %s()" % (len(cells), function)
    cells[0]["source"] = source
    return changed


@pytest.fixture
def grade(tmp_path):
    """grade(notebook_dict_or_bytes, student="s") -> Verdict, graded in the sandbox."""
    key = secret.one_time_secret()

    def run(notebook, student="student", extra_files=None):
        return grade_file(tmp_path, A3, notebook, key, student, extra_files)
    return run


def grade_file(folder, name, notebook, key, student="student", extra_files=None):
    """Write ``notebook`` (a dict or bytes) as ``student``'s submission of assignment ``name`` under
    ``folder`` (see :func:`write_submission`) and grade it with ``key``: the Verdict."""
    submitted = write_submission(folder, student, notebook, extra_files, name)
    return grade_notebook(submitted / (name + ".ipynb"), assignments.load(name), course.solution_notebook(name),
                          key, student)


def write_submission(root, student, notebook, extra_files=None, assignment=A3):
    """Put a submission where ``python -m grader autograde`` looks for it (by default of a3); its folder."""
    return synthetic.write_submission(root, student, assignment, notebook, extra_files)
