"""Attacks on assignment a1, whose answers are SymPy expressions evaluated at secret points.

a1 asks for the forward value of every node, in the graph's inputs, and for every step of the
backward pass written as an upstream symbol (``g_q``, the gradient arriving at node ``q``) times
the node's local gradient, in the symbols that ``backprop.scalar_graphs.ALLOWED`` lists for that
answer. The sandbox evaluates each answer at secret points where every symbol, upstream gradients
and node values included, takes an independent random value.

Each test grades the blank release (or the solution) with one more code cell, as a student would
submit it, and asserts what a secure grader does: a gradient found without the chain rule (by
differentiating the whole graph, or numerically at the points of the job file) earns no point for
a step that starts from an upstream gradient, a cheat earns nothing it did not work for, an honest
answer that is correct in an unusual form earns full marks, an answer that cannot be evaluated
costs only its own check, a call cannot escape its time limit, and no verdict tells a student a
value computed on the secret points. A test that fails here is an open weakness of the grader.
"""
import functools
import json
import re

import pytest

from backprop import scalar_graphs
from grader import assignments, course, secret
from grader.checks import DECIMAL
from grader.mutants import read_notebook
from grader.sandbox import Limits
from grader.verify import grade_notebook, reference_outputs
from tests.conftest import with_cell

A1 = "a1_computation_graphs"
KEY = secret.one_time_secret()


@functools.lru_cache(maxsize=None)
def _assignment():
    return assignments.load(A1)


@functools.lru_cache(maxsize=None)
def _notebooks():
    return read_notebook(course.solution_notebook(A1)), read_notebook(course.release_notebook(A1))


def _solution():
    return _notebooks()[0]


def _blank():
    return _notebooks()[1]


def _grade(folder, notebook, student="student", limits=None):
    """The verdict on ``notebook`` and the bytes that were graded (they draw the secret points)."""
    path = folder / "submitted" / student / A1 / (A1 + ".ipynb")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook))
    options = {"limits": limits} if limits is not None else {}
    verdict = grade_notebook(path, _assignment(), course.solution_notebook(A1), KEY, student, **options)
    assert verdict.status == "graded", verdict.reason
    return verdict, path.read_bytes()


def _failed(verdict):
    return [(check["name"], check["message"]) for check in verdict.checks if not check["passed"]]


def _passed(verdict):
    return [check["name"] for check in verdict.checks if check["passed"]]


def _passed_ids(verdict):
    return {(check["grade_id"], check["name"]) for check in verdict.checks if check["passed"]}


def _messages(verdict):
    return [check["message"] for check in verdict.checks] + list(verdict.problems)


def _id(check):
    return check.grade_id, check.name


def _keys(check):
    return [path[0] for path, _ in check.parts]


def _is_forward(check):
    return check.name.startswith("forward values")


def _starts_from_upstream(check):
    """A step check with an answer written in an upstream symbol: a step that takes the chain rule."""
    allowed = scalar_graphs.ALLOWED[check.function]
    return any(name.startswith("g_") for key in _keys(check) for name in allowed.get(key, ()))


def _forward_points():
    return sum(check.points for check in _assignment().CHECKS if _is_forward(check))


def _output_node_points():
    """Points of the steps at the output node, whose upstream gradient is 1: there the derivative of
    the whole graph with respect to the node IS the node's local gradient, so such a step is right
    however it was found."""
    return sum(check.points for check in _assignment().CHECKS
               if not _is_forward(check) and not _starts_from_upstream(check))


def _chain_rule_checks():
    return {_id(check) for check in _assignment().CHECKS if _starts_from_upstream(check)}


def _points_of(function):
    return sum(check.points for check in _assignment().CHECKS if check.function == function)


def _secret_cases(data, student="student"):
    return _assignment().make_cases(secret.case_generator(KEY, A1, student, data))


def _reference_values(data, student="student"):
    """Every value of the reference at the submission's secret points."""
    cases = _secret_cases(data, student)
    found = []
    for answers in reference_outputs(cases, _assignment().reference).values():
        for answer in answers.values():
            found.extend(float(value) for value in getattr(answer, "values", [answer]))
    return [value for value in found if value != round(value)]


