"""Assignment a4: the L-layer network (ReLU hidden layers, sigmoid output, binary cross-entropy).

Secret cases, checks and the catalogue of known wrong versions. The reference is
``backprop.deep``, the code the chapter on deep networks runs.

Returned values that hold lists (the ``caches`` of ``L_model_forward``, the ``costs`` of
``L_layer_model``) are judged by functions of this module, since the paths of a check's ``parts``
step through dicts and tuples only; every wrong version in the catalogue changes a part that
``parts`` compare as well, so that its diagnosis can be matched.
"""
import numpy as np

from backprop import deep as reference
from backprop.activations import sigmoid
from grader.checks import Case, Check, compare, compare_shape, copy_arguments, type_name
from grader.localise import Layer
from grader.mutants import Mutant

NAME = "a4_deep_network"


def _distinct_sizes(rng, count, low, high):
    """``count`` different integers in [low, high], so that a transposed product cannot fit."""
    return [int(size) for size in rng.choice(np.arange(low, high + 1), size=count, replace=False)]


def _layer_dims(rng, depth):
    """``[n_x, n_1, ..., n_L]`` with ``L = depth``, n_L = 1 and every other size distinct (2..9)."""
    return _distinct_sizes(rng, depth, 2, 9) + [1]


def _parameters(rng, layer_dims):
    """Random weights and biases of the sizes of ``layer_dims``, scaled to keep outputs unsaturated."""
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W%d" % l] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) / np.sqrt(layer_dims[l - 1])
        parameters["b%d" % l] = 0.5 * rng.standard_normal((layer_dims[l], 1))
    return parameters


def _labels(rng, batch):
    return (rng.random((1, batch)) < 0.5).astype(float)


