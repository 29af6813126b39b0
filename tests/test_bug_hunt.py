"""backprop.bug_hunt: every fix is right by an independent check, every buggy version is wrong, each
of its bugs on its own changes the result, and its faulty lines are exactly the lines that differ."""
import difflib

import numpy as np
import pytest

from backprop import bug_hunt
from backprop.activations import sigmoid
from backprop.deep import linear_activation_backward
from backprop.gradient_check import numerical_gradients
from grader.checks import copy_arguments

N_X, N_H, N_2, M = 3, 4, 6, 5  # all different: no transposed product fits


def _labels(rng, m):
    Y = (rng.random((1, m)) < 0.5).astype(float)
    Y[0, :2] = (0.0, 1.0)
    return Y


def _two_layer_forward(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.maximum(Z1, 0.0)
    return {"Z1": Z1, "A1": A1, "A2": sigmoid(parameters["W2"] @ A1 + parameters["b2"])}


def _mean_cross_entropy(A, Y):
    """Written per example, unlike the code under test: label 1 costs -log a, label 0 -log(1 - a)."""
    return float(-np.mean(np.where(Y == 1.0, np.log(A), np.log(1.0 - A))))


def _inputs(name, rng):
    """Arguments for the fix of buggy function ``name``, with sizes that cannot hide a bug."""
    if name == "buggy_backward":
        parameters = {"W1": rng.standard_normal((N_H, N_X)), "b1": rng.standard_normal((N_H, 1)),
                      "W2": rng.standard_normal((1, N_H)), "b2": rng.standard_normal((1, 1))}
        X = rng.standard_normal((N_X, M))
        return X, _labels(rng, M), parameters, _two_layer_forward(X, parameters)
    if name in ("buggy_sigmoid_backward", "buggy_relu_backward"):
        return rng.standard_normal((N_H, M)), rng.uniform(-3.0, 3.0, size=(N_H, M))
    if name == "buggy_train_step":
        return (rng.standard_normal((N_X, 1)), rng.standard_normal((1, 1)), rng.standard_normal((N_X, M)),
                _labels(rng, M), 0.3)
    if name == "buggy_L_model_backward":
        dims, caches = (N_X, N_H, N_2, 1), []
        for l in range(1, 4):
            A_prev = rng.standard_normal((dims[l - 1], M))
            W, b = rng.standard_normal((dims[l], dims[l - 1])), rng.standard_normal((dims[l], 1))
            caches.append(((A_prev, W, b), rng.standard_normal((dims[l], M))))
        return sigmoid(rng.standard_normal((1, M))), _labels(rng, M), caches
    if name == "buggy_batch_gradients":
        return ({"dw": rng.standard_normal((N_X, 1)), "db": rng.standard_normal((1, 1))},
                rng.standard_normal((N_X, 1)), rng.standard_normal((1, 1)), rng.standard_normal((N_X, M)),
                _labels(rng, M))
    if name == "buggy_compute_cost":
        return rng.uniform(0.05, 0.95, size=(1, M)), _labels(rng, M)
    raise KeyError(name)


def _same(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12)


def _differs(function, name, rng):
    """Whether ``function`` returns something else than the fix (or raises) on fresh inputs."""
    args = _inputs(name, rng)
    expected = bug_hunt.BY_NAME[name].fixed(*copy_arguments(args))
    try:
        with np.errstate(all="ignore"):
            got = function(*copy_arguments(args))
    except (ValueError, IndexError, KeyError):
        return True
    return not _same(expected, got)


def _with_replacements(name, indices):
    """The fix of ``name`` with only the bug's replacements ``indices`` made, as a function."""
    bug = bug_hunt.BY_NAME[name]
    source = bug_hunt.fixed_source(name)
    for index in indices:
        correct, wrong = bug.replacements[index]
        source = source.replace(correct, wrong)
    namespace = {"np": np, "sigmoid": sigmoid, "linear_activation_backward": linear_activation_backward}
    exec(compile(source, "<partly buggy>", "exec"), namespace)
    return namespace[bug.fixed.__name__]


NAMES = [bug.name for bug in bug_hunt.BUGS]


def test_there_are_seven_bugs_in_the_order_of_the_assignment():
    assert NAMES == ["buggy_backward", "buggy_sigmoid_backward", "buggy_train_step", "buggy_relu_backward",
                     "buggy_L_model_backward", "buggy_batch_gradients", "buggy_compute_cost"]
    assert len(bug_hunt.BY_NAME["buggy_backward"].replacements) == 3


@pytest.mark.parametrize("name", NAMES)
def test_every_buggy_version_differs_from_its_fix(name):
    rng = np.random.default_rng(0)
    buggy = bug_hunt.buggy_function(name)
    assert buggy.__name__ == name
    assert all(_differs(buggy, name, rng) for _ in range(5))


@pytest.mark.parametrize("name, index", [(bug.name, index) for bug in bug_hunt.BUGS
                                         for index in range(len(bug.replacements))])
def test_each_bug_alone_changes_the_result(name, index):
    rng = np.random.default_rng(1)
    assert all(_differs(_with_replacements(name, [index]), name, rng) for _ in range(5))


@pytest.mark.parametrize("name", NAMES)
def test_the_faulty_lines_are_the_lines_that_differ_from_the_fix(name):
    buggy = bug_hunt.buggy_source(name).splitlines()
    fixed = bug_hunt.fixed_source(name).splitlines()
    fixed_name = bug_hunt.BY_NAME[name].fixed.__name__
    assert buggy[0] == fixed[0].replace("def %s(" % fixed_name, "def %s(" % name, 1)
    changed = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=buggy, b=fixed, autojunk=False).get_opcodes():
        if tag != "equal":
            assert tag == "replace" and (i1, i2) == (j1, j2), "a bug adds, removes or moves a line"
            changed |= set(range(i1 + 1, i2 + 1))
    changed.discard(1)
    assert sorted(changed) == bug_hunt.faulty_lines()[name]
    assert len(changed) == len(bug_hunt.BY_NAME[name].replacements)
    assert bug_hunt.line_count(name) == len(buggy)


