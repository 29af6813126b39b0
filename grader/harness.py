"""The only grader code that runs inside the sandbox, beside the student's code.

It is copied into the sandbox on its own and started as ``python -I harness.py JOB RESULT_FD``:
it imports nothing but the standard library and NumPy (and SymPy, only for answers that are
expressions: see :func:`evaluate_expressions`), and nothing from the rest of ``grader``.
Before it reads the job, :func:`confine` refuses every socket but a Unix one and the advice that
pushes pages out to swap, and limits open files, so that the kernel holds nothing for the process
that its memory cgroup does not count.

The job (JSON) holds the student's definitions, as code cells that the trusted parent already
stripped of everything but imports, ``def``/``class`` statements and constant assignments, and
a list of calls ``{"id", "function", "args"}`` (and ``"evaluate_at"`` for answers that are
expressions). The harness runs the definitions, then each call,
and writes one JSON line per event to the result file descriptor:

    {"event": "loaded", "errors": [...]}
    {"event": "started", "id": ...}
    {"event": "returned", "id": ..., "value": <encoded value>, "changed": [argument positions]}
    {"event": "raised", "id": ..., "error": "ValueError: ...", "line": "<cell 3>, line 7"}

Nothing here is trusted by the parent: the student's code shares this process and can forge any
line. The parent therefore treats every line as untrusted data (see ``grader.results``), and only
values equal to the reference on inputs the student never saw earn points.

The same module also holds the value codec, so both sides speak one format: plain JSON, never
pickles, with NumPy arrays as ``{"t": "ndarray", "dtype", "shape", "data"}``. The bounds below
are part of the format: a value beyond them is sent as ``{"t": "other", "type": "<what it is>"}``,
and the parent (``grader.results``) refuses any record that breaks them. Text is sent through
:func:`clean_text`, which the parent applies again to everything it reads.

Functions cannot travel as JSON, so an argument that is a function is one of a small family
described by plain data: a :class:`ScalarFunction` (a polynomial of its array argument, with the
case's secret coefficients) is sent as ``{"t": "function", "family": "polynomial", "shape",
"cubic", "quadratic", "linear", "coupling", "constant"}`` and decoded here into the same class,
whose only use is its values; the parent calls the very same class on the same data. Only the
parent sends functions: the parent reads no "function" record back from the sandbox.

A class cannot be called on secret inputs the way a function is: a :class:`ValueProgram` (plain
data: make input Values, apply operations, call ``backward()`` and ``zero_grad()``, read ``.data``
and ``.grad``) is run here, by the harness's own interpreter, with the student's class ``Value``
(see :func:`call_target`), and only plain floats and a description of the first failure come back.

An argument too large to send (the inputs of a network of a hundred layers and thousands of
examples) is a :class:`SeededNetwork`: plain data, a seed and the sizes, from which the harness
draws the arrays itself; the parent draws the same ones with the same class. A call whose record
holds ``"fingerprint"`` sends back, instead of the dict of arrays that its function returns, a
few numbers per array (:func:`fingerprint`), which the parent compares with the same numbers of
the reference's arrays.
"""
import __future__
import ast
import codeop
import json
import math
import signal
import sys
import traceback
import unicodedata

import numpy as np

MAX_ARRAY_SIZE = 1_000_000     # elements of an array (also with its empty axes counted as 1)
MAX_ARRAY_DIMS = 32            # axes of an array
MAX_INT_BITS = 64              # bits of an int (beyond them JSON may not even write it)
MAX_ITEMS = 100                # items of a list or tuple
MAX_KEYS = 32                  # keys of a dict
MAX_KEY_CHARS = 64             # characters of a dict key: no longer key is one the grader asks for
MAX_DEPTH = 4                  # containers nest this deep at most; deeper ones are sent as "other"
MAX_STR_CHARS = 200            # characters of a str value
MAX_TYPE_NAME_CHARS = 80       # characters of the name of a type sent as "other" or of an exception
MAX_EXCEPTION_CHARS = 300      # characters of the message of an exception
MAX_FUNCTION_SIZE = 64         # entries of the argument of a ScalarFunction (its coupling has this squared)
ARRAY_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")
UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
PLACEHOLDER = "\ufffd"
ELLIPSIS = "\u2026"


def clean_text(text, limit):
    """``text`` safe to quote: at most ``limit`` characters, the ellipsis included, all printable.

    Control, format, surrogate, private-use and unassigned characters and line or paragraph
    separators (Unicode categories Cc, Cf, Cs, Co, Cn, Zl, Zp) become a visible placeholder,
    U+FFFD; spaces stay. Text longer than ``limit`` keeps its first ``limit - 1`` characters and
    ends with an ellipsis, U+2026. Cleaning clean text changes nothing.
    """
    if len(text) > limit:
        text = text[:limit - 1] + ELLIPSIS if limit > 0 else ""
    if text.isprintable():  # fast path: isprintable is False for every character replaced below
        return text
    category = unicodedata.category
    return "".join(PLACEHOLDER if category(char) in UNPRINTABLE_CATEGORIES else char for char in text)


def array_problem(shape):
    """Why an array of ``shape`` (a list of ints >= 0) is not sent as an array, or None."""
    if len(shape) > MAX_ARRAY_DIMS:
        return "ndarray with %d dimensions" % len(shape)
    if math.prod(max(size, 1) for size in shape) > MAX_ARRAY_SIZE:
        return "ndarray of shape %s (too large to send)" % (tuple(shape),)
    return None


