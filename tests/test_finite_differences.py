"""backprop/finite_differences.py: the quotients against formulas worked out by hand, the fits
against exact power laws, and the kink crossings against a count made from the pre-activations."""
import numpy as np
import pytest

from backprop.deep import L_model_forward, initialize_parameters_deep
from backprop.finite_differences import (centred_difference, difference_errors,
                                         hidden_preactivations, kink_crossings, loglog_slope,
                                         median_relative_errors, nearest_kink,
                                         one_sided_difference, turning_point)

THETAS = np.array([0.5, 1.0, 2.0])
EPSILONS = np.array([1e-1, 1e-2, 1e-3, 1e-4])


def cube(t):
    return t ** 3


def test_quotients_have_one_row_per_step_and_match_the_cubic_by_hand():
    one_sided = one_sided_difference(cube, THETAS, EPSILONS)
    centred = centred_difference(cube, THETAS, EPSILONS)
    assert one_sided.shape == centred.shape == (len(EPSILONS), len(THETAS))
    t, e = THETAS[np.newaxis, :], EPSILONS[:, np.newaxis]
    # (t + e)^3 - t^3 = 3 t^2 e + 3 t e^2 + e^3 and (t + e)^3 - (t - e)^3 = 6 t^2 e + 2 e^3
    np.testing.assert_allclose(one_sided, 3 * t ** 2 + 3 * t * e + e ** 2, rtol=1e-9)
    np.testing.assert_allclose(centred, 3 * t ** 2 + e ** 2, rtol=1e-9)


def test_quotients_compute_in_the_type_asked_for():
    assert one_sided_difference(np.exp, THETAS, EPSILONS, np.float32).dtype == np.float32
    assert centred_difference(np.exp, THETAS, EPSILONS, np.float32).dtype == np.float32
    assert centred_difference(np.exp, THETAS, EPSILONS).dtype == np.float64


def test_errors_of_exp_follow_the_taylor_terms():
    one_sided, centred = difference_errors(np.exp, np.exp, THETAS, EPSILONS)
    assert one_sided.shape == centred.shape == (len(EPSILONS), len(THETAS))
    # for exp every derivative equals f: relative errors e/2 + e^2/6 and e^2/6 + e^4/120
    e = EPSILONS[:, np.newaxis]
    np.testing.assert_allclose(one_sided[:3], (e / 2 + e ** 2 / 6 + e ** 3 / 24)[:3]
                               * np.ones_like(one_sided[:3]), rtol=1e-3)
    np.testing.assert_allclose(centred[:2], (e ** 2 / 6 + e ** 4 / 120)[:2]
                               * np.ones_like(centred[:2]), rtol=1e-3)


def test_median_errors_are_one_curve_per_quotient():
    thetas = np.linspace(0.5, 1.5, 11)
    one_sided, centred = median_relative_errors(np.exp, np.exp, thetas, EPSILONS)
    full_one_sided, full_centred = difference_errors(np.exp, np.exp, thetas, EPSILONS)
    assert one_sided.shape == centred.shape == (len(EPSILONS),)
    np.testing.assert_array_equal(one_sided, np.median(full_one_sided, axis=1))
    np.testing.assert_array_equal(centred, np.median(full_centred, axis=1))


def test_single_precision_turns_much_earlier_than_double():
    thetas = np.linspace(0.5, 1.5, 51)
    steps = np.logspace(-12, -1, 45)
    best = {}
    for dtype in (np.float64, np.float32):
        _, centred = median_relative_errors(np.exp, np.exp, thetas, steps, dtype)
        best[dtype] = turning_point(steps, centred)
    assert best[np.float32][0] > 100 * best[np.float64][0]
    assert best[np.float32][1] > 1000 * best[np.float64][1]


def test_loglog_slope_recovers_an_exact_power_law_on_its_range_only():
    steps = np.logspace(-8, 0, 33)
    errors = np.where(steps > 1e-4, 0.25 * steps ** 2, 1e-12 / steps)
    slope, intercept = loglog_slope(steps, errors, 1e-3, 1.0)
    assert slope == pytest.approx(2.0) and 10 ** intercept == pytest.approx(0.25)
    slope, intercept = loglog_slope(steps, errors, 1e-8, 1e-5)
    assert slope == pytest.approx(-1.0) and 10 ** intercept == pytest.approx(1e-12)
    with pytest.raises(ValueError):
        loglog_slope(steps, errors, 2.0, 3.0)


