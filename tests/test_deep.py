"""The L-layer network of backprop/deep.py: shapes, the cache and gradient layouts, gradients
against finite differences, and the two-moons setting it trains on."""
import warnings

import numpy as np
import pytest

from backprop import deep
from backprop.data import two_moons, xor_dataset
from backprop.gradient_check import numerical_gradient, numerical_gradients

DIMS = [3, 5, 4, 1]  # n_x, n_1, n_2, n_3 all different, so a transpose cannot fit
M = 7


def _problem(seed=0, dims=DIMS, m=M):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters["W%d" % l] = rng.standard_normal((dims[l], dims[l - 1]))
        parameters["b%d" % l] = rng.standard_normal((dims[l], 1))
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    Y[0, :2] = [0.0, 1.0]  # both labels
    return parameters, X, Y


def test_initialisation_is_he_scaled_from_one_generator_in_layer_order():
    parameters = deep.initialize_parameters_deep(DIMS, seed=3)
    assert list(parameters) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    rng = np.random.default_rng(3)
    for l in range(1, len(DIMS)):
        expected = rng.standard_normal((DIMS[l], DIMS[l - 1])) * np.sqrt(2.0 / DIMS[l - 1])
        np.testing.assert_array_equal(parameters["W%d" % l], expected)
        assert parameters["b%d" % l].shape == (DIMS[l], 1) and not parameters["b%d" % l].any()
        assert parameters["W%d" % l].dtype == parameters["b%d" % l].dtype == np.float64
    wide = deep.initialize_parameters_deep([400, 300, 1], seed=0)["W1"]
    assert abs(wide.std() * np.sqrt(400 / 2.0) - 1.0) < 0.02  # He: variance 2 / n_prev


def test_forward_shapes_and_cache_layout():
    parameters, X, _ = _problem()
    AL, caches = deep.L_model_forward(X, parameters)
    assert AL.shape == (1, M) and AL.dtype == np.float64 and np.all((AL > 0) & (AL < 1))
    assert isinstance(caches, list) and len(caches) == len(DIMS) - 1
    assert caches[0][0][0] is X
    A_prev = X
    for l, cache in enumerate(caches, start=1):
        (cached_A_prev, W, b), Z = cache
        np.testing.assert_allclose(cached_A_prev, A_prev)
        assert W is parameters["W%d" % l] and b is parameters["b%d" % l]
        assert Z.shape == (DIMS[l], M)
        np.testing.assert_allclose(Z, W @ A_prev + b)
        A_prev = np.maximum(Z, 0) if l < len(DIMS) - 1 else 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(AL, A_prev)


def test_linear_activation_forward_rejects_an_unknown_activation():
    with pytest.raises(ValueError):
        deep.linear_activation_forward(np.ones((2, 3)), np.ones((4, 2)), np.zeros((4, 1)), "tanh")


def test_cost_is_a_python_float_and_the_mean_cross_entropy():
    AL = np.array([[0.9, 0.2, 0.6]])
    Y = np.array([[1.0, 0.0, 0.0]])
    cost = deep.compute_cost(AL, Y)
    assert type(cost) is float
    assert cost == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.4)) / 3)


def _cost_of(parameters, X, Y):
    AL, _ = deep.L_model_forward(X, parameters)
    return deep.compute_cost(AL, Y)


def test_L_model_backward_matches_finite_differences_of_the_cost():
    parameters, X, Y = _problem(seed=1)
    AL, caches = deep.L_model_forward(X, parameters)
    grads = deep.L_model_backward(AL, Y, caches)
    for l in range(1, len(caches)):
        (_, _, _), Z = caches[l - 1]
        assert np.min(np.abs(Z)) > 1e-4, "a pre-activation at a ReLU kink would spoil the difference"
    epsilon = 1e-6
    numerical = numerical_gradients(lambda changed: _cost_of(changed, X, Y), parameters, epsilon)
    for name, value in parameters.items():
        assert grads["d" + name].shape == value.shape
        np.testing.assert_allclose(grads["d" + name], numerical["d" + name], rtol=1e-5, atol=1e-9, err_msg=name)
    numerical_X = numerical_gradient(lambda changed: _cost_of(parameters, changed, Y), X, epsilon)
    # dA0 is the gradient of the summed loss (the mean cost's 1/m enters only dW and db)
    np.testing.assert_allclose(grads["dA0"] / M, numerical_X, rtol=1e-5, atol=1e-9)


