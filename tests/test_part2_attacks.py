"""Attacks on what assignments a4, a5 and a6 added to the grader.

a4 returns lists (the caches of ``L_model_forward``, the costs of ``L_layer_model``) and locates
the error of a wrong backward pass (``grader.localise``); a5 sends a function to the sandbox as
plain data (``harness.ScalarFunction``) and judges ``gradient_check`` by properties; a6 judges the
faulty lines right or wrong as a whole, leaves written answers (Markdown cells) to an instructor,
and must never show the code of a fixed line.

Each test is an attack a student could make, and asserts what a secure grader does: a judge or the
localiser never breaks on what the sandbox sends back (NaN, infinities, huge numbers, wrong types,
lists of 100 items), a cheat earns nothing, code in the sandbox cannot change what the trusted side
calls, and no verdict shows a fixed line of a6. A test that fails here is an open weakness.
"""
import functools
import re
import warnings

import numpy as np
import pytest

from backprop import bug_hunt
from grader import assignments, course, harness, secret
from grader.checks import Foreign, Outcome
from grader.mutants import load_functions, read_notebook
from grader.judging import judge
from grader.verify import Diagnoser, reference_outputs
from tests.conftest import grade_file, with_cell
from tests.test_a6 import _fixed_code, _judged

A4, A5, A6 = "a4_deep_network", "a5_gradient_checking", "a6_bug_hunt"
KEY = secret.one_time_secret()
COULD_NOT_COMPARE = "could not be compared"  # what judge_safely writes when a judge breaks


@functools.lru_cache(maxsize=None)
def _notebooks(name):
    return read_notebook(course.solution_notebook(name)), read_notebook(course.release_notebook(name))


def _grade(folder, name, notebook, student="student"):
    verdict = grade_file(folder, name, notebook, KEY, student)
    assert verdict.status == "graded", verdict.reason
    return verdict


def _texts(verdict):
    return [text for check in verdict.checks for text in (check["message"], check["diagnosis"]) if text]


def _cases(name, seed=0):
    assignment = assignments.load(name)
    return assignment, assignment.make_cases(np.random.default_rng(seed))


# --- a6: no shape hint names the fix of a bug ------------------------------------------------------

def _map_arrays(value, change):
    if isinstance(value, np.ndarray):
        return change(value)
    if isinstance(value, dict):
        return {key: _map_arrays(item, change) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_map_arrays(item, change) for item in value)
    return value


RESHAPES = {
    "summed over axis 0 with keepdims": lambda a: np.sum(a, axis=0, keepdims=True),
    "a row": lambda a: a.reshape(1, -1),
    "flattened": lambda a: a.reshape(-1),
    "transposed": lambda a: a.T,
    "summed over axis 0": lambda a: np.sum(a, axis=0),
}


@pytest.mark.parametrize("reshape", sorted(RESHAPES))
def test_a6_no_shape_hint_names_the_fix_of_a_bug(reshape):
    """A db2 (or b, or db) summed over the examples' axis the wrong way, as db1's bug does, was told
    "sum over the examples, axis=1": the fix of buggy_backward's faulty db1 line. Every array that
    a6 compares is now judged with its wrong shape named only."""
    a6 = assignments.load(A6)
    solution = dict(load_functions(_notebooks(A6)[0]))
    fixed = _fixed_code()
    for function in ("two_layer_backward", "sigmoid_backward", "train_step", "relu_backward",
                     "L_model_backward", "batch_gradients"):
        functions = dict(solution)
        correct = getattr(bug_hunt, function)
        functions[function] = lambda *args, correct=correct: _map_arrays(correct(*args), RESHAPES[reshape])
        results = _judged(a6, functions)
        assert any(not result.passed for result in results if result.grade_id == "test_" + function)
        for result in results:
            for text in (result.message, result.diagnosis):
                assert not [code for code in fixed if code in text], (function, result.name, text)


# --- a4, a5, a6: judges and the localiser on hostile values -----------------------------------------

NAN, INF = float("nan"), float("inf")
HOSTILE = [None, 0, True, 1.5, NAN, INF, np.float64(NAN), np.float32(1.0), "W1", "", [], (), {},
           [1] * 100, tuple(range(100)), {"W1": NAN}, np.zeros((0,)), np.full((3, 1), NAN),
           np.zeros((3, 1), dtype=np.float16), np.zeros((1000, 1000)), Foreign("a list of 101 items"),
           [[1, 2], [3]], (NAN, "W1"), (0.0, "W1"), (np.float64(NAN), "W1"), (1e308, "b1"), ({}, []),
           ({}, [NAN] * 5), ({"W1": np.zeros(2)}, [0.0] * 100),
           (np.zeros((1, 3)), [((np.zeros(1), np.zeros(1), np.zeros(1)), np.zeros(1))] * 100),
           {"buggy_backward": [True, 2]}, {"buggy_backward": [2.0]}, {"buggy_backward": list(range(1, 101))},
           {"buggy_backward": [-1]}, {"buggy_backward": [10 ** 18]}]


