"""A second, independent set of realistic wrong versions of backward passes.

The format, the walk order and the meaning of ``enters`` are exactly those of
``tests/wrong_versions.py``: each entry rewrites one graded function of ``a3_two_layer_network`` or
``a4_deep_network`` with a single mistake, and ``enters`` names the first quantity, walking backward
from the cost, whose own computation contains the mistake. None of these mistakes is in
``tests/wrong_versions.py``.
"""

A3 = "a3_two_layer_network"
A4 = "a4_deep_network"

_A3_TEMPLATE = '''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    A2 = cache["A2"]
    W2 = parameters["W2"]
    dZ2 = {dZ2}
    dW2 = {dW2}
    db2 = {db2}
    dZ1 = {dZ1}
    dW1 = {dW1}
    db1 = {db1}
    return {{"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}}
'''
_A3_RIGHT = dict(
    dZ2="A2 - Y",
    dW2="(1 / m) * dZ2 @ A1.T",
    db2="(1 / m) * np.sum(dZ2, axis=1, keepdims=True)",
    dZ1="(W2.T @ dZ2) * (1 - A1 ** 2)",
    dW1="(1 / m) * dZ1 @ X.T",
    db1="(1 / m) * np.sum(dZ1, axis=1, keepdims=True)",
)


def _a3(**wrong):
    return _A3_TEMPLATE.format(**dict(_A3_RIGHT, **wrong))


_LINEAR_BACKWARD = '''def linear_backward(dZ, linear_cache):
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    dW = {dW}
    db = {db}
    dA_prev = {dA_prev}
    return dA_prev, dW, db
'''
_LINEAR_RIGHT = dict(
    dW="(1 / m) * dZ @ A_prev.T",
    db="(1 / m) * np.sum(dZ, axis=1, keepdims=True)",
    dA_prev="W.T @ dZ",
)


def _linear(**wrong):
    return _LINEAR_BACKWARD.format(**dict(_LINEAR_RIGHT, **wrong))


_ACTIVATION_BACKWARD = '''def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
{relu}
    elif activation == "sigmoid":
{sigmoid}
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
'''
_RELU_RIGHT = "        dZ = dA * (Z > 0)"
_SIGMOID_RIGHT = "        s = sigmoid(Z)\n        dZ = dA * s * (1 - s)"


def _activation(relu=_RELU_RIGHT, sigmoid=_SIGMOID_RIGHT):
    return _ACTIVATION_BACKWARD.format(relu=relu, sigmoid=sigmoid)


