"""Assignment a5: gradient checking (two-sided differences, the relative error, the check of an
L-layer network that names the parameter whose gradient is worst).

Secret cases, checks and the catalogue of known wrong versions. The reference is
``backprop.gradient_check``, on the L-layer network of ``backprop.deep``.

``numerical_gradient`` receives a function: a :class:`grader.harness.ScalarFunction` (a polynomial
of theta with secret coefficients), which the sandbox rebuilds from plain data. Its steps epsilon
are large (0.05 to 0.2), so that its cubic terms make the two-sided difference differ from the
exact derivative, and from a one-sided difference, far beyond the tolerance of the comparison:
code that reads the coefficients and differentiates them exactly loses the points.

``gradient_check`` at its default epsilon 1e-7 returns, for correct gradients, an error that is
rounding and differs from one correct program to another. Where it is reproducible it is compared
with the reference: with a given epsilon between 0.01 and 0.05 (the error of the differences
themselves), and wherever one parameter's gradient is wrong (then the error is large). At the
default epsilon, correct gradients need only an error below ``ROUNDING_BOUND``.
"""
import math

import numpy as np

from backprop import deep
from backprop import gradient_check as reference
from grader.checks import Case, Check, type_name
from grader.harness import ScalarFunction
from grader.mutants import Mutant

NAME = "a5_gradient_checking"
DEFAULT_EPSILON = 1e-7
ROUNDING_BOUND = 1e-5      # correct gradients at the default epsilon: rounding stays below this
DEFAULT_RTOL = 1e-4        # a wrong gradient's error at the default epsilon, compared with the reference
MIN_GRADIENT_NORM = 0.02   # every gradient of a network case is at least this large (rounding is relative to it)
MIN_PLANTED_ERROR = 0.1    # the planted wrong gradient's relative error is at least this
NUMERICAL_ROUNDS = 6        # numerical_gradient cases: this many of each shape (vector, column, two matrices)
BUG_KINDS = ("one entry changed", "scaled", "sign", "transposed values", "zero")


def _distinct_sizes(rng, count, low, high):
    """``count`` different integers in [low, high], so that a transposed array cannot fit."""
    return [int(size) for size in rng.choice(np.arange(low, high + 1), size=count, replace=False)]


def _polynomial(rng, shape):
    """A ScalarFunction of theta of ``shape``: every cubic coefficient at least 0.5 in magnitude,
    and a coupling of the entries, so that moving one entry changes the slope along the others."""
    size = math.prod(shape)
    cubic = rng.uniform(0.5, 2.0, size) * rng.choice([-1.0, 1.0], size)
    return ScalarFunction(shape, cubic, rng.standard_normal(size), rng.standard_normal(size),
                          rng.standard_normal((size, size)) / np.sqrt(size), float(rng.standard_normal()))


def _errors(parameters, grads, X, Y, epsilon):
    """The reference's relative error of every parameter, in the order W1, b1, ..., WL, bL."""
    errors = {}
    for name in parameters:
        def cost_of(theta, name=name):
            return deep.compute_cost(deep.L_model_forward(X, {**parameters, name: theta})[0], Y)
        errors[name] = reference.relative_error(
            grads["d" + name], reference.numerical_gradient(cost_of, parameters[name], epsilon))
    return errors


def _network(rng, L, m):
    """Parameters, X, Y and the exact gradients (dA keys too) of an L-layer network; None when a
    hidden pre-activation lies near a kink of ReLU, the output saturates (|Z| > 20 would bring AL
    within rounding of 0 or 1) or a gradient is too small to check."""
    dims = _distinct_sizes(rng, L, 2, 7) + [1]
    parameters = {}
    for layer in range(1, L + 1):
        parameters["W%d" % layer] = rng.standard_normal((dims[layer], dims[layer - 1])) * np.sqrt(2.0 / dims[layer - 1])
        parameters["b%d" % layer] = 0.5 * rng.standard_normal((dims[layer], 1))
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    AL, caches = deep.L_model_forward(X, parameters)
    if any(np.min(np.abs(cache[1])) < 1e-3 for cache in caches[:-1]) or np.max(np.abs(caches[-1][1])) > 20:
        return None
    grads = deep.L_model_backward(AL, Y, caches)
    if min(np.linalg.norm(grads["d" + name]) for name in parameters) < MIN_GRADIENT_NORM:
        return None
    return dims, parameters, X, Y, grads


