"""Numerical gradient checking: centred differences of a cost, compared by relative error."""
import numpy as np
from backprop.deep import L_model_forward, compute_cost


def numerical_gradients(cost_of, parameters, epsilon=1e-6):
    """Centred differences (J(theta + eps) - J(theta - eps)) / (2 eps) for every parameter entry.

    ``cost_of(parameters) -> float``; ``parameters`` maps names ("W1", ...) to arrays. Returns a
    dict keyed "d" + name ("dW1", ...), each array of the shape of its parameter.
    """
    numerical = {}
    for name, value in parameters.items():
        def cost_of_one(theta, name=name):
            return cost_of({**parameters, name: theta})
        numerical["d" + name] = numerical_gradient(cost_of_one, value, epsilon)
    return numerical


def numerical_gradient(f, theta, epsilon):
    """Two-sided differences (f(theta + eps e_k) - f(theta - eps e_k)) / (2 eps), entry by entry.

    ``f`` maps an array of the shape of ``theta`` to a float; ``theta`` is an array of any shape
    (left unchanged); ``epsilon`` is the step. Returns an array of the shape of ``theta`` whose
    entry ``k`` is the centred difference along entry ``k`` alone; float64 for a float64 (or an
    integer) ``theta``, float32 for a float32 one, and ``f`` receives arrays of that dtype.
    """
    theta = np.array(theta, dtype=np.result_type(theta, 1.0), subok=True)  # a copy, of a floating dtype
    gradient = np.zeros(theta.shape, dtype=theta.dtype)
    for k in np.ndindex(theta.shape):
        saved = theta[k]
        theta[k] = saved + epsilon
        f_plus = f(theta)
        theta[k] = saved - epsilon
        f_minus = f(theta)
        theta[k] = saved
        gradient[k] = (f_plus - f_minus) / (2 * epsilon)
    return gradient


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), a float: about 1e-9 when two gradients agree, independent of scale.

    The norms are Euclidean (Frobenius for a matrix). When ``a`` and ``b`` are both zero the
    quotient is 0 / 0; they agree, and the relative error is 0.0. When only one is zero it is 1.0.
    """
    norms = np.linalg.norm(a) + np.linalg.norm(b)
    if norms == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / norms)


def gradient_check(parameters, grads, X, Y, epsilon=1e-7):
    """The worst relative error between ``grads`` and the numerical gradient of the cost, and where.

    ``parameters`` holds "W1", "b1", ..., "WL", "bL" of the L-layer network of ``backprop.deep``
    (ReLU hidden layers, sigmoid output, mean binary cross-entropy on the batch X (n_x, m),
    Y (1, m)); ``grads`` holds "dW1", "db1", ... with the shapes of the parameters. For every
    parameter, in the order W1, b1, ..., WL, bL, the cost is differenced with respect to that
    parameter alone (:func:`numerical_gradient` with ``epsilon``) and compared with
    ``grads["d" + name]`` by :func:`relative_error`. Returns ``(worst_relative_error, name)``, a
    float and the name of its parameter ("W2", say); on a tie, the first in that order.
    """
    L = len(parameters) // 2
    worst, worst_name = -1.0, None
    for layer in range(1, L + 1):
        for name in ("W%d" % layer, "b%d" % layer):
            def cost_of(theta, name=name):
                return compute_cost(L_model_forward(X, {**parameters, name: theta})[0], Y)
            error = relative_error(grads["d" + name], numerical_gradient(cost_of, parameters[name], epsilon))
            if error > worst:
                worst, worst_name = error, name
    return worst, worst_name
