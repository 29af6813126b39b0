"""Submissions written for an assignment rather than by a student: the release filled with the
solution's answers, with one answer left out, with one more cell.

Every function takes and returns a notebook as a JSON dict; none of them runs anything. The demo
class (``grader.demo``) and the tests build their submissions here, and put them where
``python -m grader autograde`` looks with :func:`write_submission`.
"""
import copy
import json
from pathlib import Path

from grader import course
from grader.mutants import read_notebook

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
    """A code cell holding ``source``, never run (no outputs)."""
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def with_cell(notebook, source):
    """A copy of ``notebook`` with one more code cell at the end."""
    changed = copy.deepcopy(notebook)
    changed["cells"].append(code_cell(source))
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


def write_submission(root, student, assignment, notebook, extra_files=None):
    """Put ``notebook`` (a JSON dict, or bytes written as they are; None: no notebook) where
    ``python -m grader autograde`` looks for ``student``'s submission of ``assignment`` in the course
    folder ``root``, with ``extra_files`` (name -> text) beside it; returns the submission's folder."""
    folder = Path(root) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    if notebook is not None:
        data = notebook if isinstance(notebook, bytes) else json.dumps(notebook).encode()
        (folder / (assignment + ".ipynb")).write_bytes(data)
    for name, text in (extra_files or {}).items():
        (folder / name).write_text(text)
    return folder
