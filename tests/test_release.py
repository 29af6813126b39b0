"""The student release is generated, current, and carries no solution or hidden test."""

from grader import course, release
from tests.conftest import A3


def test_release_equals_a_fresh_generation():
    assert release.release_differences(A3) == []


def test_release_has_no_solutions_and_keeps_every_signature(solution_notebook, blank_notebook):
    text = course.release_notebook(A3).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN", "dZ2 = A2 - Y", "np.tanh(Z1)"):
        assert marker not in text
    def signatures(notebook):
        return [line for cell in notebook["cells"] for line in "".join(cell["source"]).splitlines()
                if line.startswith("def ")]
    assert signatures(blank_notebook) == signatures(solution_notebook)
    stubs = [cell for cell in blank_notebook["cells"]
             if cell["cell_type"] == "code" and "raise NotImplementedError" in "".join(cell["source"])]
    assert len(stubs) == 5


def test_release_states_each_functions_points(blank_notebook):
    markdown = " ".join("".join(cell["source"]) for cell in blank_notebook["cells"] if cell["cell_type"] == "markdown")
    points = {cell["metadata"]["nbgrader"]["grade_id"]: cell["metadata"]["nbgrader"]["points"]
              for cell in blank_notebook["cells"] if cell["metadata"].get("nbgrader", {}).get("grade")}
    assert sum(points.values()) == 13
    for value in set(points.values()):
        assert "%d point" % value in markdown


def test_solution_notebook_has_no_outputs(solution_notebook):
    assert all(not cell.get("outputs") for cell in solution_notebook["cells"] if cell["cell_type"] == "code")
