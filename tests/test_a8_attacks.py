"""Attacks on assignment a8, whose class ``Value`` is graded through programs run by the harness.

The sandbox runs each check's secret programs (``harness.ValueProgram``, one call per check) with the
student's class and sends back plain floats; the trusted parent compares them with derivatives that
SymPy and mpmath compute to 40 digits, within a rounding scale that it computes from its own program.
The student's code shares the harness's process: it can read the program from the interpreter's
frames or from the job file, patch the harness's reader of floats, its encoder and its interpreter,
write lines of its own to the result channel, rewrite the job, ignore or swallow the timers, crash,
hang and flood.

Each test grades a submission built from the release (or from the solution) through the real
pipeline, or hands the parent hostile data, and asserts what a secure grader does: no point for
numbers the class did not compute, nothing in the sandbox from which an answer can be looked up, no
point for gradients made up when they are read, no message that quotes a value computed on the
secret programs, a slow, hanging or crashing class costs its check (and the later calls of its cell,
if the process dies) and little time, a correct slow one nothing, and the parent neither breaks nor
passes on anything the sandbox sends back.

Two things are decided here rather than refused. A class that finds the program in the harness's
frames learns nothing that its own operations do not tell it, step by step: reading the program and
differentiating it without a rule earns what differentiating the recorded graph that way earns (and
the deep chains, whose hundreds of gradients one backward() sweep gives, cost such a method a pass
per node). And a derivative computed other than by the rules (SymPy, differences at high precision
or extrapolated) is graded by what it is, a number right to rounding or not: the release's rules
forbid it, and only someone reading the code can tell. The first is asserted; the second is a strict
``xfail`` that records the limit of any tolerance that correct engines written otherwise meet.
"""
import functools
import hashlib
import json
import signal

import numpy as np
import pytest

from grader import course, harness, secret
from grader.assignments import a8_autodiff_engine as a8
from grader.checks import DECIMAL, Foreign, Outcome
from grader.mutants import read_notebook
from grader.judging import MAX_MESSAGE_CHARS
from tests.conftest import grade_file, with_cell, with_function
from tests.test_a8 import MICROGRAD, finite_differences

A8 = a8.NAME
KEY = secret.one_time_secret()
CHECKS = {check.name: check for check in a8.CHECKS}


def _name_of(kind):
    """The name of the check whose cases are of ``kind`` ("forward", "add", ..., "zero")."""
    return next(check.name for check in a8.CHECKS if check.applies_to(_Dummy(kind)))


class _Dummy:
    """A stand-in case with nothing but an id, which is all that ``Check.applies_to`` reads."""

    def __init__(self, kind):
        self.id = "x/%s/0" % kind


SMOOTH = ("pow", "exp", "tanh", "mixed", "reuse", "twice", "zero")   # derivatives differences do not get
DERIVATIVES = ("add", "mul", "pow", "exp", "tanh", "relu", "mixed", "reuse", "deep", "twice", "zero")


@functools.lru_cache(maxsize=None)
def _notebooks():
    return read_notebook(course.solution_notebook(A8)), read_notebook(course.release_notebook(A8))


def _solution():
    return _notebooks()[0]


def _blank():
    return _notebooks()[1]


def _grade(folder, notebook, student="student"):
    verdict = grade_file(folder, A8, notebook, KEY, student)
    assert verdict.status == "graded", verdict.reason
    return verdict


def _passed(verdict):
    return {check["name"] for check in verdict.checks if check["passed"]}


def _failed(verdict):
    return {check["name"]: check["message"] for check in verdict.checks if not check["passed"]}


def _texts(verdict):
    return ([text for check in verdict.checks for text in (check["message"], check["diagnosis"]) if text]
            + list(verdict.problems))


def _points(kinds):
    return sum(CHECKS[_name_of(kind)].points for kind in kinds)


def _assert_well_formed(verdict):
    """Every failed check says why, in a bounded, printable message."""
    for check in verdict.checks:
        assert check["passed"] or check["message"], check["name"]
        assert len(check["message"]) <= MAX_MESSAGE_CHARS and check["message"].isprintable()


# --- looking the answers up -------------------------------------------------------------------------

FRAMES = '''
import sys


def _harness_frame():
    """The frame of the harness's ValueProgram._run_step that runs now (the interpreter's own)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name != "_run_step":
        frame = frame.f_back
    return frame


def _position(program, step):
    return next(index for index, item in enumerate(program.steps) if item is step)
'''

LOOKED_UP = '''
class Value:
    """Records nothing: every operation makes a blank Value; .data and .grad are looked up when read."""

    def __init__(self, *args, **kwargs):
        pass

    def _blank(self, *args):
        return Value()

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _blank
    __truediv__ = __rtruediv__ = __pow__ = __neg__ = exp = tanh = relu = _blank

    def backward(self):
        pass

    def zero_grad(self):
        pass

    @property
    def data(self):
        frame = _harness_frame()
        program, step = frame.f_locals["self"], frame.f_locals["step"]
        return _answer(program, _position(program, step), step[1])[0]

    @property
    def grad(self):
        frame = _harness_frame()
        program, step = frame.f_locals["self"], frame.f_locals["step"]
        return _answer(program, _position(program, step), step[1])[1]
'''

