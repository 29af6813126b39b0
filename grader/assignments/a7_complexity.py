"""Assignment a7: cost, in time and memory (the chapter "Cost: time and memory").

Secret cases, checks and the catalogue of known wrong versions. The reference is
``backprop.checkpoint`` for the counts of multiply-adds and the layers that checkpointing keeps,
and, for ``checkpointed_backward``, the gradients of ``backprop.deep``'s full backward pass
(:func:`full_gradients`): checkpointing changes where the activations come from, not the
gradients. ``tests/test_a7.py`` checks that ``backprop.checkpoint.checkpointed_backward`` agrees.

Memory is measured by the trusted side, never reported by the student's code. One more call of
``checkpointed_backward`` runs alone in a sandbox of its own (``grader.verify.run_measured``), on a
network far too large to send: ``MEMORY_LAYERS`` = 144 layers of ``MEMORY_UNITS`` = 16 units and
``MEMORY_EXAMPLES`` = 2**14 examples, so that an activation is 2 MiB and the cache of the whole
forward pass (every ``A`` and every ``Z``) about 570 MiB, with ``k`` = 12. Its inputs are drawn
inside the sandbox from a secret seed (``grader.harness.SeededNetwork``; dense activations, so
that dropping their zeros saves little), and what comes back is a fingerprint of the gradients
(``grader.harness.fingerprint``), which must agree with the reference's to float64 rounding
(``FINGERPRINT_RTOL``: activations kept in float32, or in 6 of their 8 bytes, do not). The parent
reads the sandbox's peak memory from its memory cgroup and compares it with the peaks of two
trusted versions from the solution notebook, run the same way on a network of the same sizes:
``full_backward`` (the full cache) and ``checkpointed_backward`` with the same ``k``. The points go
to a peak below the geometric mean of the two (:func:`threshold`). Measured on the machine where
this was written: full cache 602 MiB, checkpointing 95 MiB, threshold 239 MiB; the solution 95 MiB;
keeping every layer's input (the catalogued wrong version) 359 MiB; every ``A`` but no ``Z`` 317
MiB, and the same without the zeros of the ReLUs 318 MiB; every ``A`` in float32 224 MiB (below
the threshold, refused for its gradients). A machine that gives the sandbox no memory cgroup
cannot measure a peak: there the check fails and says so, and never awards the points.

What the kernel holds for a process without charging it to the cgroup is not in the peak: data
waiting in a netlink, UDP or TCP socket, or in a pseudo-terminal (and, where the machine swaps, a
page pushed out by madvise). Kept there, every activation of the measured call passed for a
checkpointed one; the harness now refuses every socket but a Unix one and that advice, and limits
open files (``grader.harness.confine``). The trusted versions are measured before any submission's
sandbox runs (:func:`prepare`), so that no student's code runs beside them.
``tests/test_a7_attacks.py`` holds these attacks and others.
"""
import functools
import json
import math
import threading
import types

import numpy as np

from backprop import checkpoint, deep
from grader import course, harness, sandbox, verify
from grader.checks import Case, Check, Foreign, Measured, compare, copy_arguments, type_name
from grader.mutants import Mutant, read_notebook
from grader.reading import extract_definitions, source_text

NAME = "a7_complexity"

MEMORY_LAYERS = 144            # L of the measured network
MEMORY_UNITS = 16              # n_0 = n_1 = ... = n_{L-1}; n_L = 1
MEMORY_EXAMPLES = 16384        # m: an activation (16, 16384) of float64 is 2 MiB
MEMORY_K = round(math.sqrt(MEMORY_LAYERS))
MEMORY_LAYER_DIMS = (MEMORY_UNITS,) * MEMORY_LAYERS + (1,)
# The measured call does two to three forward passes over the network: 0.9 s on the machine where
# this was written. Ten seconds leave room for a slower correct version on a loaded machine (the
# default per call is 5 s); no grade depends on time.
MEMORY_SECONDS_PER_CALL = 10.0
# Gradients that agree to float64 rounding: correct versions that sum in other orders (einsum) differ by
# up to 3e-13 on the large network; activations kept with 6 of their 8 bytes differ by 2e-11, in float32 1e-8.
FINGERPRINT_RTOL = 4e-12
REFERENCE_SEED = 20240611      # the network of the reference runs (their peaks do not depend on its values)
CHUNK = 1024                   # examples per chunk of the reference's gradients (see full_gradients)
MEMORY_DIAGNOSIS = (
    "the gradients are right, but the call holds about as much memory as a method that keeps an array for every "
    "layer: keep only A[0] = X, A[k], A[2k], ... on the way forward (drop each layer's cache as soon as the next "
    "layer is computed), hold the caches of one segment at a time on the way back (drop them once the segment's "
    "backward pass is done), and return only dW and db (no dA of every layer)")


