"""Cheating submissions earn nothing, in every assignment, and a correct one is not hurt by noise.

Each cheat of ``tests/cheats.py`` is tried against every graded assignment, twice: written into the
blank release (must score 0) and into a submission that lacks only the function it redefines
(must score no more than that submission does).
"""
import copy
import functools

import pytest

from grader import assignments, course, secret
from grader.mutants import read_notebook
from tests.cheats import A3_CHEATS, CHEATS, NOTEBOOK_CHEATS, fill, target
from tests.conftest import A3, grade_file, with_cell, without_function

KEY = secret.one_time_secret()


def _target(name):
    """The function a cheat redefines (see ``grader.cheats.target``)."""
    return target(assignments.load(name))


@functools.lru_cache(maxsize=None)
def _notebooks(name):
    return read_notebook(course.solution_notebook(name)), read_notebook(course.release_notebook(name))


def _grade(name, notebook, folder, student="student"):
    return grade_file(folder, name, notebook, KEY, student)


def _partial(name):
    solution, blank = _notebooks(name)
    return without_function(solution, blank, _target(name))


@functools.lru_cache(maxsize=None)
def _partial_score(name, folder):
    verdict = _grade(name, _partial(name), folder, "partial")
    assert 0 < verdict.score < verdict.max_score
    return verdict.score


def _cheat(name, cheat, folder):
    return fill(CHEATS.get(cheat) or A3_CHEATS[cheat], _target(name) if cheat in CHEATS else "backward_propagation",
                assignments.load(name), course.REPOSITORY, folder)


CASES = [(name, cheat) for name in assignments.NAMES for cheat in sorted(CHEATS)] + [
    (A3, cheat) for cheat in sorted(A3_CHEATS)]


@pytest.mark.parametrize("name, cheat", CASES)
def test_cheat_in_blank_release_scores_zero(name, cheat, tmp_path):
    verdict = _grade(name, with_cell(_notebooks(name)[1], _cheat(name, cheat, tmp_path)), tmp_path)
    assert verdict.status == "graded"
    assert verdict.score == 0, [(check["name"], check["message"]) for check in verdict.checks if check["passed"]]


@pytest.mark.parametrize("name, cheat", CASES)
def test_cheat_in_partial_submission_earns_nothing_more(name, cheat, tmp_path, tmp_path_factory):
    partial_score = _partial_score(name, tmp_path_factory.getbasetemp() / ("partial-" + name))
    verdict = _grade(name, with_cell(_partial(name), _cheat(name, cheat, tmp_path)), tmp_path)
    assert verdict.score <= partial_score
    target = _target(name) if cheat in CHEATS else "backward_propagation"
    attacked = [check for check in verdict.checks
                if check["grade_id"] == next(c.grade_id for c in assignments.load(name).CHECKS if c.function == target)]
    assert attacked and not any(check["passed"] for check in attacked)
    assert all(check["message"] for check in attacked), "every failed check says why"


@pytest.mark.parametrize("name", assignments.NAMES)
@pytest.mark.parametrize("tampering", sorted(NOTEBOOK_CHEATS))
def test_notebook_tampering_changes_nothing(name, tampering, tmp_path):
    solution, blank = _notebooks(name)
    total = sum(check.points for check in assignments.load(name).CHECKS)
    verdict = _grade(name, NOTEBOOK_CHEATS[tampering](blank), tmp_path, "blank")
    assert (verdict.score, verdict.max_score) == (0, total)
    verdict = _grade(name, NOTEBOOK_CHEATS[tampering](solution), tmp_path, "solved")
    assert (verdict.score, verdict.max_score) == (total, total)


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
