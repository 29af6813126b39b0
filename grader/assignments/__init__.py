"""One module per graded assignment: its secret cases, its checks and its catalogue of mutants.

Each module defines ``NAME``, ``make_cases(rng) -> [Case]``, ``CHECKS`` and ``MUTANTS``, and names
its reference implementation ``reference`` (a module whose functions the cases call).
"""
import importlib

NAMES = ("a1_computation_graphs", "a2_activation_gradients", "a3_two_layer_network", "a4_deep_network", "a5_gradient_checking", "a6_bug_hunt", "a7_complexity", "a8_autodiff_engine",)


def load(name):
    """The module of assignment ``name``; a clear error for a name that has no grader."""
    if name not in NAMES:
        raise KeyError("no grader for assignment %r (graded assignments: %s)" % (name, ", ".join(NAMES)))
    return importlib.import_module("grader.assignments." + name)