def _significant(token):
    mantissa = re.split("[eE]", token)[0].lstrip("+-")
    return len(mantissa.replace(".", "").lstrip("0"))


def _quoted_reference_values(verdict, data, student="student"):
    """Tokens of the messages that are a reference value rounded to their own precision (2+ digits)."""
    values = _reference_values(data, student)
    quoted = []
    for message in _messages(verdict):
        for token in DECIMAL.findall(message):
            digits = _significant(token)
            if digits >= 2 and any(float("%.*g" % (digits, value)) == float(token) for value in values):
                quoted.append((token, message))
    return quoted


def _assert_no_step_that_takes_the_chain_rule(verdict):
    """The secure outcome of a gradient found without the chain rule: the honest forward values
    earn their points, no step that starts from an upstream gradient does, and nothing beyond the
    steps at the output node (which are their own local gradients) is earned."""
    forward = {_id(check) for check in _assignment().CHECKS if _is_forward(check)}
    assert forward <= _passed_ids(verdict), _failed(verdict)  # the cheat itself works as written
    assert not _passed_ids(verdict) & _chain_rule_checks(), sorted(_passed_ids(verdict) & _chain_rule_checks())
    assert verdict.score <= _forward_points() + _output_node_points(), _passed(verdict)


# --- gradients that nobody worked out ---------------------------------------------------------

# Every step is the derivative of the graph's output, taken by sp.diff of the whole graph with
# respect to the step's variable (a node is kept as a symbol, everything it feeds is composed
# into it). COMPOSED leaves the result in the inputs; RENAMED then puts the node symbols back
# wherever a node's formula appears, so that the answers use the symbols a step may use.
WHOLE_GRAPH = '''
import sympy as sp

def _expand(expression, nodes, keep=None):
    for symbol, formula in reversed(nodes):
        if symbol != keep:
            expression = expression.subs(symbol, formula)
    return expression

def _answers(nodes, output_name, output, steps):
    answers = {str(symbol): _expand(symbol, nodes) for symbol, _ in nodes}
    answers[output_name] = _expand(output, nodes)
    for key, variable in steps.items():
        derivative = sp.diff(_expand(output, nodes, keep=variable), variable)
        if RENAMED:
            for symbol, formula in reversed(nodes):
                derivative = derivative.subs(formula, symbol).subs(_expand(formula, nodes), symbol)
        else:
            derivative = _expand(derivative, nodes)
        answers[key] = derivative
    return answers

def graph_sum_times():
    x, y, z, q = sp.symbols("x y z q")
    return _answers([(q, x + y)], "f", q * z, {"df_dq": q, "df_dz": z, "df_dx": x, "df_dy": y})

def graph_polynomial():
    x, y, p, r = sp.symbols("x y p r")
    return _answers([(p, x ** 2 * y), (r, 3 * x * y ** 2)], "f", p + r,
                    {"df_dp": p, "df_dr": r, "df_dx": x, "df_dy": y})

def graph_logistic_regression():
    w1, w2, b, x1, x2, y, z, a = sp.symbols("w1 w2 b x1 x2 y z a")
    return _answers([(z, w1 * x1 + w2 * x2 + b), (a, 1 / (1 + sp.exp(-z)))], "L",
                    -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
                    {"dL_da": a, "dL_dz": z, "dL_dw1": w1, "dL_dw2": w2, "dL_db": b})

def graph_fan_out():
    x, y, a, b = sp.symbols("x y a b")
    return _answers([(a, x + y), (b, x * y)], "g", a * b, {"dg_da": a, "dg_db": b, "dg_dx": x, "dg_dy": y})
'''

WHOLE_GRAPH_CHEATS = {"composed_in_the_inputs": "RENAMED = False\n" + WHOLE_GRAPH,
                      "node_symbols_put_back": "RENAMED = True\n" + WHOLE_GRAPH}