@pytest.mark.parametrize("name", [A4, A5, A6])
def test_judges_neither_break_nor_pass_on_hostile_values(name):
    assignment, cases = _cases(name)
    for check in assignment.CHECKS:
        if check.judge is None:
            continue
        mine = [case for case in cases if case.function == check.function
                and (check.applies_to is None or check.applies_to(case))]
        for value in HOSTILE:
            with np.errstate(all="ignore"):
                problem = check.judge(mine, [Outcome(True, value=value) for _ in mine])
            assert problem, (check.name, value)


def _scaled(expected, factor):
    return _map_arrays(expected, lambda a: a * factor)


HOSTILE_GRADIENTS = {
    "NaN": lambda a: a * NAN, "times 1e300": lambda a: a * 1e300, "times -1e300": lambda a: a * -1e300,
    "times 1e-300": lambda a: a * 1e-300, "zero": lambda a: a * 0.0, "three times": lambda a: a * 3.0,
    "1e308 everywhere": lambda a: np.full_like(a, 1e308), "-1e308 everywhere": lambda a: np.full_like(a, -1e308),
    "1e-320 everywhere": lambda a: np.full_like(a, 1e-320),
}


@pytest.mark.parametrize("change", sorted(HOSTILE_GRADIENTS))
def test_the_localiser_and_the_diagnoses_hold_on_hostile_gradients(change):
    """L_model_backward's gradients of the right shapes and dtype with values that overflow, vanish
    or are NaN: every check of a4's backward pass fails without breaking, and its diagnosis holds
    no number but layer counts."""
    a4, cases = _cases(A4)
    expected = reference_outputs(cases, a4.reference)
    outcomes = {case.id: Outcome(True, value=_map_arrays(expected[case.id], HOSTILE_GRADIENTS[change]))
                for case in cases}
    diagnoser = Diagnoser(a4, course.solution_notebook(A4))
    for check in a4.CHECKS:
        if check.function != "L_model_backward":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow in the trusted process is an error of the grader
            result = judge(check, cases, outcomes, diagnoser, expected)  # not judge_safely: must not raise
        assert not result.passed and result.message
        assert not re.search(r"\d\.\d|\d{3}", result.diagnosis), result.diagnosis


def test_gradients_of_zero_are_not_called_a_scaled_gradient():
    """All-zero gradients (a placeholder left in) were located at "the scale of every gradient",
    the correct one times a common constant, 0, with advice to look at 1/m."""
    a4, cases = _cases(A4)
    expected = reference_outputs(cases, a4.reference)
    outcomes = {case.id: Outcome(True, value=_scaled(expected[case.id], 0.0)) for case in cases}
    diagnoser = Diagnoser(a4, course.solution_notebook(A4))
    for check in a4.CHECKS:
        if check.function == "L_model_backward":
            result = judge(check, cases, outcomes, diagnoser, expected)
            assert "scale of every gradient" not in result.diagnosis, result.diagnosis


# --- in the sandbox ---------------------------------------------------------------------------------

A4_HOSTILE = '''
import numpy as np
def initialize_parameters_deep(layer_dims, seed):
    return {"W%d" % k: np.full((2, 2), np.nan) for k in range(32)}
def linear_forward(A_prev, W, b):
    return [W @ A_prev + b] * 100
def L_model_forward(X, parameters):
    layer = ((X, parameters["W1"], parameters["b1"]), np.full((1, X.shape[1]), np.nan))
    return np.full((1, X.shape[1]), 0.5), [layer] * 100
def compute_cost(AL, Y):
    return float("nan")
def L_model_backward(AL, Y, caches):
    grads = {}
    for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
        grads["dW%d" % l] = np.full(W.shape, 1e308)
        grads["db%d" % l] = np.full(b.shape, -1e308)
        grads["dA%d" % (l - 1)] = np.full(A_prev.shape, np.nan)
    return grads
def update_parameters(parameters, grads, learning_rate):
    return {key: [value.tolist()] * 100 for key, value in parameters.items()}
def L_layer_model(X, Y, layer_dims, learning_rate, num_iterations, seed):
    return {}, [float("nan")] * 100
'''


def test_a4_lists_of_100_items_nan_and_overflowing_gradients_earn_nothing_and_break_nothing(tmp_path):
    verdict = _grade(tmp_path, A4, with_cell(_notebooks(A4)[1], A4_HOSTILE))
    assert verdict.score == 0, [check["name"] for check in verdict.checks if check["passed"]]
    assert all(check["message"] for check in verdict.checks)
    assert not [text for text in _texts(verdict) if COULD_NOT_COMPARE in text]
    assert len(verdict.to_json()) < 40_000


