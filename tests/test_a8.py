"""Assignment a8: programs travel to the sandbox as plain data and only plain floats come back;
the SymPy oracle, the programs drawn from the grading seed, and the grading of the solution, the
blank release, correct classes written otherwise, finite differences and known wrong versions."""
import json
import math
import sys

import numpy as np
import pytest
import sympy as sp

from grader import course, harness, results, secret
from grader.assignments import a8_autodiff_engine as a8
from grader.checks import DECIMAL, Outcome
from grader.harness import ValueProgram
from grader.mutants import load_functions, mutate_notebook, read_notebook
from tests.conftest import grade_file, with_function

A8 = a8.NAME
KEY = secret.one_time_secret()


@pytest.fixture(scope="module")
def solution_class():
    """The solution's Value, loaded here from the trusted solution notebook."""
    return load_functions(read_notebook(course.solution_notebook(A8)))["Value"]


def _program(*steps):
    return ValueProgram(steps)


def _chain_program():
    """x -> y = 2 x -> z = 3 y: backward, read, backward, read, zero_grad, read, backward, read."""
    reads = [("read", "x"), ("read", "y"), ("read", "z")]
    return _program(("input", "x", 0.25), ("op", "y", "mul", 2, "x"), ("op", "z", "mul", "y", 3.0),
                    ("backward", "z"), *reads, ("backward", "z"), *reads, ("zero_grad", "z"), *reads,
                    ("backward", "z"), *reads)


# -- the codec ----------------------------------------------------------------------------------------

def test_a_program_round_trips_through_json_and_the_parent_reads_none_back():
    program = _chain_program()
    data = json.loads(json.dumps(harness.encode(program)))
    again = harness.decode(data)
    assert type(again) is ValueProgram and again.steps == program.steps
    assert type(again.steps[1][3]) is int and type(again.steps[2][4]) is float   # 2 and 3.0 keep their types
    assert results.parse_value(harness.encode(program)) is results.UNREADABLE
    assert not hasattr(program, "__dict__")


def _good_data():
    return harness.encode(_program(("input", "a", 1.5), ("op", "b", "tanh", "a"), ("backward", "b"), ("read", "a")))


def _with_steps(*steps):
    return {"t": ValueProgram.TAG, "steps": [list(step) for step in steps]}


A = ["input", "a", 1.5]
BAD_DATA = {
    "another tag": dict(_good_data(), t="function"),
    "an extra field": dict(_good_data(), source="import os"),
    "no steps": {"t": ValueProgram.TAG},
    "steps that are no list": {"t": ValueProgram.TAG, "steps": "input a 1.5"},
    "a step that is no list": {"t": ValueProgram.TAG, "steps": [A, "read a"]},
    "no step at all": _with_steps(),
    "an unknown kind of step": _with_steps(A, ["exec", "a"]),
    "an unknown operation": _with_steps(A, ["op", "b", "__class__", "a"]),
    "an operation that is no str": _with_steps(A, ["op", "b", ["add"], "a", 1.0]),
    "an undefined operand": _with_steps(A, ["op", "b", "add", "a", "z"]),
    "a node defined twice": _with_steps(A, ["input", "a", 2.0]),
    "a name that is no identifier": _with_steps(["input", "a b", 1.0]),
    "a name that is too long": _with_steps(["input", "a" * 17, 1.0]),
    "a name that is not ASCII": _with_steps(["input", "\u00e4", 1.0]),
    "a name that is no str": _with_steps(["input", 3, 1.0]),
    "a bool for a number": _with_steps(["input", "a", True]),
    "a nan": _with_steps(["input", "a", float("nan")]),
    "an infinity": _with_steps(["input", "a", float("inf")]),
    "an int of 65 bits": _with_steps(["input", "a", 2 ** 64]),
    "a str for a number": _with_steps(["input", "a", "1.5"]),
    "an input without a number": _with_steps(["input", "a"]),
    "a node as exponent": _with_steps(A, ["op", "b", "pow", "a", "a"]),
    "a number as base": _with_steps(A, ["op", "b", "pow", 2.0, 2]),
    "two numbers": _with_steps(A, ["op", "b", "add", 1.0, 2.0]),
    "a unary operation of a number": _with_steps(A, ["op", "b", "exp", 1.0]),
    "a unary operation with two operands": _with_steps(A, ["op", "b", "tanh", "a", "a"]),
    "a binary operation with one operand": _with_steps(A, ["op", "b", "mul", "a"]),
    "a list as operand": _with_steps(A, ["op", "b", "add", "a", [1.0]]),
    "a read of an undefined node": _with_steps(A, ["read", "b"]),
    "backward with an argument": _with_steps(A, ["backward", "a", "a"]),
    "too many steps": _with_steps(A, *[["read", "a"]] * ValueProgram.MAX_STEPS),
    "too many reads": _with_steps(A, *[["read", "a"]] * (ValueProgram.MAX_READS + 1)),
}