@pytest.mark.parametrize("cheat", sorted(WHOLE_GRAPH_CHEATS))
def test_gradients_by_sp_diff_of_the_whole_graph_earn_no_step_that_takes_the_chain_rule(cheat, tmp_path):
    """The docstrings state every forward formula, so ``sp.diff`` of the whole graph gives every
    gradient of the output without one local gradient or upstream symbol: df_dx of f = (x + y) z is
    z, dg_dx of g = (x + y) x y is 2 x y + y**2. The grader draws the upstream symbols and the node
    values independently of the inputs, so such an answer, in the inputs or with the node symbols
    put back, does not take the values of upstream times local: no step check that starts from an
    upstream gradient passes. Only the steps at the output node, which are their own local
    gradients, and the honest forward values may earn points."""
    verdict, _ = _grade(tmp_path, with_cell(_blank(), WHOLE_GRAPH_CHEATS[cheat]))
    _assert_no_step_that_takes_the_chain_rule(verdict)


# Only the forward formulas of the docstrings: every step is a numerical derivative of the graph's
# output (mpmath, no symbolic work) at the points the job file lists, with the job's values of the
# symbols the step may use and every other node computed from the inputs, fitted to those points
# in the step's own symbols: a Piecewise that takes the numbers exactly at the points (its
# conditions in the step's symbols, or in every symbol of the job) or an interpolating polynomial.
NUMERICAL = '''
import json
import mpmath
import numpy as np
import sympy as sp

def _evaluate_at(function):
    with open("/grading/job.json") as handle:
        job = json.load(handle)
    return next(call for call in job["calls"] if call["function"] == function)["evaluate_at"]

def _fitted(names, points, values):
    symbols = [sp.Symbol(name) for name in names]
    if FIT == "polynomial":
        basis = [sp.Integer(1)] + symbols + [s * t for i, s in enumerate(symbols) for t in symbols[i:]]
        basis = basis[:len(points)]
        matrix = np.array([[float(term.subs(dict(zip(symbols, point)))) for term in basis] for point in points])
        coefficients = np.linalg.lstsq(matrix, np.array(values), rcond=None)[0]
        return sp.Add(*[sp.Float(float(c)) * term for c, term in zip(coefficients, basis)])
    at = [sp.Eq(sp.Add(*[(s - sp.Float(c)) ** 2 for s, c in zip(symbols, point)]), 0) for point in points]
    return sp.Piecewise(*[(sp.Float(value), condition) for value, condition in zip(values, at)], (sp.nan, True))

def _answers(function, inputs, forward, output, forward_answers, steps):
    mpmath.mp.dps = 40
    evaluate_at = _evaluate_at(function)
    names, points = evaluate_at["symbols"], evaluate_at["points"]
    answers = dict(forward_answers)
    for key, variable in steps.items():
        allowed = evaluate_at["allowed"][key]
        fitted_on = names if FIT == "piecewise_over_every_symbol" else allowed
        values = []
        for point in points:
            given = {name: mpmath.mpf(c) for name, c in zip(names, point) if name in inputs or name in allowed}
            start = given[variable] if variable in given else forward(given)[variable]
            values.append(float(mpmath.diff(lambda t: forward(dict(given, **{variable: t}))[output], start)))
        coordinates = [[point[names.index(name)] for name in fitted_on] for point in points]
        answers[key] = _fitted(fitted_on, coordinates, values)
    return answers

def graph_sum_times():
    x, y, z = sp.symbols("x y z")
    def forward(v):
        q = v.get("q", v["x"] + v["y"])
        return {"q": q, "f": q * v["z"]}
    return _answers("graph_sum_times", "x y z".split(), forward, "f", {"q": x + y, "f": (x + y) * z},
                    {"df_dq": "q", "df_dz": "z", "df_dx": "x", "df_dy": "y"})

def graph_polynomial():
    x, y = sp.symbols("x y")
    def forward(v):
        p = v.get("p", v["x"] ** 2 * v["y"])
        r = v.get("r", 3 * v["x"] * v["y"] ** 2)
        return {"p": p, "r": r, "f": p + r}
    return _answers("graph_polynomial", "x y".split(), forward, "f",
                    {"p": x ** 2 * y, "r": 3 * x * y ** 2, "f": x ** 2 * y + 3 * x * y ** 2},
                    {"df_dp": "p", "df_dr": "r", "df_dx": "x", "df_dy": "y"})

def graph_logistic_regression():
    w1, w2, b, x1, x2, y = sp.symbols("w1 w2 b x1 x2 y")
    def forward(v):
        if "z" in v:  # z nudged: the sigmoid follows it
            z = v["z"]
            a = 1 / (1 + mpmath.exp(-z))
        elif "a" in v:  # a from the job: z is where the sigmoid gives it
            a = v["a"]
            z = mpmath.log(a / (1 - a))
        else:
            z = v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"]
            a = 1 / (1 + mpmath.exp(-z))
        return {"z": z, "a": a, "L": -(v["y"] * mpmath.log(a) + (1 - v["y"]) * mpmath.log(1 - a))}
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + sp.exp(-z))
    return _answers("graph_logistic_regression", "w1 w2 b x1 x2 y".split(), forward, "L",
                    {"z": z, "a": a, "L": -(y * sp.log(a) + (1 - y) * sp.log(1 - a))},
                    {"dL_da": "a", "dL_dz": "z", "dL_dw1": "w1", "dL_dw2": "w2", "dL_db": "b"})

def graph_fan_out():
    x, y = sp.symbols("x y")
    def forward(v):
        a = v.get("a", v["x"] + v["y"])
        b = v.get("b", v["x"] * v["y"])
        return {"a": a, "b": b, "g": a * b}
    return _answers("graph_fan_out", "x y".split(), forward, "g", {"a": x + y, "b": x * y, "g": (x + y) * x * y},
                    {"dg_da": "a", "dg_db": "b", "dg_dx": "x", "dg_dy": "y"})
'''


