"""Assignment a6: the bug hunt. Seven buggy functions; the student fixes each, names its faulty
lines and explains the bug (the explanations are graded by hand, in nbgrader).

Secret cases, checks and the catalogue of known wrong versions. The reference is
``backprop.bug_hunt``, which also holds the buggy versions and their faulty lines.

Two rules of this assignment's feedback:

* a diagnosis says where to look, never the fix: no message or diagnosis holds the code of a
  fixed line (``tests/test_a6.py``);
* the faulty lines are judged right or wrong, function by function, and nothing else: every wrong
  answer that is a dict reads the same diagnosis, so a verdict never tells which of the lines
  given are right, nor whether a wrong answer is one the catalogue knows.
"""
import numpy as np

from backprop import bug_hunt as reference
from backprop.activations import sigmoid
from grader.checks import Case, Check, compare, copy_arguments, follow, type_name
from grader.mutants import Mutant

NAME = "a6_bug_hunt"
LAYERS = 3  # every L-layer case has three layers, so that the checks can name the keys


def _distinct_sizes(rng, count, low, high):
    """``count`` different integers in [low, high], so that a transposed product cannot fit."""
    return [int(size) for size in rng.choice(np.arange(low, high + 1), size=count, replace=False)]


def _both_signs(rng, shape):
    """Entries of both signs (at least one of each when there are two or more), none near 0."""
    Z = rng.uniform(0.1, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if Z.size >= 2:
        flat = Z.reshape(-1)
        order = rng.permutation(flat.size)
        flat[order[0]] = abs(flat[order[0]])
        flat[order[1]] = -abs(flat[order[1]])
    return Z


def _labels(rng, batch):
    """0/1 labels of shape (1, batch), both present when batch > 1."""
    Y = (rng.random((1, batch)) < 0.5).astype(float)
    if batch > 1:
        Y[0, rng.permutation(batch)[:2]] = (0.0, 1.0)
    return Y


def _two_layer_case(rng, n_x, n_h, batch):
    """Inputs of two_layer_backward, with a cache of its own (consistent: A1 = relu(Z1), A2 a
    sigmoid output), not the forward pass of the parameters and X: only code that reads the
    cache, as the docstring says, gets the gradients right."""
    X = rng.standard_normal((n_x, batch))
    parameters = {"W1": rng.standard_normal((n_h, n_x)), "b1": rng.standard_normal((n_h, 1)),
                  "W2": rng.standard_normal((1, n_h)), "b2": rng.standard_normal((1, 1))}
    Z1 = _both_signs(rng, (n_h, batch))
    cache = {"Z1": Z1, "A1": np.maximum(Z1, 0.0), "A2": sigmoid(rng.standard_normal((1, batch)))}
    return X, _labels(rng, batch), parameters, cache


def _deep_case(rng, dims, batch):
    """Inputs of L_model_backward: AL, Y and caches ((A_prev, W, b), Z) drawn on their own."""
    caches = []
    for l in range(1, len(dims)):
        A_prev = rng.standard_normal((dims[l - 1], batch))
        if l > 1:
            A_prev = np.maximum(A_prev, 0.0)
        W = rng.standard_normal((dims[l], dims[l - 1]))
        b = rng.standard_normal((dims[l], 1))
        caches.append(((A_prev, W, b), _both_signs(rng, (dims[l], batch))))
    AL = sigmoid(rng.standard_normal((1, batch)))
    return AL, _labels(rng, batch), caches


def _logistic(rng, n_x, batch):
    return (0.5 * rng.standard_normal((n_x, 1)), rng.standard_normal((1, 1)),
            rng.standard_normal((n_x, batch)), _labels(rng, batch))


def make_cases(rng):
    """Secret inputs for every graded function; a batch of one example always among them.

    The sizes differ from one another (n_x, n_h, the layer sizes and the batch size), so that no
    transposed product fits and every bug changes what its function returns. Every array is drawn
    on its own: no case's inputs hold what the reference returns on another case's inputs.
    """
    n_x, n_h, n_2, m = _distinct_sizes(rng, 4, 2, 9)
    cases = []

    def add(function, args, about):
        cases.append(Case("%s/%d" % (function, len(cases)), function, args, about))

    for batch in (m, 1, m + 10):
        examples = "a batch of %d example%s" % (batch, "" if batch == 1 else "s")
        add("two_layer_backward", _two_layer_case(rng, n_x, n_h, batch),
            "%s (n_x=%d, n_h=%d)" % (examples, n_x, n_h))
        add("sigmoid_backward", (rng.standard_normal((n_h, batch)), rng.uniform(-4.0, 4.0, size=(n_h, batch))),
            "%s (%d units)" % (examples, n_h))
        w, b, X, Y = _logistic(rng, n_x, batch)
        add("train_step", (w, b, X, Y, float(rng.uniform(0.05, 2.0))), "%s (n_x=%d)" % (examples, n_x))
        add("relu_backward", (rng.standard_normal((n_h, batch)), _both_signs(rng, (n_h, batch))),
            "%s (%d units)" % (examples, n_h))
        dims = (n_x, n_h, n_2, 1)
        add("L_model_backward", _deep_case(rng, dims, batch),
            "%s, layer_dims %s" % (examples, list(dims)))
        w, b, X, Y = _logistic(rng, n_x, batch)
        buffers = {"dw": rng.standard_normal((n_x, 1)), "db": rng.standard_normal((1, 1))}
        add("batch_gradients", (buffers, w, b, X, Y),
            "a mini-batch of %d example%s (n_x=%d), buffers left full by an earlier call"
            % (batch, "" if batch == 1 else "s", n_x))
        add("compute_cost", (rng.uniform(0.05, 0.95, size=(1, batch)), _labels(rng, batch)), examples)
    add("faulty_lines", (), "faulty_lines()")
    return cases


def judge_parts(parts, then=None):
    """A judge comparing parts of the result with the reference, like a check's ``parts``, except
    that a wrong shape is only named, never explained: the generic shape hints of
    ``grader.checks`` would name the fix of a bug of this assignment (the axis of db1's sum,
    "axis=1", for a db2, a b or a db of shape (1, m) as much as for db1). ``then`` is a judge of
    its own, run when every part is right."""
    def judge(cases, outcomes):
        for case, outcome in zip(cases, outcomes):
            correct = getattr(reference, case.function)(*copy_arguments(case.args))
            for path, label in parts:
                want = follow(correct, path)
                try:
                    got = follow(outcome.value, path)
                except LookupError as error:
                    return "%s on %s: %s" % (case.function, case.about, error)
                if (isinstance(want, np.ndarray) and isinstance(got, np.ndarray) and got.dtype == want.dtype
                        and got.shape != want.shape):
                    return "on %s, %s has shape %s; expected %s" % (case.about, label, got.shape, want.shape)
                problem = compare(want, got, label)
                if problem:
                    return "on %s, %s" % (case.about, problem)
        return then(cases, outcomes) if then is not None else None
    return judge


def judge_part(path, label):
    """:func:`judge_parts` of one part."""
    return judge_parts(((path, label),))


def judge_exact_keys(cases, outcomes):
    """The dict of gradients has exactly the reference's keys (no dA of the output layer)."""
    for case, outcome in zip(cases, outcomes):
        want = set(reference.L_model_backward(*copy_arguments(case.args)))
        extra = sorted(set(outcome.value) - want) if isinstance(outcome.value, dict) else []
        if extra:
            return "on %s, grads has keys that the docstring does not list: %s" % (case.about, ", ".join(extra))
    return None


def judge_faulty_lines(name):
    """Right or wrong, and nothing more, for the faulty lines of buggy function ``name``."""
    count = reference.line_count(name)
    right = set(reference.faulty_lines()[name])

    def judge(cases, outcomes):
        answers = outcomes[0].value
        if not isinstance(answers, dict):
            return "faulty_lines() should return a dict, one entry per buggy function; got %s" % (
                type_name(answers))
        if name not in answers:
            return "faulty_lines() has no entry for %r" % name
        lines = answers[name]
        if not (isinstance(lines, (list, tuple)) and lines and all(type(line) is int for line in lines)):
            return "the entry for %r should be a non-empty list of line numbers (ints)" % name
        if len(set(lines)) != len(lines):
            return "the entry for %r lists a line more than once" % name
        if not all(1 <= line <= count for line in lines):
            return ("the entry for %r holds a number that is not a line of %s, whose lines are "
                    "numbered 1 (the def line) to %d" % (name, name, count))
        if set(lines) != right:
            return "the lines given for %s are not its faulty lines" % name
        return None
    return judge


DZ = (((), "dZ"),)
LAYER_PARTS = tuple(((key,), key) for l in range(1, LAYERS + 1) for key in ("dW%d" % l, "db%d" % l))
INPUT_PARTS = tuple((("dA%d" % l,), "dA%d" % l) for l in range(LAYERS))

CHECKS = [
    Check("dW1", "test_two_layer_backward", "two_layer_backward", 1, judge=judge_part(("dW1",), "dW1")),
    Check("db1", "test_two_layer_backward", "two_layer_backward", 1, judge=judge_part(("db1",), "db1")),
    Check("dW2", "test_two_layer_backward", "two_layer_backward", 1, judge=judge_part(("dW2",), "dW2")),
    Check("db2", "test_two_layer_backward", "two_layer_backward", 1, judge=judge_part(("db2",), "db2")),
    Check("dZ", "test_sigmoid_backward", "sigmoid_backward", 1, judge=judge_parts(DZ)),
    Check("the reported cost", "test_train_step", "train_step", 1, parts=(((2,), "the cost"),)),
    Check("the new w and b", "test_train_step", "train_step", 1,
          judge=judge_parts((((0,), "the new w"), ((1,), "the new b")))),
    Check("dZ", "test_relu_backward", "relu_backward", 1, judge=judge_parts(DZ)),
    Check("dW and db of every layer", "test_L_model_backward", "L_model_backward", 1,
          judge=judge_parts(LAYER_PARTS)),
    Check("dA of every layer's input, under its key", "test_L_model_backward", "L_model_backward", 1,
          judge=judge_parts(INPUT_PARTS, then=judge_exact_keys)),
    Check("dw in the buffers", "test_batch_gradients", "batch_gradients", 1,
          judge=judge_part(("dw",), "grads['dw']")),
    Check("db in the buffers", "test_batch_gradients", "batch_gradients", 1,
          judge=judge_part(("db",), "grads['db']")),
    Check("the cost", "test_compute_cost", "compute_cost", 1, parts=(((), "the cost"),)),
] + [
    Check("the faulty lines of %s" % bug.name, "test_faulty_lines", "faulty_lines", 1,
          judge=judge_faulty_lines(bug.name), unvalidated="the faulty lines are what you have to find")
    for bug in reference.BUGS
]


def _bug_left_in(bug, index):
    """``(old, new)`` of a mutant that leaves one of the bug's faulty lines (``index``) as it was."""
    return reference.BY_NAME[bug].replacements[index]


def _bugs_left_in(bug, indices):
    """``(old, new)`` of a mutant that leaves several faulty lines of the bug as they were: the
    block of the fix from the first of them to the last, with those lines replaced."""
    replacements = [reference.BY_NAME[bug].replacements[index] for index in indices]
    source = reference.fixed_source(bug)
    start = source.index(replacements[0][0])
    end = source.index(replacements[-1][0]) + len(replacements[-1][0])
    block = changed = source[start:end]
    for correct, wrong in replacements:
        changed = changed.replace(correct, wrong)
    return block, changed


WRONG_LINES = ("The lines given for this function are not its faulty lines. Count the lines of the "
               "function as printed, the def line as line 1 (the lines of the docstring count too), "
               "and list every line that must change to fix the function, and no other line.")


def _lines_mutant(id, name, lines):
    right = reference.faulty_lines()[name]
    return Mutant(id, "faulty_lines", '"%s": %r' % (name, right), '"%s": %r' % (name, lines), WRONG_LINES)


def _line_of(name, text):
    """The number of the first line of buggy function ``name`` that holds ``text``."""
    return next(number for number, line in enumerate(reference.buggy_source(name).splitlines(), start=1)
                if text in line)


def _faulty_line_mutants():
    lines = reference.faulty_lines()
    backward = lines["buggy_backward"]
    docstring = reference.buggy_source("buggy_backward").split('"""')[1].count("\n") + 1
    return [
        _lines_mutant("lines_counted_from_0", "buggy_backward", [line - 1 for line in backward]),
        _lines_mutant("lines_counted_from_the_body", "buggy_backward",
                      [line - 1 - docstring for line in backward]),
        _lines_mutant("lines_two_of_three", "buggy_backward", backward[:2]),
        _lines_mutant("lines_with_a_correct_line", "buggy_backward",
                      sorted(backward + [_line_of("buggy_backward", "dZ1 = dA1 * (Z1 > 0)")])),
        _lines_mutant("lines_gradient_instead_of_cost", "buggy_train_step",
                      [_line_of("buggy_train_step", "dZ = A - Y")]),
        _lines_mutant("lines_one_of_two_buffers", "buggy_batch_gradients", lines["buggy_batch_gradients"][:1]),
        _lines_mutant("lines_loop_instead_of_key", "buggy_L_model_backward",
                      [_line_of("buggy_L_model_backward", "for l in range(")]),
        # Last: an empty dict, which the comparison of whole answers finds equal to every dict, so
        # that every wrong answer reads the same diagnosis, catalogued or not.
        Mutant("lines_none_given", "faulty_lines", "return {", "return {}\n    _unused = {", WRONG_LINES),
    ]


MUTANTS = [
    # two_layer_backward (buggy_backward): each bug left in, combinations, and wrong repairs
    Mutant("backward_m_from_rows", "two_layer_backward", *_bug_left_in("buggy_backward", 0),
           "Every gradient is off by one factor: look at how m, the number of examples, is read "
           "from X (one example per column)."),
    Mutant("backward_dW2_left", "two_layer_backward", *_bug_left_in("buggy_backward", 1),
           "The product that makes dW2 multiplies two arrays whose shapes do not fit: compare the "
           "shapes of its factors with the shape dW2 must have, that of W2."),
    Mutant("backward_db1_left", "two_layer_backward", *_bug_left_in("buggy_backward", 2),
           "db1 has the wrong shape: look at the sum that makes it; a bias gradient sums over the "
           "examples, as db2 does."),
    Mutant("backward_m_and_db1_left", "two_layer_backward", *_bugs_left_in("buggy_backward", (0, 2)),
           "Two bugs remain: every gradient is off by one factor (look at how m is read from X) and "
           "db1 has the wrong shape (look at the sum that makes it)."),
    Mutant("backward_dW2_factors_swapped", "two_layer_backward",
           "dW2 = (1 / m) * dZ2 @ A1.T", "dW2 = (1 / m) * A1 @ dZ2.T",
           "dW2 has the shape of W2 transposed: look at the order of the two factors of its product."),
    Mutant("backward_db1_axis_dropped", "two_layer_backward",
           "db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)", "db1 = (1 / m) * np.sum(dZ1, axis=1)",
           "db1 has lost its second axis: a bias gradient is a column, shaped like b1."),
    Mutant("backward_tanh_derivative", "two_layer_backward",
           "dZ1 = dA1 * (Z1 > 0)", "dZ1 = dA1 * (1 - A1 ** 2)",
           "dZ1 now uses the derivative of another activation: this network's hidden layer is ReLU, "
           "and the line that makes dZ1 was right."),
    Mutant("backward_m_from_Y", "two_layer_backward",
           "m = X.shape[1]", "m = Y.shape[0]",
           "Every gradient is m times too large: look at where m, the number of examples, is read."),
    # sigmoid_backward
    Mutant("sigmoid_left", "sigmoid_backward", *_bug_left_in("buggy_sigmoid_backward", 0),
           "dZ uses the derivative written in the wrong variable: the formula a (1 - a) takes the "
           "sigmoid's output; look at which array holds it."),
    Mutant("sigmoid_half_fixed", "sigmoid_backward",
           "return dA * s * (1.0 - s)", "return dA * s * (1.0 - Z)",
           "Only one factor of the derivative was changed: both factors are written in the same array."),
    Mutant("sigmoid_twice", "sigmoid_backward",
           "return dA * s * (1.0 - s)", "return dA * sigmoid(s) * (1.0 - sigmoid(s))",
           "The derivative is taken at the sigmoid of the sigmoid's output: look at which array the "
           "formula is written in."),
    Mutant("sigmoid_missing_dA", "sigmoid_backward",
           "return dA * s * (1.0 - s)", "return s * (1.0 - s)",
           "dZ is the local gradient alone: the chain rule multiplies it by the upstream gradient."),
    Mutant("sigmoid_divided_by_m", "sigmoid_backward",
           "return dA * s * (1.0 - s)", "return dA * s * (1.0 - s) / Z.shape[1]",
           "dZ is divided by the number of examples: each column of dZ is one example's gradient; the "
           "mean's 1/m enters later, in dW and db."),
    # train_step
    Mutant("train_mse_left", "train_step", *_bug_left_in("buggy_train_step", 0),
           "The reported cost is not the cost this step descends: the gradient A - Y belongs to the "
           "cost the docstring names; look at the line that computes the cost."),
    Mutant("train_gradient_made_mse", "train_step",
           "cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)\n    dZ = A - Y",
           "cost = float(np.sum((A - Y) ** 2) / m)\n    dZ = 2 * (A - Y) * A * (1 - A)",
           "The cost and the gradient now agree, but on the wrong cost: the docstring trains this model "
           "on the cross-entropy; the gradient was right, look at the cost."),
    Mutant("train_cost_sign", "train_step",
           "cost = float(-np.sum(", "cost = float(np.sum(",
           "The reported cost has the wrong sign: a cross-entropy is never negative."),
    Mutant("train_cost_logs_swapped", "train_step",
           "Y * np.log(A) + (1 - Y) * np.log(1 - A)", "Y * np.log(1 - A) + (1 - Y) * np.log(A)",
           "The reported cost pairs each label with the wrong logarithm: look at which term an "
           "example with label 1 keeps."),
    Mutant("train_cost_summed", "train_step",
           "* np.log(1 - A)) / m)", "* np.log(1 - A)))",
           "The reported cost is a sum over the examples: the docstring's cost is a mean."),
    Mutant("train_cost_after_step", "train_step",
           "b = b - learning_rate * db\n    return w, b, cost",
           "b = b - learning_rate * db\n    A = sigmoid(w.T @ X + b)\n"
           "    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)\n    return w, b, cost",
           "The reported cost is that of the new w and b: the docstring asks for the cost at the old "
           "ones, before the step."),
    Mutant("train_step_uphill", "train_step",
           "w = w - learning_rate * dw", "w = w + learning_rate * dw",
           "w moves up the gradient: look at the sign of the update; that line was right."),
    # relu_backward
    Mutant("relu_left", "relu_backward", *_bug_left_in("buggy_relu_backward", 0),
           "dZ multiplies dA by the layer's output: ReLU's local gradient is its derivative, which "
           "takes only two values; look at what dA is multiplied by."),
    Mutant("relu_times_Z", "relu_backward",
           "return dA * (Z > 0)", "return dA * Z",
           "dZ multiplies dA by the layer's input: ReLU's local gradient is its derivative, which takes "
           "only two values."),
    Mutant("relu_mask_reversed", "relu_backward",
           "return dA * (Z > 0)", "return dA * (Z < 0)",
           "dZ lets the gradient through where the unit is off and stops it where the unit is on: look "
           "at the direction of the comparison."),
    Mutant("relu_mask_alone", "relu_backward",
           "return dA * (Z > 0)", "return (Z > 0) * 1.0",
           "dZ is the local gradient alone: the chain rule multiplies it by the upstream gradient."),
    Mutant("relu_mask_of_dA", "relu_backward",
           "return dA * (Z > 0)", "return np.maximum(dA, 0)",
           "dZ keeps the positive entries of dA: whether the gradient passes depends on the unit's "
           "input, not on the sign of the gradient."),
    Mutant("relu_divided_by_m", "relu_backward",
           "return dA * (Z > 0)", "return dA * (Z > 0) / Z.shape[1]",
           "dZ is divided by the number of examples: each column of dZ is one example's gradient; the "
           "mean's 1/m enters later, in dW and db."),
    # L_model_backward
    Mutant("deep_key_left", "L_model_backward", *_bug_left_in("buggy_L_model_backward", 0),
           "The gradients of the layers' inputs are stored under the wrong keys, and the gradient with "
           "respect to X is missing: look at the key under which layer l stores the dA it returns, "
           "and at which array is the input of layer l."),
    Mutant("deep_key_up_by_one", "L_model_backward",
           'grads["dA%d" % (l - 1)] = dA', 'grads["dA%d" % (l + 1)] = dA',
           "The gradients of the layers' inputs are stored under keys two layers too high: look at "
           "which array is the input of layer l."),
    Mutant("deep_activations_swapped", "L_model_backward",
           'activation = "sigmoid" if l == L else "relu"', 'activation = "relu" if l == L else "sigmoid"',
           "The layers go back through the wrong activations: look at which layer is the sigmoid one; "
           "that line was right."),
    Mutant("deep_dAL_sign", "L_model_backward",
           "dA = -(Y / AL - (1 - Y) / (1 - AL))", "dA = Y / AL - (1 - Y) / (1 - AL)",
           "Every gradient has the wrong sign: look at the derivative of the cost that starts the "
           "loop; that line was right."),
    Mutant("deep_cache_index", "L_model_backward",
           "caches[l - 1], activation)", "caches[l], activation)",
           "The loop reads a cache that does not exist: look at which list entry holds layer l's "
           "cache; that line was right."),
    Mutant("deep_dAL_stored", "L_model_backward",
           "dA = -(Y / AL - (1 - Y) / (1 - AL))",
           'dA = -(Y / AL - (1 - Y) / (1 - AL))\n    grads["dA%d" % L] = dA',
           "grads holds a key that the docstring rules out: the gradient with respect to the output AL "
           "is where the loop starts, not one of the gradients it returns."),
    Mutant("deep_output_layer_skipped", "L_model_backward",
           "for l in range(L, 0, -1):", "for l in range(L - 1, 0, -1):",
           "The loop skips a layer: look at the values l takes; that line was right."),
    # batch_gradients
    Mutant("buffers_left", "batch_gradients", *_bugs_left_in("buggy_batch_gradients", (0, 1)),
           "The buffers still add this mini-batch's gradients to what the previous call left in them: "
           "look at how dw and db are written into grads."),
    Mutant("buffers_db_left", "batch_gradients", *_bug_left_in("buggy_batch_gradients", 1),
           "grads['db'] still keeps what the previous call left in its buffer: look at how db is "
           "written into grads, and compare with dw."),
    Mutant("buffers_dw_left", "batch_gradients", *_bug_left_in("buggy_batch_gradients", 0),
           "grads['dw'] still keeps what the previous call left in its buffer: look at how dw is "
           "written into grads, and compare with db."),
    Mutant("buffers_dw_summed", "batch_gradients",
           'grads["dw"] = X_batch @ dZ.T / k', 'grads["dw"] = X_batch @ dZ.T',
           "dw is k times too large: it is the gradient of the mean over the mini-batch."),
    Mutant("buffers_dw_transposed", "batch_gradients",
           'grads["dw"] = X_batch @ dZ.T / k', 'grads["dw"] = dZ @ X_batch.T / k',
           "dw has the shape of w transposed: look at the order of the two factors of its product."),
    Mutant("buffers_k_from_rows", "batch_gradients",
           "k = X_batch.shape[1]", "k = X_batch.shape[0]",
           "Both gradients are off by one factor: look at how k, the number of examples, is read from "
           "X_batch; that line was right."),
    # compute_cost
    Mutant("cost_precedence_left", "compute_cost", *_bug_left_in("buggy_compute_cost", 0),
           "The cost is not the cross-entropy: look at which terms the factor (1 - y) multiplies; "
           "multiplication binds tighter than the + and - around it."),
    Mutant("cost_grouping_misplaced", "compute_cost",
           "(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))", "((Y * np.log(A2) + 1 - Y) * np.log(1 - A2))",
           "The grouping is wrong: the whole sum is multiplied by one logarithm; each logarithm has "
           "its own factor."),
    Mutant("cost_logs_swapped", "compute_cost",
           "Y * np.log(A2) + (1 - Y) * np.log(1 - A2)", "Y * np.log(1 - A2) + (1 - Y) * np.log(A2)",
           "The cost pairs each label with the wrong logarithm: look at which term an example with "
           "label 1 keeps."),
    Mutant("cost_sign", "compute_cost",
           "losses = -(Y", "losses = (Y",
           "The cost has the wrong sign: a cross-entropy is never negative."),
    Mutant("cost_summed", "compute_cost",
           "return float(np.sum(losses) / m)", "return float(np.sum(losses))",
           "The cost is a sum over the examples: it is a mean."),
    Mutant("cost_log10", "compute_cost",
           "Y * np.log(A2) + (1 - Y) * np.log(1 - A2)", "Y * np.log10(A2) + (1 - Y) * np.log10(1 - A2)",
           "The cost uses another logarithm than the one whose derivative gives the gradient A - Y: "
           "look at the base."),
] + _faulty_line_mutants()
