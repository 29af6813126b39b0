"""The only grader code that runs inside the sandbox, beside the student's code.

It is copied into the sandbox on its own and started as ``python -I harness.py JOB RESULT_FD``:
it imports nothing but the standard library and NumPy, and nothing from the rest of ``grader``.

The job (JSON) holds the student's definitions, as code cells that the trusted parent already
stripped of everything but imports, ``def``/``class`` statements and constant assignments, and
a list of calls ``{"id", "function", "args"}``. The harness runs the definitions, then each call,
and writes one JSON line per event to the result file descriptor:

    {"event": "loaded", "errors": [...]}
    {"event": "started", "id": ...}
    {"event": "returned", "id": ..., "value": <encoded value>}
    {"event": "raised", "id": ..., "error": "ValueError: ...", "line": "<cell 3>, line 7"}

Nothing here is trusted by the parent: the student's code shares this process and can forge any
line. The parent therefore treats every line as untrusted data (see ``grader.verify``), and only
values equal to the reference on inputs the student never saw earn points.

The same module also holds the value codec, so both sides speak one format: plain JSON, never
pickles, with NumPy arrays as ``{"t": "ndarray", "dtype", "shape", "data"}``.
"""
import json
import signal
import sys
import traceback

import numpy as np

MAX_ARRAY_SIZE = 1_000_000
MAX_ITEMS = 100
MAX_DEPTH = 4
NUMERIC_KINDS = "biuf"


def encode(value, depth=0):
    """Encode a value as plain JSON data, by its exact type (subclasses are reported as "other")."""
    kind = type(value)
    if kind is np.ndarray:
        if value.dtype.kind not in NUMERIC_KINDS:
            return {"t": "other", "type": "ndarray of dtype " + str(value.dtype)}
        if value.size > MAX_ARRAY_SIZE:
            return {"t": "other", "type": "ndarray with %d elements" % value.size}
        return {"t": "ndarray", "dtype": value.dtype.name, "shape": list(value.shape),
                "data": value.ravel().tolist()}
    if kind is bool or kind is np.bool_:
        return {"t": "bool", "type": kind.__name__, "value": bool(value)}
    if kind is float or kind in (np.float64, np.float32, np.float16):
        return {"t": "float", "type": kind.__name__, "value": float(value)}
    if kind is int or kind in (np.int64, np.int32):
        return {"t": "int", "type": kind.__name__, "value": int(value)}
    if value is None:
        return {"t": "none"}
    if kind is str:
        return {"t": "str", "value": value[:200]}
    if depth < MAX_DEPTH and kind is dict and len(value) <= MAX_ITEMS:
        if all(type(key) is str for key in value):
            return {"t": "dict", "items": {key: encode(item, depth + 1) for key, item in value.items()}}
    if depth < MAX_DEPTH and kind in (tuple, list) and len(value) <= MAX_ITEMS:
        return {"t": kind.__name__, "items": [encode(item, depth + 1) for item in value]}
    return {"t": "other", "type": kind.__name__[:80]}


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
    raise ValueError("cannot decode a value tagged %r" % tag)


class CallTimeout(Exception):
    """Raised in the student's code when one call runs past its time."""


def _on_alarm(signum, frame):
    raise CallTimeout("the call ran longer than its time limit")


def describe_error(error):
    """``("ValueError: message", "<cell 3>, line 7")``: where in the student's cells it happened."""
    text = "%s: %s" % (type(error).__name__, str(error)[:300])
    where = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith("<cell"):
            where = "%s, line %d" % (frame.filename, frame.lineno)
    return text, where


def run(job, emit):
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    errors = []
    for cell in job["cells"]:
        try:
            exec(compile(cell["code"], "<cell %d>" % cell["index"], "exec"), namespace)
        except BaseException as error:  # noqa: BLE001 - a cell that fails in a kernel fails here too
            errors.append(" in ".join(filter(None, describe_error(error))))
    emit({"event": "loaded", "errors": errors})
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
            value = function(*[decode(arg) for arg in call["args"]])
            signal.setitimer(signal.ITIMER_REAL, 0)
            record = {"event": "returned", "id": call["id"], "value": encode(value)}
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
