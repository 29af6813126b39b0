"""Assignment a6, the bug hunt: seven buggy backpropagation functions, each beside its fix.

Column convention: ``X`` is ``(n_x, m)``, one example per column.

The fixed functions are the reference that the grader compares submissions of assignment
``a6_bug_hunt`` with. Four of them live elsewhere in ``backprop`` and are imported here
(``sigmoid_backward`` and ``relu_backward`` from ``activation_gradients``, ``L_model_backward``
from ``deep``, ``compute_cost`` from ``two_layer``); the other three are defined below.

The buggy versions are data, not code: each is the source of its fix, renamed, with a few
lines replaced (:data:`BUGS`). So the source that the assignment prints, the function it
defines and the numbers of its faulty lines all come from one place:

* :func:`buggy_source` is the text of a buggy function, its ``def`` line first;
* :func:`buggy_function` is the function that text defines;
* :func:`faulty_lines` gives, for every buggy function, the numbers of the lines that differ
  from its fix, counted from the ``def`` line as line 1.

A bug changes whole lines and never adds or removes one, so the buggy source and its fix have
the same lines but the faulty ones.
"""
import inspect
from dataclasses import dataclass

import numpy as np

from backprop.activation_gradients import relu_backward, sigmoid_backward
from backprop.activations import sigmoid
from backprop.deep import L_model_backward, linear_activation_backward
from backprop.two_layer import compute_cost


def two_layer_backward(X, Y, parameters, cache):
    """Gradients of the mean cross-entropy of a two-layer network: ReLU hidden layer, sigmoid output.

    X -- inputs, shape (n_x, m), one example per column
    Y -- labels 0 or 1, shape (1, m)
    parameters -- dict with "W1" (n_h, n_x), "b1" (n_h, 1), "W2" (1, n_h) and "b2" (1, 1)
    cache -- dict of the forward pass: "Z1" and "A1" (n_h, m), "A2" (1, m)

    Returns a dict with "dW1" (n_h, n_x), "db1" (n_h, 1), "dW2" (1, n_h) and "db2" (1, 1),
    the gradients of the mean cost over the m examples.
    """
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (Z1 > 0)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def train_step(w, b, X, Y, learning_rate):
    """One step of gradient descent for logistic regression, and the cost it starts from.

    The model is A = sigmoid(w.T X + b). It is trained on the mean binary cross-entropy
    J = -(1/m) sum(Y log A + (1 - Y) log(1 - A)), whose gradients are dw = X (A - Y).T / m
    and db = sum(A - Y) / m.

    w -- weights, shape (n_x, 1)
    b -- bias, shape (1, 1)
    X -- inputs, shape (n_x, m), one example per column
    Y -- labels 0 or 1, shape (1, m)
    learning_rate -- float, the step size

    Returns (w, b, cost): the new w (n_x, 1) and b (1, 1) after one step, and the cost J at
    the old w and b as a Python float, the number a training loop prints and plots.
    """
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    dZ = A - Y
    dw = X @ dZ.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    w = w - learning_rate * dw
    b = b - learning_rate * db
    return w, b, cost


def batch_gradients(grads, w, b, X_batch, Y_batch):
    """Backward pass of logistic regression on one mini-batch, written into gradient buffers.

    A training loop keeps one dict of buffers and calls this function once per mini-batch;
    after each call the buffers hold the gradients of that mini-batch alone.

    grads -- dict of buffers "dw" (n_x, 1) and "db" (1, 1), holding what the previous call left
    w -- weights, shape (n_x, 1)
    b -- bias, shape (1, 1)
    X_batch -- inputs, shape (n_x, k), one example per column
    Y_batch -- labels 0 or 1, shape (1, k)

    Returns grads, whose "dw" (n_x, 1) and "db" (1, 1) are now the gradients of the mean
    cross-entropy over the k examples of this mini-batch.
    """
    k = X_batch.shape[1]
    dZ = sigmoid(w.T @ X_batch + b) - Y_batch
    grads["dw"] = X_batch @ dZ.T / k
    grads["db"] = np.sum(dZ, axis=1, keepdims=True) / k
    return grads


