"""Assignment a1: computation graphs, forward values and gradients as SymPy expressions.

Every graded function takes no argument and returns a dict of SymPy expressions in the graph's
input symbols. The sandbox evaluates each expression at secret random points and sends back only
the numbers (``grader.harness.evaluate_expressions``); the parent compares them with the values of
the reference, ``backprop.scalar_graphs``, which derives every gradient with ``sp.diff``. Nothing a
student wrote is ever parsed or evaluated in the trusted process.
"""
from backprop import scalar_graphs as reference
from grader.checks import Case, Check
from grader.mutants import Mutant

NAME = "a1_computation_graphs"
POINTS = 5


def _point(rng, names):
    """Random values for the symbols: a label y in (0, 1), everything else away from 0 in [-2.5, 2.5]."""
    values = []
    for name in names:
        if name == "y" and "w1" in names:
            values.append(float(rng.uniform(0.05, 0.95)))
        else:
            values.append(float(rng.choice([-1, 1]) * rng.uniform(0.3, 2.5)))
    return tuple(values)


def make_cases(rng):
    """One case per graph, evaluated at ``POINTS`` secret points (no case has arguments)."""
    cases = []
    for function, names in reference.SYMBOLS.items():
        points = tuple(_point(rng, names) for _ in range(POINTS))
        about = "%d random points of (%s)" % (POINTS, ", ".join(names))
        cases.append(Case("%s/%d" % (function, len(cases)), function, (), about, evaluate_at=(names, points)))
    return cases


def _keys(*keys):
    return tuple(((key,), key) for key in keys)


CHECKS = [
    Check("forward values q and f", "test_graph_sum_times", "graph_sum_times", 1, parts=_keys("q", "f")),
    Check("gradients at the nodes: df_dq and df_dz", "test_graph_sum_times", "graph_sum_times", 1,
          parts=_keys("df_dq", "df_dz")),
    Check("gradients at the inputs: df_dx and df_dy", "test_graph_sum_times", "graph_sum_times", 1,
          parts=_keys("df_dx", "df_dy")),
    Check("forward values p, r and f", "test_graph_polynomial", "graph_polynomial", 1, parts=_keys("p", "r", "f")),
    Check("gradients at the nodes: df_dp and df_dr", "test_graph_polynomial", "graph_polynomial", 1,
          parts=_keys("df_dp", "df_dr")),
    Check("df_dx", "test_graph_polynomial", "graph_polynomial", 1, parts=_keys("df_dx")),
    Check("df_dy", "test_graph_polynomial", "graph_polynomial", 1, parts=_keys("df_dy")),
    Check("forward values z, a and L", "test_graph_logistic_regression", "graph_logistic_regression", 1,
          parts=_keys("z", "a", "L")),
    Check("dL_da", "test_graph_logistic_regression", "graph_logistic_regression", 1, parts=_keys("dL_da")),
    Check("dL_dz", "test_graph_logistic_regression", "graph_logistic_regression", 1, parts=_keys("dL_dz")),
    Check("dL_dw1, dL_dw2 and dL_db", "test_graph_logistic_regression", "graph_logistic_regression", 1,
          parts=_keys("dL_dw1", "dL_dw2", "dL_db")),
    Check("forward values a, b and g", "test_graph_fan_out", "graph_fan_out", 1, parts=_keys("a", "b", "g")),
    Check("gradients at the nodes: dg_da and dg_db", "test_graph_fan_out", "graph_fan_out", 1,
          parts=_keys("dg_da", "dg_db")),
    Check("gradients at the inputs: dg_dx and dg_dy", "test_graph_fan_out", "graph_fan_out", 1,
          parts=_keys("dg_dx", "dg_dy")),
]

