"""What it costs to compute every gradient: finite differences against backpropagation.

Both methods are applied to the two-layer network of ``backprop.two_layer`` (column convention:
``X`` is ``(n_x, m)``, ``Y`` is ``(1, m)``). Finite differences nudge one parameter entry at a time
and need two forward passes per entry; backpropagation needs one forward and one backward pass for
all entries together. The functions count the forward passes exactly and time both methods with
``time.perf_counter``, reporting the median and the spread of several repeats.
"""
import time

import numpy as np

from backprop.gradient_check import numerical_gradients, relative_error
from backprop.two_layer import (backward_propagation, compute_cost, forward_propagation,
                                initialize_parameters)


def count_parameters(parameters):
    """The number of scalar entries in ``parameters``, a dict of arrays of any shapes.

    For the two-layer network, ``{"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h),
    "b2": (n_y, 1)}`` gives ``n_h * (n_x + 1) + n_y * (n_h + 1)``.
    """
    return int(sum(np.size(value) for value in parameters.values()))


def make_problem(n_x, n_h, m, seed=0):
    """A random batch and a two-layer network with one output that does not saturate.

    Returns ``(X, Y, parameters)``: ``X`` (n_x, m) standard normal, ``Y`` (1, m) of zeros and
    ones, and the parameters of ``initialize_parameters(n_x, n_h, 1, seed)`` with each weight
    matrix divided by the square root of its number of columns, so that the pre-activations have
    a spread of about one and neither ``tanh`` nor the sigmoid saturates. Shapes: ``W1``
    (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (1, n_h), ``b2`` (1, 1).
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    parameters = initialize_parameters(n_x, n_h, 1, seed=seed)
    for name in ("W1", "W2"):
        parameters[name] = parameters[name] / np.sqrt(parameters[name].shape[1])
    return X, Y, parameters


def cost_function(X, Y):
    """The cost of the batch as a function of the parameters: one forward pass per call.

    ``X`` (n_x, m), ``Y`` (1, m). Returns ``cost_of(parameters) -> float``, the mean binary
    cross-entropy of the two-layer network with those parameters.
    """
    def cost_of(parameters):
        A2, _ = forward_propagation(X, parameters)
        return compute_cost(A2, Y)
    return cost_of


def finite_difference_gradients(X, Y, parameters, epsilon=1e-6):
    """All gradients by centred differences, and the number of forward passes they took.

    ``X`` (n_x, m), ``Y`` (1, m), ``parameters`` as in ``backprop.two_layer``. Returns
    ``(grads, forward_passes)``: ``grads`` maps "dW1", "db1", "dW2", "db2" to arrays of the
    shapes of their parameters, and ``forward_passes`` counts the calls of the cost, which is
    ``2 * count_parameters(parameters)``.
    """
    cost_of = cost_function(X, Y)
    calls = 0

    def counted_cost_of(shifted_parameters):
        nonlocal calls
        calls += 1
        return cost_of(shifted_parameters)

    grads = numerical_gradients(counted_cost_of, parameters, epsilon=epsilon)
    return grads, calls


def backpropagation_gradients(X, Y, parameters):
    """All gradients by one forward and one backward pass.

    ``X`` (n_x, m), ``Y`` (1, m). Returns ``(grads, cost)``: ``grads`` maps "dW1", "db1",
    "dW2", "db2" to arrays of the shapes of their parameters; ``cost`` is the mean binary
    cross-entropy, which the forward pass yields on the way.
    """
    A2, cache = forward_propagation(X, parameters)
    cost = compute_cost(A2, Y)
    return backward_propagation(parameters, cache, X, Y), cost


def time_call(function, repeats=5, number=1, warm_up=True):
    """Seconds per call of ``function()``: ``(median, low, high)`` over ``repeats`` repeats.

    Each repeat times ``number`` consecutive calls with ``time.perf_counter`` and divides by
    ``number`` (use ``number > 1`` for calls too short to time one by one). With ``warm_up``, one
    call before the first repeat is not timed, so that first-call effects (caches, memory
    allocation) are not counted. ``low`` and ``high`` are the fastest and the slowest repeat:
    the spread.
    """
    if repeats < 1 or number < 1:
        raise ValueError("repeats and number must be at least 1")
    if warm_up:
        function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            function()
        seconds.append((time.perf_counter() - start) / number)
    return float(np.median(seconds)), float(min(seconds)), float(max(seconds))


def compare_gradient_costs(n_x, n_h, m, repeats=5, seed=0, number=20):
    """Finite differences against backpropagation on the network of ``make_problem``.

    Returns a dict with
    ``"n_x"``, ``"n_h"``, ``"m"``: the sizes; ``"parameters"``: the number of parameter entries;
    ``"forward_passes"``: the forward passes counted while finite differences ran;
    ``"finite_differences"``, ``"backpropagation"``, ``"forward"``: ``(median, low, high)``
    seconds for all gradients by finite differences, for all gradients by one forward and one
    backward pass, and for one forward pass with its cost (the last two timed ``number`` calls
    at a time); ``"ratio"``: the median time of finite differences divided by that of
    backpropagation; ``"relative_error"``: the largest relative error between the two methods'
    gradients over the four parameters.
    """
    X, Y, parameters = make_problem(n_x, n_h, m, seed=seed)
    numerical, forward_passes = finite_difference_gradients(X, Y, parameters)  # also a warm-up
    analytic, _ = backpropagation_gradients(X, Y, parameters)
    cost_of = cost_function(X, Y)
    fd_time = time_call(lambda: finite_difference_gradients(X, Y, parameters), repeats,
                        warm_up=False)
    bp_time = time_call(lambda: backpropagation_gradients(X, Y, parameters), repeats, number)
    forward_time = time_call(lambda: cost_of(parameters), repeats, number)
    return {
        "n_x": n_x, "n_h": n_h, "m": m,
        "parameters": count_parameters(parameters),
        "forward_passes": forward_passes,
        "finite_differences": fd_time,
        "backpropagation": bp_time,
        "forward": forward_time,
        "ratio": fd_time[0] / bp_time[0],
        "relative_error": max(relative_error(analytic[name], numerical[name]) for name in analytic),
    }