@pytest.mark.parametrize("name", sorted(BAD_DATA))
def test_malformed_programs_are_refused(name):
    with pytest.raises(ValueError):
        harness.decode(BAD_DATA[name])


def test_a_call_of_a_program_runs_the_interpreter_with_the_namespaces_value(solution_class):
    program = _chain_program()
    namespace = {"Value": solution_class, "as_value": lambda x: 1 / 0}
    report = harness.call_target(namespace, "as_value", (program,))(program)
    assert report["error"] == "" and list(report["grad"][:3]) == [6.0, 3.0, 1.0]
    data = harness.encode(program)
    assert harness.call_target(namespace, "as_value", [data])(program)["error"] == ""
    assert harness.call_target(namespace, "as_value", (1.0,)) is namespace["as_value"]
    assert harness.call_target(namespace, "missing", (program, 1.0)) is None


def test_the_harness_runs_a_program_call_with_the_class_of_the_cells_and_sends_plain_data():
    solution, _ = _notebooks()
    cells = [{"index": index, "code": "".join(cell["source"])} for index, cell in enumerate(solution["cells"])
             if cell["cell_type"] == "code" and cell["metadata"]["nbgrader"]["solution"]]
    job = {"cells": cells, "seconds_per_call": 5.0,
           "calls": [{"id": "c", "function": "as_value", "args": [harness.encode(_chain_program())]}]}
    lines = []
    harness.run(job, lambda record: lines.append(json.loads(json.dumps(record))))
    assert lines[0] == {"event": "loaded", "errors": []}
    returned = next(line for line in lines if line["event"] == "returned")
    value = results.parse_value(returned["value"])
    assert set(value) == {"data", "grad", "error"} and value["error"] == ""
    assert value["grad"].dtype == np.float64 and list(value["grad"][3:6]) == [12.0, 6.0, 2.0]
    assert returned["changed"] == []


# -- hostile classes ----------------------------------------------------------------------------------

def _run(source, program=None):
    namespace = {"np": np}
    exec(source, namespace)
    return (program or _program(("input", "a", 1.5), ("op", "b", "mul", "a", 2.0), ("backward", "b"),
                                ("read", "a"), ("read", "b"))).run(namespace.get("Value"))


BASE = '''
class Value:
    def __init__(self, data, inputs=()):
        self.data, self.grad, self.inputs = float(data), 0.0, inputs
    def __mul__(self, other):
        return Value(self.data * other, (self,))
    def backward(self):
        self.grad += 1.0
        for node in self.inputs:
            node.grad += 2.0
'''


