"""What the grader keeps from a notebook, and how it explains a name it did not keep."""
import ast
import copy

import pytest

from grader.reading import extract_definitions, read_code_cells
from grader.submission import Ungradable
from tests.conftest import with_cell


def test_definitions_constants_and_lambdas_are_kept_and_code_that_runs_is_dropped():
    cell = ("import numpy as np\n"
            "EPSILON = 1e-8\n"
            "relu = lambda z: np.maximum(0, z)\n"
            "noisy = lambda z=print('loaded'): z\n"
            "TINY = np.finfo(float).eps\n"
            "costs = train(X, Y)\n"
            "print(costs)\n")
    definitions = extract_definitions([cell])
    kept = definitions.cells[0]["code"].splitlines()
    assert kept[:3] == ["import numpy as np", "EPSILON = 1e-8", "relu = lambda z: np.maximum(0, z)"]
    assert kept[3:] == ["", "", "", ""], "a default value, a call and a print are never run"
    assert definitions.skipped == {"noisy": 1, "TINY": 1, "costs": 1}


def test_a_name_defined_again_later_is_no_longer_reported_as_skipped():
    definitions = extract_definitions(["scale = float(2)\n", "scale = 2.0\n"])
    assert definitions.skipped == {}


def _with_global_epsilon(solution_notebook):
    """The solution, with compute_cost reading a module-level constant computed by a call."""
    changed = copy.deepcopy(solution_notebook)
    for cell in changed["cells"]:
        source = "".join(cell["source"])
        if "def compute_cost(" in source:
            cell["source"] = ("SAFE = np.finfo(np.float64).tiny\n\n" + source).replace(
                "np.log(A2)", "np.log(A2 + SAFE)")
    return changed


def test_a_helper_constant_computed_at_top_level_costs_marks_with_a_diagnosis_that_says_why(
        solution_notebook, grade):
    verdict = grade(_with_global_epsilon(solution_notebook))
    cost_checks = [check for check in verdict.checks if check["grade_id"] == "test_compute_cost"]
    assert cost_checks and not any(check["passed"] for check in cost_checks)
    diagnosis = cost_checks[0]["diagnosis"]
    assert "SAFE is set in code cell" in diagnosis and "inside the function" in diagnosis
    assert verdict.score == verdict.max_score - sum(check["points"] for check in cost_checks)


def test_a_lambda_helper_is_graded_like_a_def(solution_notebook, grade):
    verdict = grade(with_cell(solution_notebook, "sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))\n"))
    assert verdict.score == verdict.max_score == 13


def test_input_nested_too_deeply_is_reported_not_crashed_on(tmp_path):
    with pytest.raises(Ungradable, match="nests JSON too deeply"):
        read_code_cells(("[" * 100000 + "]" * 100000).encode())
    definitions = extract_definitions(["x = " + "-" * 1000000 + "1\n", "def f():\n    return 1\n"])
    assert definitions.problems == ["code cell 1 nests too deeply to be read; its definitions were skipped"]
    assert [cell["index"] for cell in definitions.cells] == [2]


# Characters that str.splitlines() treats as line ends and Python does not.
NOT_LINE_ENDS = ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("character", NOT_LINE_ENDS, ids=[hex(ord(c)) for c in NOT_LINE_ENDS])
def test_only_python_line_ends_count_so_a_dropped_statement_never_runs(character):
    cell = "x = 1  # a%sb\nwhile True: pass\nimport numpy as np\nones = np.ones\n" % character
    definitions = extract_definitions([cell])
    kept = definitions.cells[0]["code"]
    assert "while" not in kept
    assert [type(node).__name__ for node in ast.parse(kept).body] == ["Assign", "Import", "Assign"]
    assert kept.split("\n")[2] == "import numpy as np", "line numbers stay those of the cell"