FLOAT_INTERPRETER = '''
import math

_FLOAT = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "pow": lambda x, y: float(x ** y), "neg": lambda x, y: -x,
          "exp": lambda x, y: math.exp(x), "tanh": lambda x, y: math.tanh(x),
          "relu": lambda x, y: x if x > 0 else 0.0}


def _values(steps, node=None, shift=0.0):
    """Every node's value in floating point, with ``shift`` added to ``node`` as it is made."""
    values = {}
    for step in steps:
        if step[0] == "input":
            values[step[1]] = float(step[2])
        elif step[0] == "op":
            operands = [values[item] if type(item) is str else float(item) for item in step[3:]]
            values[step[1]] = _FLOAT[step[2]](operands[0], operands[1] if len(operands) > 1 else 0.0)
        else:
            continue
        if step[1] == node:
            values[step[1]] += shift
    return values
'''

# Every number the sandbox holds that is not in the program at hand (the other programs of the job)
# is a candidate answer: a crude difference quotient is snapped to the nearest one, if it is near.
LOOKUP = FRAMES + FLOAT_INTERPRETER + '''
import json

_ELSEWHERE = {}


def _numbers_elsewhere(program):
    if id(program) not in _ELSEWHERE:
        with open("/grading/job.json") as handle:
            job = json.load(handle)
        mine = {float(item) for step in program.steps for item in step[2:] if type(item) in (int, float)}
        found = set()
        for call in job["calls"]:
            for argument in call["args"]:
                for step in argument.get("steps", []):
                    found.update(float(item) for item in step[2:] if type(item) in (int, float))
        _ELSEWHERE[id(program)] = sorted(found - mine)
    return _ELSEWHERE[id(program)]


def _answer(program, position, node):
    if len(program.steps) > 2000:
        raise RuntimeError("a deep chain: too long to look up")
    steps = program.steps[:position]
    values = _values(steps)
    grad = 0.0
    for step in steps:
        if step[0] == "zero_grad":
            grad = 0.0
        elif step[0] == "backward":
            h = 1e-6 * max(1.0, abs(values[node]))
            slope = (_values(steps, node, h)[step[1]] - _values(steps, node, -h)[step[1]]) / (2 * h)
            near = min(_numbers_elsewhere(program), key=lambda number: abs(number - slope), default=slope)
            grad += near if abs(near - slope) <= 1e-6 * max(1.0, abs(slope)) else slope
    return values[node], grad
''' + LOOKED_UP


def _numbers(program):
    return {float(item) for step in program.steps for item in step[2:] if type(item) in (int, float)}


def test_no_answer_is_among_the_numbers_the_sandbox_holds():
    """Every program of the job is in the sandbox, so no program's numbers may hold another's answers:
    a value or derivative read back (other than a whole number or a number of its own program)."""
    for seed in range(3):
        cases = a8.make_cases(np.random.default_rng(seed))
        programs = [program for case in cases for program, _ in case.parts]
        numbers = [_numbers(program) for program in programs]
        compared = 0
        for index, program in enumerate(programs):
            data, grad, _, _ = a8._exact(program)
            elsewhere = set().union(*(found for other, found in enumerate(numbers) if other != index))
            for answer in set(data.tolist()) | set(grad.tolist()):
                if answer != round(answer) and answer not in numbers[index]:
                    compared += 1
                    assert answer not in elsewhere, (seed, index, answer)
        assert compared > 300


def test_a_class_that_looks_the_answers_up_in_the_sandbox_earns_no_derivative(tmp_path):
    """The class records nothing; it reads the program from the harness's frames, computes its values,
    and for each derivative snaps a difference quotient to the nearest number of the other programs
    of the job. The values are its own computation (the program is what an honest class is given);
    no derivative is found."""
    verdict = _grade(tmp_path, with_cell(_blank(), LOOKUP))
    assert _passed(verdict) <= {_name_of("forward")}, _failed(verdict)
    assert not _passed(verdict) & {_name_of(kind) for kind in DERIVATIVES}
    _assert_well_formed(verdict)


# --- the program read from the frames against the graph recorded -----------------------------------