@pytest.mark.parametrize("source, words", [
    (BASE + "    data = property(lambda self: 1 / 0, lambda self, value: None)\n",
     "b = a * k raised ZeroDivisionError"),
    (BASE + "    grad = property(lambda self: 1 / 0, lambda self, value: None)\n"
     "    backward = lambda self: None\n", "reading a.data and a.grad raised ZeroDivisionError"),
    (BASE + "class Liar(float):\n    def __eq__(self, other): return True\n"
     "Value.__init__ = lambda self, data, inputs=(): self.__dict__.update(data=Liar(data), grad=0.0, inputs=inputs)\n",
     "a.data is of type Liar, not float"),
    (BASE + "class Number:\n    def __float__(self): return 1.5\n    def __mul__(self, other): return Number()\n"
     "Value.__init__ = lambda self, data, inputs=(): self.__dict__.update(data=Number(), grad=0.0, inputs=inputs)\n",
     "a.data is of type Number, not float"),
    (BASE + "Value.__init__ = lambda self, data, inputs=(): self.__dict__.update(data=float(data), grad=0, "
     "inputs=inputs)\nValue.backward = lambda self: None\n", "a.grad is of type int, not float"),
    (BASE + "Value.backward = lambda self: setattr(self.inputs[0], 'grad', True)\n",
     "a.grad is of type bool, not float"),
    (BASE + "Value.backward = lambda self: setattr(self.inputs[0], 'grad', np.float32(2.0))\n",
     "a.grad is of type float32, not float"),
    (BASE + "Value.__mul__ = lambda self, other: self.data * other\n",
     "b = a * k raised TypeError: the result is of type float, not Value"),
    (BASE + "class Meta(type):\n    __name__ = property(lambda cls: 1 / 0)\n"
     "class Odd(metaclass=Meta):\n    pass\nValue.__mul__ = lambda self, other: Odd()\n",
     "the result is of type Odd, not Value"),
    (BASE + "class Loud(Exception):\n    def __str__(self): raise RuntimeError('no')\n"
     "def backward(self): raise Loud()\nValue.backward = backward\n", "b.backward() raised Loud: (its message"),
    (BASE + "def backward(self): raise ValueError('x' * 5000 + '\\x1b[2J')\nValue.backward = backward\n",
     "b.backward() raised ValueError: xxx"),
    (BASE + "def backward(self): return backward(self)\nValue.backward = backward\n",
     "b.backward() raised RecursionError: maximum recursion depth exceeded"),
    (BASE + "Value.__getattribute__ = lambda self, name: 1 / 0\n", "raised ZeroDivisionError"),
    ("Value = 3\n", "a = Value(k) raised TypeError: Value is of type int, not a class"),
    ("", "a = Value(k) raised NameError: name 'Value' is not defined"),
])
def test_a_hostile_class_gives_words_and_plain_floats_only(source, words):
    report = _run(source)
    assert set(report) <= {"data", "grad", "error", "line"}
    assert words in report["error"], report["error"]
    assert len(report["error"]) <= harness.MAX_STR_CHARS and report["error"].isprintable()
    for key in ("data", "grad"):
        assert type(report[key]) is np.ndarray and report[key].dtype == np.float64 and report[key].shape == (2,)
    parsed = results.parse_value(json.loads(json.dumps(harness.encode(report))))
    assert parsed["error"] == report["error"]


def test_numpy_floats_are_read_as_the_floats_they_are():
    report = _run(BASE + "Value.backward = lambda self: setattr(self.inputs[0], 'grad', np.float64(2.0))\n")
    assert report["error"] == "" and report["grad"][0] == 2.0


def test_a_slow_step_is_named_and_other_base_exceptions_pass_through():
    def alarm(self):
        raise harness.CallTimeout("the call ran longer than its time limit")
    namespace = {}
    exec(BASE, namespace)
    namespace["Value"].backward = alarm
    program = _program(("input", "a", 1.5), ("backward", "a"), ("read", "a"))
    assert program.run(namespace["Value"])["error"] == (
        "a.backward() raised CallTimeout: the call ran longer than its time limit")
    namespace["Value"].backward = lambda self: sys.exit(3)
    with pytest.raises(SystemExit):
        program.run(namespace["Value"])


def test_the_line_of_the_students_cell_is_reported():
    namespace = {}
    exec(compile(BASE + "    def tanh(self):\n        return 1 / 0\n", "<cell 2>", "exec"), namespace)
    report = _program(("input", "a", 1.5), ("op", "b", "tanh", "a")).run(namespace["Value"])
    assert report["error"] == "b = a.tanh() raised ZeroDivisionError: division by zero"
    assert report["line"] == "<cell 2>, line %d" % (BASE.count("\n") + 2)


# -- the oracle ---------------------------------------------------------------------------------------

def test_the_oracle_on_worked_examples():
    answer = a8.expected_answer(_chain_program())
    assert answer["error"] == ""
    assert list(answer["data"][:3]) == [0.25, 0.5, 1.5]
    assert list(answer["grad"]) == [6.0, 3.0, 1.0, 12.0, 6.0, 2.0, 0.0, 0.0, 0.0, 6.0, 3.0, 1.0]
    relu = a8.expected_answer(_program(("input", "a", 0.0), ("op", "r", "relu", "a"), ("op", "s", "mul", "r", 5.0),
                                       ("backward", "s"), ("read", "a"), ("read", "r")))
    assert list(relu["grad"]) == [0.0, 5.0]
    steps = [("input", "x", -0.5), ("op", "s0", "add", "x", "x")]
    steps += [("op", "s%d" % k, "add", "s%d" % (k - 1), "x") for k in range(1, 49)]
    total = a8.expected_answer(_program(*steps, ("backward", "s48"), ("read", "x")))
    assert list(total["grad"]) == [50.0] and list(total["data"]) == [-0.5]


