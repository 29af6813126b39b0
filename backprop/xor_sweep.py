"""Many two-layer networks trained at once, one per seed: sweeps over initializations in NumPy.

The networks are stacked along a first axis of length S (one per seed), so every matrix product
of :mod:`backprop.two_layer` becomes a product of stacks of matrices (``@`` on 3-D arrays) and a
sweep over seeds costs about as much as training one network. With ``hidden="tanh"`` and
``weight_scale=1.0`` each network follows :func:`backprop.two_layer.train` exactly; the chapter
asserts this for one seed.
"""
import numpy as np

from backprop.activations import (sigmoid, sigmoid_derivative_from_output,
                                  tanh_derivative_from_output)
from backprop.two_layer import initialize_parameters

HIDDEN = {
    "tanh": (np.tanh, tanh_derivative_from_output),
    "sigmoid": (sigmoid, sigmoid_derivative_from_output),
}


def initial_stack(n_x, n_h, n_y, seeds, weight_scale=1.0):
    """The initial parameters of one network per seed, stacked.

    Network s is ``initialize_parameters(n_x, n_h, n_y, seed=s)`` with both weight matrices
    multiplied by ``weight_scale``. Returns ``{"W1": (S, n_h, n_x), "b1": (S, n_h, 1),
    "W2": (S, n_y, n_h), "b2": (S, n_y, 1)}`` with S = len(seeds).
    """
    networks = [initialize_parameters(n_x, n_h, n_y, seed=seed) for seed in seeds]
    stack = {name: np.stack([network[name] for network in networks]) for name in networks[0]}
    stack["W1"] = stack["W1"] * weight_scale
    stack["W2"] = stack["W2"] * weight_scale
    return stack


def train_seeds(X, Y, n_h, learning_rate, epochs, seeds, hidden="tanh", weight_scale=1.0):
    """Full-batch gradient descent of one two-layer network per seed, all at once.

    X: (n_x, m), Y: (n_y, m), one example per column. The hidden layer is ``hidden``
    ("tanh" or "sigmoid"), the output a sigmoid, the cost the binary cross-entropy summed over
    the n_y outputs and averaged over the m examples, as in :mod:`backprop.two_layer`. The
    networks start from :func:`initial_stack`.

    Returns ``(parameters, costs)``: the trained parameters stacked as in :func:`initial_stack`,
    and ``costs`` of shape (epochs, S), where ``costs[e, s]`` is the cost of network s at the
    start of epoch e (before that epoch's update), as :func:`backprop.two_layer.train` records.
    """
    activation, local_gradient = HIDDEN[hidden]
    parameters = initial_stack(X.shape[0], n_h, Y.shape[0], seeds, weight_scale)
    W1, b1, W2, b2 = (parameters[name] for name in ("W1", "b1", "W2", "b2"))
    m = X.shape[1]
    costs = np.empty((epochs, len(seeds)))
    for epoch in range(epochs):
        A1 = activation(W1 @ X + b1)                        # (S, n_h, m)
        A2 = sigmoid(W2 @ A1 + b2)                          # (S, n_y, m)
        losses = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
        costs[epoch] = losses.sum(axis=(1, 2)) / m
        dZ2 = A2 - Y                                        # (S, n_y, m)
        dW2 = dZ2 @ A1.transpose(0, 2, 1) / m               # (S, n_y, n_h)
        db2 = dZ2.sum(axis=2, keepdims=True) / m            # (S, n_y, 1)
        dZ1 = (W2.transpose(0, 2, 1) @ dZ2) * local_gradient(A1)   # (S, n_h, m)
        dW1 = dZ1 @ X.T / m                                 # (S, n_h, n_x)
        db1 = dZ1.sum(axis=2, keepdims=True) / m            # (S, n_h, 1)
        W1, b1 = W1 - learning_rate * dW1, b1 - learning_rate * db1
        W2, b2 = W2 - learning_rate * dW2, b2 - learning_rate * db2
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, costs
