"""The gradient check of backprop/gradient_check.py against answers derived independently of it."""
import warnings

import numpy as np
import pytest

from backprop import deep
from backprop.gradient_check import gradient_check, numerical_gradient, numerical_gradients, relative_error


def _cubic(c3, c2, c1):
    """f(theta) = sum(c3 theta^3 + c2 theta^2 + c1 theta), its exact derivative, and the exact
    two-sided difference with step eps: the derivative plus c3 eps^2 (the even terms cancel)."""
    def f(theta):
        return float(np.sum(c3 * theta ** 3 + c2 * theta ** 2 + c1 * theta))

    def derivative(theta):
        return 3 * c3 * theta ** 2 + 2 * c2 * theta + c1

    def centred(theta, eps):
        return derivative(theta) + c3 * eps ** 2
    return f, derivative, centred


@pytest.mark.parametrize("shape", [(5,), (4, 1), (3, 4)])
def test_numerical_gradient_is_the_centred_difference_entry_by_entry(shape):
    rng = np.random.default_rng(len(shape))
    c3, c2, c1 = (rng.standard_normal(shape) for _ in range(3))
    f, derivative, centred = _cubic(c3, c2, c1)
    theta = rng.standard_normal(shape)
    before = theta.copy()
    gradient = numerical_gradient(f, theta, 0.1)
    assert gradient.shape == shape and gradient.dtype == np.float64
    assert np.allclose(gradient, centred(theta, 0.1), rtol=1e-10, atol=1e-12)
    assert not np.allclose(gradient, derivative(theta), rtol=1e-6, atol=1e-9)
    assert np.array_equal(theta, before), "theta is left unchanged"


def test_the_cubic_of_the_assignment_by_hand():
    gradient = numerical_gradient(lambda t: float(np.sum(t ** 3 + 2 * t)), np.array([2.0]), 0.01)
    assert gradient[0] == pytest.approx(14.0001, abs=1e-10)


def test_entries_that_interact_are_differenced_at_the_point_itself():
    # f(x) = x0 x1 + x1 x2: the gradient (x1, x0 + x2, x1); the centred difference is exact for it.
    gradient = numerical_gradient(lambda t: float(t[0] * t[1] + t[1] * t[2]), np.array([1.0, 2.0, 3.0]), 0.5)
    assert gradient.tolist() == [2.0, 4.0, 2.0]


def test_an_integer_theta_is_differenced_in_floating_point():
    gradient = numerical_gradient(lambda t: float(np.sum(t ** 3)), np.array([1, 2]), 0.5)
    assert gradient.dtype == np.float64
    assert gradient.tolist() == [3 + 0.25, 12 + 0.25]


def test_numerical_gradients_differences_every_parameter_alone():
    rng = np.random.default_rng(3)
    parameters = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal((2, 1))}
    weights = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal((2, 1))}

    def cost_of(p):  # linear in each parameter: the gradient is exactly the weights
        return float(sum(np.sum(weights[k] * p[k]) for k in p))
    numerical = numerical_gradients(cost_of, parameters, 1e-3)
    assert sorted(numerical) == ["dW1", "db1"]
    for name in parameters:
        assert np.allclose(numerical["d" + name], weights[name], rtol=0, atol=1e-9)


@pytest.mark.parametrize("a, b, expected", [
    ([[3.0, 4.0]], [[4.0, 3.0]], 2 ** 0.5 / 10),
    ([[3.0, 4.0]], [[6.0, 8.0]], 5 / 15),
    ([1.0, 2.0], [-1.0, -2.0], 1.0),
    ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]], 1 / (30 ** 0.5 + 39 ** 0.5)),
    ([0.0, 0.0], [0.0, 0.0], 0.0),
    ([0.0, 0.0], [0.0, 2.0], 1.0),
    ([5.0, 0.0], [0.0, 0.0], 1.0),
])
def test_relative_error_by_hand(a, b, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # two zero arrays: 0.0, not 0 / 0
        error = relative_error(np.array(a), np.array(b))
    assert type(error) is float
    assert error == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_relative_error_is_symmetric_and_scale_free():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert relative_error(a, b) == pytest.approx(relative_error(b, a), rel=1e-14)
    assert relative_error(1e-6 * a, 1e-6 * b) == pytest.approx(relative_error(a, b), rel=1e-12)


def _network(dims, m, seed):
    rng = np.random.default_rng(seed)
    parameters = {}
    for layer in range(1, len(dims)):
        parameters["W%d" % layer] = rng.standard_normal((dims[layer], dims[layer - 1])) * np.sqrt(2.0 / dims[layer - 1])
        parameters["b%d" % layer] = 0.5 * rng.standard_normal((dims[layer], 1))
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    AL, caches = deep.L_model_forward(X, parameters)
    return parameters, X, Y, deep.L_model_backward(AL, Y, caches)


def test_correct_gradients_of_a_one_layer_network_by_hand():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((3, 5)), np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    parameters = {"W1": rng.standard_normal((1, 3)), "b1": np.array([[0.2]])}
    AL = 1 / (1 + np.exp(-(parameters["W1"] @ X + parameters["b1"])))
    grads = {"dW1": (AL - Y) @ X.T / 5, "db1": np.mean(AL - Y, axis=1, keepdims=True)}
    worst, name = gradient_check(parameters, grads, X, Y)
    assert worst < 1e-7 and name in parameters
    worst, name = gradient_check(parameters, dict(grads, db1=2 * grads["db1"]), X, Y)
    assert name == "b1" and worst == pytest.approx(1 / 3, abs=1e-7)


@pytest.mark.parametrize("dims, m", [([4, 5, 3, 1], 6), ([3, 2, 1], 1), ([2, 6, 4, 3, 1], 9)])
def test_every_planted_mistake_is_located(dims, m):
    parameters, X, Y, grads = _network(dims, m, seed=len(dims) + m)
    worst, name = gradient_check(parameters, grads, X, Y)
    assert worst < 1e-6 and name in parameters
    for wrong_name in parameters:
        for wrong_value, expected in ((-grads["d" + wrong_name], 1.0), (3 * grads["d" + wrong_name], 0.5),
                                      (np.zeros_like(grads["d" + wrong_name]), 1.0)):
            worst, name = gradient_check(parameters, dict(grads, **{"d" + wrong_name: wrong_value}), X, Y)
            assert (name, worst) == (wrong_name, pytest.approx(expected, abs=1e-6))


def test_the_step_is_passed_on_and_ties_go_to_the_first_parameter():
    parameters, X, Y, grads = _network([3, 4, 1], 5, seed=2)
    costs = {}
    for name in parameters:
        def cost_of(theta, name=name):
            return deep.compute_cost(deep.L_model_forward(X, {**parameters, name: theta})[0], Y)
        costs[name] = relative_error(grads["d" + name], numerical_gradient(cost_of, parameters[name], 0.05))
    worst_name = max(costs, key=costs.get)
    assert gradient_check(parameters, grads, X, Y, 0.05) == (costs[worst_name], worst_name)
    zeros = {key: np.zeros_like(value) for key, value in grads.items()}
    assert gradient_check(parameters, zeros, X, Y) == (1.0, "W1")