def test_turning_point_is_the_smallest_error():
    steps = np.array([1e-1, 1e-2, 1e-3, 1e-4])
    assert turning_point(steps, np.array([3.0, 1.0, 0.5, 2.0])) == (1e-3, 0.5)


def network(layer_dims, m, seed):
    rng = np.random.default_rng(seed + 100)
    X = rng.standard_normal((layer_dims[0], m))
    return X, initialize_parameters_deep(layer_dims, seed=seed)


def test_hidden_preactivations_are_the_relu_layers_of_the_forward_pass():
    X, parameters = network([3, 4, 2, 1], m=5, seed=0)
    Zs = hidden_preactivations(X, parameters)
    assert [Z.shape for Z in Zs] == [(4, 5), (2, 5)]
    np.testing.assert_allclose(Zs[0], parameters["W1"] @ X + parameters["b1"])
    A1 = np.maximum(Zs[0], 0)
    np.testing.assert_allclose(Zs[1], parameters["W2"] @ A1 + parameters["b2"])


def test_nearest_kink_finds_a_planted_zero():
    X, parameters = network([3, 4, 2, 1], m=5, seed=1)
    Z1 = parameters["W1"] @ X
    parameters["b1"][2, 0] = -Z1[2, 3]          # unit 3 of layer 1 is exactly 0 on example 4
    Z1_planted = parameters["W1"] @ X + parameters["b1"]
    assert abs(Z1_planted[2, 3]) < 1e-15
    distance, layer, unit, example = nearest_kink(X, parameters)
    assert (layer, unit, example) == (1, 2, 3) and distance == abs(Z1_planted[2, 3])


def test_kink_crossings_of_the_biases_match_a_count_from_the_preactivations():
    # one ReLU layer: moving b1[j] by +-eps crosses the kink of unit j on example i exactly when
    # -eps < Z1[j, i] <= eps
    X, parameters = network([2, 6, 1], m=50, seed=2)
    before = {name: value.copy() for name, value in parameters.items()}
    Z1 = parameters["W1"] @ X + parameters["b1"]
    epsilon = 0.3
    assert np.min(np.abs(np.abs(Z1) - epsilon)) > 1e-9       # no value on the boundary
    expected = np.sum((Z1 > -epsilon) & (Z1 <= epsilon), axis=1, keepdims=True)
    counts = kink_crossings(X, parameters, "b1", epsilon)
    assert counts.shape == parameters["b1"].shape and counts.dtype.kind == "i"
    np.testing.assert_array_equal(counts, expected)
    assert expected.sum() > 0
    for name in parameters:                                     # nothing was changed
        np.testing.assert_array_equal(parameters[name], before[name])


def test_output_layer_parameters_cross_no_kink_and_tiny_steps_cross_none():
    X, parameters = network([2, 5, 3, 1], m=20, seed=3)
    assert not kink_crossings(X, parameters, "W3", 0.5).any()
    assert not kink_crossings(X, parameters, "b3", 0.5).any()
    assert nearest_kink(X, parameters)[0] > 1e-6
    for name in ("W1", "b1", "W2", "b2"):
        assert not kink_crossings(X, parameters, name, 1e-12).any()


def test_an_example_with_all_of_layer_one_off_sits_on_every_kink_of_layer_two():
    X, parameters = network([2, 5, 3, 1], m=8, seed=4)
    X[:, 0] = 0.0                      # zero input and zero biases: Z1 = 0, so A1 = 0, Z2 = 0
    _, caches = L_model_forward(X, parameters)
    assert np.all(caches[1][1][:, 0] == 0)
    counts = kink_crossings(X, parameters, "b2", 1e-7)
    assert np.all(counts >= 1)
    assert nearest_kink(X, parameters)[0] == 0.0
