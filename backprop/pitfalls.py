"""Pitfalls of training, measured: vanishing and exploding gradients, dead ReLUs, overflow in the
loss, and training loops that misuse correct gradients.

Column convention: ``X`` is ``(n_x, m)``, one example per column; ``Y`` is ``(1, m)`` of 0.0 and
1.0. ``layer_dims = [n_0, n_1, ..., n_L]`` as in :mod:`backprop.deep`, whose layer functions this
module reuses (``linear_forward``, ``linear_backward``, ``relu``, ``compute_cost``,
``update_parameters``). What it adds:

- a choice of hidden activation, ``"sigmoid"``, ``"tanh"``, ``"relu"`` or ``"leaky_relu"`` (the
  local gradients come from :mod:`backprop.activation_gradients`), with a sigmoid output unit and
  the binary cross-entropy computed from the output logit ``Z[L]``;
- a choice of initialisation, ``"xavier"`` (Glorot), ``"he"`` or a plain standard deviation;
- measurements: per-layer gradient norms and the units of a ReLU layer that are off on every
  example;
- the log-sum-exp, the softplus and the cross-entropy from logits, each in a naive and a stable
  version;
- a training loop with a gradient buffer (zeroed before each backward pass, or not) and two
  update rules, gradient descent and momentum.

Caches and gradients have the layout of :mod:`backprop.deep`: ``caches[l - 1] = ((A_prev, W, b),
Z)`` for layer ``l``, and ``grads`` holds ``"dW{l}"``, ``"db{l}"`` and ``"dA{l-1}"``; here it also
holds ``"dZ{l}"``, the gradient with respect to the pre-activation of layer ``l`` (column ``i``:
example ``i``'s own loss).
"""
import numpy as np

from backprop.activation_gradients import (leaky_relu_backward, relu_backward, sigmoid_backward,
                                           tanh_backward)
from backprop.activations import sigmoid
from backprop.deep import compute_cost, linear_backward, linear_forward, relu, update_parameters

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
"""The hidden activations that :func:`model_forward` and :func:`model_backward` accept."""
LEAKY_SLOPE = 0.01
"""The slope of leaky ReLU for negative inputs (the default of ``leaky_relu_backward``)."""


def initialize_parameters(layer_dims, init="he", seed=0, hidden_bias=0.0):
    """Random weights of a chosen scale for ``layer_dims = [n_0, n_1, ..., n_L]``.

    One generator ``rng = np.random.default_rng(seed)`` draws, for ``l = 1 .. L`` in order,
    ``W{l} = rng.standard_normal((n_l, n_{l-1})) * std_l`` with

    - ``init="xavier"`` (Glorot): ``std_l = sqrt(2 / (n_{l-1} + n_l))``,
    - ``init="he"``: ``std_l = sqrt(2 / n_{l-1})``,
    - ``init`` a number ``s``: ``std_l = s`` in every layer.

    The biases of the hidden layers ``1 .. L-1`` are all ``hidden_bias``, that of the output layer
    0. With ``init="he"`` and ``hidden_bias=0`` the result equals
    ``backprop.deep.initialize_parameters_deep(layer_dims, seed)``. Returns ``{"W1": (n_1, n_0),
    "b1": (n_1, 1), ..., "WL": (n_L, n_{L-1}), "bL": (n_L, 1)}``, float64.
    """
    rng = np.random.default_rng(seed)
    L = len(layer_dims) - 1
    parameters = {}
    for l in range(1, L + 1):
        n_prev, n = layer_dims[l - 1], layer_dims[l]
        if init == "xavier":
            std = np.sqrt(2.0 / (n_prev + n))
        elif init == "he":
            std = np.sqrt(2.0 / n_prev)
        elif isinstance(init, (int, float)) and not isinstance(init, bool) and init > 0:
            std = float(init)
        else:
            raise ValueError("init must be 'xavier', 'he' or a positive number, not %r" % (init,))
        parameters["W%d" % l] = rng.standard_normal((n, n_prev)) * std
        parameters["b%d" % l] = np.full((n, 1), hidden_bias if l < L else 0.0)
    return parameters


def sigmoid_stable(Z):
    """The logistic function computed from ``exp(-|Z|)``, which never overflows; any shape.

    Equal to ``backprop.activations.sigmoid`` (to rounding), which computes ``exp(-Z)`` and
    overflows, with a warning, for ``Z < -709``.
    """
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def hidden_activation(Z, activation):
    """``g(Z)`` for a hidden activation of :data:`HIDDEN_ACTIVATIONS`; Z (n, m) -> (n, m)."""
    if activation == "sigmoid":
        return sigmoid(Z)
    if activation == "tanh":
        return np.tanh(Z)
    if activation == "relu":
        return relu(Z)
    if activation == "leaky_relu":
        return np.where(Z > 0, Z, LEAKY_SLOPE * Z)
    raise ValueError("activation must be one of %s, not %r" % (HIDDEN_ACTIVATIONS, activation))


