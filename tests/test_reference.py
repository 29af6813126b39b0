"""The reference implementation the grader trusts is itself checked against independent answers."""
import numpy as np
import pytest

from backprop import two_layer
from backprop.data import xor_dataset


def numerical_gradients(parameters, X, Y, epsilon=1e-6):
    numerical = {}
    for name, value in parameters.items():
        gradient = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up = {key: array.copy() for key, array in parameters.items()}
            down = {key: array.copy() for key, array in parameters.items()}
            up[name][index] += epsilon
            down[name][index] -= epsilon
            gradient[index] = (two_layer.compute_cost(two_layer.forward_propagation(X, up)[0], Y)
                               - two_layer.compute_cost(two_layer.forward_propagation(X, down)[0], Y)) / (2 * epsilon)
        numerical["d" + name] = gradient
    return numerical


@pytest.mark.parametrize("m", [1, 2, 7])
def test_backward_matches_finite_differences(m):
    rng = np.random.default_rng(m)
    parameters = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal((4, 1)),
                  "W2": rng.standard_normal((1, 4)), "b2": rng.standard_normal((1, 1))}
    X, Y = rng.standard_normal((3, m)), (rng.random((1, m)) < 0.5).astype(float)
    _, cache = two_layer.forward_propagation(X, parameters)
    grads = two_layer.backward_propagation(parameters, cache, X, Y)
    for name, expected in numerical_gradients(parameters, X, Y).items():
        error = np.linalg.norm(grads[name] - expected) / (np.linalg.norm(grads[name]) + np.linalg.norm(expected))
        assert grads[name].shape == expected.shape and error < 1e-7, (name, error)


def test_the_books_xor_settings_learn_from_every_seed():
    X, Y = xor_dataset()
    final = [two_layer.train(X, Y, n_h=8, learning_rate=1.0, epochs=5000, seed=seed)[1][-1] for seed in range(20)]
    assert max(final) < 0.05


def test_cost_of_the_exam_example():
    assert two_layer.compute_cost(np.array([[0.3]]), np.array([[1.0]])) == pytest.approx(-np.log(0.3))
