"""What derivatives of the L-layer network cost: multiply-adds counted, memory saved by gradient
checkpointing, and Jacobians by forward mode and by reverse mode.

The network is the one of :mod:`backprop.deep`: ``layer_dims = [n_0, n_1, ..., n_L]`` with
``n_0 = n_x``, ReLU hidden layers, a sigmoid output and the mean binary cross-entropy, in the
column convention (``X`` is ``(n_0, m)``, ``Y`` is ``(1, m)``, ``A[l]`` is ``(n_l, m)``).

Counts. Only the matrix products are counted, one multiply-add per term of each inner product: a
product of an ``(a, b)`` and a ``(b, c)`` matrix costs ``a * b * c``. The elementwise work
(adding ``b``, the activations and their derivatives, the sums for ``db``) grows like ``n_l * m``
per layer, one factor ``n_{l-1}`` less, and is left out.

Checkpointing. :func:`checkpointed_backward` keeps only every k-th activation on the way forward
and recomputes the others, one segment of ``k`` layers at a time, on the way back; see
Chen et al. (2016), "Training deep nets with sublinear memory cost", and Griewank and Walther
(2008), "Evaluating derivatives", for the general method.

Modes. For the network as a map ``f`` from one example ``x`` (n_0, 1) to its output ``A[L]``
(n_L, 1), :func:`jvp` carries a tangent forward with the values (forward mode: ``J v``, one input
direction per pass), and :func:`vjp` carries a cotangent backward through the caches (reverse
mode: ``u^T J``, one output per pass). :func:`jacobian_forward_mode` and
:func:`jacobian_reverse_mode` build the whole ``(n_L, n_0)`` Jacobian from ``n_0`` and from
``n_L`` passes. :func:`cost_jvp` is forward mode with respect to the parameters: the derivative
of the cost along one direction of parameter space per pass.
"""
import numpy as np

from backprop.activations import sigmoid
from backprop.deep import (L_model_forward, linear_activation_backward,
                           linear_activation_forward, relu)


def forward_multiply_adds(layer_dims, m):
    """Multiply-adds of the matrix products of one forward pass over ``m`` examples.

    ``layer_dims = [n_0, ..., n_L]``. Layer ``l`` forms ``W[l] @ A[l-1]``, an ``(n_l, n_{l-1})``
    times an ``(n_{l-1}, m)`` matrix: ``n_l * n_{l-1} * m``. Returns the sum over ``l = 1 .. L``,
    an int.
    """
    return sum(int(layer_dims[l]) * int(layer_dims[l - 1]) * int(m) for l in range(1, len(layer_dims)))


def backward_multiply_adds(layer_dims, m):
    """Multiply-adds of the matrix products of one backward pass over ``m`` examples.

    Layer ``l`` forms ``dW[l] = dZ[l] @ A[l-1].T`` (``n_l * n_{l-1} * m``) and
    ``dA[l-1] = W[l].T @ dZ[l]`` (``n_l * n_{l-1} * m`` again), except layer 1: ``dA[0]``, the
    gradient with respect to ``X``, is not needed for learning and is not formed. Returns
    ``2 * forward_multiply_adds(layer_dims, m) - n_1 * n_0 * m``, an int.
    """
    first_layer = int(layer_dims[1]) * int(layer_dims[0]) * int(m)
    return 2 * forward_multiply_adds(layer_dims, m) - first_layer


def checkpoint_layers(L, k):
    """The layers whose output ``A[l]`` is kept on the way forward: ``[0, k, 2k, ...]``, all < L.

    ``A[0] = X`` is the input and is always kept. Each kept ``A[s]`` is the input of one segment,
    the layers ``s + 1 .. min(s + k, L)``; the last segment may be shorter. ``k >= L`` keeps
    ``[0]`` only. ``L`` and ``k`` are positive ints.
    """
    if L < 1 or k < 1:
        raise ValueError("L and k must be at least 1")
    return list(range(0, L, k))


def _activation(l, L):
    """The activation of layer ``l`` of ``L``: ReLU below the output, the sigmoid at the output."""
    return "sigmoid" if l == L else "relu"


def checkpointed_backward(X, Y, parameters, k):
    """Gradients of the mean cost that keep only every k-th activation on the way forward.

    X: (n_0, m), Y: (1, m), ``parameters``: "W1", "b1", ..., "WL", "bL" as in
    :mod:`backprop.deep`; ``k``: a positive int, the length of a segment. The forward pass keeps
    ``A[s]`` for ``s`` in ``checkpoint_layers(L, k)`` and drops every cache. The backward pass
    takes the segments from the last to the first: it recomputes the segment's forward pass from
    its kept input, holding the caches of that segment only, and runs the usual backward step of
    each of its layers, passing ``dA`` on to the segment below. Every layer is recomputed once:
    one extra forward pass in all, whatever ``k``.

    Returns a dict with ``"dW{l}"`` (n_l, n_{l-1}) and ``"db{l}"`` (n_l, 1) for ``l = 1 .. L``,
    equal to those of ``deep.L_model_backward`` to rounding; no ``"dA"`` keys (keeping every
    ``dA`` would hold ``L`` arrays again). The arguments are left unchanged.
    """
    L = len(parameters) // 2
    starts = checkpoint_layers(L, k)

    kept = {}
    A = X
    for l in range(1, L + 1):
        if l - 1 in starts:
            kept[l - 1] = A
        A, _ = linear_activation_forward(A, parameters["W%d" % l], parameters["b%d" % l],
                                         _activation(l, L))
    AL = A
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    del A, AL

    grads = {}
    for start in reversed(starts):
        end = min(start + k, L)
        A = kept.pop(start)
        caches = []
        for l in range(start + 1, end + 1):
            A, cache = linear_activation_forward(A, parameters["W%d" % l], parameters["b%d" % l],
                                                 _activation(l, L))
            caches.append(cache)
        del A
        for l in range(end, start, -1):
            dA, grads["dW%d" % l], grads["db%d" % l] = linear_activation_backward(
                dA, caches.pop(), _activation(l, L))
    return grads


