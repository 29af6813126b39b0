"""Realistic wrong versions of backward passes, outside the grader's catalogue of mutants.

Each entry is one graded function of assignment ``a3_two_layer_network`` or ``a4_deep_network``
rewritten with a single mistake of the kind students make, together with the place where its error
enters: the FIRST quantity, walking backward from the cost, whose own computation contains the
mistake (a quantity that is wrong only because an earlier one is wrong is not the place).

The walk order for a network of L layers is ``dZ{L}`` (the output layer's error signal, computed from
AL and Y), ``dW{L}``, ``db{L}``, ``dA{L-1}`` (``= W{L}^T dZ{L}``), ``dZ{L-1}``, ``dW{L-1}``,
``db{L-1}``, ``dA{L-2}``, ..., ``dZ1``, ``dW1``, ``db1``, ``dA0``. The two-layer network (L = 2)
returns no dA and its ``dZ1 = (W2^T dZ2) * (1 - A1^2)`` counts as one quantity.

``enters = dict(quantity=..., layer=...)``:

- ``quantity`` is ``"dZ"`` (a layer's error signal, activation derivative included), ``"dW"``,
  ``"db"``, ``"dA"`` (a4 only; ``dA`` of layer l is ``dA{l-1} = W{l}^T dZ{l}``, the gradient with
  respect to that layer's input), or ``"scale"`` / ``"sign"`` when every returned gradient of every
  layer is the same constant multiple / the negative of the correct one.
- ``layer`` is an int for a3 (1 or 2); for a4 it is relative to the depth, ``"L"``, ``"L-1"`` or
  ``"1"``, true for every depth from 2 to 4 (``"L-1"`` is layer 1 when L = 2); ``"all"`` goes with
  ``"scale"`` and ``"sign"``.

``same_as`` (optional) names a catalogued mutant that returns exactly what the version returns from
the graded backward pass: then the student reads that mutant's diagnosis, which must fit both.

``source`` replaces the whole function ``function`` of the solution notebook. The a3 versions may use
``np`` and the given ``sigmoid``; the a4 versions ``np``, the given ``sigmoid`` and ``relu`` and the
other functions of the notebook. Every version runs without error and changes the result on random
inputs, with one example and with a batch of several, for distinct layer widths.

Two properties of the inputs matter. With one example the output layer's dZ is a single number,
so a mistake in dZ{L} (dZ2 for a3) multiplies every gradient by one factor there; only a batch of
several examples tells it apart from a scale. And a ReLU layer that is zero for every example
(more likely with one example and narrow layers) can hide a mistake in the layers below it.
"""

A3 = "a3_two_layer_network"
A4 = "a4_deep_network"

