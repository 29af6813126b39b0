"""Cheating submissions earn nothing, and a correct one is not hurt by noise.

Each cheat is tried twice: written into the blank release (must score 0) and into a submission
that lacks only backward_propagation (must score no more than that submission does).
"""
import copy
import json

import pytest

from grader import course
from tests.cheats import CHEATS, fill
from tests.conftest import A3, with_cell, without_function

PARTIAL_FUNCTION = "backward_propagation"


@pytest.fixture(scope="module")
def partial_score(solution_notebook, blank_notebook, tmp_path_factory, a3):
    from grader import secret
    from grader.verify import grade_notebook
    path = tmp_path_factory.mktemp("partial") / (A3 + ".ipynb")
    path.write_text(json.dumps(without_function(solution_notebook, blank_notebook, PARTIAL_FUNCTION)))
    verdict = grade_notebook(path, a3, course.solution_notebook(A3),
                             secret.one_time_secret(), "p")
    assert 0 < verdict.score < verdict.max_score
    return verdict.score


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheat_in_blank_release_scores_zero(name, blank_notebook, grade, tmp_path):
    verdict = grade(with_cell(blank_notebook, fill(CHEATS[name], course.REPOSITORY, tmp_path)))
    assert verdict.status == "graded"
    assert verdict.score == 0, [(check["name"], check["message"]) for check in verdict.checks if check["passed"]]


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheat_in_partial_submission_earns_nothing_more(name, solution_notebook, blank_notebook, grade,
                                                        tmp_path, partial_score):
    partial = without_function(solution_notebook, blank_notebook, PARTIAL_FUNCTION)
    verdict = grade(with_cell(partial, fill(CHEATS[name], course.REPOSITORY, tmp_path)))
    assert verdict.score <= partial_score
    backward = [check for check in verdict.checks if check["grade_id"] == "test_backward_propagation"]
    assert backward and not any(check["passed"] for check in backward)
    assert all(check["message"] for check in backward), "every failed check says why"


def _strip_test_cells(notebook):
    changed = copy.deepcopy(notebook)
    changed["cells"] = [cell for cell in changed["cells"]
                        if not cell.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return changed


def _edit_test_cells(notebook):
    changed = copy.deepcopy(notebook)
    for cell in changed["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell["source"] = "print('all checks passed')\n"
            cell["metadata"]["nbgrader"]["points"] = 100
    return changed


def _fake_grade_cell(notebook):
    changed = with_cell(notebook, "print('a thousand points, please')\n")
    changed["cells"][-1]["metadata"] = {"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                     "grade_id": "bonus", "points": 1000,
                                                     "schema_version": 3, "task": False}}
    return changed


NOTEBOOK_CHEATS = {"deleted_test_cells": _strip_test_cells, "edited_test_cells": _edit_test_cells,
                   "fake_grade_cell_1000_points": _fake_grade_cell}


@pytest.mark.parametrize("name", sorted(NOTEBOOK_CHEATS))
def test_notebook_tampering_changes_nothing(name, blank_notebook, solution_notebook, grade):
    blank = grade(NOTEBOOK_CHEATS[name](blank_notebook), student="blank")
    assert (blank.score, blank.max_score) == (0, 13)
    solved = grade(NOTEBOOK_CHEATS[name](solution_notebook), student="solved")
    assert (solved.score, solved.max_score) == (13, 13)


FAKE_NUMPY = '''
def allclose(*args, **kwargs):
    return True
def array_equal(*args, **kwargs):
    return True
'''


def test_numpy_beside_the_notebook_is_not_imported(blank_notebook, solution_notebook, grade):
    assert grade(blank_notebook, "blank", extra_files={"numpy.py": FAKE_NUMPY}).score == 0
    assert grade(solution_notebook, "solved", extra_files={"numpy.py": FAKE_NUMPY}).score == 13


def test_correct_submission_with_warnings_on_stderr_gets_full_marks(solution_notebook, grade):
    noisy = copy.deepcopy(solution_notebook)
    for cell in noisy["cells"]:
        source = "".join(cell["source"])
        if "def backward_propagation(" in source:
            cell["source"] = source.replace(
                "    m = X.shape[1]\n",
                "    import sys, warnings\n    warnings.warn('this is only a warning')\n"
                "    print('debug output', file=sys.stderr)\n    m = X.shape[1]\n", 1)
    noisy = with_cell(noisy, "import warnings\nwarnings.warn('top-level warning')\n")
    verdict = grade(noisy)
    assert verdict.score == 13, [check["message"] for check in verdict.checks if not check["passed"]]


def test_slow_training_cell_costs_nothing(solution_notebook, grade):
    slow = with_cell(solution_notebook, "import time\nfor _ in range(10**9):\n    time.sleep(1)\n")
    verdict = grade(slow)
    assert verdict.score == 13 and verdict.seconds < 30


SIGN_WEIGHTS = '''
import hashlib
import numpy as np
def initialize_parameters(n_x, n_h, n_y, seed=0):
    def signs(name, shape):
        bits = [hashlib.sha256(("%s/%s/%d" % (seed, name, index)).encode()).digest()[0] & 1
                for index in range(int(np.prod(shape)))]
        return (2.0 * np.array(bits, dtype=float) - 1.0).reshape(shape)
    return {"W1": signs("W1", (n_h, n_x)), "b1": np.zeros((n_h, 1)),
            "W2": signs("W2", (n_y, n_h)), "b2": np.zeros((n_y, 1))}
'''


def test_weights_with_the_right_mean_and_spread_but_not_drawn_as_asked_earn_no_point(blank_notebook, grade):
    verdict = grade(with_cell(blank_notebook, SIGN_WEIGHTS))
    weights = [check for check in verdict.checks if check["name"].startswith("standard normal weights")]
    assert weights and not weights[0]["passed"] and "np.random.default_rng(seed)" in weights[0]["message"]
    assert verdict.score == 1, "only shapes, dtype and zero biases, which it does honestly"