def hidden_backward(dA, Z, activation):
    """``dZ = dA * g'(Z)`` with the local gradients of :mod:`backprop.activation_gradients`.

    dA, Z: (n, m). Returns dZ (n, m). ReLU and leaky ReLU take the slope for ``Z > 0`` only.
    """
    backward = {"sigmoid": sigmoid_backward, "tanh": tanh_backward, "relu": relu_backward,
                "leaky_relu": lambda dA, Z: leaky_relu_backward(dA, Z, LEAKY_SLOPE)}
    if activation not in backward:
        raise ValueError("activation must be one of %s, not %r" % (HIDDEN_ACTIVATIONS, activation))
    return backward[activation](dA, Z)


def model_forward(X, parameters, hidden="relu"):
    """Forward pass: layers ``1 .. L-1`` with the activation ``hidden``, layer ``L`` the sigmoid.

    X: (n_0, m); parameters: ``"W1", "b1", ..., "WL", "bL"``. Returns ``AL`` (n_L, m) and the list
    of the L caches ``((A_prev, W, b), Z)`` in layer order, as ``backprop.deep.L_model_forward``
    (for ``hidden="relu"`` the same values); the logits ``Z[L]`` are ``caches[-1][1]``.
    """
    L = len(parameters) // 2
    A = X
    caches = []
    for l in range(1, L + 1):
        Z, linear_cache = linear_forward(A, parameters["W%d" % l], parameters["b%d" % l])
        A = hidden_activation(Z, hidden) if l < L else sigmoid_stable(Z)
        caches.append((linear_cache, Z))
    return A, caches


def model_backward(Y, caches, hidden="relu"):
    """Gradients of the mean cross-entropy of :func:`model_forward`, from the logits down.

    Y: (1, m); caches: those of ``model_forward``. Starts from ``dZ[L] = sigmoid(Z[L]) - Y``
    (:func:`bce_from_logits_backward`), then for ``l = L .. 1``: ``linear_backward`` gives
    ``dW{l}`` (n_l, n_{l-1}), ``db{l}`` (n_l, 1) and ``dA{l-1}`` (n_{l-1}, m), and below the
    output layer ``dZ{l} = dA{l} * g'(Z{l})`` (:func:`hidden_backward`). Returns a dict with
    ``"dW{l}"``, ``"db{l}"``, ``"dZ{l}"`` (n_l, m) for ``l = 1 .. L`` and ``"dA{l-1}"`` as in
    ``backprop.deep.L_model_backward``.
    """
    L = len(caches)
    grads = {"dZ%d" % L: bce_from_logits_backward(caches[-1][1], Y)}
    for l in range(L, 0, -1):
        linear_cache, Z = caches[l - 1]
        if l < L:
            grads["dZ%d" % l] = hidden_backward(grads["dA%d" % l], Z, hidden)
        grads["dA%d" % (l - 1)], grads["dW%d" % l], grads["db%d" % l] = linear_backward(
            grads["dZ%d" % l], linear_cache)
    return grads


def model_cost(X, Y, parameters, hidden="relu"):
    """The mean cross-entropy of the network on ``X`` (n_0, m), ``Y`` (1, m), from its logits.

    A Python float, :func:`bce_from_logits` of ``Z[L]``; for finite-difference checks.
    """
    _, caches = model_forward(X, parameters, hidden)
    return bce_from_logits(caches[-1][1], Y)


def layer_gradient_norms(grads, kind="dW"):
    """``[||grads[kind + "1"]||, ..., ||grads[kind + "L"]||]`` (Frobenius norms), an (L,) array.

    ``kind`` is ``"dW"``, ``"db"`` or ``"dZ"``; ``L`` is the number of layers found in ``grads``.
    """
    L = sum(1 for name in grads if name.startswith("dW"))
    return np.array([np.linalg.norm(grads["%s%d" % (kind, l)]) for l in range(1, L + 1)])


def dead_units(caches):
    """For each hidden layer, which units have ``Z <= 0`` on every example of the batch.

    caches: those of :func:`model_forward` on a batch of m examples. Returns a list of ``L - 1``
    boolean arrays, entry ``l - 1`` of shape ``(n_l,)``. A ReLU unit with ``Z <= 0`` everywhere
    outputs 0 on every example and passes no gradient to its weights and bias.
    """
    return [np.all(Z <= 0, axis=1) for _, Z in caches[:-1]]


def dead_fraction(caches):
    """The fraction of all hidden units of the network that :func:`dead_units` finds: a float.

    The network needs at least one hidden layer (``len(caches) >= 2``).
    """
    masks = dead_units(caches)
    if not masks:
        raise ValueError("a network without hidden layers has no hidden units")
    return _fraction_of(masks)


def _fraction_of(masks):
    """The fraction of True entries over a list of boolean arrays: a float."""
    return float(sum(mask.sum() for mask in masks) / sum(mask.size for mask in masks))


def logsumexp_naive(Z):
    """``log(sum(exp(Z)))`` over each column, as written; Z (C, m) -> (1, m).

    ``exp`` overflows to ``inf`` above about 709.78 and underflows to 0 below about -745.
    """
    return np.log(np.sum(np.exp(Z), axis=0, keepdims=True))