# Derivatives without a rule: a central difference of the graph, at 60 digits with a step of 1e-25,
# is exact to a float. ``made`` maps a node's name to its input number or to (operation, operands).
DIFFERENCES = """
import mpmath


class _Precise:
    mp = mpmath.MPContext()
    mp.dps = 60
    step = mp.mpf("1e-25")
    operations = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
                  "div": lambda x, y: x / y, "pow": lambda x, y: x ** y, "neg": lambda x, y: -x,
                  "exp": lambda x, y: _Precise.mp.exp(x), "tanh": lambda x, y: _Precise.mp.tanh(x),
                  "relu": lambda x, y: x if x > 0 else _Precise.mp.zero}


def _evaluate(made, node=None, shift=0, last=None):
    values = {}
    for name, what in made.items():
        if type(what) is not tuple:
            values[name] = _Precise.mp.mpf(what)
        else:
            terms = [values[item] if type(item) is str else _Precise.mp.mpf(item) for item in what[1]]
            values[name] = _Precise.operations[what[0]](terms[0], terms[1] if len(terms) > 1 else 0)
        if name == node:
            values[name] += shift
        if name == last:
            break
    return values


def _value(made, node):
    return float(_evaluate(made, last=node)[node])


def _derivative(made, root, node):
    if node not in made or list(made).index(node) > list(made).index(root):
        return 0.0
    up = _evaluate(made, node, _Precise.step, last=root)[root]
    down = _evaluate(made, node, -_Precise.step, last=root)[root]
    return float((up - down) / (2 * _Precise.step))
"""

# The program read from the harness's frames, differentiated without a rule.
FROM_THE_FRAMES = FRAMES + DIFFERENCES + '''

def _answer(program, position, node):
    made = {}
    for step in program.steps[:position]:
        if step[0] == "input":
            made[step[1]] = step[2]
        elif step[0] == "op":
            made[step[1]] = (step[2], step[3:])
    grad = 0.0
    for step in program.steps[:position]:
        if step[0] == "zero_grad":
            grad = 0.0
        elif step[0] == "backward":
            grad += _derivative(made, step[1], node)
    return _value(made, node), grad
''' + LOOKED_UP

# The same differentiation of the graph that the class's own operations record.
RECORDED = DIFFERENCES + '''

class Value:
    """Records each operation; the recorded graph is differentiated when .grad is read."""
    made_so_far = [0]

    def __init__(self, data, made=None, nodes=None):
        Value.made_so_far[0] += 1
        self.name = "n%d" % Value.made_so_far[0]
        self.made = made if made is not None else data
        self.nodes = dict(nodes or {})
        self.nodes[self.name] = self
        self.roots = []

    def _op(self, operation, *operands):
        nodes = {}
        for operand in operands:
            if isinstance(operand, Value):
                nodes.update(operand.nodes)
        return Value(None, (operation, tuple(item.name if isinstance(item, Value) else item for item in operands)),
                     nodes)

    def __add__(self, other): return self._op("add", self, other)
    def __radd__(self, other): return self._op("add", other, self)
    def __sub__(self, other): return self._op("sub", self, other)
    def __rsub__(self, other): return self._op("sub", other, self)
    def __mul__(self, other): return self._op("mul", self, other)
    def __rmul__(self, other): return self._op("mul", other, self)
    def __truediv__(self, other): return self._op("div", self, other)
    def __rtruediv__(self, other): return self._op("div", other, self)
    def __pow__(self, other): return self._op("pow", self, other)
    def __neg__(self): return self._op("neg", self)
    def exp(self): return self._op("exp", self)
    def tanh(self): return self._op("tanh", self)
    def relu(self): return self._op("relu", self)

    def _made(self):
        return {name: self.nodes[name].made for name in sorted(self.nodes, key=lambda name: int(name[1:]))}

    def backward(self):
        for node in self.nodes.values():
            node.roots.append(self)

    def zero_grad(self):
        for node in self.nodes.values():
            node.roots = []

    @property
    def data(self):
        return _value(self._made(), self.name)

    @property
    def grad(self):
        return sum((_derivative(root._made(), root.name, self.name) for root in self.roots), 0.0)
'''


def test_reading_the_program_from_the_frames_earns_nothing_that_recording_the_graph_does_not(tmp_path):
    """Not preventable (the job file and every object of the process are the student's to read) and not
    refused: the program is what the class's own operations tell it, step by step, so a class that
    reads it and differentiates it without a rule earns what a class that records its graph and
    differentiates that earns. Both are exact to a float, so the checks cannot tell them from an
    engine, but for the cost: a deep chain's hundreds of gradients take one backward() sweep, and a
    pass of the chain each to a method that differentiates one node at a time."""
    from_frames = _grade(tmp_path, with_cell(_blank(), FROM_THE_FRAMES), "frames")
    recorded = _grade(tmp_path, with_cell(_blank(), RECORDED), "recorded")
    assert _passed(from_frames) <= _passed(recorded), _failed(recorded)
    assert {_name_of(kind) for kind in ("forward", "exp", "tanh", "mixed")} <= _passed(recorded), _failed(recorded)
    assert _name_of("deep") not in _passed(recorded) | _passed(from_frames)


# --- tables of answers --------------------------------------------------------------------------------

TABLE = FRAMES + '''
import hashlib

ANSWERS = %r
_KEYS = {}


def _answer(program, position, node):
    if id(program) not in _KEYS:
        _KEYS[id(program)] = hashlib.sha256(repr(program.steps).encode()).hexdigest()
    read = _harness_frame().f_locals["read"]
    data, grad = ANSWERS[_KEYS[id(program)]]
    return data[read], grad[read]
''' + LOOKED_UP


