"""The shape, memory and counting helpers of chapter "The forward pass, caching and shapes" are
checked against answers computed independently of them."""
import numpy as np
import pytest

from backprop import shapes, two_layer

SIZES = {"n_x": 3, "n_h": 4, "n_y": 2, "m": 5}


def _network(rng, n_x=3, n_h=4, n_y=2, m=5):
    parameters = {"W1": rng.standard_normal((n_h, n_x)), "b1": rng.standard_normal((n_h, 1)),
                  "W2": rng.standard_normal((n_y, n_h)), "b2": rng.standard_normal((n_y, 1))}
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((n_y, m)) < 0.5).astype(float)
    return parameters, X, Y


def test_shape_of_replaces_names_and_keeps_numbers():
    assert shapes.shape_of(("n_h", 1), SIZES) == (4, 1)
    assert shapes.shape_of(("n_x", "m"), SIZES) == (3, 5)


def test_shape_table_lists_actual_shapes_and_refuses_a_wrong_one():
    arrays = {"X": np.zeros((3, 5)), "b1": np.zeros((4, 1))}
    rows = [("X", "inputs", ("n_x", "m")), ("b1", "biases", ("n_h", 1))]
    table = shapes.shape_table(rows, arrays, SIZES).splitlines()
    assert len(table) == 4
    assert table[2] == "| `X` | inputs | $(n_x, m)$ | `(3, 5)` |"
    assert table[3] == "| `b1` | biases | $(n_h, 1)$ | `(4, 1)` |"
    with pytest.raises(AssertionError, match="b1"):
        shapes.shape_table(rows, {**arrays, "b1": np.zeros(4)}, SIZES)


def test_gradient_shapes_pass_for_the_reference_and_fail_for_each_kind_of_mistake():
    parameters, X, Y = _network(np.random.default_rng(0))
    _, cache = two_layer.forward_propagation(X, parameters)
    grads = two_layer.backward_propagation(parameters, cache, X, Y)
    shapes.check_gradient_shapes(parameters, grads)
    with pytest.raises(AssertionError, match=r"db1 has shape \(4,\) but b1 has shape \(4, 1\)"):
        shapes.check_gradient_shapes(parameters, {**grads, "db1": grads["db1"][:, 0]})
    with pytest.raises(AssertionError, match="dW2"):
        shapes.check_gradient_shapes(parameters, {**grads, "dW2": grads["dW2"].T})
    missing = {name: value for name, value in grads.items() if name != "db2"}
    with pytest.raises(AssertionError, match="expected"):
        shapes.check_gradient_shapes(parameters, missing)
    with pytest.raises(AssertionError, match="expected"):
        shapes.check_gradient_shapes(parameters, {**grads, "dZ1": np.zeros((4, 5))})


def test_cache_nbytes_counts_float64_entries_and_skips_none():
    cache = {"A": np.zeros((4, 5)), "B": np.zeros((2, 5), dtype=np.float32), "C": None}
    assert shapes.cache_nbytes(cache) == 4 * 5 * 8 + 2 * 5 * 4
    assert shapes.cache_nbytes({"C": None}) == 0


@pytest.mark.parametrize("p, q, r", [(1, 1, 1), (2, 3, 4), (4, 1, 3), (3, 5, 1)])
def test_loop_matmul_multiplies_and_counts_each_multiply_add(p, q, r):
    rng = np.random.default_rng(p * 100 + q * 10 + r)
    A, B = rng.standard_normal((p, q)), rng.standard_normal((q, r))
    product, count = shapes.loop_matmul(A, B)
    assert product.shape == (p, r)
    assert np.allclose(product, A @ B, rtol=0, atol=1e-12)
    assert count == p * q * r


@pytest.mark.parametrize("left, right", [((2, 3), (2, 3)), ((3,), (3, 2)), ((2, 3), (3,))])
def test_loop_matmul_refuses_shapes_that_do_not_fit(left, right):
    with pytest.raises(ValueError):
        shapes.loop_matmul(np.ones(left), np.ones(right))


def test_count_multiply_adds_counts_the_matrix_products_of_the_forward_pass():
    for n_x, n_h, n_y, m in [(3, 4, 1, 5), (6, 3, 2, 7), (2, 5, 3, 1)]:
        parameters, X, _ = _network(np.random.default_rng(m), n_x, n_h, n_y, m)
        (A2, cache), count = shapes.count_multiply_adds(two_layer.forward_propagation, X, parameters)
        plain_A2, plain_cache = two_layer.forward_propagation(X, parameters)
        # W1 @ X takes n_h n_x m multiply-adds, W2 @ A1 takes n_y n_h m
        assert count == n_h * n_x * m + n_y * n_h * m
        assert type(A2) is np.ndarray and all(type(v) is np.ndarray for v in cache.values())
        assert np.allclose(A2, plain_A2, rtol=0, atol=1e-12)
        assert all(np.allclose(cache[k], plain_cache[k], rtol=0, atol=1e-12) for k in cache)


def test_count_multiply_adds_ignores_elementwise_work_and_starts_from_zero():
    A, B = np.ones((2, 3)), np.ones((3, 4))
    assert shapes.count_multiply_adds(lambda a, b: a @ b, A, B)[1] == 24
    result, count = shapes.count_multiply_adds(lambda a: np.tanh(a) * 2 + np.sum(a, axis=0), A.T)
    assert count == 0 and type(result) is np.ndarray
    assert shapes.count_multiply_adds(lambda d: d["x"] @ d["y"], {"x": A, "y": B})[1] == 24