@pytest.mark.parametrize("fit", ["piecewise", "piecewise_over_every_symbol", "polynomial"])
def test_gradients_by_numerical_differentiation_at_the_job_points_earn_no_step_that_takes_the_chain_rule(
        fit, tmp_path):
    """The same without any symbolic work: the student's code reads the secret points from
    /grading/job.json, differentiates the forward formulas numerically there (mpmath at 40
    digits) and answers with an expression fitted to those numbers at those points. The points
    give the upstream symbols values of their own, so a whole-graph derivative at the job's inputs
    is not upstream times local, and no fit of it earns a step that starts from an upstream
    gradient."""
    verdict, _ = _grade(tmp_path, with_cell(_blank(), ("FIT = %r\n" % fit) + NUMERICAL))
    _assert_no_step_that_takes_the_chain_rule(verdict)


# --- honest answers in unusual forms ----------------------------------------------------------

POLY = '''
def graph_polynomial():
    x, y, g_p, g_r = sp.symbols("x y g_p g_r")
    p = sp.Poly(x ** 2 * y, x, y)
    r = sp.Poly(3 * x * y ** 2, x, y)
    return {"p": p, "r": r, "f": p + r, "df_dp": sp.Poly(1, sp.Symbol("p")), "df_dr": 1,
            "df_dx": g_p * p.diff(x) + g_r * r.diff(x), "df_dy": sp.Poly(g_p * x ** 2 + 6 * g_r * x * y, g_p, g_r)}
'''

ONE_BAD_KEY = {
    "tuple_of_the_two_paths": "sp.Tuple(g_p * x ** 2, g_r * 6 * x * y)",
    "lambda": "sp.Lambda(x, g_p * x ** 2 + g_r * 6 * x * y)",
    "boolean": "sp.Eq(g_p * x ** 2 + g_r * 6 * x * y, g_p * x ** 2 + g_r * 6 * x * y)",
    "matrix": "sp.ImmutableMatrix([g_p * x ** 2, g_r * 6 * x * y])",
    "doit_raises": "Broken(x)",
}

