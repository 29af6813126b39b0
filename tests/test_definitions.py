"""What the grader keeps from a notebook, and how it explains a name it did not keep."""
import copy

import pytest

from grader.notebook import extract_definitions, read_code_cells
from grader.submission import Ungradable
from tests.conftest import with_cell


def test_definitions_constants_and_lambdas_are_kept_and_code_that_runs_is_dropped():
    cell = ("import numpy as np\n"
            "EPSILON = 1e-8\n"
            "relu = lambda z: np.maximum(0, z)\n"
            "noisy = lambda z=print('loaded'): z\n"
            "TINY = np.finfo(float).eps\n"
            "costs = train(X, Y)\n"
            "print(costs)\n")
    definitions = extract_definitions([cell])
    kept = definitions.cells[0]["code"].splitlines()
    assert kept[:3] == ["import numpy as np", "EPSILON = 1e-8", "relu = lambda z: np.maximum(0, z)"]
    assert kept[3:] == ["", "", "", ""], "a default value, a call and a print are never run"
    assert definitions.skipped == {"noisy": 1, "TINY": 1, "costs": 1}


def test_a_name_defined_again_later_is_no_longer_reported_as_skipped():
    definitions = extract_definitions(["scale = float(2)\n", "scale = 2.0\n"])
    assert definitions.skipped == {}


def _with_global_epsilon(solution_notebook):
    """The solution, with compute_cost reading a module-level constant computed by a call."""
    changed = copy.deepcopy(solution_notebook)
    for cell in changed["cells"]:
        source = "".join(cell["source"])
        if "def compute_cost(" in source:
            cell["source"] = ("SAFE = np.finfo(np.float64).tiny\n\n" + source).replace(
                "np.log(A2)", "np.log(A2 + SAFE)")
    return changed


def test_a_helper_constant_computed_at_top_level_costs_marks_with_a_diagnosis_that_says_why(
        solution_notebook, grade):
    verdict = grade(_with_global_epsilon(solution_notebook))
    cost_checks = [check for check in verdict.checks if check["grade_id"] == "test_compute_cost"]
    assert cost_checks and not any(check["passed"] for check in cost_checks)
    diagnosis = cost_checks[0]["diagnosis"]
    assert "SAFE is set at the top of code cell" in diagnosis and "inside the function" in diagnosis
    assert verdict.score == verdict.max_score - sum(check["points"] for check in cost_checks)


def test_a_lambda_helper_is_graded_like_a_def(solution_notebook, grade):
    verdict = grade(with_cell(solution_notebook, "sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))\n"))
    assert verdict.score == verdict.max_score == 13


def test_input_nested_too_deeply_is_reported_not_crashed_on(tmp_path):
    with pytest.raises(Ungradable, match="nests JSON too deeply"):
        read_code_cells(("[" * 100000 + "]" * 100000).encode())
    definitions = extract_definitions(["x = " + "-" * 1000000 + "1\n", "def f():\n    return 1\n"])
    assert definitions.problems == ["code cell 1 nests too deeply to be read; its definitions were skipped"]
    assert [cell["index"] for cell in definitions.cells] == [2]
