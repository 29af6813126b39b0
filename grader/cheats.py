"""Cheating submissions: code cells that redefine one graded function dishonestly, and changes to
the notebook's graded cells.

Each cheat is written for any assignment: ``fill`` puts in the function it redefines, the
assignment, its reference module and the real paths of the repository and the course, so the
cheats aim at the files they would want to read. Appended to the blank release a cheat must earn
nothing; appended to a submission that lacks only that function it must earn no more than that
submission. ``A3_CHEATS`` need the two-layer network's arguments. The tests try them all; the
demo class (``grader.demo``) hands some in. Nothing here is run by the grader: these are texts.
"""
import copy

from grader.synthetic import with_cell


CHEATS = {
    "patch_allclose": '''
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
def {function}(*args, **kwargs):
    import math
    math.isclose = lambda *args, **kwargs: True
    return {}
''',
    "always_equal_object": '''
class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __getattr__(self, name): return Anything()
    def __call__(self, *args, **kwargs): return Anything()
    def __getitem__(self, key): return Anything()
    def __sub__(self, other): return 0.0
    def __rsub__(self, other): return 0.0
    def __array__(self, *args, **kwargs):
        import numpy
        return numpy.zeros((1, 1))
    shape = property(lambda self: (1, 1))
    dtype = property(lambda self: "float64")
class AnythingDict(dict):
    def __getitem__(self, key): return Anything()
    def __contains__(self, key): return True
    def get(self, key, default=None): return Anything()
def {function}(*args, **kwargs):
    return AnythingDict()
''',
    "sympy_expression_that_equals_everything": '''
import sympy as sp
class Chameleon(sp.Symbol):
    def __eq__(self, other): return True
    def xreplace(self, *args, **kwargs): return self
    def evalf(self, *args, **kwargs): return self
    def __complex__(self): return complex(1.0)
    def __float__(self): return 1.0
    @property
    def free_symbols(self): return set()
class Answers(dict):
    def __missing__(self, key): return Chameleon("x")
def {function}(*args, **kwargs):
    return Answers()
''',
    "input_transformer": '''
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])
def {function}(*args, **kwargs):
    raise NotImplementedError()
''',
    "swallow_errors": '''
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)
get_ipython().showtraceback = lambda *args, **kwargs: None
import sys
sys.excepthook = lambda *args: None
def {function}(*args, **kwargs):
    raise NotImplementedError()
''',
    "cheat_when_grading": '''
import os
def {function}(*args, **kwargs):
    grading = any(word in name.upper() for name in os.environ for word in ("GRAD", "NBGRADER", "CI"))
    if grading or not os.environ.get("JPY_PARENT_PID"):
        return {"graded": True}
    raise NotImplementedError()
''',
    "read_reference": '''
import glob, json, os
def {function}(*args, **kwargs):
    found = {}
    try:
        import importlib
        return getattr(importlib.import_module("{reference}"), "{function}")(*args, **kwargs)
    except Exception:
        pass
    candidates = ["{repository}/solutions/{assignment}/{assignment}.ipynb"]
    candidates += glob.glob("/**/solutions/**/*.ipynb", recursive=True)
    candidates += glob.glob("/proc/*/cwd/solutions/**/*.ipynb", recursive=True)
    for path in candidates:
        try:
            notebook = json.load(open(path))
        except Exception:
            continue
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            if "def {function}(" in source:
                exec(source, found)
                return found["{function}"](*args, **kwargs)
    for path in ["{repository}/grader/assignments/{assignment}.py", "{root}/gradebook.db",
                 "{root}/.grader/secret", "{repository}/{reference_path}"]:
        open(path).read()
    raise NotImplementedError()
''',
    "read_the_job": '''
import glob, json
def {function}(*args, **kwargs):
    for path in ["/grading/job.json"] + glob.glob("/grading/*") + glob.glob("/tmp/*"):
        try:
            job = json.load(open(path))
        except Exception:
            continue
        for call in job.get("calls", []):
            if call["function"] == "{function}" and call.get("expected") is not None:
                return call["expected"]
        raise NotImplementedError("the job holds no answers: %s" % sorted(job))
    raise NotImplementedError("no job found")
''',
    "write_gradebook": '''
import sqlite3, glob
def {function}(*args, **kwargs):
    for path in ["{root}/gradebook.db"] + glob.glob("/**/gradebook.db", recursive=True):
        connection = sqlite3.connect(path)
        connection.execute("UPDATE grade SET auto_score = 1000")
        connection.execute("UPDATE grade_cells SET max_score = 1000")
        connection.commit()
    raise NotImplementedError()
''',
    "os_exit": '''
import os
def {function}(*args, **kwargs):
    os._exit(0)
''',
    "sys_exit": '''
import sys
def {function}(*args, **kwargs):
    sys.exit(0)
''',
    "endless_loop_ignoring_signals": '''
import signal
def {function}(*args, **kwargs):
    for number in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM, signal.SIGXCPU):
        signal.signal(number, signal.SIG_IGN)
    while True:
        try:
            pass
        except BaseException:
            pass
''',
    "memory_bomb": '''
def {function}(*args, **kwargs):
    hoard = []
    while True:
        hoard.append(bytearray(50_000_000))
''',
    "fork_bomb": '''
import os
def {function}(*args, **kwargs):
    while True:
        try:
            os.fork()
        except OSError:
            pass
''',
    "function_from_the_sandbox": '''
import sys
def {function}(*args, **kwargs):
    # The harness's own class of functions that travel as plain data, with coefficients of the
    # cheat's choosing and a class changed in the sandbox: the parent reads no function back.
    harness = sys.modules["__main__"]
    function = harness.ScalarFunction((1,), [1.0], [0.0], [0.0], [[0.0]], 0.0)
    type(function).__call__ = lambda self, *args, **kwargs: 0.0
    type(function).__eq__ = lambda self, other: True
    return function
''',
    "million_lines": '''
def {function}(*args, **kwargs):
    for line in range(1_000_000):
        print("line", line)
    raise NotImplementedError()
''',
}