A5_HOSTILE = '''
import sys
import numpy as np
def numerical_gradient(f, theta, epsilon):
    # Zero the function in the sandbox (its arrays, its constant and its class), then difference it:
    # if the trusted side called what the sandbox changed, its reference would be zero too.
    for name in ("cubic", "quadratic", "linear", "coupling"):
        array = getattr(f, name)
        try:
            array.flags.writeable = True
            array[...] = 0.0
        except ValueError:
            setattr(f, name, np.zeros_like(array))
    f.constant = 0.0
    type(f).__call__ = lambda self, theta: 0.0
    return np.zeros(np.shape(theta))
def relative_error(a, b):
    harness = sys.modules["__main__"]
    shape = np.shape(a)
    size = int(np.prod(shape))
    return harness.ScalarFunction(shape, np.zeros(size), np.zeros(size), np.zeros(size),
                                  np.zeros((size, size)), 0.0)
def gradient_check(parameters, grads, X, Y, epsilon=1e-7):
    return float("nan"), "W1"
'''


def test_a5_a_function_changed_in_the_sandbox_or_returned_from_it_earns_nothing(tmp_path):
    call = harness.ScalarFunction.__call__
    verdict = _grade(tmp_path, A5, with_cell(_notebooks(A5)[1], A5_HOSTILE))
    assert verdict.score == 0, [check["name"] for check in verdict.checks if check["passed"]]
    assert all(check["message"] for check in verdict.checks)
    assert not [text for text in _texts(verdict) if COULD_NOT_COMPARE in text]
    assert harness.ScalarFunction.__call__ is call


def _a6_tampered(blank):
    """faulty_lines in every form but a list of distinct ints, and written answers tampered with."""
    right = bug_hunt.faulty_lines()
    answers = {
        "buggy_backward": "[np.int64(line) for line in %r]" % right["buggy_backward"],  # right, NumPy ints
        "buggy_sigmoid_backward": repr([float(line) for line in right["buggy_sigmoid_backward"]]),
        "buggy_train_step": repr(right["buggy_train_step"] * 2),
        "buggy_relu_backward": "[True] + %r" % right["buggy_relu_backward"],
        "buggy_L_model_backward": "list(range(1, 101))",
        "buggy_batch_gradients": "list(range(1, 102))",
        "buggy_compute_cost": repr(str(right["buggy_compute_cost"][0])),
    }
    source = ("import numpy as np\ndef faulty_lines():\n    return {%s}\n"
              % ", ".join("%r: %s" % item for item in answers.items()))
    notebook = with_cell(blank, source)
    for cell in notebook["cells"]:
        metadata = cell.get("metadata", {}).get("nbgrader", {})
        if metadata.get("grade_id", "").startswith("explain_"):
            # A written answer made a code cell that claims its points, and one that carries code.
            cell["cell_type"] = "code"
            cell.update(outputs=[], execution_count=None)
            metadata.update(points=100, solution=False, locked=True)
            cell["source"] = "print('%s: 100 points')\n" % metadata["grade_id"]
    notebook["cells"].append({"cell_type": "markdown", "metadata": {"nbgrader": {
        "grade": True, "solution": True, "grade_id": "explain_buggy_backward", "points": 1000,
        "schema_version": 3, "locked": False, "task": False}},
        "source": "```python\n" + bug_hunt.fixed_source("buggy_backward") + "```\nGrade: 1000/1000\n"})
    return notebook


def test_a6_faulty_lines_count_only_as_distinct_ints_and_written_answers_run_nothing(tmp_path):
    verdict = _grade(tmp_path, A6, _a6_tampered(_notebooks(A6)[1]))
    passed = [check["name"] for check in verdict.checks if check["passed"]]
    assert passed == ["the faulty lines of buggy_backward"], passed  # NumPy ints are ints
    assert verdict.score == 1 and verdict.max_score == sum(c.points for c in assignments.load(A6).CHECKS)
    assert not [text for text in _texts(verdict) if COULD_NOT_COMPARE in text]
    lines = [check for check in verdict.checks if check["grade_id"] == "test_faulty_lines" and not check["passed"]]
    assert len(lines) == 6 and all(check["diagnosis"] in ("", assignments.load(A6).WRONG_LINES) for check in lines)
    fixed = _fixed_code()
    assert not [text for text in _texts(verdict) for code in fixed if code in text]
    # no number in a verdict is a faulty line that the answer did not give right
    for check in lines:
        name = check["name"].rsplit(" ", 1)[1]
        told = set(map(int, re.findall(r"\b\d+\b", check["message"])))
        assert not told & (set(bug_hunt.faulty_lines()[name]) - {bug_hunt.line_count(name)}), check["message"]



def test_a_value_the_sandbox_could_not_send_is_named_by_what_it_is():
    """A set, a generator or a student's own class comes back described ("set"); the judges of a4 and
    a6 wrote the name of the grader's own stand-in class instead, "Foreign", which says nothing."""
    for name, function in ((A4, "initialize_parameters_deep"), (A4, "L_model_forward"), (A4, "L_layer_model"),
                           (A6, "faulty_lines")):
        assignment, cases = _cases(name)
        for check in assignment.CHECKS:
            mine = [case for case in cases if case.function == function]
            if check.function != function or check.judge is None:
                continue
            for value in (Foreign("set"), (None, Foreign("generator"))):
                problem = check.judge(mine, [Outcome(True, value=value) for _ in mine])
                assert "Foreign" not in problem, (check.name, problem)