def _table_of(cases):
    return {hashlib.sha256(repr(case.args[0].steps).encode()).hexdigest():
            (a8.expected_answer(case.args[0])["data"].tolist(), a8.expected_answer(case.args[0])["grad"].tolist())
            for case in cases}


def test_a_table_of_the_answers_to_the_last_submission_earns_nothing(tmp_path):
    """The exact answers to every program of a first submission (found however: the programs leaked,
    a correct engine run on them), looked up by the program in the next submission: any change to
    the notebook draws new programs. The same table, run on the programs it was made for, is right."""
    first = json.dumps(_blank()).encode()
    cases = a8.make_cases(secret.case_generator(KEY, A8, "student", first))
    cell = TABLE % (_table_of(cases),)
    namespace = {}
    exec(cell, namespace)
    for check in a8.CHECKS:   # the table works, on the programs it was made for
        mine = [case for case in cases if check.applies_to(case)]
        assert check.judge(mine, [Outcome(True, value=case.args[0].run(namespace["Value"])) for case in mine]) is None
    verdict = _grade(tmp_path, with_cell(_blank(), cell))
    assert verdict.score == 0 and all("KeyError" in message for message in _failed(verdict).values()), _failed(verdict)


# --- numbers the class did not compute ----------------------------------------------------------------

# The harness's interpreter, its reader of floats and its encoder replaced, lines of the class's own
# written to the result channel: each call gets another forgery.
FORGERY = '''
import json
import sys

import numpy as np


class Anything(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__


class Value:
    def __init__(self, data, *args):
        self.data, self.grad = Anything(0.0), Anything(0.0)

    def _same(self, *args):
        return Value(0.0)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __pow__ = __neg__ = exp = tanh = relu = _same

    def backward(self):
        pass

    def zero_grad(self):
        pass


class Forger:
    harness = sys.modules["__main__"]
    calls = [0]
    original_run = harness.ValueProgram.run
    original_encode = harness.encode
    harness._plain_float = lambda value, what: value      # any object passes for a float
    channel = open(int(sys.argv[2]), "w", closefd=False)

    def run(self, cls):
        Forger.calls[0] += 1
        kind = Forger.calls[0] % 10
        reads = sum(step[0] == "read" for step in self.steps)
        if kind == 0:
            return Forger.original_run(self, cls)     # Anything objects, through the patched reader
        if kind == 1:
            return {"data": np.ones(reads), "grad": np.zeros(reads), "error": ""}
        if kind == 2:
            return {"data": np.full(reads, np.nan), "grad": np.full(reads, np.inf), "error": ""}
        if kind == 3:
            return {"data": np.full(reads, np.nan), "grad": np.full(reads, np.nan), "error": "x" * 10 ** 6,
                    "line": "\\x1b[2J" * 10 ** 5}
        if kind == 4:
            return {"data": np.ones(reads, dtype=np.float32), "grad": np.ones(reads, dtype=np.float32), "error": ""}
        if kind == 5:
            return {"data": np.ones(reads + 1), "grad": np.ones(reads + 1), "error": "", "score": 22.0,
                    "passed": True}
        if kind == 6:
            return {"data": np.full(10 ** 5, 1e308), "grad": np.full(10 ** 5, -1e308), "error": ""}
        if kind == 7:
            return Forger.harness.ValueProgram(self.steps)
        if kind == 8:
            return {"forged": True}
        for call in json.load(open("/grading/job.json"))["calls"]:   # every call answered at once
            record = {"event": "returned", "id": call["id"], "changed": [],
                      "value": Forger.original_encode({"data": np.full(reads, 1.5), "grad": np.full(reads, 0.5),
                                                       "error": ""})}
            Forger.channel.write(json.dumps(record) + "\\n")
        Forger.channel.flush()
        return {"data": np.ones(reads), "grad": np.ones(reads), "error": ""}

    def encode(value, depth=0):
        if isinstance(value, dict) and value.get("forged"):
            return {"t": "value_program", "steps": [["input", "a", 1.0], ["read", "a"]]}
        if isinstance(value, dict) and depth == 0 and "data" in value and Forger.calls[0] % 10 == 4:
            return {"t": "dict", "items": {"data": {"t": "ndarray", "dtype": "float64", "shape": [10 ** 9],
                                                    "data": []}, "error": {"t": "str", "value": ""}}}
        return Forger.original_encode(value, depth)

    harness.ValueProgram.run = run
    harness.encode = encode
'''


def test_forged_reports_earn_nothing_and_break_nothing(tmp_path):
    """Whatever the sandbox sends is judged against the parent's own program: floats that always
    compare equal, reports of the wrong length, dtype or size, NaN and infinities, megabytes of error
    text, a program or a function sent back, answers for every call written ahead of the harness."""
    verdict = _grade(tmp_path, with_cell(_blank(), FORGERY))
    assert verdict.score == 0, _passed(verdict)
    _assert_well_formed(verdict)


