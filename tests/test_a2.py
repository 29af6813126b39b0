"""Assignment a2: the reference is checked against independent answers, and its secret cases
hold what the grading standard asks for (single examples, exact zeros, overflowing logits)."""
import numpy as np
import pytest

from backprop import activation_gradients as reference
from grader import assignments

A2 = "a2_activation_gradients"


def _centred(function, Z, epsilon=1e-6):
    return (function(Z + epsilon) - function(Z - epsilon)) / (2 * epsilon)


@pytest.mark.parametrize("backward, forward", [
    (reference.sigmoid_backward, lambda z: 1 / (1 + np.exp(-z))),
    (reference.tanh_backward, np.tanh),
    (reference.relu_backward, lambda z: np.maximum(z, 0)),
    (reference.leaky_relu_backward, lambda z: np.where(z > 0, z, 0.01 * z)),
])
def test_activation_backward_is_dA_times_the_numerical_derivative(backward, forward):
    rng = np.random.default_rng(0)
    Z = rng.uniform(0.1, 3.0, size=(3, 5)) * rng.choice([-1.0, 1.0], size=(3, 5))  # away from the kinks
    dA = rng.standard_normal((3, 5))
    dZ = backward(dA, Z)
    assert dZ.shape == (3, 5) and dZ.dtype == np.float64
    np.testing.assert_allclose(dZ, dA * _centred(forward, Z), rtol=1e-7, atol=1e-10)


def test_relu_and_leaky_relu_take_the_slope_of_the_side_z_below_or_at_0():
    Z = np.array([[0.0, 1.0], [-1.0, 0.0]])
    dA = np.array([[2.0, 3.0], [5.0, 7.0]])
    np.testing.assert_array_equal(reference.relu_backward(dA, Z), [[0.0, 3.0], [0.0, 0.0]])
    np.testing.assert_allclose(reference.leaky_relu_backward(dA, Z, 0.25), [[0.5, 3.0], [1.25, 1.75]])
    np.testing.assert_allclose(reference.leaky_relu_backward(dA, Z), [[0.02, 3.0], [0.05, 0.07]])


def _summed_cross_entropy(Z, Y):
    """Sum over the columns of -sum_k y_k log softmax(z)_k, by log-sum-exp (small logits only)."""
    return float(np.sum(np.log(np.sum(np.exp(Z), axis=0)) - np.sum(Y * Z, axis=0)))


def test_softmax_cross_entropy_gradient_is_that_of_each_examples_loss():
    rng = np.random.default_rng(1)
    Z = 2.0 * rng.standard_normal((4, 3))
    Y = np.eye(4)[:, [2, 0, 3]]
    numerical = np.zeros_like(Z)
    for index in np.ndindex(Z.shape):
        step = np.zeros_like(Z)
        step[index] = 1e-6
        numerical[index] = (_summed_cross_entropy(Z + step, Y) - _summed_cross_entropy(Z - step, Y)) / 2e-6
    np.testing.assert_allclose(reference.softmax_cross_entropy_backward(Z, Y), numerical, rtol=1e-6, atol=1e-9)


def test_the_softmax_is_stable_for_logits_that_overflow_np_exp():
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((5, 4))
    Y = np.eye(5)[:, [1, 4, 0, 2]]
    shifted = Z + np.array([[800.0, -800.0, 709.5, 0.0]])
    with np.errstate(all="raise"):  # no overflow, no 0 / 0, not even a warning
        dZ = reference.softmax_cross_entropy_backward(shifted, Y)
    np.testing.assert_allclose(dZ, reference.softmax_cross_entropy_backward(Z, Y), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dZ.sum(axis=0), 0.0, atol=1e-12)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(shifted) / np.sum(np.exp(shifted), axis=0, keepdims=True) - Y
    assert not np.all(np.isfinite(naive)), "the naive softmax should fail on these logits"


def test_the_chapters_worked_neuron():
    result = reference.neuron_step(np.array([2.0, 3.0]), np.array([0.5, -0.3]), 0.1, 1.0, 0.1)
    assert {name: type(value) for name, value in result.items()} == {
        "a": float, "L": float, "dw": np.ndarray, "db": float, "w": np.ndarray, "b": float}
    a = 1 / (1 + np.exp(-0.2))
    assert result["a"] == pytest.approx(a) and round(result["a"], 4) == 0.5498
    assert result["L"] == pytest.approx(-np.log(a)) and round(result["L"], 4) == 0.5981
    assert result["db"] == pytest.approx(a - 1) and round(result["db"], 4) == -0.4502
    np.testing.assert_allclose(result["dw"], [2 * (a - 1), 3 * (a - 1)])
    np.testing.assert_array_equal(np.round(result["dw"], 4), [-0.9003, -1.3505])
    np.testing.assert_array_equal(np.round(result["w"], 4), [0.5900, -0.1650])
    assert round(result["b"], 4) == 0.1450


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_neuron_gradients_match_finite_differences_of_its_loss(y):
    rng = np.random.default_rng(int(y))
    x, w, b = rng.standard_normal(4), rng.standard_normal(4), float(rng.standard_normal())

    def loss(w, b):
        return reference.neuron_step(x, w, b, y, 0.3)["L"]
    result = reference.neuron_step(x, w, b, y, 0.3)
    numerical_dw = [(loss(w + step, b) - loss(w - step, b)) / 2e-6 for step in 1e-6 * np.eye(4)]
    np.testing.assert_allclose(result["dw"], numerical_dw, rtol=1e-6)
    assert result["db"] == pytest.approx((loss(w, b + 1e-6) - loss(w, b - 1e-6)) / 2e-6, rel=1e-6)
    np.testing.assert_allclose(result["w"], w - 0.3 * result["dw"])
    assert result["b"] == pytest.approx(b - 0.3 * result["db"])


