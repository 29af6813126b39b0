"""The only grader code that runs inside the sandbox, beside the student's code.

It is copied into the sandbox on its own and started as ``python -I harness.py JOB RESULT_FD``:
it imports nothing but the standard library and NumPy (and SymPy, only for answers that are
expressions: see :func:`evaluate_expressions`), and nothing from the rest of ``grader``.

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


class Unevaluated:
    """An answer that should be an expression but cannot be evaluated; sent as "other" with its description."""

    def __init__(self, description):
        self.description = description


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
    for call in job["calls"]:
        emit({"event": "started", "id": call["id"]})
        function = namespace.get(call["function"])
        if not callable(function):
            emit({"event": "raised", "id": call["id"], "line": "",
                  "error": "NameError: no function named %s is defined" % call["function"]})
            continue
        try:
            signal.setitimer(signal.ITIMER_REAL, job["seconds_per_call"])
            args = [decode(arg) for arg in call["args"]]
            value = function(*args)
            if call.get("evaluate_at"):
                value = evaluate_expressions(value, call["evaluate_at"])
            record = {"event": "returned", "id": call["id"], "value": encode(value),
                      "changed": changed_arguments(args, call["args"])}
            signal.setitimer(signal.ITIMER_REAL, 0)
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are failures too
            signal.setitimer(signal.ITIMER_REAL, 0)
            text, where = describe_error(error)
            record = {"event": "raised", "id": call["id"], "error": text, "line": where}
        emit(record)


def main(job_path, result_fd):
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