# A micrograd engine (right but for backward() twice) that rewrites the job and its program as it runs:
# later calls' ids rotated, its own later nodes swapped, its backward() steps dropped, no time limit.
TAMPER = '''
import sys


class Tamper:
    original = Value.backward

    def backward(self):
        frame = sys._getframe(1)
        while frame is not None:
            names = frame.f_locals
            if frame.f_code.co_name == "run" and "job" in names:
                calls = names["job"]["calls"]
                names["job"]["seconds_per_call"] = 10 ** 6
                later = calls[calls.index(names["call"]) + 1:]
                ids = [call["id"] for call in later]
                for call, new in zip(later, ids[1:] + ids[:1]):
                    call["id"] = new
            if frame.f_code.co_name == "run" and "nodes" in names:
                nodes = names["nodes"]
                keys = list(nodes)
                if len(keys) > 2:
                    nodes[keys[0]], nodes[keys[1]] = nodes[keys[1]], nodes[keys[0]]
                program = names["self"]
                program.steps = tuple(step for step in program.steps if step[0] != "backward")
            frame = frame.f_back
        Tamper.original(self)

    Value.backward = backward
'''


def test_a_class_that_rewrites_the_job_and_its_program_earns_nothing_more(tmp_path):
    engine = with_function(_solution(), "as_value", MICROGRAD)
    honest = _grade(tmp_path, engine, "honest")
    assert _failed(honest).keys() == {_name_of("twice")}
    verdict = _grade(tmp_path, with_cell(engine, TAMPER), "tampering")
    assert _passed(verdict) <= _passed(honest) and verdict.score <= honest.score
    _assert_well_formed(verdict)


# Gradients made up when they are read: this call's gradients times the number of backward() calls
# since zero_grad(). Right whenever backward() is called on one node again and again; wrong when it is
# called on two nodes of a graph, where each call adds its own derivatives.
COUNTING = '''
import math


class Value:
    def __init__(self, data, inputs=(), local=()):
        self.data = float(data)
        self.single, self.calls = 0.0, 0
        self.inputs, self.local = tuple(inputs), tuple(local)

    @property
    def grad(self):
        return self.single * self.calls

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
        return Value(self.data / o.data, (self, o), (1.0 / o.data, -self.data / o.data ** 2))

    def __rtruediv__(self, o):
        return Value.lift(o) / self

    def __pow__(self, p):
        return Value(self.data ** p, (self,), (p * self.data ** (p - 1),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,))

    def relu(self):
        return Value(self.data if self.data > 0 else 0.0, (self,), (1.0 if self.data > 0 else 0.0,))

    def order(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.inputs if parent not in seen)
        return order

    def backward(self):
        order = self.order()
        adjoint = {node: 0.0 for node in order}
        adjoint[self] = 1.0
        for node in reversed(order):
            for parent, local in zip(node.inputs, node.local):
                adjoint[parent] += adjoint[node] * local
        for node in order:
            node.single, node.calls = adjoint[node], node.calls + 1

    def zero_grad(self):
        for node in self.order():
            node.single, node.calls = 0.0, 0


def as_value(x):
    return x if isinstance(x, Value) else Value(x)
'''


def test_gradients_made_up_when_read_lose_backward_twice(tmp_path):
    """Before the twice check called backward() on two nodes, this engine, which never adds one call's
    derivatives to another's, scored full marks."""
    verdict = _grade(tmp_path, with_function(_solution(), "as_value", COUNTING))
    failed = _failed(verdict)
    assert list(failed) == [_name_of("twice")], failed
    assert "on the inner node" in failed[_name_of("twice")] and ".grad is not the correct value" in failed[
        _name_of("twice")]


# --- derivatives that are not the rules' ---------------------------------------------------------------

RICHARDSON = '''
def _slope(function, x):
    """Romberg's table of central differences: their error extrapolated away, to some 1e-14."""
    h, table = 0.1, []
    for level in range(7):
        row = [(function(x + h) - function(x - h)) / (2 * h)]
        for j in range(1, level + 1):
            row.append(row[j - 1] + (row[j - 1] - table[level - 1][j - 1]) / (4 ** j - 1))
        table.append(row)
        h /= 2
    return table[-1][-1]
'''


def _differences(slope=None):
    source = finite_differences(6e-6) + "\n\ndef as_value(x):\n    return x if isinstance(x, Value) else Value(x)\n"
    if slope:
        plain = "def _slope(function, x):\n    return (function(x + H) - function(x - H)) / (2 * H)\n"
        assert plain in source
        source = source.replace(plain, slope)
    return source


INFLATED = '''

class Inflated(Value):
    """Every node that an operation makes has one more input, hidden, of value 1e300 (its local derivative
    0): huge values all over the class's graph, and none in what the program reads."""

    def __init__(self, data, inputs=(), local=()):
        if inputs:
            inputs, local = tuple(inputs) + (Value(1e300),), tuple(local) + (0.0,)
        super().__init__(data, inputs, local)


Value = Inflated
'''