def test_grads_keys_are_the_inputs_of_each_layer():
    parameters, X, Y = _problem(seed=2)
    AL, caches = deep.L_model_forward(X, parameters)
    grads = deep.L_model_backward(AL, Y, caches)
    L = len(DIMS) - 1
    expected = {"dW%d" % l for l in range(1, L + 1)} | {"db%d" % l for l in range(1, L + 1)}
    expected |= {"dA%d" % l for l in range(L)}
    assert set(grads) == expected and "dA%d" % L not in grads
    for l in range(L):
        assert grads["dA%d" % l].shape == (DIMS[l], M)
    # dA{L-1} is what the output layer sends back: W_L.T @ (AL - Y)
    np.testing.assert_allclose(grads["dA%d" % (L - 1)], parameters["W%d" % L].T @ (AL - Y))


def test_backward_uses_the_cache_it_is_given():
    rng = np.random.default_rng(4)
    A_prev, W, b = rng.standard_normal((3, 6)), rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    Z = rng.standard_normal((5, 6))  # not W @ A_prev + b
    dA = rng.standard_normal((5, 6))
    dA_prev, dW, db = deep.linear_activation_backward(dA, ((A_prev, W, b), Z), "relu")
    dZ = dA * (Z > 0)
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 6)
    np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / 6)
    np.testing.assert_allclose(dA_prev, W.T @ dZ)
    s = 1 / (1 + np.exp(-Z))
    _, dW, _ = deep.linear_activation_backward(dA, ((A_prev, W, b), Z), "sigmoid")
    np.testing.assert_allclose(dW, (dA * s * (1 - s)) @ A_prev.T / 6)


def test_update_leaves_its_arguments_unchanged():
    parameters, X, Y = _problem(seed=5)
    AL, caches = deep.L_model_forward(X, parameters)
    grads = deep.L_model_backward(AL, Y, caches)
    before = {key: value.copy() for key, value in parameters.items()}
    grads_before = {key: value.copy() for key, value in grads.items()}
    new = deep.update_parameters(parameters, grads, 0.3)
    assert set(new) == set(parameters)
    for key in parameters:
        np.testing.assert_array_equal(parameters[key], before[key])
        np.testing.assert_allclose(new[key], before[key] - 0.3 * grads["d" + key])
    for key in grads:
        np.testing.assert_array_equal(grads[key], grads_before[key])


def test_L_layer_model_records_each_cost_before_its_update():
    X, Y = xor_dataset()
    parameters, costs = deep.L_layer_model(X, Y, [2, 3, 2, 1], 0.1, 5, seed=7)
    assert len(costs) == 5 and all(type(cost) is float for cost in costs)
    start = deep.initialize_parameters_deep([2, 3, 2, 1], seed=7)
    assert costs[0] == _cost_of(start, X, Y)
    for _ in range(5):
        AL, caches = deep.L_model_forward(X, start)
        start = deep.update_parameters(start, deep.L_model_backward(AL, Y, caches), 0.1)
    for key in parameters:
        np.testing.assert_array_equal(parameters[key], start[key])


@pytest.mark.parametrize("m", [1, 400, 401])
def test_two_moons_shapes_labels_and_balance(m):
    X, Y = two_moons(m, noise=0.15, seed=0)
    assert X.shape == (2, m) and Y.shape == (1, m)
    assert X.dtype == Y.dtype == np.float64
    assert set(np.unique(Y)) <= {0.0, 1.0}
    assert abs(int(Y.sum()) - (m - int(Y.sum()))) <= 1


def test_two_moons_without_noise_lies_on_the_two_half_circles():
    X, Y = two_moons(200, noise=0.0, seed=1)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0)
    assert np.all(upper[1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[0] - 1.0, lower[1] - 0.5), 1.0)
    assert np.all(lower[1] <= 0.5 + 1e-12)
    assert not np.array_equal(Y, np.sort(Y)), "the columns are shuffled"
    again = two_moons(200, noise=0.15, seed=1)
    np.testing.assert_array_equal(again[0], two_moons(200, noise=0.15, seed=1)[0])
    assert not np.array_equal(again[0], two_moons(200, noise=0.15, seed=2)[0])