def test_a_statement_sharing_a_line_with_a_dropped_one_keeps_only_its_own_text():
    cell = "import os; os.system('touch /tmp/x')\nLIMIT = 3; print(LIMIT); import sys\nsep = os.sep, sys\n"
    kept = extract_definitions([cell]).cells[0]["code"]
    assert kept == "import os\nLIMIT = 3; import sys\nsep = os.sep, sys\n"


def test_an_import_that_nothing_kept_uses_is_dropped_and_listed():
    cells = ["import numpy as np\nimport matplotlib.pyplot as plt\nfrom math import pi, tau\n",
             "def area(r):\n    return pi * r ** 2\n",
             "plt.plot(area(np.arange(3)))\n"]
    definitions = extract_definitions(cells)
    assert definitions.cells[0]["code"] == "\n\nfrom math import pi, tau\n", "np and plt only serve a dropped call"
    assert {"cell": 1, "line": 2, "text": "import matplotlib.pyplot as plt"} in definitions.dropped
    assert definitions.skipped == {"np": 1, "plt": 1}


def test_future_and_star_imports_are_kept_though_no_name_of_theirs_is_used():
    cell = "from __future__ import annotations\nfrom math import *\n"
    assert extract_definitions([cell]).cells[0]["code"] == cell


@pytest.mark.parametrize("reach", ["globals()", "vars()", "eval('plt')", "__import__('sys')"])
def test_every_import_is_kept_when_kept_code_may_reach_globals_by_name(reach):
    definitions = extract_definitions(["import matplotlib.pyplot as plt\ndef names():\n    return %s\n" % reach])
    assert definitions.cells[0]["code"].startswith("import matplotlib.pyplot as plt\n")


def _with_character_in_every_solution_cell(solution_notebook, character):
    changed = copy.deepcopy(solution_notebook)
    for cell in changed["cells"]:
        if cell["cell_type"] == "code" and "### BEGIN SOLUTION" in "".join(cell["source"]):
            cell["source"] = ("# page break below, and a pasted%scharacter\n\f\n" % character
                              + "".join(cell["source"]))
    return changed


@pytest.mark.parametrize("character", NOT_LINE_ENDS, ids=[hex(ord(c)) for c in NOT_LINE_ENDS])
def test_a_correct_notebook_with_page_breaks_and_odd_characters_keeps_full_marks(
        character, solution_notebook, grade):
    verdict = grade(_with_character_in_every_solution_cell(solution_notebook, character))
    assert verdict.score == verdict.max_score == 13, [
        check["message"] for check in verdict.checks if not check["passed"]]


@pytest.mark.parametrize("magic", ["%%time", "%%capture captured", "%%prun -q"])
def test_a_cell_magic_that_runs_its_body_here_keeps_the_body_definitions(magic, solution_notebook, grade):
    changed = copy.deepcopy(solution_notebook)
    for cell in changed["cells"]:
        source = "".join(cell["source"])
        if "def backward_propagation(" in source or "def forward_propagation(" in source:
            cell["source"] = magic + "\n" + source
    verdict = grade(changed)
    assert verdict.score == 13, [check["message"] for check in verdict.checks if not check["passed"]]


def test_a_cell_magic_that_does_not_run_here_is_reported():
    definitions = extract_definitions(["%%timeit\ndef f():\n    pass\n", "%%bash\necho hi\n"])
    assert definitions.cells == []
    assert [problem.split(",")[0] for problem in definitions.problems] == [
        "code cell 1 starts with %%timeit", "code cell 2 starts with %%bash"]


def test_dicts_and_tuples_of_other_classes_are_read_as_what_they_hold(solution_notebook, grade):
    changed = copy.deepcopy(solution_notebook)
    for cell in changed["cells"]:
        source = "".join(cell["source"])
        if "def backward_propagation(" in source:
            cell["source"] = "from collections import OrderedDict\n" + source.replace(
                'grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}',
                "grads = OrderedDict(dW1=dW1, db1=db1, dW2=dW2, db2=db2)")
        if "def forward_propagation(" in source:
            cell["source"] = ("from typing import NamedTuple\n"
                              "class Forward(NamedTuple):\n    A2: object\n    cache: dict\n" + source)
    changed = with_cell(changed, "_forward = forward_propagation\n"
                                 "def forward_propagation(X, parameters):\n"
                                 "    return Forward(*_forward(X, parameters))\n")
    verdict = grade(changed)
    assert verdict.score == 13, [check["message"] for check in verdict.checks if not check["passed"]]


