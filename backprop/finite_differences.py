"""Finite differences against their step: truncation and rounding errors, and the kinks of ReLU.

The gradient check itself (``numerical_gradient``, ``relative_error``, ``gradient_check``) lives in
:mod:`backprop.gradient_check`; this module measures how a finite difference behaves.

- :func:`one_sided_difference` and :func:`centred_difference` evaluate the two quotients for many
  points and many steps at once, in a chosen floating-point type.
- :func:`difference_errors` and :func:`median_relative_errors` give their errors against the exact
  derivative; :func:`loglog_slope` fits the slope of an error curve on a log-log plot, and
  :func:`turning_point` finds the step with the smallest error.
- :func:`hidden_preactivations`, :func:`kink_crossings` and :func:`nearest_kink` say where the
  ReLU units of an L-layer network (:mod:`backprop.deep`) sit relative to their kink at 0, and
  which perturbations of a parameter entry cross it.
"""
import numpy as np

from backprop.deep import L_model_forward


def _grid(thetas, epsilons, dtype):
    """thetas (k,) as a row (1, k) and epsilons (n,) as a column (n, 1), both of ``dtype``."""
    theta = np.asarray(thetas, dtype=dtype).reshape(1, -1)
    epsilon = np.asarray(epsilons, dtype=dtype).reshape(-1, 1)
    return theta, epsilon


def one_sided_difference(f, thetas, epsilons, dtype=np.float64):
    """``(f(theta + eps) - f(theta)) / eps`` for every step and every point.

    f: an elementwise NumPy function that keeps the type of its argument (``np.exp``, say);
    thetas: (k,) points; epsilons: (n,) steps. Every operation is carried out in ``dtype``
    (``np.float64`` or ``np.float32``). Returns an (n, k) array of ``dtype``: row i holds the
    quotients of step ``epsilons[i]``.
    """
    theta, epsilon = _grid(thetas, epsilons, dtype)
    return (f(theta + epsilon) - f(theta)) / epsilon


def centred_difference(f, thetas, epsilons, dtype=np.float64):
    """``(f(theta + eps) - f(theta - eps)) / (2 eps)`` for every step and every point.

    Arguments as in :func:`one_sided_difference`; returns an (n, k) array of ``dtype``.
    """
    theta, epsilon = _grid(thetas, epsilons, dtype)
    return (f(theta + epsilon) - f(theta - epsilon)) / (2 * epsilon)


def difference_errors(f, derivative, thetas, epsilons, dtype=np.float64):
    """Relative errors ``|quotient - f'(theta)| / |f'(theta)|`` of both quotients.

    derivative: the exact derivative f', elementwise, evaluated in float64 at the points
    ``thetas`` rounded to ``dtype`` (the points the quotients really start from). thetas: (k,);
    epsilons: (n,). Returns ``(one_sided, centred)``, two (n, k) float64 arrays.
    """
    exact = derivative(np.asarray(thetas, dtype=dtype).astype(np.float64)).reshape(1, -1)
    errors = []
    for quotient in (one_sided_difference, centred_difference):
        values = quotient(f, thetas, epsilons, dtype).astype(np.float64)
        errors.append(np.abs(values - exact) / np.abs(exact))
    return tuple(errors)


def median_relative_errors(f, derivative, thetas, epsilons, dtype=np.float64):
    """The median over the points of :func:`difference_errors`: one error curve per quotient.

    thetas: (k,); epsilons: (n,). Returns ``(one_sided, centred)``, two (n,) float64 arrays. The
    median smooths the rounding error, which jumps from one point to the next.
    """
    one_sided, centred = difference_errors(f, derivative, thetas, epsilons, dtype)
    return np.median(one_sided, axis=1), np.median(centred, axis=1)


def loglog_slope(epsilons, errors, low, high):
    """Least-squares slope and intercept of ``log10(errors)`` against ``log10(epsilons)``.

    epsilons, errors: (n,) positive arrays; only the steps with ``low <= eps <= high`` are used
    (at least two). Returns ``(slope, intercept)`` as Python floats: errors ~ 10**intercept *
    eps**slope on that range.
    """
    epsilons, errors = np.asarray(epsilons), np.asarray(errors)
    used = (epsilons >= low) & (epsilons <= high)
    if used.sum() < 2:
        raise ValueError("fewer than two steps between %g and %g" % (low, high))
    slope, intercept = np.polyfit(np.log10(epsilons[used]), np.log10(errors[used]), 1)
    return float(slope), float(intercept)


def turning_point(epsilons, errors):
    """The step with the smallest error, and that error: ``(epsilon, error)``, Python floats.

    epsilons, errors: (n,) arrays.
    """
    best = int(np.argmin(errors))
    return float(epsilons[best]), float(errors[best])


def hidden_preactivations(X, parameters):
    """The pre-activations ``Z[1] .. Z[L-1]`` of the ReLU layers, in layer order.

    X: (n_x, m); parameters: ``"W1", "b1", ..., "WL", "bL"`` of :mod:`backprop.deep`. Returns a
    list of L - 1 arrays, ``Z[l]`` of shape (n_l, m).
    """
    _, caches = L_model_forward(X, parameters)
    return [Z for _, Z in caches[:-1]]


def nearest_kink(X, parameters):
    """The smallest ``|Z[l]|`` over every ReLU unit and every example, and where it is.

    X: (n_x, m). Returns ``(distance, layer, unit, example)``: a Python float and three ints
    (``layer`` counts from 1).
    """
    best = (np.inf, 0, 0, 0)
    for layer, Z in enumerate(hidden_preactivations(X, parameters), start=1):
        unit, example = np.unravel_index(np.argmin(np.abs(Z)), Z.shape)
        if abs(Z[unit, example]) < best[0]:
            best = (float(abs(Z[unit, example])), layer, int(unit), int(example))
    return best


def kink_crossings(X, parameters, name, epsilon):
    """How many ReLU pre-activations change sign when one entry of a parameter moves by +-eps.

    For every entry k of ``parameters[name]`` (a centred difference evaluates the network at
    ``theta_k + epsilon`` and at ``theta_k - epsilon``) this counts the pairs (unit, example) of
    every ReLU layer whose pre-activation is positive at one of the two points and not at the
    other: those are the kinks that the difference straddles. X: (n_x, m). Returns an int array
    of the shape of ``parameters[name]``. The parameters are not changed.
    """
    value = parameters[name]
    counts = np.zeros(value.shape, dtype=int)
    for k in np.ndindex(value.shape):
        signs = []
        for step in (epsilon, -epsilon):
            shifted = dict(parameters)
            shifted[name] = value.copy()
            shifted[name][k] = value[k] + step
            signs.append([Z > 0 for Z in hidden_preactivations(X, shifted)])
        counts[k] = sum(int(np.sum(plus != minus)) for plus, minus in zip(*signs))
    return counts