def dict_problem(keys):
    """Why a dict with these str keys is not sent as a dict, or None: too many keys or too long a key."""
    if len(keys) > MAX_KEYS:
        return "a dict with %d keys" % len(keys)
    longest = max(map(len, keys), default=0)
    if longest > MAX_KEY_CHARS:
        return "a dict with a key of %d characters" % longest
    return None


def sequence_problem(kind, length):
    """Why a ``kind`` ("list" or "tuple") of ``length`` items is not sent as one, or None."""
    return "a %s of %d items" % (kind, length) if length > MAX_ITEMS else None


def encode(value, depth=0):
    """Encode a value as plain JSON data.

    Numbers and strings go by their exact type (a subclass of float or str is reported as
    "other"). Arrays, dicts, lists and tuples go by what their base type holds, read with the base
    type's own methods, so an ``OrderedDict`` is the dict it holds and a named tuple the tuple: the
    parent receives plain data whatever the class does.
    """
    kind = type(value)
    if isinstance(value, np.ndarray):
        return _encode_array(np.ndarray.view(value, np.ndarray))
    if kind is ScalarFunction:
        return value.as_data()
    if kind is SeededNetwork:
        return value.as_data()
    if kind is ValueProgram:
        return value.as_data()
    if kind is Unevaluated:
        return _other(value.description)
    if kind is bool or kind is np.bool_:
        return {"t": "bool", "type": kind.__name__, "value": bool(value)}
    if kind is float or kind in (np.float64, np.float32, np.float16):
        return {"t": "float", "type": kind.__name__, "value": float(value)}
    if kind is int or kind in (np.int64, np.int32):
        if int(value).bit_length() > MAX_INT_BITS:
            return _other("an int of %d bits" % int(value).bit_length())
        return {"t": "int", "type": kind.__name__, "value": int(value)}
    if value is None:
        return {"t": "none"}
    if kind is str:
        return {"t": "str", "value": clean_text(value, MAX_STR_CHARS)}
    if depth < MAX_DEPTH and isinstance(value, dict):
        if dict.__len__(value) > MAX_KEYS:
            return _other("a dict with %d keys" % dict.__len__(value))
        items = list(dict.items(value))
        if all(type(key) is str for key, _ in items):
            problem = dict_problem([key for key, _ in items])
            return _other(problem) if problem else {
                "t": "dict", "items": {key: encode(item, depth + 1) for key, item in items}}
    if depth < MAX_DEPTH and isinstance(value, (tuple, list)):
        base = tuple if isinstance(value, tuple) else list
        problem = sequence_problem(base.__name__, base.__len__(value))
        return _other(problem) if problem else {
            "t": base.__name__, "items": [encode(item, depth + 1) for item in base.__iter__(value)]}
    return _other(kind.__name__)


def _encode_array(value):
    if value.dtype.name not in ARRAY_DTYPES:
        return _other("ndarray of dtype " + str(value.dtype))
    problem = array_problem(value.shape)
    return _other(problem) if problem else {"t": "ndarray", "dtype": value.dtype.name,
                                            "shape": list(value.shape), "data": value.ravel().tolist()}


def _other(description):
    return {"t": "other", "type": clean_text(description, MAX_TYPE_NAME_CHARS)}


def decode(data):
    """Inverse of :func:`encode` for the values the grader sends (arrays, numbers, dicts, tuples)."""
    tag = data["t"]
    if tag == "ndarray":
        return np.array(data["data"], dtype=data["dtype"]).reshape(data["shape"])
    if tag in ("float", "int", "bool", "str"):
        return data["value"]
    if tag == "none":
        return None
    if tag == "dict":
        return {key: decode(item) for key, item in data["items"].items()}
    if tag == "tuple":
        return tuple(decode(item) for item in data["items"])
    if tag == "list":
        return [decode(item) for item in data["items"]]
    if tag == "function":
        return ScalarFunction.from_data(data)
    if tag == SeededNetwork.TAG:
        return SeededNetwork.from_data(data).value()
    if tag == ValueProgram.TAG:
        return ValueProgram.from_data(data)
    raise ValueError("cannot decode a value tagged %r" % tag)