def test_the_faulty_lines_of_the_three_bugged_backward_pass_are_the_source_bugs():
    lines = bug_hunt.buggy_source("buggy_backward").splitlines()
    faulty = [lines[number - 1].strip() for number in bug_hunt.faulty_lines()["buggy_backward"]]
    assert faulty == ["m = X.shape[0]", "dW2 = (1 / m) * dZ2 @ A1",
                      "db1 = (1 / m) * np.sum(dZ1, axis=0, keepdims=True)"]


def test_two_layer_backward_matches_finite_differences_of_the_mean_cost():
    rng = np.random.default_rng(2)
    X, Y, parameters, cache = _inputs("buggy_backward", rng)
    grads = bug_hunt.two_layer_backward(X, Y, parameters, cache)
    numerical = numerical_gradients(lambda p: _mean_cross_entropy(_two_layer_forward(X, p)["A2"], Y), parameters)
    for name, value in parameters.items():
        assert grads["d" + name].shape == value.shape
        np.testing.assert_allclose(grads["d" + name], numerical["d" + name], rtol=1e-5, atol=1e-8)


def test_train_step_reports_the_cross_entropy_and_steps_down_its_gradient():
    rng = np.random.default_rng(3)
    w, b, X, Y, learning_rate = _inputs("buggy_train_step", rng)
    new_w, new_b, cost = bug_hunt.train_step(w, b, X, Y, learning_rate)
    A = sigmoid(w.T @ X + b)
    assert type(cost) is float and cost == pytest.approx(_mean_cross_entropy(A, Y), rel=1e-12)
    numerical = numerical_gradients(lambda p: _mean_cross_entropy(sigmoid(p["w"].T @ X + p["b"]), Y), {"w": w, "b": b})
    np.testing.assert_allclose(new_w, w - learning_rate * numerical["dw"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(new_b, b - learning_rate * numerical["db"], rtol=1e-6, atol=1e-9)


def test_the_buggy_train_step_updates_correctly_and_reports_the_mean_squared_error():
    rng = np.random.default_rng(4)
    w, b, X, Y, learning_rate = _inputs("buggy_train_step", rng)
    buggy = bug_hunt.buggy_function("buggy_train_step")(w, b, X, Y, learning_rate)
    fixed = bug_hunt.train_step(w, b, X, Y, learning_rate)
    assert _same(buggy[:2], fixed[:2])
    assert buggy[2] == pytest.approx(float(np.mean((sigmoid(w.T @ X + b) - Y) ** 2)))


def test_batch_gradients_forget_the_buffers_and_match_finite_differences():
    rng = np.random.default_rng(5)
    buffers, w, b, X, Y = _inputs("buggy_batch_gradients", rng)
    grads = bug_hunt.batch_gradients(copy_arguments(buffers), w, b, X, Y)
    fresh = bug_hunt.batch_gradients({"dw": np.zeros_like(w), "db": np.zeros_like(b)}, w, b, X, Y)
    assert _same(grads, fresh)
    numerical = numerical_gradients(lambda p: _mean_cross_entropy(sigmoid(p["w"].T @ X + p["b"]), Y), {"w": w, "b": b})
    np.testing.assert_allclose(grads["dw"], numerical["dw"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grads["db"], numerical["db"], rtol=1e-6, atol=1e-9)
    buggy = bug_hunt.buggy_function("buggy_batch_gradients")(copy_arguments(buffers), w, b, X, Y)
    np.testing.assert_allclose(buggy["dw"] - buffers["dw"], fresh["dw"], rtol=1e-12, atol=1e-12)


def test_relu_mask_from_the_output_is_as_right_as_from_the_input():
    """The bug of buggy_relu_backward is the factor's value, not which array the mask comes from."""
    rng = np.random.default_rng(6)
    dA, Z = _inputs("buggy_relu_backward", rng)
    A = np.maximum(Z, 0.0)
    np.testing.assert_array_equal(bug_hunt.relu_backward(dA, Z), dA * (A > 0))
    np.testing.assert_array_equal(bug_hunt.buggy_function("buggy_relu_backward")(dA, Z), dA * A)


def test_the_buggy_L_model_backward_files_each_input_gradient_one_key_too_high():
    rng = np.random.default_rng(7)
    args = _inputs("buggy_L_model_backward", rng)
    right = bug_hunt.L_model_backward(*args)
    wrong = bug_hunt.buggy_function("buggy_L_model_backward")(*args)
    assert "dA0" in right and "dA3" not in right and "dA0" not in wrong and "dA3" in wrong
    for l in range(3):
        np.testing.assert_array_equal(wrong["dA%d" % (l + 1)], right["dA%d" % l])


def test_the_buggy_cost_loses_the_parentheses_of_one_minus_y():
    A2 = np.array([[0.8, 0.1]])
    Y = np.array([[1.0, 0.0]])
    assert bug_hunt.compute_cost(A2, Y) == pytest.approx(-(np.log(0.8) + np.log(0.9)) / 2)
    # y log a + 1 - y log(1 - a): label 1 gives log 0.8 + 1 - log 0.2, label 0 gives 1
    expected = -((np.log(0.8) + 1 - np.log(0.2)) + 1) / 2
    assert bug_hunt.buggy_function("buggy_compute_cost")(A2, Y) == pytest.approx(expected)


def test_the_sigmoid_bug_writes_the_derivative_in_z():
    dA = np.array([[1.0, 2.0]])
    Z = np.array([[-1.0, 3.0]])
    np.testing.assert_allclose(bug_hunt.buggy_function("buggy_sigmoid_backward")(dA, Z), [[-2.0, -12.0]])
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(bug_hunt.sigmoid_backward(dA, Z), dA * s * (1 - s))


def test_a_replacement_that_is_not_in_the_fix_is_refused():
    bug = bug_hunt.Bug("buggy_nothing", bug_hunt.train_step, (("no such text", "x"),), "nothing")
    bug_hunt.BY_NAME["buggy_nothing"] = bug
    try:
        with pytest.raises(ValueError, match="must occur once"):
            bug_hunt.buggy_source("buggy_nothing")
    finally:
        del bug_hunt.BY_NAME["buggy_nothing"]
