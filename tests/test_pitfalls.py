"""backprop/pitfalls.py: the network with a chosen activation against backprop.deep and finite
differences, the initialisations, the measurements, the stable losses against naive and
high-precision values, and the training loop's buffer and update rules."""
import warnings

import mpmath
import numpy as np
import pytest

from backprop import deep
from backprop import pitfalls
from backprop.activations import sigmoid
from backprop.gradient_check import numerical_gradient, numerical_gradients, relative_error

DIMS = [3, 5, 4, 1]  # n_0, n_1, n_2, n_3 all different, so a transpose cannot fit
M = 7


def _problem(seed=0, dims=DIMS, m=M, scale=1.0):
    """Random parameters with nonzero biases, a batch X (n_0, m) and labels with both classes."""
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters["W%d" % l] = scale * rng.standard_normal((dims[l], dims[l - 1]))
        parameters["b%d" % l] = rng.standard_normal((dims[l], 1))
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    Y[0, :2] = [0.0, 1.0]
    return parameters, X, Y


def _reference_mpmath_bce(z, y, digits=60):
    """-(y log sigma(z) + (1 - y) log sigma(-z)) with many digits, as a Python float."""
    with mpmath.workdps(digits):
        zm = mpmath.mpf(float(z))
        log_sigma = lambda v: -mpmath.log(1 + mpmath.exp(-v))
        return float(-(y * log_sigma(zm) + (1 - y) * log_sigma(-zm)))


# initialisation

def test_he_initialisation_is_that_of_backprop_deep():
    ours = pitfalls.initialize_parameters(DIMS, "he", seed=3)
    reference = deep.initialize_parameters_deep(DIMS, seed=3)
    assert list(ours) == list(reference)
    for name in reference:
        np.testing.assert_array_equal(ours[name], reference[name])


@pytest.mark.parametrize("init", ["xavier", "he", 0.3])
def test_initialisation_scales_draws_of_one_generator_in_layer_order(init):
    parameters = pitfalls.initialize_parameters(DIMS, init, seed=5, hidden_bias=-0.5)
    rng = np.random.default_rng(5)
    for l in range(1, len(DIMS)):
        n_prev, n = DIMS[l - 1], DIMS[l]
        std = {"xavier": np.sqrt(2.0 / (n_prev + n)), "he": np.sqrt(2.0 / n_prev)}.get(init, init)
        np.testing.assert_array_equal(parameters["W%d" % l], rng.standard_normal((n, n_prev)) * std)
        expected_bias = -0.5 if l < len(DIMS) - 1 else 0.0
        assert parameters["b%d" % l].shape == (n, 1)
        assert np.all(parameters["b%d" % l] == expected_bias)


def test_xavier_variance_on_a_wide_layer():
    W = pitfalls.initialize_parameters([300, 500, 1], "xavier", seed=0)["W1"]
    assert abs(W.var() * (300 + 500) / 2.0 - 1.0) < 0.02


@pytest.mark.parametrize("init", ["glorot", -1.0, 0, True, None])
def test_unknown_initialisation_is_refused(init):
    with pytest.raises(ValueError):
        pitfalls.initialize_parameters(DIMS, init)


# the network