@dataclass(frozen=True)
class Bug:
    """A buggy function: the source of ``fixed``, renamed ``name``, with ``replacements`` made.

    ``replacements`` are ``(correct, wrong)`` pairs of text; each ``correct`` occurs once in the
    fixed source and lies within one line.
    """
    name: str
    fixed: object
    replacements: tuple
    title: str


BUGS = (
    Bug("buggy_backward", two_layer_backward,
        (("m = X.shape[1]", "m = X.shape[0]"),
         ("dW2 = (1 / m) * dZ2 @ A1.T", "dW2 = (1 / m) * dZ2 @ A1"),
         ("db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)",
          "db1 = (1 / m) * np.sum(dZ1, axis=0, keepdims=True)")),
        "the two-layer backward pass"),
    Bug("buggy_sigmoid_backward", sigmoid_backward,
        (("return dA * s * (1.0 - s)", "return dA * Z * (1.0 - Z)"),),
        "the sigmoid's local gradient"),
    Bug("buggy_train_step", train_step,
        (("cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)",
          "cost = float(np.sum((A - Y) ** 2) / m)"),),
        "the cost a training step reports"),
    Bug("buggy_relu_backward", relu_backward,
        (("return dA * (Z > 0)", "return dA * np.maximum(Z, 0)"),),
        "the ReLU's local gradient"),
    Bug("buggy_L_model_backward", L_model_backward,
        (('grads["dA%d" % (l - 1)] = dA', 'grads["dA%d" % l] = dA'),),
        "the L-layer backward loop"),
    Bug("buggy_batch_gradients", batch_gradients,
        (('grads["dw"] = X_batch @ dZ.T / k', 'grads["dw"] += X_batch @ dZ.T / k'),
         ('grads["db"] = np.sum(dZ, axis=1, keepdims=True) / k',
          'grads["db"] += np.sum(dZ, axis=1, keepdims=True) / k')),
        "gradients written into buffers"),
    Bug("buggy_compute_cost", compute_cost,
        (("losses = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))",
          "losses = -(Y * np.log(A2) + 1 - Y * np.log(1 - A2))"),),
        "the reported cross-entropy"),
)
"""The seven bugs, in the order of the assignment."""

BY_NAME = {bug.name: bug for bug in BUGS}


def fixed_source(name):
    """The source of the fix of buggy function ``name``, as ``inspect`` reads it from its module."""
    return inspect.getsource(BY_NAME[name].fixed)


def buggy_source(name):
    """The source of buggy function ``name``: its fix renamed, with the bug's replacements made."""
    bug = BY_NAME[name]
    source = fixed_source(name)
    header = "def %s(" % bug.fixed.__name__
    if not source.startswith(header):
        raise ValueError("the fix of %s does not start with %r" % (name, header))
    source = "def %s(" % name + source[len(header):]
    for correct, wrong in bug.replacements:
        if source.count(correct) != 1 or "\n" in correct or "\n" in wrong:
            raise ValueError("%s: %r must occur once in the fix, within one line" % (name, correct))
        source = source.replace(correct, wrong)
    return source


def buggy_function(name):
    """The function that :func:`buggy_source` defines, with the names the fixes use in scope."""
    namespace = {"np": np, "sigmoid": sigmoid, "linear_activation_backward": linear_activation_backward}
    exec(compile(buggy_source(name), "<%s>" % name, "exec"), namespace)
    return namespace[name]


def line_count(name):
    """The number of lines of buggy function ``name`` as printed, the ``def`` line included."""
    return len(buggy_source(name).splitlines())


def faulty_lines():
    """``{buggy function name: [numbers of its faulty lines]}``, counted from the ``def`` line as 1.

    A faulty line is one that differs from the fix (the ``def`` line aside, whose name differs).
    """
    answers = {}
    for bug in BUGS:
        buggy = buggy_source(bug.name).splitlines()
        fixed = fixed_source(bug.name).splitlines()
        answers[bug.name] = [number for number, (wrong, right) in enumerate(zip(buggy, fixed), start=1)
                             if number > 1 and wrong != right]
    return answers
