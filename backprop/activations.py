"""Elementwise activations and the local gradients that backpropagation multiplies by."""
import numpy as np


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), elementwise; any shape in, same shape out."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_derivative_from_output(a):
    """d sigmoid / dz written with the cached output a = sigmoid(z): a (1 - a)."""
    return a * (1.0 - a)


def tanh_derivative_from_output(a):
    """d tanh / dz written with the cached output a = tanh(z): 1 - a**2."""
    return 1.0 - a ** 2
