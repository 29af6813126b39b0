"""Shared fixtures: the a3 notebooks as JSON dicts and a one-call way to grade a notebook."""
import copy
import json
from pathlib import Path

import pytest

from grader import assignments, course, secret
from grader.mutants import read_notebook
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


SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def answered(name, solution=None):
    """The release of assignment ``name`` with every answer cell holding the source of the cell with the
    same grade_id in ``solution`` (default: the solution notebook), its BEGIN/END SOLUTION lines removed:
    what a student who solved everything hands in (a JSON dict)."""
    release = read_notebook(course.release_notebook(name))
    solution = solution or read_notebook(course.solution_notebook(name))
    answers = {cell["metadata"]["nbgrader"]["grade_id"]: "".join(cell["source"]) for cell in solution["cells"]
               if cell["metadata"].get("nbgrader", {}).get("solution")}
    for cell in release["cells"]:
        grading = cell["metadata"].get("nbgrader", {})
        if grading.get("solution"):
            cell["source"] = "\n".join(line for line in answers[grading["grade_id"]].split("\n")
                                       if line.strip() not in SOLUTION_MARKERS)
    return release


def code_cell(source):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def with_cell(notebook, source):
    """A copy of ``notebook`` with one more code cell at the end."""
    changed = copy.deepcopy(notebook)
    changed["cells"].append(code_cell(source))
    return changed


def with_function(notebook, function, source):
    """A copy of ``notebook`` whose cell defining ``function`` holds ``source`` instead."""
    changed = copy.deepcopy(notebook)
    marker = "def %s(" % function
    cells = [cell for cell in changed["cells"] if cell["cell_type"] == "code" and marker in "".join(cell["source"])]
    assert len(cells) == 1, "%d code cells define %s()" % (len(cells), function)
    cells[0]["source"] = source
    return changed


def without_function(solution, blank, function):
    """The solution with one function's cell taken from the blank release (so it scores partly)."""
    changed = copy.deepcopy(solution)
    marker = "def %s(" % function
    blank_cell = next(cell for cell in blank["cells"] if marker in "".join(cell["source"]))
    for index, cell in enumerate(changed["cells"]):
        if marker in "".join(cell["source"]):
            changed["cells"][index] = copy.deepcopy(blank_cell)
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
    """Put a submission where ``python -m grader autograde`` looks for it; its folder."""
    folder = Path(root) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    if notebook is not None:
        data = notebook if isinstance(notebook, bytes) else json.dumps(notebook).encode()
        (folder / (assignment + ".ipynb")).write_bytes(data)
    for name, text in (extra_files or {}).items():
        (folder / name).write_text(text)
    return folder