WRONG_VERSIONS = [
    # ---------------------------------------------------------------- a3: the two-layer network
    dict(
        id="a3_dZ2_from_the_thresholded_prediction",
        assignment=A3,
        function="backward_propagation",
        source=_a3(dZ2="(A2 > 0.5) - Y"),
        enters=dict(quantity="dZ", layer=2),
        about="dZ2 subtracts Y from the predicted class (A2 > 0.5) instead of from the probability A2",
    ),
    dict(
        id="a3_db2_as_the_row_sum_of_dW2",
        assignment=A3,
        function="backward_propagation",
        source=_a3(db2="np.sum(dW2, axis=1, keepdims=True)"),
        enters=dict(quantity="db", layer=2),
        about="db2 sums the row of dW2, as if the bias were a weight on every hidden unit, instead of "
              "averaging dZ2 over the examples",
    ),
    dict(
        id="a3_hidden_layer_uses_the_sigmoid_derivative",
        assignment=A3,
        function="backward_propagation",
        source=_a3(dZ1="(W2.T @ dZ2) * A1 * (1 - A1)"),
        enters=dict(quantity="dZ", layer=1),
        about="the tanh hidden layer is differentiated as a sigmoid layer, A1 (1 - A1) instead of 1 - A1^2",
    ),
    dict(
        id="a3_tanh_derivative_squared_after_the_subtraction",
        assignment=A3,
        function="backward_propagation",
        source=_a3(dZ1="(W2.T @ dZ2) * (1 - A1) ** 2"),
        enters=dict(quantity="dZ", layer=1),
        about="the tanh derivative is written (1 - A1) ** 2, squaring the difference, instead of 1 - A1 ** 2",
    ),
    dict(
        id="a3_dW1_from_A1_instead_of_dZ1",
        assignment=A3,
        function="backward_propagation",
        source=_a3(dW1="(1 / m) * A1 @ X.T"),
        enters=dict(quantity="dW", layer=1),
        about="dW1 multiplies the hidden activations A1, not the hidden error dZ1, by X transposed",
    ),
    dict(
        id="a3_db1_applies_the_tanh_derivative_again",
        assignment=A3,
        function="backward_propagation",
        source=_a3(db1="(1 / m) * np.sum(dZ1 * (1 - A1 ** 2), axis=1, keepdims=True)"),
        enters=dict(quantity="db", layer=1),
        about="db1 multiplies dZ1, which already holds the tanh derivative, by 1 - A1^2 a second time",
    ),
    # ---------------------------------------------------------------- a4: the deep network
    dict(
        id="a4_zero_based_loop_never_picks_the_sigmoid",
        assignment=A4,
        function="L_model_backward",
        source='''def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in reversed(range(L)):
        activation = "sigmoid" if l == L else "relu"
        dA_prev, dW, db = linear_activation_backward(dA, caches[l], activation)
        grads["dA" + str(l)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
        dA = dA_prev
    return grads
''',
        enters=dict(quantity="dZ", layer="L"),
        same_as="backward_all_relu",
        about="the loop index runs from L - 1 down to 0 but the test for the output layer is l == L, "
              "so the output layer goes back with the ReLU derivative instead of the sigmoid's",
    ),
    dict(
        id="a4_dAL_without_parentheses_around_1_minus_AL",
        assignment=A4,
        function="L_model_backward",
        source='''def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(Y / AL - (1 - Y) / 1 - AL)
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA_prev, dW, db = linear_activation_backward(dA, caches[l - 1], activation)
        grads["dA" + str(l - 1)] = dA_prev
        grads["dW" + str(l)] = dW
        grads["db" + str(l)] = db
        dA = dA_prev
    return grads
''',
        enters=dict(quantity="dZ", layer="L"),
        about="dAL is written (1 - Y) / 1 - AL, so the second term divides by 1 and subtracts AL",
    ),
    dict(
        id="a4_sigmoid_written_without_parentheses",
        assignment=A4,
        function="linear_activation_backward",
        source=_activation(sigmoid="        s = 1 / 1 + np.exp(-Z)\n        dZ = dA * s * (1 - s)"),
        enters=dict(quantity="dZ", layer="L"),
        about="the sigmoid is recomputed as 1 / 1 + np.exp(-Z), that is 1 + exp(-Z), before its derivative",
    ),
    dict(
        id="a4_relu_mask_inverted",
        assignment=A4,
        function="linear_activation_backward",
        source=_activation(relu="        dZ = np.array(dA, copy=True)\n        dZ[Z > 0] = 0"),
        enters=dict(quantity="dZ", layer="L-1"),
        about="the ReLU backward step zeroes the gradient where Z > 0 instead of where Z <= 0",
    ),
    dict(
        id="a4_dW_keeps_an_L2_term",
        assignment=A4,
        function="linear_backward",
        source=_linear(dW="(1 / m) * dZ @ A_prev.T + (0.7 / m) * W"),
        enters=dict(quantity="dW", layer="L"),
        about="dW keeps the weight-decay term (lambda / m) W with lambda = 0.7, although the cost has "
              "no regularisation",
    ),
    dict(
        id="a4_db_as_the_row_sum_of_dW",
        assignment=A4,
        function="linear_backward",
        source=_linear(db="np.sum(dW, axis=1, keepdims=True)"),
        enters=dict(quantity="db", layer="L"),
        about="db sums each row of dW, as if the bias were a weight on every input, instead of "
              "averaging dZ over the examples",
    ),
    dict(
        id="a4_dA_prev_through_the_pseudo_inverse_of_W",
        assignment=A4,
        function="linear_backward",
        source=_linear(dA_prev="np.linalg.pinv(W) @ dZ"),
        enters=dict(quantity="dA", layer="L"),
        about="dA_prev inverts Z = W A_prev with the pseudo-inverse of W instead of multiplying dZ by W^T",
    ),
]
