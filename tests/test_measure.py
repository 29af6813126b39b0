"""backprop/measure.py: the brute count of matrix products, the timing helpers (structure only,
no timing value is asserted) and the memory measurement."""
import tracemalloc

import numpy as np
import pytest

from backprop.measure import (count_multiply_adds, product_multiply_adds, spread, time_pair,
                              traced_memory)


def test_product_multiply_adds():
    assert product_multiply_adds((2, 3), (3, 5)) == 30
    assert product_multiply_adds((3,), (3, 4)) == 12
    assert product_multiply_adds((2, 3), (3,)) == 6
    assert product_multiply_adds((3,), (3,)) == 3
    with pytest.raises(ValueError):
        product_multiply_adds((2, 3), (4, 5))


def test_count_records_every_product_and_follows_derived_arrays():
    rng = np.random.default_rng(0)
    A, B, C = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5))

    def chain(arrays):
        first = arrays["A"] @ arrays["B"]                  # (2, 4): 24
        second = np.tanh(first) * 2.0 + 1.0                 # no product
        third = np.dot(second, arrays["C"])                 # (2, 5): 40
        fourth = np.matmul(third.T, third)                  # (5, 2) @ (2, 5): 50
        return fourth, float(np.sum(fourth))

    (result, total), counted, products = count_multiply_adds(chain, {"A": A, "B": B, "C": C})
    assert products == [((2, 3), (3, 4)), ((2, 4), (4, 5)), ((5, 2), (2, 5))]
    assert counted == 24 + 40 + 50
    expected = np.dot(np.tanh(A @ B) * 2.0 + 1.0, C)
    np.testing.assert_allclose(result, expected.T @ expected)
    assert type(result) is np.ndarray and isinstance(total, float)
    assert type(A) is np.ndarray


def test_count_of_no_product_is_zero_and_counts_do_not_leak():
    x = np.arange(6.0).reshape(2, 3)
    _, counted, products = count_multiply_adds(lambda a: a * 2 + 1, x)
    assert counted == 0 and products == []
    y = x @ x.T                                            # outside any count: not recorded
    _, counted, _ = count_multiply_adds(lambda a: a @ a.T, x)
    assert counted == 2 * 3 * 2
    assert type(y) is np.ndarray


def test_counting_does_not_nest():
    x = np.ones((2, 2))
    with pytest.raises(RuntimeError):
        count_multiply_adds(lambda a: count_multiply_adds(lambda b: b @ b, a), x)
    assert count_multiply_adds(lambda a: a @ a, x)[1] == 8      # still usable afterwards


def test_time_pair_structure():
    calls = {"first": 0, "second": 0}

    def first():
        calls["first"] += 1

    def second():
        calls["second"] += 1
        sum(range(50))

    timings = time_pair(first, second, repeats=3, min_seconds=1e-4)
    assert set(timings) == {"first", "second", "ratio"}
    for key in timings:
        assert timings[key].shape == (3,)
        assert np.all(np.isfinite(timings[key])) and np.all(timings[key] > 0)
    np.testing.assert_allclose(timings["ratio"], timings["second"] / timings["first"])
    assert calls["first"] >= 4 and calls["second"] >= 4          # calibration and 3 repeats
    with pytest.raises(ValueError):
        time_pair(first, second, repeats=0)
    with pytest.raises(ValueError):
        time_pair(first, second, repeats=2, numbers=(0, None))


def test_time_pair_fixed_batches_are_not_warmed_up():
    calls = {"first": 0, "second": 0}

    def first():
        calls["first"] += 1

    def second():
        calls["second"] += 1

    timings = time_pair(first, second, repeats=4, numbers=(3, 1))
    assert calls == {"first": 12, "second": 4}
    assert timings["ratio"].shape == (4,)


def test_spread():
    assert spread([3.0, 1.0, 2.0, 10.0, 4.0]) == (3.0, 1.0, 10.0)
    assert all(isinstance(value, float) for value in spread(np.array([1, 2])))


def test_traced_memory_sees_numpy_arrays():
    shape = (100, 300)
    nbytes = 100 * 300 * 8
    kept = traced_memory(np.ones, shape)
    assert kept.result.shape == shape
    assert nbytes <= kept.held < nbytes + 2000
    assert kept.peak >= kept.held

    def temporary():
        big = np.ones(shape)
        return float(big.sum())

    dropped = traced_memory(temporary)
    assert dropped.held < 2000
    assert nbytes <= dropped.peak < nbytes + 2000
    assert not tracemalloc.is_tracing()


def test_traced_memory_refuses_to_nest():
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError):
            traced_memory(np.ones, 3)
    finally:
        tracemalloc.stop()


def test_set_blas_threads_round_trip():
    from backprop.measure import set_blas_threads
    previous = set_blas_threads(1)
    if previous is None:
        pytest.skip("NumPy does not use OpenBLAS here")
    try:
        assert previous >= 1
        assert set_blas_threads(1) == 1
        a = np.arange(12.0).reshape(3, 4)
        np.testing.assert_array_equal(a @ a.T, np.einsum("ij,kj->ik", a, a))
    finally:
        set_blas_threads(previous)
    assert set_blas_threads(previous) == previous


def test_time_pair_reads_the_clock_it_is_given():
    ticks = iter(range(10 ** 6))

    def clock():
        return float(next(ticks))

    timings = time_pair(lambda: None, lambda: None, repeats=3, numbers=(2, 4), clock=clock)
    # every batch reads the clock twice, one tick apart: 1 tick per batch of 2 or of 4 calls
    np.testing.assert_array_equal(timings["first"], [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(timings["second"], [0.25, 0.25, 0.25])
    np.testing.assert_array_equal(timings["ratio"], [0.5, 0.5, 0.5])
