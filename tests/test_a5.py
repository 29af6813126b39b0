"""Assignment a5: functions travel to the sandbox as plain data, give nothing but their values, and
the grading of numerical_gradient and gradient_check rewards only what is reproducible."""
import ast
import json
import math

import numpy as np
import pytest

from grader import assignments, course, harness, results, secret
from grader.checks import RTOL
from grader.harness import ScalarFunction
from grader.mutants import read_notebook
from grader.verify import grade_notebook
from tests.conftest import with_function

A5 = "a5_gradient_checking"
KEY = secret.one_time_secret()


def _function(shape=(2, 3), seed=0):
    rng = np.random.default_rng(seed)
    size = math.prod(shape)
    return ScalarFunction(shape, rng.standard_normal(size), rng.standard_normal(size), rng.standard_normal(size),
                          rng.standard_normal((size, size)), float(rng.standard_normal()))


def _by_loops(f, theta):
    """f(theta) written out term by term, independently of ScalarFunction.__call__."""
    t = list(np.ravel(theta))
    value = f.constant
    for i, x in enumerate(t):
        value += f.cubic[i] * x ** 3 + f.quadratic[i] * x ** 2 + f.linear[i] * x
        for j, y in enumerate(t):
            value += x * f.coupling[i, j] * y
    return value


@pytest.mark.parametrize("shape", [(1,), (5,), (4, 1), (2, 3), (2, 2, 2)])
def test_a_function_round_trips_through_json_and_keeps_its_values(shape):
    f = _function(shape, seed=len(shape))
    data = json.loads(json.dumps(harness.encode(f)))
    g = harness.decode(data)
    assert type(g) is ScalarFunction and harness.encode(g) == harness.encode(f)
    theta = np.random.default_rng(9).standard_normal(shape)
    assert type(g(theta)) is float and g(theta) == f(theta)
    assert g(theta) == pytest.approx(_by_loops(f, theta), rel=1e-12)


def test_functions_travel_inside_the_arguments_of_a_call():
    f = _function()
    args = (f, np.ones((2, 3)), 0.1)
    decoded = [harness.decode(json.loads(json.dumps(harness.encode(arg)))) for arg in args]
    assert decoded[0](decoded[1]) == f(np.ones((2, 3))) and decoded[2] == 0.1


def _good_data():
    return harness.encode(_function((2, 1)))


def _changed(**changes):
    data = _good_data()
    for key, value in changes.items():
        if value is KeyError:
            del data[key]
        else:
            data[key] = value
    return data


BAD_DATA = {
    "another family": _changed(family="exponential"),
    "an extra field": _changed(source="lambda t: 0"),
    "a missing field": _changed(coupling=KeyError),
    "a shape that is no list": _changed(shape="(2, 1)"),
    "a shape with a bool": _changed(shape=[True, 2]),
    "a shape of two negative sizes": _changed(shape=[-2, -1]),
    "an empty shape": _changed(shape=[], cubic=[1.0], quadratic=[1.0], linear=[1.0], coupling=[1.0]),
    "a shape with a zero": _changed(shape=[2, 0]),
    "too many entries": _changed(shape=[harness.MAX_FUNCTION_SIZE + 1]),
    "too few coefficients": _changed(cubic=[1.0]),
    "a coupling of the wrong size": _changed(coupling=[1.0, 2.0, 3.0]),
    "an int among the coefficients": _changed(linear=[1, 2.0]),
    "a str among the coefficients": _changed(linear=["1.0", 2.0]),
    "a nested list of coefficients": _changed(linear=[[1.0], [2.0]]),
    "a nan coefficient": _changed(quadratic=[float("nan"), 1.0]),
    "an infinite coupling": _changed(coupling=[float("inf"), 0.0, 0.0, 0.0]),
    "a constant that is an int": _changed(constant=1),
    "a constant that is a str": _changed(constant="1.0"),
    "a nan constant": _changed(constant=float("nan")),
}


@pytest.mark.parametrize("name", sorted(BAD_DATA))
def test_malformed_function_data_is_refused(name):
    with pytest.raises(ValueError):
        harness.decode(BAD_DATA[name])


def test_a_function_refuses_an_argument_of_another_shape():
    f = _function((2, 3))
    for theta in (np.ones(6), np.ones((3, 2)), np.ones((2, 3, 1)), 1.0):
        with pytest.raises(ValueError, match="shape"):
            f(theta)


def test_a_function_holds_its_coefficients_and_gives_only_values():
    f = harness.decode(_good_data())
    assert not hasattr(f, "__dict__")
    public = {name for name in dir(f) if not name.startswith("_")}
    assert public == set(ScalarFunction.FIELDS) | {"FIELDS", "as_data", "from_data"}
    for name in ("cubic", "quadratic", "linear", "coupling"):
        array = getattr(f, name)
        assert array.dtype == np.float64 and not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 1.0
    with pytest.raises(AttributeError):
        f.gradient = lambda theta: theta


def test_the_parent_reads_no_function_back_from_the_sandbox():
    assert results.parse_value(harness.encode(_function())) is results.UNREADABLE


