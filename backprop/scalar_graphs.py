"""The small computation graphs of assignment a1, with every answer derived by SymPy.

Each function builds one graph from its input symbols and returns a dict of SymPy expressions in
those symbols: the forward value of every node, then the gradient of the graph's output with
respect to every node and every input. The gradients come from ``sp.diff`` of the output written
as a function of the node (a fresh symbol stands for the node, then the node's expression is put
back), never from a hand-written chain rule: they are the reference that a student's hand-derived
answers are compared with, at random points.
"""
import sympy as sp


def _gradient(output_of_node, node, node_value):
    """d output / d node, with the node's own expression put back in."""
    return sp.diff(output_of_node, node).subs(node, node_value)


def graph_sum_times():
    """f = (x + y) z with q = x + y. Keys: q, f, df_dq, df_dz, df_dx, df_dy; symbols x, y, z."""
    x, y, z, Q = sp.symbols("x y z Q")
    q = x + y
    f = q * z
    return {"q": q, "f": f, "df_dq": _gradient(Q * z, Q, q), "df_dz": sp.diff(f, z),
            "df_dx": sp.diff(f, x), "df_dy": sp.diff(f, y)}


def graph_polynomial():
    """f = x**2 y + 3 x y**2 with p = x**2 y and r = 3 x y**2, f = p + r.

    Keys: p, r, f, df_dp, df_dr, df_dx, df_dy; symbols x, y.
    """
    x, y, P, R = sp.symbols("x y P R")
    p = x ** 2 * y
    r = 3 * x * y ** 2
    f = p + r
    return {"p": p, "r": r, "f": f, "df_dp": _gradient(P + r, P, p), "df_dr": _gradient(p + R, R, r),
            "df_dx": sp.diff(f, x), "df_dy": sp.diff(f, y)}


def graph_logistic_regression():
    """One sigmoid neuron with two inputs and binary cross-entropy.

    z = w1 x1 + w2 x2 + b, a = 1 / (1 + exp(-z)), L = -(y log a + (1 - y) log(1 - a)).
    Keys: z, a, L, dL_da, dL_dz, dL_dw1, dL_dw2, dL_db; symbols w1, w2, b, x1, x2, y.
    """
    w1, w2, b, x1, x2, y, A, Z = sp.symbols("w1 w2 b x1 x2 y A Z")
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + sp.exp(-z))
    loss_of_a = -(y * sp.log(A) + (1 - y) * sp.log(1 - A))
    L = loss_of_a.subs(A, a)
    return {"z": z, "a": a, "L": L, "dL_da": _gradient(loss_of_a, A, a),
            "dL_dz": _gradient(loss_of_a.subs(A, 1 / (1 + sp.exp(-Z))), Z, z),
            "dL_dw1": sp.diff(L, w1), "dL_dw2": sp.diff(L, w2), "dL_db": sp.diff(L, b)}


def graph_fan_out():
    """g = a b with a = x + y and b = x y: x and y each feed two nodes.

    Keys: a, b, g, dg_da, dg_db, dg_dx, dg_dy; symbols x, y.
    """
    x, y, A, B = sp.symbols("x y A B")
    a = x + y
    b = x * y
    g = a * b
    return {"a": a, "b": b, "g": g, "dg_da": _gradient(A * b, A, a), "dg_db": _gradient(a * B, B, b),
            "dg_dx": sp.diff(g, x), "dg_dy": sp.diff(g, y)}


SYMBOLS = {
    "graph_sum_times": ("x", "y", "z"),
    "graph_polynomial": ("x", "y"),
    "graph_logistic_regression": ("w1", "w2", "b", "x1", "x2", "y"),
    "graph_fan_out": ("x", "y"),
}