def test_relu_network_is_the_network_of_backprop_deep():
    parameters, X, Y = _problem(seed=1)
    AL, caches = pitfalls.model_forward(X, parameters, "relu")
    AL_ref, caches_ref = deep.L_model_forward(X, parameters)
    np.testing.assert_allclose(AL, AL_ref, rtol=1e-14)
    for (linear, Z), (linear_ref, Z_ref) in zip(caches, caches_ref):
        np.testing.assert_array_equal(Z, Z_ref)
        for a, b in zip(linear, linear_ref):
            np.testing.assert_array_equal(a, b)
    grads = pitfalls.model_backward(Y, caches, "relu")
    grads_ref = deep.L_model_backward(AL_ref, Y, caches_ref)
    assert set(grads_ref) <= set(grads)
    for name, value in grads_ref.items():
        assert grads[name].shape == value.shape
        np.testing.assert_allclose(grads[name], value, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("hidden", pitfalls.HIDDEN_ACTIVATIONS)
def test_gradients_agree_with_finite_differences(hidden):
    parameters, X, Y = _problem(seed=2)
    _, caches = pitfalls.model_forward(X, parameters, hidden)
    if hidden in ("relu", "leaky_relu"):  # no pre-activation within reach of the kink
        assert min(np.abs(Z).min() for _, Z in caches[:-1]) > 1e-3
    grads = pitfalls.model_backward(Y, caches, hidden)
    numerical = numerical_gradients(lambda p: pitfalls.model_cost(X, Y, p, hidden), parameters, 1e-6)
    for name in numerical:
        assert grads[name].shape == parameters[name[1:]].shape
        assert relative_error(grads[name], numerical[name]) < 1e-7, (hidden, name)
    # and with respect to the input: dA0 / m is the gradient of the mean cost
    numerical_x = numerical_gradient(lambda x: pitfalls.model_cost(x, Y, parameters, hidden), X, 1e-6)
    assert relative_error(grads["dA0"] / X.shape[1], numerical_x) < 1e-7


@pytest.mark.parametrize("hidden", pitfalls.HIDDEN_ACTIVATIONS)
def test_dZ_of_each_layer_gives_its_dW_and_db(hidden):
    parameters, X, Y = _problem(seed=3)
    _, caches = pitfalls.model_forward(X, parameters, hidden)
    grads = pitfalls.model_backward(Y, caches, hidden)
    for l in range(1, len(DIMS)):
        (A_prev, W, _), Z = caches[l - 1]
        assert grads["dZ%d" % l].shape == Z.shape == (DIMS[l], M)
        np.testing.assert_allclose(grads["dW%d" % l], grads["dZ%d" % l] @ A_prev.T / M, rtol=1e-12)
        np.testing.assert_allclose(grads["db%d" % l], grads["dZ%d" % l].mean(axis=1, keepdims=True),
                                   rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads["dZ3"], sigmoid(caches[-1][1]) - Y, rtol=1e-12)


def test_hidden_activations_and_their_values():
    Z = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])
    np.testing.assert_allclose(pitfalls.hidden_activation(Z, "leaky_relu"),
                               [[-0.02, -0.005, 0.0, 0.5, 2.0]])
    np.testing.assert_array_equal(pitfalls.hidden_activation(Z, "relu"), [[0, 0, 0, 0.5, 2.0]])
    np.testing.assert_allclose(pitfalls.hidden_activation(Z, "tanh"), np.tanh(Z))
    np.testing.assert_allclose(pitfalls.hidden_activation(Z, "sigmoid"), 1 / (1 + np.exp(-Z)))
    dA = np.ones_like(Z)
    np.testing.assert_allclose(pitfalls.hidden_backward(dA, Z, "leaky_relu"),
                               [[0.01, 0.01, 0.01, 1.0, 1.0]])
    for function in (pitfalls.hidden_activation, lambda Z, a: pitfalls.hidden_backward(dA, Z, a)):
        with pytest.raises(ValueError):
            function(Z, "softplus")


# measurements

def test_layer_gradient_norms_are_the_norms_of_each_layer():
    parameters, X, Y = _problem(seed=4)
    _, caches = pitfalls.model_forward(X, parameters, "tanh")
    grads = pitfalls.model_backward(Y, caches, "tanh")
    for kind in ("dW", "db", "dZ"):
        norms = pitfalls.layer_gradient_norms(grads, kind)
        assert norms.shape == (len(DIMS) - 1,)
        expected = [np.sqrt(np.sum(grads["%s%d" % (kind, l)] ** 2)) for l in range(1, len(DIMS))]
        np.testing.assert_allclose(norms, expected, rtol=1e-12)


def test_sigmoid_layers_respect_the_quarter_bound_per_layer():
    dims = [4, 6, 6, 6, 6, 1]
    parameters = pitfalls.initialize_parameters(dims, 2.0, seed=6)
    X = np.random.default_rng(6).standard_normal((4, 9))
    Y = (np.arange(9) % 2).reshape(1, 9).astype(float)
    _, caches = pitfalls.model_forward(X, parameters, "sigmoid")
    grads = pitfalls.model_backward(Y, caches, "sigmoid")
    for l in range(1, len(dims) - 1):
        for i in range(9):
            above = np.linalg.norm(grads["dZ%d" % (l + 1)][:, i])
            bound = np.linalg.norm(parameters["W%d" % (l + 1)], 2) / 4 * above
            assert np.linalg.norm(grads["dZ%d" % l][:, i]) <= bound


