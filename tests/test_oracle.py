"""Verdicts are no oracle: no value computed on the secret inputs reaches a student, and what a
student learns from one verdict is worthless for the next submission, which meets new inputs."""
import copy
import json
import re

import numpy as np
import pytest

from grader import assignments, course, secret
from grader.checks import DECIMAL, Evaluated
from grader.mutants import mutate_notebook
from grader.verify import grade_notebook, reference_outputs
from tests.conftest import A3, with_cell

WRONG_CELLS = {
    "constant_outputs": '''
import numpy as np
def forward_propagation(X, parameters):
    ones = np.ones((1, X.shape[1]))
    return ones, {"Z1": np.ones((parameters["W1"].shape[0], X.shape[1])), "A1": ones, "Z2": ones, "A2": ones}
def compute_cost(A2, Y):
    return 1.0
def backward_propagation(parameters, cache, X, Y):
    return {"d" + key: np.ones_like(value) for key, value in parameters.items()}
def update_parameters(parameters, grads, learning_rate):
    return {key: value * 1.5 for key, value in parameters.items()}
''',
    "echoes_its_inputs": '''
def compute_cost(A2, Y):
    raise ValueError("inputs: %r %r %.17g %d" % (A2.ravel()[:4], Y.ravel()[:4], float(A2.sum()),
                                                  int(A2[0, 0] * 10**17)))
def update_parameters(parameters, grads, learning_rate):
    raise ValueError("learning rate %r, W1 %r" % (learning_rate, parameters["W1"].ravel()[:3]))
''',
}


def _grade(tmp_path, notebook, student, key):
    path = tmp_path / student / (A3 + ".ipynb")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(json.dumps(notebook).encode())
    return grade_notebook(path, _a3(), course.solution_notebook(A3), key, student), path.read_bytes()


def _a3():
    return assignments.load(A3)


def _secret_values(data, student, key):
    """Every float of the submission's secret inputs and of the reference's outputs on them."""
    cases = _a3().make_cases(secret.case_generator(key, A3, student, data))
    found = []

    def collect(value):
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, (tuple, list)):
            for item in value:
                collect(item)
        elif isinstance(value, (float, np.floating, np.ndarray)):
            found.extend(float(number) for number in np.ravel(value))
    for case in cases:
        collect(case.args)
    collect(list(reference_outputs(cases, _a3().reference).values()))
    return [value for value in found if value != round(value)]


def _significant(token):
    mantissa = re.split("[eE]", token)[0].lstrip("+-")
    return len(mantissa.replace(".", "").lstrip("0"))


def _renderings(value):
    """``value`` as a message could print it with 3 or more significant digits."""
    texts = {repr(abs(value)), str(abs(value))}
    texts.update("%.*g" % (digits, abs(value)) for digits in range(3, 18))
    return {text for text in texts if _significant(text) >= 3}


def _verdict_texts(verdict):
    texts = [verdict.reason] + list(verdict.problems)
    for check in verdict.checks:
        texts += [check["message"], check["diagnosis"]]
    return texts


def test_no_message_shows_a_value_computed_on_the_secret_inputs(tmp_path, solution_notebook,
                                                                   blank_notebook, a3):
    key = secret.one_time_secret()
    subjects = {"solution": solution_notebook, "blank": blank_notebook}
    subjects.update({"mutant_" + mutant.id: mutate_notebook(solution_notebook, mutant) for mutant in a3.MUTANTS})
    subjects.update({name: with_cell(solution_notebook, cell) for name, cell in WRONG_CELLS.items()})
    failed_checks = 0
    for student, notebook in subjects.items():
        verdict, data = _grade(tmp_path, notebook, student, key)
        assert verdict.status == "graded", verdict.reason
        failed_checks += sum(not check["passed"] for check in verdict.checks)
        tokens = {token.lstrip("+-") for text in _verdict_texts(verdict) for token in DECIMAL.findall(text)}
        precise = sorted(token for token in tokens if _significant(token) >= 3)
        precise += [run for text in _verdict_texts(verdict) for run in re.findall(r"\d{5,}", text)]
        assert not precise, "%s: numbers precise enough to carry a value in a verdict: %s" % (student, precise)
        leaked = set()
        for value in _secret_values(data, student, key):
            leaked |= _renderings(value) & tokens
        assert not leaked, "%s: a verdict quotes secret values %s" % (student, sorted(leaked))
    assert failed_checks > 40, "the class must fail many checks for the search to mean something"