def _expressions(program, leaf=None):
    """Every node of ``program`` as a SymPy expression of its inputs' symbols; the node ``leaf``
    (if any) is a symbol of its own instead of its operation."""
    symbols, expressions = {}, {}
    for step in program.steps:
        if step[0] not in ("input", "op"):
            continue
        name = step[1]
        if step[0] == "input" or name == leaf:
            symbols[name] = sp.Symbol(name, real=True)
            expressions[name] = symbols[name]
            continue
        operands = [expressions[item] if type(item) is str else sp.Rational(item) for item in step[3:]]
        formula = a8.FORMULAS[step[2]]
        expressions[name] = formula.subs({a8._X: operands[0], a8._Y: operands[1] if len(operands) > 1 else 0},
                                         simultaneous=True)
    return symbols, expressions


def _points(program, symbols):
    """The symbols' values: inputs as given, a leaf at its value (by the oracle's own forward pass
    of exact expressions)."""
    _, expressions = _expressions(program)
    inputs = {sp.Symbol(step[1], real=True): sp.Rational(step[2]) for step in program.steps
              if step[0] == "input"}
    return {symbol: (inputs[symbol] if symbol in inputs else expressions[name].xreplace(inputs))
            for name, symbol in symbols.items()}


@pytest.mark.parametrize("seed", range(3))
def test_the_oracle_agrees_with_sympy_differentiating_whole_expressions(seed):
    """An independent derivation: the output as one SymPy expression, differentiated by SymPy with
    respect to each node (the node made a symbol of its own), compared with the oracle's chain rule."""
    rng = np.random.default_rng(seed)
    build, output = a8._random_graph(rng, 2, 6)
    build.then("backward", output)
    build.read_all()
    program = build.program()
    data, grad, _, _ = a8._exact(program)
    reads = [step[1] for step in program.steps if step[0] == "read"]
    _, expressions = _expressions(program)
    inputs = {sp.Symbol(step[1], real=True): sp.Rational(step[2]) for step in program.steps
              if step[0] == "input"}
    for index, name in enumerate(reads):
        assert float(sp.N(expressions[name].xreplace(inputs), 40)) == pytest.approx(data[index], rel=1e-15, abs=0)
        symbols, with_leaf = _expressions(program, leaf=name)
        derivative = sp.diff(with_leaf[output], symbols[name])
        exact = sp.N(derivative.xreplace(_points(program, symbols)), 40)
        assert float(exact) == pytest.approx(grad[index], rel=1e-14, abs=1e-30), name  # 40 digits, not 53 bits


def test_relu_has_derivative_zero_at_exactly_zero_in_the_oracles_formula():
    derivative = sp.diff(a8.FORMULAS["relu"], a8._X)
    assert derivative.subs(a8._X, 0) == 0 and derivative.subs(a8._X, sp.Rational(1, 10)) == 1


def test_the_oracle_keeps_its_own_precision_whatever_mpmath_is_set_to():
    import mpmath
    program = _program(("input", "a", 0.7), ("op", "b", "tanh", "a"), ("op", "c", "exp", "b"), ("backward", "c"),
                       ("read", "a"), ("read", "c"))
    a8._run_exactly.cache_clear()
    saved = mpmath.mp.dps
    try:
        mpmath.mp.dps = 5
        low = a8.expected_answer(program)
    finally:
        mpmath.mp.dps = saved
    a8._run_exactly.cache_clear()
    usual = a8.expected_answer(program)
    assert np.array_equal(low["grad"], usual["grad"]) and np.array_equal(low["data"], usual["data"])
    t = math.tanh(0.7)
    assert usual["grad"][0] == pytest.approx(math.exp(t) * (1 - t * t), rel=1e-15)


# -- the programs drawn -------------------------------------------------------------------------------

def _kind(case):
    return case.id.split("/")[1]


def _inputs_of(program, operation):
    """The values (by the oracle) that the operation receives as its node operand, everywhere it occurs."""
    build_values = {}
    found = []
    for step in program.steps:
        if step[0] == "input":
            build_values[step[1]] = float(step[2])
        elif step[0] == "op":
            values = [build_values[item] if type(item) is str else item for item in step[3:]]
            if step[2] == operation:
                found.append(values)
            build_values[step[1]] = a8._float_op(step[2], values)
    return found