def _plant(rng, grads, name, kind):
    """``grads`` with the gradient of ``name`` made wrong in the way ``kind`` says."""
    wrong = dict(grads)
    gradient = grads["d" + name].copy()
    if kind == "one entry changed":
        index = tuple(int(rng.integers(0, size)) for size in gradient.shape)
        gradient[index] += rng.choice([-1.0, 1.0]) * (np.linalg.norm(gradient) + 0.1)
    elif kind == "scaled":
        gradient *= rng.choice([2.0, 0.5, 3.0])
    elif kind == "sign":
        gradient = -gradient
    elif kind == "transposed values":
        gradient = np.ascontiguousarray(gradient.T).reshape(gradient.shape)
    else:
        gradient = np.zeros_like(gradient)
    wrong["d" + name] = gradient
    return wrong


def _network_case(rng, L, m, epsilon, wrong, target=None):
    """The arguments of one gradient_check case and its description, drawn until the reference's
    answer is reproducible: a planted wrong gradient stands out, the largest error stands apart
    from the second, and correct gradients at the default epsilon show rounding only."""
    while True:
        drawn = _network(rng, L, m)
        if drawn is None:
            continue
        dims, parameters, X, Y, grads = drawn
        if wrong:
            name = target or str(rng.choice(list(parameters)))
            kinds = [kind for kind in BUG_KINDS if kind != "transposed values" or min(parameters[name].shape) > 1]
            grads = _plant(rng, grads, name, kinds[int(rng.integers(0, len(kinds)))])
        errors = sorted(_errors(parameters, grads, X, Y, epsilon or DEFAULT_EPSILON).items(),
                        key=lambda item: -item[1])
        (worst_name, worst), (_, second) = errors[0], errors[1]
        if wrong and (worst_name != name or worst < MIN_PLANTED_ERROR or second > 1e-3 * worst):
            continue
        if not wrong and epsilon is None and worst > ROUNDING_BOUND / 20:
            continue
        if not wrong and epsilon is not None and second > (1 - 1e-3) * worst:
            continue
        break
    args = (parameters, grads, X, Y) + (() if epsilon is None else (epsilon,))
    about = "a network with layer sizes %s and a batch of %d example%s, %s, %s" % (
        dims, m, "" if m == 1 else "s",
        "epsilon 1e-7 (by default)" if epsilon is None else "an epsilon between 0.01 and 0.05",
        "the gradient of one parameter wrong" if wrong else "all gradients correct")
    return args, about


