"""The deep-network chapter's symbolic checks can fail, and fail where they should.

The chapter is converted to a notebook with jupytext and executed with nbclient up to and
including its last cell tagged ``symbolic-check`` (the ReLU, ReLU, sigmoid derivation); the
training on the two moons and the exercises after it are not run. A wrong displayed equation (the
chapter's text with one formula object changed) must stop the execution in the cell that checks
it; a wrong reference ``linear_backward`` (built from the source of ``backprop/deep.py`` with one
replacement) must stop it in the cell tagged ``reference-check``; the chapter as it is must run
through. A test of ``backprop.plotting.plot_decision_boundary_deep`` follows.
"""
import jupytext
import matplotlib
import nbformat
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from backprop.deep import initialize_parameters_deep  # noqa: E402
from backprop.plotting import plot_decision_boundary_deep  # noqa: E402
from grader.course import REPOSITORY  # noqa: E402
from tests.chapters import REFERENCE_CHECK, SYMBOLIC, first_failure, index_of, symbolic_part, tags  # noqa: E402

CHAPTER = REPOSITORY / "chapters" / "deep_network.md"
REFERENCE = REPOSITORY / "backprop" / "deep.py"

# the cell that must fail is named by a string that occurs in it and in no other code cell
GENERAL_CHECK, RELU_CHECK, START_CHECK = "checked = {}", "relu_network = {", "start_lhs, start_rhs"

WRONG_EQUATIONS = {
    "dW without the transpose": (
        '"dW": (s["dW"], s["dZ"] * s["A_prev"].T / m)',
        '"dW": (s["dW"], s["dZ"] * s["A_prev"] / m)', GENERAL_CHECK),
    "db without 1/m": (
        '"db": (s["db"], s["dZ"] * sp.OneMatrix(m, 1) / m)',
        '"db": (s["db"], s["dZ"] * sp.OneMatrix(m, 1))', GENERAL_CHECK),
    "dA_prev with 1/m": (
        '"dA_prev": (s["dA_prev"], s["W"].T * s["dZ"])',
        '"dA_prev": (s["dA_prev"], s["W"].T * s["dZ"] / m)', GENERAL_CHECK),
    "dZ with the local gradient of the layer below": (
        "g_prime = activation(l)[1]", "g_prime = activation(l - 1)[1]", GENERAL_CHECK),
    "the start with the wrong sign": (
        "-y_L / a_L + (1 - y_L) / (1 - a_L)", "y_L / a_L - (1 - y_L) / (1 - a_L)", START_CHECK),
    "ReLU: the mask of the layer above": (
        "ElementwiseApplyFunction(sp.Heaviside, s[\"Z\"])",
        "ElementwiseApplyFunction(sp.Heaviside, above[\"Z\"])", RELU_CHECK),
    "ReLU: the top as Y - A": ('s["A"] - sp.MatrixSymbol("Y", size(L_check), m)',
                               'sp.MatrixSymbol("Y", size(L_check), m) - s["A"]', RELU_CHECK),
}

WRONG_REFERENCES = {
    "db without keepdims": ("db = np.sum(dZ, axis=1, keepdims=True) / m",
                            "db = np.sum(dZ, axis=1) / m"),
    "m read from the rows": ("    m = A_prev.shape[1]\n", "    m = A_prev.shape[0]\n"),
    "dA_prev divided by m": ("    dA_prev = W.T @ dZ\n", "    dA_prev = W.T @ dZ / m\n"),
}


def test_every_displayed_result_is_glued_from_a_checked_cell():
    notebook = jupytext.reads(CHAPTER.read_text(encoding="utf-8"), fmt="md:myst")
    glued = [cell for cell in notebook.cells
             if cell.cell_type == "code" and ('glue("eq_' in cell.source
                                              or 'glue(f"eq_' in cell.source)]
    assert len(glued) == 3
    for cell in glued:
        assert SYMBOLIC in tags(cell), cell.source[:200]
    index_of(notebook, lambda cell: REFERENCE_CHECK in tags(cell))


def test_the_chapter_passes_its_symbolic_checks():
    assert first_failure(symbolic_part(CHAPTER.read_text(encoding="utf-8"))) == (None, None)


@pytest.mark.parametrize("mistake", sorted(WRONG_EQUATIONS))
def test_a_wrong_displayed_equation_fails_in_its_check(mistake):
    old, new, failing_cell = WRONG_EQUATIONS[mistake]
    text = CHAPTER.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    notebook = symbolic_part(text.replace(old, new))
    expected = index_of(notebook, lambda cell: cell.cell_type == "code"
                        and failing_cell in cell.source)
    assert SYMBOLIC in tags(notebook.cells[expected])

    failed_at, error = first_failure(notebook)
    assert failed_at == expected, (mistake, failed_at, error)


@pytest.mark.parametrize("mistake", sorted(WRONG_REFERENCES))
def test_a_wrong_reference_fails_in_the_cell_that_checks_it(mistake):
    old, new = WRONG_REFERENCES[mistake]
    source = REFERENCE.read_text(encoding="utf-8")
    assert source.count(old) == 1, old
    wrong_source = source.replace(old, new)
    patch = nbformat.v4.new_code_cell(
        "import types\n"
        "wrong_module = types.ModuleType('wrong_deep')\n"
        f"exec(compile({wrong_source!r}, 'wrong_deep.py', 'exec'), wrong_module.__dict__)\n"
        "linear_backward = wrong_module.linear_backward\n")
    notebook = symbolic_part(CHAPTER.read_text(encoding="utf-8"))
    first_check = next(index for index, cell in enumerate(notebook.cells) if SYMBOLIC in tags(cell))
    notebook.cells.insert(first_check, patch)
    expected = index_of(notebook, lambda cell: REFERENCE_CHECK in tags(cell))

    failed_at, error = first_failure(notebook)
    assert failed_at == expected, (mistake, failed_at, error)


def test_plot_decision_boundary_deep_draws_the_output_of_the_network():
    X = np.array([[0.0, 1.0, -1.0, 0.5, 2.0], [0.0, 1.0, 0.5, -1.0, 0.3]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    parameters = initialize_parameters_deep([2, 3, 4, 1], seed=2)
    ax = plot_decision_boundary_deep(parameters, X, Y, resolution=30)
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    offsets = np.concatenate([collection.get_offsets() for collection in ax.collections
                              if len(collection.get_offsets()) > 0 and
                              collection.get_offsets().shape[1] == 2])
    assert {tuple(point) for point in X.T} <= {tuple(point) for point in offsets}
    plt.close(ax.figure)
