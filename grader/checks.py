"""Checks: how one graded property of a submission is judged, and how a failure is explained.

A check compares parts of what the student's function returned on the secret inputs with what
the reference returned, in this order: type, then dtype, then shape, then values. The first
mismatch becomes the check's message, and the message names the likely bug:

1. if a *known wrong version* of the function (a mutant, see ``grader.mutants``) returns exactly
   what the student's returned (or raises the same error), the student gets that mutant's diagnosis;
2. otherwise a generic hint from the mismatch itself (a shape that is the transpose of the expected
   one, a missing ``keepdims``, values off by a constant factor such as m, NaNs, ...).

A message never contains a value computed on the secret inputs, the reference's or the student's:
a student who could read the reference's values could copy them into the next submission. It may
name types, dtypes, shapes, keys, which entries differ, a sign or a constant factor. Numbers that
the student's own code put into an error message are masked too (see :func:`mask_values`).

Everything here runs in the trusted parent on data decoded from the sandbox; the student's objects
never reach it.
"""
import math
import re
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

RTOL = 1e-6
ATOL = 1e-9


class Foreign:
    """A value of a type the sandbox would not encode (a student's own class, an object array...)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return "<%s>" % self.type_name


@dataclass
class Outcome:
    """What one call of the student's function did: returned ``value`` or raised ``error``;
    ``changed`` holds the positions of the arguments it changed in place."""
    returned: bool
    value: object = None
    error: str = ""
    line: str = ""
    changed: tuple = ()
    peak_memory_bytes: Optional[int] = None  # of a measured call (Case.measured); None where unknown


@dataclass(frozen=True)
class Case:
    """One call: its id in the job, the function, the (trusted) arguments and a description.

    ``evaluate_at`` is for functions that answer with SymPy expressions (an :class:`Evaluation`):
    the sandbox then sends back each expression's values at its points
    (``grader.harness.evaluate_expressions``), never the expression itself.

    ``measured`` (a :class:`Measured`) runs the call alone, in a sandbox whose peak memory the
    parent reads (``grader.verify.run_measured``).
    """
    id: str
    function: str
    args: tuple
    about: str
    evaluate_at: Optional["Evaluation"] = None
    measured: Optional["Measured"] = None


@dataclass(frozen=True)
class Measured:
    """A call that runs alone, in a sandbox of its own, whose peak memory the parent reads.

    The parent reads the peak from the kernel (``grader.sandbox.SandboxRun.peak_memory_bytes``),
    never from the child, and puts it in the call's :class:`Outcome`. The sandbox sends back, instead
    of the dict of arrays that the function returns, the fingerprint of the arrays under ``keys``
    (``grader.harness.fingerprint``: their ``shapes`` and a ``seed``). ``seconds_per_call`` is the
    call's time limit.
    """
    keys: tuple
    shapes: tuple
    seed: int
    seconds_per_call: float

    def fingerprint(self):
        """The ``spec`` of ``grader.harness.fingerprint``, as the job sends it."""
        return {"keys": list(self.keys), "shapes": [list(shape) for shape in self.shapes], "seed": self.seed}


@dataclass(frozen=True)
class Evaluation:
    """Where answers that are SymPy expressions are evaluated.

    Each of ``points`` (a tuple of tuples) gives one number to each of ``symbols`` (names).
    ``allowed`` pairs an answer's key with the names it may use, ``((key, (name, ...)), ...)``;
    a key not listed may use every symbol.
    """
    symbols: tuple
    points: tuple
    allowed: tuple = ()

    def symbols_of(self, key):
        return dict(self.allowed).get(key, self.symbols)

    def as_job(self):
        """The plain data the harness reads (see ``grader.harness.evaluate_expressions``)."""
        return {"symbols": list(self.symbols), "points": [list(point) for point in self.points],
                "allowed": {key: list(names) for key, names in self.allowed}}


@dataclass(frozen=True)
class Evaluated:
    """A correct answer that is an expression, known by its values at the secret points.

    ``values`` is a float64 array, one value per point; ``symbols`` names the variables.
    """
    values: np.ndarray
    symbols: tuple


@dataclass
class Check:
    """One graded property of one function, judged on every case of that function.

    ``parts`` are ``(path, label)`` pairs: the part of the returned value at ``path`` (keys and
    tuple indices) must equal the reference's; ``shape_only`` parts need only the right type,
    dtype and shape (for values that are free, such as random weights). ``judge(cases, outcomes)``
    adds a property of its own and returns a message, or None when the property holds.
    ``unchanged`` names arguments, as ``(position, name)`` pairs, that the release promises to leave
    as they were: the check fails on a call that changed one in place.
    ``unvalidated`` says why the validator that a release gives students (``grader.validation``)
    does not judge this check, when it must not (its correct answer is the answer to find, as a
    bug's lines are); "" when it does.
    """
    name: str
    grade_id: str
    function: str
    points: float
    parts: tuple = ()
    shape_only: tuple = ()
    judge: Optional[Callable] = None
    applies_to: Optional[Callable] = None  # case -> bool: the cases this check uses (default: all)
    unchanged: tuple = ()  # (position, name) of arguments the function must leave as they were
    unvalidated: str = ""  # why the students' validator does not judge this check ("" if it does)


@dataclass
class Result:
    """The verdict on one check."""
    name: str
    grade_id: str
    points: float
    passed: bool
    message: str = ""
    diagnosis: str = ""

    @property
    def score(self):
        return self.points if self.passed else 0.0


def type_name(value):
    if isinstance(value, Foreign):
        return value.type_name
    if isinstance(value, np.ndarray):
        return "numpy array of shape %s" % (value.shape,)
    return type(value).__name__


def compare(expected, received, label):
    """None if ``received`` equals ``expected``; else a message naming what differs and a hint."""
    if isinstance(expected, np.ndarray):
        return _compare_array(expected, received, label)
    if isinstance(expected, Evaluated):
        return _compare_expression(expected, received, label)
    if isinstance(expected, float):
        return _compare_float(expected, received, label)
    if isinstance(expected, str):
        if type(received) is not str:
            return "%s should be a str; got %s" % (label, type_name(received))
        return None if received == expected else "%s is not the correct one" % label
    if isinstance(expected, dict):
        if not isinstance(received, dict):
            return "%s should be a dict with keys %s; got %s" % (label, sorted(expected), type_name(received))
        missing = [key for key in expected if key not in received]
        if missing:
            return "%s has no key %s (its keys: %s)" % (label, ", ".join(map(repr, missing)), sorted(received))
        for key in expected:
            message = compare(expected[key], received[key], "%s[%r]" % (label, key))
            if message:
                return message
        return None
    if isinstance(expected, tuple):
        if not isinstance(received, tuple) or len(received) != len(expected):
            return "%s should be a tuple of %d values; got %s" % (label, len(expected), type_name(received))
        for index, (want, got) in enumerate(zip(expected, received)):
            message = compare(want, got, "%s[%d]" % (label, index))
            if message:
                return message
        return None
    if type(expected) is int or isinstance(expected, np.integer):
        return _compare_int(expected, received, label)
    raise TypeError("no comparison for reference values of type %s" % type(expected).__name__)


def _compare_int(expected, received, label):
    if type(received) is not int and not isinstance(received, np.integer):
        hint = ": count with ints (* and //), never /, which makes a float" if isinstance(received, float) else ""
        return "%s should be a Python int; got %s%s" % (label, type_name(received), hint)
    if received != expected:
        return "%s is not the correct number%s" % (label, _ratio_hint([float(expected)], [float(received)]))
    return None


def _compare_float(expected, received, label):
    if isinstance(received, np.ndarray):
        return ("%s should be a Python float; got a numpy array of shape %s (convert with float(...))"
                % (label, received.shape))
    if type(received) not in (float, np.float64):
        return "%s should be a Python float; got %s" % (label, type_name(received))
    if math.isnan(expected) and math.isnan(received):  # a known wrong version's nan, matched by the student's
        return None
    if not math.isfinite(received):
        return "%s is %r; expected a finite number (a log of 0, or of a negative number?)" % (label, received)
    if not math.isclose(received, expected, rel_tol=RTOL, abs_tol=ATOL):
        return "%s is not the correct value%s" % (label, _ratio_hint(expected, received))
    return None


def _compare_expression(expected, received, label):
    """An answer that should be an expression, received as its values at the points or as a number."""
    names = ", ".join(expected.symbols)
    if type(received) in (int, float):
        if not math.isfinite(received):
            return "%s is %r; expected an expression in %s" % (label, received, names)
        if np.allclose(received, expected.values, rtol=RTOL, atol=ATOL):
            return None
        if not np.allclose(expected.values, expected.values[0], rtol=RTOL, atol=ATOL):
            return ("%s is a number, but the correct answer depends on %s: write it as a SymPy expression "
                    "in those symbols (the grader evaluates it at random points)" % (label, names))
        return "%s is not the correct number%s" % (label, _ratio_hint(expected.values[:1], [received]))
    if (isinstance(received, np.ndarray) and received.dtype == np.float64
            and received.shape == expected.values.shape):
        with np.errstate(over="ignore", invalid="ignore"):
            wrong = ~np.isclose(received, expected.values, rtol=RTOL, atol=ATOL)
        if not wrong.any():
            return None
        return "%s is not the correct expression: it has the wrong value at %d of the %d points%s" % (
            label, int(wrong.sum()), wrong.size, _ratio_hint(expected.values, received))
    if isinstance(received, Foreign) and "not a finite real number" in received.type_name:
        return ("%s is not a finite real number at every point (a log of 0 or of a negative number, or a "
                "division by 0?)" % label)
    return "%s should be a SymPy expression in %s; got %s" % (label, names, type_name(received))


def _compare_array(expected, received, label, values=True):
    if not isinstance(received, np.ndarray):
        return "%s should be a numpy array of shape %s; got %s" % (label, expected.shape, type_name(received))
    if received.dtype != expected.dtype:
        return ("%s has dtype %s; expected %s (build it from the float64 inputs, no casts)"
                % (label, received.dtype, expected.dtype))
    if received.shape != expected.shape:
        return "%s has shape %s; expected %s%s" % (label, received.shape, expected.shape,
                                                  _shape_hint(expected.shape, received.shape))
    if not values:
        return None
    if not np.all(np.isfinite(received)):
        return "%s contains NaN or infinity; expected finite values" % label
    with np.errstate(over="ignore", invalid="ignore"):  # a difference may overflow: it is still wrong
        wrong = ~np.isclose(received, expected, rtol=RTOL, atol=ATOL)
    if wrong.any():
        first = [int(index) for index in np.argwhere(wrong)[0]]
        return "%s has the right shape but wrong values in %d of %d entries (the first at %s)%s" % (
            label, int(wrong.sum()), wrong.size, first, _ratio_hint(expected, received))
    return None


def compare_shape(expected, received, label):
    """Like :func:`compare` for one array, but values are not compared."""
    return _compare_array(expected, received, label, values=False)


def _shape_hint(expected, received):
    if tuple(reversed(expected)) == received:
        return ": it is transposed"
    if len(expected) == 2 and expected[1] == 1 and received == (expected[0],):
        return (": the second axis is missing; a column has shape (n, 1): np.zeros((n, 1)), or "
                "keepdims=True in a sum")
    if len(expected) == 2 and expected[1] == 1 and len(received) == 2 and received[0] == 1:
        return ": summed over the wrong axis? sum over the examples, axis=1"
    return ""


def _ratio_hint(expected, received):
    """Name a constant factor between the values (m, -1, ...) when one explains the difference.

    With a single value any two numbers have a ratio, so only -1 and whole factors are named. A
    ratio of exactly 1 or 0 says where the values differ instead; one near 1 or 0 says nothing.
    """
    expected = np.asarray(expected, dtype=float)
    received = np.asarray(received, dtype=float)
    mask = np.abs(expected) > 1e-8
    if not mask.any():
        return ""
    with np.errstate(over="ignore", invalid="ignore"):  # a student's value may be near the float limit
        ratios = received[mask] / expected[mask]
        ratio = float(ratios.flat[0])
        if not math.isfinite(ratio) or not np.allclose(ratios, ratio, rtol=1e-6, atol=0.0):
            return ""
    if math.isclose(ratio, -1.0, rel_tol=1e-6):
        return ": it has the wrong sign"
    if math.isclose(ratio, 1.0, rel_tol=1e-6):
        return ": the values differ only where the correct value is 0"
    if ratio == 0.0:
        return ": it is 0 wherever the correct value is not"
    whole = 2 <= abs(ratio) < 10_000 and math.isclose(ratio, round(ratio), rel_tol=1e-6)
    if whole:
        return ": it is off by a constant factor of %d" % round(ratio)
    if mask.sum() >= 2 and abs(ratio) >= 0.01 and not math.isclose(ratio, 1.0, rel_tol=0.05):
        return ": it is off by a constant factor of about %.2g" % ratio
    return ""


LONG_DIGIT_RUN = re.compile(r"\d{5,}")
DECIMAL = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][-+]?\d+)?")


def mask_values(text):
    """``text`` with every decimal number of 3 or more significant digits, and every run of 5 or
    more digits, replaced by "…".

    For text that the student's code wrote (an exception's message, a dict's keys): it may quote
    values computed on the secret inputs, in decimal or scaled to an integer, and verdicts never
    show those. Shapes, counts and indices are short integers and stay.
    """
    text = DECIMAL.sub(lambda match: "…" if _significant_digits(match.group()) >= 3 else match.group(), text)
    return LONG_DIGIT_RUN.sub("…", text)


def _significant_digits(number):
    mantissa = re.split("[eE]", number)[0].lstrip("+-")
    digits = mantissa.replace(".", "").lstrip("0")
    return len(digits) if "." in mantissa else len(digits.rstrip("0"))


def follow(value, path):
    """The part of ``value`` at ``path`` (a tuple of keys/indices), or raise LookupError with a message."""
    label = "the returned value"
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, tuple) or len(value) <= step:
                raise LookupError("%s should be a tuple of at least %d values; got %s"
                                  % (label, step + 1, type_name(value)))
            value = value[step]
            label = "returned value %d" % (step + 1)
        else:
            if not isinstance(value, dict):
                raise LookupError("%s should be a dict with key %r; got %s" % (label, step, type_name(value)))
            if step not in value:
                raise LookupError("%s has no key %r (its keys: %s)" % (label, step, sorted(value)))
            value = value[step]
            label = repr(step)
    return value


def copy_arguments(value):
    """A copy of a case's arguments (or of one of them) that a trusted call may change freely:
    arrays, dicts, lists and tuples are copied all the way down; anything else is shared."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: copy_arguments(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(copy_arguments(item) for item in value)
    return value
