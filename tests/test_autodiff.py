"""The scalar engine of backprop.autodiff against SymPy's derivatives and centred differences."""
import math
import sys

import numpy as np
import pytest
import sympy as sp

from backprop.autodiff import Value, topological_order

STEP = 1e-6


def centred_difference(function, point, k):
    """(f(x + h e_k) - f(x - h e_k)) / 2h for a function of a list of floats."""
    plus, minus = list(point), list(point)
    plus[k] += STEP
    minus[k] -= STEP
    return (function(plus) - function(minus)) / (2 * STEP)


def close(a, b, tolerance):
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


# Each operation as (name, how the engine computes it, how SymPy writes it, a point):
# the same expression twice, so that the two derivatives come from independent sources.
OPERATIONS = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, (0.7, -1.3)),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, (0.7, -1.3)),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, (0.7, -1.3)),
    ("div", lambda a, b: a / b, lambda a, b: a / b, (0.7, -1.3)),
    ("neg", lambda a: -a, lambda a: -a, (0.7,)),
    ("square", lambda a: a ** 2, lambda a: a ** 2, (-0.8,)),
    ("cube", lambda a: a ** 3, lambda a: a ** 3, (-0.8,)),
    ("reciprocal", lambda a: a ** -1, lambda a: a ** -1, (-0.8,)),
    ("sqrt", lambda a: a ** 0.5, lambda a: a ** sp.Rational(1, 2), (1.7,)),
    ("power 2.5", lambda a: a ** 2.5, lambda a: a ** sp.Rational(5, 2), (1.7,)),
    ("exp", lambda a: a.exp(), sp.exp, (0.4,)),
    ("tanh", lambda a: a.tanh(), sp.tanh, (0.4,)),
    ("relu, positive", lambda a: a.relu(), lambda a: sp.Max(0, a), (0.4,)),
    ("relu, negative", lambda a: a.relu(), lambda a: sp.Max(0, a), (-0.4,)),
    ("number + a", lambda a: 2 + a, lambda a: 2 + a, (0.4,)),
    ("number * a", lambda a: 2 * a, lambda a: 2 * a, (0.4,)),
    ("number - a", lambda a: 2 - a, lambda a: 2 - a, (0.4,)),
    ("number / a", lambda a: 2 / a, lambda a: 2 / a, (0.4,)),
    ("a + number", lambda a: a + 2, lambda a: a + 2, (0.4,)),
    ("a * number", lambda a: a * 2, lambda a: a * 2, (0.4,)),
    ("a - number", lambda a: a - 2, lambda a: a - 2, (0.4,)),
    ("a / number", lambda a: a / 2, lambda a: a / 2, (0.4,)),
]


