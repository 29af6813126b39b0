"""Shapes, cache sizes and operation counts: the bookkeeping of chapter "The forward pass, caching
and shapes".

Column convention: ``X`` is ``(n_x, m)``, one example per column. A *symbolic shape* is a tuple
of size names and integers, such as ``("n_h", 1)``; a dict of sizes such as ``{"n_h": 4}`` turns
it into an integer shape.
"""
import numpy as np


def shape_of(symbolic, sizes):
    """The integer shape of a symbolic shape: ``shape_of(("n_h", 1), {"n_h": 4}) == (4, 1)``."""
    return tuple(sizes[dimension] if isinstance(dimension, str) else dimension
                 for dimension in symbolic)


def _latex_shape(symbolic):
    return "$(" + ", ".join(str(dimension) for dimension in symbolic) + ")$"


def shape_table(rows, arrays, sizes):
    """A Markdown table of the shapes of actual arrays, checked against their symbolic shapes.

    ``rows``: ``(name, description, symbolic shape)`` triples, one per table row, such as
    ``("b1", "hidden-layer biases", ("n_h", 1))``; ``arrays``: name -> ndarray; ``sizes``: size
    name -> int. The table has the columns name, what it is, shape (in symbols) and shape here
    (the ``.shape`` of the array). Raises ``AssertionError`` naming the first array whose shape
    differs from ``shape_of(symbolic, sizes)``.
    """
    lines = ["| name | what it is | shape | shape here |", "|---|---|---|---|"]
    for name, description, symbolic in rows:
        actual = np.shape(arrays[name])
        expected = shape_of(symbolic, sizes)
        assert actual == expected, f"{name} has shape {actual}, expected {symbolic} = {expected}"
        lines.append(f"| `{name}` | {description} | {_latex_shape(symbolic)} | `{actual}` |")
    return "\n".join(lines)


def check_gradient_shapes(parameters, grads):
    """Assert that every gradient has the shape of what it is the gradient of.

    ``parameters``: name -> array (``"W1"``, ``"b1"``, ...); ``grads``: ``"d" + name`` -> array.
    Raises ``AssertionError`` for a missing, extra or wrongly shaped gradient, with a message that
    gives both shapes.
    """
    expected_keys = {"d" + name for name in parameters}
    assert set(grads) == expected_keys, f"gradients {sorted(grads)}, expected {sorted(expected_keys)}"
    for name, value in parameters.items():
        gradient = grads["d" + name]
        assert gradient.shape == value.shape, (
            f"d{name} has shape {gradient.shape} but {name} has shape {value.shape}")


def cache_nbytes(cache):
    """Bytes held by the arrays of a cache dict; entries that are ``None`` hold none."""
    return sum(value.nbytes for value in cache.values() if value is not None)


def loop_matmul(A, B):
    """The matrix product of ``A`` (p, q) and ``B`` (q, r) by three loops, counted.

    Returns ``(product, multiply_adds)``: the (p, r) product and the number of scalar
    multiply-adds performed, counted one at a time as they are done (it equals p q r).
    """
    A, B = np.asarray(A), np.asarray(B)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"loop_matmul needs (p, q) @ (q, r), got {A.shape} @ {B.shape}")
    product = np.zeros((A.shape[0], B.shape[1]), dtype=np.result_type(A, B))
    multiply_adds = 0
    for i in range(A.shape[0]):
        for j in range(B.shape[1]):
            total = 0.0
            for k in range(A.shape[1]):
                total += A[i, k] * B[k, j]
                multiply_adds += 1
            product[i, j] = total
    return product, multiply_adds


class _CountingArray(np.ndarray):
    """An ndarray whose matrix products go through ``loop_matmul`` and are counted."""

    multiply_adds = 0  # the running count of the current ``count_multiply_adds`` call

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [x.view(np.ndarray) if isinstance(x, _CountingArray) else x for x in inputs]
        if ufunc is np.matmul and method == "__call__" and not kwargs:
            result, count = loop_matmul(*plain)
            _CountingArray.multiply_adds += count
        else:
            result = getattr(ufunc, method)(*plain, **kwargs)
        return result.view(_CountingArray) if isinstance(result, np.ndarray) else result


def _convert(value, array_type):
    if isinstance(value, np.ndarray):
        return value.view(array_type)
    if isinstance(value, dict):
        return {key: _convert(item, array_type) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_convert(item, array_type) for item in value)
    return value


def count_multiply_adds(function, *args):
    """Run ``function(*args)`` with every matrix product done by ``loop_matmul``, and count.

    Arrays among ``args``, also inside dicts, lists and tuples, are viewed as arrays whose ``@``
    (``np.matmul``) multiplies by three loops and counts each scalar multiply-add; every other
    operation runs as usual and is not counted. Returns ``(result, multiply_adds)``, with the
    arrays in ``result`` plain ndarrays again. Not reentrant: the count is kept in one place.
    """
    _CountingArray.multiply_adds = 0
    result = function(*_convert(args, _CountingArray))
    return _convert(result, np.ndarray), _CountingArray.multiply_adds