def make_cases(rng):
    """Secret inputs for every graded function; a batch of one example always among them.

    Every case draws its own arrays (its own network), so no case's inputs hold what the
    reference returns on another case's inputs, nor tell which of its gradients is wrong.
    """
    cases = []

    def add(function, args, about):
        cases.append(Case("%s/%d" % (function, len(cases)), function, args, about))

    for _ in range(NUMERICAL_ROUNDS):
        rows, columns, length, column = _distinct_sizes(rng, 4, 2, 6)
        for shape in ((length,), (column, 1), (rows, columns), (columns + 1, rows)):
            epsilon = float(rng.uniform(0.05, 0.2))
            add("numerical_gradient", (_polynomial(rng, shape), rng.standard_normal(shape), epsilon),
                "a polynomial of theta of shape %s with a step epsilon between 0.05 and 0.2" % (shape,))

    for shape, scale in (((rows, 1), 1e-3), ((rows, columns), 0.5), ((length,), 2.0), ((columns, rows), 1e-2)):
        a = rng.standard_normal(shape)
        b = rng.standard_normal(shape) if scale == 2.0 else a + scale * rng.standard_normal(shape)
        add("relative_error", (a, b), "two arrays of shape %s" % (shape,))
    zero = np.zeros((columns, 1))
    for a, b, about in ((zero, zero.copy(), "two zero arrays of shape (%d, 1)" % columns),
                        (zero, rng.standard_normal((columns, 1)), "a zero array a and a nonzero b"),
                        (rng.standard_normal((rows, columns)), np.zeros((rows, columns)),
                         "a nonzero array a and a zero b")):
        add("relative_error", (a, b), about)

    m_sizes = [int(size) for size in rng.choice(np.arange(8, 13), size=4, replace=False)]

    def given():
        """An epsilon between 0.01 and 0.05, uniform on a log scale."""
        return float(np.exp(rng.uniform(np.log(0.01), np.log(0.05))))
    for L, m, target in ((2, m_sizes[0], "b%d" % int(rng.integers(1, 3))), (3, 1, "W1"),
                         (4, m_sizes[1], "W4"), (3, m_sizes[2], None)):
        add("gradient_check", *_network_case(rng, L, m, given(), True, target))
    for L, m in ((3, m_sizes[3]), (2, 1)):
        add("gradient_check", *_network_case(rng, L, m, given(), False))
    for L, m, target in ((3, m_sizes[0], None), (2, 1, "b2"), (4, m_sizes[1], None)):
        add("gradient_check", *_network_case(rng, L, m, None, True, target))
    for L, m in ((3, m_sizes[2]), (2, 1)):
        add("gradient_check", *_network_case(rng, L, m, None, False))
    return cases


def _is_matrix(case):
    return case.args[1].ndim == 2 and min(case.args[1].shape) > 1


def _has_a_zero(case):
    return not (np.any(case.args[0]) and np.any(case.args[1]))


def _epsilon_given(case):
    return len(case.args) == 5


def _wrong(case):
    return case.about.endswith("one parameter wrong")


def _pair(outcome, about):
    """``(error, name)`` of one call of gradient_check, or raise LookupError with the message."""
    if not outcome.returned:
        line = " (%s)" % outcome.line if outcome.line else ""
        raise LookupError("gradient_check on %s raised %s%s" % (about, outcome.error, line))
    value = outcome.value
    if not (isinstance(value, tuple) and len(value) == 2):
        raise LookupError("gradient_check should return a tuple (worst_relative_error, parameter_name); "
                          "on %s it returned %s" % (about, type_name(value)))
    error, name = value
    if type(error) not in (float, np.float64):
        raise LookupError("the worst relative error should be a float; on %s it is %s" % (about, type_name(error)))
    if type(name) is not str:
        raise LookupError("the parameter's name should be a str such as 'W1'; on %s it is %s"
                          % (about, type_name(name)))
    if not math.isfinite(error):
        raise LookupError("the worst relative error is not a finite number on %s" % about)
    return float(error), name


def judge_default_epsilon(cases, outcomes):
    """At the default epsilon 1e-7: a wrong gradient is named and its error agrees with the
    reference's to ``DEFAULT_RTOL``; correct gradients give an error below ``ROUNDING_BOUND`` and
    the name of one of the network's parameters (which one is rounding)."""
    for case, outcome in zip(cases, outcomes):
        try:
            error, name = _pair(outcome, case.about)
        except LookupError as problem:
            return str(problem)
        parameters = case.args[0]
        if name not in parameters:
            return ("on %s, gradient_check returned a name that is none of the network's parameters: "
                    "return a parameter's name, such as 'W1' or 'b2'" % case.about)
        if _wrong(case):
            want_error, want_name = reference.gradient_check(*case.args)
            if name != want_name:
                return "on %s, gradient_check named another parameter than the one whose gradient is wrong" % case.about
            if not math.isclose(error, want_error, rel_tol=DEFAULT_RTOL):
                return "on %s, the parameter is right but the worst relative error is not the correct value" % case.about
        elif error >= ROUNDING_BOUND:
            return ("on %s, the worst relative error is not below %g: correct gradients differ from "
                    "two-sided differences with epsilon 1e-7 by rounding only" % (case.about, ROUNDING_BOUND))
    return None