class ScalarFunction:
    """``f(theta) = sum(cubic t**3) + sum(quadratic t**2) + sum(linear t) + t @ coupling @ t + constant``.

    ``t = theta.ravel()`` for an array ``theta`` of ``shape``; ``cubic``, ``quadratic`` and
    ``linear`` have one coefficient per entry of ``t`` and ``coupling`` is ``(t.size, t.size)``.
    Calling it returns a Python float, and it refuses an argument of another shape. Its
    coefficients are read-only float64 arrays; it holds nothing else, so code that receives it
    learns its values and its own coefficients, nothing more. It travels as the plain data of
    :meth:`as_data` and is rebuilt by :meth:`from_data`, which refuses anything but that data.
    """
    __slots__ = ("shape", "cubic", "quadratic", "linear", "coupling", "constant")
    FIELDS = ("shape", "cubic", "quadratic", "linear", "coupling", "constant")

    def __init__(self, shape, cubic, quadratic, linear, coupling, constant):
        shape = tuple(shape)
        if not (1 <= len(shape) <= MAX_ARRAY_DIMS and all(type(size) is int and size >= 1 for size in shape)
                and math.prod(shape) <= MAX_FUNCTION_SIZE):
            raise ValueError("a function's argument has 1 to %d entries, of a shape of positive ints"
                             % MAX_FUNCTION_SIZE)
        size = math.prod(shape)
        arrays = {}
        for name, value, want in (("cubic", cubic, (size,)), ("quadratic", quadratic, (size,)),
                                  ("linear", linear, (size,)), ("coupling", coupling, (size, size))):
            array = np.array(value, dtype=np.float64)
            if array.shape != want or not np.all(np.isfinite(array)):
                raise ValueError("a function's %s must be %d finite numbers" % (name, math.prod(want)))
            array.flags.writeable = False
            arrays[name] = array
        if type(constant) is not float or not math.isfinite(constant):
            raise ValueError("a function's constant must be a finite float")
        self.shape, self.constant = shape, constant
        self.cubic, self.quadratic, self.linear, self.coupling = (
            arrays["cubic"], arrays["quadratic"], arrays["linear"], arrays["coupling"])

    def __call__(self, theta):
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != self.shape:
            raise ValueError("this function takes an array of shape %s; got one of shape %s"
                             % (self.shape, theta.shape))
        t = theta.reshape(-1)
        return float(np.sum(self.cubic * t ** 3) + np.sum(self.quadratic * t ** 2) + np.sum(self.linear * t)
                     + t @ self.coupling @ t + self.constant)

    def as_data(self):
        """The plain JSON data that :meth:`from_data` turns back into this function."""
        return {"t": "function", "family": "polynomial", "shape": list(self.shape),
                "cubic": self.cubic.tolist(), "quadratic": self.quadratic.tolist(),
                "linear": self.linear.tolist(), "coupling": self.coupling.ravel().tolist(),
                "constant": self.constant}

    @classmethod
    def from_data(cls, data):
        """The function that ``data`` describes; ValueError for anything but :meth:`as_data`'s form."""
        if not (isinstance(data, dict) and set(data) == {"t", "family"} | set(cls.FIELDS)
                and data["t"] == "function" and data["family"] == "polynomial"):
            raise ValueError("not the data of a polynomial function")
        shape = data["shape"]
        lists = [data[name] for name in ("cubic", "quadratic", "linear", "coupling")]
        if not (isinstance(shape, list) and all(isinstance(value, list) and all(type(item) is float for item in value)
                                                for value in lists)):
            raise ValueError("a function's shape is a list and its coefficients lists of floats")
        size = math.prod(shape) if all(type(item) is int for item in shape) else -1
        if not 1 <= size <= MAX_FUNCTION_SIZE or len(lists[3]) != size * size:
            raise ValueError("a function's coupling has one coefficient per pair of entries")
        return cls(shape, *lists[:3], np.array(lists[3]).reshape(size, size), data["constant"])


class SeededNetwork:
    """One argument of a call on a deep network too large to send, drawn here from a seed.

    The network is the L-layer network of the course: ``layer_dims = [n_0, ..., n_L]`` (ReLU
    hidden layers, a sigmoid output), ``m`` examples in columns. ``part`` says which argument:

    - ``"X"``: the inputs, (n_0, m), standard normal;
    - ``"Y"``: the labels, (1, m), 0.0 or 1.0 with probability 1/2 each;
    - ``"parameters"``: the dict "W1", "b1", ..., "WL", "bL". A hidden layer's weights have
      variance 1 / (4 n_{l-1}) and its biases are 1 plus 0.1 times a standard normal, so that
      about 95% of its ReLUs are active: its activations are dense, and dropping their zeros
      saves little memory. The output layer's weights have variance 1 / n_{L-1} and its biases
      are 0.1 times a standard normal, so that the sigmoid does not saturate.

    Each part is drawn by a generator of its own, ``np.random.default_rng([seed, i])`` with ``i``
    its place in :data:`PARTS`, so that the parent draws the very same arrays with :meth:`value`.
    It travels as ``{"t": "seeded", "family": "network", "part", "layer_dims", "m", "seed"}``, and
    :meth:`from_data` refuses anything else and sizes beyond the bounds below. Only the parent
    sends it: the parent reads no "seeded" record back from the sandbox.
    """
    __slots__ = ("part", "layer_dims", "m", "seed")
    TAG = "seeded"
    FAMILY = "network"
    PARTS = ("X", "Y", "parameters")
    FIELDS = ("part", "layer_dims", "m", "seed")
    MAX_LAYERS = 1024
    MAX_UNITS = 4096
    MAX_EXAMPLES = 1 << 16
    MAX_SEED_BITS = 63

    def __init__(self, part, layer_dims, m, seed):
        if type(part) is not str or part not in self.PARTS:
            raise ValueError("a seeded network's part is one of %s" % ", ".join(self.PARTS))
        layer_dims = tuple(layer_dims)
        if not (2 <= len(layer_dims) <= self.MAX_LAYERS + 1
                and all(type(size) is int and 1 <= size <= self.MAX_UNITS for size in layer_dims)):
            raise ValueError("a seeded network has 1 to %d layers of 1 to %d units"
                             % (self.MAX_LAYERS, self.MAX_UNITS))
        if not (type(m) is int and 1 <= m <= self.MAX_EXAMPLES):
            raise ValueError("a seeded network has 1 to %d examples" % self.MAX_EXAMPLES)
        if not (type(seed) is int and seed >= 0 and seed.bit_length() <= self.MAX_SEED_BITS):
            raise ValueError("a seeded network's seed is an int from 0 to 2**%d - 1" % self.MAX_SEED_BITS)
        self.part, self.layer_dims, self.m, self.seed = part, layer_dims, m, seed

    def __repr__(self):
        return "SeededNetwork(%r, %d layers, m=%d)" % (self.part, len(self.layer_dims) - 1, self.m)

    def value(self):
        """The array (``X``, ``Y``) or the dict of arrays (``parameters``) that this part stands for."""
        rng = np.random.default_rng([self.seed, self.PARTS.index(self.part)])
        dims, m = self.layer_dims, self.m
        if self.part == "X":
            return rng.standard_normal((dims[0], m))
        if self.part == "Y":
            return (rng.random((1, m)) < 0.5).astype(np.float64)
        L = len(dims) - 1
        parameters = {}
        for l in range(1, L + 1):
            if l < L:
                W = rng.standard_normal((dims[l], dims[l - 1])) * (0.5 / math.sqrt(dims[l - 1]))
                b = 1.0 + 0.1 * rng.standard_normal((dims[l], 1))
            else:
                W = rng.standard_normal((dims[l], dims[l - 1])) / math.sqrt(dims[l - 1])
                b = 0.1 * rng.standard_normal((dims[l], 1))
            parameters["W%d" % l], parameters["b%d" % l] = W, b
        return parameters

    def drawn_again_equals(self, value):
        """Whether ``value`` still equals what :meth:`value` draws (for :func:`changed_arguments`)."""
        try:
            want = self.value()
            if isinstance(want, dict):
                return (isinstance(value, dict) and sorted(dict.keys(value)) == sorted(want)
                        and all(_same_array(dict.get(value, key), array) for key, array in want.items()))
            return _same_array(value, want)
        except Exception:  # noqa: BLE001 - an argument the student's code broke is a changed one
            return False

    def as_data(self):
        """The plain JSON data that :meth:`from_data` turns back into this part."""
        return {"t": self.TAG, "family": self.FAMILY, "part": self.part, "layer_dims": list(self.layer_dims),
                "m": self.m, "seed": self.seed}

    @classmethod
    def from_data(cls, data):
        """The part that ``data`` describes; ValueError for anything but :meth:`as_data`'s form."""
        if not (type(data) is dict and set(data) == {"t", "family"} | set(cls.FIELDS) and data["t"] == cls.TAG
                and data["family"] == cls.FAMILY and type(data["layer_dims"]) is list):
            raise ValueError("not the data of a seeded network")
        return cls(data["part"], data["layer_dims"], data["m"], data["seed"])


def _same_array(value, want):
    """Whether ``value`` is an array of ``want``'s dtype and shape with its very entries."""
    if not isinstance(value, np.ndarray):
        return False
    value = np.ndarray.view(value, np.ndarray)
    return value.dtype == want.dtype and value.shape == want.shape and bool(np.array_equal(value, want))


MAX_FINGERPRINT_KEYS = 4096


def fingerprint(value, spec):
    """A few numbers for each array of a returned dict, sent instead of the arrays themselves.

    For a dict of arrays too many or too large to send (the gradients of a network of a hundred
    layers). ``spec`` is ``{"keys": [key, ...], "shapes": [[size, ...], ...], "seed": int}``.
    Returns a float64 array of shape (len(keys), 3): for each key, the Frobenius norm of its array
    and its inner products with two standard normal arrays of its shape, drawn by
    ``np.random.default_rng([seed, i])`` for the i-th key; a row of NaN where the key is missing or
    its value is not a finite float64 array of its shape. A value that is not a dict becomes an
    :class:`Unevaluated` that names its type. The parent fingerprints the reference's dict with
    this same function and compares the numbers: arrays that differ by more than rounding give
    different numbers, but for a chance of zero.
    """
    keys, shapes, seed = spec["keys"], spec["shapes"], spec["seed"]
    if not (type(keys) is list and type(shapes) is list and len(keys) == len(shapes) <= MAX_FINGERPRINT_KEYS
            and type(seed) is int):
        raise ValueError("a fingerprint's keys and shapes are two lists of the same length, with a seed")
    if not isinstance(value, dict):
        return Unevaluated("a value of type %s, not a dict"
                           % clean_text(type.__dict__["__name__"].__get__(type(value)), MAX_TYPE_NAME_CHARS))
    rows = np.full((len(keys), 3), np.nan)
    for index, (key, shape) in enumerate(zip(keys, shapes)):
        array = dict.get(value, key) if type(key) is str else None
        if not isinstance(array, np.ndarray):
            continue
        array = np.ndarray.view(array, np.ndarray)
        if array.dtype != np.float64 or list(array.shape) != shape or not np.all(np.isfinite(array)):
            continue
        rng = np.random.default_rng([seed, index])
        rows[index] = [np.linalg.norm(array), np.sum(array * rng.standard_normal(array.shape)),
                       np.sum(array * rng.standard_normal(array.shape))]
    return rows


class Unevaluated:
    """An answer that should be an expression but cannot be evaluated; sent as "other" with its description."""

    def __init__(self, description):
        self.description = description