@pytest.mark.parametrize("seed", range(3))
def test_the_programs_drawn_meet_the_standard(seed):
    cases = a8.make_cases(np.random.default_rng(seed))
    kinds = [_kind(case) for case in cases]
    assert set(kinds) == {"forward", "add", "mul", "pow", "exp", "tanh", "relu", "mixed",
                                                     "reuse", "deep", "twice", "zero"}
    for check in a8.CHECKS:
        assert any(check.applies_to(case) for case in cases), check.name
    assert len({case.id for case in cases}) == len(cases)
    job_bytes = len(json.dumps([harness.encode(case.args[0]) for case in cases]))
    assert job_bytes < 2_000_000
    assert [case.id for case in cases if len(case.parts) == 1] == [case.id for case in cases if _kind(case) == "deep"]
    parts = [(case, program) for case in cases for program, _ in case.parts]
    for case in cases:   # the call runs the case's programs one after another, with what they read
        assert case.args[0].steps == a8.joined([program for program, _ in case.parts]).steps
        exact = [np.concatenate(arrays) for arrays in zip(*(a8._exact(program) for program, _ in case.parts))]
        assert all(np.array_equal(got, want) for got, want in zip(a8._exact(case.args[0]), exact)), case.id
    for case, program in parts:
        data, grad, _, _ = a8._exact(program)
        assert np.all(np.abs(data) <= a8.BOUND) and np.all(np.abs(grad) <= a8.BOUND), case.id
        assert not np.any((grad != 0) & (np.abs(grad) < a8.SMALLEST_GRADIENT)), case.id
        for x, in _inputs_of(program, "tanh"):
            assert 0.1 <= abs(x) <= 2.5
        for x, in _inputs_of(program, "exp"):
            assert abs(x) <= 3.0
        for x, in _inputs_of(program, "relu"):
            assert x == 0.0 or abs(x) >= 0.1
        for x, p in _inputs_of(program, "pow"):
            assert abs(x) >= 0.3 and (type(p) is int or x > 0)
            assert _kind(case) not in ("pow", "forward") or abs(abs(x) - 1) > 0.05, "x**p and x**(p-1) differ"
        for _, y in _inputs_of(program, "div"):
            assert abs(y) >= 0.3
        if _kind(case) == "deep":
            assert a8.DEEP[0] <= sum(step[0] == "op" for step in program.steps) <= a8.DEEP[1] + a8.DEEP[1] // 50
        if _kind(case) == "reuse":
            uses = sum(item == "x" for step in program.steps if step[0] == "op" for item in step[3:])
            assert a8.USES[0] <= uses <= a8.USES[1]
    zeros = [program for case, program in parts if _kind(case) == "relu"
             and any(step[0] == "input" and step[2] == 0 for step in program.steps)]
    assert len(zeros) >= 2, "relu at exactly 0 is graded"
    calls = {}
    for case, program in parts:
        calls.setdefault(_kind(case), []).append([step for step in program.steps
                                                  if step[0] in ("backward", "zero_grad")])
    assert all(not steps for steps in calls["forward"])
    assert [[step[0] for step in steps] for steps in calls["zero"]] == [
        ["backward", "backward", "zero_grad", "backward"]] * 2
    twice = calls["twice"]
    assert [len(steps) for steps in twice] == [2, 2, 2, 2]
    assert [steps[0] == steps[1] for steps in twice] == [True, True, True, False], "the last on two nodes"


@pytest.mark.parametrize("seed", range(3))
def test_random_graphs_have_an_inner_node_reached_by_a_short_and_a_long_path(seed):
    """So that a sweep in order of distance from the output (not a topological order) goes wrong."""
    rng = np.random.default_rng(seed)
    for inputs, operations in ((1, 3), (2, 10), (3, 14)):
        build, output = a8._random_graph(rng, inputs, operations)
        inputs_of = {step[1]: [item for item in step[3:] if type(item) is str] for step in build.steps
                     if step[0] == "op"}
        lengths = {name: set() for name in build.approx}
        lengths[output] = {0}
        for name in reversed(list(build.approx)):
            for parent in inputs_of.get(name, ()):
                lengths[parent] |= {length + 1 for length in lengths[name]}
        assert any(len(lengths[name]) > 1 for name in inputs_of), (inputs, operations)


# -- versions of the class written by others -----------------------------------------------------