ONE_BAD_KEY_CELL = '''
class Broken(sp.Function):
    def doit(self, **hints):
        raise RecursionError("no end")
def graph_polynomial():
    x, y, p, r, g_p, g_r = sp.symbols("x y p r g_p g_r")
    return {"p": x ** 2 * y, "r": 3 * x * y ** 2, "f": x ** 2 * y + 3 * x * y ** 2, "df_dp": 1, "df_dr": 1,
            "df_dx": g_p * 2 * x * y + g_r * 3 * y ** 2, "df_dy": BAD}
'''

UNEVALUATED = '''
def graph_sum_times():
    x, y, z, q, g_q = sp.symbols("x y z q g_q")
    upstream, local = sp.UnevaluatedExpr(g_q), sp.UnevaluatedExpr(sp.diff(x + y, x))
    return {"q": sp.UnevaluatedExpr(x) + sp.UnevaluatedExpr(y), "f": sp.UnevaluatedExpr(x + y) * z,
            "df_dq": sp.UnevaluatedExpr(z) * sp.UnevaluatedExpr(1), "df_dz": sp.UnevaluatedExpr(q),
            "df_dx": upstream * local, "df_dy": upstream * local}
'''


def test_correct_answers_given_as_a_poly_get_full_marks(tmp_path):
    """``sp.Poly`` answers (forward values, a constant, upstream times a Poly's derivative, a Poly
    in the upstream symbols) are correct, and the release's own check cell says "all checks
    passed" for them: the harness takes a Poly as its expression, so they earn full marks."""
    verdict, _ = _grade(tmp_path, with_cell(_solution(), POLY))
    assert verdict.score == verdict.max_score, _failed(verdict)


@pytest.mark.parametrize("bad", sorted(ONE_BAD_KEY))
def test_one_answer_that_cannot_be_evaluated_costs_only_its_own_check(bad, tmp_path):
    """df_dy given as a sp.Tuple of the two paths, a Lambda, a Boolean, a Matrix or an expression
    whose ``doit`` raises is wrong, and only the df_dy check says so: the correct p, r, f, df_dp,
    df_dr and df_dx of the same dict keep their three checks."""
    cell = ONE_BAD_KEY_CELL.replace("BAD", ONE_BAD_KEY[bad])
    verdict, data = _grade(tmp_path, with_cell(_solution(), cell))
    assert [name for name, _ in _failed(verdict)] == ["df_dy"], _failed(verdict)
    assert verdict.score == verdict.max_score - 1
    assert not _quoted_reference_values(verdict, data)


def test_correct_answers_written_with_unevaluated_expr_get_full_marks(tmp_path):
    """Upstream times local kept visible with sp.UnevaluatedExpr is correct, and the release's
    check cell passes it; the harness calls ``doit`` before it evaluates, so the wrappers are
    unwrapped and the answers earn full marks."""
    verdict, _ = _grade(tmp_path, with_cell(_solution(), UNEVALUATED))
    assert verdict.score == verdict.max_score, _failed(verdict)


ASSUMPTIONS = '''
def graph_sum_times():
    x, y, z, q = sp.symbols("x y z q", positive=True)
    g_q = sp.Symbol("g_q", real=True)
    return {"q": x + y, "f": (x + y) * z, "df_dq": z, "df_dz": q, "df_dx": g_q, "df_dy": g_q * sp.S.One}
def graph_polynomial():
    x, y, p, r = sp.symbols("x y p r", real=True)
    g_p, g_r = sp.symbols("g_p g_r", nonzero=True)
    return {"p": x ** 2 * y, "r": 3 * x * y ** 2, "f": x ** 2 * y + 3 * x * y ** 2, "df_dp": sp.S.One,
            "df_dr": sp.Rational(2, 2), "df_dx": g_p * 2 * x * y + g_r * 3 * y ** 2,
            "df_dy": g_p * x ** 2 + g_r * 6 * x * y}
def graph_logistic_regression():
    w1, w2, b, x1, x2 = sp.symbols("w1 w2 b x1 x2", real=True)
    y, a = sp.symbols("y a", positive=True)
    g_a, g_z = sp.symbols("g_a g_z", extended_real=True)
    z = w1 * x1 + w2 * x2 + b
    return {"z": z, "a": sp.exp(z) / (1 + sp.exp(z)), "L": sp.log(1 + sp.exp(-z)) + (1 - y) * z,
            "dL_da": (a - y) / (a * (1 - a)), "dL_dz": g_a * a * (1 - a), "dL_dw1": g_z * x1,
            "dL_dw2": x2 * g_z, "dL_db": g_z}
def graph_fan_out():
    x, y, a, b = sp.symbols("x y a b", nonzero=True)
    g_a, g_b = sp.symbols("g_a g_b", finite=True)
    return {"a": x + y, "b": x * y, "g": x ** 2 * y + x * y ** 2, "dg_da": b, "dg_db": a,
            "dg_dx": g_a + g_b * y, "dg_dy": g_a + g_b * x}
'''