class ValueProgram:
    """A computation to run with a scalar autodiff class ``Value`` (assignment a8), as plain data.

    ``steps`` is a tuple of steps, each a tuple, run in order by :meth:`run`:

    - ``("input", name, number)``: ``name = Value(number)``;
    - ``("op", name, operation, operand)`` for the unary operations ``neg`` (``-a``) and ``exp``,
      ``tanh``, ``relu`` (the methods ``a.exp()``, ...), and ``("op", name, operation, left,
      right)`` for ``add``, ``sub``, ``mul``, ``div`` and ``pow`` (``+ - * / **``). An operand is
      the name of an earlier node or a plain number (an int of at most 64 bits or a finite float):
      a binary operation has a node on at least one side, and ``pow`` a node as its base and a
      number as its exponent;
    - ``("backward", name)`` and ``("zero_grad", name)``: that node's method;
    - ``("read", name)``: record ``name.data`` and ``name.grad``.

    It travels as ``{"t": "value_program", "steps": [[...], ...]}``, and :meth:`from_data`
    refuses anything else. It holds its steps and nothing else. Only the parent sends programs: the
    parent reads no "value_program" record back from the sandbox.
    """
    __slots__ = ("steps",)
    TAG = "value_program"
    CLASS_NAME = "Value"
    MAX_STEPS = 20_000       # steps of a program (a graph thousands of nodes deep fits)
    MAX_READS = 1_000        # read steps of a program
    MAX_NAME_CHARS = 16      # characters of a node's name
    CPU_SECONDS = 0.5              # the CPU time a run may take (see cpu_seconds), and this much more
    CPU_SECONDS_PER_STEP = 0.001   # per step: some 200 times what a correct class in plain Python needs
    UNARY = {"neg": lambda a: -a, "exp": lambda a: a.exp(), "tanh": lambda a: a.tanh(),
             "relu": lambda a: a.relu()}
    BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
              "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}
    SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}

    def __init__(self, steps):
        self.steps = self._checked(steps)

    @classmethod
    def _checked(cls, steps):
        """``steps`` as a tuple of tuples; ValueError unless they form a program as described above."""
        steps = tuple(tuple(step) for step in steps)
        if not 1 <= len(steps) <= cls.MAX_STEPS:
            raise ValueError("a program has 1 to %d steps" % cls.MAX_STEPS)
        defined, reads = set(), 0
        for step in steps:
            kind = step[0] if step else None
            if kind == "input" and len(step) == 3 and _is_number(step[2]):
                cls._define(step[1], defined)
            elif kind == "op" and len(step) in (4, 5) and cls._operands_fit(step[2], step[3:], defined):
                cls._define(step[1], defined)
            elif kind in ("backward", "zero_grad", "read") and len(step) == 2 and _is_name(step[1], defined):
                reads += kind == "read"
            else:
                raise ValueError("a program step is an input, an operation on earlier nodes and numbers, "
                                 "or backward, zero_grad or read of an earlier node")
        if reads > cls.MAX_READS:
            raise ValueError("a program reads at most %d times" % cls.MAX_READS)
        return steps

    @classmethod
    def _define(cls, name, defined):
        if not (type(name) is str and 1 <= len(name) <= cls.MAX_NAME_CHARS and name.isidentifier()
                and name.isascii() and name not in defined):
            raise ValueError("a node's name is a new short identifier")
        defined.add(name)

    @classmethod
    def _operands_fit(cls, operation, operands, defined):
        if type(operation) is not str:
            return False
        nodes = [_is_name(operand, defined) for operand in operands]
        if not all(node or _is_number(operand) for node, operand in zip(nodes, operands)):
            return False
        if operation in cls.UNARY:
            return nodes == [True]
        if operation == "pow":
            return nodes == [True, False]
        return operation in cls.BINARY and len(nodes) == 2 and any(nodes)

    def as_data(self):
        """The plain JSON data that :meth:`from_data` turns back into this program."""
        return {"t": self.TAG, "steps": [list(step) for step in self.steps]}

    @classmethod
    def from_data(cls, data):
        """The program that ``data`` describes; ValueError for anything but :meth:`as_data`'s form."""
        if not (type(data) is dict and set(data) == {"t", "steps"} and data["t"] == cls.TAG
                and type(data["steps"]) is list and all(type(step) is list for step in data["steps"])):
            raise ValueError("not the data of a program")
        return cls(data["steps"])

    def cpu_seconds(self):
        """The CPU time that a run of this program may take (the harness ends it after that: CPU time, so
        that a busy machine never fails a correct class, and in proportion to the program, so that a slow
        or hanging class costs a small program little)."""
        return self.CPU_SECONDS + self.CPU_SECONDS_PER_STEP * len(self.steps)

    def describe(self, step):
        """One step in words, with its numbers as ``k`` (a pow's exponent as written): ``c = k - a``."""
        kind, name = step[0], step[1]
        if kind == "input":
            return "%s = Value(k)" % name
        if kind in ("backward", "zero_grad"):
            return "%s.%s()" % (name, kind)
        if kind == "read":
            return "reading %s.data and %s.grad" % (name, name)
        operation, operands = step[2], step[3:]
        if operation == "neg":
            return "%s = -%s" % (name, operands[0])
        if operation in self.UNARY:
            return "%s = %s.%s()" % (name, operands[0], operation)
        left, right = (operand if type(operand) is str else "k" for operand in operands)
        if operation == "pow":
            right = repr(operands[1])
        return "%s = %s %s %s" % (name, left, self.SYMBOLS[operation], right)

    def run(self, cls):
        """Run the steps with the class ``cls``; what came of it, as plain data.

        Returns ``{"data": ..., "grad": ..., "error": ...}``: two float64 arrays with one entry per
        read step (NaN for the reads not reached) and the first failure in words ("" if none), with
        ``"line"`` (its place in the student's cells) when it has one. The first step that raises
        an Exception ends the run, and so does a read of a ``.data`` or ``.grad`` that is not
        exactly a float (a ``numpy.float64`` is read as the float it is): a subclass, an int, an
        object with ``__float__`` are refused, never converted. Nothing that the class's objects
        return leaves this method. A step that runs past the call's time (or, in the harness, past
        :meth:`cpu_seconds` of CPU time) ends the run the same way (``CallTimeout``, which names the
        step); other BaseExceptions pass through.
        """
        reads = sum(step[0] == "read" for step in self.steps)
        result = {"data": np.full(reads, np.nan), "grad": np.full(reads, np.nan), "error": ""}
        if not isinstance(cls, type):
            problem = ("NameError: name '%s' is not defined" % self.CLASS_NAME if cls is None else
                       "TypeError: %s is of type %s, not a class" % (self.CLASS_NAME, _type_label(type(cls))))
            result["error"] = clean_text("%s raised %s" % (self.describe(self.steps[0]), problem), MAX_STR_CHARS)
            return result
        nodes, read = {}, 0
        for step in self.steps:
            try:
                read = self._run_step(cls, step, nodes, result, read)
            except (Exception, CallTimeout) as error:  # noqa: BLE001 - the class's own failure, in words
                text, where = describe_error(error)
                if isinstance(error, RecursionError):  # its wording depends on where the limit was met
                    text = "RecursionError: maximum recursion depth exceeded"
                result["error"] = clean_text("%s raised %s" % (self.describe(step), text), MAX_STR_CHARS)
                if where:
                    result["line"] = where
                return result
        return result

    def _run_step(self, cls, step, nodes, result, read):
        kind, name = step[0], step[1]
        if kind == "input":
            nodes[name] = _made_by(cls, cls(step[2]))
        elif kind == "op":
            operands = [nodes[operand] if type(operand) is str else operand for operand in step[3:]]
            operation = self.UNARY.get(step[2]) or self.BINARY[step[2]]
            nodes[name] = _made_by(cls, operation(*operands))
        elif kind == "backward":
            nodes[name].backward()
        elif kind == "zero_grad":
            nodes[name].zero_grad()
        else:
            node = nodes[name]
            data = _plain_float(node.data, name + ".data")
            result["grad"][read] = _plain_float(node.grad, name + ".grad")
            result["data"][read] = data
            read += 1
        return read


