"""Every student release is generated, current, and carries no solution or hidden test."""
import pytest

from grader import assignments, course, release
from grader.mutants import read_notebook


def _notebooks(name):
    return read_notebook(course.solution_notebook(name)), read_notebook(course.release_notebook(name))


def _solution_lines(notebook):
    """The stripped lines between BEGIN SOLUTION and END SOLUTION in the source notebook."""
    lines, inside = [], False
    for cell in notebook["cells"]:
        for line in "".join(cell["source"]).splitlines():
            if "END SOLUTION" in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
            elif "BEGIN SOLUTION" in line:
                inside = True
    return lines


@pytest.mark.parametrize("name", assignments.NAMES)
def test_release_equals_a_fresh_generation(name):
    assert release.release_differences(name) == []


@pytest.mark.parametrize("name", assignments.NAMES)
def test_release_has_no_solutions_and_keeps_every_signature(name):
    solution, blank = _notebooks(name)
    text = course.release_notebook(name).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN"):
        assert marker not in text
    released = {line.strip() for cell in blank["cells"] if cell["metadata"].get("nbgrader", {}).get("solution")
                for line in "".join(cell["source"]).splitlines()}
    solution_lines = _solution_lines(solution)
    assert solution_lines
    leaked = [line for line in solution_lines if line in released and len(line) > 12]
    assert not leaked, leaked

    def signatures(notebook):
        return [line for cell in notebook["cells"] for line in "".join(cell["source"]).splitlines()
                if line.startswith("def ")]
    assert signatures(blank) == signatures(solution)
    solution_cells = [cell for cell in solution["cells"]
                      if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution")]
    stubs = [cell for cell in blank["cells"]
             if cell["cell_type"] == "code" and "raise NotImplementedError" in "".join(cell["source"])]
    assert len(stubs) == len(solution_cells) > 0


@pytest.mark.parametrize("name", assignments.NAMES)
def test_release_states_each_functions_points(name):
    _, blank = _notebooks(name)
    markdown = " ".join("".join(cell["source"]) for cell in blank["cells"] if cell["cell_type"] == "markdown")
    points = {cell["metadata"]["nbgrader"]["grade_id"]: cell["metadata"]["nbgrader"]["points"]
              for cell in blank["cells"] if cell["metadata"].get("nbgrader", {}).get("grade")
              and cell["cell_type"] == "code"}  # Markdown grade cells are graded by hand
    total = sum(check.points for check in assignments.load(name).CHECKS)
    assert sum(points.values()) == total
    assert "**%d**" % total in markdown, "the release's table gives the total"
    for value in set(points.values()):
        assert "%d point" % value in markdown


@pytest.mark.parametrize("name", assignments.NAMES)
def test_solution_notebook_has_no_outputs(name):
    solution, _ = _notebooks(name)
    assert all(not cell.get("outputs") for cell in solution["cells"] if cell["cell_type"] == "code")