UNUSUAL_FORMS = '''
import numpy as np
from collections import OrderedDict
def graph_polynomial():
    x, y, g_p, g_r = sp.symbols("x y g_p g_r")
    p, r = x ** 2 * y, 3 * x * y ** 2
    return OrderedDict([("p", p), ("r", r), ("f", p + r), ("df_dp", np.float64(1.0)), ("df_dr", np.int64(1)),
                        ("df_dx", 2.0 * g_p * x * y + g_r * 3 * y ** 2),
                        ("df_dy", g_p * x ** 2 + sp.Float(6) * g_r * x * y)])
def graph_sum_times():
    x, y, z, q, g_q = (sp.Dummy(name) for name in ["x", "y", "z", "q", "g_q"])
    return {"q": (x ** 2 - y ** 2) / (x - y), "f": (x + y) * z * sp.Heaviside(x ** 2 + 1),
            "df_dq": sp.Piecewise((z, z > -100), (sp.nan, True)), "df_dz": sp.Max(q, q - 1),
            "df_dx": sp.Derivative(g_q * (x + y), x), "df_dy": sp.Subs(sp.Symbol("G") * sp.diff(x + y, y),
                                                                     sp.Symbol("G"), g_q)}
def graph_logistic_regression():
    w1, w2, b, x1, x2, y, a, g_a, g_z = sp.symbols("w1 w2 b x1 x2 y a g_a g_z")
    z = w1 * x1 + w2 * x2 + b
    sigmoid = (1 + sp.tanh(z / 2)) / 2
    return {"z": z, "a": 1 / (1 + sp.E ** (-z)), "L": -(y * sp.log(sigmoid) + (1 - y) * sp.log(1 - sigmoid)),
            "dL_da": -y / a + (1 - y) / (1 - a), "dL_dz": g_a * (a - a ** 2),
            "dL_dw1": g_z * sp.Derivative(z, w1), "dL_dw2": sp.expand(g_z * x2),
            "dL_db": sp.simplify(g_z * sp.diff(z, b))}
def graph_fan_out():
    x, y, a, b, g_a, g_b = sp.symbols("x y a b g_a g_b")
    class Answers(dict):
        def __getitem__(self, key):
            return 0
        def items(self):
            return []
    many = sp.Add(*[x * y / 2000 for _ in range(2000)], evaluate=False)
    return Answers({"a": x + y, "b": many, "g": sp.expand((x + y) * x * y), "dg_da": b * sp.Integer(1),
                    "dg_db": a + 0 * sp.I, "dg_dx": g_a * sp.diff(x + y, x) + g_b * sp.diff(x * y, x),
                    "dg_dy": sp.Mul(g_a, 1, evaluate=False) + g_b * x + 0 * sp.I})
'''


def test_symbols_with_assumptions_and_other_correct_forms_get_full_marks(tmp_path):
    """Inputs, node values and upstream symbols declared positive, real, nonzero or finite are
    matched by name, and equivalent forms (the loss as log(1 + e^-z) + (1 - y) z, dL_da over a
    common denominator, 2/2 for 1) are the same answer."""
    verdict, _ = _grade(tmp_path, with_cell(_solution(), ASSUMPTIONS))
    assert verdict.score == verdict.max_score, _failed(verdict)


