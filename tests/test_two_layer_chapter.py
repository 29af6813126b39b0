"""The two-layer chapter's symbolic checks can fail, and fail where they should.

The chapter is converted to a notebook with jupytext and executed with nbclient up to and
including its last cell tagged ``symbolic-check``: the derivation of the backward pass, the check
of the reference implementation and the softmax gradient, nothing of the numerical check or the
training runs after them. A wrong reference implementation (built from the source of
``backprop/two_layer.py`` with one replacement) must stop the execution in the cell tagged
``reference-check``; a wrong displayed equation (the chapter's text with one formula object
changed) must stop it in the cell that checks and displays that equation; the chapter as it is
must run through. Unit tests of the two modules the chapter adds, ``backprop.notation`` and
``backprop.xor_sweep``, follow.
"""
import jupytext
import nbformat
import numpy as np
import pytest
import sympy as sp

from backprop import notation
from backprop.activations import sigmoid, sigmoid_derivative_from_output
from backprop.data import xor_dataset
from backprop.two_layer import compute_cost, initialize_parameters, train
from backprop.xor_sweep import initial_stack, train_seeds
from grader.course import REPOSITORY
from tests.chapters import REFERENCE_CHECK, SYMBOLIC, first_failure, index_of, symbolic_part, tags

CHAPTER = REPOSITORY / "chapters" / "two_layer_network.md"
REFERENCE = REPOSITORY / "backprop" / "two_layer.py"

WRONG_REFERENCES = {
    "m read from the axis of the features": ("m = X.shape[1]", "m = X.shape[0]"),
    "db1 without keepdims": ("db1 = np.sum(dZ1, axis=1, keepdims=True) / m",
                             "db1 = np.sum(dZ1, axis=1) / m"),
    "elementwise product for W2.T @ dZ2": ('parameters["W2"].T @ dZ2', 'parameters["W2"].T * dZ2'),
}

WRONG_EQUATIONS = {
    "dW2 without the transpose": ("dW2_rhs = dZ2 * A1.T / m", "dW2_rhs = dZ2 * A1 / m"),
    "dW1 without 1/m": ("dW1_rhs = dZ1 * X_.T / m", "dW1_rhs = dZ1 * X_.T"),
    "dZ1 with a matrix product for the elementwise one": (
        "dZ1_rhs = sp.HadamardProduct(dA1_rhs, sp.OneMatrix(n_h, m) - sp.HadamardPower(A1, 2))",
        "dZ1_rhs = dA1_rhs * (sp.OneMatrix(n_h, m) - sp.HadamardPower(A1, 2))"),
}


def test_every_displayed_result_is_glued_from_a_checked_cell():
    notebook = jupytext.reads(CHAPTER.read_text(encoding="utf-8"), fmt="md:myst")
    glued = [cell for cell in notebook.cells
             if cell.cell_type == "code" and 'glue("eq_' in cell.source]
    assert len(glued) >= 10
    for cell in glued:
        if 'glue("eq_six"' in cell.source:      # printed from the objects checked above it
            continue
        assert SYMBOLIC in tags(cell), cell.source[:200]
    index_of(notebook, lambda cell: REFERENCE_CHECK in tags(cell))


def test_the_chapter_passes_its_symbolic_checks():
    assert first_failure(symbolic_part(CHAPTER.read_text(encoding="utf-8"))) == (None, None)


@pytest.mark.parametrize("mistake", sorted(WRONG_REFERENCES))
def test_a_wrong_reference_fails_in_the_cell_that_checks_it(mistake):
    old, new = WRONG_REFERENCES[mistake]
    source = REFERENCE.read_text(encoding="utf-8")
    assert source.count(old) == 1, old
    wrong_source = source.replace(old, new)
    patch = nbformat.v4.new_code_cell(
        "import types\n"
        "import backprop.two_layer\n"
        "wrong_module = types.ModuleType('wrong_two_layer')\n"
        f"exec(compile({wrong_source!r}, 'wrong_two_layer.py', 'exec'), wrong_module.__dict__)\n"
        "backprop.two_layer.backward_propagation = wrong_module.backward_propagation\n"
        "backward_propagation = wrong_module.backward_propagation\n")
    notebook = symbolic_part(CHAPTER.read_text(encoding="utf-8"))
    first_check = next(index for index, cell in enumerate(notebook.cells) if SYMBOLIC in tags(cell))
    notebook.cells.insert(first_check, patch)
    expected = index_of(notebook, lambda cell: REFERENCE_CHECK in tags(cell))

    failed_at, error = first_failure(notebook)
    assert failed_at == expected, (mistake, failed_at, error)


@pytest.mark.parametrize("mistake", sorted(WRONG_EQUATIONS))
def test_a_wrong_displayed_equation_fails_in_its_cell(mistake):
    old, new = WRONG_EQUATIONS[mistake]
    text = CHAPTER.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    notebook = symbolic_part(text.replace(old, new))
    expected = index_of(notebook, lambda cell: cell.cell_type == "code" and new in cell.source)
    assert SYMBOLIC in tags(notebook.cells[expected])
    assert 'glue("eq_' in notebook.cells[expected].source

    failed_at, error = first_failure(notebook)
    assert failed_at == expected, (mistake, failed_at, error)


# --- backprop.notation: the printer and the checks the chapter relies on ---

N_H, M = sp.symbols("n_h m", integer=True, positive=True)
A1 = sp.MatrixSymbol("A^{[1]}", N_H, M)
DZ1 = sp.MatrixSymbol("dZ^{[1]}", N_H, M)
DB1 = sp.MatrixSymbol("db^{[1]}", N_H, 1)