def test_two_sided_differences_with_huge_values_earn_no_smooth_derivative(tmp_path):
    """The rounding scale of a read is computed in the parent from its own exact program: nothing the
    class sends, a huge .data or not, widens the tolerance of a derivative."""
    verdict = _grade(tmp_path, with_function(_solution(), "as_value", _differences() + INFLATED))
    assert _name_of("forward") in _passed(verdict), _failed(verdict)
    assert not _passed(verdict) & {_name_of(kind) for kind in SMOOTH}, _passed(verdict)
    _assert_well_formed(verdict)


@pytest.mark.xfail(strict=True, reason="extrapolated differences reach some 1e-14 of a derivative: a tolerance "
                   "that refused them would refuse correct float64 engines written otherwise, so only someone "
                   "reading the code can tell (the release's rules forbid them)")
def test_extrapolated_differences_earn_no_smooth_derivative(tmp_path):
    verdict = _grade(tmp_path, with_function(_solution(), "as_value", _differences(RICHARDSON)))
    assert not _passed(verdict) & {_name_of(kind) for kind in SMOOTH}, _passed(verdict)


def test_a_near_value_is_called_near_not_right_where_the_correct_value_is_0():
    """Of one value, a ratio near 1 says only that it is not right to rounding."""
    case = a8.make_cases(np.random.default_rng(0))[1]
    report = a8.expected_answer(case.args[0])
    report["grad"][0] *= 1 + 1e-9
    problem = a8._problem(case, report)
    assert "near the correct value, but not right to rounding" in problem
    assert "where the correct value is 0" not in problem


# --- hanging, crashing, flooding ----------------------------------------------------------------------

KIND_OF_CALL = '''
import sys


def _kind():
    """The kind of check of the call that runs now, read from the harness's frames ("add", "deep"...)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "run" and "job" in frame.f_locals:
            return frame.f_locals["call"]["id"].split("/")[1]
        frame = frame.f_back
    return ""


_sweep = backpropagate
'''

# One attack per check, each of which the process survives.
SURVIVED = KIND_OF_CALL + '''
import os


class Unprintable(Exception):
    def __str__(self):
        while True:
            pass


def _deeper(n):
    return _deeper(n + 1)


def backpropagate(root):
    kind = _kind()
    if kind == "add":          # a hang: the program's CPU time ends it
        while True:
            pass
    if kind == "mul":          # an exception whose message never comes
        raise Unprintable()
    if kind == "pow":
        _deeper(0)
    if kind == "exp":
        return bytearray(8 << 30)
    if kind == "tanh":         # millions of nodes
        node = root
        for _ in range(10 ** 7):
            node = node * 1.0
    if kind == "relu":
        sys.exit(3)
    if kind == "mixed":        # garbage and a forged line for no call on the result channel
        os.write(int(sys.argv[2]), b"garbage\\n" + b'{"event": "returned", "id": "as_value/none/99"}\\n'
                 + b"x" * 100000 + b"\\n")
    if kind == "twice":        # a flood of output
        print("output " * 100000)
        print("errors " * 100000, file=sys.stderr)
    _sweep(root)
'''

# Two attacks that end the process: a loop that swallows every timer, and a crash.
FATAL = KIND_OF_CALL + '''
import ctypes


def backpropagate(root):
    kind = _kind()
    if kind == "tanh":
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass
    if kind == "deep":
        ctypes.string_at(0)
    _sweep(root)
'''


def test_a_slow_or_failing_step_costs_its_check_and_nothing_else(tmp_path):
    verdict = _grade(tmp_path, with_cell(_solution(), SURVIVED))
    failed = _failed(verdict)
    assert set(failed) == {_name_of(kind) for kind in ("add", "mul", "pow", "exp", "tanh", "relu")}, failed
    assert verdict.score == 22 - _points(("add", "mul", "pow", "exp", "tanh", "relu"))
    assert "CPU time" in failed[_name_of("add")]
    assert "its message could not be read" in failed[_name_of("mul")]
    assert "RecursionError" in failed[_name_of("pow")] and "MemoryError" in failed[_name_of("exp")]
    assert "SystemExit" in failed[_name_of("relu")]
    assert verdict.seconds < 20
    _assert_well_formed(verdict)


def test_a_hang_that_swallows_the_timers_or_a_crash_costs_the_later_calls_of_its_cell_only(tmp_path):
    verdict = _grade(tmp_path, with_cell(_solution(), FATAL))
    failed = _failed(verdict)
    assert set(failed) == {_name_of(kind) for kind in ("tanh", "relu", "deep", "twice", "zero")}, failed
    assert "did not finish" in failed[_name_of("tanh")] and "did not finish" in failed[_name_of("deep")]
    assert "skipped" in failed[_name_of("relu")] and "skipped" in failed[_name_of("zero")]
    assert verdict.seconds < 30
    _assert_well_formed(verdict)