def test_dead_units_are_those_off_on_every_example():
    parameters, X, _ = _problem(seed=5)
    parameters["b1"][1, 0] = -100.0           # unit 2 of layer 1: off everywhere
    parameters["b2"][[0, 3], 0] = -100.0      # units 1 and 4 of layer 2
    _, caches = pitfalls.model_forward(X, parameters, "relu")
    masks = pitfalls.dead_units(caches)
    assert [mask.shape for mask in masks] == [(5,), (4,)]
    expected_1 = np.all(caches[0][1] <= 0, axis=1)
    assert expected_1[1] and masks[0].tolist() == expected_1.tolist()
    assert masks[1][0] and masks[1][3]
    dead = int(masks[0].sum() + masks[1].sum())
    assert pitfalls.dead_fraction(caches) == dead / 9
    # a dead unit of layer 1 receives exactly zero gradient in its row of W1 and in b1
    grads = pitfalls.model_backward(np.ones((1, M)), caches, "relu")
    assert not grads["dW1"][1].any() and grads["db1"][1, 0] == 0.0


def test_dead_fraction_needs_a_hidden_layer():
    parameters = pitfalls.initialize_parameters([3, 1], "he")
    _, caches = pitfalls.model_forward(np.ones((3, 2)), parameters)
    assert pitfalls.dead_units(caches) == []
    with pytest.raises(ValueError):
        pitfalls.dead_fraction(caches)


def test_a_unit_with_pre_activation_exactly_zero_everywhere_is_dead():
    parameters, X, Y = _problem(seed=15)
    parameters["W1"][2] = 0.0
    parameters["b1"][2] = 0.0                 # Z = 0 on every example: ReLU gives 0, slope 0
    _, caches = pitfalls.model_forward(X, parameters, "relu")
    assert not caches[0][1][2].any()
    assert pitfalls.dead_units(caches)[0][2]
    grads = pitfalls.model_backward(Y, caches, "relu")
    assert not grads["dW1"][2].any() and grads["db1"][2, 0] == 0.0


# numerical stability

def test_logsumexp_equals_the_naive_one_where_that_is_finite():
    Z = np.random.default_rng(7).standard_normal((4, 6)) * 20
    stable, naive = pitfalls.logsumexp(Z), pitfalls.logsumexp_naive(Z)
    assert stable.shape == naive.shape == (1, 6)
    np.testing.assert_allclose(stable, naive, rtol=1e-14)


def test_logsumexp_is_finite_and_accurate_where_the_naive_one_is_not():
    Z = np.array([[800.0, -900.0], [799.0, -901.0], [-5.0, -905.0]])
    with np.errstate(all="ignore"):
        naive = pitfalls.logsumexp_naive(Z)
    stable = pitfalls.logsumexp(Z)
    assert naive[0, 0] == np.inf and naive[0, 1] == -np.inf
    assert np.all(np.isfinite(stable))
    for column in range(2):
        with mpmath.workdps(50):
            exact = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in Z[:, column]))
        assert abs(stable[0, column] - float(exact)) <= 1e-15 * abs(float(exact))


def test_softplus_equals_the_naive_one_where_that_is_finite_and_accurate_elsewhere():
    z = np.linspace(-5, 30, 71)           # where 1 + e^z keeps the digits of e^z
    np.testing.assert_allclose(pitfalls.softplus(z), pitfalls.softplus_naive(z), rtol=1e-12)
    wide = np.linspace(-60, 60, 121)       # the stable one is accurate everywhere
    with mpmath.workdps(50):
        exact = np.array([float(mpmath.log(1 + mpmath.exp(mpmath.mpf(float(v))))) for v in wide])
    np.testing.assert_allclose(pitfalls.softplus(wide), exact, rtol=1e-15, atol=0)
    with np.errstate(over="ignore"):
        assert pitfalls.softplus_naive(np.array(1000.0)) == np.inf
    assert pitfalls.softplus(np.array(1000.0)) == 1000.0
    assert pitfalls.softplus_naive(np.array(-40.0)) == 0.0
    with mpmath.workdps(50):
        exact = float(mpmath.log(1 + mpmath.exp(-40)))
    assert abs(pitfalls.softplus(np.array(-40.0)) - exact) <= 1e-15 * exact