def test_the_printer_writes_the_book_notation():
    assert notation.latex(A1.T) == r"A^{[1]\top}"
    assert notation.latex(sp.MatrixSymbol("X", 2, M).T) == r"X^{\top}"
    product = sp.HadamardProduct(DZ1, sp.OneMatrix(N_H, M) - sp.HadamardPower(A1, 2))
    assert notation.latex(product) == (r"dZ^{[1]} \odot \left(\mathbf{1} - "
                                       r"\left(A^{[1]}\right)^{\odot 2}\right)")
    assert notation.latex(DZ1 * sp.OneMatrix(M, 1) / M) == (
        r"\frac{1}{m} \, dZ^{[1]} \, \mathbf{1}_{m}")
    assert notation.latex(sp.Derivative(sp.Symbol("L"), sp.Symbol("a"))) == (
        r"\frac{\partial L}{\partial a}")


def test_equation_shows_the_shape_and_refuses_a_mismatch():
    assert notation.equation(DB1, DZ1 * sp.OneMatrix(M, 1) / M).endswith(
        r"\qquad \left(n_{h}, 1\right)")
    with pytest.raises(AssertionError):
        notation.equation(DB1, DZ1 / M)


def test_explicit_substitutes_sizes_and_matrices_and_checks_shapes():
    sizes = {N_H: 3, M: 4}
    values = {DZ1: sp.Matrix(3, 4, lambda i, j: i + j)}
    column = notation.explicit(DZ1 * sp.OneMatrix(M, 1) / M, sizes, values)
    assert column.shape == (3, 1)
    assert list(column) == [sp.Rational(sum(i + j for j in range(4)), 4) for i in range(3)]
    with pytest.raises(sp.ShapeError):
        notation.explicit(DZ1 * sp.MatrixSymbol("A^{[1]}", N_H, M) / M, sizes,
                          {**values, A1: sp.ones(3, 4)})
    with pytest.raises(ValueError):
        notation.explicit(DZ1 / M, sizes, {DZ1: sp.ones(4, 3)})


def test_assert_gradient_compares_shapes_first_and_then_every_entry():
    w = sp.Matrix(3, 1, sp.symbols("w1:4"))
    cost = sum(entry ** 2 for entry in w)
    notation.assert_gradient(cost, w, 2 * w)
    notation.assert_gradient(cost, w, np.array([[2 * entry] for entry in w], dtype=object))
    with pytest.raises(AssertionError, match="shape"):          # a flat (3,) array
        notation.assert_gradient(cost, w, np.array([2 * entry for entry in w], dtype=object))
    with pytest.raises(AssertionError, match="entry"):
        notation.assert_gradient(cost, w, w)


def test_sigma_is_the_logistic_function_with_its_derivative():
    z = sp.Symbol("z")
    assert sp.simplify(notation.sigma(z).rewrite(sp.exp) - 1 / (1 + sp.exp(-z))) == 0
    exact = sp.diff(1 / (1 + sp.exp(-z)), z)
    assert sp.simplify(sp.diff(notation.sigma(z), z).rewrite(sp.exp) - exact) == 0
    assert notation.is_zero(sp.diff(sp.log(notation.sigma(z)), z) - (1 - notation.sigma(z)))
    assert not notation.is_zero(sp.diff(sp.log(notation.sigma(z)), z) - notation.sigma(z))


# --- backprop.xor_sweep: the stacked trainer follows the reference trainer ---

def test_train_seeds_follows_train_for_every_seed():
    X, Y = xor_dataset()
    seeds = [0, 3, 11]
    stacked, costs = train_seeds(X, Y, n_h=5, learning_rate=0.7, epochs=60, seeds=seeds)
    assert costs.shape == (60, len(seeds))
    assert {name: value.shape for name, value in stacked.items()} == {
        "W1": (3, 5, 2), "b1": (3, 5, 1), "W2": (3, 1, 5), "b2": (3, 1, 1)}
    for position, seed in enumerate(seeds):
        parameters, seed_costs = train(X, Y, n_h=5, learning_rate=0.7, epochs=60, seed=seed)
        np.testing.assert_allclose(costs[:, position], seed_costs, rtol=1e-12)
        for name, value in parameters.items():
            np.testing.assert_allclose(stacked[name][position], value, rtol=1e-12, atol=1e-15)


def test_train_seeds_with_sigmoid_units_and_scaled_weights():
    """Against a plain loop over one network, written out with the sigmoid hidden layer."""
    X = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    Y = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])            # n_y = 2
    stacked, costs = train_seeds(X, Y, n_h=4, learning_rate=0.3, epochs=25, seeds=[7],
                                 hidden="sigmoid", weight_scale=0.1)
    start = initialize_parameters(2, 4, 2, seed=7)
    assert np.allclose(initial_stack(2, 4, 2, [7], 0.1)["W1"][0], 0.1 * start["W1"])
    W1, b1, W2, b2 = 0.1 * start["W1"], start["b1"], 0.1 * start["W2"], start["b2"]
    m = X.shape[1]
    for epoch in range(25):
        A1 = sigmoid(W1 @ X + b1)
        A2 = sigmoid(W2 @ A1 + b2)
        assert np.isclose(costs[epoch, 0], compute_cost(A2, Y), rtol=1e-12)
        dZ2 = A2 - Y
        dZ1 = (W2.T @ dZ2) * sigmoid_derivative_from_output(A1)
        W2, b2 = W2 - 0.3 * dZ2 @ A1.T / m, b2 - 0.3 * dZ2.sum(axis=1, keepdims=True) / m
        W1, b1 = W1 - 0.3 * dZ1 @ X.T / m, b1 - 0.3 * dZ1.sum(axis=1, keepdims=True) / m
    for name, value in {"W1": W1, "b1": b1, "W2": W2, "b2": b2}.items():
        np.testing.assert_allclose(stacked[name][0], value, rtol=1e-12, atol=1e-15)