@pytest.mark.parametrize("seed", range(5))
def test_the_secret_cases_meet_the_grading_standard(seed):
    assignment = assignments.load(A2)
    cases = assignment.make_cases(np.random.default_rng(seed))
    by_function = {}
    for case in cases:
        by_function.setdefault(case.function, []).append(case)
    for function in ("sigmoid_backward", "tanh_backward", "relu_backward", "leaky_relu_backward",
                     "softmax_cross_entropy_backward"):
        shapes = [case.args[0].shape for case in by_function[function]]
        assert any(shape[1] == 1 for shape in shapes), function
        assert all(rows != columns for rows, columns in shapes), function
    for function in ("relu_backward", "leaky_relu_backward"):
        with_zeros = [case for case in by_function[function] if np.any(case.args[1] == 0)]
        assert with_zeros and all(np.any(case.args[1] > 0) and np.any(case.args[1] < 0) for case in with_zeros)
    assert {len(case.args) for case in by_function["leaky_relu_backward"]} == {2, 3}
    overflowing = 0
    for case in by_function["softmax_cross_entropy_backward"]:
        Z, Y = case.args
        assert np.array_equal(Y.sum(axis=0), np.ones(Z.shape[1])) and set(np.unique(Y)) == {0.0, 1.0}
        with np.errstate(over="ignore", invalid="ignore"):
            exps = np.exp(Z)
            naive = exps / np.sum(exps, axis=0, keepdims=True) - Y
        if not np.allclose(naive, reference.softmax_cross_entropy_backward(Z, Y), equal_nan=False):
            overflowing += 1
    assert overflowing >= 2, "the naive softmax must fail on the large-logit cases"
    assert {case.args[3] for case in by_function["neuron_step"]} == {0.0, 1.0}
    assert any(case.args[0].shape == (1,) for case in by_function["neuron_step"])


def test_a_softmax_shifted_by_its_mean_or_smallest_logit_loses_the_large_logit_point():
    """Columns that hold logits near 800 and near -800 together need each column's own maximum."""
    import json
    import tempfile
    from pathlib import Path

    from grader import assignments, course, secret
    from grader.mutants import Mutant, mutate_notebook, read_notebook
    from grader.verify import grade_notebook
    name = "a2_activation_gradients"
    solution = read_notebook(course.solution_notebook(name))
    for shift in ("np.min", "np.mean"):
        wrong = Mutant("shift", "softmax_cross_entropy_backward", "Z - np.max(Z, axis=0, keepdims=True)",
                       "Z - %s(Z, axis=0, keepdims=True)" % shift, "")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / (name + ".ipynb")
            path.write_text(json.dumps(mutate_notebook(solution, wrong)))
            verdict = grade_notebook(path, assignments.load(name), course.solution_notebook(name),
                                     secret.one_time_secret(), "s")
        failed = [check["name"] for check in verdict.checks if not check["passed"]]
        assert failed == ["dZ for large logits (a softmax that does not overflow)"], (shift, failed)


def test_a_diagnosis_never_blames_a_part_the_student_got_right():
    """w stepped with db: dw itself is right, so the known wrong version "dw = dz" must not explain it."""
    import json
    import tempfile
    from pathlib import Path

    from grader import assignments, course, secret
    from grader.mutants import Mutant, mutate_notebook, read_notebook
    from grader.verify import grade_notebook
    name = "a2_activation_gradients"
    wrong = Mutant("w_with_db", "neuron_step", "w_new = w - learning_rate * dw", "w_new = w - learning_rate * db", "")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (name + ".ipynb")
        path.write_text(json.dumps(mutate_notebook(read_notebook(course.solution_notebook(name)), wrong)))
        verdict = grade_notebook(path, assignments.load(name), course.solution_notebook(name),
                                 secret.one_time_secret(), "s")
    failed = [check for check in verdict.checks if not check["passed"]]
    assert [check["name"] for check in failed] == ["updated w and b"], failed
    assert failed[0]["diagnosis"] == "", failed[0]["diagnosis"]
