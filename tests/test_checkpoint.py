"""backprop/checkpoint.py: multiply-add counts against a brute count of the matrix products made,
checkpointed gradients against the full backward pass, and Jacobians by both modes."""
import copy
import math

import numpy as np
import pytest

from backprop import deep, two_layer
from backprop.checkpoint import (backward_multiply_adds, checkpoint_layers, checkpointed_backward,
                                 forward_multiply_adds, jacobian_forward_mode,
                                 jacobian_reverse_mode, jvp, vjp)
from backprop.measure import count_multiply_adds

NETWORKS = [([3, 1], 5), ([4, 6, 1], 7), ([5, 3, 8, 2, 1], 9), ([2, 7, 4, 6, 3, 1], 1)]


def problem(layer_dims, m, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((layer_dims[0], m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    Y[0, 0] = 1.0 - Y[0, -1] if m > 1 else Y[0, 0]
    return X, Y, deep.initialize_parameters_deep(layer_dims, seed=seed + 1)


def brute_total(products):
    """Multiply-adds of the recorded products, from their shapes alone: (a, b) @ (b, c) -> abc."""
    total = 0
    for shape_a, shape_b in products:
        assert len(shape_a) == len(shape_b) == 2 and shape_a[1] == shape_b[0]
        total += shape_a[0] * shape_a[1] * shape_b[1]
    return total


def by_hand(layer_dims, m):
    """The counts written out layer by layer, without the functions under test."""
    forward = backward = 0
    for l in range(1, len(layer_dims)):
        product = layer_dims[l] * layer_dims[l - 1] * m
        forward += product
        backward += product + (product if l > 1 else 0)      # dW always, dA[l-1] for l > 1
    return forward, backward


@pytest.mark.parametrize("layer_dims, m", NETWORKS)
def test_forward_count_equals_the_products_of_the_forward_pass(layer_dims, m):
    X, _, parameters = problem(layer_dims, m)
    _, counted, products = count_multiply_adds(deep.L_model_forward, X, parameters)
    L = len(layer_dims) - 1
    assert len(products) == L
    assert [shapes for shapes in products] == [((layer_dims[l], layer_dims[l - 1]),
                                                 (layer_dims[l - 1], m)) for l in range(1, L + 1)]
    assert forward_multiply_adds(layer_dims, m) == brute_total(products) == counted
    assert forward_multiply_adds(layer_dims, m) == by_hand(layer_dims, m)[0]
    assert isinstance(forward_multiply_adds(layer_dims, m), int)


@pytest.mark.parametrize("layer_dims, m", NETWORKS)
def test_backward_count_is_the_backward_pass_without_dA0(layer_dims, m):
    X, Y, parameters = problem(layer_dims, m)
    AL, caches = deep.L_model_forward(X, parameters)
    _, counted, products = count_multiply_adds(deep.L_model_backward, AL, Y, caches)
    # L_model_backward forms dA0 as well: the last product, W1.T @ dZ1, (n_0, n_1) @ (n_1, m)
    assert products[-1] == ((layer_dims[0], layer_dims[1]), (layer_dims[1], m))
    dA0_product = layer_dims[1] * layer_dims[0] * m
    assert counted == brute_total(products)
    assert backward_multiply_adds(layer_dims, m) == brute_total(products[:-1]) == counted - dA0_product
    assert backward_multiply_adds(layer_dims, m) == by_hand(layer_dims, m)[1]
    forward = forward_multiply_adds(layer_dims, m)
    assert forward <= backward_multiply_adds(layer_dims, m) < 2 * forward


def test_two_layer_backward_count():
    """The two-layer network of backprop.two_layer forms no dX: its count is backward_multiply_adds."""
    n_x, n_h, m = 4, 6, 9
    rng = np.random.default_rng(2)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    parameters = two_layer.initialize_parameters(n_x, n_h, 1, seed=3)
    (A2, cache), forward_count, _ = count_multiply_adds(two_layer.forward_propagation, X, parameters)
    _, backward_count, _ = count_multiply_adds(two_layer.backward_propagation, parameters, cache, X, Y)
    assert forward_count == forward_multiply_adds([n_x, n_h, 1], m) == n_h * n_x * m + n_h * m
    assert backward_count == backward_multiply_adds([n_x, n_h, 1], m) == n_h * n_x * m + 2 * n_h * m


def test_checkpoint_layers():
    assert checkpoint_layers(10, 3) == [0, 3, 6, 9]
    assert checkpoint_layers(9, 3) == [0, 3, 6]
    assert checkpoint_layers(4, 1) == [0, 1, 2, 3]
    assert checkpoint_layers(4, 4) == [0]
    assert checkpoint_layers(4, 7) == [0]
    assert checkpoint_layers(1, 1) == [0]
    for bad in ((0, 1), (3, 0), (3, -1)):
        with pytest.raises(ValueError):
            checkpoint_layers(*bad)


def depths_and_segments():
    cases = []
    for L in (1, 2, 3, 5, 7, 10):
        for k in sorted({1, 2, 3, L, L + 3, max(1, round(math.sqrt(L)))}):
            cases.append((L, k))
    return cases


@pytest.mark.parametrize("L, k", depths_and_segments())
@pytest.mark.parametrize("m", [1, 6])
def test_checkpointed_gradients_equal_the_full_backward(L, k, m):
    widths = [3, 5, 4, 6, 2, 7, 3, 5, 4, 6]
    layer_dims = widths[:L] + [1]
    X, Y, parameters = problem(layer_dims, m, seed=L + k)
    AL, caches = deep.L_model_forward(X, parameters)
    full = deep.L_model_backward(AL, Y, caches)
    saved = copy.deepcopy((X, Y, parameters))
    grads = checkpointed_backward(X, Y, parameters, k)
    expected_keys = {"d%s%d" % (name, l) for l in range(1, L + 1) for name in ("W", "b")}
    assert set(grads) == expected_keys
    for name in expected_keys:
        assert grads[name].shape == full[name].shape
        assert np.allclose(grads[name], full[name], rtol=1e-12, atol=1e-14), name
    np.testing.assert_array_equal(X, saved[0])
    np.testing.assert_array_equal(Y, saved[1])
    for name in parameters:
        np.testing.assert_array_equal(parameters[name], saved[2][name])


@pytest.mark.parametrize("L, k", [(4, 1), (4, 2), (5, 2), (6, 4), (6, 6), (6, 9)])
def test_checkpointing_recomputes_one_forward_pass(L, k):
    """Forward, recomputation and backward: F + F + 2F products (deep's layer step forms dA0 too)."""
    layer_dims = [3, 5, 4, 6, 2, 7][:L] + [1]
    m = 5
    X, Y, parameters = problem(layer_dims, m)
    _, counted, products = count_multiply_adds(checkpointed_backward, X, Y, parameters, k)
    forward = forward_multiply_adds(layer_dims, m)
    assert counted == brute_total(products) == 4 * forward
    full_forward = count_multiply_adds(deep.L_model_forward, X, parameters)[1]
    AL, caches = deep.L_model_forward(X, parameters)
    full_backward = count_multiply_adds(deep.L_model_backward, AL, Y, caches)[1]
    assert counted - (full_forward + full_backward) == forward


def test_checkpointing_holds_less_memory_than_the_full_cache():
    from backprop.measure import traced_memory
    layer_dims = [32] * 16 + [1]
    X, Y, parameters = problem(layer_dims, 512)
    array_bytes = 32 * 512 * 8
    full_cache = traced_memory(deep.L_model_forward, X, parameters).held
    checkpointed = traced_memory(checkpointed_backward, X, Y, parameters, 4).peak
    assert full_cache > 2 * 15 * array_bytes             # Z and A of 15 hidden layers
    assert checkpointed < 0.5 * full_cache


def jacobian_by_differences(x, parameters, epsilon=1e-6):
    def f(z):
        return deep.L_model_forward(z, parameters)[0]
    columns = []
    for j in range(x.shape[0]):
        step = np.zeros_like(x)
        step[j] = epsilon
        columns.append((f(x + step) - f(x - step)) / (2 * epsilon))
    return np.hstack(columns)


@pytest.mark.parametrize("layer_dims", [[3, 5, 4, 7], [7, 4, 5, 3], [2, 6, 1], [5, 2]])
def test_jacobians_by_both_modes(layer_dims):
    parameters = deep.initialize_parameters_deep(layer_dims, seed=4)
    x = np.random.default_rng(5).standard_normal((layer_dims[0], 1))
    forward_mode, forward_count, _ = count_multiply_adds(jacobian_forward_mode, x, parameters)
    reverse_mode, reverse_count, _ = count_multiply_adds(jacobian_reverse_mode, x, parameters)
    assert forward_mode.shape == reverse_mode.shape == (layer_dims[-1], layer_dims[0])
    np.testing.assert_allclose(forward_mode, reverse_mode, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(forward_mode, jacobian_by_differences(x, parameters), rtol=1e-6, atol=1e-9)
    one_example = forward_multiply_adds(layer_dims, 1)
    assert forward_count == 2 * layer_dims[0] * one_example
    assert reverse_count == (layer_dims[-1] + 1) * one_example


def test_jvp_and_vjp_are_transposes():
    layer_dims = [4, 6, 3]
    parameters = deep.initialize_parameters_deep(layer_dims, seed=6)
    rng = np.random.default_rng(7)
    x, v, u = rng.standard_normal((4, 1)), rng.standard_normal((4, 1)), rng.standard_normal((3, 1))
    AL, Jv = jvp(x, parameters, v)
    AL_full, caches = deep.L_model_forward(x, parameters)
    np.testing.assert_allclose(AL, AL_full, rtol=1e-15)
    JTu = vjp(caches, u)
    assert Jv.shape == (3, 1) and JTu.shape == (4, 1)
    # u^T (J v) = (J^T u)^T v
    assert np.isclose((u.T @ Jv).item(), (JTu.T @ v).item(), rtol=1e-12)


@pytest.mark.parametrize("layer_dims, m", [([3, 5, 4, 1], 6), ([4, 1], 3), ([2, 6, 3, 5, 1], 1)])
def test_cost_jvp_is_the_gradient_along_the_direction(layer_dims, m):
    from backprop.checkpoint import cost_jvp
    X, Y, parameters = problem(layer_dims, m, seed=8)
    rng = np.random.default_rng(9)
    direction = {name: rng.standard_normal(value.shape) for name, value in parameters.items()}
    (cost, derivative), counted, _ = count_multiply_adds(cost_jvp, X, Y, parameters, direction)
    AL, caches = deep.L_model_forward(X, parameters)
    grads = deep.L_model_backward(AL, Y, caches)
    assert np.isclose(cost, deep.compute_cost(AL, Y), rtol=1e-14)
    expected = sum(float(np.sum(grads["d" + name] * direction[name])) for name in parameters)
    assert np.isclose(derivative, expected, rtol=1e-10, atol=1e-14)
    assert counted == forward_multiply_adds(layer_dims, m) + backward_multiply_adds(layer_dims, m)