WRONG_VERSIONS = [
    # ---------------------------------------------------------------- a3: the two-layer network
    dict(
        id="a3_cache_values_unpacked_in_the_wrong_order",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, Z1, A2, Z2 = cache.values()
    W2 = parameters["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="dZ", layer=2),
        about="unpacks cache.values() as A1, Z1, A2, Z2 although the cache holds Z1, A1, Z2, A2, so "
              "dZ2 is Z2 - Y",
    ),
    dict(
        id="a3_sigmoid_derivative_taken_at_the_output",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dA2 = -(Y / A2 - (1 - Y) / (1 - A2))
    dZ2 = dA2 * sigmoid(A2) * (1 - sigmoid(A2))
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="dZ", layer=2),
        about="chains dA2 with sigma'(z) written as sigmoid(A2) (1 - sigmoid(A2)): the sigmoid is "
              "applied to its own output",
    ),
    dict(
        id="a3_dW2_from_the_pre_activation",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    Z1 = cache["Z1"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ Z1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="dW", layer=2),
        about="dW2 multiplies dZ2 by Z1 transposed, the hidden layer's pre-activation, instead of its "
              "output A1",
    ),
    dict(
        id="a3_db2_copied_from_the_dW2_line",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2 @ A1.T, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="db", layer=2),
        about="db2 is the dW2 line copied and wrapped in a sum: it sums dZ2 A1^T instead of dZ2",
    ),
    dict(
        id="a3_A1_overwritten_by_its_derivative",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    A1 = 1 - A1 ** 2  # derivative of tanh, written with its output
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * A1
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="dW", layer=2),
        about="stores the tanh derivative 1 - A1^2 back in A1 before dW2 is computed, so dW2 uses "
              "the derivative instead of the activations",
    ),
    dict(
        id="a3_tanh_derivative_at_the_output_layer",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (1 - A2 ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="dZ", layer=1),
        about="the hidden layer's tanh derivative is evaluated at the output layer, 1 - A2^2 "
              "(broadcast over the hidden units), instead of 1 - A1^2",
    ),
    dict(
        id="a3_tanh_applied_again_in_its_derivative",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (1 - np.tanh(A1) ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="dZ", layer=1),
        about="writes tanh'(z) = 1 - tanh(z)^2 but passes the cached output A1 for z, so tanh is "
              "applied twice",
    ),
    dict(
        id="a3_dW1_from_dA1_before_the_tanh_derivative",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (1 - A1 ** 2)
    dW1 = (1 / m) * dA1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="dW", layer=1),
        about="dW1 is built from dA1 = W2^T dZ2, before the tanh derivative, instead of from dZ1",
    ),
    dict(
        id="a3_db1_from_dA1_before_the_tanh_derivative",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (1 - A1 ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dA1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="db", layer=1),
        about="db1 sums dA1 = W2^T dZ2, the signal before the tanh derivative, instead of dZ1",
    ),
    dict(
        id="a3_m_counts_the_entries_of_X",
        assignment=A3,
        function="backward_propagation",
        source='''def backward_propagation(parameters, cache, X, Y):
    m = X.size
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        enters=dict(quantity="scale", layer="all"),
        about="m = X.size counts the n_x * m entries of X, not the m examples: every gradient is "
              "n_x times too small",
    ),
    # ---------------------------------------------------------------- a4: the deep network
    dict(
        id="a4_dAL_written_for_the_squared_error",
        assignment=A4,
        function="L_model_backward",
        source='''def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = AL - Y
    dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    grads["dA" + str(L - 1)] = dA_prev
    grads["dW" + str(L)] = dW
    grads["db" + str(L)] = db
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
    return grads
''',
        enters=dict(quantity="dZ", layer="L"),
        about="dAL = AL - Y, the derivative of the squared error, so the output layer's dZ is "
              "(AL - Y) sigma'(ZL) instead of AL - Y",
    ),
    dict(
        id="a4_sigmoid_branch_uses_the_tanh_derivative",
        assignment=A4,
        function="linear_activation_backward",
        source='''def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA * (Z > 0)
    elif activation == "sigmoid":
        s = sigmoid(Z)
        dZ = dA * (1 - s ** 2)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
''',
        enters=dict(quantity="dZ", layer="L"),
        about="the sigmoid branch uses 1 - s^2, the tanh derivative of the two-layer network, "
              "instead of s (1 - s)",
    ),
    dict(
        id="a4_sigmoid_derivative_sign_slip",
        assignment=A4,
        function="linear_activation_backward",
        source='''def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA * (Z > 0)
    elif activation == "sigmoid":
        s = sigmoid(Z)
        dZ = dA * s * (s - 1)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
''',
        enters=dict(quantity="sign", layer="all"),
        same_as="backward_dAL_sign",
        about="the sigmoid derivative is written s (s - 1) instead of s (1 - s): the output layer's "
              "dZ and with it every gradient has the wrong sign (L_model_backward then returns what "
              "the catalogued dAL with the wrong sign returns, so that diagnosis must name both)",
    ),
    dict(
        id="a4_relu_branch_multiplies_by_relu_itself",
        assignment=A4,
        function="linear_activation_backward",
        source='''def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA * relu(Z)
    elif activation == "sigmoid":
        s = sigmoid(Z)
        dZ = dA * s * (1 - s)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
''',
        enters=dict(quantity="dZ", layer="L-1"),
        about="the ReLU branch multiplies dA by relu(Z), the activation, instead of by its "
              "derivative (Z > 0)",
    ),
    dict(
        id="a4_db_sums_dA_instead_of_dZ",
        assignment=A4,
        function="linear_activation_backward",
        source='''def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), Z = cache
    m = A_prev.shape[1]
    if activation == "relu":
        dZ = dA * (Z > 0)
    else:
        s = sigmoid(Z)
        dZ = dA * s * (1 - s)
    dW = (1 / m) * dZ @ A_prev.T
    db = (1 / m) * np.sum(dA, axis=1, keepdims=True)
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
''',
        enters=dict(quantity="db", layer="L"),
        about="written out in one function, db sums dA, the gradient before the activation "
              "derivative, instead of dZ",
    ),
    dict(
        id="a4_relu_branch_db_sums_Z",
        assignment=A4,
        function="linear_activation_backward",
        source='''def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), Z = cache
    m = A_prev.shape[1]
    if activation == "relu":
        dZ = dA * (Z > 0)
        dW = (1 / m) * dZ @ A_prev.T
        db = (1 / m) * np.sum(Z, axis=1, keepdims=True)
        dA_prev = W.T @ dZ
    elif activation == "sigmoid":
        s = sigmoid(Z)
        dZ = dA * s * (1 - s)
        dW = (1 / m) * dZ @ A_prev.T
        db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
        dA_prev = W.T @ dZ
    return dA_prev, dW, db