def _is_number(value):
    """A plain number a program may hold: an int of at most 64 bits or a finite float (no bool)."""
    return ((type(value) is int and value.bit_length() <= MAX_INT_BITS)
            or (type(value) is float and math.isfinite(value)))


def _is_name(value, defined):
    return type(value) is str and value in defined


def _type_label(kind):
    """The name of the type ``kind``, read with ``type``'s own descriptor (a metaclass cannot lie)."""
    return clean_text(type.__dict__["__name__"].__get__(kind), MAX_TYPE_NAME_CHARS)


def _plain_float(value, what):
    """``value`` if it is exactly a float, as a float if exactly a numpy.float64; else TypeError."""
    kind = type(value)
    if kind is float:
        return value
    if kind is np.float64:
        return float(value)
    raise TypeError("%s is of type %s, not float" % (what, _type_label(kind)))


def _made_by(cls, value):
    """``value`` if it is an instance of ``cls``; else TypeError naming what it is."""
    if not isinstance(value, cls):
        raise TypeError("the result is of type %s, not %s" % (_type_label(type(value)), ValueProgram.CLASS_NAME))
    return value


def call_target(namespace, name, args):
    """What a call of ``name`` with ``args`` runs in ``namespace`` (the student's, or a known wrong
    version's): the function of that name, or, when the one argument is a :class:`ValueProgram`
    (decoded, or the data sent), the program run with the class that ``namespace`` calls ``Value``."""
    if len(args) == 1 and (type(args[0]) is ValueProgram
                           or (type(args[0]) is dict and args[0].get("t") == ValueProgram.TAG)):
        return lambda program: program.run(namespace.get(ValueProgram.CLASS_NAME))
    return namespace.get(name)


MAX_IMAGINARY = 1e-9   # an imaginary part this small (relative) is rounding, not a complex value


def evaluate_expressions(value, evaluate_at):
    """The answers in ``value`` as numbers: each SymPy expression becomes its values at the points.

    ``value`` is one answer or a dict of answers; ``evaluate_at`` is ``{"symbols": [names],
    "points": [[number per name], ...], "allowed": {key: [names]}}`` (``allowed`` is optional:
    the symbols an answer may use, all of them by default). An expression becomes a float64 array
    with one value per point (its symbols are matched by name, whatever their assumptions; a
    ``Poly`` is taken as its expression, and unevaluated parts are evaluated with ``doit``); a
    Python or NumPy number becomes a float (``df_dq = 1`` is a right answer, and so is
    ``df_dq = 1.0``); anything else, an expression in symbols it may not use, or one that is not
    a finite real number at every point becomes an :class:`Unevaluated` that says what it is. One
    answer that cannot be evaluated costs only itself. SymPy is imported only here: the harness of
    other assignments never loads it.
    """
    names, points = list(evaluate_at["symbols"]), evaluate_at["points"]
    allowed = evaluate_at.get("allowed") or {}
    if isinstance(value, dict):
        return {key: _evaluate_safely(item, names, points, allowed.get(key, names))
                for key, item in dict.items(value)}
    return _evaluate_safely(value, names, points, names)


