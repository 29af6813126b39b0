"""The reference implementation the grader trusts is itself checked against independent answers."""
import numpy as np
import pytest

from backprop import two_layer
from backprop.data import xor_dataset
from backprop.gradient_check import numerical_gradients, relative_error


@pytest.mark.parametrize("m", [1, 2, 7])
def test_backward_matches_finite_differences(m):
    rng = np.random.default_rng(m)
    parameters = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal((4, 1)),
                  "W2": rng.standard_normal((1, 4)), "b2": rng.standard_normal((1, 1))}
    X, Y = rng.standard_normal((3, m)), (rng.random((1, m)) < 0.5).astype(float)
    _, cache = two_layer.forward_propagation(X, parameters)
    grads = two_layer.backward_propagation(parameters, cache, X, Y)
    def cost_of(shifted):
        return two_layer.compute_cost(two_layer.forward_propagation(X, shifted)[0], Y)

    for name, expected in numerical_gradients(cost_of, parameters).items():
        error = relative_error(grads[name], expected)
        assert grads[name].shape == expected.shape and error < 1e-7, (name, error)


def test_the_books_xor_settings_learn_from_every_seed():
    X, Y = xor_dataset()
    final = [two_layer.train(X, Y, n_h=8, learning_rate=1.0, epochs=5000, seed=seed)[1][-1] for seed in range(20)]
    assert max(final) < 0.05


def test_cost_of_the_exam_example():
    assert two_layer.compute_cost(np.array([[0.3]]), np.array([[1.0]])) == pytest.approx(-np.log(0.3))
