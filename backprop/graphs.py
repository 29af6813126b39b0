"""Scalar computation graphs: a small evaluator for the forward and backward pass, and a drawing.

A graph is plain Python data::

    graph = {"inputs": {"x": -2.0, "y": 5.0, "z": -4.0},
             "nodes": [("q", "add", ("x", "y")),
                       ("f", "mul", ("q", "z"))]}

``inputs`` maps the name of each input to its value. ``nodes`` lists the operations in an order
in which every argument is defined before it is used; each entry is ``(name, operation,
arguments)``, or ``(name, operation, arguments, constant)`` for an operation that needs a fixed
number (the label ``y`` of ``"bce"``). ``arguments`` is a tuple of names of inputs or earlier
nodes, and a name may appear in it more than once (``("b", "add", ("a", "a"))`` is b = a + a).
The last node is the output. Every value is a Python number, a scalar: one node is one
elementary operation on numbers, and an edge carries one number.

The backward pass seeds d(output)/d(output) = 1 and visits the nodes in reverse order. At each
node it multiplies the node's upstream gradient by the local gradient of the node with respect
to each argument, and adds the product to that argument's gradient.
"""
import math
import re

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

VALUE_COLOUR = "#1f4e9c"
GRADIENT_COLOUR = "#c0392b"


def _sigmoid(z):
    """1 / (1 + exp(-z)) for a scalar, without overflow for large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _max_local(args, out, constant):
    """The larger argument gets the whole gradient; at a tie, the first one does."""
    first_wins = args[0] >= args[1]
    return (1.0, 0.0) if first_wins else (0.0, 1.0)


def _linear(args, constant):
    """w_1 x_1 + ... + w_n x_n + b for the arguments (w_1, x_1, ..., w_n, x_n, b)."""
    return sum(args[k] * args[k + 1] for k in range(0, len(args) - 1, 2)) + args[-1]


def _linear_local(args, out, constant):
    """d/dw_k = x_k, d/dx_k = w_k, d/db = 1, in the order of the arguments."""
    local = []
    for k in range(0, len(args) - 1, 2):
        local += [args[k + 1], args[k]]
    return tuple(local) + (1.0,)


# operation: (number of arguments, forward, local gradients, box text[, box width]).
# The number of arguments is an int, "any" (one or more) or "pairs" (an odd number, at least 3:
# the pairs w_k, x_k, then b). forward(args, constant) -> value; local(args, out, constant) ->
# d out / d args[k] for each k, where out is the node's forward value. The box width, 1 if
# absent, is in units of the default box width.
OPERATIONS = {
    "add": ("any", lambda args, c: sum(args),
            lambda args, out, c: tuple(1.0 for _ in args), "$+$"),
    "mul": (2, lambda args, c: args[0] * args[1],
            lambda args, out, c: (args[1], args[0]), r"$\times$"),
    "linear": ("pairs", _linear, _linear_local, r"$w \cdot x + b$", 1.7),
    "max": (2, lambda args, c: max(args), _max_local, "max"),
    "square": (1, lambda args, c: args[0] ** 2,
               lambda args, out, c: (2 * args[0],), r"$(\cdot)^2$"),
    "sigmoid": (1, lambda args, c: _sigmoid(args[0]),
                lambda args, out, c: (out * (1 - out),), r"$\sigma$"),
    "tanh": (1, lambda args, c: math.tanh(args[0]),
             lambda args, out, c: (1 - out ** 2,), "tanh"),
    "bce": (1, lambda args, c: -(c * math.log(args[0]) + (1 - c) * math.log(1 - args[0])),
            lambda args, out, c: (-c / args[0] + (1 - c) / (1 - args[0]),), "BCE"),
}
NEEDS_CONSTANT = {"bce"}


def _unpack(node):
    """(name, operation, arguments, constant) of a node entry; constant is None if absent."""
    if len(node) == 3:
        name, operation, arguments = node
        return name, operation, tuple(arguments), None
    if len(node) == 4:
        name, operation, arguments, constant = node
        return name, operation, tuple(arguments), constant
    raise ValueError(f"a node is (name, operation, arguments[, constant]), not {node!r}")


def check_graph(graph):
    """Raise ValueError unless ``graph`` is a well-formed graph (see the module docstring).

    Checks: at least one node; names unique; every operation known, with the right number of
    arguments and a constant exactly where it needs one; every argument defined earlier.
    """
    inputs, nodes = graph["inputs"], graph["nodes"]
    if not nodes:
        raise ValueError("a graph needs at least one operation")
    defined = set(inputs)
    for node in nodes:
        name, operation, arguments, constant = _unpack(node)
        if name in defined:
            raise ValueError(f"the name {name!r} is defined twice")
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r} in node {name!r}; "
                             f"known: {', '.join(sorted(OPERATIONS))}")
        arity, count = OPERATIONS[operation][0], len(arguments)
        allowed = {"any": count >= 1, "pairs": count >= 3 and count % 2 == 1}.get(arity, count == arity)
        if not allowed:
            wanted = {"any": "one or more", "pairs": "an odd number (at least 3) of"}.get(arity, arity)
            raise ValueError(f"{operation!r} in node {name!r} takes {wanted} arguments, not {count}")
        if (constant is not None) != (operation in NEEDS_CONSTANT):
            raise ValueError(f"node {name!r}: only {sorted(NEEDS_CONSTANT)} take a constant, "
                             "and they need one")
        for argument in arguments:
            if argument not in defined:
                raise ValueError(f"node {name!r} uses {argument!r} before it is defined")
        defined.add(name)


def output_name(graph):
    """The name of the output, the last node."""
    return graph["nodes"][-1][0]


def forward(graph):
    """The forward pass: ``{name: value}`` for every input and every node, in graph order."""
    check_graph(graph)
    values = dict(graph["inputs"])
    for node in graph["nodes"]:
        name, operation, arguments, constant = _unpack(node)
        values[name] = OPERATIONS[operation][1]([values[a] for a in arguments], constant)
    return values


def local_gradients(graph, values):
    """``{(argument, node, position): d node / d argument}`` for every edge of the graph.

    ``position`` is the argument's place in the node's argument tuple, so that the two edges of
    ``b = a + a`` are ``("a", "b", 0)`` and ``("a", "b", 1)``. ``values`` as from :func:`forward`.
    """
    check_graph(graph)
    local = {}
    for node in graph["nodes"]:
        name, operation, arguments, constant = _unpack(node)
        partials = OPERATIONS[operation][2]([values[a] for a in arguments], values[name], constant)
        for position, (argument, partial) in enumerate(zip(arguments, partials)):
            local[(argument, name, position)] = partial
    return local


def backward(graph, values, accumulate=True):
    """The backward pass from the forward ``values`` (as returned by :func:`forward`).

    Returns ``(gradients, edge_gradients)``:

    - ``gradients[name]`` is d(output)/d(name) for every input and node (1 for the output, 0 for
      a value the output does not depend on);
    - ``edge_gradients[(argument, node, position)]`` is the downstream gradient that ``node``
      sends back along the edge from its argument number ``position``: the node's upstream
      gradient times its local gradient with respect to that argument.

    With ``accumulate=True`` the gradient of a value is the sum of what all its edges send back,
    which is the chain rule. ``accumulate=False`` keeps only the edge visited last, a common bug
    that is exact only for values used once; it is here to be shown, not used.
    """
    local = local_gradients(graph, values)
    gradients = {name: 0.0 for name in values}
    gradients[output_name(graph)] = 1.0
    edge_gradients = {}
    for node in reversed(graph["nodes"]):
        name, _, arguments, _ = _unpack(node)
        upstream = gradients[name]
        for position, argument in enumerate(arguments):
            downstream = upstream * local[(argument, name, position)]
            edge_gradients[(argument, name, position)] = downstream
            if accumulate:
                gradients[argument] += downstream
            else:
                gradients[argument] = downstream
    return gradients, edge_gradients


def _tex(name):
    """Default TeX for a value name: trailing digits become a subscript (w1 -> w_{1})."""
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    return f"{match.group(1)}_{{{match.group(2)}}}" if match else name


def _number(value, decimals):
    """A value rounded to ``decimals`` places, without trailing zeros, with a true minus sign."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", "\u2212")


