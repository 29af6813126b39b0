"""Assignment a2: activation gradients (sigmoid, tanh, ReLU, leaky ReLU), softmax with
cross-entropy, and one step of a sigmoid neuron.

Secret cases, checks and the catalogue of known wrong versions. The reference is
``backprop.activation_gradients``.
"""
import numpy as np

from backprop import activation_gradients as reference
from grader.checks import Case, Check
from grader.mutants import Mutant

NAME = "a2_activation_gradients"
LARGE_LOGIT = 100.0  # a case whose largest logit in magnitude reaches this tests the stable softmax


def _distinct_sizes(rng, count, low, high):
    """``count`` different integers in [low, high], so that a transposed array cannot fit."""
    return [int(size) for size in rng.choice(np.arange(low, high + 1), size=count, replace=False)]


def _plural(count, word):
    return "%d %s" % (count, word if count == 1 else word + ("es" if word.endswith("s") else "s"))


def _about(shape, rows="unit"):
    return "a batch of %s (%s)" % (_plural(shape[1], "example"), _plural(shape[0], rows))


def _pre_activations(rng, shape, zeros):
    """Z of ``shape`` with positive and negative entries, none near 0 unless ``zeros``: then about
    a quarter of the entries (at least one) are exactly 0. Every shape has at least 3 entries."""
    Z = rng.uniform(0.1, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    flat = Z.reshape(-1)
    order = rng.permutation(flat.size)
    flat[order[0]] = abs(flat[order[0]])
    flat[order[1]] = -abs(flat[order[1]])
    if zeros:
        flat[order[2:2 + max(1, flat.size // 4)]] = 0.0
    return Z


def _one_hot(rng, classes, examples):
    return np.eye(classes)[:, rng.integers(0, classes, size=examples)]


def make_cases(rng):
    """Secret inputs for every graded function; a batch of one example always among them.

    Every array is drawn on its own, so no case's inputs hold what the reference returns on
    another case's inputs (the student's code runs in the process that holds every case).
    """
    n, m, n_other, m_other = _distinct_sizes(rng, 4, 3, 9)
    shapes = [(n, 1), (n, m), (n_other, m_other)]
    cases = []

    def add(function, args, about):
        cases.append(Case("%s/%d" % (function, len(cases)), function, args, about))

    for shape in shapes:
        add("sigmoid_backward", (rng.standard_normal(shape), rng.uniform(-6.0, 6.0, size=shape)),
            _about(shape))
    for shape in shapes:
        add("tanh_backward", (rng.standard_normal(shape), rng.uniform(-3.0, 3.0, size=shape)),
            _about(shape))
    for shape, zeros in (((n, 1), False), ((n, m), False), ((n_other, m_other), True), ((n, 1), True)):
        add("relu_backward", (rng.standard_normal(shape), _pre_activations(rng, shape, zeros)),
            _about(shape) + (", with entries of Z exactly 0" if zeros else ", no entry of Z is 0"))
    for shape, zeros, default in (((n, 1), False, True), ((n_other, m_other), False, True),
                                  ((n, m), False, False), ((n, m), True, True), ((n, 1), True, False)):
        args = (rng.standard_normal(shape), _pre_activations(rng, shape, zeros))
        if default:
            about = ", the default alpha"
        else:
            args += (float(rng.uniform(0.05, 0.3)),)
            about = ", alpha given"
        add("leaky_relu_backward", args,
            _about(shape) + about + (", with entries of Z exactly 0" if zeros else ", no entry of Z is 0"))
    for shape in shapes:
        add("softmax_cross_entropy_backward",
            (3.0 * rng.standard_normal(shape), _one_hot(rng, *shape)), _about(shape, "class"))
    # Logits near the float64 limit of np.exp (about 709.78): each exponential is finite, but the
    # sum of a column overflows, so a softmax without the shift gives finite wrong values.
    classes, examples = max(n, m, n_other, m_other), min(n, m, n_other, m_other)
    add("softmax_cross_entropy_backward",
        (rng.uniform(708.5, 709.7, size=(classes, examples)), _one_hot(rng, classes, examples)),
        _about((classes, examples), "class") + ", logits near 709, where np.exp overflows")
    # Columns of logits near 800, near -800 (np.exp gives 0) and ordinary ones.
    offsets = np.concatenate([[800.0, -800.0], rng.choice([800.0, -800.0, 0.0], size=m - 2)])
    shape = (n_other, m)
    add("softmax_cross_entropy_backward",
        (rng.permutation(offsets)[np.newaxis, :] + 2.0 * rng.standard_normal(shape), _one_hot(rng, *shape)),
        _about(shape, "class") + ", columns of logits near 800 and near -800")
    # Columns that hold logits near 800 and near -800 together: only a shift by each column's own
    # largest logit keeps every exponential finite (a shift by its mean or smallest does not).
    shape = (max(n_other, 3), m)
    mixed = -800.0 + rng.standard_normal(shape)
    mixed[rng.integers(0, shape[0], size=m), np.arange(m)] = 800.0 + rng.standard_normal(m)
    add("softmax_cross_entropy_backward", (mixed, _one_hot(rng, *shape)),
        _about(shape, "class") + ", each column holding logits near 800 and near -800")
    for inputs, label in ((1, 1.0), (n, 0.0), (m, float(rng.integers(0, 2)))):
        x, w = rng.standard_normal(inputs), 0.5 * rng.standard_normal(inputs)
        add("neuron_step", (x, w, float(rng.standard_normal()), label, float(rng.uniform(0.05, 1.0))),
            "one example with %s, label %d" % (_plural(inputs, "input"), label))
    return cases


def _has_zeros(case):
    return bool(np.any(case.args[1] == 0))


def _large_logits(case):
    return bool(np.max(np.abs(case.args[0])) >= LARGE_LOGIT)


DZ = (((), "dZ"),)

CHECKS = [
    Check("dZ", "test_sigmoid_backward", "sigmoid_backward", 1, parts=DZ),
    Check("dZ", "test_tanh_backward", "tanh_backward", 1, parts=DZ),
    Check("dZ where no entry of Z is 0", "test_relu_backward", "relu_backward", 1, parts=DZ,
          applies_to=lambda case: not _has_zeros(case), unchanged=((0, "dA"),)),
    Check("dZ where Z has exact zeros (0 there)", "test_relu_backward", "relu_backward", 1, parts=DZ,
          applies_to=_has_zeros),
    Check("dZ with the default alpha", "test_leaky_relu_backward", "leaky_relu_backward", 1, parts=DZ,
          applies_to=lambda case: len(case.args) == 2 and not _has_zeros(case), unchanged=((0, "dA"),)),
    Check("dZ with alpha given", "test_leaky_relu_backward", "leaky_relu_backward", 1, parts=DZ,
          applies_to=lambda case: len(case.args) == 3 and not _has_zeros(case)),
    Check("dZ where Z has exact zeros (alpha * dA there)", "test_leaky_relu_backward",
          "leaky_relu_backward", 1, parts=DZ, applies_to=_has_zeros),
    Check("dZ for ordinary logits", "test_softmax_cross_entropy_backward", "softmax_cross_entropy_backward",
          1, parts=DZ, applies_to=lambda case: not _large_logits(case)),
    Check("dZ for large logits (a softmax that does not overflow)", "test_softmax_cross_entropy_backward",
          "softmax_cross_entropy_backward", 1, parts=DZ, applies_to=_large_logits),
    Check("forward values a and L", "test_neuron_step", "neuron_step", 1,
          parts=((("a",), "a"), (("L",), "L"))),
    Check("gradients dw and db", "test_neuron_step", "neuron_step", 1,
          parts=((("dw",), "dw"), (("db",), "db"))),
    Check("updated w and b", "test_neuron_step", "neuron_step", 1,
          parts=((("w",), "the updated w"), (("b",), "the updated b")), unchanged=((0, "x"), (1, "w"))),
]

MUTANTS = [
    # sigmoid_backward
    Mutant("sigmoid_output_not_derivative", "sigmoid_backward",
           "dZ = dA * s * (1 - s)", "dZ = dA * s",
           "dZ multiplies dA by sigmoid(Z) itself: the local gradient is the derivative of the sigmoid, "
           "s * (1 - s) with s = sigmoid(Z)"),
    Mutant("sigmoid_derivative_of_Z", "sigmoid_backward",
           "dZ = dA * s * (1 - s)", "dZ = dA * Z * (1 - Z)",
           "dZ uses Z * (1 - Z): the formula s * (1 - s) takes the sigmoid's output s = sigmoid(Z), "
           "not the pre-activation Z"),
    Mutant("sigmoid_missing_dA", "sigmoid_backward",
           "dZ = dA * s * (1 - s)", "dZ = s * (1 - s)",
           "dZ is the local gradient alone: by the chain rule it is multiplied by the upstream "
           "gradient, dZ = dA * s * (1 - s)"),
    Mutant("sigmoid_tanh_formula", "sigmoid_backward",
           "dZ = dA * s * (1 - s)", "dZ = dA * (1 - s ** 2)",
           "dZ uses 1 - s**2, the derivative of tanh written with its output: the derivative of the "
           "sigmoid is s * (1 - s)"),
    Mutant("sigmoid_denominator_not_squared", "sigmoid_backward",
           "dZ = dA * s * (1 - s)", "dZ = dA * np.exp(-Z) / (1 + np.exp(-Z))",
           "dZ uses exp(-Z) / (1 + exp(-Z)): the derivative of 1 / (1 + exp(-Z)) has the denominator "
           "squared, exp(-Z) / (1 + exp(-Z))**2, which is s * (1 - s)"),
    # tanh_backward
    Mutant("tanh_derivative_of_Z", "tanh_backward",
           "dZ = dA * (1 - t ** 2)", "dZ = dA * (1 - Z ** 2)",
           "dZ uses 1 - Z**2: the derivative of tanh is 1 - tanh(Z)**2, the square of the activation, "
           "not of the pre-activation"),
    Mutant("tanh_not_squared", "tanh_backward",
           "dZ = dA * (1 - t ** 2)", "dZ = dA * (1 - t)",
           "dZ uses 1 - tanh(Z): the square is missing, the derivative of tanh is 1 - tanh(Z)**2"),
    Mutant("tanh_missing_dA", "tanh_backward",
           "dZ = dA * (1 - t ** 2)", "dZ = 1 - t ** 2",
           "dZ is the local gradient alone: by the chain rule it is multiplied by the upstream "
           "gradient, dZ = dA * (1 - tanh(Z)**2)"),
    Mutant("tanh_sigmoid_formula", "tanh_backward",
           "dZ = dA * (1 - t ** 2)", "dZ = dA * t * (1 - t)",
           "dZ uses tanh(Z) * (1 - tanh(Z)), the form of the sigmoid's derivative: the derivative of "
           "tanh is 1 - tanh(Z)**2"),
    Mutant("tanh_sech_not_squared", "tanh_backward",
           "dZ = dA * (1 - t ** 2)", "dZ = dA / np.cosh(Z)",
           "dZ uses 1 / cosh(Z): the derivative of tanh is 1 / cosh(Z)**2, which is 1 - tanh(Z)**2"),
    Mutant("tanh_square_misplaced", "tanh_backward",
           "dZ = dA * (1 - t ** 2)", "dZ = dA * (1 - t) ** 2",
           "dZ uses (1 - tanh(Z))**2: the square belongs to tanh alone, 1 - tanh(Z)**2"),
    # relu_backward
    Mutant("relu_in_place", "relu_backward",
           "dZ = dA * (Z > 0)", "dZ = dA\n    dZ[Z <= 0] = 0",
           "dZ is dA itself with entries set to 0 in place, so the caller's dA changes too: build a new "
           "array, for example dA * (Z > 0)"),
    Mutant("relu_one_at_zero", "relu_backward",
           "dZ = dA * (Z > 0)", "dZ = dA * (Z >= 0)",
           "dZ passes dA where Z == 0: ReLU has no derivative at 0 and this assignment uses 0 there, so "
           "the mask is Z > 0, not Z >= 0"),
    Mutant("relu_mask_without_dA", "relu_backward",
           "dZ = dA * (Z > 0)", "dZ = (Z > 0).astype(float)",
           "dZ is the mask alone: by the chain rule it is multiplied by the upstream gradient, "
           "dZ = dA * (Z > 0)"),
    Mutant("relu_times_Z", "relu_backward",
           "dZ = dA * (Z > 0)", "dZ = dA * Z",
           "dZ multiplies dA by Z: the local gradient of ReLU is 1 where Z > 0 and 0 elsewhere, so "
           "dZ = dA * (Z > 0)"),
    Mutant("relu_times_relu", "relu_backward",
           "dZ = dA * (Z > 0)", "dZ = dA * np.maximum(Z, 0)",
           "dZ multiplies dA by relu(Z): the local gradient is the derivative of relu, 1 where Z > 0 "
           "and 0 elsewhere, not relu itself"),
    Mutant("relu_mask_flipped", "relu_backward",
           "dZ = dA * (Z > 0)", "dZ = dA * (Z < 0)",
           "dZ keeps dA where Z < 0: the gradient passes where the unit is active, Z > 0, and is 0 "
           "where Z < 0"),
    Mutant("relu_applied_to_dA", "relu_backward",
           "dZ = dA * (Z > 0)", "dZ = np.maximum(dA, 0)",
           "dZ applies relu to dA: the mask depends on Z, not on dA; dZ = dA * (Z > 0), negative "
           "entries of dA included"),
    # leaky_relu_backward
    Mutant("leaky_alpha_on_positive_side", "leaky_relu_backward",
           "np.where(Z > 0, dA, alpha * dA)", "np.where(Z > 0, alpha * dA, dA)",
           "alpha multiplies the wrong side: the slope is 1 where Z > 0 and alpha elsewhere, so dZ is "
           "dA where Z > 0 and alpha * dA elsewhere"),
    Mutant("leaky_alpha_ignored", "leaky_relu_backward",
           "np.where(Z > 0, dA, alpha * dA)", "np.where(Z > 0, dA, 0.0)",
           "dZ is 0 where Z <= 0, the gradient of plain ReLU: leaky ReLU keeps the slope alpha there, "
           "so dZ = alpha * dA"),
    Mutant("leaky_alpha_times_Z", "leaky_relu_backward",
           "np.where(Z > 0, dA, alpha * dA)", "np.where(Z > 0, dA, alpha * Z)",
           "dZ is alpha * Z where Z <= 0, the forward value: the gradient there is alpha * dA"),
    Mutant("leaky_one_at_zero", "leaky_relu_backward",
           "np.where(Z > 0, dA, alpha * dA)", "np.where(Z >= 0, dA, alpha * dA)",
           "dZ is dA where Z == 0: this assignment uses the slope alpha at 0, so the condition is "
           "Z > 0, not Z >= 0, and dZ = alpha * dA where Z == 0"),
    Mutant("leaky_alpha_hard_coded", "leaky_relu_backward",
           "np.where(Z > 0, dA, alpha * dA)", "np.where(Z > 0, dA, 0.01 * dA)",
           "dZ uses the slope 0.01 whatever alpha is passed: use the argument alpha (0.01 is only its "
           "default)"),
    Mutant("leaky_missing_dA", "leaky_relu_backward",
           "np.where(Z > 0, dA, alpha * dA)", "np.where(Z > 0, 1.0, alpha)",
           "dZ is the local gradient alone (1 or alpha): by the chain rule it is multiplied by the "
           "upstream gradient dA"),
    # softmax_cross_entropy_backward
    Mutant("softmax_over_rows", "softmax_cross_entropy_backward",
           "exps / np.sum(exps, axis=0, keepdims=True)", "exps / np.sum(exps, axis=1, keepdims=True)",
           "the softmax divides by the sums of the rows (axis=1): each column is one example, so "
           "normalise over the classes of each column, axis=0"),
    Mutant("softmax_over_whole_array", "softmax_cross_entropy_backward",
           "exps / np.sum(exps, axis=0, keepdims=True)", "exps / np.sum(exps)",
           "the softmax divides by the sum of the whole array: each column is one example, so divide "
           "by the sum of its own column, np.sum(exps, axis=0, keepdims=True)"),
    Mutant("softmax_divided_by_m", "softmax_cross_entropy_backward",
           "dZ = probabilities - Y", "dZ = (probabilities - Y) / Z.shape[1]",
           "dZ is divided by m: this function returns each example's gradient, softmax(Z) - Y; the 1/m "
           "of a mean cost enters later, where the gradients of the weights are formed"),
    Mutant("softmax_wrong_sign", "softmax_cross_entropy_backward",
           "dZ = probabilities - Y", "dZ = Y - probabilities",
           "dZ has the wrong sign: the gradient of the cross-entropy with respect to the logits is "
           "softmax(Z) - Y"),
    Mutant("softmax_missing_Y", "softmax_cross_entropy_backward",
           "dZ = probabilities - Y", "dZ = probabilities",
           "dZ is the softmax alone: the gradient of the cross-entropy with respect to the logits is "
           "softmax(Z) - Y"),
    Mutant("softmax_local_gradient_twice", "softmax_cross_entropy_backward",
           "dZ = probabilities - Y", "dZ = (probabilities - Y) * probabilities * (1 - probabilities)",
           "dZ multiplies softmax(Z) - Y by p * (1 - p) once more: softmax(Z) - Y is already the "
           "gradient with respect to the logits, with the softmax's local gradient in it"),
    Mutant("softmax_overflow", "softmax_cross_entropy_backward",
           "shifted = Z - np.max(Z, axis=0, keepdims=True)", "shifted = Z",
           "np.exp of large logits overflows (the sum of a column becomes inf, or a term does): "
           "subtract each column's largest logit, np.max(Z, axis=0, keepdims=True), before np.exp; "
           "the softmax does not change and no exponential exceeds 1"),
    # neuron_step
    Mutant("neuron_update_in_place", "neuron_step",
           "w_new = w - learning_rate * dw", "w_new = w\n    w_new -= learning_rate * dw",
           "w is updated in place (w -= ...), which changes the caller's weights: compute a new array, "
           "w - learning_rate * dw"),
    Mutant("neuron_missing_bias", "neuron_step",
           "z = float(np.dot(w, x) + b)", "z = float(np.dot(w, x))",
           "z lacks the bias: z = w . x + b"),
    Mutant("neuron_loss_for_label_1_only", "neuron_step",
           "L = float(-(y * np.log(a) + (1 - y) * np.log(1 - a)))", "L = float(-np.log(a))",
           "L is -log(a), the loss of the label 1 only: with the label 0 the loss is -log(1 - a); "
           "together L = -(y log(a) + (1 - y) log(1 - a))"),
    Mutant("neuron_loss_squared_error", "neuron_step",
           "L = float(-(y * np.log(a) + (1 - y) * np.log(1 - a)))", "L = float((a - y) ** 2 / 2)",
           "L is the squared error: the neuron's loss is the binary cross-entropy, "
           "L = -(y log(a) + (1 - y) log(1 - a))"),
    Mutant("neuron_squared_error_gradient", "neuron_step",
           "dz = a - y", "dz = (a - y) * a * (1 - a)",
           "dz = (a - y) a (1 - a) is the gradient of the squared error (a - y)**2 / 2: with the "
           "cross-entropy the sigmoid's derivative a (1 - a) cancels and dz = a - y"),
    Mutant("neuron_dw_without_x", "neuron_step",
           "dw = dz * x", "dw = dz",
           "dw is dz alone: each weight's gradient is dz times its input, dw = dz * x, an array of "
           "shape (n,)"),
    Mutant("neuron_update_plus_sign", "neuron_step",
           "w_new = w - learning_rate * dw", "w_new = w + learning_rate * dw",
           "w moves up the gradient: gradient descent subtracts learning_rate * dw"),
    Mutant("neuron_dz_wrong_sign", "neuron_step",
           "dz = a - y", "dz = y - a",
           "dz = y - a has the wrong sign: the derivative of the cross-entropy with respect to z is "
           "a - y"),
    Mutant("neuron_bias_not_updated", "neuron_step",
           "b_new = b - learning_rate * db", "b_new = b",
           "b is returned unchanged: the bias takes a step too, b - learning_rate * db"),
    Mutant("neuron_returns_old_weights", "neuron_step",
           '"w": w_new', '"w": w',
           "the returned w is the weight vector passed in: return the updated one, "
           "w - learning_rate * dw"),
]