# Correct, but slow: a list for the visited nodes makes the order quadratic in the graph's size (about
# a second for a chain 5000 deep), and every operation does needless work.
SLOW_BUT_CORRECT = '''
import math


def _needless():
    total = 0
    for number in range(500):
        total += number
    return total


class Value:
    def __init__(self, data, inputs=(), local=()):
        _needless()
        self.data, self.grad, self.inputs, self.local = float(data), 0.0, tuple(inputs), tuple(local)

    @staticmethod
    def lift(o):
        return o if isinstance(o, Value) else Value(o)

    def __add__(s, o): o = Value.lift(o); return Value(s.data + o.data, (s, o), (1.0, 1.0))
    def __radd__(s, o): return Value.lift(o) + s
    def __mul__(s, o): o = Value.lift(o); return Value(s.data * o.data, (s, o), (o.data, s.data))
    def __rmul__(s, o): return Value.lift(o) * s
    def __neg__(s): return Value(-s.data, (s,), (-1.0,))
    def __sub__(s, o): o = Value.lift(o); return Value(s.data - o.data, (s, o), (1.0, -1.0))
    def __rsub__(s, o): return Value.lift(o) - s
    def __truediv__(s, o):
        o = Value.lift(o)
        return Value(s.data / o.data, (s, o), (1.0 / o.data, -s.data / o.data ** 2))

    def __rtruediv__(s, o): return Value.lift(o) / s
    def __pow__(s, p): return Value(s.data ** p, (s,), (p * s.data ** (p - 1),))

    def exp(s):
        e = math.exp(s.data)
        return Value(e, (s,), (e,))

    def tanh(s):
        t = math.tanh(s.data)
        return Value(t, (s,), (1.0 - t * t,))

    def relu(s):
        return Value(s.data if s.data > 0 else 0.0, (s,), (1.0 if s.data > 0 else 0.0,))

    def _order(self):
        order, visited, stack = [], [], [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in visited:
                visited.append(node)
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.inputs)
        return order

    def backward(self):
        order = self._order()
        index = {id(node): position for position, node in enumerate(order)}
        adjoint = [0.0] * len(order)
        adjoint[index[id(self)]] = 1.0
        for node in reversed(order):
            for parent, local in zip(node.inputs, node.local):
                adjoint[index[id(parent)]] += adjoint[index[id(node)]] * local
        for node, amount in zip(order, adjoint):
            node.grad += amount

    def zero_grad(self):
        for node in self._order():
            node.grad = 0.0


def as_value(x):
    return x if isinstance(x, Value) else Value(x)
'''


def test_a_correct_but_slow_engine_keeps_every_point(tmp_path):
    """The CPU time a program may take is some 200 times what a correct class needs: an engine tens of
    times slower than the solution keeps its marks (and CPU time does not grow on a busy machine)."""
    verdict = _grade(tmp_path, with_function(_solution(), "as_value", SLOW_BUT_CORRECT))
    assert verdict.score == 22, _failed(verdict)


def test_a_program_may_take_cpu_time_not_wall_time():
    """In the harness: a class that sleeps (waits, as on a busy machine) keeps within the program's CPU
    time, one that computes as long does not, and the call's own time limit still holds."""
    solution_cells = [{"index": index, "code": "".join(cell["source"])}
                      for index, cell in enumerate(_solution()["cells"])
                      if cell["cell_type"] == "code" and cell["metadata"]["nbgrader"]["solution"]]
    program = harness.ValueProgram([("input", "a", 1.5), ("op", "b", "tanh", "a"), ("backward", "b"), ("read", "a")])
    assert program.cpu_seconds() < 1.0
    waits = "import time\n_sweep = backpropagate\ndef backpropagate(root):\n    time.sleep(%r)\n    _sweep(root)\n"
    burns = "import time\n_sweep = backpropagate\ndef backpropagate(root):\n    end = time.process_time() + %r\n" \
            "    while time.process_time() < end:\n        pass\n    _sweep(root)\n"
    results, handlers = {}, {number: signal.getsignal(number) for number in (signal.SIGALRM, signal.SIGPROF)}
    for name, cell in (("waits", waits % 1.5), ("burns", burns % 1.5), ("waits past the call", waits % 4.0)):
        job = {"cells": solution_cells + [{"index": 99, "code": cell}], "seconds_per_call": 3.0,
               "calls": [{"id": "c", "function": "as_value", "args": [harness.encode(program)]}]}
        lines = []
        try:
            harness.run(job, lines.append)
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)
        results[name] = next(line for line in lines if line["event"] == "returned")["value"]["items"]["error"]["value"]
    assert results["waits"] == "", results
    assert results["burns"].endswith("CallTimeout: the call used more CPU time than a program of its size may take")
    assert results["waits past the call"].endswith("CallTimeout: the call ran longer than its time limit")


# --- what the verdict tells -----------------------------------------------------------------------------

