"""The symbolic helpers of the chain-rule chapter, checked against independent answers."""
import numpy as np
import pytest
import sympy as sp

from backprop.local_gradients import (book_latex, markdown_table, matmul_gradients,
                                      partial_latex, symbol_matrix)


def test_symbol_matrix_has_the_shape_asked_for_and_distinct_entries():
    M = symbol_matrix("a", 2, 3)
    assert M.shape == (2, 3)
    assert len(M.free_symbols) == 6
    assert sp.latex(M[1, 2]) == "a_{23}"


@pytest.mark.parametrize("n, k, p", [(2, 3, 4), (3, 2, 1), (1, 1, 1)])
def test_matmul_gradients_agree_with_finite_differences(n, k, p):
    A, B, G = symbol_matrix("a", n, k), symbol_matrix("b", k, p), symbol_matrix("g", n, p)
    dA, dB = matmul_gradients(A, B, G)
    rng = np.random.default_rng(n * 100 + k * 10 + p)
    values = {name: rng.standard_normal(M.shape) for name, M in (("A", A), ("B", B), ("G", G))}
    substitution = {}
    for name, M in (("A", A), ("B", B), ("G", G)):
        substitution.update({M[i, j]: values[name][i, j] for i, j in np.ndindex(M.shape)})

    def loss(A_value, B_value):
        return float(np.sum(values["G"] * (A_value @ B_value)))

    eps = 1e-6
    for symbolic, name in ((dA, "A"), (dB, "B")):
        analytic = np.array(symbolic.subs(substitution).tolist(), dtype=float)
        numerical = np.zeros_like(values[name])
        for index in np.ndindex(values[name].shape):
            plus, minus = values[name].copy(), values[name].copy()
            plus[index] += eps
            minus[index] -= eps
            if name == "A":
                numerical[index] = (loss(plus, values["B"]) - loss(minus, values["B"])) / (2 * eps)
            else:
                numerical[index] = (loss(values["A"], plus) - loss(values["A"], minus)) / (2 * eps)
        assert analytic.shape == values[name].shape
        assert np.allclose(analytic, numerical, atol=1e-6), name


def test_matmul_gradients_are_dC_B_transpose_and_A_transpose_dC():
    A, B, G = symbol_matrix("a", 2, 3), symbol_matrix("b", 3, 4), symbol_matrix("g", 2, 4)
    dA, dB = matmul_gradients(A, B, G)
    assert sp.expand(dA - G * B.T) == sp.zeros(2, 3)
    assert sp.expand(dB - A.T * G) == sp.zeros(3, 4)


def test_matmul_gradients_reject_an_upstream_gradient_of_the_wrong_shape():
    A, B = symbol_matrix("a", 2, 3), symbol_matrix("b", 3, 4)
    with pytest.raises(ValueError, match="shape"):
        matmul_gradients(A, B, symbol_matrix("g", 4, 2))


def test_book_latex_writes_the_chain_rules_in_leibniz_notation():
    x, t = sp.symbols("x t")
    f, g, u, v = (sp.Function(name) for name in "fguv")
    one_path = sp.Derivative(f(g(x)), x)
    assert book_latex(one_path) == r"\frac{d f}{d x}"
    assert book_latex(one_path.doit()) == r"\frac{d f}{d g} \frac{d g}{d x}"
    two_paths = sp.Derivative(f(u(t), v(t)), t).doit()
    assert book_latex(two_paths) == (r"\frac{\partial f}{\partial u} \frac{d u}{d t} + "
                                     r"\frac{\partial f}{\partial v} \frac{d v}{d t}")


def test_book_latex_separates_matrix_factors_and_writes_transposes_with_top():
    A, B = sp.MatrixSymbol("A", 2, 3), sp.MatrixSymbol("B", 3, 4)
    dC = sp.MatrixSymbol("dC", 2, 4)
    assert book_latex(dC * B.T) == r"dC \, B^{\top}"
    assert book_latex(A.T * dC) == r"A^{\top} \, dC"
    assert book_latex(-A * B) == r"- A \, B"
    # everything else prints as SymPy prints it
    z = sp.Symbol("z")
    assert book_latex(1 / (1 + sp.exp(-z))) == sp.latex(1 / (1 + sp.exp(-z)))


def test_partial_latex_names_output_and_variable():
    assert partial_latex(sp.Symbol("c"), sp.Symbol("x")) == r"\frac{\partial c}{\partial x}"
    assert partial_latex(sp.Symbol("L"), sp.MatrixSymbol("A", 2, 3)) == r"\frac{\partial L}{\partial A}"


def test_markdown_table_has_a_header_a_rule_and_one_line_per_row():
    table = markdown_table(["a", "b"], [["1", "2"], ["3", "4"]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |", "| 3 | 4 |"]
    with pytest.raises(ValueError):
        markdown_table(["a", "b"], [["1"]])
