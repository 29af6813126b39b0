"""Assignment a8: a scalar autodiff engine, the class ``Value`` (chapter "From backpropagation to
autodiff").

The student writes a class, not a function, so a case is a program instead of arguments: a
:class:`grader.harness.ValueProgram` (plain data: make input Values, apply operations, call
``backward()`` and ``zero_grad()``, read ``.data`` and ``.grad``) drawn from the grading seed. The
harness's own interpreter runs it in the sandbox with the student's class and sends back plain
floats only (see ``ValueProgram.run``); the trusted parent runs the same interpreter with the class
of a known wrong version to diagnose a result.

The oracle is SymPy, not a reference class: each operation is a SymPy formula (``FORMULAS``), its
local derivatives are what ``sympy.diff`` makes of it, evaluated with mpmath at ``DIGITS`` digits,
and the chain rule runs over the program's own steps, in the order they were made (an order in
which every node follows its inputs). ``backward()`` adds this call's derivatives to ``.grad`` and
``zero_grad()`` sets the grads of the node's graph to 0, as the release states. The solution must
agree with the oracle (``python -m grader check``), which it meets with no code in common.

A case is a check's programs, run one after another in one call (:class:`Programs`: their steps joined,
the run ends at the first step that fails, which fails the check anyway), and each deep chain is a case
of its own, so that it gets a call's time. A class that is slow or hangs thus costs one call per check,
and the harness ends a program's run after a CPU time in proportion to its size
(``ValueProgram.cpu_seconds``), far more than a correct class needs, however busy the machine.

Comparisons are exact to rounding: a read is right within ``RTOL`` times its rounding scale, the
sum of the magnitudes that went into it (for a value, its own and its inputs' scales times the
local derivatives; for a gradient, every product and sum of the sweep and the error of each local
derivative that comes from the error of its inputs). A correct engine in float64 is many times
inside it; two-sided differences, whose error is some 1e-11 of a derivative at best, are not (but on
the deep chains, whose scales grow with their length: that check is the sweep's).
Values stay tame: inputs of tanh and exp are bounded so that nothing saturates, bases and
denominators stay away from 0, and programs whose values or gradients exceed ``BOUND`` or whose
gradients vanish are drawn again. Every random graph holds an operation whose derivative differences
miss (exp, tanh, a quotient or a power other than 2), so that no check of the sweep is made of
polynomials of degree 2, whose two-sided differences are exact. Extrapolated differences (Richardson's)
reach some 1e-14, and no tolerance that correct engines written otherwise meet refuses them; nor can
the grader tell an engine from a class that differentiates the graph it records (or the program it
finds in the harness's frames: the same steps) with SymPy or with differences at high precision,
which give the exact derivatives, but by their cost: a deep chain reads hundreds of gradients, which
one backward() sweep gives, and such a method, differentiating one node at a time, pays a pass of the
chain for each (tests/test_a8_attacks.py).

The cell that defines ``Value`` and the cell that defines the backward sweep are graded apart.
Checks, cases and mutants name a cell by a module-level function it defines (a mutant changes the
cell that defines its function): ``as_value`` for the operations, ``backpropagate`` for
``backward()`` and ``zero_grad()``. ``reference`` answers under both names with the oracle.
"""
import functools
import math
import re
import threading
import types

import mpmath
import numpy as np
import sympy as sp

from grader.checks import Case, Check, _ratio_hint
from grader.harness import ValueProgram
from grader.mutants import Mutant

NAME = "a8_autodiff_engine"
OPERATIONS = "as_value"       # the cell that defines Value: the operations and their local derivatives
SWEEP = "backpropagate"       # the cell that defines the sweep behind backward() and zero_grad()
DIGITS = 40                   # decimal digits of the oracle's arithmetic
RTOL = 1e-12                  # a read is right within RTOL times its rounding scale
BOUND = 1e4                   # no value or gradient of a program exceeds this
SMALLEST_GRADIENT = 1e-6      # a gradient that is not exactly 0 is at least this large
EXPONENTS = (2, 3, -1, -2, 0.5, -1.5, 2.5)   # ints and floats; a base is positive for the floats
DEEP = (3000, 5000)           # lengths of the deep chains
DEEP_READS = 800              # about this many nodes of a deep chain are read: one backward() gives them all
USES = (30, 100)              # how many times the reused node is used
ALONE = 12                    # programs of exp() and of tanh(), each a family of its own: two-sided differences
                              # get one right to rounding now and then (at the best step, exp's 2 times in 5)

_X, _Y = sp.symbols("x y", real=True)
FORMULAS = {
    "add": _X + _Y, "sub": _X - _Y, "mul": _X * _Y, "div": _X / _Y, "pow": _X ** _Y,
    "neg": -_X, "exp": sp.exp(_X), "tanh": sp.tanh(_X),
    "relu": sp.Piecewise((_X, _X > 0), (0, True)),   # the strict > makes the derivative at 0 be 0
}
UNARY = ("neg", "exp", "tanh", "relu")


# -- the oracle --------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _symbolic_rules():
    """Per operation: its formula, its derivatives in x and y, and their derivatives (SymPy)."""
    rules = {}
    for operation, formula in FORMULAS.items():
        first = [sp.diff(formula, variable) for variable in (_X, _Y)]
        rules[operation] = (formula, first, [[sp.diff(derivative, variable) for variable in (_X, _Y)]
                                             for derivative in first])
    return rules


_COMPILED = threading.local()


