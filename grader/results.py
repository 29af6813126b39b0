"""Read what the sandbox sent back: untrusted lines in, plain trusted values out.

The child shares its process with the student's code, so every line may be forged or garbage.
``parse_events`` turns the lines into outcomes per call and ``parse_value`` decodes one value
(see ``grader.harness.encode`` for the format); anything malformed is skipped or becomes a
failed outcome, never an exception in the trusted parent.
"""
import json
import math

import numpy as np

from grader import harness
from grader.checks import Foreign, Outcome

ARRAY_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"}
FLOAT_TYPES = {"float": float, "float64": np.float64, "float32": np.float32, "float16": np.float16}


class Garbled(ValueError):
    """A line from the sandbox that is not a well-formed encoded value."""


def parse_value(data, depth=0):
    """Decode one value from the sandbox, trusting nothing about it (see ``harness.encode``)."""
    if depth > harness.MAX_DEPTH + 1 or not isinstance(data, dict):
        raise Garbled("not an encoded value")
    tag = data.get("t")
    if tag == "ndarray":
        dtype, shape, values = data.get("dtype"), data.get("shape"), data.get("data")
        if (dtype not in ARRAY_DTYPES or not isinstance(shape, list) or not isinstance(values, list)
                or not all(type(size) is int and size >= 0 for size in shape)
                or math.prod(shape) != len(values) or len(values) > harness.MAX_ARRAY_SIZE
                or not all(type(item) in (int, float, bool) for item in values)):
            raise Garbled("malformed array")
        return np.array(values, dtype=dtype).reshape(shape)
    if tag == "float" and type(data.get("value")) in (int, float):
        kind = FLOAT_TYPES.get(data.get("type"))
        return kind(data["value"]) if kind else Foreign("a float of an unknown type")
    if tag == "int" and type(data.get("value")) is int:
        return data["value"]
    if tag == "bool" and type(data.get("value")) is bool:
        return data["value"]
    if tag == "none":
        return None
    if tag == "str" and isinstance(data.get("value"), str):
        return data["value"]
    if tag == "dict" and isinstance(data.get("items"), dict):
        return {str(key): parse_value(item, depth + 1) for key, item in data["items"].items()}
    if tag in ("tuple", "list") and isinstance(data.get("items"), list):
        items = [parse_value(item, depth + 1) for item in data["items"]]
        return tuple(items) if tag == "tuple" else items
    if tag == "other":
        return Foreign(str(data.get("type", "an unknown object"))[:80])
    raise Garbled("unknown value tag")


def parse_events(lines, case_ids):
    """``(loaded, load_errors, started_ids, outcomes)`` from the child's lines; garbage is skipped."""
    loaded, load_errors, started, outcomes = False, [], [], {}
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        kind, case_id = event.get("event"), event.get("id")
        if kind == "loaded" and not loaded:
            loaded = True
            load_errors = [str(error)[:400] for error in event.get("errors", [])
                           if isinstance(error, str)][:20]
        elif case_id not in case_ids or case_id in outcomes:
            continue
        elif kind == "started" and case_id not in started:
            started.append(case_id)
        elif kind == "returned":
            try:
                outcomes[case_id] = Outcome(True, value=parse_value(event.get("value")))
            except (Garbled, ValueError, TypeError, RecursionError):
                outcomes[case_id] = Outcome(False, error="the returned value could not be read back")
        elif kind == "raised":
            outcomes[case_id] = Outcome(False, error=str(event.get("error", ""))[:400],
                                        line=str(event.get("line", ""))[:80])
    return loaded, load_errors, started, outcomes
