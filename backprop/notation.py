"""The book's notation as SymPy objects, so that a displayed formula is the formula that is checked.

A chapter writes a result once, as a SymPy expression in matrix symbols whose names print as the
text writes them (``sp.MatrixSymbol("dZ^{[2]}", n_y, m)``), checks that object, and displays it
with :func:`latex`. Nothing is typed twice.

- :class:`sigma` is the logistic function as a SymPy function whose derivative is written with
  its output, ``sigma(z) * (1 - sigma(z))``; ``sigma(z).rewrite(sp.exp)`` is ``1 / (1 + exp(-z))``.
- :func:`latex` prints with the book's conventions (:class:`MatrixNotationPrinter`):
  ``A^{[1]\\top}`` for a transpose, ``\\odot`` for the elementwise product, ``\\mathbf{1}`` for a
  matrix of ones, partial derivatives as fractions.
- :func:`equation` and :func:`aligned` give the LaTeX of checked equations, for display.
- :func:`explicit` turns a matrix expression into an explicit matrix, for given sizes and given
  explicit matrices of symbols, checking every shape on the way.
- :func:`assert_gradient` compares a formula with the derivative of a cost, entry by entry.
"""
import numpy as np
import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from backprop.local_gradients import BookLatexPrinter


class sigma(sp.Function):
    """The logistic function sigma(z) = 1 / (1 + exp(-z)) of a scalar SymPy expression.

    SymPy differentiates it with its output, d sigma / dz = sigma (1 - sigma). That rule is a
    claim: a chapter that uses this class checks it against ``sigma(z).rewrite(sp.exp)``.
    """

    def fdiff(self, argindex=1):
        output = sigma(self.args[0])
        return output * (1 - output)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))


class MatrixNotationPrinter(BookLatexPrinter):
    """LaTeX in the book's notation, for the matrix formulas of the backward pass.

    It extends :class:`backprop.local_gradients.BookLatexPrinter` (thin spaces between matrix
    factors, ``^\\top``): ``Transpose(A^{[1]})`` prints ``A^{[1]\\top}`` and ``Transpose(X)``
    prints ``X^\\top``; the elementwise product prints ``\\odot`` and its square
    ``(A)^{\\odot 2}``; a matrix of ones prints ``\\mathbf{1}`` (a column of m ones
    ``\\mathbf{1}_{m}``); a sum puts its positive terms first; a derivative of a symbol L by x
    prints ``\\partial L / \\partial x``.
    """

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        if isinstance(expr.arg, sp.MatrixSymbol):
            if inner.endswith("}") and "^{" in inner:
                return inner[:-1] + r"\top}"
            return inner + r"^{\top}"
        return super()._print_Transpose(expr)

    def _print_HadamardProduct(self, expr):
        def factor(arg):
            text = self._print(arg)
            if isinstance(arg, (sp.MatAdd, sp.MatMul, sp.HadamardProduct)):
                return r"\left(%s\right)" % text
            return text
        return r" \odot ".join(factor(arg) for arg in expr.args)

    def _print_HadamardPower(self, expr):
        return r"\left(%s\right)^{\odot %s}" % (self._print(expr.base), self._print(expr.exp))

    def _print_OneMatrix(self, expr):
        if expr.shape[1] == 1:
            return r"\mathbf{1}_{%s}" % self._print(expr.shape[0])
        return r"\mathbf{1}"

    def _print_sum_positive_first(self, expr):
        terms = sorted(expr.args, key=lambda term: term.could_extract_minus_sign())
        text = self._print(terms[0])
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                text += " - " + self.parenthesize(-term, PRECEDENCE["Add"], strict=True)
            else:
                text += " + " + self._print(term)
        return text

    def _print_MatAdd(self, expr):
        return self._print_sum_positive_first(expr)

    def _print_Add(self, expr, order=None):
        return self._print_sum_positive_first(expr)

    def _print_Derivative(self, expr):
        if len(expr.variables) == 1 and isinstance(expr.expr, sp.Symbol):
            return r"\frac{\partial %s}{\partial %s}" % (self._print(expr.expr),
                                                         self._print(expr.variables[0]))
        return super()._print_Derivative(expr)


def latex(expr):
    """LaTeX of a SymPy object in the book's notation (see :class:`MatrixNotationPrinter`)."""
    return MatrixNotationPrinter().doprint(expr)


