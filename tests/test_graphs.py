"""The scalar graph evaluator of backprop/graphs.py, checked against finite differences and hand-derived formulas."""
import math

import matplotlib
import numpy as np
import pytest

from backprop import graphs

matplotlib.use("Agg")


def numerical_gradients(graph, step=1e-6):
    """d(output)/d(input) for every input by central differences of the forward pass."""
    output = graphs.output_name(graph)
    result = {}
    for name, value in graph["inputs"].items():
        shifted = []
        for sign in (1, -1):
            inputs = {**graph["inputs"], name: value + sign * step}
            shifted.append(graphs.forward({**graph, "inputs": inputs})[output])
        result[name] = (shifted[0] - shifted[1]) / (2 * step)
    return result


def one_node(operation, arguments, constant=None):
    """A graph of a single operation on inputs u0, u1, ... with the given values."""
    inputs = {f"u{k}": value for k, value in enumerate(arguments)}
    node = ("out", operation, tuple(inputs)) + ((constant,) if constant is not None else ())
    return {"inputs": inputs, "nodes": [node]}


def test_the_first_example_by_hand():
    x, y, z = -2.0, 5.0, -4.0
    graph = {"inputs": {"x": x, "y": y, "z": z},
             "nodes": [("q", "add", ("x", "y")), ("f", "mul", ("q", "z"))]}
    values = graphs.forward(graph)
    gradients, edges = graphs.backward(graph, values)
    assert values["q"] == x + y and values["f"] == (x + y) * z
    assert gradients == {"x": z, "y": z, "z": x + y, "q": z, "f": 1.0}
    assert edges == {("q", "f", 0): z, ("z", "f", 1): x + y, ("x", "q", 0): z, ("y", "q", 1): z}


@pytest.mark.parametrize("operation, arguments, constant", [
    ("add", (0.7, -1.3, 2.2), None),
    ("mul", (0.7, -1.3), None),
    ("linear", (0.5, 2.0, -0.3, 3.0, 0.1), None),
    ("linear", (1.5, -0.4, 0.2), None),
    ("max", (0.7, -1.3), None),
    ("max", (-1.3, 0.7), None),
    ("square", (-1.3,), None),
    ("sigmoid", (-0.8,), None),
    ("sigmoid", (0.8,), None),
    ("tanh", (0.4,), None),
    ("bce", (0.3,), 1.0),
    ("bce", (0.3,), 0.0),
    ("bce", (0.6,), 0.25),
])
def test_local_gradients_match_finite_differences(operation, arguments, constant):
    graph = one_node(operation, arguments, constant)
    gradients, _ = graphs.backward(graph, graphs.forward(graph))
    for name, expected in numerical_gradients(graph).items():
        assert gradients[name] == pytest.approx(expected, rel=1e-6, abs=1e-8), (operation, name)


def test_forward_values_of_each_operation():
    assert graphs.forward(one_node("linear", (0.5, 2.0, -0.3, 3.0, 0.1)))["out"] == pytest.approx(0.2)
    assert graphs.forward(one_node("sigmoid", (0.0,)))["out"] == 0.5
    assert graphs.forward(one_node("sigmoid", (-800.0,)))["out"] == 0.0
    assert graphs.forward(one_node("bce", (0.3,), 1.0))["out"] == pytest.approx(-math.log(0.3))
    assert graphs.forward(one_node("bce", (0.3,), 0.0))["out"] == pytest.approx(-math.log(0.7))
    assert graphs.forward(one_node("max", (2.0, 5.0)))["out"] == 5.0


def test_max_sends_the_gradient_to_the_larger_argument_and_to_the_first_at_a_tie():
    for arguments, expected in (((4.0, 1.0), (1.0, 0.0)), ((1.0, 4.0), (0.0, 1.0)), ((2.0, 2.0), (1.0, 0.0))):
        graph = one_node("max", arguments)
        gradients, _ = graphs.backward(graph, graphs.forward(graph))
        assert (gradients["u0"], gradients["u1"]) == expected


def random_graph(rng):
    """A graph with fan-out at several levels, on random inputs."""
    inputs = {name: float(value) for name, value in zip("xyz", rng.uniform(-1.5, 1.5, 3))}
    nodes = [("p", "mul", ("x", "y")), ("q", "add", ("p", "x", "z")), ("r", "tanh", ("q",)),
             ("s", "mul", ("r", "p")), ("t", "square", ("x",)), ("u", "max", ("s", "t")),
             ("v", "add", ("u", "r", "r", "y")), ("a", "sigmoid", ("v",)), ("L", "bce", ("a",), 1.0)]
    return {"inputs": inputs, "nodes": nodes}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_graph_with_fan_out_matches_finite_differences(seed):
    graph = random_graph(np.random.default_rng(seed))
    gradients, _ = graphs.backward(graph, graphs.forward(graph))
    for name, expected in numerical_gradients(graph).items():
        assert gradients[name] == pytest.approx(expected, rel=1e-6, abs=1e-8), name


def test_a_value_gets_the_sum_of_its_edges():
    graph = random_graph(np.random.default_rng(5))
    gradients, edges = graphs.backward(graph, graphs.forward(graph))
    totals = {}
    for (argument, _, _), gradient in edges.items():
        totals[argument] = totals.get(argument, 0.0) + gradient
    for name, total in totals.items():
        assert gradients[name] == pytest.approx(total, rel=1e-12, abs=1e-15), name