@pytest.mark.parametrize("data_seed, weight_seed", [(0, 0), (1, 3), (2, 5)])
def test_the_moons_setting_trains_above_95_percent(data_seed, weight_seed):
    X, Y = two_moons(deep.MOONS_SAMPLES, noise=deep.MOONS_NOISE, seed=data_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        parameters, costs = deep.L_layer_model(X, Y, list(deep.MOONS_LAYER_DIMS), deep.MOONS_LEARNING_RATE,
                                               deep.MOONS_ITERATIONS, seed=weight_seed)
    predictions = deep.predict(X, parameters)
    assert predictions.shape == (1, deep.MOONS_SAMPLES) and set(np.unique(predictions)) <= {0.0, 1.0}
    accuracy = float(np.mean(predictions == Y))
    assert accuracy > 0.98, accuracy
    assert costs[-1] < costs[0] / 10


def _moons_cells():
    import json
    from pathlib import Path
    notebook = json.loads(Path(__file__).parents[1].joinpath(
        "solutions", "a4_deep_network", "a4_deep_network.ipynb").read_text())
    sources = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return [source for source in sources if "moons" in source and "def " not in source]


def test_the_assignments_moons_cell_makes_the_same_data_as_two_moons():
    data_cell, _ = _moons_cells()
    namespace = {"np": np}
    exec(data_cell.replace("print(", "(lambda *args, **kwargs: None)("), namespace)
    X, Y = two_moons(deep.MOONS_SAMPLES, noise=deep.MOONS_NOISE, seed=0)
    np.testing.assert_array_equal(namespace["X_moons"], X)
    np.testing.assert_array_equal(namespace["Y_moons"], Y)


def test_the_assignment_trains_with_the_shared_moons_setting():
    _, training_cell = _moons_cells()
    line = next(line for line in training_cell.splitlines() if line.startswith("moons_layer_dims,"))
    namespace = {}
    exec(line, namespace)
    assert namespace["moons_layer_dims"] == list(deep.MOONS_LAYER_DIMS)
    assert namespace["moons_learning_rate"] == deep.MOONS_LEARNING_RATE
    assert namespace["moons_iterations"] == deep.MOONS_ITERATIONS


@pytest.mark.parametrize("seed", range(5))
def test_the_secret_a4_cases_meet_the_grading_standard(seed):
    from grader import assignments
    assignment = assignments.load("a4_deep_network")
    by_function = {}
    for case in assignment.make_cases(np.random.default_rng(seed)):
        by_function.setdefault(case.function, []).append(case)
    assert {len(case.args[0]) - 1 for case in by_function["initialize_parameters_deep"]} >= {2, 3, 4}
    for function in ("linear_forward", "linear_activation_forward", "compute_cost", "linear_backward",
                     "linear_activation_backward", "L_model_forward", "L_model_backward", "L_layer_model"):
        batches = {case.args[1].shape[1] if function in ("compute_cost", "L_layer_model", "L_model_backward")
                   else case.args[0].shape[1] for case in by_function[function]}
        assert 1 in batches and len(batches) > 1, function
    dZ, (A_prev, _, _) = by_function["linear_backward"][0].args
    assert dZ.shape[0] != A_prev.shape[0]
    assert {len(case.args[1]) // 2 for case in by_function["L_model_forward"]} == {2, 3, 4}
    assert {len(case.args[2]) for case in by_function["L_model_backward"]} == {2, 4}
    for case in by_function["L_model_backward"]:
        AL, _, caches = case.args
        np.testing.assert_allclose(AL, 1 / (1 + np.exp(-caches[-1][1])))
        for l, ((A_prev, W, b), Z) in enumerate(caches):
            assert not np.allclose(Z, W @ A_prev + b), "a backward cache must not be a forward pass"
            if l > 0:
                np.testing.assert_array_equal(A_prev, np.maximum(caches[l - 1][1], 0))
            if l < len(caches) - 1:
                assert np.all(np.any(Z > 0, axis=0)), "every example passes something back"
        sizes = [caches[0][0][0].shape[0]] + [Z.shape[0] for _, Z in caches[:-1]]
        assert len(set(sizes)) == len(sizes)
    relu_cases = [case for case in by_function["linear_activation_backward"] if case.args[2] == "relu"]
    assert all(np.any(case.args[1][1] == 0) for case in relu_cases)
    for case in by_function["L_layer_model"]:
        _, costs = deep.L_layer_model(*case.args)
        assert all(np.isfinite(costs)) and case.args[-1] != 0 and case.args[3] != 0.0075
