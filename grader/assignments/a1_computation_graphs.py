"""Assignment a1: computation graphs, forward values and backward steps as SymPy expressions.

Every graded function takes no argument and returns a dict of SymPy expressions: forward values
in the graph's inputs, and each backward step in its upstream-gradient symbol and the values its
node holds (see ``backprop.scalar_graphs``, the reference, which derives each local gradient with
``sp.diff``). The sandbox evaluates each expression at secret random points, where every symbol,
upstream gradients and node values included, takes an independent value, and sends back only the
numbers (``grader.harness.evaluate_expressions``); the parent compares them with the reference's
values. So differentiating the whole graph at once (``sp.diff(f, x)``) does not give a step's
values: only upstream times local does. Nothing a student wrote is parsed or evaluated in the
trusted process.
"""
from backprop import scalar_graphs as reference
from grader.checks import Case, Check, Evaluation
from grader.mutants import Mutant

NAME = "a1_computation_graphs"
POINTS = 5
PROBABILITIES = ("a", "y")  # values in (0, 1) where logarithms of them and of 1 - them are taken


def _value(rng, name, function):
    if function == "graph_logistic_regression" and name in PROBABILITIES:
        return float(rng.uniform(0.05, 0.95))
    return float(rng.choice([-1, 1]) * rng.uniform(0.3, 2.5))


def make_cases(rng):
    """One case per graph, evaluated at ``POINTS`` secret points (no case has arguments)."""
    cases = []
    for function, inputs in reference.INPUTS.items():
        names = inputs + reference.NODES[function]
        points = tuple(tuple(_value(rng, name, function) for name in names) for _ in range(POINTS))
        allowed = tuple(sorted(reference.ALLOWED[function].items()))
        about = "%d random points" % POINTS
        cases.append(Case("%s/%d" % (function, len(cases)), function, (), about,
                          evaluate_at=Evaluation(names, points, allowed)))
    return cases


def _keys(*keys):
    return tuple(((key,), key) for key in keys)


