"""The parent reads the sandbox's untrusted lines without ever failing, and keeps only bounded data.

The student's code shares the child's process and can write any bytes to the result channel, so
``parse_events`` and ``parse_value`` are fuzzed with arbitrary lines and almost valid encodings,
each malformed line that once crashed the parent has a test of its own, and a notebook that
returns huge values and forges huge lines must still get a small verdict with its honest points.
"""
import json
import math
import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader import harness, results
from grader.checks import Foreign, Outcome
from grader.results import parse_events, parse_value
from tests.conftest import with_cell

CASE_IDS = frozenset({"f/0", "f/1", "g/2"})
UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # what clean_text must replace
ELEMENT_KINDS = {"float64": "float", "float32": "float", "float16": "float", "int64": "int", "int32": "int",
                 "int16": "int", "int8": "int", "uint8": "int", "bool": "bool"}  # the dtypes the format allows
# Deterministic in CI: the same examples on every run, no database of earlier failures.
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
MAX_VERDICT_BYTES = 64 << 10
A3_POINTS, BACKWARD_POINTS = 13, 4


# ---- what a bounded result is ---------------------------------------------------------------

def is_clean(text, limit):
    """``text`` is a str of at most ``limit`` characters, none of them unprintable."""
    return (isinstance(text, str) and len(text) <= limit
            and not any(unicodedata.category(char) in UNPRINTABLE for char in text))


def assert_bounded_value(value, depth=0):
    """Every string, dict, list, tuple and array inside ``value`` is within the format's bounds."""
    assert depth <= harness.MAX_DEPTH
    if isinstance(value, str):
        assert is_clean(value, harness.MAX_STR_CHARS), value
    elif isinstance(value, Foreign):
        assert is_clean(value.type_name, harness.MAX_TYPE_NAME_CHARS), value.type_name
    elif isinstance(value, dict):
        assert len(value) <= harness.MAX_KEYS
        for key, item in value.items():
            assert is_clean(key, harness.MAX_KEY_CHARS), key
            assert_bounded_value(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        assert len(value) <= harness.MAX_ITEMS
        for item in value:
            assert_bounded_value(item, depth + 1)
    elif isinstance(value, np.ndarray):
        assert value.size <= harness.MAX_ARRAY_SIZE and value.ndim <= harness.MAX_ARRAY_DIMS
        assert value.dtype.name in ELEMENT_KINDS
    elif type(value) is int:
        assert value.bit_length() <= harness.MAX_INT_BITS
    else:
        assert value is None or type(value) in (bool, float, np.float64, np.float32, np.float16), value


def assert_bounded_events(parsed, case_ids):
    """What ``parse_events`` returned is as small as its bounds say, and only about known ids."""
    loaded, load_errors, started, outcomes = parsed
    assert type(loaded) is bool
    assert len(load_errors) <= results.MAX_LOAD_ERRORS
    assert all(is_clean(error, results.MAX_ERROR_CHARS) for error in load_errors)
    assert set(started) <= case_ids and len(started) == len(set(started))
    assert set(outcomes) <= case_ids and len(outcomes) <= len(case_ids)
    for outcome in outcomes.values():
        assert type(outcome) is Outcome
        assert is_clean(outcome.error, results.MAX_ERROR_CHARS) and is_clean(outcome.line, results.MAX_LINE_CHARS)
        if outcome.returned:
            assert_bounded_value(outcome.value)
        else:
            assert outcome.value is None


# ---- strategies: arbitrary lines and almost valid encodings -------------------------------------

TRICKY = "\x00\n\r\t\x1b\x85\u00a0\u2028\u2029\u202e\u200b\ufeff\ud800\udfff\ue000\U0010ffff \u3000"
characters = st.characters(exclude_categories=()) | st.sampled_from(TRICKY)
texts = st.text(characters, max_size=30) | st.builds(
    lambda text, times: text * times, st.text(characters, min_size=1, max_size=3), st.integers(1, 3000))
HUGE_INTS = [2**31, 2**63, -2**63 - 1, 2**64, 10**300, -10**4000]
floats = st.floats() | st.sampled_from([1e300, -1e39, 7e4])  # beyond float16 and float32
numbers = st.integers() | st.sampled_from(HUGE_INTS) | floats
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(texts, children, max_size=5),
    max_leaves=20)