def _exit_fraction(dx, dy, half_width, half_height):
    """Where the segment from a box's centre along (dx, dy) leaves the box, as a fraction of it."""
    limits = [half_width / abs(dx) if dx else math.inf, half_height / abs(dy) if dy else math.inf]
    return min(min(limits), 0.5)


def default_positions(graph):
    """Left-to-right layout: column = longest path from an input, rows in order of appearance."""
    depth = {name: 0 for name in graph["inputs"]}
    for node in graph["nodes"]:
        name, _, arguments, _ = _unpack(node)
        depth[name] = 1 + max(depth[a] for a in arguments)
    columns = {}
    for name, column in depth.items():
        columns.setdefault(column, []).append(name)
    positions = {}
    for column, names in columns.items():
        for row, name in enumerate(names):
            positions[name] = (2.4 * column, 1.4 * ((len(names) - 1) / 2 - row))
    return positions


def draw_graph(graph, positions=None, tex=None, ax=None, title=None, decimals=4, label_at=0.5,
               box_size=(0.8, 0.5), output_length=1.6, inches_per_unit=0.9):
    """Draw a scalar computation graph with its forward values and its gradients.

    graph: as in the module docstring. positions: ``{name: (x, y)}`` for some or all inputs and
    nodes (the rest from :func:`default_positions`). tex: ``{name: TeX}`` for how value names are
    written (default: the name, with trailing digits as a subscript). Inputs and operations are
    boxes; each edge is labelled above with the value it carries (blue) and below with the
    gradient of the output that flows back along it (red). A value used by several edges also
    gets its total gradient, the sum of its edges', in red under its box. Several edges between
    the same two boxes are drawn as arcs. Numbers are rounded to ``decimals`` places. The labels
    sit at the fraction ``label_at`` of each edge's visible length from its start; lower it when
    edges cross or converge. ``label_at`` is a number for all edges, or ``{argument: fraction}``
    for the edges that leave the named values (0.5 for the others). Returns the axes.
    """
    values = forward(graph)
    gradients, edge_gradients = backward(graph, values)
    places = {**default_positions(graph), **(positions or {})}
    names = {name: _tex(name) for name in values}
    names.update(tex or {})
    output = output_name(graph)
    width, height = box_size
    xs = [p[0] for p in places.values()]
    ys = [p[1] for p in places.values()]
    x_limits = (min(xs) - width, max(xs) + width + output_length + 0.2)
    y_limits = (min(ys) - height - 0.45, max(ys) + height + 0.35)
    if ax is None:
        _, ax = plt.subplots(figsize=(inches_per_unit * (x_limits[1] - x_limits[0]),
                                      inches_per_unit * (y_limits[1] - y_limits[0])))

    texts, widths = {}, {}
    for name in graph["inputs"]:
        texts[name], widths[name] = f"${names[name]}$", width
    for node in graph["nodes"]:
        name, operation, _, constant = _unpack(node)
        text = OPERATIONS[operation][3]
        if constant is not None:
            text += f"\n$y = {_number(constant, decimals)}$"
        factor = OPERATIONS[operation][4] if len(OPERATIONS[operation]) > 4 else 1
        texts[name], widths[name] = text, factor * width
    boxes = {}
    for name, text in texts.items():
        x, y = places[name]
        face = "#eef3fb" if name in graph["inputs"] else "#f3f3f3"
        box = FancyBboxPatch((x - widths[name] / 2, y - height / 2), widths[name], height,
                             boxstyle="round,pad=0.05", facecolor=face, edgecolor="black", lw=1.3)
        ax.add_patch(box)
        ax.text(x, y, text, ha="center", va="center", fontsize=11)
        boxes[name] = box

    label_style = dict(fontsize=9, bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=0.5))

    def label(x, y, value_text, gradient_text):
        ax.text(x, y + 0.05, value_text, color=VALUE_COLOUR, ha="center", va="bottom", **label_style)
        ax.text(x, y - 0.05, gradient_text, color=GRADIENT_COLOUR, ha="center", va="top", **label_style)

    # the edges of each (argument, node) pair, so that parallel edges can be drawn as arcs
    pairs = {}
    for (argument, node, position) in edge_gradients:
        pairs.setdefault((argument, node), []).append(position)
    for (argument, node), positions_in_node in pairs.items():
        (x0, y0), (x1, y1) = places[argument], places[node]
        count = len(positions_in_node)
        for k, position in enumerate(sorted(positions_in_node)):
            bend = 0.0 if count == 1 else 0.5 * (k - (count - 1) / 2)
            arrow = FancyArrowPatch((x0, y0), (x1, y1), patchA=boxes[argument], patchB=boxes[node],
                                    connectionstyle=f"arc3,rad={bend}", arrowstyle="-|>",
                                    mutation_scale=14, lw=1.3, color="black")
            ax.add_patch(arrow)
            # the point label_at of the visible part of the quadratic Bezier curve that arc3
            # draws, whose control point is the middle shifted by bend * (dy, -dx) (equal
            # aspect assumed); the visible part is taken from the straight line between centres
            cx = (x0 + x1) / 2 + bend * (y1 - y0)
            cy = (y0 + y1) / 2 - bend * (x1 - x0)
            leave = _exit_fraction(x1 - x0, y1 - y0, widths[argument] / 2, height / 2)
            enter = 1 - _exit_fraction(x1 - x0, y1 - y0, widths[node] / 2, height / 2)
            fraction = label_at.get(argument, 0.5) if isinstance(label_at, dict) else label_at
            t = leave + fraction * (enter - leave)
            mx = (1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t ** 2 * x1
            my = (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t ** 2 * y1
            label(mx, my, f"${names[argument]}$ = {_number(values[argument], decimals)}",
                  _number(edge_gradients[(argument, node, position)], decimals))

    # the output leaves the last box to the right; its gradient is the seed, 1
    x_out, y_out = places[output]
    start = x_out + widths[output] / 2 + 0.05
    end = start + output_length
    ax.add_patch(FancyArrowPatch((start, y_out), (end, y_out), arrowstyle="-|>",
                                 mutation_scale=14, lw=1.3, color="black"))
    label((start + end) / 2, y_out, f"${names[output]}$ = {_number(values[output], decimals)}",
          _number(gradients[output], decimals))

    uses = {}
    for (argument, _, _) in edge_gradients:
        uses[argument] = uses.get(argument, 0) + 1
    for name, count in uses.items():
        if count > 1:
            x, y = places[name]
            ax.text(x, y - height / 2 - 0.1,
                    f"$\\partial {names[output]}/\\partial {names[name]}$ = "
                    f"{_number(gradients[name], decimals)}",
                    color=GRADIENT_COLOUR, ha="center", va="top", fontsize=9)

    ax.set_xlim(*x_limits)
    ax.set_ylim(*y_limits)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is not None:
        ax.set_title(title, fontsize=11)
    return ax