def test_unusual_but_correct_forms_and_containers_get_full_marks(tmp_path):
    """NumPy numbers for the constants, Dummy symbols, Piecewise with a nan branch that is never
    taken, Heaviside, Max, Subs, an unevaluated Derivative, a removable singularity, tanh for the
    sigmoid, a sum of 2000 terms, an OrderedDict and a dict subclass whose methods lie."""
    verdict, _ = _grade(tmp_path, with_cell(_solution(), UNUSUAL_FORMS))
    assert verdict.score == verdict.max_score, _failed(verdict)


# --- time limits ------------------------------------------------------------------------------

SLOW_TO_EVALUATE = '''
import sympy as sp
class SlowToEvaluate(sp.Function):
    def _eval_evalf(self, precision):
        while True:
            pass
class NeverStops(sp.Function):
    def _eval_evalf(self, precision):
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass
class NeverDone(sp.Function):
    def doit(self, **hints):
        while True:
            pass
def _answers(kind, allowed):
    return {key: kind(*sp.symbols(names, seq=True)) for key, names in allowed.items()}
def graph_sum_times():
    return _answers(SlowToEvaluate, {"q": "x y z", "f": "x y z", "df_dq": "q z", "df_dz": "q z",
                                     "df_dx": "g_q x y", "df_dy": "g_q x y"})
def graph_polynomial():
    return _answers(NeverDone, {"p": "x y", "r": "x y", "f": "x y", "df_dp": "p r", "df_dr": "p r",
                                "df_dx": "g_p g_r x y", "df_dy": "g_p g_r x y"})
def graph_fan_out():
    return _answers(NeverStops, {"a": "x y", "b": "x y", "g": "x y", "dg_da": "a b", "dg_db": "a b",
                                 "dg_dx": "g_a g_b x y", "dg_dy": "g_a g_b x y"})
'''


def test_expressions_that_never_finish_evaluating_cost_only_their_function(tmp_path):
    """Answers, in their allowed symbols, whose evalf loops, whose evalf loops and swallows the
    call's alarm, or whose doit (which the harness now calls first) never returns: each costs only
    the function that returned it, and the submission stays within its time."""
    limits = Limits(submission_seconds=30.0, wall_seconds=30.0, seconds_per_call=2.0)
    verdict, _ = _grade(tmp_path, with_cell(_solution(), SLOW_TO_EVALUATE), limits=limits)
    lost = _points_of("graph_sum_times") + _points_of("graph_polynomial") + _points_of("graph_fan_out")
    assert verdict.score == verdict.max_score - lost, _failed(verdict)
    assert verdict.seconds < limits.submission_seconds + 5


# --- cheats that must earn nothing and learn nothing -------------------------------------------

FAN_OUT_ALLOWED = repr({"a": "x y", "b": "x y", "g": "x y", "dg_da": "a b", "dg_db": "a b",
                        "dg_dx": "g_a g_b x y", "dg_dy": "g_a g_b x y"})

