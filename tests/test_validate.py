"""The validator in each release folder: run alone, as on a student's laptop, it tells the truth.

Each test copies a release folder to a temporary place and runs its ``validate.py`` with a Python
that refuses to import ``grader``, ``backprop`` and ``solutions`` (a ``sitecustomize`` on the path,
so the validator's child process refuses them too): only the folder and the pinned requirements.
"""
import ast
import json
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from grader import assignments, course, judging, validation, validator, verify
from grader.mutants import mutate_notebook, read_notebook
from grader.reading import Definitions, extract_definitions, source_text
from tests.conftest import answered, with_function
from tests.test_wrong_versions_located import named_place
from tests.wrong_versions import WRONG_VERSIONS as FIRST_SET

BLOCKER = textwrap.dedent('''
    import importlib.abc, sys
    class _Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("grader", "backprop", "solutions"):
                raise ImportError("%s is not on a student's laptop" % name)
    sys.meta_path.insert(0, _Refuse())
''')


@pytest.fixture
def laptop(tmp_path):
    """A function that copies a release folder to ``tmp_path`` and returns its copy."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)

    def copy(name):
        folder = tmp_path / name
        shutil.copytree(course.EXERCISES / name, folder)
        return folder
    copy.site = site
    return copy


def run_validate(folder, notebook, site):
    """``python validate.py NOTEBOOK`` in ``folder``: (exit status, output)."""
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "HOME": str(folder)}
    result = subprocess.run([sys.executable, "validate.py", notebook], cwd=folder, capture_output=True, text=True,
                            env=environment, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout


def write(folder, notebook, file_name="submission.ipynb"):
    (folder / file_name).write_text(json.dumps(notebook))
    return file_name


@pytest.mark.parametrize("name", assignments.NAMES)
def test_the_solution_is_ready_and_the_blank_release_is_not(name, laptop):
    folder = laptop(name)
    status, output = run_validate(folder, write(folder, answered(name)), laptop.site)
    assert status == 0 and "READY to hand in." in output and "FAIL" not in output, output
    status, output = run_validate(folder, name + ".ipynb", laptop.site)
    assert status == 1 and "NOT READY" in output and "0 of" in output, output
    assert "is not implemented yet" in output


def _mutants(name, count):
    """The first ``count`` known wrong versions of ``name`` that the validator judges."""
    data = json.loads((course.EXERCISES / name / "validate_data.json").read_text())
    judged = {mutant["id"] for mutant in data["mutants"]}
    return [mutant for mutant in assignments.load(name).MUTANTS if mutant.id in judged][:count]


@pytest.mark.parametrize("name", assignments.NAMES)
def test_known_wrong_versions_get_the_graders_diagnosis(name, laptop):
    folder = laptop(name)
    solution = read_notebook(course.solution_notebook(name))
    for mutant in _mutants(name, 2):
        notebook = answered(name, mutate_notebook(solution, mutant))
        status, output = run_validate(folder, write(folder, notebook), laptop.site)
        assert status == 1 and "FAIL" in output, (mutant.id, output)
        assert mutant.diagnosis.split(":")[0] in output, (mutant.id, output)


def _replace_in_answer(notebook, grade_id, old, new):
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            assert old in cell["source"]
            cell["source"] = cell["source"].replace(old, new, 1)
            return notebook
    raise AssertionError(grade_id)


def test_a_top_level_constant_that_runs_code_is_reported_with_the_fix(laptop):
    name = "a3_two_layer_network"
    folder = laptop(name)
    notebook = _replace_in_answer(answered(name), "compute_cost", "def compute_cost(A2, Y):",
                                  "SMALLEST = float(np.finfo(float).tiny)\n\n\ndef compute_cost(A2, Y):")
    notebook = _replace_in_answer(notebook, "compute_cost", '    """Mean binary', "    assert SMALLEST > 0\n    \"\"\"Mean binary")
    status, output = run_validate(folder, write(folder, notebook), laptop.site)
    assert status == 1, output
    assert ("compute_cost uses SMALLEST, which only a dropped statement of code cell 6 sets" in output
            and "Fix: make it a constant assignment that calls nothing" in output), output
    assert "line 1 `SMALLEST = float(np.finfo(float).tiny)`" in output
    assert "SMALLEST is set in code cell 6 by a statement that runs code" in output, "the grader's own diagnosis"