def test_a_value_used_twice_by_one_node():
    graph = {"inputs": {"a": 3.0}, "nodes": [("b", "add", ("a", "a"))]}
    values = graphs.forward(graph)
    gradients, edges = graphs.backward(graph, values)
    assert values["b"] == 6.0 and gradients["a"] == 2.0
    assert edges == {("a", "b", 0): 1.0, ("a", "b", 1): 1.0}
    assert graphs.backward(graph, values, accumulate=False)[0]["a"] == 1.0


def test_overwriting_keeps_the_edge_visited_last():
    x, y = 2.0, 3.0
    graph = {"inputs": {"x": x, "y": y},
             "nodes": [("p", "mul", ("x", "y")), ("f", "add", ("p", "x"))]}
    values = graphs.forward(graph)
    right = graphs.backward(graph, values)[0]
    wrong = graphs.backward(graph, values, accumulate=False)[0]
    assert right["x"] == y + 1 and right["y"] == x
    assert wrong["x"] == y and wrong["y"] == x


def test_overwriting_is_harmless_without_fan_out():
    graph = {"inputs": {"x": 0.3, "w": -1.2, "b": 0.4},
             "nodes": [("z", "linear", ("w", "x", "b")), ("a", "sigmoid", ("z",)), ("L", "bce", ("a",), 0.0)]}
    values = graphs.forward(graph)
    assert graphs.backward(graph, values)[0] == graphs.backward(graph, values, accumulate=False)[0]


def test_a_value_the_output_does_not_use_has_gradient_zero():
    graph = {"inputs": {"x": 1.0, "y": 2.0},
             "nodes": [("unused", "square", ("y",)), ("f", "square", ("x",))]}
    gradients, edges = graphs.backward(graph, graphs.forward(graph))
    assert gradients["y"] == 0.0 and gradients["unused"] == 0.0 and gradients["x"] == 2.0
    assert edges[("y", "unused", 0)] == 0.0


@pytest.mark.parametrize("nodes, message", [
    ([], "at least one operation"),
    ([("x", "square", ("y",))], "defined twice"),
    ([("f", "power", ("x",))], "unknown operation"),
    ([("f", "mul", ("x",))], "takes 2 arguments"),
    ([("f", "add", ())], "one or more"),
    ([("f", "linear", ("x", "y"))], "odd number"),
    ([("f", "sigmoid", ("z",))], "before it is defined"),
    ([("f", "bce", ("x",))], "need one"),
    ([("f", "square", ("x",), 1.0)], "only"),
    ([("f", "square")], "a node is"),
])
def test_malformed_graphs_are_refused(nodes, message):
    graph = {"inputs": {"x": 0.5, "y": 0.25}, "nodes": nodes}
    with pytest.raises(ValueError, match=message):
        graphs.forward(graph)


def test_default_positions_put_each_node_one_column_after_its_deepest_argument():
    graph = random_graph(np.random.default_rng(0))
    places = graphs.default_positions(graph)
    columns = {name: round(x / 2.4) for name, (x, _) in places.items()}
    assert all(columns[name] == 0 for name in graph["inputs"])
    assert columns["p"] == 1 and columns["q"] == 2 and columns["u"] == 5 and columns["L"] == 8
    assert len(set(places.values())) == len(places), "no two boxes at the same place"


def test_numbers_in_labels_are_rounded_without_trailing_zeros():
    assert graphs._number(-1.3504980080625665, 4) == "\u22121.3505"
    assert graphs._number(2.0, 4) == "2"
    assert graphs._number(0.20000000000000004, 4) == "0.2"
    assert graphs._number(-0.00001, 4) == "0"


def test_the_drawing_labels_every_edge_with_its_value_and_gradient():
    graph = {"inputs": {"x": 2.0, "y": 3.0},
             "nodes": [("a", "add", ("x", "y")), ("b", "mul", ("x", "y")), ("g", "mul", ("a", "b"))]}
    ax = graphs.draw_graph(graph)
    texts = [text.get_text() for text in ax.texts]
    for expected in ("$x$ = 2", "$y$ = 3", "$a$ = 5", "$b$ = 6", "$g$ = 30", "15", "10", "1",
                     "$\\partial g/\\partial x$ = 21", "$\\partial g/\\partial y$ = 16"):
        assert expected in texts, expected
    assert len(ax.patches) == 5 + 6 + 1, "five boxes, six edges and the output arrow"
    matplotlib.pyplot.close(ax.figure)


def test_edge_labels_sit_on_the_visible_part_of_an_edge():
    # a horizontal edge leaves a box of half-width 0.4 after 0.4 / 4 of the distance between centres
    assert graphs._exit_fraction(4.0, 0.0, 0.4, 0.25) == pytest.approx(0.1)
    assert graphs._exit_fraction(0.0, -2.0, 0.4, 0.25) == pytest.approx(0.125)
    assert graphs._exit_fraction(0.1, 0.1, 0.4, 0.25) == 0.5, "overlapping boxes: the middle"