def _compiled():
    """The rules as Python functions: exact ones in this thread's own mpmath context (``DIGITS``
    digits; mpmath's global precision is shared by every thread), and floating-point ones for the
    rounding scales."""
    if not hasattr(_COMPILED, "rules"):
        context = mpmath.MPContext()
        context.dps = DIGITS
        exact = [{"exp": context.exp, "tanh": context.tanh, "log": context.log}, "mpmath"]

        def both(expression):
            return (sp.lambdify((_X, _Y), expression, modules=exact),
                    sp.lambdify((_X, _Y), expression, modules="math"))
        rules = {}
        for operation, (formula, first, second) in _symbolic_rules().items():
            rules[operation] = (both(formula)[0], [both(derivative)[0] for derivative in first],
                                [[both(derivative)[1] for derivative in row] for row in second])
        _COMPILED.context, _COMPILED.rules = context, rules
    return _COMPILED.context, _COMPILED.rules


def _exact(program):
    """``(data, grad, data_scale, grad_scale)``: float64 arrays, one entry per read of ``program``."""
    return _run_exactly(program.steps)


@functools.lru_cache(maxsize=512)
def _run_exactly(steps):
    """:func:`_exact` of the program with these steps (cached: the cases, the judges and the reference
    ask for the same programs). The arrays are read-only."""
    context, rules = _compiled()
    number, value, scale, edges, grad, grad_scale = {}, [], [], [], [], []
    reads = []
    for step in steps:
        kind, name = step[0], step[1]
        if kind == "input":
            number[name] = len(value)
            value.append(context.mpf(step[2]))
            scale.append(abs(float(step[2])))
            edges.append(())
            grad.append(context.zero)
            grad_scale.append(0.0)
        elif kind == "op":
            formula, first, second = rules[step[2]]
            operands = step[3:]
            exact = [value[number[operand]] if type(operand) is str else context.mpf(operand) for operand in operands]
            x, y = exact[0], exact[1] if len(exact) > 1 else context.zero
            approximate = (float(x), float(y))
            node_edges = []
            for position, operand in enumerate(operands):
                if type(operand) is str:
                    local = context.mpf(first[position](x, y))
                    drift = sum(abs(second[position][other](*approximate)) * scale[number[operands[other]]]
                                for other in range(len(operands)) if type(operands[other]) is str)
                    node_edges.append((number[operand], local, abs(float(local)) + drift))
            result = context.mpf(formula(x, y))
            number[name] = len(value)
            value.append(result)
            scale.append(abs(float(result)) + sum(abs(float(local)) * scale[parent] for parent, local, _ in node_edges))
            edges.append(tuple(node_edges))
            grad.append(context.zero)
            grad_scale.append(0.0)
        elif kind == "backward":
            adjoint, adjoint_scale = _sweep(context, number[name], edges)
            for node, amount in adjoint.items():
                grad[node] += amount
                grad_scale[node] += adjoint_scale[node] + abs(float(grad[node]))
        elif kind == "zero_grad":
            for node in _sweep(context, number[name], edges)[0]:
                grad[node], grad_scale[node] = context.zero, 0.0
        else:
            node = number[name]
            reads.append((float(value[node]), float(grad[node]), scale[node], grad_scale[node]))
    columns = [np.array(column, dtype=np.float64) for column in zip(*reads)] if reads else [np.zeros(0)] * 4
    for column in columns:
        column.flags.writeable = False
    return tuple(columns)


def _sweep(context, root, edges):
    """This call's adjoints d(root)/d(node) for the nodes of root's graph (by the chain rule, in
    reverse order of creation), and their rounding scales."""
    adjoint, adjoint_scale = {root: context.one}, {root: 0.0}
    for node in range(root, -1, -1):
        if node not in adjoint:
            continue
        amount, amount_scale = adjoint[node], adjoint_scale[node]
        for parent, local, local_scale in edges[node]:
            adjoint[parent] = adjoint.get(parent, context.zero) + amount * local
            adjoint_scale[parent] = (adjoint_scale.get(parent, 0.0) + abs(float(local)) * amount_scale
                                     + abs(float(amount)) * local_scale + abs(float(amount * local)))
    return adjoint, adjoint_scale


def expected_answer(program):
    """What a correct class gives on ``program``, as the sandbox reports it (``ValueProgram.run``)."""
    data, grad, _, _ = _exact(program)
    return {"data": data.copy(), "grad": grad.copy(), "error": ""}


reference = types.ModuleType(__name__ + ".oracle", "The SymPy oracle, under the names of the graded cells.")
reference.as_value = reference.backpropagate = expected_answer


# -- drawing programs ---------------------------------------------------------------------------------

def _float_op(operation, operands):
    """The operation in floating point: how a program is drawn (the oracle decides what is right)."""
    x = operands[0]
    y = operands[1] if len(operands) > 1 else None
    if operation == "add":
        return x + y
    if operation == "sub":
        return x - y
    if operation == "mul":
        return x * y
    if operation == "div":
        return x / y
    if operation == "pow":
        return float(x ** y)
    if operation == "neg":
        return -x
    if operation == "exp":
        return math.exp(x)
    if operation == "tanh":
        return math.tanh(x)
    return x if x > 0 else 0.0


class _Builder:
    """Builds a program step by step, with every node's value in floating point alongside."""

    def __init__(self):
        self.steps, self.approx, self.users = [], {}, {}

    def _name(self, name):
        return name or "x%d" % len(self.approx)

    def input(self, number, name=None):
        name = self._name(name)
        self.steps.append(("input", name, number))
        self.approx[name], self.users[name] = float(number), 0
        return name

    def op(self, operation, *operands, name=None):
        name = self._name(name)
        self.steps.append(("op", name, operation) + operands)
        self.approx[name] = _float_op(operation, [self.approx[item] if type(item) is str else item
                                                  for item in operands])
        self.users[name] = 0
        for item in operands:
            if type(item) is str:
                self.users[item] += 1
        return name

    def then(self, kind, name):
        self.steps.append((kind, name))

    def read_all(self):
        for name in self.approx:
            self.then("read", name)

    def program(self):
        return ValueProgram(self.steps)