def test_a_syntax_error_and_a_renamed_function_are_reported(laptop):
    name = "a3_two_layer_network"
    folder = laptop(name)
    notebook = _replace_in_answer(answered(name), "update_parameters", "def update_parameters(",
                                  "def update_params(")
    notebook = _replace_in_answer(notebook, "compute_cost", "def compute_cost(A2, Y):", "def compute_cost(A2, Y)")
    status, output = run_validate(folder, write(folder, notebook), laptop.site)
    assert status == 1, output
    assert "code cell 6 has a syntax error" in output
    assert "update_parameters is not defined; you define update_params: was it renamed?" in output
    assert "compute_cost is not defined" in output


def test_an_endless_loop_costs_only_its_own_calls(laptop):
    name = "a2_activation_gradients"
    folder = laptop(name)
    first = assignments.load(name).CHECKS[0].function
    notebook = answered(name)
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": "def %s(*args):\n    while True:\n        pass\n" % first})
    status, output = run_validate(folder, write(folder, notebook), laptop.site)
    assert status == 1 and "ran longer than its time limit" in output, output
    assert re.search(r"\n  ok ", output), "the other functions' checks still pass"


def test_the_data_holds_no_solution_line_and_no_bug_answer():
    """No line of a solution, outside the grader's messages and diagnoses, which verdicts show already
    (some name a formula or a call that the release's docstring asks for)."""
    for name in assignments.NAMES:
        data = json.loads((course.EXERCISES / name / "validate_data.json").read_text())
        del data["mutants"]
        for check in data["checks"]:
            del check["recorded"]
        text = json.dumps(data)
        solution = read_notebook(course.solution_notebook(name))
        lines = [line.strip() for cell in solution["cells"] if cell["metadata"].get("nbgrader", {}).get("solution")
                 for line in source_text(cell).split("\n") if len(line.strip()) > 20 and "def " not in line]
        assert not [line for line in lines if json.dumps(line)[1:-1] in text], name
    data = json.loads((course.EXERCISES / "a6_bug_hunt" / "validate_data.json").read_text())
    assert not any(call["function"] == "faulty_lines" for call in data["calls"])
    assert not any(mutant["function"] == "faulty_lines" for mutant in data["mutants"])


def test_the_validator_carries_only_its_own_modules():
    text = validator.script("a3_two_layer_network")
    tree = ast.parse(text)
    sources = dict(ast.literal_eval(next(node.value for node in tree.body if isinstance(node, ast.Assign)
                                         and node.targets[0].id == "MODULES")))
    assert list(sources) == ["grader." + module for module in validator.MODULES]
    for name, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grader"):
                imported = [node.module] if node.module != "grader" else ["grader." + a.name for a in node.names]
                assert all(module in sources and list(sources).index(module) < list(sources).index(name)
                           for module in imported), (name, imported)


