"""Assignment a6, the bug hunt: the notebook prints what backprop.bug_hunt holds, feedback points at
where to look and never holds a fixed line's code, and the faulty lines are judged right or wrong
without telling which lines are right."""
import copy
import inspect
import json

import numpy as np
import pytest

from backprop import activations, bug_hunt, deep
from grader import assignments, course, harness, secret
from grader.checks import Outcome
from grader.judging import judge_safely
from grader.mutants import load_functions, mutant_functions, read_notebook
from grader.verify import Diagnoser, grade_notebook, reference_outputs

A6 = "a6_bug_hunt"

# What a fix writes, beyond its whole line: the part of each fixed line that the bug changed.
FIX_FRAGMENTS = {
    "buggy_backward": ("X.shape[1]", "A1.T", "axis=1"),
    "buggy_sigmoid_backward": ("* s * (1", "s * (1.0 - s)"),
    "buggy_train_step": ("np.log(A)", "(1 - Y) * np.log"),
    "buggy_relu_backward": ("Z > 0", "A > 0"),
    "buggy_L_model_backward": ("(l - 1)", "l-1"),
    "buggy_batch_gradients": ('"dw"] =', '"db"] =', "'dw'] =", "'db'] ="),
    "buggy_compute_cost": ("(1 - Y) * np.log", "(1 - Y) *"),
}


def _fixed_code():
    """Every fixed line (stripped) and every fragment above: no verdict may hold any of them."""
    lines = [correct.strip() for bug in bug_hunt.BUGS for correct, _ in bug.replacements]
    return lines + [fragment for fragments in FIX_FRAGMENTS.values() for fragment in fragments]


@pytest.fixture(scope="module")
def a6():
    return assignments.load(A6)


@pytest.fixture(scope="module")
def notebooks():
    return read_notebook(course.solution_notebook(A6)), read_notebook(course.release_notebook(A6))


def _cell(notebook, grade_id):
    cells = [cell for cell in notebook["cells"]
             if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    assert len(cells) == 1, grade_id
    return "".join(cells[0]["source"])


def _without_markers(source):
    return "".join(line for line in source.splitlines(keepends=True) if "### " not in line)


@pytest.mark.parametrize("which", [0, 1])
def test_the_notebook_prints_the_buggy_functions_of_backprop_bug_hunt(notebooks, which):
    notebook = notebooks[which]
    for bug in bug_hunt.BUGS:
        assert _cell(notebook, bug.name) == bug_hunt.buggy_source(bug.name).rstrip("\n")
        assert _cell(notebook, bug.name).startswith("def %s(" % bug.name), "the def line is line 1 of its cell"
    given = "import numpy as np\n\n\n" + "\n\n".join(inspect.getsource(function) for function in (
        activations.sigmoid, deep.linear_backward, deep.linear_activation_backward))
    assert _cell(notebook, "given_code") == given.rstrip("\n")


def test_the_solution_holds_the_fixes_of_backprop_bug_hunt_and_their_faulty_lines(notebooks):
    solution, _ = notebooks
    for bug in bug_hunt.BUGS:
        assert _without_markers(_cell(solution, bug.fixed.__name__)) == bug_hunt.fixed_source(bug.name)
    assert load_functions(solution)["faulty_lines"]() == bug_hunt.faulty_lines()


def test_every_explanation_is_a_markdown_answer_graded_by_hand(notebooks):
    solution, blank = notebooks
    for notebook, answer in ((solution, "Rubric"), (blank, "YOUR ANSWER HERE")):
        for bug in bug_hunt.BUGS:
            cell = next(cell for cell in notebook["cells"]
                        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "explain_" + bug.name)
            metadata = cell["metadata"]["nbgrader"]
            assert cell["cell_type"] == "markdown" and metadata["grade"] and metadata["solution"]
            assert metadata["points"] == 1 and answer in "".join(cell["source"])


def _outcome(function, args):
    try:
        with np.errstate(all="ignore"):
            return Outcome(True, value=function(*copy.deepcopy(args)))
    except Exception as error:  # noqa: BLE001 - a wrong version's failure is its outcome
        return Outcome(False, error=harness.describe_error(error)[0])


def _judged(a6, functions, seed=0):
    """Every check's Result for the functions of ``functions`` (a namespace), judged in-process as
    ``grader.verify`` judges what a sandbox sends back."""
    cases = a6.make_cases(np.random.default_rng(seed))
    outcomes = {case.id: _outcome(functions[case.function], case.args) for case in cases}
    expected = reference_outputs(cases, a6.reference)
    diagnoser = Diagnoser(a6, course.solution_notebook(A6))
    return [judge_safely(check, cases, outcomes, diagnoser, expected) for check in a6.CHECKS]


def _texts(results):
    return [text for result in results for text in (result.message, result.diagnosis) if text]


def test_no_message_or_diagnosis_holds_the_code_of_a_fixed_line(a6):
    fixed = _fixed_code()
    failed = 0
    for mutant in a6.MUTANTS:
        assert not [code for code in fixed if code in mutant.diagnosis], mutant.id
        results = _judged(a6, mutant_functions(str(course.solution_notebook(A6)), mutant))
        failed += sum(not result.passed for result in results)
        for text in _texts(results):
            assert not [code for code in fixed if code in text], (mutant.id, text)
    assert failed >= len(a6.MUTANTS)


def test_a_notebook_that_fixes_nothing_reads_no_fix_in_its_verdict(a6, notebooks, tmp_path):
    """Graded in the sandbox: every buggy function pasted in as its own fix, and no faulty lines."""
    _, blank = notebooks
    notebook = copy.deepcopy(blank)
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        for bug in bug_hunt.BUGS:
            if cell["cell_type"] == "code" and source.startswith("def %s(" % bug.fixed.__name__):
                cell["source"] = bug_hunt.buggy_source(bug.name).replace(
                    "def %s(" % bug.name, "def %s(" % bug.fixed.__name__, 1)
    path = tmp_path / "submitted" / "student" / A6 / (A6 + ".ipynb")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(notebook))
    verdict = grade_notebook(path, a6, course.solution_notebook(A6), secret.one_time_secret(), "student")
    assert verdict.status == "graded"
    passed = {check["name"] for check in verdict.checks if check["passed"]}
    assert passed == {"the new w and b", "dW and db of every layer"}, passed  # the lines that were right
    fixed = _fixed_code()
    for check in verdict.checks:
        for text in (check["message"], check["diagnosis"]):
            assert not [code for code in fixed if code in text], (check["name"], text)
    diagnosed = [check for check in verdict.checks
                 if check["diagnosis"] and check["grade_id"] != "test_faulty_lines"]
    assert len(diagnosed) >= 7, "each bug left in is a known wrong version, with its hint"