# Every operation fails with the program's numbers, and the values the class computed from them, in
# every form; the harness's description of where it failed says them too.
LEAK = FRAMES + FLOAT_INTERPRETER + '''

_SAID = [""]


def _everything():
    program = _harness_frame().f_locals["self"]
    numbers = [item for step in program.steps for item in step[2:] if type(item) is float]
    numbers += list(_values(program.steps).values())
    _SAID[0] = " ".join("%r %.3g %.6g %.17g %e" % (number, number, number, number, number)
                        for number in numbers[:30])
    return _SAID[0]


class Value:
    def __init__(self, data, *args):
        raise ValueError(_everything())


class Leaker:
    harness = sys.modules["__main__"]
    original = harness.describe_error
    harness.describe_error = lambda error: (Leaker.original(error)[0], _SAID[0])
'''


def _secret_values(notebook, student):
    """Every float of the submission's secret programs and every value and derivative read from them."""
    cases = a8.make_cases(secret.case_generator(KEY, A8, student, json.dumps(notebook).encode()))
    found = set()
    for case in cases:
        found |= {value for value in _numbers(case.args[0])}
        answer = a8.expected_answer(case.args[0])
        found |= set(answer["data"].tolist()) | set(answer["grad"].tolist())
    return [value for value in found if value != round(value)]


def _renderings(value):
    texts = {repr(abs(value)), str(abs(value))}
    texts.update("%.*g" % (digits, abs(value)) for digits in range(3, 18))
    return {text for text in texts if len(text.split("e")[0].replace(".", "").lstrip("0")) >= 3}


def test_no_verdict_quotes_a_number_of_the_secret_programs(tmp_path):
    notebook = with_cell(_blank(), LEAK)
    verdict = _grade(tmp_path, notebook)
    texts = _texts(verdict)
    assert any("ValueError" in text for text in texts), texts
    tokens = {token.lstrip("+-") for text in texts for token in DECIMAL.findall(text)}
    quoted = [value for value in _secret_values(notebook, "student") if _renderings(value) & tokens]
    assert not quoted, (quoted, texts)
    assert all(len(check["message"]) <= MAX_MESSAGE_CHARS for check in verdict.checks)


# --- the parent on hostile reports ----------------------------------------------------------------------

def _hostile(case):
    """Reports a sandbox could send for ``case``: every one wrong, or no report at all."""
    right = a8.expected_answer(case.args[0])
    reads = len(right["data"])
    data, grad = right["data"], right["grad"]
    _, _, _, grad_scale = a8._exact(case.args[0])
    changed = []
    for change in (lambda d, g: (d, g + 3 * a8.RTOL * grad_scale + 1e-300),   # just outside the tolerance
                   lambda d, g: (np.full(reads, 1e300), g + 3 * a8.RTOL * grad_scale + 1e-300),
                   lambda d, g: (d, np.where(np.arange(reads) == 0, np.nan, g)), lambda d, g: (d, -g - 1.0),
                   lambda d, g: (np.full(reads, np.inf), g), lambda d, g: (d * (1 + 1e-9) + 1e-300, g)):
        new_data, new_grad = change(data.copy(), grad.copy())
        changed.append({"data": new_data, "grad": new_grad, "error": ""})
    return changed + [
        None, 0, 1.5, "report", [], (), {}, Foreign("a dict with 40 keys"),
        {"data": data, "grad": grad},                                   # no error
        {"data": data, "grad": grad, "error": 0},
        {"data": data, "grad": grad, "error": "x"},                     # right numbers, a failure said
        {"data": data, "grad": grad, "error": "x", "line": 5},
        {"data": data.astype(np.float32), "grad": grad, "error": ""},
        {"data": data[:-1], "grad": grad[:-1], "error": ""},
        {"data": np.append(data, 0.0), "grad": np.append(grad, 0.0), "error": ""},
        {"data": data.reshape(1, -1), "grad": grad.reshape(1, -1), "error": ""},
        {"data": list(data), "grad": list(grad), "error": ""},
        {"data": np.full(reads, np.nan), "grad": np.full(reads, np.nan), "error": ""},
        {"data": np.full(reads, np.nan), "grad": np.full(reads, np.nan), "error": "x"},
        {"data": np.zeros(10 ** 6), "grad": np.zeros(10 ** 6), "error": ""},
        {"data": Foreign("x"), "grad": Foreign("x"), "error": ""},
    ]


def test_the_parent_neither_breaks_nor_passes_on_hostile_reports():
    cases = a8.make_cases(np.random.default_rng(0))
    before = {case.id: [array.copy() for array in a8._exact(case.args[0])] for case in cases}
    for check in a8.CHECKS:
        mine = [case for case in cases if check.applies_to(case)]
        assert check.judge(mine, [Outcome(True, value=a8.expected_answer(case.args[0])) for case in mine]) is None
        for index in range(len(_hostile(mine[0]))):
            with np.errstate(all="ignore"):
                outcomes = [Outcome(True, value=_hostile(case)[index]) for case in mine]
                problem = check.judge(mine, outcomes)
            assert problem and isinstance(problem, str), (check.name, index)
    for case in cases:   # the oracle's values and scales are the parent's, whatever it was sent
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(a8._exact(case.args[0]), before[case.id]))