CHECKS = [
    Check("a vector theta", "test_numerical_gradient", "numerical_gradient", 1,
          parts=(((), "the numerical gradient"),), applies_to=lambda case: not _is_matrix(case),
          unchanged=((1, "theta"),)),
    Check("a matrix theta, every entry", "test_numerical_gradient", "numerical_gradient", 1,
          parts=(((), "the numerical gradient"),), applies_to=_is_matrix),
    Check("two arrays", "test_relative_error", "relative_error", 1,
          parts=(((), "the relative error"),), applies_to=lambda case: not _has_a_zero(case)),
    Check("zero arrays: 0.0 when both are zero, 1.0 when one is", "test_relative_error", "relative_error", 1,
          parts=(((), "the relative error"),), applies_to=_has_a_zero),
    Check("one wrong gradient named, with its error (epsilon given)", "test_gradient_check", "gradient_check", 2,
          parts=(((1,), "the parameter's name"), ((0,), "the worst relative error")),
          applies_to=lambda case: _epsilon_given(case) and _wrong(case), unchanged=((0, "parameters"), (1, "grads"))),
    Check("correct gradients: the error of the differences themselves (epsilon given)", "test_gradient_check",
          "gradient_check", 1, parts=(((1,), "the parameter's name"), ((0,), "the worst relative error")),
          applies_to=lambda case: _epsilon_given(case) and not _wrong(case)),
    Check("default epsilon 1e-7: a wrong gradient named, correct ones below 1e-5", "test_gradient_check",
          "gradient_check", 2, judge=judge_default_epsilon, applies_to=lambda case: not _epsilon_given(case)),
]

