"""Measuring a computation three ways: its matrix products counted, its time, its memory.

* :func:`count_multiply_adds` runs a function on arrays that record every matrix product made
  with them (``@``, ``np.matmul``, ``np.dot``) and counts its multiply-adds; it is the brute count
  that the formulas of :mod:`backprop.checkpoint` are checked against.
* :func:`time_pair` times two functions (a forward and a backward pass, say) in alternation, so
  that a change of load on a shared machine affects both alike, and gives the ratio of each
  repeat; :func:`spread` summarises repeats by their median, lowest and highest.
* :func:`traced_memory` measures with :mod:`tracemalloc` the bytes a call allocates and keeps,
  and the highest it held at any moment. NumPy reports the data buffers of its arrays to
  ``tracemalloc``, so an array of ``n`` float64 entries counts ``8 * n`` bytes (plus about a
  hundred bytes for the array object).
* :func:`set_blas_threads` sets, with ``threadpoolctl``, the number of threads of the BLAS
  library that NumPy's matrix products run in, so that timings do not depend on how many cores
  other work leaves free.
"""
import time
import tracemalloc
from collections import namedtuple

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

MemoryUse = namedtuple("MemoryUse", ["result", "held", "peak"])
"""What :func:`traced_memory` returns: the call's result, the bytes still allocated when the call
returned (those the result holds), and the most bytes allocated at any moment during the call."""