def _with_zeros(rng, Z):
    """``Z`` with about a fifth of its entries (at least one) set to exactly 0, the ReLU's kink."""
    Z = Z.copy()
    flat = Z.reshape(-1)
    flat[rng.choice(flat.size, size=max(1, flat.size // 5), replace=False)] = 0.0
    return Z


def _hidden_Z(rng, units, batch):
    """A hidden layer's Z for a backward cache: exact zeros, and a positive entry in every column.

    A ReLU layer that is zero for some example passes nothing back for it, and a mistake in the
    layers below would then go unseen on that example.
    """
    Z = _with_zeros(rng, rng.standard_normal((units, batch)))
    for column in np.flatnonzero(~np.any(Z > 0, axis=0)):
        row = int(rng.integers(units))
        Z[row, column] = abs(Z[row, column]) + 0.5
    return Z


def _caches_of_their_own(rng, layer_dims, batch):
    """Caches for L_model_backward that are no forward pass of any case's inputs, and AL.

    Each layer's Z is drawn on its own (see ``_hidden_Z`` for the hidden ones); the input of layer
    l + 1 is relu(Z_l) and AL = sigmoid(Z_L), so the caches are consistent, but only code that
    reads them gets the right gradients (recomputing Z = W A_prev + b, or differentiating the
    forward pass numerically, does not).
    """
    L = len(layer_dims) - 1
    A_prev = rng.standard_normal((layer_dims[0], batch))
    caches = []
    for l in range(1, L + 1):
        W = rng.standard_normal((layer_dims[l], layer_dims[l - 1]))
        b = rng.standard_normal((layer_dims[l], 1))
        Z = _hidden_Z(rng, layer_dims[l], batch) if l < L else rng.standard_normal((layer_dims[l], batch))
        caches.append(((A_prev, W, b), Z))
        A_prev = reference.relu(Z)
    return sigmoid(caches[-1][1]), caches


def _examples(batch):
    return "a batch of %d example%s" % (batch, "" if batch == 1 else "s")


def make_cases(rng):
    """Secret inputs for every graded function; batch size 1 always among them.

    Every array is drawn for its case alone: the student's code runs in the process that holds
    every case, so no input may hold what the reference returns on another case's inputs.
    """
    cases = []

    def add(function, args, about):
        cases.append(Case("%s/%d" % (function, len(cases)), function, args, about))

    # initialize_parameters_deep: depths 2, 3 and 4; the same seed twice, another seed, a large network
    seed, other_seed = (int(value) for value in rng.integers(1, 2**31, size=2))
    dims = {depth: _layer_dims(rng, depth) for depth in (2, 3, 4)}
    for layer_dims, this_seed, label in ((dims[3], seed, "seed s"), (dims[3], seed, "seed s again"),
                                         (dims[3], other_seed, "another seed"), (dims[2], seed, "seed s"),
                                         (dims[4], other_seed, "another seed"), ([300, 200, 100, 1], seed, "seed s")):
        add("initialize_parameters_deep", (list(layer_dims), this_seed),
            "initialize_parameters_deep(%s, seed=...) (%s)" % (layer_dims, label))

    n_prev, n, m = _distinct_sizes(rng, 3, 2, 9)
    for batch in (1, m, m + 7):
        about = "%s (n_prev=%d, n=%d)" % (_examples(batch), n_prev, n)
        add("linear_forward", (rng.standard_normal((n_prev, batch)), rng.standard_normal((n, n_prev)),
                               rng.standard_normal((n, 1))), about)
        for activation in ("relu", "sigmoid"):
            add("linear_activation_forward", (rng.standard_normal((n_prev, batch)), rng.standard_normal((n, n_prev)),
                                              rng.standard_normal((n, 1)), activation),
                '%s, activation="%s"' % (about, activation))
        add("compute_cost", (rng.uniform(0.05, 0.95, size=(1, batch)), _labels(rng, batch)), _examples(batch))
        add("linear_backward", (rng.standard_normal((n, batch)),
                                (rng.standard_normal((n_prev, batch)), rng.standard_normal((n, n_prev)),
                                 rng.standard_normal((n, 1)))), about)
        for activation in ("relu", "sigmoid"):
            Z = rng.standard_normal((n, batch))
            if activation == "relu":
                Z = _with_zeros(rng, Z)
            cache = ((rng.standard_normal((n_prev, batch)), rng.standard_normal((n, n_prev)),
                      rng.standard_normal((n, 1))), Z)
            add("linear_activation_backward", (rng.standard_normal((n, batch)), cache, activation),
                '%s, activation="%s"' % (about, activation))

    for depth in (2, 3, 4):
        for batch in (1, m):
            layer_dims = _layer_dims(rng, depth)
            add("L_model_forward", (rng.standard_normal((layer_dims[0], batch)), _parameters(rng, layer_dims)),
                "a %d-layer network %s, %s" % (depth, layer_dims, _examples(batch)))

    for depth in (2, 4):
        for batch in (1, m, m + 5):
            layer_dims = _layer_dims(rng, depth)
            AL, caches = _caches_of_their_own(rng, layer_dims, batch)
            add("L_model_backward", (AL, _labels(rng, batch), caches),
                "a %d-layer network %s, %s" % (depth, layer_dims, _examples(batch)))

    for batch in (1, m):
        layer_dims = _layer_dims(rng, 3)
        parameters = _parameters(rng, layer_dims)
        grads = {"d" + key: rng.standard_normal(value.shape) for key, value in parameters.items()}
        grads.update({"dA%d" % l: rng.standard_normal((layer_dims[l], batch)) for l in range(3)})
        add("update_parameters", (parameters, grads, float(rng.uniform(0.05, 2.0))),
            "a 3-layer network %s" % layer_dims)

    for batch, iterations in ((1, int(rng.integers(3, 6))), (m + 3, int(rng.integers(6, 12)))):
        args = _training_problem(rng, batch, iterations)
        add("L_layer_model", args, "a 3-layer network %s, %s, %d iterations" % (args[2], _examples(batch), iterations))
    return cases


def _training_problem(rng, batch, iterations):
    """Arguments of L_layer_model on which gradient descent stays tame.

    A step on one badly classified example can overshoot until the sigmoid rounds to exactly 0 or 1
    and the cost becomes infinite, for the correct code too; such draws are drawn again, until every
    cost of the reference's run is below 3.
    """
    while True:
        layer_dims = _layer_dims(rng, 3)
        args = (rng.standard_normal((layer_dims[0], batch)), _labels(rng, batch), list(layer_dims),
                float(rng.uniform(0.02, 0.2)), iterations, int(rng.integers(1, 2**31)))
        with np.errstate(all="ignore"):
            _, costs = reference.L_layer_model(*copy_arguments(args))
        if all(np.isfinite(costs)) and max(costs) < 3.0:
            return args


def _depth(case):
    """The number of layers of an L_model_backward case (its list of caches)."""
    return len(case.args[2])


def _activation(case):
    return case.args[-1]


def _returned(outcome, function):
    if not outcome.returned:
        raise LookupError("%s raised %s" % (function, outcome.error))
    return outcome.value


def _parameters_problem(want, got, label, values):
    """None if the dict ``got`` has the reference's keys, types, dtypes, shapes (and values)."""
    if not isinstance(got, dict):
        return "%s should be a dict with keys %s; got %s" % (label, sorted(want), type_name(got))
    missing = [key for key in want if key not in got]
    extra = [key for key in got if key not in want]
    if missing or extra:
        return "%s should have exactly the keys %s; got %s" % (label, sorted(want), sorted(got))
    for key in want:
        problem = (compare(want[key], got[key], "%s[%r]" % (label, key)) if values
                   else compare_shape(want[key], got[key], "%s[%r]" % (label, key)))
        if problem:
            return problem
    return None


def judge_shapes_and_biases(cases, outcomes):
    """Every W has its shape and dtype, every b is a zero column; the keys are exactly W1 .. bL."""
    for case, outcome in zip(cases, outcomes):
        try:
            got = _returned(outcome, "initialize_parameters_deep")
        except LookupError as error:
            return str(error)
        want = reference.initialize_parameters_deep(*case.args)
        problem = _parameters_problem(want, got, "the parameters", values=False)
        if problem:
            return "for %s, %s" % (case.about, problem)
        for key in want:
            if key.startswith("b"):
                problem = compare(want[key], got[key], key)
                if problem:
                    return "for %s, %s; biases start at zero" % (case.about, problem)
    return None


def judge_he_weights(cases, outcomes):
    """Weights: exactly those of the docstring's generator; when not, the first property broken.

    Properties (reproducible from ``seed``, another seed gives others, the He scale) explain a
    failure; only equality with the reference passes the check.
    """
    weights = []
    for case, outcome in zip(cases, outcomes):
        try:
            got = _returned(outcome, "initialize_parameters_deep")
        except LookupError as error:
            return str(error)
        want = reference.initialize_parameters_deep(*case.args)
        problem = _parameters_problem({key: value for key, value in want.items() if key.startswith("W")},
                                      {key: value for key, value in got.items() if key.startswith("W")}
                                      if isinstance(got, dict) else got, "the weights", values=False)
        if problem:
            return "for %s, %s" % (case.about, problem)
        weights.append((got, want))
    (first, _), (again, _), (other, _) = weights[:3]
    if not all(np.array_equal(first[key], again[key]) for key in first if key.startswith("W")):
        return ("two calls with the same seed gave different weights: create the generator from the seed "
                "inside the function, np.random.default_rng(seed)")
    if all(np.array_equal(first[key], other[key]) for key in first if key.startswith("W")):
        return "two different seeds gave the same weights: use the seed argument"
    large, large_dims = weights[-1][0], cases[-1].args[0]
    for l in range(1, len(large_dims) - 1):
        W = large["W%d" % l]
        spread = W.std() / np.sqrt(2.0 / large_dims[l - 1])
        if not 0.85 < spread < 1.15 or abs(W.mean()) > 0.15 * np.sqrt(2.0 / large_dims[l - 1]):
            size = "well below" if spread <= 0.85 else "well above" if spread >= 1.15 else "about"
            return ("W%d of a network with layer_dims %s has a standard deviation %s sqrt(2 / %d) or a mean "
                    "far from 0: He initialization multiplies standard normal draws by "
                    "np.sqrt(2.0 / layer_dims[l - 1])" % (l, large_dims, size, large_dims[l - 1]))
    for got, want in weights:
        if any(compare(want[key], got[key], key) for key in want if key.startswith("W")):
            return ("the weights are not those the docstring asks for: one generator made inside the "
                    "function, rng = np.random.default_rng(seed), then for l = 1, ..., L in order "
                    "rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(2.0 / layer_dims[l - 1])")
    return None


def _listed(case, outcome, function, pair, want, what):
    """The list that ``function`` returns second, when it is as long as the reference's ``want``.

    ``pair`` names the two returned values, ("AL", "caches"); ``what`` says what the list holds.
    Returns ``(list, None)``, or ``(None, message)``.
    """
    try:
        value = _returned(outcome, function)
    except LookupError as error:
        return None, str(error)
    if not isinstance(value, tuple) or len(value) != 2:
        return None, "%s should return a tuple (%s, %s); got %s" % ((function,) + pair + (type_name(value),))
    items = value[1]
    if not isinstance(items, (list, tuple)) or len(items) != len(want):
        length = " of %d items" % len(items) if isinstance(items, (list, tuple)) else ""
        return None, ("on %s, %s should be a list of %d %s; got %s%s"
                      % (case.about, pair[1], len(want), what, type_name(items), length))
    return items, None


def judge_caches(cases, outcomes):
    """The caches of L_model_forward: a list of L tuples ((A_prev, W, b), Z), in layer order."""
    for case, outcome in zip(cases, outcomes):
        _, want = reference.L_model_forward(*copy_arguments(case.args))
        caches, problem = _listed(case, outcome, "L_model_forward", ("AL", "caches"), want,
                                  "caches, one per layer in layer order")
        if problem:
            return problem
        problem = compare(tuple(want), tuple(caches), "caches")
        if problem:
            return "on %s, %s (caches[l - 1] = ((A_prev, Wl, bl), Zl) for layer l)" % (case.about, problem)
    return None


def judge_costs(cases, outcomes):
    """The costs of L_layer_model: a list of num_iterations floats, each before its update."""
    for case, outcome in zip(cases, outcomes):
        _, want = reference.L_layer_model(*copy_arguments(case.args))
        costs, problem = _listed(case, outcome, "L_layer_model", ("parameters", "costs"), want,
                                 "costs, one per iteration")
        if problem:
            return problem
        for index, (expected, got) in enumerate(zip(want, costs)):
            problem = compare(expected, got, "costs[%d]" % index)
            if problem:
                return ("on %s, %s (costs[i] is the cost of iteration i, computed before its update)"
                        % (case.about, problem))
    return None


def _backward_parts(keys):
    return tuple(((key,), key) for key in keys)


def _depth_is(depth):
    return lambda case: _depth(case) == depth


CHECKS = [
    Check("shapes, dtype and zero biases", "test_initialize_parameters_deep", "initialize_parameters_deep", 1,
          judge=judge_shapes_and_biases),
    Check("He-scaled weights from np.random.default_rng(seed), in layer order", "test_initialize_parameters_deep",
          "initialize_parameters_deep", 1, judge=judge_he_weights),
    Check("Z", "test_linear_forward", "linear_forward", 1, parts=(((0,), "Z"),)),
    Check("linear_cache (A_prev, W, b)", "test_linear_forward", "linear_forward", 1,
          parts=(((1,), "linear_cache"),)),
    Check("ReLU layer: A and cache", "test_linear_activation_forward", "linear_activation_forward", 1,
          parts=(((0,), "A"), ((1,), "cache")), applies_to=lambda case: _activation(case) == "relu"),
    Check("sigmoid layer: A and cache", "test_linear_activation_forward", "linear_activation_forward", 1,
          parts=(((0,), "A"), ((1,), "cache")), applies_to=lambda case: _activation(case) == "sigmoid"),
    Check("output AL", "test_L_model_forward", "L_model_forward", 1, parts=(((0,), "AL"),)),
    Check("caches, one per layer in layer order", "test_L_model_forward", "L_model_forward", 1, judge=judge_caches),
    Check("cost of a batch", "test_compute_cost", "compute_cost", 1,
          parts=(((), "the cost"),), applies_to=lambda case: case.args[1].shape[1] > 1),
    Check("cost of a single example", "test_compute_cost", "compute_cost", 1,
          parts=(((), "the cost"),), applies_to=lambda case: case.args[1].shape[1] == 1),
    Check("dW", "test_linear_backward", "linear_backward", 1, parts=(((1,), "dW"),)),
    Check("db", "test_linear_backward", "linear_backward", 1, parts=(((2,), "db"),)),
    Check("dA_prev", "test_linear_backward", "linear_backward", 1, parts=(((0,), "dA_prev"),)),
    Check("ReLU layer: dA_prev, dW and db", "test_linear_activation_backward", "linear_activation_backward", 1,
          parts=(((0,), "dA_prev"), ((1,), "dW"), ((2,), "db")), applies_to=lambda case: _activation(case) == "relu"),
    Check("sigmoid layer: dA_prev, dW and db", "test_linear_activation_backward", "linear_activation_backward", 1,
          parts=(((0,), "dA_prev"), ((1,), "dW"), ((2,), "db")),
          applies_to=lambda case: _activation(case) == "sigmoid"),
    Check("2 layers: output layer dW2 and db2", "test_L_model_backward", "L_model_backward", 1,
          parts=_backward_parts(("dW2", "db2")), applies_to=_depth_is(2)),
    Check("2 layers: hidden layer dW1 and db1", "test_L_model_backward", "L_model_backward", 1,
          parts=_backward_parts(("dW1", "db1")), applies_to=_depth_is(2)),
    Check("2 layers: dA1 and dA0, the gradients of each layer's input", "test_L_model_backward", "L_model_backward", 1,
          parts=_backward_parts(("dA1", "dA0")), applies_to=_depth_is(2)),
    Check("4 layers: output layer dW4 and db4", "test_L_model_backward", "L_model_backward", 1,
          parts=_backward_parts(("dW4", "db4")), applies_to=_depth_is(4)),
    Check("4 layers: hidden layers dW3, db3, dW2, db2, dW1 and db1", "test_L_model_backward", "L_model_backward", 1,
          parts=_backward_parts(("dW3", "db3", "dW2", "db2", "dW1", "db1")), applies_to=_depth_is(4)),
    Check("4 layers: dA3, dA2, dA1 and dA0, the gradients of each layer's input", "test_L_model_backward",
          "L_model_backward", 1, parts=_backward_parts(("dA3", "dA2", "dA1", "dA0")), applies_to=_depth_is(4)),
    Check("updated weights", "test_update_parameters", "update_parameters", 1,
          parts=tuple(((key,), key) for key in ("W1", "W2", "W3")), unchanged=((0, "parameters"), (1, "grads"))),
    Check("updated biases", "test_update_parameters", "update_parameters", 1,
          parts=tuple(((key,), key) for key in ("b1", "b2", "b3"))),
    Check("parameters after training", "test_L_layer_model", "L_layer_model", 1,
          parts=tuple(((0, key), key) for key in ("W1", "b1", "W2", "b2", "W3", "b3"))),
    Check("costs, one per iteration before its update", "test_L_layer_model", "L_layer_model", 1, judge=judge_costs),
]

MUTANTS = [
    # initialize_parameters_deep
    Mutant("init_no_he_scale", "initialize_parameters_deep",
           "scale = np.sqrt(2.0 / layer_dims[l - 1])", "scale = 1.0",
           "the weights are standard normal, unscaled: He initialization multiplies them by "
           "np.sqrt(2.0 / layer_dims[l - 1])"),
    Mutant("init_scaled_by_0.01", "initialize_parameters_deep",
           "scale = np.sqrt(2.0 / layer_dims[l - 1])", "scale = 0.01",
           "the weights are scaled by 0.01: in a deep ReLU network such small weights shrink the signal at "
           "every layer; He initialization scales by np.sqrt(2.0 / layer_dims[l - 1])"),
    Mutant("init_xavier_scale", "initialize_parameters_deep",
           "scale = np.sqrt(2.0 / layer_dims[l - 1])", "scale = np.sqrt(1.0 / layer_dims[l - 1])",
           "the weights are scaled by sqrt(1 / n_(l-1)) (Xavier): for ReLU layers He initialization uses "
           "sqrt(2 / n_(l-1))"),
    Mutant("init_scale_from_own_layer", "initialize_parameters_deep",
           "scale = np.sqrt(2.0 / layer_dims[l - 1])", "scale = np.sqrt(2.0 / layer_dims[l])",
           "the scale uses the layer's own size layer_dims[l]: He initialization divides by the number of "
           "inputs of the layer, np.sqrt(2.0 / layer_dims[l - 1])"),
    Mutant("init_variance_not_std", "initialize_parameters_deep",
           "scale = np.sqrt(2.0 / layer_dims[l - 1])", "scale = 2.0 / layer_dims[l - 1]",
           "the weights are multiplied by 2 / n_(l-1), the variance: multiply by its square root, "
           "np.sqrt(2.0 / layer_dims[l - 1])"),
    Mutant("init_W_transposed", "initialize_parameters_deep",
           "rng.standard_normal((layer_dims[l], layer_dims[l - 1]))",
           "rng.standard_normal((layer_dims[l - 1], layer_dims[l]))",
           "W has shape (n_(l-1), n_l): in the column convention W of layer l is (layer_dims[l], "
           "layer_dims[l - 1]), so that W @ A_prev works"),
    Mutant("init_last_layer_missing", "initialize_parameters_deep",
           "for l in range(1, number_of_layers + 1):", "for l in range(1, number_of_layers):",
           "the output layer has no parameters: with L = len(layer_dims) - 1 layers the loop runs over "
           "l = 1, ..., L, range(1, L + 1)"),
    Mutant("init_generator_per_layer", "initialize_parameters_deep",
           "for l in range(1, number_of_layers + 1):\n",
           "for l in range(1, number_of_layers + 1):\n        rng = np.random.default_rng(seed)\n",
           "the generator is made again for every layer, so every layer starts from the same draws: make it "
           "once, before the loop, and draw the layers in order from it"),
    # linear_forward
    Mutant("linear_forward_missing_bias", "linear_forward",
           "Z = W @ A_prev + b", "Z = W @ A_prev",
           "Z lacks the bias: Z = W @ A_prev + b"),
    Mutant("linear_forward_W_transposed", "linear_forward",
           "Z = W @ A_prev + b", "Z = W.T @ A_prev + b",
           "Z uses W.T @ A_prev: W is already (n, n_prev), so Z = W @ A_prev + b"),
    Mutant("linear_forward_bias_row", "linear_forward",
           "Z = W @ A_prev + b", "Z = W @ A_prev + b.T",
           "the bias is added as a row, b.T: b is a column (n, 1), broadcast over the m columns, "
           "Z = W @ A_prev + b"),
    Mutant("linear_forward_elementwise", "linear_forward",
           "Z = W @ A_prev + b", "Z = np.multiply(W, A_prev) + b",
           "W * A_prev multiplies entry by entry: the layer is a matrix product, Z = W @ A_prev + b"),
    Mutant("linear_forward_cache_order", "linear_forward",
           "linear_cache = (A_prev, W, b)", "linear_cache = (W, A_prev, b)",
           "linear_cache is (W, A_prev, b): the docstring's order is (A_prev, W, b), the order in which "
           "the backward pass unpacks it"),
    Mutant("linear_forward_caches_Z", "linear_forward",
           "linear_cache = (A_prev, W, b)", "linear_cache = (Z, W, b)",
           "linear_cache holds Z where the layer's input belongs: it is (A_prev, W, b), and dW needs A_prev"),
    # linear_activation_forward
    Mutant("activation_forward_relu_branch_sigmoid", "linear_activation_forward",
           "A = relu(Z)", "A = sigmoid(Z)",
           'activation="relu" applies the sigmoid: each activation name selects its own function'),
    Mutant("activation_forward_no_relu", "linear_activation_forward",
           "A = relu(Z)", "A = Z",
           'activation="relu" returns Z unchanged: apply relu(Z), which sets the negative entries to 0'),
    Mutant("activation_forward_np_max", "linear_activation_forward",
           "A = relu(Z)", "A = np.max(Z, 0)",
           "np.max(Z, 0) is the largest entry of each column (a reduction along axis 0): ReLU is the "
           "elementwise np.maximum(Z, 0), the given relu(Z)"),
    Mutant("activation_forward_sigmoid_sign", "linear_activation_forward",
           "A = sigmoid(Z)", "A = 1 / (1 + np.exp(Z))",
           "the sigmoid is written 1 / (1 + exp(Z)), which is sigmoid(-Z): it is 1 / (1 + exp(-Z)), the "
           "given sigmoid(Z)"),
    Mutant("activation_forward_caches_A", "linear_activation_forward",
           "cache = (linear_cache, Z)", "cache = (linear_cache, A)",
           "the cache holds A, the value after the activation: it holds Z, the value before it, which the "
           "backward pass of the activation needs"),
    Mutant("activation_forward_cache_order", "linear_activation_forward",
           "cache = (linear_cache, Z)", "cache = (Z, linear_cache)",
           "the cache is (Z, linear_cache): the docstring's order is (linear_cache, Z)"),
    # L_model_forward
    Mutant("forward_L_from_all_entries", "L_model_forward",
           "L = len(parameters) // 2", "L = len(parameters)",
           "L = len(parameters) counts every W and every b: the number of layers is len(parameters) // 2"),
    Mutant("forward_loop_includes_output", "L_model_forward",
           "for l in range(1, L):", "for l in range(1, L + 1):",
           "the ReLU loop also runs over the output layer L, which then runs a second time: the loop is "
           "range(1, L), layers 1 to L - 1, and layer L follows it with the sigmoid"),
    Mutant("forward_loop_skips_a_layer", "L_model_forward",
           "for l in range(1, L):", "for l in range(1, L - 1):",
           "the ReLU loop stops one layer early: range(1, L) runs the hidden layers 1 to L - 1"),
    Mutant("forward_hidden_sigmoid", "L_model_forward",
           'parameters["b" + str(l)], "relu")', 'parameters["b" + str(l)], "sigmoid")',
           'the hidden layers use "sigmoid": layers 1 to L - 1 use "relu", only the output layer the sigmoid'),
    Mutant("forward_output_relu", "L_model_forward",
           'parameters["b" + str(L)], "sigmoid")', 'parameters["b" + str(L)], "relu")',
           'the output layer uses "relu": it uses "sigmoid", so that AL is a probability in (0, 1)'),
    Mutant("forward_output_with_loop_index", "L_model_forward",
           'parameters["W" + str(L)], parameters["b" + str(L)]', 'parameters["W" + str(l)], parameters["b" + str(l)]',
           "the output layer uses the parameters of layer l, the last value of the loop's index: it uses "
           'layer L\'s, parameters["W" + str(L)] and parameters["b" + str(L)] (capital L)'),
    # compute_cost
    Mutant("cost_sum_not_mean", "compute_cost",
           "cost = -(1 / m) * np.sum(", "cost = -np.sum(",
           "the cost is a sum, not a mean: divide by the number of examples m"),
    Mutant("cost_wrong_sign", "compute_cost",
           "cost = -(1 / m) * np.sum(", "cost = (1 / m) * np.sum(",
           "the cost has the wrong sign: cross-entropy is minus the mean log-likelihood, so it is positive"),
    Mutant("cost_logs_swapped", "compute_cost",
           "Y * np.log(AL) + (1 - Y) * np.log(1 - AL)", "Y * np.log(1 - AL) + (1 - Y) * np.log(AL)",
           "the two logarithms are swapped: an example with label 1 costs -log(AL), one with label 0 "
           "costs -log(1 - AL)"),
    Mutant("cost_log10", "compute_cost",
           "np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))",
           "np.sum(Y * np.log10(AL) + (1 - Y) * np.log10(1 - AL))",
           "the cost uses log10: cross-entropy uses the natural logarithm, np.log"),
    Mutant("cost_label_0_term_missing", "compute_cost",
           "np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))", "np.sum(Y * np.log(AL))",
           "the examples with label 0 cost nothing: add their term (1 - Y) * log(1 - AL)"),
    Mutant("cost_matrix_product_array", "compute_cost",
           "cost = -(1 / m) * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))\n    cost = float(cost)",
           "cost = -(1 / m) * (Y @ np.log(AL).T + (1 - Y) @ np.log(1 - AL).T)",
           "the cost is a (1, 1) array (the matrix products Y @ log(AL).T): return a Python float, "
           "float(...) of it"),
    # linear_backward
    Mutant("linear_backward_dW_missing_1_over_m", "linear_backward",
           "dW = (1 / m) * dZ @ A_prev.T", "dW = dZ @ A_prev.T",
           "dW is m times too large: dW is a gradient of the mean cost, (1/m) dZ @ A_prev.T"),
    Mutant("linear_backward_dW_missing_transpose", "linear_backward",
           "dW = (1 / m) * dZ @ A_prev.T", "dW = (1 / m) * dZ @ A_prev",
           "dW = dZ @ A_prev without the transpose: dW = (1/m) dZ @ A_prev.T, shape (n, n_prev)"),
    Mutant("linear_backward_db_wrong_axis", "linear_backward",
           "np.sum(dZ, axis=1, keepdims=True)", "np.sum(dZ, axis=0, keepdims=True)",
           "db is summed over the units (axis=0); sum over the examples, axis=1"),
    Mutant("linear_backward_db_no_keepdims", "linear_backward",
           "np.sum(dZ, axis=1, keepdims=True)", "np.sum(dZ, axis=1)",
           "db has shape (n,): the sum dropped the axis; keepdims=True keeps db a column (n, 1)"),
    Mutant("linear_backward_dA_prev_over_m", "linear_backward",
           "dA_prev = W.T @ dZ", "dA_prev = (1 / m) * W.T @ dZ",
           "dA_prev is divided by m: dA_prev = W.T @ dZ; the 1/m of the mean enters only dW and db, once "
           "per layer"),
    Mutant("linear_backward_dA_prev_missing_transpose", "linear_backward",
           "dA_prev = W.T @ dZ", "dA_prev = W @ dZ",
           "dA_prev uses W @ dZ: the gradient flows back through the transpose, W.T @ dZ"),
    Mutant("linear_backward_m_from_rows", "linear_backward",
           "m = A_prev.shape[1]\n", "m = A_prev.shape[0]\n",
           "m is read from A_prev.shape[0], the number of units of the layer below: the examples are the "
           "columns, m = A_prev.shape[1]"),
    # linear_activation_backward
    Mutant("activation_backward_relu_mask_from_dA", "linear_activation_backward",
           "dZ = dA * (Z > 0)\n", "dZ = dA * (dA > 0)\n",
           "the ReLU mask is taken from dA: it comes from the cached Z, dZ = dA * (Z > 0)"),
    Mutant("activation_backward_relu_at_zero", "linear_activation_backward",
           "dZ = dA * (Z > 0)\n", "dZ = dA * (Z >= 0)\n",
           "at Z = 0 the ReLU's derivative is taken as 1: this course takes it as 0, dZ = dA * (Z > 0)"),
    Mutant("activation_backward_relu_no_mask", "linear_activation_backward",
           "dZ = dA * (Z > 0)\n", "dZ = dA\n",
           "dZ = dA misses the ReLU's derivative: multiply by the mask (Z > 0)"),
    Mutant("activation_backward_sigmoid_of_Z_as_A", "linear_activation_backward",
           "s = sigmoid(Z)\n        dZ = dA * s * (1 - s)", "dZ = dA * Z * (1 - Z)",
           "the sigmoid's derivative is taken as Z (1 - Z), the output formula applied to Z: with "
           "s = sigmoid(Z) it is s (1 - s)"),
    Mutant("activation_backward_sigmoid_without_dA", "linear_activation_backward",
           "dZ = dA * s * (1 - s)\n", "dZ = s * (1 - s)\n",
           "dZ misses the upstream gradient: dZ = dA * s * (1 - s)"),
    Mutant("activation_backward_branches_swapped", "linear_activation_backward",
           'if activation == "relu":\n        dZ = dA * (Z > 0)\n    elif activation == "sigmoid":',
           'if activation == "sigmoid":\n        dZ = dA * (Z > 0)\n    elif activation == "relu":',
           "the two activations' derivatives are swapped: \"relu\" uses the mask (Z > 0), \"sigmoid\" "
           "s (1 - s)"),
    # L_model_backward
    Mutant("backward_dA_key_off_by_one", "L_model_backward",
           'grads["dA" + str(l - 1)] = dA_prev', 'grads["dA" + str(l)] = dA_prev',
           "what layer l sends back is stored under 'dA' + str(l): it is the gradient of the layer's input "
           "A_(l-1), key 'dA' + str(l - 1) (dA0 belongs to X; there is no dA of the output)"),
    Mutant("backward_layers_in_wrong_order", "L_model_backward",
           "for l in range(L, 0, -1):", "for l in range(1, L + 1):",
           "the layers are visited from layer 1 up: the backward pass starts at the output layer L and goes "
           "down, range(L, 0, -1)"),
    Mutant("backward_cache_index_off_by_one", "L_model_backward",
           "caches[l - 1], activation)", "caches[l], activation)",
           "layer l uses caches[l]: the list starts at 0, so layer l's cache is caches[l - 1]"),
    Mutant("backward_dAL_sign", "L_model_backward",
           "dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))", "dA = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)",
           "every gradient has the wrong sign, so the sign slips in at the output layer: look at "
           "dAL = -(Y / AL - (1 - Y) / (1 - AL)) and at the sigmoid derivative s * (1 - s)"),
    Mutant("backward_all_relu", "L_model_backward",
           'activation = "sigmoid" if l == L else "relu"', 'activation = "relu"',
           'the output layer goes back with "relu", so its dZ is made with the ReLU mask instead of the '
           'sigmoid derivative: the output layer uses "sigmoid" (l == L)'),
    Mutant("backward_all_sigmoid", "L_model_backward",
           'activation = "sigmoid" if l == L else "relu"', 'activation = "sigmoid"',
           'the hidden layers go back with "sigmoid": they use ReLU, "relu" for l < L'),
    Mutant("backward_dA_not_passed_down", "L_model_backward",
           "        dA = dA_prev\n", "",
           "every layer receives dAL: after each layer, pass its dA_prev down, dA = dA_prev, as the dA of the "
           "layer below"),
    # update_parameters
    Mutant("update_in_place", "update_parameters",
           'new_parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]',
           'new_parameters["W" + str(l)] = parameters["W" + str(l)].__isub__(learning_rate * grads["dW" + str(l)])',
           "the weights are updated in place (parameters[\"W1\"] -= ...), which changes the caller's "
           "parameters: compute new arrays, W - learning_rate * dW, into a new dict"),
    Mutant("update_plus_sign", "update_parameters",
           'parameters["W" + str(l)] - learning_rate', 'parameters["W" + str(l)] + learning_rate',
           "the weights move up the gradient: gradient descent subtracts learning_rate * dW"),
    Mutant("update_without_learning_rate", "update_parameters",
           'parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]',
           'parameters["W" + str(l)] - grads["dW" + str(l)]',
           "the weights take a whole gradient as their step: the step is learning_rate * dW"),
    Mutant("update_divides_by_learning_rate", "update_parameters",
           'parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]',
           'parameters["W" + str(l)] - grads["dW" + str(l)] / learning_rate',
           "the weights move by dW / learning_rate: the step is learning_rate * dW"),
    Mutant("update_biases_forgotten", "update_parameters",
           'parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]', 'parameters["b" + str(l)]',
           "the biases are not updated: every parameter takes a step, biases too"),
    Mutant("update_last_layer_skipped", "update_parameters",
           "for l in range(1, L + 1):", "for l in range(1, L):",
           "the output layer is not updated (its parameters are missing): loop over l = 1, ..., L, range(1, L + 1)"),
    Mutant("update_L_from_all_entries", "update_parameters",
           "L = len(parameters) // 2", "L = len(parameters)",
           "L = len(parameters) counts every W and every b: the number of layers is len(parameters) // 2"),
    # L_layer_model
    Mutant("model_seed_ignored", "L_layer_model",
           "initialize_parameters_deep(layer_dims, seed)", "initialize_parameters_deep(layer_dims)",
           "the seed is not passed on: start from initialize_parameters_deep(layer_dims, seed)"),
    Mutant("model_update_discarded", "L_layer_model",
           "parameters = update_parameters(parameters, grads, learning_rate)",
           "update_parameters(parameters, grads, learning_rate)",
           "the parameters never change: update_parameters returns a new dict; keep it, "
           "parameters = update_parameters(...)"),
    Mutant("model_fixed_learning_rate", "L_layer_model",
           "update_parameters(parameters, grads, learning_rate)", "update_parameters(parameters, grads, 0.0075)",
           "the update uses a fixed learning rate: pass the argument learning_rate to update_parameters"),
    Mutant("model_one_iteration_short", "L_layer_model",
           "for i in range(num_iterations):", "for i in range(num_iterations - 1):",
           "the loop runs num_iterations - 1 times: range(num_iterations) takes num_iterations steps"),
    Mutant("model_forward_outside_loop", "L_layer_model",
           "    for i in range(num_iterations):\n        AL, caches = L_model_forward(X, parameters)\n",
           "    AL, caches = L_model_forward(X, parameters)\n    for i in range(num_iterations):\n",
           "the forward pass runs once, before the loop, so every step uses the first gradients: run "
           "forward, cost, backward and update inside the loop"),
    Mutant("model_initialised_in_loop", "L_layer_model",
           "    for i in range(num_iterations):\n",
           "    for i in range(num_iterations):\n        parameters = initialize_parameters_deep(layer_dims, seed)\n",
           "the parameters are initialised again in every iteration, so only the last step counts: "
           "initialise once, before the loop"),
]


def backward_layers(case):
    """The dependency structure of L_model_backward on ``case``, output layer first (see
    ``grader.localise``): the correct dZ of every layer, from the case's own caches."""
    AL, Y, caches = case.args
    count = len(caches)
    layers = []
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for number in range(count, 0, -1):
        (A_prev, W, _), Z = caches[number - 1]
        if number == count:
            s = sigmoid(Z)
            dZ, step = dA * s * (1 - s), ("dZ%d = dA%d * s * (1 - s) with s = sigmoid(Z%d), which is AL - Y: the "
                                          "derivative of the cost, dAL, and the sigmoid derivative" % ((number,) * 3))
        else:
            dZ, step = dA * (Z > 0), ("dZ%d = dA%d * (Z%d > 0): the ReLU derivative, a 0/1 mask of Z%d, applied to "
                                      "dA%d" % ((number,) * 5))
        layers.append(Layer(number, count, dZ, A_prev, ("dW%d" % number,), ("db%d" % number,),
                            ("dA%d" % (number - 1),), step))
        dA = W.T @ dZ
    return layers


LOCATE = {"L_model_backward": backward_layers}