MUTANTS = [
    Mutant("numerical_one_sided", "numerical_gradient",
           "gradient[index] = (f_plus - f_minus) / (2 * epsilon)", "gradient[index] = (f_plus - f(theta)) / epsilon",
           "this is the one-sided difference (f(theta + eps) - f(theta)) / eps, whose error is of the order of "
           "epsilon: take the two-sided difference (f(theta + eps) - f(theta - eps)) / (2 eps), whose error is of "
           "the order of epsilon squared"),
    Mutant("numerical_not_doubled", "numerical_gradient",
           "(f_plus - f_minus) / (2 * epsilon)", "(f_plus - f_minus) / epsilon",
           "the difference is divided by epsilon: the two points are 2 epsilon apart, so divide by 2 * epsilon "
           "(the result is twice too large)"),
    Mutant("numerical_precedence", "numerical_gradient",
           "(f_plus - f_minus) / (2 * epsilon)", "(f_plus - f_minus) / 2 * epsilon",
           "/ 2 * epsilon multiplies by epsilon: Python reads it as ((f_plus - f_minus) / 2) * epsilon; "
           "write / (2 * epsilon)"),
    Mutant("numerical_not_undone", "numerical_gradient",
           "        theta[index] = saved\n", "",
           "the entry is not put back after its two evaluations: it stays at theta - epsilon, and every later "
           "entry is differenced at a shifted point; restore theta[index] before moving on"),
    Mutant("numerical_all_entries_at_once", "numerical_gradient",
           "theta[index] = saved + epsilon\n        f_plus = f(theta)\n        theta[index] = saved - epsilon\n"
           "        f_minus = f(theta)",
           "f_plus = f(theta + epsilon)\n        f_minus = f(theta - epsilon)",
           "theta + epsilon moves every entry at once, so every entry gets the same number, the slope along all "
           "entries together; move one entry at a time (entry k by epsilon, the others left where they are)"),
    Mutant("numerical_rows_only", "numerical_gradient",
           "for index in np.ndindex(theta.shape):", "for index in range(theta.shape[0]):",
           "the loop runs over the rows of theta, range(theta.shape[0]): for a matrix theta[index] is a whole "
           "row; loop over every entry, for index in np.ndindex(theta.shape)"),
    Mutant("relative_absolute", "relative_error",
           "return float(np.linalg.norm(a - b) / (norm_a + norm_b))", "return float(np.linalg.norm(a - b))",
           "this is the absolute error ||a - b||, which grows with the size of the gradients: divide it by "
           "||a|| + ||b||"),
    Mutant("relative_norm_of_sum", "relative_error",
           "np.linalg.norm(a - b) / (norm_a + norm_b)", "np.linalg.norm(a - b) / np.linalg.norm(a + b)",
           "the denominator is the norm of the sum, ||a + b||: it is the sum of the norms, ||a|| + ||b||, which "
           "is 0 only when both are zero"),
    Mutant("relative_nan_for_zeros", "relative_error",
           "    if norm_a + norm_b == 0:\n        return 0.0\n", "",
           "two zero arrays give 0 / 0 = nan: when both are zero, return 0.0 (they agree)"),
    Mutant("relative_zero_when_one_is_zero", "relative_error",
           "if norm_a + norm_b == 0:", "if norm_a == 0 or norm_b == 0:",
           "0.0 is returned when only one of the arrays is zero: that is right only when both are; a zero "
           "array and a nonzero one disagree completely, and the formula gives 1.0"),
    Mutant("relative_to_a_only", "relative_error",
           "np.linalg.norm(a - b) / (norm_a + norm_b)", "np.linalg.norm(a - b) / norm_a",
           "the error is divided by ||a|| alone: divide by ||a|| + ||b||, so that the error is symmetric, "
           "at most 1, and finite when a is zero"),
    Mutant("relative_max_entry", "relative_error",
           "np.linalg.norm(a - b) / (norm_a + norm_b)", "np.max(np.abs(a - b)) / (norm_a + norm_b)",
           "the numerator is the largest entry of |a - b|: use the Euclidean norm of the whole difference, "
           "np.linalg.norm(a - b)"),
    Mutant("check_weights_only", "gradient_check",
           'for kind in ("W", "b")', 'for kind in ("W",)',
           "only the weights are checked: the biases b1, ..., bL have gradients too, and a wrong db must be found"),
    Mutant("check_gradient_key_returned", "gradient_check",
           "worst_error, worst_name = error, name", 'worst_error, worst_name = error, "d" + name',
           "the name returned is the gradient's key, such as 'dW2': return the parameter's name, 'W2'"),
    Mutant("check_last_not_worst", "gradient_check",
           "if error > worst_error:\n            worst_error, worst_name = error, name",
           "worst_error, worst_name = error, name",
           "the error and name returned are those of the last parameter checked, bL: keep the largest error "
           "over all parameters and the name that goes with it"),
    Mutant("check_ignores_epsilon", "gradient_check",
           "numerical_gradient(cost_of, parameters[name], epsilon)", "numerical_gradient(cost_of, parameters[name], 1e-7)",
           "the step is always 1e-7, whatever epsilon is passed: pass the argument epsilon on to numerical_gradient"),
    Mutant("check_L_is_len", "gradient_check",
           "L = len(parameters) // 2", "L = len(parameters)",
           "L is len(parameters): parameters holds two entries per layer (W and b), so L = len(parameters) // 2"),
    Mutant("check_absolute_error", "gradient_check",
           'error = relative_error(grads["d" + name], numerical)', 'error = np.linalg.norm(grads["d" + name] - numerical)',
           "the gradients are compared by the norm of their difference, which depends on their size: compare "
           "them with relative_error"),
    Mutant("check_names_from_grads", "gradient_check",
           'names = [kind + str(layer) for layer in range(1, L + 1) for kind in ("W", "b")]',
           "names = [key[1:] for key in grads]",
           "the names come from the keys of grads, which also holds dA0, dA1, ... (the gradients with respect to "
           "the activations): take the names of the parameters, W1, b1, ..., WL, bL"),
    Mutant("check_wrong_grads_key", "gradient_check",
           'relative_error(grads["d" + name], numerical)', "relative_error(grads[name], numerical)",
           "grads[name] looks the gradient up under the parameter's own name: the gradient of W1 is grads['dW1'], "
           "the key 'd' + name"),
]
