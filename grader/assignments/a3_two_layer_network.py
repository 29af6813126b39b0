"""Assignment a3: the two-layer network (tanh hidden layer, sigmoid output, binary cross-entropy).

Secret cases, checks and the catalogue of known wrong versions. The reference is
``backprop.two_layer``, the code the chapter "The two-layer network, step by step" runs.
"""
import numpy as np

from backprop import two_layer as reference
from backprop.activations import sigmoid
from grader.checks import ATOL, RTOL, Case, Check, compare_shape, follow
from grader.localise import Layer
from grader.mutants import Mutant

NAME = "a3_two_layer_network"


def _distinct_sizes(rng, count, low, high):
    """``count`` different integers in [low, high], so that a transposed product cannot fit."""
    return [int(size) for size in rng.choice(np.arange(low, high + 1), size=count, replace=False)]


def _network(rng, n_x, n_h, m):
    parameters = {"W1": rng.standard_normal((n_h, n_x)), "b1": rng.standard_normal((n_h, 1)),
                  "W2": rng.standard_normal((1, n_h)), "b2": rng.standard_normal((1, 1))}
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    return parameters, X, Y


def _cache_of_its_own(rng, n_h, batch):
    """A forward cache for backward_propagation that is not the forward pass of its case's inputs.

    It is consistent (A1 = tanh(Z1), A2 = sigmoid(Z2)), so code that uses the cache, as the
    docstring asks, is right; code that recomputes the forward pass (or differentiates the cost
    numerically) is not. And it cannot be the answer of a forward_propagation case, whose inputs
    every call can read.
    """
    Z1 = rng.standard_normal((n_h, batch))
    Z2 = rng.standard_normal((1, batch))
    return {"Z1": Z1, "A1": np.tanh(Z1), "Z2": Z2, "A2": sigmoid(Z2)}


def make_cases(rng):
    """Secret inputs for every graded function; batch size 1 always among them.

    No case's inputs hold what the reference returns on another case's inputs: the student's
    code runs in the process that holds every case, so such an input would be the answer.
    """
    n_x, n_h, m = _distinct_sizes(rng, 3, 2, 9)
    cases = []
    seed, other_seed = (int(value) for value in rng.integers(0, 2**31, size=2))
    small = (n_x, n_h, 1)
    for label, args in (("small, seed s", small + (seed,)), ("small, seed s again", small + (seed,)),
                        ("small, another seed", small + (other_seed,)), ("large", (40, 50, 30, seed))):
        about = "initialize_parameters(n_x=%d, n_h=%d, n_y=%d, seed=...) (%s)" % (args[:3] + (label,))
        cases.append(Case("initialize_parameters/%d" % len(cases), "initialize_parameters", args, about))
    for batch in (1, m, m + 7):
        parameters, X, Y = _network(rng, n_x, n_h, batch)
        about = "a batch of %d example%s (n_x=%d, n_h=%d)" % (batch, "" if batch == 1 else "s", n_x, n_h)
        parameters_b, X_b, Y_b = _network(rng, n_x, n_h, batch)
        cache = _cache_of_its_own(rng, n_h, batch)
        A2 = rng.uniform(0.05, 0.95, size=(1, batch))
        grads = {"d" + key: rng.standard_normal(value.shape) for key, value in parameters.items()}
        learning_rate = float(rng.uniform(0.05, 2.0))
        for function, args in (("forward_propagation", (X, parameters)),
                               ("compute_cost", (A2, Y)),
                               ("backward_propagation", (parameters_b, cache, X_b, Y_b)),
                               ("update_parameters", (parameters, grads, learning_rate))):
            cases.append(Case("%s/%d" % (function, len(cases)), function, args, about))
    return cases


def _is_single_example(case):
    return case.args[-1].shape[1] == 1


def _weights(outcome):
    """W1 and W2 of one call, or raise LookupError with the message for the student."""
    if not outcome.returned:
        raise LookupError("initialize_parameters raised %s" % outcome.error)
    return follow(outcome.value, ("W1",)), follow(outcome.value, ("W2",))