def _evaluate_safely(item, names, points, allowed):
    try:
        return _evaluate(item, names, points, allowed)
    except Exception as error:  # noqa: BLE001 - a CallTimeout is no Exception, so it still ends the call
        return Unevaluated("a value that could not be evaluated (%s)" % clean_text(type(error).__name__, 40))


def _evaluate(item, names, points, allowed):
    kind = type(item)
    if kind in (int, float) or kind in (np.float64, np.float32, np.int64, np.int32):
        return float(item)
    try:
        import sympy
    except ImportError:
        return Unevaluated("a %s (SymPy could not be imported)" % kind.__name__)
    if not isinstance(item, sympy.Basic):
        return Unevaluated(kind.__name__)
    if isinstance(item, sympy.Poly):
        item = item.as_expr()
    item = item.doit()
    symbols = {symbol.name: symbol for symbol in item.free_symbols if isinstance(symbol, sympy.Symbol)}
    if set(symbols) - set(allowed) or len(symbols) < len(item.free_symbols):
        return Unevaluated("an expression in %s" % ", ".join(sorted(map(str, item.free_symbols))))
    values = []
    for point in points:
        try:
            number = complex(item.xreplace({symbols[name]: sympy.Float(coordinate)
                                            for name, coordinate in zip(names, point) if name in symbols}).evalf())
        except (TypeError, ValueError, ArithmeticError):  # zoo, nan, an unevaluated integral...
            return Unevaluated("an expression that is not a number at every point")
        if not (math.isfinite(number.real) and abs(number.imag) <= MAX_IMAGINARY * max(1.0, abs(number.real))):
            return Unevaluated("an expression that is not a finite real number at every point")
        values.append(number.real)
    return np.array(values, dtype=np.float64)


class CallTimeout(BaseException):
    """Raised in the student's code when one call runs past its time.

    A ``BaseException``, so that the harness's own ``except Exception`` guards let it through.
    """


def _on_alarm(signum, frame):
    raise CallTimeout("the call ran longer than its time limit")


def _on_cpu_alarm(signum, frame):
    raise CallTimeout("the call used more CPU time than a program of its size may take")


def _cpu_seconds(args):
    """The CPU time a call with ``args`` may take: a program's own (ValueProgram.cpu_seconds), or 0, no limit."""
    return args[0].cpu_seconds() if len(args) == 1 and type(args[0]) is ValueProgram else 0


def _message_of(error):
    """``str(error)``, or a note when the student's ``__str__`` fails."""
    try:
        return str(error)
    except BaseException:  # noqa: BLE001 - the exception's own class is the student's code
        return "(its message could not be read: its __str__ failed)"


def describe_error(error):
    """``("ValueError: message", "<cell 3>, line 7")``: where in the student's cells it happened."""
    text = "%s: %s" % (clean_text(type(error).__name__, MAX_TYPE_NAME_CHARS),
                       clean_text(_message_of(error), MAX_EXCEPTION_CHARS))
    where = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith("<cell"):
            where = "%s, line %d" % (frame.filename, frame.lineno)
    return text, where


def _display(*objects, **options):
    """Stands in for IPython's ``display``, which a kernel provides and plain Python does not."""


def load(cells, namespace):
    """Run the kept definitions one top-level statement at a time; the errors, in words.

    One statement that fails (a name set by a dropped statement, say) costs only itself, not the
    definitions after it in its cell. ``__future__`` imports hold for every later cell, as in a
    kernel. Annotations are not evaluated (``from __future__ import annotations`` for all): a
    type hint may name something that only a dropped statement defines, and it changes nothing
    that a function computes.
    """
    compiler = codeop.Compile()
    compiler.flags |= __future__.annotations.compiler_flag
    errors = []
    for cell in cells:
        filename = "<cell %d>" % cell["index"]
        try:
            statements = ast.parse(cell["code"], filename).body
        except BaseException as error:  # noqa: BLE001 - the parent parsed it already; be safe anyway
            errors.append(" in ".join(filter(None, describe_error(error))))
            continue
        for statement in statements:
            try:
                exec(compiler(ast.Module(body=[statement], type_ignores=[]), filename, "exec"), namespace)
            except BaseException as error:  # noqa: BLE001 - a statement that fails in a kernel fails here too
                errors.append(" in ".join(filter(None, describe_error(error))))
    return errors


def changed_arguments(args, sent):
    """The positions of the arguments that the call changed in place (they no longer encode as sent)."""
    changed = []
    for index, (arg, data) in enumerate(zip(args, sent)):
        if type(data) is dict and data.get("t") == SeededNetwork.TAG:  # drawn here: compared with a new draw
            if not SeededNetwork.from_data(data).drawn_again_equals(arg):
                changed.append(index)
            continue
        try:  # as JSON text, so that a NaN sent is a NaN kept
            same = json.dumps(encode(arg), sort_keys=True) == json.dumps(data, sort_keys=True)
        except Exception:  # noqa: BLE001 - an argument the student's code broke is a changed one
            same = False
        if not same:
            changed.append(index)
    return changed


