"""Assignment a7: the secret cases, the reference, and the memory that the trusted side measures.

The memory check runs the student's ``checkpointed_backward`` alone in a sandbox on a network drawn
there from a seed (``harness.SeededNetwork``), reads the sandbox's peak memory from its cgroup and
compares it with two trusted versions measured the same way. The tests here check the pieces (the
seeded network, the fingerprint of the gradients, the judge) and that the ways of lowering the peak
without checkpointing are refused: activations kept in float32 (lossy), every activation kept
without its Z, and every activation kept without its zeros.
"""
import dataclasses
import json
import math

import numpy as np
import pytest

from backprop import checkpoint, deep
from grader import assignments, course, harness, judging, sandbox, secret, verify
from grader.checks import Outcome, compare
from grader.mutants import read_notebook
from tests.conftest import grade_file

A7 = "a7_complexity"


@pytest.fixture(scope="module")
def a7():
    return assignments.load(A7)


@pytest.fixture(scope="module")
def cases(a7):
    return a7.make_cases(np.random.default_rng(11))


def _measured_case(cases):
    (case,) = [case for case in cases if case.measured]
    return case


def test_the_reference_gradients_are_the_full_backward_pass_and_the_books_checkpointing(a7, cases):
    for case in cases:
        if case.function != "checkpointed_backward" or case.measured:
            continue
        X, Y, parameters, k = case.args
        AL, caches = deep.L_model_forward(X, parameters)
        full = deep.L_model_backward(AL, Y, caches)
        want = a7.reference.checkpointed_backward(X, Y, parameters, k)
        book = checkpoint.checkpointed_backward(X, Y, parameters, k)
        assert sorted(want) == sorted(book) == sorted(key for key in full if not key.startswith("dA"))
        for key in want:
            assert np.allclose(want[key], full[key], rtol=1e-12, atol=1e-15)
            assert np.allclose(book[key], full[key], rtol=1e-12, atol=1e-15)


def test_gradients_by_chunks_of_examples_are_those_of_the_whole_batch(a7):
    rng = np.random.default_rng(2)
    layer_dims = [5, 7, 3, 1]
    X, Y = rng.standard_normal((5, 2 * a7.CHUNK + 37)), (rng.random((1, 2 * a7.CHUNK + 37)) < 0.5).astype(float)
    parameters = {}
    for l in range(1, 4):
        parameters["W%d" % l] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) / np.sqrt(layer_dims[l - 1])
        parameters["b%d" % l] = 0.5 * rng.standard_normal((layer_dims[l], 1))
    AL, caches = deep.L_model_forward(X, parameters)
    whole = deep.L_model_backward(AL, Y, caches)
    chunked = a7.full_gradients(X, Y, parameters)
    assert sorted(chunked) == ["dW1", "dW2", "dW3", "db1", "db2", "db3"]
    for key, value in chunked.items():
        assert value.shape == whole[key].shape and np.allclose(value, whole[key], rtol=1e-12, atol=1e-15)


def test_the_counts_are_the_formulas_the_release_states(a7, cases):
    for case in cases:
        if case.function not in ("forward_multiply_adds", "backward_multiply_adds"):
            continue
        layer_dims, m = case.args
        forward = sum(layer_dims[l] * layer_dims[l - 1] * m for l in range(1, len(layer_dims)))
        want = forward if case.function == "forward_multiply_adds" else 2 * forward - layer_dims[1] * layer_dims[0] * m
        got = getattr(a7.reference, case.function)(layer_dims, m)
        assert type(got) is int and got == want
    release = read_notebook(course.release_notebook(A7))
    text = " ".join("".join(cell["source"]) for cell in release["cells"] if cell["cell_type"] == "markdown")
    for phrase in ("**$n_l\\, n_{l-1}\\, m$**", "**$2\\, n_l\\, n_{l-1}\\, m$**", "**except the first layer**",
                   "Only the **matrix products** are counted"):
        assert phrase in text


@pytest.mark.parametrize("seed", range(6))
def test_the_secret_cases_meet_the_standard(a7, seed):
    cases = a7.make_cases(np.random.default_rng(seed))
    for check in a7.CHECKS:
        mine = [case for case in cases if case.function == check.function
                and (check.applies_to is None or check.applies_to(case))]
        assert mine, "check %r has no case" % check.name
    counts = [case for case in cases if case.function in ("forward_multiply_adds", "backward_multiply_adds")]
    assert {len(case.args[0]) - 1 for case in counts} >= {1, 2, 3} and {case.args[1] for case in counts} >= {1}
    assert all(len(set(case.args[0])) == len(case.args[0]) for case in counts)
    gradients = [case for case in cases if case.function == "checkpointed_backward" and not case.measured]
    assert {case.args[0].shape[1] for case in gradients} >= {1} and len({case.args[0].shape[1] for case in gradients}) > 2
    depths_and_k = {(len(case.args[2]) // 2, case.args[3]) for case in gradients}
    assert any(L == 1 for L, _ in depths_and_k)
    assert any(1 < k < L and L % k and k == round(math.sqrt(L)) for L, k in depths_and_k)
    assert any(1 < k < L and L % k == 0 and k == round(math.sqrt(L)) for L, k in depths_and_k)
    assert any(k > L for L, k in depths_and_k) and any(k == L > 1 for L, k in depths_and_k)
    measured = _measured_case(cases)
    assert measured is cases[-1] and measured.args[3] == a7.MEMORY_K == 12


def test_the_measured_case_sends_a_seed_not_megabytes(a7, cases):
    case = _measured_case(cases)
    call = verify._call(case)
    assert len(json.dumps(call)) < 20_000
    assert [arg["t"] for arg in call["args"][:3]] == ["seeded"] * 3
    assert len(call["fingerprint"]["keys"]) == 2 * a7.MEMORY_LAYERS
    other = a7.make_cases(np.random.default_rng(12))[-1]
    assert other.args[0].seed != case.args[0].seed, "the large network is drawn from the grading seed"


def test_a_seeded_network_is_drawn_alike_on_both_sides_and_refuses_malformed_data():
    part = harness.SeededNetwork("parameters", [5, 4, 3, 1], 7, 123)
    sent = json.loads(json.dumps(harness.encode(part)))
    drawn = harness.decode(sent)
    again = part.value()
    assert sorted(drawn) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert all(np.array_equal(drawn[key], again[key]) for key in drawn)
    assert drawn["W2"].shape == (3, 4) and drawn["b3"].shape == (1, 1)
    X = harness.SeededNetwork("X", [5, 4, 3, 1], 7, 123).value()
    Y = harness.SeededNetwork("Y", [5, 4, 3, 1], 7, 123).value()
    assert X.shape == (5, 7) and Y.shape == (1, 7) and set(np.unique(Y)) <= {0.0, 1.0}
    assert not np.array_equal(harness.SeededNetwork("X", [5, 4, 3, 1], 7, 124).value(), X)
    good = part.as_data()
    for bad in (dict(good, extra=1), dict(good, m=True), dict(good, m=0), dict(good, seed=-1), dict(good, seed=2**64),
                dict(good, layer_dims=[5, 4.0, 1]), dict(good, layer_dims=[5]), dict(good, part="Z"),
                dict(good, layer_dims=[5, 10**6, 1]), dict(good, family="other"), [good]):
        with pytest.raises(ValueError):
            harness.SeededNetwork.from_data(bad)


def test_the_large_network_is_dense_so_dropping_zeros_saves_little(a7):
    X, Y, parameters = (harness.SeededNetwork(part, list(a7.MEMORY_LAYER_DIMS), 2048, 5).value()
                        for part in harness.SeededNetwork.PARTS)
    A, active = X, []
    for l in range(1, a7.MEMORY_LAYERS):
        Z = parameters["W%d" % l] @ A + parameters["b%d" % l]
        active.append(np.mean(Z > 0))
        A = np.maximum(Z, 0.0)
    AL = 1 / (1 + np.exp(-(parameters["W%d" % a7.MEMORY_LAYERS] @ A + parameters["b%d" % a7.MEMORY_LAYERS])))
    assert np.mean(active) > 0.93 and min(active) > 0.6
    assert 0.01 < AL.min() and AL.max() < 0.99


def test_seeded_arguments_changed_in_place_are_reported():
    sent = [harness.SeededNetwork(part, [4, 3, 1], 5, 9).as_data() for part in harness.SeededNetwork.PARTS]
    args = [harness.decode(item) for item in sent]
    assert harness.changed_arguments(args, sent) == []
    args[0][0, 0] += 1.0
    args[2]["W2"] = args[2]["W2"].astype(np.float32)
    assert harness.changed_arguments(args, sent) == [0, 2]


def test_the_fingerprint_tells_rounding_from_a_wrong_or_missing_gradient(a7):
    rng = np.random.default_rng(4)
    grads = {"dW1": rng.standard_normal((3, 4)), "db1": rng.standard_normal((3, 1)), "dW2": rng.standard_normal((1, 3)),
             "db2": rng.standard_normal((1, 1))}
    keys = ["dW1", "db1", "dW2", "db2"]
    spec = {"keys": keys, "shapes": [list(grads[key].shape) for key in keys], "seed": 8}
    want = harness.fingerprint(grads, spec)
    assert want.shape == (4, 3) and np.all(np.isfinite(want))

    def problem(changed):
        return a7._fingerprint_problem(want, harness.fingerprint(changed, spec), "a case", keys)
    assert problem({key: value * (1 + 1e-14) for key, value in grads.items()}) is None
    assert "float32" in problem(dict(grads, dW1=grads["dW1"].astype(np.float32).astype(np.float64)))
    assert "1 of the 4 gradients (the first dW2) differ" in problem(dict(grads, dW2=2 * grads["dW2"]))
    assert "float32" not in problem(dict(grads, dW2=2 * grads["dW2"]))
    assert "the first db1" in problem({key: value for key, value in grads.items() if key != "db1"})
    assert "the first dW1" in problem(dict(grads, dW1=grads["dW1"].T.copy()))
    assert "the first dW2" in problem(dict(grads, dW2=grads["dW2"].astype(np.float32)))
    assert "the first db2" in problem(dict(grads, db2=np.array([[np.nan]])))
    unevaluated = harness.fingerprint([1.0], spec)
    assert isinstance(unevaluated, harness.Unevaluated) and "list" in unevaluated.description


def test_counts_are_compared_as_python_ints():
    assert compare(12, 12, "the count") is None
    assert "should be a Python int; got float" in compare(12, 12.0, "the count")
    assert "off by a constant factor of 2" in compare(12, 24, "the count")
    assert "should be a Python int; got bool" in compare(1, True, "the count")
    assert compare(np.int64(12), 12, "the count") is None


# Versions of checkpointed_backward that lower the peak without checkpointing, written as a cell
# after the solution's definitions. Each keeps an array for every layer.
FLOAT32 = '''
def checkpointed_backward(X, Y, parameters, k):
    L = len(parameters) // 2
    kept = []
    A = X
    for l in range(1, L + 1):
        kept.append(A.astype(np.float32))
        A, _ = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                         "sigmoid" if l == L else "relu")
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    grads = {}
    for l in range(L, 0, -1):
        A_prev = kept.pop().astype(np.float64)
        _, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)],
                                             "sigmoid" if l == L else "relu")
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, cache, "sigmoid" if l == L else "relu")
    return grads
'''
EVERY_A = FLOAT32.replace("A.astype(np.float32)", "A").replace("kept.pop().astype(np.float64)", "kept.pop()")
SPARSE = FLOAT32.replace("kept.append(A.astype(np.float32))",
                         "kept.append(A if l == 1 else (np.packbits(A > 0), A[A > 0], A.shape))").replace(
    "A_prev = kept.pop().astype(np.float64)",
    "item = kept.pop()\n        if l == 1:\n            A_prev = item\n        else:\n"
    "            bits, values, shape = item\n            A_prev = np.zeros(shape)\n"
    "            A_prev[np.unpackbits(bits, count=shape[0] * shape[1]).reshape(shape).astype(bool)] = values")
SIX_BYTES = FLOAT32.replace("kept.append(A.astype(np.float32))",
                            "kept.append(np.ascontiguousarray(A).view(np.uint8).reshape(-1, 8)[:, 2:].copy())").replace(
    "A_prev = kept.pop().astype(np.float64)",
    "bytes_ = np.zeros((kept[-1].shape[0], 8), np.uint8)\n        bytes_[:, 2:] = kept.pop()\n"
    "        A_prev = bytes_.reshape(-1).view(np.float64).reshape(-1, X.shape[1])")
ZEROS = '''
def checkpointed_backward(X, Y, parameters, k):
    return {"d" + name: np.zeros_like(value) for name, value in parameters.items()}
'''


@pytest.fixture(scope="module")
def peaks(a7):
    return a7.reference_peaks()


def _measure(a7, case, extra=None):
    cells = list(a7._solution_cells()) + ([{"index": 99, "code": extra}] if extra else [])
    return verify.measure_case(cells, case)


@pytest.fixture(scope="module")
def memory_case(a7):
    return a7.make_cases(np.random.default_rng(21))[-1]


def test_the_references_peaks_are_far_apart_and_well_under_the_limit(a7, peaks):
    full, checkpointed = peaks
    assert full < 0.7 * sandbox.Limits().memory_bytes
    assert full > 4 * checkpointed
    limit = a7.threshold(full, checkpointed)
    assert checkpointed + 100 * 2**20 < limit < full - 300 * 2**20


def test_the_solution_passes_well_below_the_threshold(a7, peaks, memory_case):
    outcome = _measure(a7, memory_case)
    assert outcome.returned and outcome.peak_memory_bytes is not None
    assert a7.judge_memory([memory_case], [outcome]) is None
    assert outcome.peak_memory_bytes < 0.6 * a7.threshold(*peaks)


@pytest.mark.parametrize("version, refused_by", [(FLOAT32, "float32"), (EVERY_A, "held up to"), (SPARSE, "held up to"),
                                                 (SIX_BYTES, ""), (ZEROS, "differ from those of the full backward pass")])
def test_lowering_the_peak_without_checkpointing_earns_nothing(a7, peaks, memory_case, version, refused_by):
    outcome = _measure(a7, memory_case, version)
    assert outcome.returned, outcome.error
    verdict = a7.judge_memory([memory_case], [outcome])
    assert verdict is not None and refused_by in verdict[0], verdict
    if refused_by == "held up to":
        assert verdict[1] == a7.MEMORY_DIAGNOSIS
        assert outcome.peak_memory_bytes > 1.15 * a7.threshold(*peaks)
        assert "…" not in judging._shown(verdict[0]).split("held up to")[1], "the figures survive the mask"


def test_a_peak_above_or_below_the_threshold_decides_alone(a7, memory_case, monkeypatch):
    want = a7._fingerprint_of_reference(memory_case)
    monkeypatch.setattr(a7, "reference_peaks", lambda: (600 * 2**20, 100 * 2**20))
    limit = a7.threshold(600 * 2**20, 100 * 2**20)
    below = Outcome(True, value=want.copy(), peak_memory_bytes=int(limit) - 1)
    above = dataclasses.replace(below, peak_memory_bytes=int(limit) + 1)
    assert a7.judge_memory([memory_case], [below]) is None
    message, diagnosis = a7.judge_memory([memory_case], [above])
    assert "needs less than 245 MiB" in message and diagnosis == a7.MEMORY_DIAGNOSIS


def _no_memory_cgroup(monkeypatch):
    """Make every sandbox run report what a machine without a memory cgroup reports: no peak."""
    run_job = sandbox.run_job

    def without_peak(job, limits=sandbox.Limits()):
        return dataclasses.replace(run_job(job, limits), memory_limited=False, peak_memory_bytes=None)
    monkeypatch.setattr(verify.sandbox, "run_job", without_peak)


def test_without_a_memory_cgroup_the_memory_points_are_withheld_and_it_says_why(a7, tmp_path, monkeypatch):
    _no_memory_cgroup(monkeypatch)
    verdict = grade_file(tmp_path, A7, read_notebook(course.solution_notebook(A7)), secret.one_time_secret(), "s")
    failed = [check for check in verdict.checks if not check["passed"]]
    assert [check["name"] for check in failed] == ["memory: a large network, the peak measured by the grader"]
    assert verdict.score == verdict.max_score - 4
    assert "memory could not be measured on this grading machine" in failed[0]["message"]
    assert "withheld, not awarded" in failed[0]["message"]


def test_without_a_memory_cgroup_the_references_are_not_measured_either(a7, monkeypatch):
    _no_memory_cgroup(monkeypatch)
    monkeypatch.setattr(a7, "_peaks", {})
    with pytest.raises(a7.MemoryNotMeasured, match="could not be measured on this grading machine"):
        a7.reference_peaks()
    assert a7._peaks == {}, "a failure is not remembered"


def test_a_measured_case_is_not_run_when_its_function_returned_on_no_other_case(a7, memory_case, monkeypatch):
    monkeypatch.setattr(verify.sandbox, "run_job", lambda *args, **kwargs: pytest.fail("no sandbox should start"))
    outcomes = verify.run_measured([], [memory_case], deadline=math.inf, returned={"forward_multiply_adds"})
    assert outcomes[memory_case.id].error == "not run: checkpointed_backward() returned on none of the other cases"