def _distinct_sizes(rng, count, low, high):
    """``count`` different integers in [low, high], so that a transposed product cannot fit."""
    return [int(size) for size in rng.choice(np.arange(low, high + 1), size=count, replace=False)]


def _examples(batch):
    return "a batch of %d example%s" % (batch, "" if batch == 1 else "s")


def full_gradients(X, Y, parameters):
    """The gradients of the mean cost by ``backprop.deep``'s full backward pass: "dW1", "db1", ...

    What ``checkpointed_backward`` must return (checkpointing changes where the activations come
    from, not the gradients). Computed over chunks of at most ``CHUNK`` examples, each chunk's
    gradients weighted by its share of the examples (the gradient of a mean is the mean of the
    chunks' gradients): a chunk's cache is small, and so is every matrix product, small enough
    for OpenBLAS to keep it on one thread. A product split over threads waits for the slowest of
    them: on a loaded machine of two cores, larger products made the gradients of a network of the
    measured size nearly ten times slower.
    """
    m = X.shape[1]
    grads = {}
    for start in range(0, m, CHUNK):
        columns = slice(start, start + CHUNK)
        AL, caches = deep.L_model_forward(X[:, columns], parameters)
        chunk = deep.L_model_backward(AL, Y[:, columns], caches)
        weight = AL.shape[1] / m
        for name in parameters:
            grads["d" + name] = grads.get("d" + name, 0.0) + weight * chunk["d" + name]
    return grads


@functools.lru_cache(maxsize=4)
def _gradients_of_drawn_network(parts):
    """:func:`full_gradients` on a network drawn from ``parts`` (the seeded parts' data, as JSON)."""
    return full_gradients(*(harness.SeededNetwork.from_data(json.loads(part)).value() for part in parts))


def _reference_checkpointed_backward(X, Y, parameters, k):
    """:func:`full_gradients`, whatever ``k``; arguments drawn from a seed are drawn here as in the
    sandbox (once per network: the measured case is judged twice)."""
    if all(type(arg) is harness.SeededNetwork for arg in (X, Y, parameters)):
        return dict(_gradients_of_drawn_network(tuple(json.dumps(arg.as_data(), sort_keys=True)
                                                      for arg in (X, Y, parameters))))
    return full_gradients(X, Y, parameters)


# The reference: backprop.checkpoint's counts and kept layers, and the gradients of the full backward
# pass for checkpointed_backward.
reference = types.ModuleType(__name__ + ".reference", "backprop.checkpoint's counts, and full_gradients")
reference.forward_multiply_adds = checkpoint.forward_multiply_adds
reference.backward_multiply_adds = checkpoint.backward_multiply_adds
reference.checkpoint_layers = checkpoint.checkpoint_layers
reference.checkpointed_backward = _reference_checkpointed_backward


def _network(rng, depth, batch):
    """``(X, Y, parameters, layer_dims)`` of a ``depth``-layer network: distinct sizes, n_L = 1.

    Drawn again until every hidden pre-activation is at least 0.01 away from ReLU's kink and has a
    positive entry in every column, so that every layer passes every example's gradient down and
    a wrong segment cannot hide behind units that are off for all examples.
    """
    while True:
        layer_dims = _distinct_sizes(rng, depth, 2, 16) + [1]
        parameters = {}
        for l in range(1, depth + 1):
            parameters["W%d" % l] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) / np.sqrt(layer_dims[l - 1])
            parameters["b%d" % l] = 0.5 * rng.standard_normal((layer_dims[l], 1))
        X = rng.standard_normal((layer_dims[0], batch))
        Y = (rng.random((1, batch)) < 0.5).astype(float)
        A, fine = X, True
        for l in range(1, depth):
            Z = parameters["W%d" % l] @ A + parameters["b%d" % l]
            fine = fine and np.min(np.abs(Z)) > 0.01 and bool(np.all(np.any(Z > 0, axis=0)))
            A = np.maximum(Z, 0.0)
        if fine:
            return X, Y, parameters, layer_dims


def _measured(seed, fingerprint_seed):
    """The arguments of a call on the large network drawn from ``seed``, and what to measure of it."""
    X, Y, parameters = (harness.SeededNetwork(part, list(MEMORY_LAYER_DIMS), MEMORY_EXAMPLES, seed)
                        for part in harness.SeededNetwork.PARTS)
    keys, shapes = [], []
    for l in range(1, MEMORY_LAYERS + 1):
        keys += ["dW%d" % l, "db%d" % l]
        shapes += [(MEMORY_LAYER_DIMS[l], MEMORY_LAYER_DIMS[l - 1]), (MEMORY_LAYER_DIMS[l], 1)]
    return (X, Y, parameters), Measured(tuple(keys), tuple(shapes), fingerprint_seed, MEMORY_SECONDS_PER_CALL)


MEMORY_ABOUT = ("the large network (%d layers of %d units, a batch of 2**%d examples, k = %d), called alone in a "
                "sandbox that measures its memory" % (MEMORY_LAYERS, MEMORY_UNITS, MEMORY_EXAMPLES.bit_length() - 1,
                                                      MEMORY_K))


def make_cases(rng):
    """Secret inputs for every graded function; batch size 1 always among them.

    Every array is drawn for its case alone: the student's code runs in the process that holds
    every case, so no input may hold what the reference returns on another case's inputs. The
    last case is the measured one: its network is drawn in the sandbox from a secret seed.
    """
    cases = []

    def add(function, args, about, measured=None):
        cases.append(Case("%s/%d" % (function, len(cases)), function, args, about, measured=measured))

    # The counts: layer sizes up to 300 (distinct, so that a mistake that swaps or skips a layer shows),
    # depths 1 to 12, batches of one and of thousands.
    for function, depths in (("forward_multiply_adds", (1, 1, 2, 3, 5, int(rng.integers(6, 13)))),
                             ("backward_multiply_adds", (1, 1, 2, 3, 4, int(rng.integers(6, 13))))):
        for index, depth in enumerate(depths):
            layer_dims = _distinct_sizes(rng, depth + 1, 2, 300)
            m = 1 if index in (1, 3) else int(rng.integers(2, 5000))
            add(function, (layer_dims, m), "layer_dims = %s and m = %d" % (layer_dims, m))

    # checkpoint_layers: k = 1, k dividing L, k not dividing L, k = L and k > L.
    for L, k in ((int(rng.integers(2, 9)), 1), (6, 2), (12, int(rng.choice([3, 4]))), (7, 3),
                 (int(rng.integers(10, 40)), int(rng.integers(3, 7))), (5, 5), (4, int(rng.integers(5, 9))),
                 (1, 1)):
        add("checkpoint_layers", (L, k), "L = %d and k = %d" % (L, k))

    # checkpointed_backward: k = 1; k = round(sqrt(L)) dividing L; k not dividing L; k >= L.
    batches = _distinct_sizes(rng, 3, 2, 9)
    plan = [(int(rng.choice([3, 4])), 1, 1), (5, 1, batches[0])]
    for L in rng.choice([4, 6, 9, 12], size=2, replace=False):
        plan.append((int(L), round(math.sqrt(L)), batches[1]))
    plan.append((9, 3, 1))
    for L in rng.choice([5, 7, 8, 10, 11], size=2, replace=False):
        plan.append((int(L), round(math.sqrt(L)), batches[2]))
    plan += [(7, 4, 1), (6, 4, batches[0]), (1, 1, batches[1]), (3, 3, 1), (4, int(rng.integers(5, 9)), batches[2])]
    for L, k, batch in plan:
        X, Y, parameters, layer_dims = _network(rng, L, batch)
        add("checkpointed_backward", (X, Y, parameters, k),
            "a %d-layer network %s, %s, k = %d" % (L, layer_dims, _examples(batch), k))

    seed, fingerprint_seed = (int(value) for value in rng.integers(0, 2**62, size=2))
    args, measured = _measured(seed, fingerprint_seed)
    add("checkpointed_backward", args + (MEMORY_K,), MEMORY_ABOUT, measured)
    return cases


def _layers(case):
    return len(case.args[0]) - 1


def _k(case):
    return case.args[3]


def _depth(case):
    return len(case.args[2]) // 2


def judge_layers(cases, outcomes):
    """checkpoint_layers: a list of Python ints, exactly the reference's."""
    for case, outcome in zip(cases, outcomes):
        want = reference.checkpoint_layers(*case.args)
        got = outcome.value
        if not isinstance(got, list):
            return "for %s, checkpoint_layers should return a list of ints; got %s" % (case.about, type_name(got))
        if len(got) != len(want):
            return ("for %s, checkpoint_layers returned %d layer%s; the segments of k layers need %d"
                    % (case.about, len(got), "" if len(got) == 1 else "s", len(want)))
        for index, (expected, value) in enumerate(zip(want, got)):
            problem = compare(expected, value, "item %d" % index)
            if problem:
                return "for %s, %s" % (case.about, problem)
    return None


def judge_gradients(cases, outcomes):
    """checkpointed_backward: a dict with exactly dW1, db1, ..., dWL, dbL, each the reference's."""
    for case, outcome in zip(cases, outcomes):
        want = reference.checkpointed_backward(*copy_arguments(case.args))
        got = outcome.value
        if not isinstance(got, dict):
            return ("on %s, checkpointed_backward should return a dict with keys %s; got %s"
                    % (case.about, _key_range(want), type_name(got)))
        missing = [key for key in want if key not in got]
        extra = sorted(key for key in got if key not in want)
        if missing or extra:
            return ("on %s, the gradients should have exactly the keys %s (no dA: keeping every dA would hold L "
                    "arrays again); %s" % (case.about, _key_range(want), "; ".join(filter(None, (
                        "missing %s" % ", ".join(missing) if missing else "",
                        "extra %s" % ", ".join(extra[:6]) + (" ..." if len(extra) > 6 else "") if extra else "")))))
        for key in sorted(want, key=lambda name: (int(name[2:]), name[1])):
            problem = compare(want[key], got[key], key)
            if problem:
                return "on %s, %s" % (case.about, problem)
    return None


def _key_range(grads):
    L = len(grads) // 2
    return "dW1, db1, ..., dW%d, db%d" % (L, L) if L > 2 else ", ".join(sorted(grads, key=lambda key: (key[2:], key)))


class MemoryNotMeasured(Exception):
    """The grader could not measure the memory of the trusted versions: the reason, in words."""


def _unmeasurable():
    return ("memory could not be measured on this grading machine: the sandbox has no memory cgroup, so the "
            "kernel reports no peak (%s). These points are withheld, not awarded; the instructor must grade this "
            "assignment where the grader runs as root with a memory cgroup" % sandbox.memory_limit_description())


def _mib(size):
    return "%d MiB" % round(size / 2**20)


def _fingerprint_problem(want, got, about, keys):
    """None if the fingerprint ``got`` that came back agrees with ``want`` to float64 rounding."""
    if isinstance(got, Foreign):
        return "on %s, checkpointed_backward returned %s: it should return a dict of gradients" % (about, got.type_name)
    if not (isinstance(got, np.ndarray) and got.dtype == np.float64 and got.shape == want.shape):
        return "on %s, the fingerprint of the gradients that came back is not one the grader sends" % about
    broken = np.isnan(got).any(axis=1)
    if broken.any():
        return ("on %s, %d of the %d gradients (the first %s) are missing, or not float64 arrays of their "
                "parameter's shape, or not finite" % (about, broken.sum(), len(keys), keys[int(np.argmax(broken))]))
    with np.errstate(over="ignore", invalid="ignore"):
        difference = np.abs(got - want)
        wrong = ~(difference <= FINGERPRINT_RTOL * want[:, :1]).all(axis=1)
        close = bool((difference <= 1e-5 * want[:, :1]).all())
    if wrong.any():
        hint = (": they are close, but further apart than float64 rounding: are activations kept in float32, or "
                "another lossy form? Keep float64 arrays, and fewer of them" if close else "")
        return ("on %s, %d of the %d gradients (the first %s) differ from those of the full backward pass%s"
                % (about, wrong.sum(), len(keys), keys[int(np.argmax(wrong))], hint))
    return None


def _fingerprint_of_reference(case):
    """The fingerprint of the reference's gradients on a measured case (of either trusted version,
    whose calls have k or not: the gradients do not depend on k)."""
    X, Y, parameters = case.args[:3]
    return harness.fingerprint(reference.checkpointed_backward(X, Y, parameters, MEMORY_K), case.measured.fingerprint())


@functools.lru_cache(maxsize=None)
def _solution_cells():
    """The definitions of the solution notebook, as the sandbox runs a submission's."""
    solution = read_notebook(course.solution_notebook(NAME))
    return extract_definitions([source_text(cell) for cell in solution["cells"] if cell["cell_type"] == "code"]).cells


def _measure_reference(function):
    """The peak memory of the solution's ``function`` on a network of the measured sizes, in bytes."""
    args, measured = _measured(REFERENCE_SEED, REFERENCE_SEED + 1)
    case = Case("reference/" + function, function, args + ((MEMORY_K,) if function == "checkpointed_backward" else ()),
                "the reference %s" % function, measured=measured)
    outcome = verify.measure_case(_solution_cells(), case)
    if not outcome.returned:
        raise MemoryNotMeasured("the trusted %s did not return (%s)" % (function, outcome.error))
    problem = _fingerprint_problem(_fingerprint_of_reference(case), outcome.value, case.about, measured.keys)
    if problem:
        raise MemoryNotMeasured("the trusted %s gave wrong gradients (%s)" % (function, problem))
    if outcome.peak_memory_bytes is None:
        raise MemoryNotMeasured(_unmeasurable())
    return outcome.peak_memory_bytes


_peaks_lock = threading.Lock()
_peaks = {}


def reference_peaks():
    """``(full, checkpointed)``: the peak memory, in bytes, of the trusted ``full_backward`` and
    ``checkpointed_backward`` (k = ``MEMORY_K``) on a network of the measured sizes, each run alone in a
    sandbox as a submission's measured call is. Each is the smaller of two runs (a first run may also
    be charged for reading files into the page cache). Measured once per process; raises
    :class:`MemoryNotMeasured` when it cannot be (and measures again on the next call)."""
    with _peaks_lock:
        if not _peaks:
            measured = {function: min(_measure_reference(function) for _ in range(2))
                        for function in ("full_backward", "checkpointed_backward")}
            _peaks.update(measured)
        return _peaks["full_backward"], _peaks["checkpointed_backward"]


def prepare():
    """Measure the trusted versions (:func:`reference_peaks`) before any sandbox of a submission runs.

    ``grader.verify.grade_submission`` calls it first, outside the submission's time budget. While
    the first measurement runs, every other submission graded in parallel waits here, before its
    first sandbox: no student's code runs beside the trusted versions. A sandbox that drops the page
    cache of Python's and NumPy's files (``posix_fadvise``) all the while would otherwise charge the
    trusted runs for reading them again, and raise the threshold for every submission graded after.
    A measurement that fails is left to :func:`judge_memory`, which tries again and says why.
    """
    try:
        reference_peaks()
    except Exception:  # noqa: BLE001 - judge_memory measures again and withholds the points with the reason
        pass


def forget_reference_peaks():
    """Measure the trusted versions again on the next :func:`reference_peaks`."""
    with _peaks_lock:
        _peaks.clear()


def threshold(full, checkpointed):
    """The most memory a passing call may hold: the geometric mean of the two references' peaks."""
    return math.sqrt(full * checkpointed)


def judge_memory(cases, outcomes):
    """The measured call: the gradients to float64 rounding, then a peak below :func:`threshold`.

    Returns None, or ``(message, diagnosis)``: only a peak above the threshold has a diagnosis (a
    wrong gradient is named by the other checks of checkpointed_backward).
    """
    for case, outcome in zip(cases, outcomes):
        problem = _fingerprint_problem(_fingerprint_of_reference(case), outcome.value, case.about,
                                       case.measured.keys)
        if problem:
            return problem, ""
        peak = outcome.peak_memory_bytes
        if peak is None:
            return _unmeasurable(), ""
        try:
            full, checkpointed = reference_peaks()
        except MemoryNotMeasured as error:
            return "the grader could not measure the memory of its own versions: %s. These points are withheld, " \
                   "not awarded" % error, ""
        limit = threshold(full, checkpointed)
        if peak >= limit:
            return ("on %s, the sandbox held up to %s at once; this check needs less than %s (the full cache "
                    "peaks near %s, checkpointing with k = %d near %s; all these figures include Python, NumPy "
                    "and whatever the notebook imports)" % (case.about, _mib(peak), _mib(limit), _mib(full), MEMORY_K,
                                                           _mib(checkpointed)), MEMORY_DIAGNOSIS)
    return None


def _counted(depth_one):
    return lambda case: (_layers(case) == 1) == depth_one


def _forward_edge(case):
    return _layers(case) == 1 or case.args[1] == 1


def _is_measured(case):
    return case.measured is not None


def _applies(condition):
    """``condition`` on the unmeasured cases of checkpointed_backward."""
    return lambda case: case.measured is None and condition(case)


UNCHANGED = ((0, "X"), (1, "Y"), (2, "parameters"))

CHECKS = [
    Check("several layers, m > 1", "test_forward_multiply_adds", "forward_multiply_adds", 1,
          parts=(((), "the number of multiply-adds"),), applies_to=lambda case: not _forward_edge(case)),
    Check("one layer (L = 1), and a batch of one (m = 1)", "test_forward_multiply_adds", "forward_multiply_adds", 1,
          parts=(((), "the number of multiply-adds"),), applies_to=_forward_edge),
    Check("several layers: dW and dA_prev for each, no dA_prev for layer 1", "test_backward_multiply_adds",
          "backward_multiply_adds", 2, parts=(((), "the number of multiply-adds"),), applies_to=_counted(False)),
    Check("one layer (L = 1): only dW1", "test_backward_multiply_adds", "backward_multiply_adds", 1,
          parts=(((), "the number of multiply-adds"),), applies_to=_counted(True)),
    Check("k dividing L, and k = 1", "test_checkpoint_layers", "checkpoint_layers", 1, judge=judge_layers,
          applies_to=lambda case: case.args[0] % case.args[1] == 0 and case.args[1] < case.args[0]),
    Check("k not dividing L, and k >= L", "test_checkpoint_layers", "checkpoint_layers", 1, judge=judge_layers,
          applies_to=lambda case: case.args[0] % case.args[1] != 0 or case.args[1] >= case.args[0]),
    Check("k = 1: every activation kept", "test_checkpointed_backward", "checkpointed_backward", 1,
          judge=judge_gradients, applies_to=_applies(lambda case: _k(case) == 1 and _depth(case) > 1),
          unchanged=UNCHANGED),
    Check("k = round(sqrt(L)), dividing L", "test_checkpointed_backward", "checkpointed_backward", 1,
          judge=judge_gradients,
          applies_to=_applies(lambda case: 1 < _k(case) < _depth(case) and _depth(case) % _k(case) == 0),
          unchanged=UNCHANGED),
    Check("k not dividing L: the last segment is shorter", "test_checkpointed_backward", "checkpointed_backward", 2,
          judge=judge_gradients,
          applies_to=_applies(lambda case: 1 < _k(case) < _depth(case) and _depth(case) % _k(case) != 0),
          unchanged=UNCHANGED),
    Check("k >= L: only X kept, one segment (L = 1 too)", "test_checkpointed_backward", "checkpointed_backward", 1,
          judge=judge_gradients, applies_to=_applies(lambda case: _k(case) >= _depth(case)), unchanged=UNCHANGED),
    Check("memory: a large network, the peak measured by the grader", "test_checkpointed_backward",
          "checkpointed_backward", 4, judge=judge_memory, applies_to=_is_measured),
]