def test_stable_cross_entropy_equals_the_naive_one_where_that_is_finite():
    rng = np.random.default_rng(8)
    Z = rng.standard_normal((1, 50)) * 5
    Y = (rng.random((1, 50)) < 0.5).astype(float)
    naive = pitfalls.bce_from_logits_naive(Z, Y)
    assert np.isfinite(naive)
    assert abs(pitfalls.bce_from_logits(Z, Y) - naive) < 1e-12 * naive
    np.testing.assert_allclose(pitfalls.bce_from_logits(Z, Y), deep.compute_cost(sigmoid(Z), Y), rtol=1e-12)


@pytest.mark.parametrize("z, y", [(40.0, 0.0), (40.0, 1.0), (-40.0, 0.0), (-800.0, 1.0), (800.0, 0.0),
                                  (-1000.0, 0.0), (3.0, 1.0)])
def test_stable_cross_entropy_is_finite_and_accurate_where_the_naive_one_fails(z, y):
    Z, Y = np.array([[z]]), np.array([[y]])
    with np.errstate(all="ignore"):
        naive = pitfalls.bce_from_logits_naive(Z, Y)
    stable = pitfalls.bce_from_logits(Z, Y)
    exact = _reference_mpmath_bce(z, y)
    assert np.isfinite(stable)
    assert abs(stable - exact) <= 1e-15 * abs(exact) or stable == exact
    if abs(z) >= 40 and (z > 0) != (y == 1):     # confidently wrong: the naive loss is log 0
        assert not np.isfinite(naive)


def test_stable_cross_entropy_of_a_batch_with_huge_logits():
    Z = np.array([[5000.0, -3000.0, 12.0, -700.0]])
    Y = np.array([[0.0, 0.0, 1.0, 1.0]])
    with np.errstate(all="ignore"):
        assert not np.isfinite(pitfalls.bce_from_logits_naive(Z, Y))
    exact = np.mean([_reference_mpmath_bce(z, y) for z, y in zip(Z[0], Y[0])])
    assert abs(pitfalls.bce_from_logits(Z, Y) - exact) <= 1e-15 * exact


def test_cross_entropy_gradient_is_sigmoid_minus_label_by_finite_differences():
    rng = np.random.default_rng(9)
    Z = rng.standard_normal((1, 6)) * 3
    Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]])
    dZ = pitfalls.bce_from_logits_backward(Z, Y)
    assert dZ.shape == (1, 6)
    summed = numerical_gradient(lambda z: float(np.sum(pitfalls.bce_losses_from_logits(z, Y))), Z, 1e-6)
    assert relative_error(dZ, summed) < 1e-8
    np.testing.assert_allclose(dZ, sigmoid(Z) - Y, rtol=1e-12, atol=1e-15)


