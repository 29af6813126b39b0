"""The two-layer network of chapter "The two-layer network, step by step".

Architecture: ``X (n_x, m) -> tanh hidden layer (n_h) -> sigmoid output (n_y) -> mean binary
cross-entropy``. These functions are the reference that the grader compares submissions of
assignment ``a3_two_layer_network`` with, and the code the chapter runs.
"""
import numpy as np

from backprop.activations import sigmoid, tanh_derivative_from_output


def initialize_parameters(n_x, n_h, n_y, seed=0):
    """Standard-normal weights and zero biases.

    Returns ``{"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}``, float64.
    """
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.standard_normal((n_h, n_x)),
        "b1": np.zeros((n_h, 1)),
        "W2": rng.standard_normal((n_y, n_h)),
        "b2": np.zeros((n_y, 1)),
    }


def forward_propagation(X, parameters):
    """Forward pass.

    X: (n_x, m). Returns ``A2`` (n_y, m) and ``cache = {"Z1", "A1": (n_h, m), "Z2", "A2": (n_y, m)}``.
    """
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y):
    """Mean binary cross-entropy over the m columns; A2, Y: (1, m). Returns a Python float."""
    m = Y.shape[1]
    losses = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    return float(np.sum(losses) / m)


def backward_propagation(parameters, cache, X, Y):
    """Gradients of the mean cost: ``{"dW1", "db1", "dW2", "db2"}``, each the shape of its parameter."""
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (parameters["W2"].T @ dZ2) * tanh_derivative_from_output(A1)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step; returns a new dict, the input is left unchanged."""
    return {name: value - learning_rate * grads["d" + name] for name, value in parameters.items()}


def train(X, Y, n_h, learning_rate, epochs, seed=0):
    """Full-batch gradient descent. Returns ``(parameters, costs)`` with one cost per epoch."""
    parameters = initialize_parameters(X.shape[0], n_h, Y.shape[0], seed=seed)
    costs = []
    for _ in range(epochs):
        A2, cache = forward_propagation(X, parameters)
        costs.append(compute_cost(A2, Y))
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs
