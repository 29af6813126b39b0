"""Where the error enters: a wrong backward pass located by the dependency structure of its gradients.

A backward pass computes, from the output layer L down to layer 1,

    dZ[l]      the error signal (dZ[L] from the loss, dZ[l] = dA[l] * g'(Z[l]) below it)
    dW[l]      = (1/m) dZ[l] A[l-1]^T
    db[l]      = (1/m) sum of dZ[l] over the examples
    dA[l-1]    = W[l]^T dZ[l], from which dZ[l-1] is made

so a single mistake is wrong where it enters and in what is computed from it, and right in everything
computed before it. This module walks the quantities in that order and names the first wrong one.

The student's dZ[l] is never returned, but on a single example (m = 1) it can be read back exactly:
db[l] *is* dZ[l], and dW[l] is the outer product dZ[l] A[l-1]^T, so dZ[l] = dW[l] A[l-1] / |A[l-1]|^2.
If either reading equals the correct dZ[l], dZ[l] is right and a wrong dW[l] or db[l] is wrong in its
own step. When a single example shows nothing wrong, the error lies in how examples are combined, and
the batches are walked in the same order (there a wrong dW[l] together with a wrong db[l] points at
dZ[l]). Every gradient off by one common factor points at 1/m or the loss, every sign flipped at the
sign convention: those come first, as they enter before any layer.

An assignment whose graded function has this structure declares ``LOCATE = {function: layers_of}``,
where ``layers_of(case)`` returns the case's :class:`Layer` list, output layer first. Messages name
quantities and layers only, never a value.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from grader.checks import ATOL, RTOL, Foreign, follow

MIN_FACTOR = 1e-6  # a common factor smaller than this is gradients of (nearly) zero: nothing was computed


@dataclass(frozen=True)
class Layer:
    """One layer of a backward pass, as the trusted side knows it on one case.

    ``dZ`` is the correct dZ[l], shape (n_l, m); ``A_prev`` is the layer's input A[l-1] (X for
    layer 1), shape (n_{l-1}, m). ``dW``, ``db`` and ``dA_prev`` are paths of the student's dW[l],
    db[l] and dA[l-1] in the returned value (``dA_prev`` None when the function does not return it).
    ``dZ_step`` says in words (and code) how dZ[l] is made, for the student to look at.
    """
    number: int
    count: int
    dZ: np.ndarray
    A_prev: np.ndarray
    dW: tuple
    db: tuple
    dA_prev: Optional[tuple]
    dZ_step: str

    @property
    def input_name(self):
        return "X" if self.number == 1 else "A%d" % (self.number - 1)


def locate(layers_of, cases, outcomes, expected_by_case):
    """The place where the error enters, as a diagnosis for the student, or "" when it cannot tell.

    ``cases`` are the cases of one function; ``outcomes`` and ``expected_by_case`` map case ids to the
    student's :class:`~grader.checks.Outcome` and to the reference's answer. The student's values
    may lie near the float limit: arithmetic on them overflows quietly (an infinite reading matches
    nothing), so that no value a student returns makes the trusted process warn.
    """
    with np.errstate(all="ignore"):
        return _locate(layers_of, cases, outcomes, expected_by_case)


def _locate(layers_of, cases, outcomes, expected_by_case):
    walked = []
    for case in cases:
        outcome = outcomes.get(case.id)
        if outcome is None or not outcome.returned:
            continue
        walked.append((case, layers_of(case), outcome.value, expected_by_case[case.id]))
    if not walked:
        return ""
    common = _common_factor(walked)
    if common is not None:
        return common
    singles = [item for item in walked if item[1][0].dZ.shape[1] == 1]
    single_was_right = bool(singles)
    for _, layers, value, expected in singles:
        place = _walk_single(layers, value, expected)
        if place:
            return place
        single_was_right = single_was_right and place is None
    for _, layers, value, expected in walked:
        if layers[0].dZ.shape[1] > 1:
            place = _walk_batch(layers, value, expected, single_was_right)
            if place:
                return place
    return ""


def _student(value, path):
    """The student's array at ``path`` when it is a float64 array, else None."""
    try:
        got = follow(value, path)
    except LookupError:
        return None
    if isinstance(got, Foreign) or not isinstance(got, np.ndarray) or got.dtype != np.float64:
        return None
    return got if np.all(np.isfinite(got)) else None


def _close(got, want):
    return got is not None and got.shape == want.shape and bool(np.allclose(got, want, rtol=RTOL, atol=ATOL))


def _parts(layer):
    return [path for path in (layer.dW, layer.db, layer.dA_prev) if path is not None]


def _case_factor(layers, value, expected):
    """The one constant that every dW and db of a case is the correct one times, or None.

    A returned dA may be right instead (a wrong 1/m scales dW and db but not dA = W.T @ dZ).
    """
    ratio = None
    for layer in layers:
        for path in (layer.dW, layer.db):
            want = follow(expected, path)
            got = _student(value, path)
            if got is None or got.shape != want.shape:
                return None
            mask = np.abs(want) > 1e-8
            if not mask.any():
                continue
            ratio = float(got[mask].flat[0] / want[mask].flat[0]) if ratio is None else ratio
            if not np.allclose(got, ratio * want, rtol=RTOL, atol=ATOL):
                return None
    for layer in layers:
        if layer.dA_prev is not None and ratio is not None:
            want, got = follow(expected, layer.dA_prev), _student(value, layer.dA_prev)
            if not (_close(got, want) or _close(got, ratio * want)):
                return None
    return ratio