def shape_text(expr):
    """The shape of a matrix expression as LaTeX, e.g. ``(n_{y}, n_{h})``."""
    return r"\left(%s, %s\right)" % tuple(latex(size) for size in expr.shape)


def equation(lhs, rhs):
    """LaTeX of ``lhs = rhs``; for matrices the shape follows, ``\\qquad (n_y, n_h)``.

    For matrix expressions the symbolic shapes of both sides must be equal (``AssertionError``
    otherwise), so a product that cannot have the shape of the left side cannot be displayed.
    """
    text = latex(lhs) + " = " + latex(rhs)
    if getattr(rhs, "is_Matrix", False) or getattr(lhs, "is_Matrix", False):
        assert tuple(lhs.shape) == tuple(rhs.shape), (
            f"{latex(lhs)} has shape {lhs.shape}, the right side {rhs.shape}")
        text += r" \qquad " + shape_text(rhs)
    return text


def aligned(rows):
    """LaTeX of several equations aligned at their = signs.

    rows: a list of rows, each a list of ``(lhs, rhs)`` pairs set side by side. Shapes are
    checked as in :func:`equation`; no shapes are printed.
    """
    lines = []
    for row in rows:
        cells = []
        for lhs, rhs in row:
            if getattr(rhs, "is_Matrix", False):
                assert tuple(lhs.shape) == tuple(rhs.shape), (latex(lhs), lhs.shape, rhs.shape)
            cells.append(latex(lhs) + " &= " + latex(rhs))
        lines.append(r", & ".join(cells))
    return r"\begin{aligned} " + r", \\ ".join(lines) + r" \end{aligned}"


def explicit(expr, sizes, values):
    """The explicit matrix of a matrix expression.

    expr: a SymPy matrix expression in ``MatrixSymbol`` objects with symbolic sizes (and scalars
    such as ``1/m``); sizes: ``{size symbol: int}``; values: ``{MatrixSymbol: explicit matrix}``
    with the concrete shape of that symbol. Every size symbol is replaced by its number (also
    where it appears as a scalar, as ``m`` in ``1/m``), then every matrix symbol by its matrix.
    Raises ``ValueError`` when a value has the wrong shape, and SymPy's ``ShapeError`` when the
    expression multiplies or adds matrices whose sizes do not fit. Returns an
    ``sp.ImmutableMatrix`` of shape ``expr.shape`` with the sizes put in.
    """
    concrete = {}
    for symbol, value in values.items():
        sized = symbol.xreplace(sizes)
        if tuple(value.shape) != tuple(sized.shape):
            raise ValueError(f"{symbol.name}: value of shape {value.shape}, expected {sized.shape}")
        concrete[sized] = sp.ImmutableMatrix(value)
    result = expr.xreplace(sizes).xreplace(concrete).doit()
    expected = tuple(int(size) for size in expr.xreplace(sizes).shape)
    result = sp.ImmutableMatrix(result.as_explicit())
    if result.shape != expected:
        raise sp.ShapeError(f"explicit result of shape {result.shape}, expected {expected}")
    return result


def is_zero(expr):
    """Whether a scalar SymPy expression is identically zero.

    Expressions in the book's checks are polynomials in their symbols and in the atoms
    ``sigma(...)`` and ``tanh(...)`` (``sp.expand`` decides those), or rational functions of
    exponentials (``sp.cancel`` of ``sp.together`` decides those).
    """
    if expr.has(sp.exp):
        return sp.cancel(sp.together(expr)) == 0
    return sp.expand(expr) == 0


def assert_gradient(cost, variables, formula, scale=1):
    """Assert ``scale * d(cost) / d(variables[k]) == formula[k]`` for every entry k.

    cost: a scalar SymPy expression; variables: an explicit matrix of SymPy symbols, shape
    (r, c); formula: an explicit SymPy matrix or a NumPy array (of SymPy expressions) that must
    have exactly the shape (r, c). The shapes are compared first, before any conversion, so
    that a NumPy array of shape (r,) does not pass as a column. ``scale = m`` checks a
    per-example gradient ``dV = m dJ/dV``.
    """
    assert tuple(formula.shape) == tuple(variables.shape), (
        f"shape {tuple(formula.shape)}, expected {tuple(variables.shape)}")
    for k in np.ndindex(*variables.shape):
        difference = scale * sp.diff(cost, variables[k]) - formula[k]
        assert is_zero(difference), f"entry {k} differs from the derivative"