CHEATS = {
    "lying_sympy_subclass": '''
import sympy as sp
class Liar(sp.Expr):
    def __new__(cls, names):
        liar = sp.Expr.__new__(cls)
        liar.names = names
        return liar
    free_symbols = property(lambda self: set(sp.symbols(self.names, seq=True)))
    def xreplace(self, rule, **kwargs): return self
    def evalf(self, *args, **kwargs): return self
    def doit(self, **hints): return self
    def __complex__(self): return complex(0.5)
    def __float__(self): return 0.5
    def __eq__(self, other): return True
    __hash__ = sp.Expr.__hash__
def graph_fan_out():
    return {key: Liar(names) for key, names in ALLOWED.items()}
''',
    "patched_harness_and_numpy": '''
import json, sys
import numpy as np
def graph_fan_out():
    harness = sys.modules["__main__"]
    harness.evaluate_expressions = lambda value, at: value
    np.isclose = np.allclose = lambda *args, **kwargs: True
    points = json.load(open("/grading/job.json"))["calls"][0]["evaluate_at"]["points"]
    return {key: np.ones(len(points)) for key in ALLOWED}
''',
    "forged_records": '''
import json, os, sys
def graph_fan_out():
    channel = int(sys.argv[2])
    for call in json.load(open("/grading/job.json"))["calls"]:
        for value in ({"t": "pickle", "data": "gASVAAAAAAAAAAA="},
                      {"t": "ndarray", "dtype": "object", "shape": [5], "data": [1, 2, 3, 4, 5]},
                      {"t": "dict", "items": {key: {"t": "float", "type": "float", "value": float("nan")}
                                               for key in ALLOWED}}):
            line = json.dumps({"event": "returned", "id": call["id"], "value": value})
            os.write(channel, line.encode() + b"\\n")
    os._exit(0)
''',
    "text_for_the_grader_to_parse": '''
def graph_fan_out():
    text = "__import__('pathlib').Path(MARKER).write_text('ran in the grader')"
    return {key: text for key in ALLOWED}
''',
    "infinite_and_undefined": '''
import sympy as sp
def graph_fan_out():
    x, y, a, b, g_a, g_b = sp.symbols("x y a b g_a g_b")
    return {"a": sp.oo, "b": sp.zoo * x, "g": sp.nan, "dg_da": float("inf"), "dg_db": sp.zoo * a + float("nan") * b,
            "dg_dx": 10.0 ** 308 * 10 * g_a, "dg_dy": sp.Float("1e100000") * g_b}
''',
    "tiny_values_for_a_ratio": '''
import sympy as sp
def graph_fan_out():
    return {key: sp.Float(1e-12) for key in ALLOWED}
''',
    "huge_values_for_a_ratio": '''
import sympy as sp
def graph_fan_out():
    return {key: sp.Float(1e300) for key in ALLOWED}
''',
    "a_wrong_guess_per_point": '''
import json
import sympy as sp
def graph_fan_out():
    evaluate_at = next(call for call in json.load(open("/grading/job.json"))["calls"]
                       if call["function"] == "graph_fan_out")["evaluate_at"]
    names, points = evaluate_at["symbols"], evaluate_at["points"]
    answers = {}
    for key, allowed in evaluate_at["allowed"].items():
        answers[key] = sp.Piecewise(*[(sp.Float(k + 0.5), sp.And(*[sp.Eq(sp.Symbol(name), point[names.index(name)])
                                                                   for name in allowed]))
                                      for k, point in enumerate(points)], (0, True))
    return answers
''',
}


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_cheat_in_blank_release_earns_nothing_and_learns_nothing(cheat, tmp_path):
    marker = tmp_path / "ran-in-the-grader"
    cell = CHEATS[cheat].replace("ALLOWED", FAN_OUT_ALLOWED).replace("MARKER", repr(str(marker)))
    verdict, data = _grade(tmp_path, with_cell(_blank(), cell))
    assert verdict.score == 0, _passed(verdict)
    assert not marker.exists(), "student text was run by the trusted process"
    fan_out = [check["message"] for check in verdict.checks if "graph_fan_out" in check["message"]
               or check["grade_id"] == "test_graph_fan_out"]
    assert fan_out and all(fan_out), "every failed check says why"
    assert not any("factor" in message for message in fan_out), fan_out  # nothing is proportional
    assert not _quoted_reference_values(verdict, data)


WRONG_CONSTANT = '''
def graph_polynomial():
    x, y, g_p, g_r = sp.symbols("x y g_p g_r")
    p, r = x ** 2 * y, 3 * x * y ** 2
    return {"p": p, "r": r, "f": p + r, "df_dp": 2, "df_dr": 2.0,
            "df_dx": g_p * 2 * x * y + g_r * 3 * y ** 2, "df_dy": g_p * x ** 2 + g_r * 6 * x * y}
'''


def test_a_wrong_constant_is_told_so_and_costs_only_its_check(tmp_path):
    verdict, data = _grade(tmp_path, with_cell(_solution(), WRONG_CONSTANT))
    failed = _failed(verdict)
    assert [name for name, _ in failed] == ["steps at the add node: df_dp and df_dr"], failed
    assert "not the correct number" in failed[0][1] and "could not be compared" not in failed[0][1]
    assert not _quoted_reference_values(verdict, data)