def _common_factor(walked):
    """The diagnosis when, on every case, every gradient is the correct one times one constant of that
    case (not 1 everywhere), else None. The constant may depend on m (a wrong 1/m)."""
    ratios = [_case_factor(layers, value, expected) for _, layers, value, expected in walked]
    if any(ratio is None for ratio in ratios) or all(np.isclose(ratio, 1.0) for ratio in ratios):
        return None
    if any(abs(ratio) < MIN_FACTOR for ratio in ratios):  # gradients of zero are not computed, not scaled
        return None
    if all(np.isclose(ratio, -1.0) for ratio in ratios):
        return ("the error enters at the sign of every gradient: each one, in every layer, is the correct "
                "one with its sign flipped, so the mistake comes before any layer: look at the derivative "
                "of the loss with respect to the output (dZ of the output layer is A - Y, not Y - A)")
    return ("the error enters at the scale of every gradient: in every layer, each one is the correct one "
            "times the same constant, so the mistake comes before any layer or is repeated in each: look "
            "at 1/m (m is the number of examples, the columns of X) and at the derivative of the loss")


def _where(layer, quantity, number=None):
    number = layer.number if number is None else number
    return "the error enters at %s%d (layer %d of %d)" % (quantity, number, layer.number, layer.count)


def _dZ_read_back(layer, value):
    """The student's dZ[l] on a single example, read from db[l] and from dW[l] (None where it cannot)."""
    readings = []
    db = _student(value, layer.db)
    if db is not None and db.shape == layer.dZ.shape:
        readings.append(db)
    dW = _student(value, layer.dW)
    a = layer.A_prev
    norm = float(np.sum(a * a))
    if dW is not None and dW.shape == (layer.dZ.shape[0], a.shape[0]) and norm > 1e-12:
        dZ = dW @ a / norm
        if np.allclose(dZ @ a.T, dW, rtol=RTOL, atol=ATOL):  # an outer product, as dW of one example is
            readings.append(dZ)
    return readings


def _walk_single(layers, value, expected):
    """On one example: the first wrong quantity in the order of the backward pass.

    Returns the diagnosis, "" when something is wrong but the readings cannot tell where, or None
    when every gradient is right.
    """
    before = ""
    for layer in layers:
        readings = _dZ_read_back(layer, value)
        dZ_right = any(_close(reading, layer.dZ) for reading in readings)
        dW_right = _close(_student(value, layer.dW), follow(expected, layer.dW))
        db_right = _close(_student(value, layer.db), follow(expected, layer.db))
        if readings and not dZ_right:
            return ("%s: on a single example, where db%d is dZ%d itself, %sdZ%d is wrong. Look at %s"
                    % (_where(layer, "dZ"), layer.number, layer.number,
                       ("%s are right but " % before) if before else "", layer.number, layer.dZ_step))
        if not dW_right and dZ_right:
            return ("%s: dZ%d is right (on a single example db%d equals it) but dW%d is not: look at the "
                    "product of dZ%d with %s.T and at its 1/m"
                    % (_where(layer, "dW"), layer.number, layer.number, layer.number, layer.number,
                       layer.input_name))
        if not db_right and dZ_right:
            return ("%s: dZ%d is right (on a single example it is what dW%d is made of) but db%d is not: "
                    "look at the sum of dZ%d over the examples and at its 1/m"
                    % (_where(layer, "db"), layer.number, layer.number, layer.number, layer.number))
        if not (dW_right and db_right):
            return ""  # wrong, but neither reading tells where: say nothing rather than guess
        if layer.dA_prev is not None and not _close(_student(value, layer.dA_prev), follow(expected, layer.dA_prev)):
            return ("%s: dW%d and db%d are right but dA%d is not: look at the product of W%d.T with dZ%d"
                    % (_where(layer, "dA", layer.number - 1), layer.number, layer.number, layer.number - 1,
                       layer.number, layer.number))
        before = "the gradients of the layers above it" if before else "dW%d and db%d" % (layer.number, layer.number)
    return None


def _walk_batch(layers, value, expected, single_was_right):
    """On a batch: the first wrong quantity, when a single example showed nothing wrong, or ""."""
    lead = ("every gradient is right on a single example but not on a batch, so the mistake is in how "
            "examples are combined (sums over axis=1, the 1/m, broadcasting between arrays of m columns)"
            if single_was_right else "")
    for layer in layers:
        dW, db = _student(value, layer.dW), _student(value, layer.db)
        if dW is None or db is None or dW.shape != follow(expected, layer.dW).shape or (
                db.shape != follow(expected, layer.db).shape):
            return ""  # a wrong shape says more than a guess would
        dW_right = _close(dW, follow(expected, layer.dW))
        db_right = _close(db, follow(expected, layer.db))
        if not dW_right and not db_right:
            where, what = _where(layer, "dZ"), "dW%d and db%d are both wrong, and both are made from dZ%d: " \
                "look at %s" % (layer.number, layer.number, layer.number, layer.dZ_step)
        elif not dW_right:
            where, what = _where(layer, "dW"), "db%d is right but dW%d is not: look at the product of dZ%d " \
                "with %s.T and at its 1/m" % (layer.number, layer.number, layer.number, layer.input_name)
        elif not db_right:
            where, what = _where(layer, "db"), "dW%d is right but db%d is not: look at the sum of dZ%d over " \
                "the examples (axis=1) and at its 1/m" % (layer.number, layer.number, layer.number)
        elif layer.dA_prev is not None and not _close(_student(value, layer.dA_prev), follow(expected, layer.dA_prev)):
            where, what = _where(layer, "dA", layer.number - 1), "dW%d and db%d are right but dA%d is not: " \
                "look at the product of W%d.T with dZ%d" % (layer.number, layer.number, layer.number - 1,
                                                           layer.number, layer.number)
        else:
            continue
        return "%s: %s%s" % (where, (lead + "; ") if lead else "", what)
    return ""
