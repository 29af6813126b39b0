"""Read what the sandbox sent back: untrusted lines in, plain, bounded, trusted values out.

The child shares its process with the student's code, so every line may be forged or garbage.
``parse_events`` turns the lines into outcomes per call and ``parse_value`` decodes one value
(see ``grader.harness.encode`` for the format). Both are total: no sequence of strings and no
JSON value makes them raise. A malformed line is skipped; a malformed value becomes a failed
outcome of its call. Everything that comes back is bounded: text by :func:`clean_text` and the
limits below, containers and arrays by the limits of the format (``MAX_*`` in ``grader.harness``).
"""
import json
import math

import numpy as np

from grader import harness
from grader.checks import Foreign, Outcome

MAX_LOAD_ERRORS = 10       # errors kept from the "loaded" event
MAX_ERROR_CHARS = 400      # characters of one load error or of the error of a "raised" event
MAX_LINE_CHARS = 80        # characters of the place ("<cell 3>, line 7") of a "raised" event
MAX_ARGUMENTS = 16         # argument positions a "returned" event may list as changed in place
UNREADABLE_VALUE = "the returned value could not be read back"
UNREADABLE_ERROR = "the call raised an error that could not be read back"
UNREADABLE = Foreign("a value that could not be read back")  # what parse_value returns for garbage

ELEMENT_TYPES = {name: {"f": float, "i": int, "u": int, "b": bool}[np.dtype(name).kind]
                 for name in harness.ARRAY_DTYPES}  # what JSON holds for each element of an array
FLOAT_TYPES = {"float": float, "float64": np.float64, "float32": np.float32, "float16": np.float16}
NARROW_FLOATS = {"float32", "float16"}  # types that a float from JSON can overflow
INT_RANGES = {name: (int(np.iinfo(name).min), int(np.iinfo(name).max))
              for name, element in ELEMENT_TYPES.items() if element is int}

clean_text = harness.clean_text  # one definition for both sides: see its docstring


class Garbled(ValueError):
    """A record from the sandbox that is not a well-formed encoded value."""


def parse_value(data):
    """The value that ``data`` (any JSON value) encodes (see ``harness.encode``), or ``UNREADABLE``.

    Never raises. Text is cleaned and cut, and a dict, list or tuple beyond the format's bounds
    comes back as a :class:`Foreign` that describes it ("a dict with a key of 5000 characters").
    """
    try:
        return _decode(data, 0)
    except Garbled:
        return UNREADABLE


def _decode(data, depth):
    """Decode one record at nesting ``depth``; raise :class:`Garbled`, and only that, if it is malformed."""
    tag = data.get("t") if isinstance(data, dict) else None
    decode = DECODERS.get(tag) if isinstance(tag, str) else None
    if decode is None:
        raise Garbled("not an encoded value")
    return decode(data, depth)


def _decode_array(data, depth):
    dtype, shape, values = data.get("dtype"), data.get("shape"), data.get("data")
    if not (isinstance(dtype, str) and dtype in ELEMENT_TYPES and _is_shape(shape)
            and isinstance(values, list) and math.prod(shape) == len(values)):
        raise Garbled("malformed array")
    if values and set(map(type, values)) != {ELEMENT_TYPES[dtype]}:
        raise Garbled("array elements of the wrong type")
    if dtype in INT_RANGES and values:
        low, high = INT_RANGES[dtype]
        if min(values) < low or max(values) > high:
            raise Garbled("array elements out of the range of " + dtype)
    return _converted(lambda: np.array(values, dtype=dtype), dtype).reshape(shape)


def _is_shape(shape):
    """A list of sizes (ints >= 0) of an array the format allows (see ``harness.array_problem``)."""
    return (isinstance(shape, list) and len(shape) <= harness.MAX_ARRAY_DIMS
            and all(type(size) is int and size >= 0 for size in shape)
            and harness.array_problem(shape) is None)


def _converted(make, type_name):
    """``make()``, a conversion to ``type_name``: a float beyond the range of a narrow type is garbled."""
    if type_name not in NARROW_FLOATS:
        return make()
    try:
        with np.errstate(over="raise"):
            return make()
    except FloatingPointError:
        raise Garbled("a float beyond the range of its type") from None


def _decode_float(data, depth):
    value, name = data.get("value"), data.get("type")
    if type(value) is not float:
        raise Garbled("malformed float")
    kind = FLOAT_TYPES.get(name) if isinstance(name, str) else None
    if kind is None:
        return Foreign("a float of an unknown type")
    return _converted(lambda: kind(value), name)


def _decode_int(data, depth):
    value = data.get("value")
    if type(value) is not int or value.bit_length() > harness.MAX_INT_BITS:
        raise Garbled("malformed int")
    return value


def _decode_bool(data, depth):
    if type(data.get("value")) is not bool:
        raise Garbled("malformed bool")
    return data["value"]


def _decode_none(data, depth):
    return None


def _decode_str(data, depth):
    if not isinstance(data.get("value"), str):
        raise Garbled("malformed str")
    return clean_text(data["value"], harness.MAX_STR_CHARS)


def _decode_dict(data, depth):
    items = data.get("items")
    if depth >= harness.MAX_DEPTH or not isinstance(items, dict) or not all(map(_is_str, items)):
        raise Garbled("malformed dict")
    problem = harness.dict_problem(list(items))
    if problem:
        return Foreign(problem)
    return {clean_text(key, harness.MAX_KEY_CHARS): _decode(item, depth + 1) for key, item in items.items()}


def _is_str(value):
    return isinstance(value, str)


def _decode_sequence(data, depth):
    items = data.get("items")
    if depth >= harness.MAX_DEPTH or not isinstance(items, list):
        raise Garbled("malformed " + data["t"])
    problem = harness.sequence_problem(data["t"], len(items))
    if problem:
        return Foreign(problem)
    decoded = [_decode(item, depth + 1) for item in items]
    return tuple(decoded) if data["t"] == "tuple" else decoded


def _decode_other(data, depth):
    if not isinstance(data.get("type"), str):
        raise Garbled("malformed description of a value")
    return Foreign(clean_text(data["type"], harness.MAX_TYPE_NAME_CHARS))


DECODERS = {"ndarray": _decode_array, "float": _decode_float, "int": _decode_int, "bool": _decode_bool,
            "none": _decode_none, "str": _decode_str, "dict": _decode_dict, "list": _decode_sequence,
            "tuple": _decode_sequence, "other": _decode_other}


def parse_events(lines, case_ids):
    """``(loaded, load_errors, started_ids, outcomes)`` from the child's lines; garbage is skipped.

    Only the first well-formed "loaded" event counts; only events whose id is a str in
    ``case_ids`` count, and for each id only the first "returned" or "raised" event. So at most
    ``len(case_ids)`` ids are started and have outcomes, and at most ``MAX_LOAD_ERRORS`` errors
    of at most ``MAX_ERROR_CHARS`` characters come back.
    """
    loaded, load_errors, started, outcomes = False, [], [], {}
    for line in lines:
        event = _event(line)
        kind, case_id = event.get("event"), event.get("id")
        if kind == "loaded":
            errors = None if loaded else _load_errors(event.get("errors"))
            if errors is not None:
                loaded, load_errors = True, errors
        elif not isinstance(case_id, str) or case_id not in case_ids or case_id in outcomes:
            continue
        elif kind == "started":
            if case_id not in started:
                started.append(case_id)
        elif kind == "returned":
            outcomes[case_id] = _returned(event)
        elif kind == "raised":
            outcomes[case_id] = _raised(event)
    return loaded, load_errors, started, outcomes


def _event(line):
    """The JSON object on ``line``, or an empty dict if it holds anything else."""
    if not isinstance(line, str):
        return {}
    try:
        event = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply for the decoder
        return {}
    return event if isinstance(event, dict) else {}


def _load_errors(errors):
    """The bounded, cleaned list of load errors, or None if ``errors`` is not a list of str."""
    if not isinstance(errors, list) or not all(map(_is_str, errors)):
        return None
    return [clean_text(error, MAX_ERROR_CHARS) for error in errors[:MAX_LOAD_ERRORS]]


def _returned(event):
    value = parse_value(event.get("value"))
    if value is UNREADABLE:
        return Outcome(False, error=UNREADABLE_VALUE)
    return Outcome(True, value=value, changed=_positions(event.get("changed")))


def _positions(changed):
    """Argument positions, as a sorted tuple of distinct small ints; anything else counts as none."""
    if not isinstance(changed, list) or len(changed) > MAX_ARGUMENTS:
        return ()
    if not all(type(index) is int and 0 <= index < MAX_ARGUMENTS for index in changed):
        return ()
    return tuple(sorted(set(changed)))


def _raised(event):
    error, line = event.get("error"), event.get("line")
    if not isinstance(error, str) or not isinstance(line, str):
        return Outcome(False, error=UNREADABLE_ERROR)
    return Outcome(False, error=clean_text(error, MAX_ERROR_CHARS), line=clean_text(line, MAX_LINE_CHARS))
