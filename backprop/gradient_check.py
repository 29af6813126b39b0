"""Numerical gradient checking: centred differences of a cost, compared by relative error."""
import numpy as np


def numerical_gradients(cost_of, parameters, epsilon=1e-6):
    """Centred differences (J(theta + eps) - J(theta - eps)) / (2 eps) for every parameter entry.

    ``cost_of(parameters) -> float``; ``parameters`` maps names ("W1", ...) to arrays. Returns a
    dict keyed "d" + name ("dW1", ...), each array of the shape of its parameter.
    """
    numerical = {}
    for name, value in parameters.items():
        gradient = np.zeros_like(value)
        for k in np.ndindex(value.shape):
            shifted = {key: v.copy() for key, v in parameters.items()}
            shifted[name][k] = value[k] + epsilon
            cost_plus = cost_of(shifted)
            shifted[name][k] = value[k] - epsilon
            cost_minus = cost_of(shifted)
            gradient[k] = (cost_plus - cost_minus) / (2 * epsilon)
        numerical["d" + name] = gradient
    return numerical


def relative_error(analytic, numerical):
    """||a - n|| / (||a|| + ||n||): about 1e-9 when two gradients agree, independent of scale."""
    norms = np.linalg.norm(analytic) + np.linalg.norm(numerical)
    return float(np.linalg.norm(analytic - numerical) / norms)
