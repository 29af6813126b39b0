"""Cheating submissions for a3: each is a code cell that redefines backward_propagation dishonestly.

Appended to the blank release it must earn nothing; appended to a submission that lacks only
backward_propagation it must earn no more than that submission. ``{repository}`` and ``{root}``
are filled in (by `fill`) with the real paths, so the cheats aim at the files they would want to read.
"""

SHAPED_ZEROS = '''
    grads = {"dW1": np.zeros_like(parameters["W1"]), "db1": np.zeros_like(parameters["b1"]),
             "dW2": np.zeros_like(parameters["W2"]), "db2": np.zeros_like(parameters["b2"])}
'''

CHEATS = {
    "patch_allclose": '''
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
def backward_propagation(parameters, cache, X, Y):
    import numpy
    numpy.allclose = lambda *args, **kwargs: True
    numpy.array_equal = lambda *args, **kwargs: True
    numpy.testing.assert_allclose = lambda *args, **kwargs: None
''' + SHAPED_ZEROS + '''
    return grads
''',
    "always_equal_object": '''
class Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __getattr__(self, name): return Anything()
    def __call__(self, *args, **kwargs): return Anything()
    def __getitem__(self, key): return Anything()
    def __array__(self, *args, **kwargs):
        import numpy
        return numpy.zeros((1, 1))
    shape = property(lambda self: (1, 1))
    dtype = property(lambda self: "float64")
class AnythingDict(dict):
    def __getitem__(self, key): return Anything()
    def __contains__(self, key): return True
def backward_propagation(parameters, cache, X, Y):
    return AnythingDict(dW1=Anything(), db1=Anything(), dW2=Anything(), db2=Anything())
''',
    "input_transformer": '''
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])
def backward_propagation(parameters, cache, X, Y):
    raise NotImplementedError()
''',
    "swallow_errors": '''
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)
get_ipython().showtraceback = lambda *args, **kwargs: None
import sys
sys.excepthook = lambda *args: None
def backward_propagation(parameters, cache, X, Y):
    raise NotImplementedError()
''',
    "cheat_when_grading": '''
import os
def backward_propagation(parameters, cache, X, Y):
    grading = any(word in name.upper() for name in os.environ for word in ("GRAD", "NBGRADER", "CI"))
    if grading or not os.environ.get("JPY_PARENT_PID"):
        return {"dW1": np.zeros((3, 2)), "db1": np.zeros((3, 1)), "dW2": np.zeros((1, 3)),
                "db2": np.array([[-0.7]])}
    raise NotImplementedError()
''',
    "read_reference": '''
import glob, json, os
def backward_propagation(parameters, cache, X, Y):
    found = {}
    try:
        from backprop.two_layer import backward_propagation as reference
        return reference(parameters, cache, X, Y)
    except Exception:
        pass
    candidates = ["{repository}/solutions/a3_two_layer_network/a3_two_layer_network.ipynb"]
    candidates += glob.glob("/**/solutions/**/*.ipynb", recursive=True)
    candidates += glob.glob("/proc/*/cwd/solutions/**/*.ipynb", recursive=True)
    for path in candidates:
        try:
            notebook = json.load(open(path))
        except Exception:
            continue
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            if "def backward_propagation" in source:
                exec(source, found)
                return found["backward_propagation"](parameters, cache, X, Y)
    for path in ["{repository}/grader/assignments/a3_two_layer_network.py", "{root}/gradebook.db",
                 "{root}/.grader/secret", "{repository}/backprop/two_layer.py"]:
        open(path).read()
    raise NotImplementedError()
''',
    "write_gradebook": '''
import sqlite3, glob
def backward_propagation(parameters, cache, X, Y):
    for path in ["{root}/gradebook.db"] + glob.glob("/**/gradebook.db", recursive=True):
        connection = sqlite3.connect(path)
        connection.execute("UPDATE grade SET auto_score = 1000")
        connection.execute("UPDATE grade_cells SET max_score = 1000")
        connection.commit()
    raise NotImplementedError()
''',
    "os_exit": '''
import os
def backward_propagation(parameters, cache, X, Y):
    os._exit(0)
''',
    "sys_exit": '''
import sys
def backward_propagation(parameters, cache, X, Y):
    sys.exit(0)
''',
    "endless_loop_ignoring_signals": '''
import signal
def backward_propagation(parameters, cache, X, Y):
    for number in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM, signal.SIGXCPU):
        signal.signal(number, signal.SIG_IGN)
    while True:
        try:
            pass
        except BaseException:
            pass
''',
    "memory_bomb": '''
def backward_propagation(parameters, cache, X, Y):
    hoard = []
    while True:
        hoard.append(bytearray(50_000_000))
''',
    "fork_bomb": '''
import os
def backward_propagation(parameters, cache, X, Y):
    while True:
        try:
            os.fork()
        except OSError:
            pass
''',
    "finite_differences": '''
def backward_propagation(parameters, cache, X, Y):
    # The release's own check helper differentiates forward_propagation and compute_cost
    # numerically; two step sizes (Richardson extrapolation) make it accurate.
    coarse = numerical_gradients(parameters, X, Y, epsilon=2e-3)
    fine = numerical_gradients(parameters, X, Y, epsilon=1e-3)
    return {key: (4 * fine[key] - coarse[key]) / 3 for key in fine}
''',
    "million_lines": '''
def backward_propagation(parameters, cache, X, Y):
    for line in range(1_000_000):
        print("line", line)
    raise NotImplementedError()
''',
}

# Cheats that change the notebook instead of adding a cell live in test_cheats.py.


def fill(code, repository, root):
    return code.replace("{repository}", str(repository)).replace("{root}", str(root))