def test_sigmoid_stable_matches_sigmoid_and_never_warns():
    z = np.linspace(-700, 700, 1401)
    np.testing.assert_allclose(pitfalls.sigmoid_stable(z), sigmoid(z), rtol=1e-14, atol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        extreme = pitfalls.sigmoid_stable(np.array([-1e4, -800.0, 0.0, 800.0, 1e4]))
    np.testing.assert_array_equal(extreme, [0.0, 0.0, 0.5, 1.0, 1.0])


def test_the_backward_pass_from_huge_logits_is_finite_and_silent():
    Z, Y = np.array([[-1e4, -800.0, 800.0, 1e4]]), np.array([[1.0, 0.0, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dZ = pitfalls.bce_from_logits_backward(Z, Y)
        loss = pitfalls.bce_from_logits(Z, Y)
    np.testing.assert_array_equal(dZ, [[-1.0, 0.0, 0.0, 1.0]])
    assert loss == pytest.approx((1e4 + 0 + 0 + 1e4) / 4, rel=1e-15)


def test_the_forward_pass_to_a_huge_negative_logit_is_silent():
    parameters, X, Y = _problem(seed=16)
    parameters["b3"][0, 0] = -2000.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AL, caches = pitfalls.model_forward(X, parameters, "tanh")
    assert np.all(AL == 0.0) and np.all(caches[-1][1] < -1000)


def test_mse_cost():
    AL, Y = np.array([[0.5, 1.0, 0.0]]), np.array([[1.0, 1.0, 1.0]])
    assert pitfalls.mse_cost(AL, Y) == pytest.approx((0.25 + 0.0 + 1.0) / 3)


# training

def test_training_with_zeroed_buffers_is_gradient_descent_of_backprop_deep():
    X, Y = np.random.default_rng(10).standard_normal((3, 12)), (np.arange(12) % 2).reshape(1, 12) * 1.0
    start = pitfalls.initialize_parameters(DIMS, "he", seed=10)
    kept = {name: value.copy() for name, value in start.items()}
    history = pitfalls.train(X, Y, start, 0.1, 25)
    parameters, costs = deep.L_layer_model(X, Y, DIMS, 0.1, 25, seed=10)
    np.testing.assert_allclose(history["costs"], costs, rtol=1e-10)
    for name in parameters:
        np.testing.assert_allclose(history["parameters"][name], parameters[name], rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(start[name], kept[name])   # the argument is left unchanged
    assert len(history["mse"]) == len(history["dead_fractions"]) == len(history["dead_units"]) == 25
    AL, caches = pitfalls.model_forward(X, start)
    assert history["dead_fractions"][0] == pitfalls.dead_fraction(caches)
    assert history["mse"][0] == pitfalls.mse_cost(AL, Y)
    assert all(np.array_equal(a, b) for a, b in zip(history["dead_units"][0], pitfalls.dead_units(caches)))


def test_a_buffer_never_zeroed_is_momentum_with_beta_one():
    parameters, X, Y = _problem(seed=11)
    piled = pitfalls.train(X, Y, parameters, 0.05, 12, hidden="tanh", zero_gradients=False)
    momentum = pitfalls.train(X, Y, parameters, 0.05, 12, hidden="tanh", rule="momentum", beta=1.0)
    plain = pitfalls.train(X, Y, parameters, 0.05, 12, hidden="tanh")
    np.testing.assert_array_equal(piled["costs"], momentum["costs"])
    assert piled["costs"][:2] == plain["costs"][:2] and piled["costs"][2] != plain["costs"][2]


def test_the_buffer_after_two_steps_holds_both_gradients():
    parameters, X, Y = _problem(seed=12)
    rate = 0.1
    _, caches = pitfalls.model_forward(X, parameters, "sigmoid")
    g1 = pitfalls.model_backward(Y, caches, "sigmoid")
    after_one = {k: v - rate * g1["d" + k] for k, v in parameters.items()}
    _, caches = pitfalls.model_forward(X, after_one, "sigmoid")
    g2 = pitfalls.model_backward(Y, caches, "sigmoid")
    expected = {k: v - rate * (g1["d" + k] + g2["d" + k]) for k, v in after_one.items()}
    piled = pitfalls.train(X, Y, parameters, rate, 2, hidden="sigmoid", zero_gradients=False)
    for name in expected:
        np.testing.assert_allclose(piled["parameters"][name], expected[name], rtol=1e-12, atol=1e-15)


def test_momentum_takes_the_gradient_step_first_and_then_keeps_a_velocity():
    parameters, X, Y = _problem(seed=13)
    rate, beta = 0.1, 0.9
    one_gd = pitfalls.train(X, Y, parameters, rate, 1)["parameters"]
    one_momentum = pitfalls.train(X, Y, parameters, rate, 1, rule="momentum", beta=beta)["parameters"]
    for name in parameters:
        np.testing.assert_array_equal(one_gd[name], one_momentum[name])
    _, caches = pitfalls.model_forward(X, parameters)
    g1 = pitfalls.model_backward(Y, caches)
    _, caches = pitfalls.model_forward(X, one_gd)
    g2 = pitfalls.model_backward(Y, caches)
    two = pitfalls.train(X, Y, parameters, rate, 2, rule="momentum", beta=beta)["parameters"]
    for name in parameters:
        velocity = beta * g1["d" + name] + g2["d" + name]
        np.testing.assert_allclose(two[name], one_gd[name] - rate * velocity, rtol=1e-12, atol=1e-15)


def test_an_unknown_rule_is_refused():
    parameters, X, Y = _problem(seed=14)
    with pytest.raises(ValueError):
        pitfalls.train(X, Y, parameters, 0.1, 1, rule="adam")