def _signed(rng, low, high):
    return float(rng.uniform(low, high) * rng.choice([-1.0, 1.0]))


def _away_from_one(rng, low, high, positive=False):
    """A number in [low, high] (either sign unless ``positive``) at least 0.1 away from 1 and -1,
    so that x ** p and x ** (p - 1) differ by more than rounding."""
    while True:
        x = float(rng.uniform(low, high)) if positive else _signed(rng, low, high)
        if abs(abs(x) - 1.0) > 0.1:
            return x


def _operand(rng, operation, position, integers=False):
    """A value for one operand of a program made of one operation."""
    if integers and operation in ("add", "sub", "mul") and rng.random() < 0.5:
        return int(rng.choice([-3, -2, 2, 3, 4]))
    if operation == "pow" and position == 0:
        return None   # drawn with the exponent
    if operation == "exp":
        return float(rng.uniform(-2.0, 2.0))
    if operation == "tanh":
        return _signed(rng, 0.2, 2.0)
    return _signed(rng, 0.5, 2.5)


FAMILIES = {
    "add": (("add", "node", "node"), ("add", "node", "number"), ("add", "number", "node"),
            ("sub", "node", "node"), ("sub", "node", "number"), ("sub", "number", "node"), ("neg", "node")),
    "mul": (("mul", "node", "node"), ("mul", "node", "number"), ("mul", "number", "node"),
            ("div", "node", "node"), ("div", "node", "number"), ("div", "number", "node")),
    "pow": tuple(("pow", "node", exponent) for exponent in EXPONENTS),
    "exp": (("exp", "node"),),
    "tanh": (("tanh", "node"),),
    "relu": (("relu", "positive"), ("relu", "negative"), ("relu", "zero")),
}


def _one_operation(rng, variant, backward, integers=False):
    """The program of one operation on fresh inputs a (and b): c = a op b, c.backward(), reads."""
    build = _Builder()
    operation, kinds = variant[0], variant[1:]
    operands = []
    if operation == "pow":
        exponent = kinds[1]
        base = _away_from_one(rng, 0.5, 2.0, positive=type(exponent) is float)
        operands = [build.input(base, "a"), exponent]
    elif operation == "relu":
        start = {"positive": float(rng.uniform(0.2, 2.5)), "negative": -float(rng.uniform(0.2, 2.5)),
                 "zero": 0 if integers else 0.0}[kinds[0]]
        operands = [build.input(start, "a")]
    else:
        for position, kind in enumerate(kinds):
            drawn = _operand(rng, operation, position, integers)
            operands.append(build.input(drawn, "ab"[len(build.approx)]) if kind == "node" else drawn)
    build.op(operation, *operands, name="c")
    if backward:
        build.then("backward", "c")
    build.read_all()
    program = build.program()
    words = "; ".join(program.describe(step) for step in program.steps if step[0] != "read")
    return program, "the program %s%s (k: plain numbers)" % (words, "" if backward else ", no backward()")


TAME_RESULT = (0.05, 20.0)


def _tame(operation, values, result):
    """Whether one step of a random graph keeps values, derivatives and rounding tame."""
    if not math.isfinite(result) or abs(result) > TAME_RESULT[1]:
        return False
    if abs(result) < TAME_RESULT[0] and not (operation == "relu" and result == 0.0):
        return False
    x = values[0]
    if operation == "div":
        return abs(values[1]) >= 0.3
    if operation == "pow":
        return abs(x) >= 0.3 and (type(values[1]) is int or x > 0.3)
    if operation == "exp":
        return abs(x) <= 3.0
    if operation == "tanh":
        return 0.1 <= abs(x) <= 2.5
    if operation == "relu":
        return abs(x) >= 0.1
    return True


RANDOM_WEIGHTS = {"add": 3, "sub": 2, "mul": 3, "div": 2, "pow": 1.5, "neg": 1, "exp": 1, "tanh": 1.5, "relu": 1}
# Operations that engines written otherwise (a - b as a + (-b), a / b as a * b ** -1) make as one node,
# as this release does: on them a wrong version's gradients do not depend on how the class was written.
ONE_NODE_OPERATIONS = ("add", "mul", "pow", "exp", "tanh", "relu")


def _random_step(rng, build, names, operations=tuple(RANDOM_WEIGHTS)):
    """One tame random operation among ``operations`` on the nodes drawn so far (or None when none fits)."""
    weights = np.array([RANDOM_WEIGHTS[operation] for operation in operations], dtype=float)
    for _ in range(100):
        operation = str(rng.choice(operations, p=weights / weights.sum()))
        first = names[-1] if rng.random() < 0.5 else names[int(rng.integers(len(names)))]
        if operation in UNARY:
            operands = (first,)
        elif operation == "pow":
            operands = (first, EXPONENTS[int(rng.integers(len(EXPONENTS)))])
        elif rng.random() < 0.3:
            number = _signed(rng, 0.5, 2.0)
            operands = (first, number) if rng.random() < 0.5 else (number, first)
        else:
            second = names[int(rng.integers(len(names)))]
            if second == first and operation in ("sub", "div"):
                continue
            operands = (first, second) if rng.random() < 0.5 else (second, first)
        values = [build.approx[item] if type(item) is str else item for item in operands]
        try:
            result = _float_op(operation, values)
        except (ArithmeticError, ValueError, TypeError):
            continue
        if type(result) is float and _tame(operation, values, result):
            return build.op(operation, *operands)
    return None


def _random_graph(rng, inputs, operations, kinds=tuple(RANDOM_WEIGHTS)):
    """A random graph: ``inputs`` inputs and ``operations`` tame operations of ``kinds`` on them,
    some nodes used more than once, then an output that uses every node nothing else uses, and an
    early inner node once more (reached both by a long path and by a short one, which an order by
    distance gets wrong). Returns the builder and the output's name."""
    while True:
        build = _Builder()
        names = [build.input(_signed(rng, 0.5, 2.0)) for _ in range(inputs)]
        inner = []
        for _ in range(operations):
            name = _random_step(rng, build, names, kinds)
            if name is None:
                break
            names.append(name)
            inner.append(name)
        if len(inner) < operations:
            continue
        output = inner[-1]
        for name in names[:-1]:
            if build.users[name] == 0:
                output = build.op("add", output, name)
        early = inner[:max(1, len(inner) // 2)]
        output = build.op("add", output, early[int(rng.integers(len(early)))])
        return build, output


def _acceptable(program):
    """Whether every value and gradient the program reads is within BOUND and no gradient vanishes."""
    data, grad, _, _ = _exact(program)
    nonzero = np.abs(grad[grad != 0.0])
    return (bool(np.all(np.abs(data) <= BOUND) and np.all(np.abs(grad) <= BOUND))
            and not np.any(nonzero < SMALLEST_GRADIENT))


def _curved(build):
    """Whether the graph holds an operation whose derivative two-sided differences get wrong by more than
    rounding: exp, tanh, a quotient or a power other than 2 (a graph of +, -, *, relu and squares is a
    polynomial of degree 2 or less in each node, whose differences are exact but for rounding)."""
    return any(step[2] in ("exp", "tanh", "div") or (step[2] == "pow" and step[4] != 2)
               for step in build.steps if step[0] == "op")


def _graph_program(rng, inputs, operations, actions, kinds=tuple(RANDOM_WEIGHTS)):
    """A random graph with a curved operation (see :func:`_curved`) and ``actions`` on its output:
    "backward", "zero_grad", "read" (every node)."""
    while True:
        build, output = _random_graph(rng, inputs, operations, kinds)
        if not _curved(build):
            continue
        for action in actions:
            if action == "read":
                build.read_all()
            else:
                build.then(action, output)
        program = build.program()
        if _acceptable(program):
            return program, output


def _reuse_program(rng, shape):
    """A node x used 30 to 100 times; the output's gradient with respect to x sums every use."""
    while True:
        uses = int(rng.integers(USES[0], USES[1] + 1))
        build = _Builder()
        if shape == "sum":
            x = build.input(_signed(rng, 0.5, 2.0), "x")
            total = build.op("mul", x, float(rng.uniform(0.5, 1.5)))
            for use in range(1, uses):
                factor = float(rng.uniform(0.5, 1.5))
                term = build.op("mul", *((x, factor) if use % 2 else (factor, x)))
                total = build.op("add", total, term)
            about = "x used %d times: s = k * x + k * x + ... (%d terms, k: plain numbers)" % (uses, uses)
        elif shape == "product":
            x = build.input(float(rng.uniform(0.985, 0.995) if rng.random() < 0.5 else rng.uniform(1.005, 1.015)), "x")
            total = build.op("mul", x, x)
            for _ in range(uses - 2):
                total = build.op("mul", total, x)
            about = "x used %d times: p = x * x * ... * x" % uses
        else:
            x = build.input(float(rng.uniform(0.5, 1.5)), "x")
            total = None
            for _ in range(uses):
                branch = build.op("mul", x, float(rng.uniform(0.3, 1.2)))
                for _ in range(int(rng.integers(0, 3))):
                    if rng.random() < 0.5:
                        branch = build.op("tanh", branch)
                    else:
                        branch = build.op("add", branch, float(rng.uniform(0.2, 0.5)))  # stays above 0.15
                total = branch if total is None else build.op("add", total, branch)
            about = "x used %d times, each use the start of a branch of 1 to 3 operations, added up" % uses
        build.then("backward", total)
        for name in [x] + list(build.approx)[1::max(1, len(build.approx) // 12)] + [total]:
            build.then("read", name)
        program = build.program()
        if _acceptable(program):
            return program, about + ", then %s.backward()" % total


def _deep_chain(rng, reuse):
    """A chain of 3000 to 5000 operations from x0 (with ``reuse``, x0 also joins every 100 steps or
    so), values and the slope d(node)/d(x0) kept within tame bounds; about ``DEEP_READS`` nodes of it
    are read, evenly spaced: one backward() sweep gives every gradient, where a method that differentiates
    one node at a time (differences of the recorded graph at high precision, SymPy) needs a pass of
    the chain per node read."""
    length = int(rng.integers(DEEP[0], DEEP[1] + 1))
    while True:
        build = _Builder()
        start = build.input(float(rng.uniform(0.5, 1.5)))
        current, slope = start, 1.0
        choices = (("mul", None), ("add", None), ("sub", None), ("div", None), ("tanh",), ("exp",), ("pow", 2),
                   ("pow", 0.5), ("relu",), ("neg",))
        for position in range(length):
            if reuse and position % 100 == 50:
                term = build.op("mul", start, _signed(rng, 0.05, 0.2))
                current = build.op("add", current, term)
                continue
            for _ in range(100):
                choice = choices[int(rng.integers(len(choices)))]
                x = build.approx[current]
                if len(choice) == 1:
                    operands = (current,)
                elif choice[1] is not None:
                    operands = (current, choice[1])
                else:
                    number = float(rng.uniform(0.8, 1.25)) if choice[0] in ("mul", "div") else _signed(rng, 0.05, 0.5)
                    operands = (current, number) if rng.random() < 0.5 or choice[0] in ("div",) else (number, current)
                values = [build.approx[item] if type(item) is str else item for item in operands]
                try:
                    result = _float_op(choice[0], values)
                except (ArithmeticError, ValueError, TypeError):
                    continue
                local = _local_float(choice[0], values, result, position=operands.index(current))
                if (type(result) is float and 0.3 <= abs(result) <= 2.5 and _tame(choice[0], values, result)
                        and 0.05 <= abs(slope * local) <= 20.0 and (choice[0] != "relu" or x > 0.3)):
                    current, slope = build.op(choice[0], *operands), slope * local
                    break
            else:
                break
        else:
            build.then("backward", current)
            names = list(build.approx)
            for name in [start] + names[1:-1:-(-len(names) // DEEP_READS)] + [current]:
                build.then("read", name)
            program = build.program()
            if _acceptable(program):
                return program, "a chain of %d operations from x0 to %s%s, then %s.backward()" % (
                    len(names) - 1, current, " (x0 also used every 100 steps or so)" if reuse else "", current)


def _local_float(operation, values, result, position):
    """d(result)/d(operand at ``position``) in floating point, to keep a chain's slope tame."""
    x = values[0]
    y = values[1] if len(values) > 1 else None
    if operation in ("add",):
        return 1.0
    if operation == "sub":
        return 1.0 if position == 0 else -1.0
    if operation == "mul":
        return y if position == 0 else x
    if operation == "div":
        return 1.0 / y if position == 0 else -x / y ** 2
    if operation == "pow":
        return y * x ** (y - 1)
    if operation == "neg":
        return -1.0
    if operation == "exp":
        return result
    if operation == "tanh":
        return 1.0 - result ** 2
    return 1.0 if x > 0 else 0.0


def _two_roots_program(rng, inputs, operations):
    """A random graph, backward() on its output and then on an inner node, each followed by reads of
    every node: the second call adds its own derivatives, d(inner)/d(node), which differ from the
    first's (an engine that multiplies one call's gradients by the number of calls gets it wrong)."""
    while True:
        build, output = _random_graph(rng, inputs, operations, ONE_NODE_OPERATIONS)
        if not _curved(build):
            continue
        inner = [step[1] for step in build.steps if step[0] == "op" and step[1] != output]
        node = inner[int(rng.integers(len(inner)))]
        build.then("backward", output)
        build.read_all()
        build.then("backward", node)
        build.read_all()
        program = build.program()
        if _acceptable(program):
            return program, output, node


class Programs(Case):
    """A case whose one argument runs several programs one after another, in one call: ``parts`` holds
    each program with its description, and ``args[0]`` is their steps joined (:func:`joined`).

    One call per check: a class that is slow or hangs costs one call's time per check, not one per
    program, and a check fails at its first wrong program anyway."""

    def __init__(self, id, function, parts):
        parts = tuple(parts)
        about = parts[0][1] if len(parts) == 1 else "the %d programs of this check" % len(parts)
        super().__init__(id, function, (joined([program for program, _ in parts]),), about)
        object.__setattr__(self, "parts", parts)


PREFIX = re.compile(r"\bp\d+_")   # the prefix of a node's name in a joined program


def joined(programs):
    """One program that runs ``programs`` one after another (the program itself if there is one):
    the nodes of the i-th are renamed ``p<i>_<name>``, so that the names stay distinct."""
    if len(programs) == 1:
        return programs[0]
    steps = []
    for index, program in enumerate(programs):
        prefix = "p%d_" % index
        for step in program.steps:
            if step[0] == "op":
                steps.append(("op", prefix + step[1], step[2])
                             + tuple(prefix + item if type(item) is str else item for item in step[3:]))
            else:
                steps.append((step[0], prefix + step[1]) + tuple(step[2:]))
    return ValueProgram(steps)


def make_cases(rng):
    """Secret programs for every check, drawn afresh for each submission: one case per check, whose
    programs run one after another in one call, and one per deep chain (each gets a call's time).

    Every program draws its own numbers; what a program reads back (values and derivatives) is
    nowhere among the numbers of another program.
    """
    cases = []

    def add(function, kind, parts):
        cases.append(Programs("%s/%s/%d" % (function, kind, len(cases)), function, parts))

    add(OPERATIONS, "forward", [_one_operation(rng, variant, backward=False, integers=rng.random() < 0.3)
                                for variants in FAMILIES.values() for variant in variants])
    for family, variants in FAMILIES.items():
        add(OPERATIONS, family, [_one_operation(rng, variant, backward=True) for variant in variants
                                 for _ in range(ALONE if len(variants) == 1 else 2)])
    parts = []
    for inputs, operations in ((2, 10), (3, 14), (4, 18)):
        program, output = _graph_program(rng, inputs, operations, ("backward", "read"))
        parts.append((program, "a random graph of %d operations on %d inputs, then %s.backward()"
                      % (operations, inputs, output)))
    add(SWEEP, "mixed", parts)
    add(SWEEP, "reuse", [_reuse_program(rng, shape) for shape in ("sum", "product", "branches")])
    for reuse in (False, True):
        add(SWEEP, "deep", [_deep_chain(rng, reuse)])
    parts = []
    for inputs, operations in ((1, 3), (2, 10), (3, 14)):
        program, output = _graph_program(rng, inputs, operations, ("backward", "read", "backward", "read"),
                                         ONE_NODE_OPERATIONS)
        parts.append((program, "a random graph of %d operations on %d input%s: %s.backward() twice"
                      % (operations, inputs, "" if inputs == 1 else "s", output)))
    program, output, node = _two_roots_program(rng, 2, 10)
    parts.append((program, "a random graph of 10 operations on 2 inputs: %s.backward(), then %s.backward() on "
                  "the inner node %s" % (output, node, node)))
    add(SWEEP, "twice", parts)
    parts = []
    for inputs, operations in ((2, 8), (3, 12)):
        program, output = _graph_program(rng, inputs, operations,
                                         ("backward", "backward", "zero_grad", "read", "backward", "read"),
                                         ONE_NODE_OPERATIONS)
        parts.append((program, "a random graph of %d operations on %d inputs: %s.backward() twice, "
                      "%s.zero_grad(), %s.backward()" % (operations, inputs, output, output, output)))
    add(SWEEP, "zero", parts)
    return cases


# -- judging ------------------------------------------------------------------------------------------

class _Read:
    """One read step of a program, with what a message about it needs."""

    def __init__(self, node, when, made, created, calls):
        self.node, self.when, self.made = node, when, made
        self.created = created    # when the node was made: 0 for the first node, 1 for the next...
        self.calls = calls        # the backward() and zero_grad() steps before it
        self.group = len(calls)


def _reads(program):
    """The program's reads (:class:`_Read`), in order, and the nodes that use each node."""
    made, created, users, actions, reads = {}, {}, {}, [], []
    calls = []
    for step in program.steps:
        if step[0] in ("input", "op"):
            made[step[1]] = "an input" if step[0] == "input" else program.describe(step)
            created[step[1]], users[step[1]] = len(created), []
            for operand in step[3:] if step[0] == "op" else ():
                if type(operand) is str and step[1] not in users[operand]:
                    users[operand].append(step[1])
        elif step[0] in ("backward", "zero_grad"):
            calls.append(step)
            action = program.describe(step)
            if actions and actions[-1] == action:
                actions[-1] = action + " twice"
            else:
                actions.append(action)
        else:
            when = "after " + ", ".join(actions) if actions else "before any backward()"
            reads.append(_Read(step[1], when, made[step[1]], created[step[1]], tuple(calls)))
    return reads, made, users


def _is_report(value, reads):
    """Whether ``value`` has the form of ``ValueProgram.run``'s report on a program of ``reads`` reads."""
    return (isinstance(value, dict) and type(value.get("error")) is str
            and all(isinstance(value.get(key), np.ndarray) and value[key].dtype == np.float64
                    and value[key].shape == (reads,) for key in ("data", "grad")))


def _wrong(want, got, scale):
    return not abs(got - want) <= RTOL * scale


def _hint(want, got):
    if not math.isfinite(got):
        return ": it is not a finite number"
    if got != want and math.isclose(got, want, rel_tol=1e-6):
        # _ratio_hint would say "the values differ only where the correct value is 0": of one value,
        # a ratio near 1 only says that it is not right to rounding
        return ": it is near the correct value, but not right to rounding (a correct engine is)"
    return _ratio_hint(np.array([want]), np.array([got]))


def _problem(case, value):
    """What is wrong with the report ``value`` on ``case``, in words that quote no number; None if right.

    The programs of the case are judged one after another (the report holds their reads in that
    order); the first one with a problem is named, with its own description. The run ends at the
    first step that fails: its reads and those of the programs after it are NaN.
    """
    parts = getattr(case, "parts", None) or ((case.args[0], case.about),)
    if not _is_report(value, sum(len(_exact(program)[0]) for program, _ in parts)):
        return "on %s, the results could not be read back" % case.about
    error = value["error"]
    line = " (%s)" % value["line"] if isinstance(value.get("line"), str) else ""
    if len(parts) > 1:   # the step's words name the nodes of the joined program
        error, line = PREFIX.sub("", error), PREFIX.sub("", line)
    got_data, got_grad = value["data"].tolist(), value["grad"].tolist()
    start = 0
    for program, about in parts:
        end = start + len(_exact(program)[0])
        data, grad = got_data[start:end], got_grad[start:end]
        start = end
        stopped = bool(error) and any(math.isnan(got) for got in data + grad)   # the run ended in this program
        problem = _program_problem(program, about, data, grad, error if stopped else "", line)
        if problem:
            return problem
    return "on %s, the step %s%s" % (case.about, error, line) if error else None


def _program_problem(program, about, got_data, got_grad, error, line):
    """What is wrong with the reads ``got_data`` and ``got_grad`` of one program (described by ``about``),
    on which the run failed with ``error`` ("" if it did not); None if right.

    Values are judged before gradients, and the first wrong value in the order the nodes were made
    is named: where the forward pass first goes wrong. Of the gradients read at one time, the wrong
    one of the node made last is named: the sweep goes from the output down, so that is where its
    error enters; after a single backward(), when every node that uses it has a right gradient,
    the message points at the local derivatives of those nodes.
    """
    data, grad, data_scale, grad_scale = _exact(program)
    failed = "on %s, the step %s%s" % (about, error, line)
    reads, made, users = _reads(program)
    if error and any(math.isnan(got) for got in got_data + got_grad):
        last = min(index for index in range(len(reads)) if math.isnan(got_data[index]) or math.isnan(got_grad[index]))
        reads, got_data, got_grad = reads[:last], got_data[:last], got_grad[:last]   # the reads the run reached
    for index, read in enumerate(reads):
        if _wrong(data[index], got_data[index], data_scale[index]):
            return "on %s, %s, %s.data is not the correct value%s (%s: %s)" % (
                about, read.when, read.node, _hint(data[index], got_data[index]), read.node, read.made)
    for group in sorted({read.group for read in reads}):
        wrong = [index for index, read in enumerate(reads) if read.group == group
                 and _wrong(grad[index], got_grad[index], grad_scale[index])]
        if not wrong:
            continue
        index = max(wrong, key=lambda item: reads[item].created)
        read = reads[index]
        hint = _hint(grad[index], got_grad[index])
        if grad[index] == 0.0 and read.when.endswith("zero_grad()"):
            hint = ": zero_grad() should have set it to 0.0"
        where = ""
        right = {other.node for position, other in enumerate(reads) if other.group == group and position not in wrong}
        if ("backward", read.node) in read.calls:
            where = "; this is the node backward() is called on: each call adds its own derivative, 1"
        elif [call[0] for call in read.calls] == ["backward"] and users[read.node] and set(users[read.node]) <= right:
            where = ("; every node computed from %s has the right gradient, so what they pass back to %s is wrong: "
                     "their local derivative with respect to %s (%s), or an adjoint passed on before it was complete"
                     % (read.node, read.node, read.node, "; ".join(made[user] for user in users[read.node][:2])))
        return "on %s, %s, %s.grad is not the correct value%s (%s: %s)%s" % (
            about, read.when, read.node, hint, read.node, read.made, where)
    return failed if error else None


def judge_programs(cases, outcomes):
    """Every read of every program right to rounding (see the module's docstring); the first
    problem, in words, otherwise."""
    for case, outcome in zip(cases, outcomes):
        problem = _problem(case, outcome.value)
        if problem:
            return problem
    return None


def _kind(kind):
    return lambda case: case.id.split("/")[1] == kind


CHECKS = [
    Check("values (.data) of every operation, and .grad 0.0 before any backward()", "test_Value", OPERATIONS, 2,
          judge=judge_programs, applies_to=_kind("forward")),
    Check("+, - and unary -: values and derivatives, a plain number on either side", "test_Value", OPERATIONS, 2,
          judge=judge_programs, applies_to=_kind("add")),
    Check("* and /: values and derivatives, a plain number on either side", "test_Value", OPERATIONS, 2,
          judge=judge_programs, applies_to=_kind("mul")),
    Check("** with a plain number exponent (an int or a float)", "test_Value", OPERATIONS, 2,
          judge=judge_programs, applies_to=_kind("pow")),
    Check("exp()", "test_Value", OPERATIONS, 1, judge=judge_programs, applies_to=_kind("exp")),
    Check("tanh()", "test_Value", OPERATIONS, 1, judge=judge_programs, applies_to=_kind("tanh")),
    Check("relu(), whose derivative at exactly 0 is 0", "test_Value", OPERATIONS, 2,
          judge=judge_programs, applies_to=_kind("relu")),
    Check("random graphs with shared nodes: the gradient of every node", "test_backpropagate", SWEEP, 2,
          judge=judge_programs, applies_to=_kind("mixed")),
    Check("a node used 30 to 100 times: its gradient is the sum over its uses", "test_backpropagate", SWEEP, 2,
          judge=judge_programs, applies_to=_kind("reuse")),
    Check("a chain thousands of operations deep", "test_backpropagate", SWEEP, 2,
          judge=judge_programs, applies_to=_kind("deep")),
    Check("backward() twice, and on the output then an inner node: each call adds its own derivatives",
          "test_backpropagate", SWEEP, 2,
          judge=judge_programs, applies_to=_kind("twice")),
    Check("zero_grad(), then backward(): single gradients again", "test_backpropagate", SWEEP, 2,
          judge=judge_programs, applies_to=_kind("zero")),
]

MUTANTS = [
    # the operations: the cell that defines Value
    Mutant("mul_locals_swapped", OPERATIONS,
           "return Value(self.data * other.data, (self, other), (other.data, self.data))",
           "return Value(self.data * other.data, (self, other), (self.data, other.data))",
           "the local derivatives of a * b are swapped: d(a*b)/da is b, the other factor, and d(a*b)/db is a"),
    Mutant("mul_like_add", OPERATIONS,
           "return Value(self.data * other.data, (self, other), (other.data, self.data))",
           "return Value(self.data * other.data, (self, other), (1.0, 1.0))",
           "a * b passes its gradient on unchanged, as a sum would: the product rule multiplies it by the other "
           "factor, d(a*b)/da = b and d(a*b)/db = a"),
    Mutant("div_denominator_sign", OPERATIONS,
           "-self.data / other.data ** 2", "self.data / other.data ** 2",
           "d(a/b)/db has the wrong sign: it is -a / b**2 (a larger denominator makes the quotient smaller)"),
    Mutant("div_numerator_local", OPERATIONS,
           "(1.0 / other.data, -self.data / other.data ** 2)", "(other.data, -self.data / other.data ** 2)",
           "d(a/b)/da is taken as b: it is 1 / b"),
    Mutant("rsub_swapped", OPERATIONS,
           "return as_value(other) - self", "return self - as_value(other)",
           "k - a with a plain number k on the left computes a - k: __rsub__(self, other) is called for other - self, "
           "so the number comes first"),
    Mutant("rtruediv_swapped", OPERATIONS,
           "return as_value(other) / self", "return self / as_value(other)",
           "k / a with a plain number k on the left computes a / k: __rtruediv__(self, other) is called for "
           "other / self, so the number is the numerator"),
    Mutant("sub_right_sign", OPERATIONS,
           "return Value(self.data - other.data, (self, other), (1.0, -1.0))",
           "return Value(self.data - other.data, (self, other), (1.0, 1.0))",
           "d(a - b)/db is taken as 1: it is -1"),
    Mutant("neg_local_sign", OPERATIONS,
           "return Value(-self.data, (self,), (-1.0,))", "return Value(-self.data, (self,), (1.0,))",
           "the local derivative of -a is taken as 1: it is -1"),
    Mutant("pow_exponent_not_lowered", OPERATIONS,
           "exponent * self.data ** (exponent - 1)", "exponent * self.data ** exponent",
           "the derivative of x ** p is taken as p * x ** p: the power drops by one, p * x ** (p - 1)"),
    Mutant("exp_local_from_input", OPERATIONS,
           "return Value(out, (self,), (out,))", "return Value(out, (self,), (self.data,))",
           "the local derivative of exp(x) is taken as x: it is exp(x), the output itself"),
    Mutant("tanh_local_from_input", OPERATIONS,
           "(1.0 - t * t,)", "(1.0 - self.data ** 2,)",
           "the local derivative of tanh is computed from its input, 1 - x**2: it is 1 - tanh(x)**2, from the output"),
    Mutant("relu_one_at_zero", OPERATIONS,
           "(1.0 if self.data > 0 else 0.0,)", "(1.0 if self.data >= 0 else 0.0,)",
           "relu's derivative at exactly 0 is taken as 1: the release takes it as 0 (1 only where x > 0)"),
    # the sweep: the cell that defines backpropagate
    Mutant("adjoint_overwritten", SWEEP,
           "adjoint[parent] += adjoint[node] * local", "adjoint[parent] = adjoint[node] * local",
           "a node's adjoint is set by each use instead of summed (= instead of +=), so a node used more than once "
           "keeps only the contribution of the use processed last: add the contributions of every use"),
    Mutant("micrograd_sweep", SWEEP,
           "    adjoint = {node: 0.0 for node in order}\n    adjoint[root] = 1.0\n    for node in reversed(order):\n"
           "        for parent, local in zip(node.inputs, node.local):\n"
           "            adjoint[parent] += adjoint[node] * local\n    for node in order:\n"
           "        node.grad += adjoint[node]\n",
           "    root.grad = 1.0\n    for node in reversed(order):\n"
           "        for parent, local in zip(node.inputs, node.local):\n"
           "            parent.grad += node.grad * local\n",
           "the sweep passes each node's .grad on to its inputs: on a second backward() that .grad already holds "
           "the first call's gradient, so inner nodes get more than double (and the output's grad is set to 1, not "
           "increased by 1). Keep this call's adjoints apart (a dict, starting from 1 at the output), and add them "
           "to .grad at the end"),
    Mutant("grad_set_not_added", SWEEP,
           "node.grad += adjoint[node]", "node.grad = adjoint[node]",
           "backward() replaces .grad instead of adding to it: as in PyTorch, calling it twice must double every "
           "gradient (add with +=); zero_grad() is what resets them"),
    Mutant("sweep_from_the_inputs", SWEEP,
           "for node in reversed(order):", "for node in order:",
           "the sweep runs from the inputs to the output, so a node passes on its adjoint before any of its uses "
           "has added to it: go through the topological order in reverse, the output first"),
    Mutant("no_seed", SWEEP,
           "    adjoint[root] = 1.0\n", "",
           "the sweep starts from 0 at the output, so every gradient is 0: d(output)/d(output) = 1 is where it starts"),
    Mutant("recursive_order", SWEEP,
           "    order, visited = [], set()\n    stack = [(root, False)]\n    while stack:\n"
           "        node, inputs_placed = stack.pop()\n        if inputs_placed:\n            order.append(node)\n"
           "        elif node not in visited:\n            visited.add(node)\n"
           "            stack.append((node, True))\n            for parent in node.inputs:\n"
           "                if parent not in visited:\n                    stack.append((parent, False))\n"
           "    return order\n",
           "    order, visited = [], set()\n\n    def visit(node):\n        if node not in visited:\n"
           "            visited.add(node)\n            for parent in node.inputs:\n                visit(parent)\n"
           "            order.append(node)\n    visit(root)\n    return order\n",
           "the topological order is found by recursion, one nested call per node along a path: a graph thousands "
           "of nodes deep exceeds Python's recursion limit (about 1000). Keep a stack of your own, a list, and loop"),
    Mutant("order_by_distance", SWEEP,
           "    order, visited = [], set()\n    stack = [(root, False)]\n    while stack:\n"
           "        node, inputs_placed = stack.pop()\n        if inputs_placed:\n            order.append(node)\n"
           "        elif node not in visited:\n            visited.add(node)\n"
           "            stack.append((node, True))\n            for parent in node.inputs:\n"
           "                if parent not in visited:\n                    stack.append((parent, False))\n"
           "    return order\n",
           "    queue, visited = [root], {root}\n    for node in queue:\n        for parent in node.inputs:\n"
           "            if parent not in visited:\n                visited.add(parent)\n"
           "                queue.append(parent)\n    return queue[::-1]\n",
           "the order is by distance from the output (a breadth-first search), which is not a topological order: a "
           "node reached both by a short path and by a long one passes on its adjoint before the long path has "
           "added to it. Place a node only after every node that uses it has been processed: a depth-first search "
           "that appends a node after all of its inputs"),
    Mutant("zero_grad_output_only", SWEEP,
           "    for node in topological_order(root):\n        node.grad = 0.0\n", "    root.grad = 0.0\n",
           "zero_grad() resets only the node it is called on: it sets .grad = 0.0 on every node of its graph"),
    Mutant("zero_grad_to_none", SWEEP,
           "        node.grad = 0.0\n", "        node.grad = None\n",
           "zero_grad() sets .grad to None (as PyTorch may): the release asks for the float 0.0, which the next "
           "backward() can add to"),
]
