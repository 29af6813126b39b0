"""Local gradients of activations, softmax with cross-entropy, and one step of a sigmoid neuron.

Each ``*_backward(dA, Z)`` takes the upstream gradient ``dA`` (the gradient of the loss with
respect to the activation ``A = g(Z)``) and the pre-activation ``Z``, both of the same shape
``(n, m)`` in the column convention (one example per column), and returns
``dZ = dA * g'(Z)``, elementwise, of that shape and dtype float64.

These functions are the reference that the grader compares submissions of assignment
``a2_activation_gradients`` with.
"""
import numpy as np

from backprop.activations import sigmoid


def sigmoid_backward(dA, Z):
    """``dA * s * (1 - s)`` with ``s = sigmoid(Z)``; dA, Z and the result: (n, m)."""
    s = sigmoid(Z)
    return dA * s * (1.0 - s)


def tanh_backward(dA, Z):
    """``dA * (1 - tanh(Z)**2)``; dA, Z and the result: (n, m)."""
    return dA * (1.0 - np.tanh(Z) ** 2)


def relu_backward(dA, Z):
    """``dA`` where ``Z > 0`` and 0 elsewhere, 0 at ``Z == 0`` included; dA, Z, result: (n, m)."""
    return dA * (Z > 0)


def leaky_relu_backward(dA, Z, alpha=0.01):
    """``dA`` where ``Z > 0`` and ``alpha * dA`` elsewhere, at ``Z == 0`` included; (n, m)."""
    return np.where(Z > 0, dA, alpha * dA)


def softmax(Z):
    """Softmax of every column of the logits Z (C, m), computed without overflow: (C, m).

    Each column's largest logit is subtracted first, which leaves the softmax unchanged and
    keeps every exponential in (0, 1].
    """
    exps = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return exps / np.sum(exps, axis=0, keepdims=True)


def softmax_cross_entropy_backward(Z, Y):
    """Gradient of each example's cross-entropy with respect to its logits: ``softmax(Z) - Y``.

    Z: logits (C, m); Y: one-hot labels (C, m). Returns dZ (C, m), not divided by m: the
    gradient of the loss of each column, as ``dZ2 = A2 - Y`` in the two-layer network.
    """
    return softmax(Z) - Y


def neuron_step(x, w, b, y, learning_rate):
    """One example through one sigmoid neuron with binary cross-entropy, and one gradient step.

    x, w: (n,) float64; b, y (0.0 or 1.0), learning_rate: floats. With z = w . x + b,
    a = sigmoid(z) and L = -(y log a + (1 - y) log(1 - a)), the gradients are dz = a - y,
    dw = dz x and db = dz. Returns ``{"a", "L", "dw", "db", "w", "b"}``: a, L, db and the
    updated b are Python floats, dw and the updated w are (n,) float64 arrays.
    """
    z = float(w @ x + b)
    a = float(sigmoid(z))
    loss = float(-(y * np.log(a) + (1.0 - y) * np.log(1.0 - a)))
    dz = a - y
    dw = dz * x
    db = float(dz)
    return {"a": a, "L": loss, "dw": dw, "db": db,
            "w": w - learning_rate * dw, "b": float(b - learning_rate * db)}