def logsumexp(Z):
    """``c + log(sum(exp(Z - c)))`` with ``c`` the largest entry of each column; Z (C, m) -> (1, m).

    Every exponential is at most 1 and the largest is exactly 1, so the sum lies in ``[1, C]``:
    no overflow, and no ``log(0)``.
    """
    c = np.max(Z, axis=0, keepdims=True)
    return c + np.log(np.sum(np.exp(Z - c), axis=0, keepdims=True))


def softplus_naive(Z):
    """``log(1 + exp(Z))`` as written; any shape."""
    return np.log(1.0 + np.exp(Z))


def softplus(Z):
    """``log(1 + exp(Z))`` as ``max(Z, 0) + log1p(exp(-|Z|))``; any shape, no overflow."""
    return np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))


def bce_from_logits_naive(Z, Y):
    """The mean cross-entropy through the probability: ``compute_cost(sigmoid(Z), Y)``.

    Z: logits (1, m); Y: (1, m). A Python float; ``inf`` as soon as one ``sigmoid(z)`` rounds to
    exactly 0 or 1 on the side of the wrong label (``log(0)``).
    """
    return compute_cost(sigmoid(Z), Y)


def bce_losses_from_logits(Z, Y):
    """Each example's cross-entropy from its logit: ``max(z, 0) - z y + log1p(exp(-|z|))``.

    Z, Y: (1, m), labels 0.0 or 1.0. Returns the (1, m) losses. The first two terms cancel
    exactly when they should (``y = 1``, ``z > 0``), and ``exp(-|z|) <= 1``.
    """
    return np.maximum(Z, 0.0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))


def bce_from_logits(Z, Y):
    """The mean of :func:`bce_losses_from_logits`: Z, Y (1, m) -> a Python float."""
    return float(np.mean(bce_losses_from_logits(Z, Y)))


def bce_from_logits_backward(Z, Y):
    """Gradient of each example's cross-entropy with respect to its logit: ``sigmoid(Z) - Y``.

    Z, Y: (1, m). Returns dZ (1, m), not divided by m (the gradient of the summed loss).
    """
    return sigmoid_stable(Z) - Y


def mse_cost(AL, Y):
    """The mean squared error ``(1/m) sum((AL - Y)**2)``; AL, Y: (1, m). A Python float."""
    return float(np.mean((AL - Y) ** 2))


def train(X, Y, parameters, learning_rate, num_iterations, hidden="relu", rule="gradient_descent",
          beta=0.9, zero_gradients=True):
    """Full-batch training with a gradient buffer, the way frameworks accumulate gradients.

    X: (n_0, m), Y: (1, m); ``parameters`` as in :func:`initialize_parameters` (left unchanged).
    Each iteration: forward pass; record the cost; if ``zero_gradients``, reset the buffer to
    zeros; add the gradients of :func:`model_backward` into the buffer; update with the buffer:

    - ``rule="gradient_descent"``: ``theta -= learning_rate * buffer``,
    - ``rule="momentum"``: ``v = beta * v + buffer``, then ``theta -= learning_rate * v``
      (``v`` starts at zero).

    Without ``zero_gradients`` the buffer holds the sum of every gradient so far.

    Returns a dict: ``"parameters"`` (the final ones), ``"costs"`` (the mean cross-entropy from
    the logits) and ``"mse"`` (the mean squared error of the output), each a list of
    ``num_iterations`` floats computed before the update, and ``"dead_fractions"``
    (:func:`dead_fraction` before each update; ``nan`` without hidden layers) and
    ``"dead_units"`` (:func:`dead_units` before each update).
    """
    if rule not in ("gradient_descent", "momentum"):
        raise ValueError("rule must be 'gradient_descent' or 'momentum', not %r" % (rule,))
    buffer = {"d" + name: np.zeros_like(value) for name, value in parameters.items()}
    velocity = {"d" + name: np.zeros_like(value) for name, value in parameters.items()}
    history = {"costs": [], "mse": [], "dead_fractions": [], "dead_units": []}
    for _ in range(num_iterations):
        AL, caches = model_forward(X, parameters, hidden)
        history["costs"].append(bce_from_logits(caches[-1][1], Y))
        history["mse"].append(mse_cost(AL, Y))
        masks = dead_units(caches)
        history["dead_units"].append(masks)
        history["dead_fractions"].append(_fraction_of(masks) if masks else float("nan"))
        if zero_gradients:
            buffer = {name: np.zeros_like(value) for name, value in buffer.items()}
        grads = model_backward(Y, caches, hidden)
        buffer = {name: value + grads[name] for name, value in buffer.items()}
        if rule == "momentum":
            velocity = {name: beta * velocity[name] + buffer[name] for name in velocity}
            parameters = update_parameters(parameters, velocity, learning_rate)
        else:
            parameters = update_parameters(parameters, buffer, learning_rate)
    history["parameters"] = parameters
    return history
