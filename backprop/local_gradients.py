"""Symbolic helpers behind the chapter on the chain rule and local gradients.

The chapter derives every local gradient with SymPy; this module holds the pieces it shares
with the tests: a matrix of symbols, the entry-by-entry derivation of the matrix-multiply
gradients, a LaTeX printer for the book's notation (Leibniz derivatives, thin spaces between
matrix factors) and the Markdown table that displays SymPy results.
"""
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import precedence_traditional


def symbol_matrix(name, rows, cols):
    """A (rows, cols) SymPy matrix of distinct symbols, printed name_{11}, name_{12}, ...;
    entry (i, j) is name_{i+1 j+1}."""
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + 1}{j + 1}}}"))


def matmul_gradients(A, B, G):
    """The gradients of the scalar L = sum(G * (A B)) with respect to A and B, entry by entry.

    ``A`` is (n, k), ``B`` is (k, p) and ``G`` is (n, p): G stands for the upstream gradient
    dL/dC of C = A B, because L = sum_ij G_ij C_ij has exactly that derivative with respect to C.
    Every entry of the result is ``sp.diff(L, entry)``; no formula is assumed.

    Returns ``(dA, dB)``, SymPy matrices of shapes (n, k) and (k, p).
    """
    C = A * B
    if G.shape != C.shape:
        raise ValueError(f"G must have the shape of A B, {C.shape}, not {G.shape}")
    loss = sum(G.multiply_elementwise(C))
    dA = A.applyfunc(lambda entry: sp.diff(loss, entry))
    dB = B.applyfunc(lambda entry: sp.diff(loss, entry))
    return dA, dB


class BookLatexPrinter(LatexPrinter):
    r"""LaTeX in the book's notation.

    - Undefined functions by name and their derivatives in Leibniz notation: f(g(x)) prints
      as f, and its derivative by g(x) as d f / d g. Such a derivative is partial when the
      function has more than one argument and the variable is one of them; otherwise it is
      total. Other derivatives print as SymPy prints them.
    - Matrix products with a thin space between factors (``dC \, B^\top``), so that a
      factor named ``dC`` cannot be read as three factors.
    - Transposes as ``^\top``.
    """

    def _print_Derivative(self, expr):
        function = expr.expr
        if not isinstance(function, AppliedUndef) or len(expr.variable_count) != 1:
            return super()._print_Derivative(expr)
        (variable, count), = expr.variable_count
        partial = len(function.args) > 1 and variable in function.args
        d = r"\partial" if partial else "d"
        power = "" if count == 1 else f"^{{{count}}}"
        return (rf"\frac{{{d}{power} {self._print(function)}}}"
                rf"{{{d} {self._print(variable)}{power}}}")

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, AppliedUndef):
            name = self._deal_with_super_sub(expr.func.__name__)
            return name if exp is None else f"{name}^{{{exp}}}"
        return super()._print_Function(expr, exp)

    def _print_MatMul(self, expr):
        if expr.could_extract_minus_sign():
            return "- " + self._print(-expr)
        precedence = precedence_traditional(expr)
        return r" \, ".join(self.parenthesize(arg, precedence, False) for arg in expr.args)

    def _print_Transpose(self, expr):
        text = super()._print_Transpose(expr)
        return text[:-len("^{T}")] + r"^{\top}" if text.endswith("^{T}") else text


def book_latex(expr):
    """``expr`` (SymPy) as LaTeX in the book's notation (see ``BookLatexPrinter``)."""
    return BookLatexPrinter().doprint(expr)


def partial_latex(output, variable):
    r"""The LaTeX of the partial derivative of the symbol ``output`` by ``variable``:
    ``\frac{\partial c}{\partial x}``. Both are SymPy objects (symbols or matrix symbols)."""
    return rf"\frac{{\partial {sp.latex(output)}}}{{\partial {sp.latex(variable)}}}"


def markdown_table(header, rows):
    """A Markdown table: ``header`` is a list of column titles, ``rows`` a list of lists of
    cell strings of the same length. Raises ValueError if a row has another length."""
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {row!r} has {len(row)} cells, the header {len(header)}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