def test_grader_validate_gives_the_students_report(tmp_path):
    name = "a5_gradient_checking"
    path = tmp_path / (name + ".ipynb")
    path.write_text(json.dumps(answered(name)))
    result = subprocess.run([sys.executable, "-m", "grader", "validate", str(path)], cwd=course.REPOSITORY,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "READY to hand in." in result.stdout, result.stdout + result.stderr
    result = subprocess.run([sys.executable, "-m", "grader", "validate", str(course.release_notebook(name))],
                            cwd=course.REPOSITORY, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "NOT READY" in result.stdout


# Three wrong versions of each backward pass; the unpacking mistake raises on the public sizes (the
# validator reports the error), so it has nothing to locate.
LOCATED = [[version for version in FIRST_SET if version["assignment"] == name and "same_as" not in version
            and version["id"] != "a3_cache_values_unpacked_in_the_wrong_order"][:3]
           for name in ("a3_two_layer_network", "a4_deep_network")]
LOCATED = LOCATED[0] + LOCATED[1]


@pytest.mark.parametrize("version", LOCATED, ids=[version["id"] for version in LOCATED])
def test_a_mistake_outside_the_catalogue_is_located_as_the_grader_locates_it(version, laptop):
    name = version["assignment"]
    folder = laptop(name)
    notebook = answered(name, with_function(read_notebook(course.solution_notebook(name)), version["function"],
                                            version["source"]))
    status, output = run_validate(folder, write(folder, notebook), laptop.site)
    places = [named_place(line.split("Likely cause: ", 1)[1]) for line in output.splitlines() if "Likely cause: " in line]
    assert status == 1 and places and all(places), output
    assert {quantity for quantity, _, _ in places} == {version["enters"]["quantity"]}, output


def test_grader_validate_runs_a_submission_in_the_sandbox(tmp_path):
    """An instructor may validate a student's notebook: its code runs as the grader runs it, sandboxed."""
    name = "a2_activation_gradients"
    marker = tmp_path / "written-by-the-notebook"
    first = assignments.load(name).CHECKS[0].function
    notebook = answered(name)
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": "def %s(*args):\n    open(%r, 'w').write('x')\n    return 0\n"
                                        % (first, str(marker))})
    path = tmp_path / (name + ".ipynb")
    path.write_text(json.dumps(notebook))
    result = subprocess.run([sys.executable, "-m", "grader", "validate", str(path)], cwd=course.REPOSITORY,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "FAIL" in result.stdout, result.stdout + result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("name", assignments.NAMES)
def test_the_validator_judges_every_known_wrong_version_as_the_grader_does(name):
    """On the public cases, each check's verdict from the data file equals the grader's own judging of
    the same results, for the correct version and for every known wrong version it ships."""
    assignment = assignments.load(name)
    data = json.loads((course.EXERCISES / name / "validate_data.json").read_text())
    shipped = {call["id"] for call in data["calls"]}
    cases = [case for case in assignment.make_cases(validator.public_rng(name)) if case.id in shipped]
    expected = verify.reference_outputs(cases, assignment.reference)
    diagnoser = verify.Diagnoser(assignment, course.solution_notebook(name))
    nothing_dropped = Definitions(cells=[], problems=[])
    correct = {case_id: validation.outcome_from_data(outcome) for case_id, outcome in data["reference_outcomes"].items()}
    for mutant in [None] + [m for m in assignment.MUTANTS if m.id in data["mutant_outcomes"]]:
        outcomes = dict(correct)
        if mutant is not None:
            outcomes.update({case_id: validation.outcome_from_data(outcome)
                             for case_id, outcome in data["mutant_outcomes"][mutant.id].items()})
        here = validation.judge_public_cases(data, outcomes, nothing_dropped, [])
        for check, result in zip(assignment.CHECKS, here):
            if result is None:
                continue
            graders = judging.judge_safely(check, cases, outcomes, diagnoser, expected)
            what = (mutant and mutant.id, check.name)
            assert (result.passed, result.diagnosis) == (graders.passed, graders.diagnosis), what
            assert result.message == graders.message, what


def test_what_the_reading_report_blocks_and_what_it_only_notes():
    """A name only a dropped statement sets blocks; one set again by a dropped statement after a kept one
    is a note (the grader uses the kept value); a local variable is no definition of a graded function."""
    definitions = extract_definitions(["import numpy as np\nC = 0.5\nC = np.sqrt(2)\nD = np.ones(2)\n"
                                       "def f(x):\n    return x * C + D + len(x)\n"
                                       "def g(x):\n    h = 1\n    return h\n"])
    lines, blocking = validation.reading_report(definitions, ["f", "g", "h"])
    assert [problem.split(",")[0] for problem in blocking] == [
        "h is not defined: the grader calls it by this exact name", "f uses D"]
    assert any(line.startswith("  note: C, which f uses") for line in lines)
    assert ("  code cell 1: line 1 `import numpy as np`, line 3 `C = np.sqrt(2)`, line 4 `D = np.ones(2)`"
            in lines), "np serves only dropped statements, so its import is dropped too"