def judge_random_weights(cases, outcomes):
    """Weights: exactly those of the docstring's generator; when not, the first property broken.

    Properties (reproducible from ``seed``, another seed gives others, standard normal, no two
    equal rows) explain a failure; only equality with the reference passes the check.
    """
    expected = [reference.initialize_parameters(*case.args) for case in cases]
    try:
        weights = [_weights(outcome) for outcome in outcomes]
        for (W1, W2), want in zip(weights, expected):
            problem = compare_shape(want["W1"], W1, "W1") or compare_shape(want["W2"], W2, "W2")
            if problem:
                return problem
    except LookupError as error:
        return str(error)
    first, again, other, large = weights
    if not all(np.array_equal(a, b) for a, b in zip(first, again)):
        return ("two calls with the same seed gave different weights: create the generator from "
                "the seed inside the function, np.random.default_rng(seed)")
    if all(np.array_equal(a, b) for a, b in zip(first, other)):
        return "two different seeds gave the same weights: use the seed argument"
    for name, weight in zip(("W1", "W2"), large):
        if not 0.85 < weight.std() < 1.15 or abs(weight.mean()) > 0.15:
            spread = "well below 1" if weight.std() <= 0.85 else "well above 1" if weight.std() >= 1.15 else "about 1"
            centre = "far from 0" if abs(weight.mean()) > 0.15 else "about 0"
            return ("%s of a network with 40 inputs, 50 hidden and 30 output units has a mean %s and a "
                    "standard deviation %s; standard normal weights have mean 0 and standard deviation 1 "
                    "(no scaling)" % (name, centre, spread))
    if len(np.unique(large[0], axis=0)) < large[0].shape[0]:
        return "some rows of W1 are equal: hidden units that start equal stay equal (symmetry)"
    for (W1, W2), want in zip(weights, expected):
        if not (np.allclose(W1, want["W1"], rtol=RTOL, atol=ATOL) and np.allclose(W2, want["W2"], rtol=RTOL, atol=ATOL)):
            return ("the weights are not those the docstring asks for: one generator made inside the "
                    "function, rng = np.random.default_rng(seed), then W1 = rng.standard_normal((n_h, n_x)) "
                    "first and W2 = rng.standard_normal((n_y, n_h)) second")
    return None


CHECKS = [
    Check("shapes, dtype and zero biases", "test_initialize_parameters", "initialize_parameters", 1,
          parts=((("b1",), "b1"), (("b2",), "b2")),
          shape_only=((("W1",), "W1"), (("W2",), "W2"))),
    Check("standard normal weights from np.random.default_rng(seed)", "test_initialize_parameters",
          "initialize_parameters", 1, judge=judge_random_weights),
    Check("output A2", "test_forward_propagation", "forward_propagation", 1,
          parts=(((0,), "A2"),)),
    Check("cached Z1 and A1", "test_forward_propagation", "forward_propagation", 1,
          parts=(((1, "Z1"), "cache['Z1']"), ((1, "A1"), "cache['A1']"))),
    Check("cached Z2 and A2", "test_forward_propagation", "forward_propagation", 1,
          parts=(((1, "Z2"), "cache['Z2']"), ((1, "A2"), "cache['A2']"))),
    Check("cost of a batch", "test_compute_cost", "compute_cost", 1,
          parts=(((), "the cost"),), applies_to=lambda case: not _is_single_example(case)),
    Check("cost of a single example", "test_compute_cost", "compute_cost", 1,
          parts=(((), "the cost"),), applies_to=_is_single_example),
    Check("dW1", "test_backward_propagation", "backward_propagation", 1, parts=((("dW1",), "dW1"),)),
    Check("db1", "test_backward_propagation", "backward_propagation", 1, parts=((("db1",), "db1"),)),
    Check("dW2", "test_backward_propagation", "backward_propagation", 1, parts=((("dW2",), "dW2"),)),
    Check("db2", "test_backward_propagation", "backward_propagation", 1, parts=((("db2",), "db2"),)),
    Check("updated weights", "test_update_parameters", "update_parameters", 1,
          parts=((("W1",), "W1"), (("W2",), "W2")), unchanged=((0, "parameters"), (1, "grads"))),
    Check("updated biases", "test_update_parameters", "update_parameters", 1,
          parts=((("b1",), "b1"), (("b2",), "b2"))),
]