class _RecordingArray(np.ndarray):
    """An ndarray whose matrix products are recorded, and whose results are recording arrays too.

    ``products`` is the list that the next products are appended to, as ``(shape_a, shape_b)``
    pairs; :func:`count_multiply_adds` sets and resets it.
    """
    products = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(x) if isinstance(x, _RecordingArray) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.asarray(x) if isinstance(x, _RecordingArray) else x
                                  for x in kwargs["out"])
        if ufunc is np.matmul and method == "__call__":
            _record(plain[0], plain[1])
        return _wrap(getattr(ufunc, method)(*plain, **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        if func is np.dot:
            _record(np.asarray(args[0]), np.asarray(args[1]))
        return super().__array_function__(func, types, args, kwargs)


def _record(a, b):
    if _RecordingArray.products is not None:
        _RecordingArray.products.append((np.shape(a), np.shape(b)))


def _wrap(value):
    """Arrays in ``value`` viewed as recording arrays, inside tuples, lists and dicts too."""
    if isinstance(value, np.ndarray):
        return value.view(_RecordingArray)
    if isinstance(value, dict):
        return {key: _wrap(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_wrap(item) for item in value)
    return value


def _unwrap(value):
    """The inverse of :func:`_wrap`: recording arrays back to plain ndarrays."""
    if isinstance(value, _RecordingArray):
        return value.view(np.ndarray)
    if isinstance(value, dict):
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(item) for item in value)
    return value


def product_multiply_adds(shape_a, shape_b):
    """Multiply-adds of a matrix product of operands with these shapes: ``a * b * c`` for
    ``(a, b) @ (b, c)``; a 1-D operand counts as a row (on the left) or a column (on the right).
    """
    rows = shape_a[0] if len(shape_a) == 2 else 1
    columns = shape_b[1] if len(shape_b) == 2 else 1
    inner = shape_a[-1]
    if shape_b[0] != inner:
        raise ValueError("shapes %s and %s do not fit" % (shape_a, shape_b))
    return int(rows) * int(inner) * int(columns)


def count_multiply_adds(function, *args):
    """Run ``function(*args)`` and count the multiply-adds of the matrix products it makes.

    ``args`` may be arrays or dicts, lists and tuples of arrays (a ``parameters`` dict, say);
    the arrays are passed as views that record every ``@``, ``np.matmul`` and ``np.dot`` made
    with them or with arrays computed from them. The arguments themselves are not changed.
    Returns ``(result, multiply_adds, products)``: the result with plain ndarrays, the total of
    :func:`product_multiply_adds` over the products, and the list of ``(shape_a, shape_b)``
    pairs in the order the products were made.
    """
    if _RecordingArray.products is not None:
        raise RuntimeError("count_multiply_adds does not nest")
    products = []
    _RecordingArray.products = products
    try:
        result = function(*(_wrap(arg) for arg in args))
    finally:
        _RecordingArray.products = None
    total = sum(product_multiply_adds(a, b) for a, b in products)
    return _unwrap(result), total, products


def _calls_per_batch(function, min_seconds, clock):
    """How many consecutive calls of ``function()`` take at least ``min_seconds`` of ``clock()``
    (a power of 2, at most 2**16)."""
    number = 1
    while True:
        start = clock()
        for _ in range(number):
            function()
        if clock() - start >= min_seconds or number >= 2 ** 16:
            return number
        number *= 2


def time_pair(first, second, repeats=7, min_seconds=0.002, numbers=(None, None),
              clock=time.perf_counter):
    """Seconds per call of ``first()`` and of ``second()``, timed in alternation.

    A function whose entry in ``numbers`` is None is first called until a batch of ``number``
    calls takes at least ``min_seconds`` (this also warms it up); an int entry fixes its batch at
    that many calls, without warming up (for a slow function already called once). Then each of
    the ``repeats`` repeats times one batch of ``first`` and right after it one batch of
    ``second``, so that a change of load on the machine touches both alike. ``clock`` is
    ``time.perf_counter`` (wall-clock time) by default; ``time.thread_time`` counts only the CPU
    time of the calling thread, which leaves out the moments when other programs hold the core
    (and any work done in other threads: let the BLAS library use one thread). Returns a dict of
    arrays of length ``repeats``: ``"first"`` and ``"second"`` (seconds per call) and ``"ratio"``
    (second over first, repeat by repeat). For a forward and a backward pass,
    ``time_pair(forward, backward)`` gives the backward/forward ratio of each repeat.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    functions = (first, second)
    numbers = [_calls_per_batch(function, min_seconds, clock) if number is None else int(number)
               for function, number in zip(functions, numbers)]
    if min(numbers) < 1:
        raise ValueError("a batch has at least one call")
    seconds = np.zeros((2, repeats))
    for repeat in range(repeats):
        for which, (function, number) in enumerate(zip(functions, numbers)):
            start = clock()
            for _ in range(number):
                function()
            seconds[which, repeat] = (clock() - start) / number
    return {"first": seconds[0], "second": seconds[1], "ratio": seconds[1] / seconds[0]}


def spread(values):
    """``(median, low, high)`` of a sequence of numbers, as Python floats."""
    values = np.asarray(values, dtype=float)
    return float(np.median(values)), float(values.min()), float(values.max())


def traced_memory(function, *args):
    """Bytes allocated by ``function(*args)``, as :mod:`tracemalloc` sees them.

    Tracing starts just before the call and stops just after it, so the arguments, allocated
    before, are not counted. Returns a :data:`MemoryUse` ``(result, held, peak)``: ``held`` is
    what was still allocated when the call returned (what the result keeps), ``peak`` the most
    that was allocated at any moment of the call, both in bytes above the start. Raises
    ``RuntimeError`` if tracing is already on.
    """
    if tracemalloc.is_tracing():
        raise RuntimeError("tracemalloc is already tracing")
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        result = function(*args)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return MemoryUse(result, held - start, peak - start)


def set_blas_threads(count):
    """Let NumPy's BLAS library use ``count`` threads from now on; returns the number it used before.

    A matrix product split over several threads waits for the slowest of them, and on a machine
    where other work takes cores away this can make a small product many times slower.
    Timings meant to compare arithmetic are therefore taken with one thread. The limit is set with
    ``threadpoolctl`` and stays until it is set again. Returns ``None`` (and changes nothing) when
    ``threadpoolctl`` finds no BLAS library loaded in the process.
    """
    libraries = [info for info in threadpool_info() if info["user_api"] == "blas"]
    if not libraries:
        return None
    previous = libraries[0]["num_threads"]
    threadpool_limits(limits=int(count), user_api="blas")
    return previous