def test_an_nbformat_3_notebook_is_read(solution_notebook, grade):
    cells = [{"cell_type": cell["cell_type"], "input": cell["source"], "outputs": [], "metadata": {}}
             if cell["cell_type"] == "code" else cell for cell in solution_notebook["cells"]]
    old_format = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": cells}]}
    assert grade(old_format).score == 13


def _solution_with(solution_notebook, function, prefix="", replace=()):
    """The solution with ``prefix`` put before the cell defining ``function`` (and replacements)."""
    changed = copy.deepcopy(solution_notebook)
    for cell in changed["cells"]:
        source = "".join(cell["source"])
        if "def %s(" % function in source:
            for old, new in replace:
                source = source.replace(old, new)
            cell["source"] = prefix + source
    return changed


HONEST_STYLES = {
    "statements_before_the_def": ("forward_propagation",
                                  "demo_rng = np.random.default_rng(0)\nDEMO_X = demo_rng.standard_normal((2, 3))\n"
                                  "N_DEMO = DEMO_X.shape[1]\n", ()),
    "typed_dict_annotation": ("forward_propagation",
                              "from typing import TypedDict\nCache = TypedDict('Cache', {'Z1': np.ndarray})\n",
                              (("def forward_propagation(X, parameters):",
                                "def forward_propagation(X, parameters) -> tuple[np.ndarray, Cache]:"),)),
    "future_annotations": ("initialize_parameters", "from __future__ import annotations\n",
                           (("def initialize_parameters(n_x, n_h, n_y, seed=0):",
                             "def initialize_parameters(n_x: int, n_h: int, n_y: int, seed: int = 0) -> Later:"),)),
    "blank_line_then_cell_magic": ("backward_propagation", "  \r\n%%time\n", ()),
    "optional_import": ("forward_propagation",
                        "try:\n    from scipy.special import expit\nexcept ImportError:\n"
                        "    def expit(z):\n        return 1 / (1 + np.exp(-z))\n", ()),
    "display_left_in": ("update_parameters", "",
                        (("    ### END SOLUTION", "    display(sorted(parameters))\n    ### END SOLUTION"),)),
    "unused_missing_module": ("compute_cost", "import not_installed_anywhere as pd\n", ()),
}


@pytest.mark.parametrize("style", sorted(HONEST_STYLES))
def test_correct_notebooks_in_unusual_but_honest_styles_keep_full_marks(style, solution_notebook, grade):
    function, prefix, replace = HONEST_STYLES[style]
    notebook = _solution_with(solution_notebook, function, prefix, replace)
    if style == "future_annotations":
        notebook = with_cell(notebook, "class Later:\n    pass\n")
    verdict = grade(notebook)
    assert verdict.score == 13, [check["message"] for check in verdict.checks if not check["passed"]]


def test_a_function_defined_where_the_grader_does_not_look_is_explained(solution_notebook, grade):
    hidden = _solution_with(solution_notebook, "compute_cost", "for _ in range(1):\n",
                            ())
    for cell in hidden["cells"]:
        source = "".join(cell["source"])
        if source.startswith("for _ in range(1):\n"):
            body = source.split("\n", 1)[1]
            cell["source"] = "for _ in range(1):\n" + "".join("    " + line + "\n" for line in body.split("\n"))
    verdict = grade(hidden)
    cost = [check for check in verdict.checks if check["grade_id"] == "test_compute_cost"]
    assert cost and all("is set in code cell" in check["diagnosis"] and "loop" in check["diagnosis"]
                        for check in cost)