def jvp(x, parameters, v):
    """Forward mode: the output ``f(x)`` and the Jacobian-vector product ``J v`` in one sweep.

    x: (n_0, 1), one example; v: (n_0, 1), a direction in input space; ``parameters`` as in
    :mod:`backprop.deep` (ReLU hidden layers, sigmoid output). Each layer computes its value
    ``A[l]`` and its tangent ``dA[l] = g'(Z[l]) * (W[l] @ dA[l-1])`` together and forgets the layer
    below, so no cache is kept. Returns ``(AL, Jv)``, both (n_L, 1). Two matrix products per
    layer: ``W[l] @ A[l-1]`` and ``W[l] @ dA[l-1]``.
    """
    L = len(parameters) // 2
    A, dA = x, v
    for l in range(1, L + 1):
        W, b = parameters["W%d" % l], parameters["b%d" % l]
        A, dA = _activation_with_tangent(W @ A + b, W @ dA, l == L)
    return A, dA


def _activation_with_tangent(Z, dZ, output_layer):
    """A layer's activation ``A = g(Z)`` and its tangent ``dA = g'(Z) * dZ`` (arrays of one shape):
    sigmoid for the output layer, ReLU below it."""
    if output_layer:
        A = sigmoid(Z)
        return A, A * (1 - A) * dZ
    return relu(Z), (Z > 0) * dZ


def vjp(caches, u):
    """Reverse mode: the vector-Jacobian product ``u^T J``, returned as the column ``J^T u``.

    ``caches``: those of ``deep.L_model_forward(x, parameters)`` for one example x (n_0, 1);
    u: (n_L, 1), a weighting of the outputs. Goes back through layer L (sigmoid) and layers
    L-1 .. 1 (ReLU): ``dZ[l] = dA[l] * g'(Z[l])``, ``dA[l-1] = W[l].T @ dZ[l]``. Returns
    ``dA[0]`` (n_0, 1). One matrix product per layer; no ``dW`` is formed.
    """
    L = len(caches)
    dA = u
    for l in range(L, 0, -1):
        (_, W, _), Z = caches[l - 1]
        if l == L:
            s = sigmoid(Z)
            dZ = dA * s * (1 - s)
        else:
            dZ = dA * (Z > 0)
        dA = W.T @ dZ
    return dA


def jacobian_forward_mode(x, parameters):
    """The Jacobian ``d A[L] / d x`` (n_L, n_0) of one example x (n_0, 1), column by column:
    one :func:`jvp` per input direction ``e_j``, ``n_0`` passes."""
    directions = np.eye(x.shape[0])
    return np.hstack([jvp(x, parameters, directions[:, [j]])[1] for j in range(x.shape[0])])


def jacobian_reverse_mode(x, parameters):
    """The Jacobian ``d A[L] / d x`` (n_L, n_0) of one example x (n_0, 1), row by row: one
    forward pass that keeps the caches, then one :func:`vjp` per output ``e_i``, ``n_L`` passes."""
    AL, caches = L_model_forward(x, parameters)
    outputs = np.eye(AL.shape[0])
    return np.vstack([vjp(caches, outputs[:, [i]]).T for i in range(AL.shape[0])])


def cost_jvp(X, Y, parameters, direction):
    """Forward mode in parameter space: the cost and its derivative along a direction of parameters.

    X: (n_0, m), Y: (1, m), ``parameters`` as in :mod:`backprop.deep`; ``direction`` has the keys
    and shapes of ``parameters`` ("W1": (n_1, n_0), "b1": (n_1, 1), ...), a tangent ``V``. One
    sweep carries values and tangents together: ``dZ[l] = V_W[l] @ A[l-1] + W[l] @ dA[l-1] + V_b[l]``
    (layer 1 has no ``W[1] @ dA[0]``: X does not depend on the parameters) and
    ``dA[l] = g'(Z[l]) * dZ[l]``. Returns ``(cost, derivative)``, two floats: the mean binary
    cross-entropy and ``sum over parameters of (gradient * V)``. Matrix products: ``F`` for the
    values and ``2F - n_1 n_0 m`` for the tangents, ``F = forward_multiply_adds(layer_dims, m)``.
    """
    L = len(parameters) // 2
    A, dA = X, None
    for l in range(1, L + 1):
        W, b = parameters["W%d" % l], parameters["b%d" % l]
        Z = W @ A + b
        dZ = direction["W%d" % l] @ A + direction["b%d" % l]
        if dA is not None:
            dZ = dZ + W @ dA
        A, dA = _activation_with_tangent(Z, dZ, l == L)
    m = Y.shape[1]
    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    derivative = float(np.sum(-(Y / A - (1 - Y) / (1 - A)) * dA) / m)
    return cost, derivative