CORRECT = {}
CORRECT["closures"] = '''
import math


class Value:
    """micrograd's layout (children and a closure per node), with adjoints kept in a dict."""

    def __init__(self, data, _children=()):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._back = lambda adjoint: None

    def _node(self, data, children, rule):
        out = Value(data, children)

        def back(adjoint):
            for child, local in zip(children, rule()):
                adjoint[child] = adjoint.get(child, 0.0) + local * adjoint[out]
        out._back = back
        return out

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self._node(self.data + other.data, (self, other), lambda: (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self._node(self.data * other.data, (self, other), lambda: (other.data, self.data))

    def __pow__(self, p):
        return self._node(self.data ** p, (self,), lambda: (p * self.data ** (p - 1),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1

    def exp(self):
        e = math.exp(self.data)
        return self._node(e, (self,), lambda: (e,))

    def tanh(self):
        e = math.exp(2 * self.data)
        t = (e - 1) / (e + 1)
        return self._node(t, (self,), lambda: (1 - t ** 2,))

    def relu(self):
        return self._node(max(0.0, self.data), (self,), lambda: (float(self.data > 0),))

    def _order(self):
        order, seen, stack = [], {self}, [(self, iter(self._prev))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in seen:
                    seen.add(child)
                    stack.append((child, iter(child._prev)))
                    break
            else:
                stack.pop()
                order.append(node)
        return order

    def backward(self):
        order = self._order()
        adjoint = {self: 1.0}
        for node in reversed(order):
            adjoint.setdefault(node, 0.0)
            node._back(adjoint)
        for node in order:
            node.grad += adjoint[node]

    def zero_grad(self):
        for node in self._order():
            node.grad = 0.0
'''

CORRECT["numpy"] = '''
import numpy as np


class Value:
    """NumPy scalars throughout (numpy.float64 data and grads), Kahn's algorithm for the order."""

    def __init__(self, data, inputs=(), local=()):
        self.data = np.float64(data)
        self.grad = np.float64(0.0)
        self.inputs, self.local = tuple(inputs), tuple(local)

    @staticmethod
    def lift(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, o):
        o = Value.lift(o)
        return Value(self.data + o.data, (self, o), (1.0, 1.0))

    def __radd__(self, o):
        return Value.lift(o) + self

    def __sub__(self, o):
        o = Value.lift(o)
        return Value(self.data - o.data, (self, o), (1.0, -1.0))

    def __rsub__(self, o):
        return Value.lift(o) - self

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,))

    def __mul__(self, o):
        o = Value.lift(o)
        return Value(self.data * o.data, (self, o), (o.data, self.data))

    def __rmul__(self, o):
        return Value.lift(o) * self

    def __truediv__(self, o):
        o = Value.lift(o)
        q = self.data / o.data
        return Value(q, (self, o), (1.0 / o.data, -q / o.data))

    def __rtruediv__(self, o):
        return Value.lift(o) / self

    def __pow__(self, p):
        out = self.data ** p
        return Value(out, (self,), (p * out / self.data,))

    def exp(self):
        e = np.exp(self.data)
        return Value(e, (self,), (e,))

    def tanh(self):
        return Value(np.tanh(self.data), (self,), (1.0 / np.cosh(self.data) ** 2,))

    def relu(self):
        return Value(np.maximum(self.data, 0.0), (self,), (np.float64(self.data > 0),))

    def nodes(self):
        seen, stack = {id(self): self}, [self]
        while stack:
            for parent in stack.pop().inputs:
                if id(parent) not in seen:
                    seen[id(parent)] = parent
                    stack.append(parent)
        return list(seen.values())

    def backward(self):
        nodes = self.nodes()
        users = {id(node): 0 for node in nodes}
        for node in nodes:
            for parent in node.inputs:
                users[id(parent)] += 1
        adjoint = {id(node): np.float64(0.0) for node in nodes}
        adjoint[id(self)] = np.float64(1.0)
        ready = [self]
        while ready:
            node = ready.pop()
            for parent, local in zip(node.inputs, node.local):
                adjoint[id(parent)] += adjoint[id(node)] * local
                users[id(parent)] -= 1
                if users[id(parent)] == 0:
                    ready.append(parent)
        for node in nodes:
            node.grad = node.grad + adjoint[id(node)]

    def zero_grad(self):
        for node in self.nodes():
            node.grad = np.float64(0.0)
'''