MUTANTS = [
    Mutant("init_scaled_by_0.01", "initialize_parameters",
           "W1 = rng.standard_normal((n_h, n_x))", "W1 = rng.standard_normal((n_h, n_x)) * 0.01",
           "W1 is scaled by 0.01: this network starts from standard normal weights, unscaled"),
    Mutant("init_zero_weights", "initialize_parameters",
           "W2 = rng.standard_normal((n_y, n_h))", "W2 = np.zeros((n_y, n_h))",
           "W2 starts at zero: weights must be random (standard normal) to break the symmetry"),
    Mutant("init_W1_transposed", "initialize_parameters",
           "W1 = rng.standard_normal((n_h, n_x))", "W1 = rng.standard_normal((n_x, n_h))",
           "W1 has shape (n_x, n_h): in the column convention W1 is (n_h, n_x), so that W1 @ X works"),
    Mutant("init_W2_drawn_first", "initialize_parameters",
           "W1 = rng.standard_normal((n_h, n_x))\n    b1 = np.zeros((n_h, 1))\n    W2 = rng.standard_normal((n_y, n_h))",
           "W2 = rng.standard_normal((n_y, n_h))\n    W1 = rng.standard_normal((n_h, n_x))\n    b1 = np.zeros((n_h, 1))",
           "W2 is drawn before W1: draw W1 first, then W2, from the one generator, so that a seed gives the "
           "same network everywhere"),
    Mutant("init_uniform_weights", "initialize_parameters",
           "W1 = rng.standard_normal((n_h, n_x))", "W1 = rng.random((n_h, n_x))",
           "W1 comes from rng.random, uniform on [0, 1): draw it from the standard normal distribution "
           "with rng.standard_normal"),
    Mutant("forward_sigmoid_hidden", "forward_propagation",
           "A1 = np.tanh(Z1)", "A1 = sigmoid(Z1)",
           "the hidden layer uses sigmoid: this network's hidden activation is tanh"),
    Mutant("forward_missing_b1", "forward_propagation",
           "Z1 = W1 @ X + b1", "Z1 = W1 @ X",
           "Z1 lacks the bias: Z1 = W1 @ X + b1"),
    Mutant("forward_missing_b2", "forward_propagation",
           "Z2 = W2 @ A1 + b2", "Z2 = W2 @ A1",
           "Z2 lacks the bias: Z2 = W2 @ A1 + b2"),
    Mutant("forward_relu_hidden", "forward_propagation",
           "A1 = np.tanh(Z1)", "A1 = np.maximum(0, Z1)",
           "the hidden layer uses ReLU: this network's hidden activation is tanh"),
    Mutant("forward_tanh_output", "forward_propagation",
           "A2 = sigmoid(Z2)", "A2 = np.tanh(Z2)",
           "the output layer uses tanh: it is a sigmoid, so that A2 is a probability in (0, 1)"),
    Mutant("cost_sum_not_mean", "compute_cost",
           "cost = -(1 / m) * np.sum(", "cost = -np.sum(",
           "the cost is a sum, not a mean: divide by the number of examples m"),
    Mutant("cost_wrong_sign", "compute_cost",
           "cost = -(1 / m) * np.sum(", "cost = (1 / m) * np.sum(",
           "the cost has the wrong sign: cross-entropy is minus the mean log-likelihood, so it is positive"),
    Mutant("cost_mean_squared_error", "compute_cost",
           "cost = -(1 / m) * np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))",
           "cost = (1 / m) * np.sum((A2 - Y) ** 2)",
           "this is the mean squared error: the network is trained on binary cross-entropy"),
    Mutant("cost_logs_swapped", "compute_cost",
           "Y * np.log(A2) + (1 - Y) * np.log(1 - A2)", "Y * np.log(1 - A2) + (1 - Y) * np.log(A2)",
           "the two logarithms are swapped: an example with label 1 costs -log(A2), one with label 0 "
           "costs -log(1 - A2)"),
    Mutant("cost_log10", "compute_cost",
           "np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))",
           "np.sum(Y * np.log10(A2) + (1 - Y) * np.log10(1 - A2))",
           "the cost uses log10: cross-entropy uses the natural logarithm, np.log"),
    Mutant("backward_m_from_rows", "backward_propagation",
           "m = X.shape[1]", "m = X.shape[0]",
           "m is read from X.shape[0], the number of input features: the examples are the columns of X, "
           "so m = X.shape[1]"),
    Mutant("backward_dW2_missing_1_over_m", "backward_propagation",
           "dW2 = (1 / m) * dZ2 @ A1.T", "dW2 = dZ2 @ A1.T",
           "dW2 is m times too large: the 1/m of the mean cost is missing"),
    Mutant("backward_missing_transpose_A1", "backward_propagation",
           "dW2 = (1 / m) * dZ2 @ A1.T", "dW2 = (1 / m) * dZ2 @ A1",
           "dW2 = dZ2 @ A1 without the transpose: dW2 = (1/m) dZ2 A1.T, shape (n_y, n_h)"),
    Mutant("backward_missing_transpose_X", "backward_propagation",
           "dW1 = (1 / m) * dZ1 @ X.T", "dW1 = (1 / m) * dZ1 @ X",
           "dW1 = dZ1 @ X without the transpose: dW1 = (1/m) dZ1 X.T, shape (n_h, n_x)"),
    Mutant("backward_db1_wrong_axis", "backward_propagation",
           "db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)",
           "db1 = (1 / m) * np.sum(dZ1, axis=0, keepdims=True)",
           "db1 is summed over the hidden units (axis=0); sum over the examples, axis=1"),
    Mutant("backward_db1_no_keepdims", "backward_propagation",
           "db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)", "db1 = (1 / m) * np.sum(dZ1, axis=1)",
           "db1 has shape (n_h,): the sum dropped the axis; keepdims=True keeps db1 at (n_h, 1)"),
    Mutant("backward_tanh_derivative_from_Z1", "backward_propagation",
           "(1 - A1 ** 2)", "(1 - cache[\"Z1\"] ** 2)",
           "dZ1 uses 1 - Z1**2: the tanh derivative is 1 - tanh(Z1)**2 = 1 - A1**2"),
    Mutant("backward_W2_not_transposed", "backward_propagation",
           "dZ1 = (W2.T @ dZ2)", "dZ1 = (W2 @ dZ2)",
           "dZ1 uses W2 @ dZ2: the gradient flows back through the transpose, W2.T @ dZ2"),
    Mutant("backward_missing_activation_derivative", "backward_propagation",
           "dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)", "dZ1 = W2.T @ dZ2",
           "dZ1 misses the tanh derivative: multiply W2.T @ dZ2 elementwise by (1 - A1**2)"),
    Mutant("backward_recomputes_forward", "backward_propagation",
           'A1 = cache["A1"]', 'A1 = np.tanh(parameters["W1"] @ X + parameters["b1"])',
           "backward_propagation computes A1 again from the parameters instead of reading cache[\"A1\"]: "
           "the backward pass uses the activations that the forward pass cached (the grader passes a "
           "cache of its own to check this)"),
    Mutant("backward_recomputes_cache", "backward_propagation",
           "m = X.shape[1]", "m = X.shape[1]\n    _, cache = forward_propagation(X, parameters)",
           "backward_propagation runs the forward pass again instead of using the cache it was given: the "
           "backward pass reads the values the forward pass cached (the grader passes a cache of its own "
           "to check this)"),
    Mutant("backward_dW2_elementwise", "backward_propagation",
           "dW2 = (1 / m) * dZ2 @ A1.T", "dW2 = (1 / m) * dZ2 * A1",
           "dW2 = dZ2 * A1 multiplies entry by entry: the sum over the examples is a matrix product, "
           "dW2 = (1/m) dZ2 @ A1.T, shape (n_y, n_h)"),
    Mutant("backward_layers_swapped", "backward_propagation",
           '"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2', '"dW1": dW2, "db1": db2, "dW2": dW1, "db2": db1',
           "the gradients of layers 1 and 2 are swapped in the returned dict"),
    Mutant("update_plus_sign", "update_parameters",
           'parameters["W1"] - learning_rate * grads["dW1"]', 'parameters["W1"] + learning_rate * grads["dW1"]',
           "W1 moves up the gradient: gradient descent subtracts learning_rate * dW1"),
    Mutant("update_without_learning_rate", "update_parameters",
           'parameters["W1"] - learning_rate * grads["dW1"]', 'parameters["W1"] - grads["dW1"]',
           "W1 takes a whole gradient as its step: the step is learning_rate * dW1"),
    Mutant("update_divides_by_learning_rate", "update_parameters",
           'parameters["W2"] - learning_rate * grads["dW2"]', 'parameters["W2"] - grads["dW2"] / learning_rate',
           "W2 moves by dW2 / learning_rate: the step is learning_rate * dW2"),
    Mutant("update_b1_with_db2", "update_parameters",
           'parameters["b1"] - learning_rate * grads["db1"]', 'parameters["b1"] - learning_rate * grads["db2"]',
           "b1 moves by db2 (broadcast over its rows): each parameter moves by its own gradient, "
           "b1 - learning_rate * db1"),
    Mutant("update_in_place", "update_parameters",
           '"W1": parameters["W1"] - learning_rate * grads["dW1"],',
           '"W1": parameters["W1"].__isub__(learning_rate * grads["dW1"]),',
           "W1 is updated in place (parameters[\"W1\"] -= ...), which changes the caller's parameters: "
           "compute a new array, parameters[\"W1\"] - learning_rate * dW1, and put it into a new dict"),
    Mutant("update_biases_forgotten", "update_parameters",
           'parameters["b2"] - learning_rate * grads["db2"]', 'parameters["b2"]',
           "b2 is not updated: every parameter takes a step, biases too"),
]


def backward_layers(case):
    """The dependency structure of backward_propagation on ``case``, output layer first (see
    ``grader.localise``): the correct dZ2 = A2 - Y and dZ1 = (W2.T @ dZ2) * (1 - A1**2)."""
    parameters, cache, X, Y = case.args
    dZ2 = cache["A2"] - Y
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - cache["A1"] ** 2)
    return [Layer(2, 2, dZ2, cache["A1"], ("dW2",), ("db2",), None,
                  "dZ2 = A2 - Y, the output layer's error for a sigmoid output with cross-entropy"),
            Layer(1, 2, dZ1, X, ("dW1",), ("db1",), None,
                  "dZ1 = (W2.T @ dZ2) * (1 - A1**2): the product with W2.T and the tanh derivative")]


LOCATE = {"backward_propagation": backward_layers}