MUTANTS = [
    Mutant("sum_times_product_for_sum", "graph_sum_times", "q = x + y", "q = x * y",
           "q is x * y: the first node of f = (x + y) z adds, q = x + y"),
    Mutant("sum_times_df_dz_is_z", "graph_sum_times", "df_dz = q", "df_dz = z",
           "df_dz is z: a product's local gradient with respect to one factor is the OTHER factor, so "
           "df_dz = q = x + y (multiply swaps)"),
    Mutant("sum_times_df_dq_is_q", "graph_sum_times", "df_dq = z", "df_dq = q",
           "df_dq is q: the local gradient of f = q z with respect to q is z (multiply swaps)"),
    Mutant("sum_times_add_gradient_dropped", "graph_sum_times", "df_dx = df_dq * 1", "df_dx = 1",
           "df_dx is only the add node's local gradient, 1: multiply it by the upstream gradient "
           "df_dq = z (chain rule), so df_dx = z"),
    Mutant("sum_times_number_typed", "graph_sum_times", "df_dy = df_dq * 1", "df_dy = -4.0",
           "df_dy is a number (the value at x = -2, y = 5, z = -4): the answer must be an expression in "
           "x, y and z, which the grader evaluates at other points"),
    Mutant("sum_times_sign", "graph_sum_times", "df_dx = df_dq * 1", "df_dx = -df_dq",
           "df_dx has the wrong sign: an add node passes the upstream gradient unchanged, df_dx = df_dq"),
    Mutant("polynomial_missing_y", "graph_polynomial", "dp_dx = 2 * x * y", "dp_dx = 2 * x",
           "df_dx: the local gradient of p = x**2 y with respect to x is 2 x y; y is a constant factor "
           "that stays"),
    Mutant("polynomial_one_path_x", "graph_polynomial", "df_dx = df_dp * dp_dx + df_dr * dr_dx",
           "df_dx = df_dp * dp_dx",
           "df_dx misses the path through r = 3 x y**2: x feeds two nodes, so its gradient is the SUM over "
           "both paths, df_dp dp_dx + df_dr dr_dx"),
    Mutant("polynomial_one_path_y", "graph_polynomial", "df_dy = df_dp * dp_dy + df_dr * dr_dy",
           "df_dy = df_dr * dr_dy",
           "df_dy misses the path through p = x**2 y: y feeds two nodes, so its gradient is the SUM over "
           "both paths"),
    Mutant("polynomial_power_rule", "graph_polynomial", "dr_dy = 6 * x * y", "dr_dy = 3 * x * 2",
           "df_dy: the derivative of y**2 is 2 y, so dr_dy = 6 x y for r = 3 x y**2"),
    Mutant("polynomial_node_gradient_is_value", "graph_polynomial", "df_dp = 1", "df_dp = p",
           "df_dp is p: f = p + r is a sum, and an add node's local gradient is 1 for each input"),
    Mutant("polynomial_forward_squared_wrong", "graph_polynomial", "r = 3 * x * y ** 2", "r = 3 * x ** 2 * y",
           "r is 3 x**2 y: the second term of f = x**2 y + 3 x y**2 squares y, r = 3 x y**2"),
    Mutant("logistic_dL_dz_local_only", "graph_logistic_regression", "dL_dz = dL_da * a * (1 - a)",
           "dL_dz = a * (1 - a)",
           "dL_dz is only the sigmoid's local gradient a (1 - a): multiply it by the upstream gradient dL_da; "
           "the product simplifies to a - y"),
    Mutant("logistic_dL_dz_sign", "graph_logistic_regression", "dL_dz = dL_da * a * (1 - a)", "dL_dz = y - a",
           "dL_dz has the wrong sign: for the sigmoid with cross-entropy, dL_dz = a - y"),
    Mutant("logistic_dL_da_one_term", "graph_logistic_regression", "dL_da = -y / a + (1 - y) / (1 - a)",
           "dL_da = -y / a",
           "dL_da misses the term of the label 0: L = -(y log a + (1 - y) log(1 - a)), so "
           "dL_da = -y/a + (1 - y)/(1 - a)"),
    Mutant("logistic_dw_without_x", "graph_logistic_regression", "dL_dw1 = dL_dz * x1", "dL_dw1 = dL_dz",
           "dL_dw1 is dL_dz: the local gradient of z = w1 x1 + w2 x2 + b with respect to w1 is x1, so "
           "dL_dw1 = dL_dz x1"),
    Mutant("logistic_inputs_swapped", "graph_logistic_regression", "dL_dw2 = dL_dz * x2", "dL_dw2 = dL_dz * x1",
           "dL_dw2 uses x1: each weight's gradient carries its own input, dL_dw2 = dL_dz x2"),
    Mutant("logistic_loss_one_term", "graph_logistic_regression", "L = -(y * sp.log(a) + (1 - y) * sp.log(1 - a))",
           "L = -y * sp.log(a)",
           "L misses the term of the label 0: binary cross-entropy is -(y log a + (1 - y) log(1 - a))"),
    Mutant("fan_out_one_path_x", "graph_fan_out", "dg_dx = dg_da * 1 + dg_db * y", "dg_dx = dg_db * y",
           "dg_dx follows only the path through b: x feeds both a = x + y and b = x y, so the two "
           "gradients ADD, dg_dx = dg_da + dg_db y"),
    Mutant("fan_out_overwrite_y", "graph_fan_out", "dg_dy = dg_da * 1 + dg_db * x", "dg_dy = dg_da * 1",
           "dg_dy follows only the path through a: y feeds both a and b, so the two gradients ADD, "
           "dg_dy = dg_da + dg_db x"),
    Mutant("fan_out_no_swap", "graph_fan_out", "dg_da = b", "dg_da = a",
           "dg_da is a: the local gradient of g = a b with respect to a is b (multiply swaps)"),
    Mutant("fan_out_local_gradient_of_b", "graph_fan_out", "dg_dx = dg_da * 1 + dg_db * y",
           "dg_dx = dg_da * 1 + dg_db * x",
           "dg_dx: the local gradient of b = x y with respect to x is y, not x (multiply swaps)"),
    Mutant("fan_out_number_typed", "graph_fan_out", "dg_dy = dg_da * 1 + dg_db * x", "dg_dy = 10.0",
           "dg_dy is a number: the answer must be an expression in x and y, which the grader evaluates at "
           "random points"),
]