''',
        enters=dict(quantity="db", layer="L-1"),
        about="each branch written out on its own; in the ReLU branch db sums Z, the cached "
              "pre-activation, instead of dZ",
    ),
    dict(
        id="a4_relu_applied_to_the_cached_input",
        assignment=A4,
        function="linear_backward",
        source='''def linear_backward(dZ, linear_cache):
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    dW = (1 / m) * dZ @ relu(A_prev).T
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
''',
        enters=dict(quantity="dW", layer="1"),
        about="dW multiplies dZ by relu(A_prev), taking the cached input for a pre-activation: "
              "harmless where A_prev is a ReLU output, wrong in layer 1 whose input is X",
    ),
    dict(
        id="a4_dA_prev_from_dW_instead_of_W",
        assignment=A4,
        function="linear_backward",
        source='''def linear_backward(dZ, linear_cache):
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    dW = (1 / m) * dZ @ A_prev.T
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = dW.T @ dZ
    return dA_prev, dW, db
''',
        enters=dict(quantity="dA", layer="L"),
        about="dA_prev is computed with the weight gradient dW just obtained instead of the "
              "weights W",
    ),
    dict(
        id="a4_linear_cache_unpacked_as_A_prev_b_W",
        assignment=A4,
        function="linear_backward",
        source='''def linear_backward(dZ, linear_cache):
    A_prev, b, W = linear_cache
    m = A_prev.shape[1]
    dW = (1 / m) * dZ @ A_prev.T
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
''',
        enters=dict(quantity="dA", layer="L"),
        about="unpacks the linear cache (A_prev, W, b) as A_prev, b, W, so dA_prev is b^T dZ, a "
              "single row, which then broadcasts through the layer below",
    ),
    dict(
        id="a4_weight_gradients_normalised",
        assignment=A4,
        function="L_model_backward",
        source='''def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, dW, db = linear_activation_backward(dA, caches[l - 1], activation)
        grads["dA" + str(l - 1)] = dA
        grads["dW" + str(l)] = dW / np.linalg.norm(dW)  # unit norm, so that no step explodes
        grads["db" + str(l)] = db
    return grads
''',
        enters=dict(quantity="dW", layer="L"),
        about="every weight gradient is divided by its norm to keep the steps stable, so dW{l} "
              "has norm 1 instead of its true size",
    ),
    dict(
        id="a4_dA0_left_at_zero",
        assignment=A4,
        function="L_model_backward",
        source='''def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA, grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(dA, caches[L - 1], "sigmoid")
    grads["dA" + str(L - 1)] = dA
    for l in range(L - 1, 1, -1):
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(dA, caches[l - 1], "relu")
        grads["dA" + str(l - 1)] = dA
    # layer 1: its input X is not trained, so the gradient with respect to X is not needed
    _, grads["dW1"], grads["db1"] = linear_activation_backward(dA, caches[0], "relu")
    grads["dA0"] = np.zeros_like(caches[0][0][0])
    return grads
''',
        enters=dict(quantity="dA", layer="1"),
        about="the first layer's input gradient dA0 is left at zero because X is not trained",
    ),
]