@pytest.mark.parametrize("name, engine, symbolic, point", OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_every_operation_against_sympy_and_finite_differences(name, engine, symbolic, point):
    leaves = [Value(p) for p in point]
    out = engine(*leaves)
    out.backward()
    symbols = sp.symbols("a0:%d" % len(point), real=True)
    expression = symbolic(*symbols)
    at = dict(zip(symbols, point))
    assert close(out.data, float(expression.subs(at)), 1e-12)
    for k, leaf in enumerate(leaves):
        exact = float(sp.diff(expression, symbols[k]).subs(at))
        numeric = centred_difference(lambda p: engine(*[Value(v) for v in p]).data, point, k)
        assert close(leaf.grad, exact, 1e-12), (name, k, leaf.grad, exact)
        assert close(leaf.grad, numeric, 1e-6), (name, k, leaf.grad, numeric)


def random_expression(seed, leaves=3, steps=14):
    """A random expression built twice, as Values and as SymPy, over ``leaves`` inputs.

    Returns ``(build, symbols, expression, point)``: ``build(point)`` rebuilds the Values from a
    list of floats and returns ``(output, leaf_values)``. Operands are drawn from all nodes built
    so far, so nodes are reused; an operation is only applied where it is smooth and tame
    (division by numbers far from 0, exp of moderate numbers, relu away from its kink).
    """
    rng = np.random.default_rng(seed)
    point = list(rng.uniform(-1.5, 1.5, leaves))
    symbols = list(sp.symbols("x0:%d" % leaves, real=True))
    plan, values = [], list(point)          # plan: (operation, operand indices), values: floats
    names = ["add", "mul", "sub", "div", "neg", "square", "cube", "sqrt", "exp", "tanh", "relu",
             "radd", "rsub", "rmul", "rdiv"]
    while len(plan) < steps:
        name = names[rng.integers(len(names))]
        i, j = (int(k) for k in rng.integers(len(values), size=2))
        a, b = values[i], values[j]
        forward = {"add": lambda: a + b, "mul": lambda: a * b, "sub": lambda: a - b,
                   "div": lambda: a / b if abs(b) > 0.3 else None, "neg": lambda: -a,
                   "square": lambda: a * a, "cube": lambda: a ** 3,
                   "sqrt": lambda: a ** 0.5 if a > 0.1 else None,
                   "exp": lambda: math.exp(a) if abs(a) < 3 else None, "tanh": lambda: math.tanh(a),
                   "relu": lambda: max(a, 0.0) if abs(a) > 1e-3 else None,
                   "radd": lambda: 1.5 + a, "rsub": lambda: 1.5 - a, "rmul": lambda: 1.5 * a,
                   "rdiv": lambda: 1.5 / a if abs(a) > 0.3 else None}[name]()
        if forward is None or abs(forward) > 50:
            continue
        plan.append((name, i, j))
        values.append(forward)
    # the output is the sum of every node built, so that the whole plan matters, and every
    # node used as an operand is used at least twice
    total = leaves
    for k in range(leaves + 1, len(values)):
        plan.append(("add", total, k))
        total = leaves + len(plan) - 1          # the index of the node just planned

    def apply(name, a, b, symbolic):
        table = {"add": lambda: a + b, "mul": lambda: a * b, "sub": lambda: a - b,
                 "div": lambda: a / b, "neg": lambda: -a, "square": lambda: a ** 2,
                 "cube": lambda: a ** 3,
                 "sqrt": lambda: a ** (sp.Rational(1, 2) if symbolic else 0.5),
                 "exp": lambda: sp.exp(a) if symbolic else a.exp(),
                 "tanh": lambda: sp.tanh(a) if symbolic else a.tanh(),
                 "relu": lambda: sp.Max(0, a) if symbolic else a.relu(),
                 "radd": lambda: 1.5 + a, "rsub": lambda: 1.5 - a, "rmul": lambda: 1.5 * a,
                 "rdiv": lambda: 1.5 / a}
        if symbolic and name in ("radd", "rsub", "rmul", "rdiv"):
            a_number = sp.Rational(3, 2)
            return {"radd": a_number + a, "rsub": a_number - a, "rmul": a_number * a,
                    "rdiv": a_number / a}[name]
        return table[name]()

    def build(at):
        nodes = [Value(v) for v in at]
        for name, i, j in plan:
            nodes.append(apply(name, nodes[i], nodes[j], symbolic=False))
        return nodes[-1], nodes[:leaves]

    expressions = list(symbols)
    for name, i, j in plan:
        expressions.append(apply(name, expressions[i], expressions[j], symbolic=True))
    return build, symbols, expressions[-1], point


@pytest.mark.parametrize("seed", range(8))
def test_random_expressions_against_sympy_and_finite_differences(seed):
    build, symbols, expression, point = random_expression(seed)
    out, leaves = build(point)
    out.backward()
    at = dict(zip(symbols, point))
    assert close(out.data, float(expression.subs(at)), 1e-10)
    for k, leaf in enumerate(leaves):
        exact = float(sp.diff(expression, symbols[k]).subs(at))
        numeric = centred_difference(lambda p: build(p)[0].data, point, k)
        assert close(leaf.grad, exact, 1e-10), (seed, k, leaf.grad, exact)
        assert close(leaf.grad, numeric, 1e-5), (seed, k, leaf.grad, numeric)


def test_random_expressions_reuse_nodes():
    """The generator really builds graphs where one node feeds several operations."""
    reused = 0
    for seed in range(8):
        out, _ = random_expression(seed)[0](random_expression(seed)[3])
        uses = {}
        for node in topological_order(out):
            for parent in node.inputs:
                uses[id(parent)] = uses.get(id(parent), 0) + 1
        reused += max(uses.values()) > 1
    assert reused == 8


def test_a_node_used_fifty_times_gets_the_sum():
    x = Value(1.3)
    total = x
    for _ in range(49):
        total = total + x
    total.backward()
    assert x.grad == 50.0

    x = Value(1.01)
    product = x
    for _ in range(49):
        product = product * x
    product.backward()
    assert close(product.data, 1.01 ** 50, 1e-12)
    assert close(x.grad, 50 * 1.01 ** 49, 1e-12)

    x = Value(0.3)                       # reused across branches of different kinds
    branches = [x * k for k in range(1, 51)]
    out = branches[0]
    for branch in branches[1:]:
        out = out + branch.tanh()
    out.backward()
    expected = 1 + sum(k * (1 - math.tanh(k * 0.3) ** 2) for k in range(2, 51))
    assert close(x.grad, expected, 1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_backward_twice_doubles_every_grad_exactly(seed):
    build, _, _, point = random_expression(seed)
    out, _ = build(point)
    out.backward()
    once = [(node, node.grad) for node in topological_order(out)]
    assert any(g != 0 for _, g in once)
    out.backward()
    for node, g in once:
        assert node.grad == 2 * g


def test_backward_twice_on_the_chain_of_two_multiplications():
    x = Value(5.0)
    y = 2 * x
    z = 3 * y
    z.backward()
    assert (x.grad, y.grad, z.grad) == (6.0, 3.0, 1.0)
    z.backward()
    assert (x.grad, y.grad, z.grad) == (12.0, 6.0, 2.0)


def test_zero_grad_resets_every_node_of_the_graph():
    build, _, _, point = random_expression(3)
    out, leaves = build(point)
    out.backward()
    first = [node.grad for node in topological_order(out)]
    out.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(out))
    out.backward()
    assert [node.grad for node in topological_order(out)] == first


def test_a_chain_5000_deep_needs_no_recursion():
    x = Value(0.5)
    node = x
    for _ in range(5000):
        node = (node * 1.0001).tanh() + 0.0
    limit = sys.getrecursionlimit()
    node.backward()
    assert sys.getrecursionlimit() == limit
    assert len(topological_order(node)) == 1 + 5000 * 5
    # the derivative of the chain, step by step with floats
    value, derivative = 0.5, 1.0
    for _ in range(5000):
        value = math.tanh(value * 1.0001)
        derivative *= 1.0001 * (1 - value ** 2)
    assert close(node.data, value, 1e-12)
    assert close(x.grad, derivative, 1e-9)
    node.zero_grad()
    assert x.grad == 0.0


def test_plain_numbers_on_both_sides():
    a = Value(4.0)
    results = {"2 + a": 2 + a, "a + 2": a + 2, "2 * a": 2 * a, "a * 2": a * 2,
               "2 - a": 2 - a, "a - 2": a - 2, "2 / a": 2 / a, "a / 2": a / 2}
    expected = {"2 + a": (6, 1), "a + 2": (6, 1), "2 * a": (8, 2), "a * 2": (8, 2),
                "2 - a": (-2, -1), "a - 2": (2, 1), "2 / a": (0.5, -2 / 16), "a / 2": (2, 0.5)}
    for name, out in results.items():
        a.grad = 0.0
        out.backward()
        assert isinstance(out, Value), name
        assert (out.data, a.grad) == expected[name], name
    assert isinstance(3 + a, Value) and isinstance(np.float64(3.0) * Value(1.0), Value)


def test_relu_at_exactly_zero_has_derivative_zero():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)
    x = Value(2.5)                        # x - x is exactly 0
    y = (x - x).relu() + x
    y.backward()
    assert x.grad == 1.0


def test_construction_and_refusals():
    v = Value(3)
    assert isinstance(v.data, float) and v.data == 3.0 and v.grad == 0.0
    assert v.inputs == () and v.op == ""
    with pytest.raises(TypeError):
        v ** Value(2.0)
    with pytest.raises(TypeError):
        v + "1"
    with pytest.raises(ValueError):
        Value(-2.0) ** 0.5
    assert (Value(0.0) ** 0.5).local == (math.inf,)
    assert (Value(0.0) ** 0).local == (0.0,) and (Value(0.0) ** 0).data == 1.0


def test_topological_order_puts_inputs_first_and_each_node_once():
    build, _, _, point = random_expression(5)
    out, leaves = build(point)
    order = topological_order(out)
    position = {id(node): k for k, node in enumerate(order)}
    assert len(position) == len(order) and order[-1] is out
    for node in order:
        for parent in node.inputs:
            assert position[id(parent)] < position[id(node)]
    assert all(id(leaf) in position for leaf in leaves)