def _table_attack(notebook, verdict):
    """What a student does with a verdict that quotes numbers: a lookup table of every number that
    a compute_cost message quotes, keyed by the batch size it names, returned by the next
    submission for that batch size (the last number of a message was the expected value)."""
    table = {}
    for check in verdict.checks:
        batch = re.search(r"a batch of (\d+) example", check["message"])
        numbers = DECIMAL.findall(check["message"])
        if check["grade_id"] == "test_compute_cost" and batch and numbers:
            table[int(batch.group(1))] = float(numbers[-1])
    cell = ("_TABLE = %r\n_wrong_cost = compute_cost\n"
            "def compute_cost(A2, Y):\n"
            "    return _TABLE.get(Y.shape[1]) or _wrong_cost(A2, Y)\n" % table)
    attacked = copy.deepcopy(notebook)
    attacked["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                              "source": cell})
    return attacked


def test_a_submission_built_from_the_last_verdict_gains_nothing(tmp_path, solution_notebook, a3):
    key = secret.one_time_secret()
    wrong_sign = next(mutant for mutant in a3.MUTANTS if mutant.id == "cost_wrong_sign")
    notebook = mutate_notebook(solution_notebook, wrong_sign)
    first, _ = _grade(tmp_path, notebook, "student", key)
    assert first.score < first.max_score
    verdict = first
    for _ in range(3):
        notebook = _table_attack(notebook, verdict)
        verdict, _ = _grade(tmp_path, notebook, "student", key)
        assert verdict.score <= first.score


def test_new_bytes_draw_new_inputs_and_the_same_bytes_the_same_inputs(solution_notebook):
    key = secret.one_time_secret()
    data = json.dumps(solution_notebook).encode()

    def first_inputs(notebook_bytes, student="student"):
        cases = _a3().make_cases(secret.case_generator(key, A3, student, notebook_bytes))
        forward = next(case for case in cases if case.function == "forward_propagation")
        return forward.args[0]
    assert np.array_equal(first_inputs(data), first_inputs(data))
    for changed in (data + b" ", data.replace(b"sigmoid", b"Sigmoid", 1)):
        other = first_inputs(changed)
        assert other.shape != first_inputs(data).shape or not np.allclose(other, first_inputs(data))
    other_student = first_inputs(data, "someone_else")
    assert other_student.shape != first_inputs(data).shape or not np.allclose(other_student, first_inputs(data))


def test_regrading_the_same_notebook_gives_the_same_verdict(tmp_path, solution_notebook, a3):
    key = secret.one_time_secret()
    mutant = next(mutant for mutant in a3.MUTANTS if mutant.id == "backward_missing_transpose_X")
    notebook = mutate_notebook(solution_notebook, mutant)
    once, _ = _grade(tmp_path, notebook, "student", key)
    again, _ = _grade(tmp_path, notebook, "student", key)
    assert (once.score, once.checks) == (again.score, again.checks)


@pytest.mark.parametrize("text, masked", [
    ("ValueError: shapes (3,5) and (5,3) not aligned", "ValueError: shapes (3,5) and (5,3) not aligned"),
    ("cost 0.6931471805599453 and -1.25e-3 at row 12", "cost … and … at row 12"),
    ("factor of about 1.5, standard deviation 0.01", "factor of about 1.5, standard deviation 0.01"),
    ("A2[0,0] = 63048360776429488 e-17, keys ['k333549060883382'], shape (3, 1000)",
     "A2[0,0] = … e-17, keys ['k…'], shape (3, 1000)"),
])
def test_values_in_text_the_student_wrote_are_masked(text, masked):
    from grader.checks import mask_values
    assert mask_values(text) == masked


def _arrays(value):
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, Evaluated):
        return [value.values]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [array for item in value for array in _arrays(item)]
    return []


def _inputs(case):
    """Everything of a case that the sandbox holds: its arguments, and the points where its
    answers are evaluated, point by point and symbol by symbol."""
    if not case.evaluate_at:
        return case.args
    points = np.array(case.evaluate_at.points, dtype=float)
    return case.args + tuple(points) + tuple(points.T)


@pytest.mark.parametrize("name", assignments.NAMES)
def test_no_case_carries_the_answer_to_another_case(name):
    """Student code shares the process that holds every case, so inputs must not hold answers."""
    assignment = assignments.load(name)
    cases = assignment.make_cases(np.random.default_rng(7))
    answers = reference_outputs(cases, assignment.reference)
    compared = 0
    for case in cases:
        others = [array for other in cases if other is not case for array in _arrays(_inputs(other))]
        for answer in (array for array in _arrays(answers[case.id]) if np.any(array)):
            compared += 1
            assert not any(array.shape == answer.shape and np.array_equal(array, answer) for array in others), (
                "an input of another case is what %s returns on its own inputs" % case.id)
    assert compared > 20


READ_THE_JOB = '''
import json
import numpy as np
def forward_propagation(X, parameters):
    def decode(data):
        if isinstance(data, dict) and data.get("t") == "ndarray":
            return np.array(data["data"], dtype=data["dtype"]).reshape(data["shape"])
        if isinstance(data, dict) and data.get("t") == "dict":
            return {key: decode(item) for key, item in data["items"].items()}
        return None
    with open("/grading/job.json") as handle:
        job = json.load(handle)
    for call in job["calls"]:
        if call["function"] == "backward_propagation":
            other_parameters, cache, other_X = (decode(arg) for arg in call["args"][:3])
            if other_X.shape == X.shape and np.array_equal(other_X, X):
                return cache["A2"], cache
    raise NotImplementedError("no answer found in the job")
'''


def test_reading_the_other_cases_gives_no_answer(blank_notebook, grade):
    verdict = grade(with_cell(blank_notebook, READ_THE_JOB))
    forward = [check for check in verdict.checks if check["grade_id"] == "test_forward_propagation"]
    assert forward and not any(check["passed"] for check in forward)
    assert verdict.score == 0