DTYPES = sorted(ELEMENT_KINDS)
elements = {"float": floats, "int": st.integers(-300, 300) | st.sampled_from(HUGE_INTS), "bool": st.booleans()}
odd_elements = json_values | st.lists(st.integers(), max_size=2)


@st.composite
def consistent_arrays(draw):
    """An ndarray record whose shape matches its data, with elements that may not fit its dtype."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.lists(st.integers(0, 4), max_size=3))
    kind = ELEMENT_KINDS[dtype]
    element = elements[kind] | odd_elements if draw(st.booleans()) else elements[kind]
    data = draw(st.lists(element, min_size=math.prod(shape), max_size=math.prod(shape)))
    return {"t": "ndarray", "dtype": draw(st.sampled_from(DTYPES) | st.just(dtype)), "shape": shape, "data": data}


shapes = (st.lists(st.integers(-2, 5) | st.sampled_from([0, 10**7, 10**30]), max_size=5)
          | st.just([0] * 40) | json_values)
arrays = st.fixed_dictionaries({
    "t": st.just("ndarray"), "dtype": st.sampled_from(DTYPES + ["object", "complex128", "<U3"]) | json_values,
    "shape": shapes, "data": st.lists(numbers | odd_elements, max_size=6) | json_values})


def record(tag, **fields):
    return st.fixed_dictionaries({"t": st.just(tag), **fields})


FLOAT_NAMES = st.sampled_from(["float", "float64", "float32", "float16", "int"]) | json_values
scalar_records = st.one_of(
    consistent_arrays(), arrays,
    record("float", type=FLOAT_NAMES, value=numbers | json_values),
    record("int", type=st.just("int"), value=numbers | json_values),
    record("bool", value=st.booleans() | json_values), record("none"),
    record("str", value=texts | json_values), record("other", type=texts | json_values),
    st.fixed_dictionaries({"t": texts | json_values}, optional={"value": json_values, "items": json_values}))
keys = texts | st.sampled_from(["dW1", "k" * 65, "k" * 5000, ""])


def containers(children):
    many = st.integers(0, 150)
    return st.one_of(
        record("dict", items=st.dictionaries(keys, children, max_size=5) | json_values),
        record("list", items=st.lists(children, max_size=5) | json_values),
        record("tuple", items=st.lists(children, max_size=5)),
        st.builds(lambda n: {"t": "dict", "items": {"k%d" % i: {"t": "none"} for i in range(n)}}, many),
        st.builds(lambda n, tag: {"t": tag, "items": [{"t": "int", "value": 1}] * n}, many,
                  st.sampled_from(["list", "tuple"])))


encoded_values = st.recursive(scalar_records, containers, max_leaves=8)
ids = st.sampled_from(sorted(CASE_IDS)) | texts | json_values
events = st.fixed_dictionaries(
    {"event": st.sampled_from(["loaded", "started", "returned", "raised"]) | json_values, "id": ids},
    optional={"value": encoded_values | json_values,
              "errors": st.lists(texts | json_values, max_size=30) | json_values
              | st.just(["e\n" * 5000] * 40),
              "error": texts | json_values, "line": texts | json_values})


def deeply_nested(opening, closing, depth=100_000):
    return opening * depth + closing * depth


DEEP_LINES = ["[" * 100_000, "{" * 100_000, '{"a":' * 100_000, deeply_nested("[", "]"),
              '{"event": "returned", "id": "f/0", "value": %s}' % deeply_nested("[", "]"),
              '{"event": "returned", "id": "f/0", "value": %s}' % deeply_nested('{"t": "list", "items": [', "]}", 200)]
lines = st.lists(st.one_of(texts, json_values.map(json.dumps), events.map(json.dumps), st.sampled_from(DEEP_LINES)),
                 max_size=8)


# ---- fuzzing ----------------------------------------------------------------------------------

@FUZZ
@given(lines)
def test_any_lines_parse_into_bounded_outcomes_of_known_calls(some_lines):
    assert_bounded_events(parse_events(some_lines, CASE_IDS), CASE_IDS)


@FUZZ
@given(encoded_values | json_values)
def test_any_value_decodes_to_a_bounded_value_or_unreadable(data):
    value = parse_value(data)
    if value is not results.UNREADABLE:
        assert_bounded_value(value)


python_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(HUGE_INTS) | st.floats() | texts
    | hnp.arrays(st.sampled_from(DTYPES + ["uint16", "uint64", "longdouble", "complex128", "<U3"]),
                 hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    | hnp.from_dtype(np.dtype("float32")) | hnp.from_dtype(np.dtype("int64")),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(keys, children, max_size=4) | st.builds(lambda n: [None] * n, st.integers(95, 120))
    | st.builds(lambda n: {"k%d" % index: None for index in range(n)}, st.integers(28, 40)),
    max_leaves=10)


@FUZZ
@given(python_values)
def test_every_honest_encoding_reads_back_within_bounds(value):
    data = json.loads(json.dumps(harness.encode(value)))
    decoded = parse_value(data)
    assert decoded is not results.UNREADABLE
    assert_bounded_value(decoded)


@FUZZ
@given(st.text(characters) | texts, st.integers(-3, 300))
def test_clean_text_is_printable_and_at_most_limit_characters_ellipsis_included(text, limit):
    cleaned = results.clean_text(text, limit)
    assert is_clean(cleaned, max(limit, 0))
    assert results.clean_text(cleaned, limit) == cleaned
    kept = len(cleaned) - 1 if len(text) > limit > 0 else len(cleaned)
    if len(text) <= limit:
        assert len(cleaned) == len(text)
    elif limit > 0:
        assert len(cleaned) == limit and cleaned.endswith("\u2026")
    for original, shown in zip(text[:kept], cleaned[:kept]):
        assert shown == original or (shown == "\ufffd" and unicodedata.category(original) in UNPRINTABLE)


def test_clean_text_keeps_spaces_and_replaces_what_cannot_be_seen():
    assert results.clean_text("a b\u3000c", 10) == "a b\u3000c"
    assert results.clean_text("a\nb\x00c\u202ed\ud800", 20) == "a\ufffdb\ufffdc\ufffdd\ufffd"
    assert results.clean_text("x" * 10, 5) == "xxxx\u2026"


# ---- one test per line that once crashed the parent or grew without bound --------------------

def line(**event):
    return json.dumps(event)


LOADED = line(event="loaded", errors=[])
RETURNED_1_5 = line(event="returned", id="f/0", value={"t": "float", "type": "float", "value": 1.5})


def test_a_line_nested_too_deeply_to_decode_is_skipped():
    deep_value = '{"event": "returned", "id": "f/0", "value": %s}' % deeply_nested("[", "]")
    parsed = parse_events([LOADED, "[" * 100_000, deep_value, RETURNED_1_5], CASE_IDS)
    assert parsed[0] and parsed[3] == {"f/0": Outcome(True, value=1.5)}


@pytest.mark.parametrize("dtype, element", [("int8", 300), ("uint8", -1), ("int64", 2**64), ("float16", 1e300),
                                            ("float32", -1e39)])
def test_an_array_element_beyond_its_dtype_makes_the_value_unreadable(dtype, element):
    forged = line(event="returned", id="f/0", value={"t": "ndarray", "dtype": dtype, "shape": [2],
                                                     "data": [element, element]})
    _, _, _, outcomes = parse_events([LOADED, forged], CASE_IDS)
    assert outcomes == {"f/0": Outcome(False, error="the returned value could not be read back")}


@pytest.mark.parametrize("errors", [5, None, "boom", {"a": 1}, [1, "x"]],
                         ids=["int", "null", "str", "dict", "list-with-an-int"])
def test_load_errors_that_are_not_a_list_of_str_make_the_line_skipped(errors):
    lines = [line(event="loaded", errors=errors), line(event="loaded", errors=["NameError: x in <cell 2>, line 1"])]
    loaded, load_errors, _, _ = parse_events(lines, CASE_IDS)
    assert loaded and load_errors == ["NameError: x in <cell 2>, line 1"]


def test_many_long_load_errors_are_bounded_and_cleaned():
    loaded, load_errors, _, _ = parse_events([line(event="loaded", errors=["bad\n" * 2000] * 50)], CASE_IDS)
    assert loaded and load_errors and all(error.endswith("\u2026") and "\n" not in error for error in load_errors)
    assert len(load_errors) <= results.MAX_LOAD_ERRORS
    assert all(is_clean(error, results.MAX_ERROR_CHARS) for error in load_errors)


@pytest.mark.parametrize("bad_id", [["f/0"], {"f/0": 1}], ids=["list", "dict"])
def test_an_unhashable_id_is_skipped(bad_id):
    lines = [LOADED] + [line(event=kind, id=bad_id, error="x", line="", value={"t": "none"})
                        for kind in ("started", "returned", "raised")] + [RETURNED_1_5]
    loaded, _, started, outcomes = parse_events(lines, CASE_IDS)
    assert loaded and started == [] and outcomes == {"f/0": Outcome(True, value=1.5)}


def test_a_raised_event_with_huge_or_malformed_text_is_bounded():
    huge = line(event="raised", id="f/0", error="ValueError: " + "\x1b[2J" * 100_000, line="<cell 1>\n" * 10_000)
    malformed = line(event="raised", id="f/1", error=["not", "text"], line=None)
    _, _, _, outcomes = parse_events([LOADED, huge, malformed], CASE_IDS)
    assert outcomes["f/0"].error.endswith("\u2026") and "\x1b" not in outcomes["f/0"].error
    assert is_clean(outcomes["f/0"].error, results.MAX_ERROR_CHARS)
    assert is_clean(outcomes["f/0"].line, results.MAX_LINE_CHARS)
    assert not outcomes["f/1"].returned and "could not be read back" in outcomes["f/1"].error


def test_a_dict_with_huge_or_too_many_keys_comes_back_as_a_description():
    long_keys = {"%02d" % index + "k" * 4998: {"t": "none"} for index in range(30)}
    many_keys = {"k%d" % index: {"t": "none"} for index in range(100)}
    lines = [LOADED, line(event="returned", id="f/0", value={"t": "dict", "items": long_keys}),
             line(event="returned", id="f/1", value={"t": "dict", "items": many_keys})]
    _, _, _, outcomes = parse_events(lines, CASE_IDS)
    assert isinstance(outcomes["f/0"].value, Foreign) and isinstance(outcomes["f/1"].value, Foreign)
    assert outcomes["f/0"].value.type_name == "a dict with a key of 5000 characters"
    assert outcomes["f/1"].value.type_name == "a dict with 100 keys"
    assert harness.encode({"k" * 1000: 1.0}) == {"t": "other", "type": "a dict with a key of 1000 characters"}


def test_long_strings_and_type_names_are_cut_and_cleaned():
    value = {"t": "list", "items": [{"t": "str", "value": "s\n" * 100_000},
                                    {"t": "other", "type": "Evil\u202e" * 10_000}]}
    text, other = parse_value(value)
    assert text.endswith("\u2026") and other.type_name.endswith("\u2026")
    assert is_clean(text, harness.MAX_STR_CHARS) and is_clean(other.type_name, harness.MAX_TYPE_NAME_CHARS)


def test_garbage_on_the_result_channel_is_ignored():
    lines = ["not json", "[1, 2]", json.dumps({"event": "returned", "id": "x", "value": {"t": "ndarray",
             "dtype": "object", "shape": [1], "data": ["os.system('x')"]}}),
             json.dumps({"event": "returned", "id": "unknown", "value": {"t": "float", "type": "float", "value": 1.0}})]
    loaded, _, _, outcomes = parse_events(lines, {"x"})
    assert not loaded and "could not be read back" in outcomes["x"].error and "unknown" not in outcomes


# ---- end to end: huge values and forged lines cost the verdict no size and no honest points -----

HUGE_VALUES = '''
def backward_propagation(parameters, cache, X, Y):
    if X.shape[1] == 1:
        return {"%03d" % index + "k" * 997: index for index in range(100)}
    if X.shape[1] % 2:
        return ["s" * 100000] * 100
    raise type("E" * 100000, (Exception,), {})("m\\n" * 50000)


class HugeErrorWhileLoading:
    raise ValueError("m" * 100000)
'''

FORGED_LINES = '''
import json
import sys


def backward_propagation(parameters, cache, X, Y):
    if X.shape[1] == 1:
        forge()
    return {"%03d" % index + "k" * 997: index for index in range(100)}


def forge():
    channel = open(int(sys.argv[2]), "w", closefd=False)
    huge_keys = {"%02d" % index + "k" * 998: {"t": "str", "value": "v" * 10000} for index in range(30)}
    ids = BACKWARD_IDS
    forged = ["[" * 100000, json.dumps({"event": "started", "id": ["unhashable"]}),
              json.dumps({"event": "loaded", "errors": 5}),
              json.dumps({"event": "returned", "id": "nobody", "value": {"t": "list", "items": [
                  {"t": "str", "value": "x" * 100000}] * 10}}),
              json.dumps({"event": "returned", "id": ids[0], "value": {"t": "dict", "items": huge_keys}}),
              json.dumps({"event": "returned", "id": ids[1], "value": {"t": "ndarray", "dtype": "int8",
                                                                        "shape": [1], "data": [300]}}),
              json.dumps({"event": "raised", "id": ids[2], "error": "E" * 100000, "line": "L\\n" * 100000})]
    channel.write("\\n".join(forged) + "\\n")
    channel.flush()
'''


def assert_small_verdict_with_honest_points(verdict):
    size = len(verdict.to_json().encode())
    assert verdict.status == "graded", verdict.reason
    assert size < MAX_VERDICT_BYTES, size
    assert verdict.score == A3_POINTS - BACKWARD_POINTS
    failed = {check["grade_id"] for check in verdict.checks if not check["passed"]}
    assert failed == {"test_backward_propagation"}


def test_huge_returned_values_give_a_small_verdict_and_keep_the_honest_points(solution_notebook, grade):
    assert_small_verdict_with_honest_points(grade(with_cell(solution_notebook, HUGE_VALUES)))


def test_forged_huge_and_malformed_lines_give_a_small_verdict_and_keep_the_honest_points(
        solution_notebook, grade, a3):
    backward_ids = [case.id for case in a3.make_cases(np.random.default_rng(0))
                    if case.function == "backward_propagation"]
    cell = FORGED_LINES.replace("BACKWARD_IDS", repr(backward_ids))
    assert_small_verdict_with_honest_points(grade(with_cell(solution_notebook, cell)))


def test_an_exception_whose_message_cannot_be_read_fails_only_its_call(solution_notebook, grade):
    cell = ('class Unprintable(Exception):\n    def __str__(self):\n        raise RuntimeError("no")\n'
            'def backward_propagation(parameters, cache, X, Y):\n    raise Unprintable()\n')
    verdict = grade(with_cell(solution_notebook, cell))
    assert verdict.score == 9
    backward = [check for check in verdict.checks if check["grade_id"] == "test_backward_propagation"]
    assert all("its __str__ failed" in check["message"] for check in backward)