def finite_differences(step):
    """A Value whose local derivatives are two-sided differences of the operation, with this step."""
    return ('''
import math

H = %r


def _slope(function, x):
    return (function(x + H) - function(x - H)) / (2 * H)
''' % step) + '''

class Value:
    def __init__(self, data, inputs=(), local=()):
        self.data = float(data)
        self.grad = 0.0
        self.inputs, self.local = tuple(inputs), tuple(local)

    @staticmethod
    def lift(x):
        return x if isinstance(x, Value) else Value(x)

    def _binary(self, other, function):
        a, b = self, Value.lift(other)
        return Value(function(a.data, b.data), (a, b),
                     (_slope(lambda x: function(x, b.data), a.data), _slope(lambda y: function(a.data, y), b.data)))

    def _unary(self, function):
        return Value(function(self.data), (self,), (_slope(function, self.data),))

    def __add__(self, o):
        return self._binary(o, lambda x, y: x + y)

    def __radd__(self, o):
        return Value.lift(o) + self

    def __sub__(self, o):
        return self._binary(o, lambda x, y: x - y)

    def __rsub__(self, o):
        return Value.lift(o) - self

    def __mul__(self, o):
        return self._binary(o, lambda x, y: x * y)

    def __rmul__(self, o):
        return Value.lift(o) * self

    def __truediv__(self, o):
        return self._binary(o, lambda x, y: x / y)

    def __rtruediv__(self, o):
        return Value.lift(o) / self

    def __neg__(self):
        return self._unary(lambda x: -x)

    def __pow__(self, p):
        return self._unary(lambda x: x ** p)

    def exp(self):
        return self._unary(math.exp)

    def tanh(self):
        return self._unary(math.tanh)

    def relu(self):
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.inputs if parent not in seen)
        adjoint = {node: 0.0 for node in order}
        adjoint[self] = 1.0
        for node in reversed(order):
            for parent, local in zip(node.inputs, node.local):
                adjoint[parent] += adjoint[node] * local
        for node in order:
            node.grad += adjoint[node]

    def zero_grad(self):
        stack, seen = [self], {self}
        while stack:
            node = stack.pop()
            node.grad = 0.0
            for parent in node.inputs:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
'''


MICROGRAD = '''
import math


class Value:
    """micrograd as it is often written: each node's closure adds into its inputs' .grad, from .grad."""

    def __init__(self, data, _children=()):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        out = Value(self.data ** other, (self,))

        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(0.0 if self.data < 0 else self.data, (self,))

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,))

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,))

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def _topo(self):
        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in v._prev if child not in visited)
        return topo

    def backward(self):
        topo = self._topo()
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def zero_grad(self):
        for v in self._topo():
            v.grad = 0.0

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1


def as_value(x):
    return x if isinstance(x, Value) else Value(x)
'''


# -- the solution, other correct classes, finite differences --------------------------------------------

def _verdicts(value_class, seeds):
    """Per check: how many of ``seeds`` it passes, judged in this process (no sandbox)."""
    passed = {check.name: 0 for check in a8.CHECKS}
    for seed in seeds:
        cases = a8.make_cases(np.random.default_rng(seed))
        for check in a8.CHECKS:
            mine = [case for case in cases if check.applies_to(case)]
            outcomes = [Outcome(True, value=case.args[0].run(value_class)) for case in mine]
            passed[check.name] += check.judge(mine, outcomes) is None
    return passed


def test_the_solution_agrees_with_the_oracle_with_room_to_spare(solution_class):
    worst = 0.0
    for seed in range(4):
        for case in a8.make_cases(np.random.default_rng(100 + seed)):
            report = case.args[0].run(solution_class)
            assert a8._problem(case, report) is None, a8._problem(case, report)
            data, grad, data_scale, grad_scale = a8._exact(case.args[0])
            for got, want, scale in ((report["data"], data, data_scale), (report["grad"], grad, grad_scale)):
                assert np.all((got == want) | (scale > 0))
                used = np.abs(got - want)[scale > 0] / (a8.RTOL * scale[scale > 0])
                worst = max(worst, float(used.max(initial=0.0)))
    assert worst < 0.01, "the solution's rounding uses %.3g of the tolerance" % worst


@pytest.mark.parametrize("version", ["closures", "numpy"])
def test_correct_classes_written_otherwise_pass_every_check(version):
    namespace = {}
    exec(CORRECT[version], namespace)
    passed = _verdicts(namespace["Value"], range(3))
    assert passed == {check.name: 3 for check in a8.CHECKS}


@pytest.mark.parametrize("step", [1e-4, 6e-6, 1e-6])
def test_finite_differences_pass_no_check_of_a_smooth_derivative(step):
    namespace = {}
    exec(finite_differences(step), namespace)
    passed = _verdicts(namespace["Value"], range(3))
    smooth = [check.name for check in a8.CHECKS if check.name.startswith(("**", "exp", "tanh", "random", "backward",
                                                                        "zero_grad", "a node"))]
    assert all(passed[name] == 0 for name in smooth), passed