MUTANTS = [
    # forward_multiply_adds
    Mutant("forward_without_m", "forward_multiply_adds",
           "layer_dims[l] * layer_dims[l - 1] * m", "layer_dims[l] * layer_dims[l - 1]",
           "the count leaves out m: W[l] @ A[l-1] multiplies an (n_l, n_(l-1)) matrix by an (n_(l-1), m) one, "
           "n_l * n_(l-1) * m multiply-adds, one inner product of length n_(l-1) per entry of the (n_l, m) result"),
    Mutant("forward_skips_output_layer", "forward_multiply_adds",
           "for l in range(1, len(layer_dims)):", "for l in range(1, len(layer_dims) - 1):",
           "the output layer L is left out: with layer_dims = [n_0, ..., n_L] the layers are l = 1, ..., L, "
           "range(1, len(layer_dims))"),
    Mutant("forward_from_layer_zero", "forward_multiply_adds",
           "for l in range(1, len(layer_dims)):", "for l in range(len(layer_dims)):",
           "the loop starts at l = 0, where layer_dims[l - 1] is layer_dims[-1], the output size (Python counts "
           "from the end): the input is not a layer; the layers are l = 1, ..., L"),
    Mutant("forward_counts_biases", "forward_multiply_adds",
           "layer_dims[l] * layer_dims[l - 1] * m", "layer_dims[l] * (layer_dims[l - 1] + 1) * m",
           "the bias is counted as one more column of W: only the matrix product W[l] @ A[l-1] is counted, "
           "n_l * n_(l-1) * m; adding b is elementwise work, left out"),
    Mutant("forward_two_per_term", "forward_multiply_adds",
           "total += layer_dims[l]", "total += 2 * layer_dims[l]",
           "every term is counted twice, a multiplication and an addition as FLOP counts do: this assignment "
           "counts one multiply-add per term of each inner product, n_l * n_(l-1) * m for layer l"),
    # backward_multiply_adds
    Mutant("backward_counts_dA0", "backward_multiply_adds",
           "products = 2 if l > 1 else 1", "products = 2",
           "layer 1 is counted with two products: its dA_prev would be dX, the gradient with respect to the "
           "inputs, which learning does not need; layer 1 costs only dW1, n_1 * n_0 * m"),
    Mutant("backward_one_product_per_layer", "backward_multiply_adds",
           "products = 2 if l > 1 else 1", "products = 1",
           "every layer is counted with one product, as on the way forward: the backward pass of layer l forms "
           "two, dW[l] = dZ[l] @ A[l-1].T and dA[l-1] = W[l].T @ dZ[l], each n_l * n_(l-1) * m (layer 1 only dW1)"),
    Mutant("backward_spares_output_layer", "backward_multiply_adds",
           "products = 2 if l > 1 else 1", "products = 2 if l < len(layer_dims) - 1 else 1",
           "the output layer is the one counted without dA_prev: every layer above the first sends dA_prev "
           "down, the output layer too; only layer 1 has none to send (dA_0 would be dX)"),
    Mutant("backward_skips_layer_one", "backward_multiply_adds",
           "products = 2 if l > 1 else 1", "products = 2 if l > 1 else 0",
           "layer 1 is not counted at all: it needs no dA_prev, but its dW1 = dZ1 @ X.T costs n_1 * n_0 * m"),
    Mutant("backward_without_m", "backward_multiply_adds",
           "layer_dims[l] * layer_dims[l - 1] * m", "layer_dims[l] * layer_dims[l - 1]",
           "the count leaves out m: dW[l] = dZ[l] @ A[l-1].T is an (n_l, m) times (m, n_(l-1)) product and "
           "dA[l-1] = W[l].T @ dZ[l] an (n_(l-1), n_l) times (n_l, m) one, n_l * n_(l-1) * m each"),
    Mutant("backward_skips_output_layer", "backward_multiply_adds",
           "for l in range(1, len(layer_dims)):", "for l in range(1, len(layer_dims) - 1):",
           "the output layer L is left out: with layer_dims = [n_0, ..., n_L] the layers are l = 1, ..., L, "
           "range(1, len(layer_dims))"),
    # checkpoint_layers
    Mutant("layers_include_L", "checkpoint_layers",
           "return list(range(0, L, k))", "return list(range(0, L + 1, k))",
           "when k divides L, L is in the list: A[L] is the output, the input of no segment; the kept layers are "
           "0, k, 2k, ... below L, range(0, L, k)"),
    Mutant("layers_without_zero", "checkpoint_layers",
           "return list(range(0, L, k))", "return list(range(k, L, k))",
           "0 is missing: A[0] = X is the input of the first segment and is always kept; the list is 0, k, 2k, "
           "... below L"),
    Mutant("layers_from_one", "checkpoint_layers",
           "return list(range(0, L, k))", "return list(range(1, L, k))",
           "the kept layers are counted from 1 (1, k + 1, ...): they are the multiples of k, 0, k, 2k, ... below "
           "L, because segment s runs layers s + 1, ..., s + k"),
    Mutant("layers_drop_short_segment", "checkpoint_layers",
           "return list(range(0, L, k))", "return [segment * k for segment in range(L // k)]",
           "when k does not divide L, the start of the last, shorter segment is missing (and for k > L there is "
           "no start at all): there are ceil(L / k) segments, starting at 0, k, 2k, ... below L"),
    Mutant("layers_k_as_count", "checkpoint_layers",
           "return list(range(0, L, k))", "return list(range(0, L, L // k))",
           "k is taken as the number of segments: it is the number of layers in a segment, so the kept layers "
           "are 0, k, 2k, ... below L, range(0, L, k)"),
    # checkpointed_backward
    Mutant("checkpointed_keeps_every_activation", "checkpointed_backward",
           "        if l - 1 in starts:\n            kept[l - 1] = A\n", "        kept[l - 1] = A\n",
           MEMORY_DIAGNOSIS),
    Mutant("checkpointed_segment_one_short", "checkpointed_backward",
           "end = min(start + k, L)", "end = min(start + k - 1, L)",
           "each segment stops one layer short, so the last layer of every segment gets no gradient: the segment "
           "that starts after layer start runs layers start + 1, ..., min(start + k, L)"),
    Mutant("checkpointed_drops_short_segment", "checkpointed_backward",
           "starts = checkpoint_layers(L, k)", "starts = [segment * k for segment in range(L // k)]",
           "when k does not divide L, the last, shorter segment is never recomputed and its layers get no "
           "gradients (for k > L no segment is left at all): the segments start at 0, k, 2k, ... below L, "
           "checkpoint_layers(L, k)"),
    Mutant("checkpointed_keys_inside_segment", "checkpointed_backward",
           'grads["dW" + str(l)], grads["db" + str(l)] = dW, db',
           'grads["dW" + str(l - start)], grads["db" + str(l - start)] = dW, db',
           "the gradients are stored under their place inside the segment (dW1 to dWk in every segment, which "
           "overwrite each other): store layer l's under 'dW' + str(l), its number in the whole network"),
    Mutant("checkpointed_sigmoid_at_segment_end", "checkpointed_backward",
           'activation = "sigmoid" if l == L else "relu"', 'activation = "sigmoid" if l == end else "relu"',
           "the last layer of every segment goes back through the sigmoid's derivative, as if it were the output "
           "layer: only layer L has the sigmoid; a segment that ends inside the network ends on a ReLU layer"),
    Mutant("checkpointed_segments_from_X", "checkpointed_backward",
           "A = kept.pop(start)", "A = X",
           "every segment is recomputed from X, as if it began at layer 1: the segment that starts after layer "
           "start is recomputed from its kept input A[start], kept[start]"),
    Mutant("checkpointed_dA_restarts", "checkpointed_backward",
           "        A = kept.pop(start)\n", "        A = kept.pop(start)\n        dA = dAL\n",
           "the backward pass of every segment starts again from dAL: each segment below the last starts from the "
           "dA that the segment above sends down, the gradient with respect to its kept input"),
]