def _lines_results(a6, answers):
    functions = dict(load_functions(read_notebook(course.solution_notebook(A6))))
    functions["faulty_lines"] = lambda: answers
    return {result.name: result for result in _judged(a6, functions) if result.grade_id == "test_faulty_lines"}


def test_the_faulty_lines_are_judged_right_or_wrong_and_nothing_more(a6):
    right = bug_hunt.faulty_lines()
    results = _lines_results(a6, right)
    assert all(result.passed for result in results.values())
    name = "the faulty lines of buggy_backward"
    backward = right["buggy_backward"]
    count = bug_hunt.line_count("buggy_backward")
    wrong_answers = [backward[:1], backward[:2], backward[1:], [line - 1 for line in backward],
                     sorted(backward + [backward[0] + 1]), [2, 3, 4], [count]]
    seen = set()
    for lines in wrong_answers:
        results = _lines_results(a6, dict(right, buggy_backward=lines))
        assert not results[name].passed
        assert all(result.passed for other, result in results.items() if other != name)
        seen.add((results[name].message, results[name].diagnosis))
    assert len(seen) == 1, "two wrong answers were told apart: %s" % sorted(seen)
    message, diagnosis = seen.pop()
    assert diagnosis == a6.WRONG_LINES and not any(str(line) in message for line in backward)


def test_the_form_of_the_faulty_lines_is_told_without_their_values(a6):
    right = bug_hunt.faulty_lines()
    name = "the faulty lines of buggy_sigmoid_backward"
    for answer, words in (([], "non-empty list"), (["4"], "(ints)"), ([4.0], "(ints)"), ([True], "(ints)"),
                          ([2, 2], "more than once"), ([0], "numbered 1 (the def line) to"),
                          ([99], "numbered 1 (the def line) to")):
        result = _lines_results(a6, dict(right, buggy_sigmoid_backward=answer))[name]
        assert not result.passed and words in result.message, (answer, result.message)
    missing = dict(right)
    del missing["buggy_compute_cost"]
    assert "no entry for 'buggy_compute_cost'" in _lines_results(a6, missing)[
        "the faulty lines of buggy_compute_cost"].message


def test_every_bug_changes_what_its_function_returns_on_the_secret_cases(a6):
    """Sizes differ on every secret case, so no bug hides: each buggy version (renamed as its fix)
    fails a check of its function, and each bug of the three-bug backward pass does alone."""
    solution = read_notebook(course.solution_notebook(A6))
    for seed in range(3):
        functions = dict(load_functions(solution))
        for bug in bug_hunt.BUGS:
            functions[bug.fixed.__name__] = bug_hunt.buggy_function(bug.name)
        results = _judged(a6, functions, seed)
        failed = {result.grade_id for result in results if not result.passed}
        assert failed >= {"test_" + bug.fixed.__name__ for bug in bug_hunt.BUGS}
    for index in range(3):
        functions = dict(load_functions(solution))
        source = bug_hunt.fixed_source("buggy_backward").replace(
            *bug_hunt.BY_NAME["buggy_backward"].replacements[index])
        exec(compile(source, "<one bug>", "exec"), functions)
        results = _judged(a6, functions)
        assert any(not result.passed for result in results if result.grade_id == "test_two_layer_backward")