def test_the_harness_imports_only_the_standard_library_and_numpy():
    tree = ast.parse((course.REPOSITORY / "grader" / "harness.py").read_text())
    top_level = {alias.name.split(".")[0] for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                 for alias in node.names if isinstance(node, ast.Import)}
    top_level |= {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert top_level <= {"__future__", "ast", "codeop", "json", "math", "signal", "sys", "traceback",
                         "unicodedata", "numpy"}


@pytest.mark.parametrize("seed", range(5))
def test_the_exact_derivative_differs_from_every_expected_gradient_beyond_the_tolerance(seed):
    assignment = assignments.load(A5)
    for case in assignment.make_cases(np.random.default_rng(seed)):
        if case.function != "numerical_gradient":
            continue
        f, theta, epsilon = case.args
        t = theta.ravel()
        exact = (3 * f.cubic * t ** 2 + 2 * f.quadratic * t + f.linear + (f.coupling + f.coupling.T) @ t)
        expected = assignment.reference.numerical_gradient(f, theta, epsilon).ravel()
        assert np.all(np.abs(exact - expected) > 100 * RTOL * np.abs(expected) + 1e-6)


def _notebooks():
    return read_notebook(course.solution_notebook(A5)), read_notebook(course.release_notebook(A5))


def _grade(notebook, folder, student="student"):
    path = folder / "submitted" / student / A5 / (A5 + ".ipynb")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook))
    return grade_notebook(path, assignments.load(A5), course.solution_notebook(A5), KEY, student)


def _scores(verdict):
    return verdict.scores_by_grade_id()


EXACT_DERIVATIVE = '''
def numerical_gradient(f, theta, epsilon):
    """The exact derivative, from the coefficients the function carries."""
    t = theta.ravel()
    exact = 3 * f.cubic * t ** 2 + 2 * f.quadratic * t + f.linear + (f.coupling + f.coupling.T) @ t
    return exact.reshape(theta.shape)
'''


def test_differentiating_the_coefficients_exactly_earns_no_point(tmp_path):
    solution, _ = _notebooks()
    verdict = _grade(with_function(solution, "numerical_gradient", EXACT_DERIVATIVE), tmp_path)
    assert _scores(verdict)["test_numerical_gradient"] == 0
    assert _scores(verdict)["test_relative_error"] == 2


OTHER_CORRECT_VERSIONS = {
    "numerical_gradient": '''
def numerical_gradient(f, theta, epsilon):
    gradient = np.zeros_like(theta, dtype=float)
    flat = gradient.reshape(-1)
    for k in range(theta.size):
        step = np.zeros(theta.size)
        step[k] = epsilon
        step = step.reshape(theta.shape)
        flat[k] = 0.5 * (f(theta + step) - f(theta - step)) / epsilon
    return gradient
''',
    "relative_error": '''
def relative_error(a, b):
    denominator = np.sqrt(np.sum(a * a)) + np.sqrt(np.sum(b * b))
    return 0.0 if denominator == 0 else float(np.sqrt(np.sum((a - b) ** 2)) / denominator)
''',
    "gradient_check": '''
def gradient_check(parameters, grads, X, Y, epsilon=1e-7):
    errors = {}
    for name in parameters:
        numerical = numerical_gradient(lambda value: forward_and_cost({**parameters, name: value}, X, Y),
                                       parameters[name], epsilon)
        errors[name] = relative_error(numerical, grads["d" + name])
    name = max(errors, key=errors.get)
    return errors[name], name
''',
}


def test_correct_versions_written_otherwise_earn_full_marks(tmp_path):
    """At epsilon 1e-7 their rounding differs from the reference's: only reproducible values count."""
    notebook, _ = _notebooks()
    for function, source in OTHER_CORRECT_VERSIONS.items():
        notebook = with_function(notebook, function, source)
    verdict = _grade(notebook, tmp_path)
    assert verdict.score == verdict.max_score, [(c["name"], c["message"]) for c in verdict.checks if not c["passed"]]


CONSTANT_ANSWER = '''
def gradient_check(parameters, grads, X, Y, epsilon=1e-7):
    return 0.0, "W1"
'''


def test_a_constant_answer_to_gradient_check_earns_nothing(tmp_path):
    solution, _ = _notebooks()
    verdict = _grade(with_function(solution, "gradient_check", CONSTANT_ANSWER), tmp_path)
    assert _scores(verdict)["test_gradient_check"] == 0
    assert verdict.score == 4


def test_names_are_compared_as_text_and_a_known_wrong_nan_matches_a_nan():
    from grader.checks import compare
    assert compare(("b2", 0.5), ("b2", 0.5), "value") is None
    assert compare(("b2", 0.5), ("W2", 0.5), "value") == "value[0] is not the correct one"
    assert "should be a str" in compare("b2", 2.0, "the name")
    assert compare(float("nan"), float("nan"), "the error") is None   # how a diagnosis finds a nan mistake
    assert "finite" in compare(0.0, float("nan"), "the error")