CHECKS = [
    Check("forward values q and f", "test_graph_sum_times", "graph_sum_times", 1, parts=_keys("q", "f")),
    Check("steps at the multiply node: df_dq and df_dz", "test_graph_sum_times", "graph_sum_times", 1,
          parts=_keys("df_dq", "df_dz")),
    Check("steps through the add node: df_dx and df_dy", "test_graph_sum_times", "graph_sum_times", 1,
          parts=_keys("df_dx", "df_dy")),
    Check("forward values p, r and f", "test_graph_polynomial", "graph_polynomial", 1, parts=_keys("p", "r", "f")),
    Check("steps at the add node: df_dp and df_dr", "test_graph_polynomial", "graph_polynomial", 1,
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
    Check("steps at the multiply node: dg_da and dg_db", "test_graph_fan_out", "graph_fan_out", 1,
          parts=_keys("dg_da", "dg_db")),
    Check("steps to the inputs, both paths: dg_dx and dg_dy", "test_graph_fan_out", "graph_fan_out", 1,
          parts=_keys("dg_dx", "dg_dy")),
]

MUTANTS = [
    Mutant("sum_times_product_for_sum", "graph_sum_times", "q_value = x + y", "q_value = x * y",
           "q is x * y: the first node of f = (x + y) z adds, q = x + y"),
    Mutant("sum_times_df_dz_is_z", "graph_sum_times", "df_dz = q", "df_dz = z",
           "df_dz is z: a product's local gradient with respect to one factor is the OTHER factor, so "
           "df_dz = q (multiply swaps)"),
    Mutant("sum_times_df_dq_is_q", "graph_sum_times", "df_dq = z", "df_dq = q",
           "df_dq is q: the local gradient of f = q z with respect to q is z (multiply swaps)"),
    Mutant("sum_times_upstream_dropped", "graph_sum_times", "df_dx = g_q * 1", "df_dx = 1",
           "df_dx is only the add node's local gradient, 1: multiply it by the gradient arriving from "
           "above, g_q (chain rule)"),
    Mutant("sum_times_upstream_substituted", "graph_sum_times", "df_dx = g_q * 1", "df_dx = z",
           "df_dx is written as z, the value df/dq has in this graph: write the step as the backward pass "
           "computes it, the upstream symbol g_q times the add node's local gradient"),
    Mutant("sum_times_number_typed", "graph_sum_times", "df_dy = g_q * 1", "df_dy = -4.0",
           "df_dy is a number (its value at x = -2, y = 5, z = -4): the answer is an expression, "
           "here in g_q, which the grader evaluates at other values"),
    Mutant("sum_times_sign", "graph_sum_times", "df_dx = g_q * 1", "df_dx = -g_q",
           "df_dx has the wrong sign: an add node passes the upstream gradient on unchanged"),
    Mutant("polynomial_missing_y", "graph_polynomial", "dp_dx = 2 * x * y", "dp_dx = 2 * x",
           "df_dx: the local gradient of p = x**2 y with respect to x is 2 x y; y is a constant factor "
           "that stays"),
    Mutant("polynomial_one_path_x", "graph_polynomial", "df_dx = g_p * dp_dx + g_r * dr_dx",
           "df_dx = g_p * dp_dx",
           "df_dx misses the path through r: x feeds two nodes, so its gradient is the SUM over both "
           "paths, g_p dp/dx + g_r dr/dx"),
    Mutant("polynomial_one_path_y", "graph_polynomial", "df_dy = g_p * dp_dy + g_r * dr_dy",
           "df_dy = g_r * dr_dy",
           "df_dy misses the path through p: y feeds two nodes, so its gradient is the SUM over both paths"),
    Mutant("polynomial_upstreams_swapped", "graph_polynomial", "df_dx = g_p * dp_dx + g_r * dr_dx",
           "df_dx = g_r * dp_dx + g_p * dr_dx",
           "df_dx pairs each local gradient with the other node's upstream symbol: each path carries the "
           "gradient of the node it passes through, g_p with dp/dx and g_r with dr/dx"),
    Mutant("polynomial_power_rule", "graph_polynomial", "dr_dy = 6 * x * y", "dr_dy = 3 * x * 2",
           "df_dy: the derivative of y**2 is 2 y, so the local gradient of r = 3 x y**2 is 6 x y"),
    Mutant("polynomial_node_gradient_is_value", "graph_polynomial", "df_dp = 1", "df_dp = p",
           "df_dp is p: f = p + r is a sum, and an add node's local gradient is 1 for each input"),
    Mutant("polynomial_forward_squared_wrong", "graph_polynomial", "r_value = 3 * x * y ** 2",
           "r_value = 3 * x ** 2 * y",
           "r is 3 x**2 y: the second term of f = x**2 y + 3 x y**2 squares y, r = 3 x y**2"),
    Mutant("polynomial_whole_graph_differentiated", "graph_polynomial", "df_dx = g_p * dp_dx + g_r * dr_dx",
           "df_dx = 2 * x * y + 3 * y ** 2",
           "df_dx is the derivative of the whole f, without the upstream symbols: write the step as "
           "g_p times the local gradient dp/dx plus g_r times dr/dx"),
    Mutant("logistic_local_only", "graph_logistic_regression", "dL_dz = g_a * a * (1 - a)",
           "dL_dz = a * (1 - a)",
           "dL_dz is only the sigmoid's local gradient a (1 - a): multiply it by the gradient arriving "
           "from above, g_a"),
    Mutant("logistic_simplified_too_early", "graph_logistic_regression", "dL_dz = g_a * a * (1 - a)",
           "dL_dz = a - y",
           "dL_dz is a - y, which is what the step gives once dL/da is put in for g_a: write the step "
           "itself, g_a times the sigmoid's local gradient a (1 - a)"),
    Mutant("logistic_sign", "graph_logistic_regression", "dL_dz = g_a * a * (1 - a)",
           "dL_dz = -g_a * a * (1 - a)",
           "dL_dz has the wrong sign: the sigmoid's local gradient a (1 - a) is positive"),
    Mutant("logistic_local_gradient_from_z", "graph_logistic_regression", "dL_dz = g_a * a * (1 - a)",
           "dL_dz = g_a * sp.exp(-z_value) / (1 + sp.exp(-z_value)) ** 2",
           "dL_dz is written with the inputs: write the sigmoid's local gradient with its output, "
           "a (1 - a), which the forward pass kept"),
    Mutant("logistic_dL_da_one_term", "graph_logistic_regression", "dL_da = -y / a + (1 - y) / (1 - a)",
           "dL_da = -y / a",
           "dL_da misses the term of the label 0: L = -(y log a + (1 - y) log(1 - a)), so "
           "dL_da = -y/a + (1 - y)/(1 - a)"),
    Mutant("logistic_dL_da_inner_sign", "graph_logistic_regression", "dL_da = -y / a + (1 - y) / (1 - a)",
           "dL_da = -y / a - (1 - y) / (1 - a)",
           "dL_da: the derivative of log(1 - a) is -1/(1 - a) (the chain rule through 1 - a), so the "
           "label-0 term of -(y log a + (1 - y) log(1 - a)) gives +(1 - y)/(1 - a)"),
    Mutant("logistic_dw_without_x", "graph_logistic_regression", "dL_dw1 = g_z * x1", "dL_dw1 = g_z",
           "dL_dw1 is g_z: the local gradient of z = w1 x1 + w2 x2 + b with respect to w1 is x1"),
    Mutant("logistic_inputs_swapped", "graph_logistic_regression", "dL_dw2 = g_z * x2", "dL_dw2 = g_z * x1",
           "dL_dw2 uses x1: each weight's gradient carries its own input, dL_dw2 = g_z x2"),
    Mutant("logistic_loss_one_term", "graph_logistic_regression",
           "L_value = -(y * sp.log(a_value) + (1 - y) * sp.log(1 - a_value))", "L_value = -y * sp.log(a_value)",
           "L misses the term of the label 0: binary cross-entropy is -(y log a + (1 - y) log(1 - a))"),
    Mutant("fan_out_one_path_x", "graph_fan_out", "dg_dx = g_a * 1 + g_b * y", "dg_dx = g_b * y",
           "dg_dx follows only the path through b: x feeds both a = x + y and b = x y, so the two "
           "paths ADD, g_a da/dx + g_b db/dx"),
    Mutant("fan_out_overwrite_y", "graph_fan_out", "dg_dy = g_a * 1 + g_b * x", "dg_dy = g_a * 1",
           "dg_dy follows only the path through a: y feeds both a and b, so the two paths ADD"),
    Mutant("fan_out_no_swap", "graph_fan_out", "dg_da = b", "dg_da = a",
           "dg_da is a: the local gradient of g = a b with respect to a is b (multiply swaps)"),
    Mutant("fan_out_local_gradient_of_b", "graph_fan_out", "dg_dx = g_a * 1 + g_b * y",
           "dg_dx = g_a * 1 + g_b * x",
           "dg_dx: the local gradient of b = x y with respect to x is y, not x (multiply swaps)"),
    Mutant("fan_out_number_typed", "graph_fan_out", "dg_dy = g_a * 1 + g_b * x", "dg_dy = 10.0",
           "dg_dy is a number: the answer is an expression in g_a, g_b, x and y, which the grader "
           "evaluates at random values"),
    Mutant("fan_out_whole_graph_differentiated", "graph_fan_out", "dg_dx = g_a * 1 + g_b * y",
           "dg_dx = 2 * x * y + y ** 2",
           "dg_dx is the derivative of the whole g, without the upstream symbols: write the step as g_a "
           "times da/dx plus g_b times db/dx"),
]