# -- grading in the sandbox ---------------------------------------------------------------------------

def _notebooks():
    return read_notebook(course.solution_notebook(A8)), read_notebook(course.release_notebook(A8))


def _grade(notebook, folder, student="student"):
    return grade_file(folder, A8, notebook, KEY, student)


def _failed(verdict):
    return {check["name"]: (check["message"], check["diagnosis"]) for check in verdict.checks if not check["passed"]}


def _no_precise_numbers(verdict):
    texts = [text for check in verdict.checks for text in (check["message"], check["diagnosis"])]
    tokens = [token for text in texts for token in DECIMAL.findall(text)]
    return not [token for token in tokens if len(token.lstrip("+-").replace(".", "").lstrip("0")) >= 3]


def test_the_solution_earns_full_marks_and_the_blank_release_nothing(tmp_path):
    solution, blank = _notebooks()
    assert _grade(solution, tmp_path, "solved").score == 22
    verdict = _grade(blank, tmp_path, "blank")
    assert verdict.score == 0 and all("NotImplementedError" in message for message, _ in _failed(verdict).values())


def test_a_micrograd_engine_loses_only_backward_twice_and_is_told_why(tmp_path):
    solution, _ = _notebooks()
    notebook = with_function(solution, "as_value", MICROGRAD)
    verdict = _grade(notebook, tmp_path)
    failed = _failed(verdict)
    twice = next(check.name for check in a8.CHECKS if check.name.startswith("backward() twice"))
    assert list(failed) == [twice], failed
    message, diagnosis = failed[twice]
    assert diagnosis == next(mutant.diagnosis for mutant in a8.MUTANTS if mutant.id == "micrograd_sweep")
    assert "is not the correct value" in message and _no_precise_numbers(verdict)


def test_finite_differences_in_a_submission_earn_little(tmp_path):
    solution, _ = _notebooks()
    notebook = with_function(solution, "as_value", finite_differences(6e-6)
                             + "\n\ndef as_value(x):\n    return x if isinstance(x, Value) else Value(x)\n")
    verdict = _grade(notebook, tmp_path)
    assert verdict.score <= 6 and _no_precise_numbers(verdict)


def test_grads_that_are_ints_are_named(tmp_path):
    solution, _ = _notebooks()
    cell = next("".join(cell["source"]) for cell in solution["cells"] if "def as_value(" in "".join(cell["source"]))
    verdict = _grade(with_function(solution, "as_value", cell.replace("self.grad = 0.0", "self.grad = 0")), tmp_path)
    message, _ = _failed(verdict)["values (.data) of every operation, and .grad 0.0 before any backward()"]
    assert "a.grad is of type int, not float" in message


HOSTILE = '''
class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __sub__(self, other): return 0.0
    def __rsub__(self, other): return 0.0
    def __abs__(self): return 0.0
    def __float__(self): return 0.0


class Value:
    def __init__(self, data, *args):
        self.data = Anything(data)
        self.grad = Anything(0.0)
    def __getattr__(self, name):
        return lambda *args, **kwargs: self
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __pow__ = \\
        lambda self, *args: self
    __neg__ = lambda self: self


def as_value(x):
    return x
'''


def test_objects_that_claim_to_be_equal_to_everything_earn_nothing(tmp_path):
    solution, _ = _notebooks()
    verdict = _grade(with_function(solution, "as_value", HOSTILE), tmp_path)
    assert verdict.status == "graded" and verdict.score == 0
    assert all("of type Anything, not float" in message for message, _ in _failed(verdict).values())


@pytest.mark.parametrize("mutant_id", ["micrograd_sweep", "recursive_order", "relu_one_at_zero", "rsub_swapped",
                                       "zero_grad_output_only", "pow_exponent_not_lowered"])
def test_known_wrong_versions_lose_points_with_their_own_diagnosis(mutant_id, tmp_path):
    solution, _ = _notebooks()
    mutant = next(mutant for mutant in a8.MUTANTS if mutant.id == mutant_id)
    verdict = _grade(mutate_notebook(solution, mutant), tmp_path)
    assert 0 < verdict.score < 22
    assert mutant.diagnosis in [diagnosis for _, diagnosis in _failed(verdict).values()]
    assert _no_precise_numbers(verdict)
