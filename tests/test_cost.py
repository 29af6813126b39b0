"""backprop/cost.py: exact counts, finite differences that agree with backpropagation, and
timings that are ordered and positive. Tiny networks only, so the tests stay fast."""
import numpy as np
import pytest

from backprop.cost import (backpropagation_gradients, compare_gradient_costs, cost_function,
                           count_parameters, finite_difference_gradients, make_problem, time_call)
from backprop.gradient_check import relative_error
from backprop.two_layer import backward_propagation, forward_propagation, initialize_parameters

N_X, N_H, M = 3, 5, 7  # distinct, so that a transposed shape cannot pass


def test_count_parameters_counts_every_entry():
    parameters = initialize_parameters(N_X, N_H, 2, seed=0)
    assert count_parameters(parameters) == N_H * N_X + N_H + 2 * N_H + 2
    assert count_parameters({"a": np.zeros((4, 6)), "b": np.zeros(3), "c": np.zeros((2, 1, 5))}) == 37
    assert count_parameters({}) == 0


def test_make_problem_shapes_and_scaled_weights():
    X, Y, parameters = make_problem(N_X, N_H, M, seed=3)
    assert X.shape == (N_X, M) and Y.shape == (1, M)
    assert set(np.unique(Y)) <= {0.0, 1.0}
    shapes = {name: value.shape for name, value in parameters.items()}
    assert shapes == {"W1": (N_H, N_X), "b1": (N_H, 1), "W2": (1, N_H), "b2": (1, 1)}
    unscaled = initialize_parameters(N_X, N_H, 1, seed=3)
    assert np.allclose(parameters["W1"], unscaled["W1"] / np.sqrt(N_X))
    assert np.allclose(parameters["W2"], unscaled["W2"] / np.sqrt(N_H))


def test_finite_differences_make_two_forward_passes_per_entry():
    X, Y, parameters = make_problem(N_X, N_H, M, seed=1)
    _, forward_passes = finite_difference_gradients(X, Y, parameters)
    entries = N_H * (N_X + 1) + (N_H + 1)
    assert forward_passes == 2 * entries == 2 * count_parameters(parameters)


@pytest.mark.parametrize("seed", [0, 1])
def test_finite_differences_agree_with_backward_propagation(seed):
    X, Y, parameters = make_problem(N_X, N_H, M, seed=seed)
    numerical, _ = finite_difference_gradients(X, Y, parameters)
    _, cache = forward_propagation(X, parameters)
    analytic = backward_propagation(parameters, cache, X, Y)
    assert set(numerical) == set(analytic) == {"dW1", "db1", "dW2", "db2"}
    for name in analytic:
        assert numerical[name].shape == analytic[name].shape
        assert relative_error(analytic[name], numerical[name]) < 1e-7, name


def test_finite_differences_detect_a_wrong_gradient():
    X, Y, parameters = make_problem(N_X, N_H, M, seed=2)
    numerical, _ = finite_difference_gradients(X, Y, parameters)
    analytic, _ = backpropagation_gradients(X, Y, parameters)
    assert relative_error(analytic["dW1"] * M, numerical["dW1"]) > 0.5   # 1/m forgotten


def test_backpropagation_gradients_returns_the_cost_and_the_reference_gradients():
    X, Y, parameters = make_problem(N_X, N_H, M, seed=4)
    grads, cost = backpropagation_gradients(X, Y, parameters)
    A2, cache = forward_propagation(X, parameters)
    expected = backward_propagation(parameters, cache, X, Y)
    for name in expected:
        assert np.array_equal(grads[name], expected[name])
    assert cost == pytest.approx(cost_function(X, Y)(parameters))
    assert cost == pytest.approx(float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))))


def test_time_call_returns_ordered_positive_seconds_and_calls_as_told():
    calls = []
    median, low, high = time_call(lambda: calls.append(sum(range(1000))), repeats=5, number=3)
    assert 0 < low <= median <= high
    assert len(calls) == 1 + 5 * 3   # one warm-up call, then repeats * number
    time_call(lambda: calls.append(0), repeats=2, number=2, warm_up=False)
    assert len(calls) == 16 + 4


def test_time_call_rejects_no_repeats():
    with pytest.raises(ValueError):
        time_call(lambda: None, repeats=0)


def test_compare_gradient_costs_on_a_tiny_network():
    result = compare_gradient_costs(N_X, N_H, M, repeats=3, seed=0, number=2)
    entries = N_H * (N_X + 1) + (N_H + 1)
    assert (result["n_x"], result["n_h"], result["m"]) == (N_X, N_H, M)
    assert result["parameters"] == entries
    assert result["forward_passes"] == 2 * entries
    assert result["relative_error"] < 1e-7
    for key in ("finite_differences", "backpropagation", "forward"):
        median, low, high = result[key]
        assert 0 < low <= median <= high, key
    assert result["ratio"] == pytest.approx(result["finite_differences"][0]
                                            / result["backpropagation"][0])
