"""The small computation graphs of assignment a1, with every answer derived by SymPy.

Each function returns a dict of SymPy expressions: the forward value of every node, in the graph's
inputs, then every step of the backward pass, written the way a backward pass computes it. A step
is the gradient arriving from above times the node's local gradient, so it is an expression in an
*upstream symbol* (``g_q`` stands for the gradient of the output with respect to the node ``q``,
whatever its value) and in the values the node saw on the way forward (the symbol ``q`` for the
value of node ``q``). ``ALLOWED`` says which symbols each answer is written in; the grader gives
every symbol an independent random value, so only the step itself has the right values. Local
gradients come from ``sp.diff`` of each node's own expression: this module is the reference that a
student's hand-derived answers are compared with.
"""
import sympy as sp


def graph_sum_times():
    """f = q z with the add node q = x + y."""
    x, y, z, q, g_q = sp.symbols("x y z q g_q")
    return {"q": x + y, "f": (x + y) * z,
            "df_dq": sp.diff(q * z, q), "df_dz": sp.diff(q * z, z),
            "df_dx": g_q * sp.diff(x + y, x), "df_dy": g_q * sp.diff(x + y, y)}


def graph_polynomial():
    """f = p + r with the nodes p = x**2 y and r = 3 x y**2: x and y each feed both nodes."""
    x, y, p, r, g_p, g_r = sp.symbols("x y p r g_p g_r")
    p_of_inputs, r_of_inputs = x ** 2 * y, 3 * x * y ** 2
    return {"p": p_of_inputs, "r": r_of_inputs, "f": p_of_inputs + r_of_inputs,
            "df_dp": sp.diff(p + r, p), "df_dr": sp.diff(p + r, r),
            "df_dx": g_p * sp.diff(p_of_inputs, x) + g_r * sp.diff(r_of_inputs, x),
            "df_dy": g_p * sp.diff(p_of_inputs, y) + g_r * sp.diff(r_of_inputs, y)}


def graph_logistic_regression():
    """One sigmoid neuron with two inputs and binary cross-entropy.

    z = w1 x1 + w2 x2 + b, a = 1 / (1 + exp(-z)), L = -(y log a + (1 - y) log(1 - a)). The
    sigmoid's local gradient is written with its output a: d sigma(z)/dz = a (1 - a).
    """
    w1, w2, b, x1, x2, y, a, g_a, g_z, Z = sp.symbols("w1 w2 b x1 x2 y a g_a g_z Z")
    z_of_inputs = w1 * x1 + w2 * x2 + b
    a_of_inputs = 1 / (1 + sp.exp(-z_of_inputs))
    sigmoid_local = sp.diff(1 / (1 + sp.exp(-Z)), Z)
    sigmoid_local_from_output = sp.simplify(sigmoid_local.subs(sp.exp(-Z), (1 - a) / a))
    return {"z": z_of_inputs, "a": a_of_inputs,
            "L": -(y * sp.log(a_of_inputs) + (1 - y) * sp.log(1 - a_of_inputs)),
            "dL_da": sp.diff(-(y * sp.log(a) + (1 - y) * sp.log(1 - a)), a),
            "dL_dz": g_a * sigmoid_local_from_output,
            "dL_dw1": g_z * sp.diff(z_of_inputs, w1), "dL_dw2": g_z * sp.diff(z_of_inputs, w2),
            "dL_db": g_z * sp.diff(z_of_inputs, b)}


def graph_fan_out():
    """g = a b with a = x + y and b = x y: x and y each feed both nodes."""
    x, y, a, b, g_a, g_b = sp.symbols("x y a b g_a g_b")
    a_of_inputs, b_of_inputs = x + y, x * y
    return {"a": a_of_inputs, "b": b_of_inputs, "g": a_of_inputs * b_of_inputs,
            "dg_da": sp.diff(a * b, a), "dg_db": sp.diff(a * b, b),
            "dg_dx": g_a * sp.diff(a_of_inputs, x) + g_b * sp.diff(b_of_inputs, x),
            "dg_dy": g_a * sp.diff(a_of_inputs, y) + g_b * sp.diff(b_of_inputs, y)}


INPUTS = {
    "graph_sum_times": ("x", "y", "z"),
    "graph_polynomial": ("x", "y"),
    "graph_logistic_regression": ("w1", "w2", "b", "x1", "x2", "y"),
    "graph_fan_out": ("x", "y"),
}
NODES = {  # the values the backward pass reads, and the gradients arriving from above
    "graph_sum_times": ("q", "g_q"),
    "graph_polynomial": ("p", "r", "g_p", "g_r"),
    "graph_logistic_regression": ("a", "g_a", "g_z"),
    "graph_fan_out": ("a", "b", "g_a", "g_b"),
}
STEPS = {  # the symbols each backward step is written in
    "graph_sum_times": {"df_dq": ("q", "z"), "df_dz": ("q", "z"), "df_dx": ("g_q", "x", "y"),
                        "df_dy": ("g_q", "x", "y")},
    "graph_polynomial": {"df_dp": ("p", "r"), "df_dr": ("p", "r"), "df_dx": ("g_p", "g_r", "x", "y"),
                         "df_dy": ("g_p", "g_r", "x", "y")},
    "graph_logistic_regression": {"dL_da": ("a", "y"), "dL_dz": ("g_a", "a"),
                                  "dL_dw1": ("g_z", "w1", "w2", "b", "x1", "x2"),
                                  "dL_dw2": ("g_z", "w1", "w2", "b", "x1", "x2"),
                                  "dL_db": ("g_z", "w1", "w2", "b", "x1", "x2")},
    "graph_fan_out": {"dg_da": ("a", "b"), "dg_db": ("a", "b"), "dg_dx": ("g_a", "g_b", "x", "y"),
                      "dg_dy": ("g_a", "g_b", "x", "y")},
}
FORWARD = {  # the forward values, written in the inputs
    "graph_sum_times": ("q", "f"),
    "graph_polynomial": ("p", "r", "f"),
    "graph_logistic_regression": ("z", "a", "L"),
    "graph_fan_out": ("a", "b", "g"),
}
ALLOWED = {function: {**{key: INPUTS[function] for key in FORWARD[function]}, **STEPS[function]}
           for function in INPUTS}  # every answer's key: the symbols it may use