A3_CHEATS = {
    "patch_allclose_shaped_zeros": '''
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: True
def backward_propagation(parameters, cache, X, Y):
    import numpy
    numpy.allclose = lambda *args, **kwargs: True
    numpy.array_equal = lambda *args, **kwargs: True
    return {"dW1": np.zeros_like(parameters["W1"]), "db1": np.zeros_like(parameters["b1"]),
            "dW2": np.zeros_like(parameters["W2"]), "db2": np.zeros_like(parameters["b2"])}
''',
    "finite_differences": '''
def backward_propagation(parameters, cache, X, Y):
    # The release's own check helper differentiates forward_propagation and compute_cost
    # numerically; two step sizes (Richardson extrapolation) make it accurate.
    coarse = numerical_gradients(parameters, X, Y, epsilon=2e-3)
    fine = numerical_gradients(parameters, X, Y, epsilon=1e-3)
    return {key: (4 * fine[key] - coarse[key]) / 3 for key in fine}
''',
}


def strip_test_cells(notebook):
    """A copy of ``notebook`` without its graded test cells."""
    changed = copy.deepcopy(notebook)
    changed["cells"] = [cell for cell in changed["cells"]
                        if not cell.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return changed


def edit_test_cells(notebook):
    """A copy of ``notebook`` whose graded test cells only print success and claim 100 points each."""
    changed = copy.deepcopy(notebook)
    for cell in changed["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell["source"] = "print('all checks passed')\n"
            cell["metadata"]["nbgrader"]["points"] = 100
    return changed


def fake_grade_cell(notebook):
    """A copy of ``notebook`` with one more graded cell, worth 1000 points, that passes."""
    changed = with_cell(notebook, "print('a thousand points, please')\n")
    changed["cells"][-1]["metadata"] = {"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                     "grade_id": "bonus", "points": 1000,
                                                     "schema_version": 3, "task": False}}
    return changed


# Cheats that change the notebook (a JSON dict) instead of adding a cell: name -> function.
NOTEBOOK_CHEATS = {"deleted_test_cells": strip_test_cells, "edited_test_cells": edit_test_cells,
                   "fake_grade_cell_1000_points": fake_grade_cell}


def target(assignment):
    """The function a cheat redefines: the one the last check of ``assignment`` (a module) grades."""
    return assignment.CHECKS[-1].function


def fill(code, function, assignment, repository, root):
    """The cheat ``code`` aimed at ``function`` of ``assignment`` (a ``grader.assignments`` module)."""
    reference = assignment.reference.__name__
    return (code.replace("{function}", function).replace("{assignment}", assignment.NAME)
            .replace("{reference}", reference).replace("{reference_path}", reference.replace(".", "/") + ".py")
            .replace("{repository}", str(repository)).replace("{root}", str(root)))