def run(job, emit):
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "display": _display}
    emit({"event": "loaded", "errors": load(job["cells"], namespace)})
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGPROF, _on_cpu_alarm)
    for call in job["calls"]:
        emit({"event": "started", "id": call["id"]})
        function = call_target(namespace, call["function"], call["args"])
        if not callable(function):
            emit({"event": "raised", "id": call["id"], "line": "",
                  "error": "NameError: no function named %s is defined" % call["function"]})
            continue
        try:
            signal.setitimer(signal.ITIMER_REAL, job["seconds_per_call"])
            args = [decode(arg) for arg in call["args"]]
            signal.setitimer(signal.ITIMER_PROF, _cpu_seconds(args))
            value = function(*args)
            signal.setitimer(signal.ITIMER_PROF, 0)
            if call.get("fingerprint"):
                value = fingerprint(value, call["fingerprint"])
            if call.get("evaluate_at"):
                value = evaluate_expressions(value, call["evaluate_at"])
            record = {"event": "returned", "id": call["id"], "value": encode(value),
                      "changed": changed_arguments(args, call["args"])}
            signal.setitimer(signal.ITIMER_REAL, 0)
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are failures too
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.setitimer(signal.ITIMER_PROF, 0)
            text, where = describe_error(error)
            record = {"event": "raised", "id": call["id"], "error": text, "line": where}
        emit(record)


# What the kernel keeps for a socket or a terminal is not all charged to the memory cgroup: data
# waiting in a netlink, UDP or TCP socket (the sandbox's own loopback carries the last two) is
# charged to none, so a process could hold gigabytes there that neither the sandbox's memory limit
# nor a measured peak counts. A Unix socket's data is charged; a pseudo-terminal holds some 25 KiB
# uncharged, and open files bound how many there are. Where the machine swaps, a page that
# madvise(MADV_PAGEOUT) pushes out of memory leaves a cgroup v1's count of memory too (and
# MADV_COLD readies it to go). See :func:`confine`.
SOCKET_FAMILIES = (1,)         # AF_UNIX: the only family that socket() and socketpair() may make
REFUSED_ADVICE = (20, 21)      # MADV_COLD, MADV_PAGEOUT: what madvise() may not be asked
MAX_OPEN_FILES = 64            # files one process may hold open
# audit architecture, then the numbers of socket, socketpair, madvise and process_madvise
SECCOMP_CALLS = {"x86_64": (0xC000003E, 41, 53, 28, 440), "aarch64": (0xC00000B7, 198, 199, 233, 440)}


def confine():
    """Before any student code runs: socket() and socketpair() of any family but :data:`SOCKET_FAMILIES`,
    madvise() with any advice of :data:`REFUSED_ADVICE` and process_madvise() fail with EPERM (a
    seccomp filter, stacked on the sandbox's own, inherited by every child and never lifted), and a
    process may hold at most :data:`MAX_OPEN_FILES` files open (soft and hard limit). Raises OSError
    if it cannot: the harness then ends before it loads anything."""
    import ctypes
    import os
    import resource
    import struct
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    limit = MAX_OPEN_FILES if hard == resource.RLIM_INFINITY else min(MAX_OPEN_FILES, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    machine = os.uname().machine
    arch, socket_call, pair_call, madvise_call, process_madvise_call = SECCOMP_CALLS[
        "aarch64" if machine == "arm64" else machine]
    load, jump, ret = 0x20, 0x15, 0x06   # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K

    def argument(index):                 # the offset of the low 32 bits of an argument in seccomp_data
        return 16 + 8 * index + (0 if sys.byteorder == "little" else 4)
    # (label, code, k, label to go to if true, if false); None goes on with the next instruction
    program = ([(None, load, 4, None, None), (None, jump, arch, None, "allow"), (None, load, 0, None, None),
                (None, jump, socket_call, "family", None), (None, jump, pair_call, "family", None),
                (None, jump, process_madvise_call, "refuse", None), (None, jump, madvise_call, None, "allow"),
                (None, load, argument(2), None, None)]
               + [(None, jump, advice, "refuse", None) for advice in REFUSED_ADVICE]
               + [(None, jump, 0, "allow", "allow"), ("family", load, argument(0), None, None)]
               + [(None, jump, family, "allow", None) for family in SOCKET_FAMILIES]
               + [("refuse", ret, 0x00050000 | 1, None, None), ("allow", ret, 0x7FFF0000, None, None)])
    where = {label: index for index, (label, *_) in enumerate(program) if label}
    code = b"".join(struct.pack("=HBBI", operation, where[yes] - index - 1 if yes else 0,
                                where[no] - index - 1 if no else 0, k)
                    for index, (_, operation, k, yes, no) in enumerate(program))
    buffer = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    libc = ctypes.CDLL(None, use_errno=True)
    given = Program(len(program), ctypes.addressof(buffer))
    # PR_SET_NO_NEW_PRIVS, then PR_SET_SECCOMP with SECCOMP_MODE_FILTER
    if (libc.prctl(38, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0
            or libc.prctl(22, ctypes.c_ulong(2), ctypes.byref(given), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0):
        raise OSError(ctypes.get_errno(), "cannot install the harness's seccomp filter")


def main(job_path, result_fd):
    confine()
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    channel = open(result_fd, "w", encoding="utf-8", buffering=1, closefd=False)
    dumps, write, flush = json.dumps, channel.write, channel.flush

    def emit(record):
        write(dumps(record) + "\n")
        flush()

    run(job, emit)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
