"""Figures for the chapters: the computation graph of the two-layer network and decision boundaries.

The numbers drawn come from the reference implementation in :mod:`backprop.two_layer`; nothing
here computes a gradient of the network other than the local rules named in the docstrings.
"""
import matplotlib.pyplot as plt
import numpy as np

from backprop.two_layer import backward_propagation, compute_cost, forward_propagation

VALUE_COLOUR = "#1f4e9c"
GRADIENT_COLOUR = "#c0392b"


def two_layer_edge_values(x, y, parameters):
    """Forward values and loss gradients on every edge of the graph, for ONE example.

    x: (n_x, 1), y: (1, 1), parameters: ``W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1)``.
    Returns ``{name: (value, gradient)}`` for ``x, W1, b1, z1, a1, W2, b2, z2, a2, L`` where each
    gradient is dL/d(name) with the shape of the value (``None`` for the label y; 1 for L itself,
    the seed of the backward pass).

    With one example (m = 1) the bias gradients equal dz1 and dz2, so those are read from
    :func:`backprop.two_layer.backward_propagation`; the three remaining edges use one local rule
    each: dL/da2 = -y/a2 + (1-y)/(1-a2), dL/da1 = W2^T dz2 and dL/dx = W1^T dz1.
    """
    if x.shape[1] != 1 or y.shape != (1, 1):
        raise ValueError("the graph shows a single example: x must be (n_x, 1) and y (1, 1)")
    a2, cache = forward_propagation(x, parameters)
    grads = backward_propagation(parameters, cache, x, y)
    loss = compute_cost(a2, y)
    dz2, dz1 = grads["db2"], grads["db1"]
    return {
        "x": (x, parameters["W1"].T @ dz1),
        "W1": (parameters["W1"], grads["dW1"]),
        "b1": (parameters["b1"], grads["db1"]),
        "z1": (cache["Z1"], dz1),
        "a1": (cache["A1"], parameters["W2"].T @ dz2),
        "W2": (parameters["W2"], grads["dW2"]),
        "b2": (parameters["b2"], grads["db2"]),
        "z2": (cache["Z2"], dz2),
        "a2": (a2, -y / a2 + (1 - y) / (1 - a2)),
        "y": (y, None),
        "L": (np.array([[loss]]), np.array([[1.0]])),
    }


def _fmt(array):
    """Short text for a small array: a scalar, or the entries with rows separated by semicolons."""
    array = np.asarray(array, dtype=float)
    if array.size == 1:
        text = f"{array.item():.3f}"
    else:
        text = "[" + "; ".join(" ".join(f"{v:.2f}" for v in row) for row in array) + "]"
    return text.replace("-", "\u2212")


_MATH_NAMES = {
    "x": r"$x$", "W1": r"$W^{[1]}$", "b1": r"$b^{[1]}$", "z1": r"$z^{[1]}$",
    "a1": r"$a^{[1]}$", "W2": r"$W^{[2]}$", "b2": r"$b^{[2]}$", "z2": r"$z^{[2]}$",
    "a2": r"$a^{[2]}$", "y": r"$y$", "L": r"$L$",
}


def draw_two_layer_graph(x, y, parameters, ax=None):
    """Draw the computation graph of the two-layer network for one example, top to bottom.

    x: (n_x, 1), y: (1, 1), parameters as in :func:`two_layer_edge_values`. Operations are
    circles; each edge is labelled with the value it carries (blue) and with the gradient of the
    loss with respect to that value (red). Semicolons separate the rows of a matrix, so a column
    vector reads [0.50; -1.00]. Returns the axes.
    """
    edges = two_layer_edge_values(x, y, parameters)
    if ax is None:
        _, ax = plt.subplots(figsize=(9.6, 10.4))
    centre = 5.0
    ops = {"lin1": (centre, 9.0, "linear"), "tanh": (centre, 7.2, "tanh"),
           "lin2": (centre, 5.4, "linear"), "sig": (centre, 3.6, r"$\sigma$"),
           "bce": (centre, 1.8, "BCE")}
    radius = 0.42
    fontsize = 12
    for cx, cy, label in ops.values():
        ax.add_patch(plt.Circle((cx, cy), radius, facecolor="#f3f3f3", edgecolor="black", lw=1.5))
        ax.text(cx, cy, label, ha="center", va="center", fontsize=fontsize)

    def arrow(start, end):
        ax.annotate("", xy=end, xytext=start,
                    arrowprops=dict(arrowstyle="-|>", lw=1.4, color="black", shrinkA=0, shrinkB=0))

    def value_text(name):
        return f"{_MATH_NAMES[name]} = {_fmt(edges[name][0])}"

    def gradient_text(name):
        return f"$\\partial L/\\partial${_MATH_NAMES[name]} = {_fmt(edges[name][1])}"

    def chain(name, top, bottom):
        """An edge of the main chain: value on the left, gradient on the right."""
        arrow((centre, top), (centre, bottom))
        middle = (top + bottom) / 2
        ax.text(centre - 0.15, middle, value_text(name), color=VALUE_COLOUR, ha="right",
                va="center", fontsize=fontsize)
        ax.text(centre + 0.15, middle, gradient_text(name), color=GRADIENT_COLOUR, ha="left",
                va="center", fontsize=fontsize)

    def side(name, node, from_left):
        """A leaf (parameter or label) entering an operation from the side."""
        cx, cy, _ = ops[node]
        start = 0.1 if from_left else 2 * centre - 0.1
        end = cx - radius if from_left else cx + radius
        arrow((start, cy), (end, cy))
        align = "left" if from_left else "right"
        ax.text(start, cy + 0.1, value_text(name), color=VALUE_COLOUR, ha=align, va="bottom",
                fontsize=fontsize)
        if edges[name][1] is not None:
            ax.text(start, cy - 0.1, gradient_text(name), color=GRADIENT_COLOUR, ha=align,
                    va="top", fontsize=fontsize)

    chain("x", 10.5, ops["lin1"][1] + radius)
    chain("z1", ops["lin1"][1] - radius, ops["tanh"][1] + radius)
    chain("a1", ops["tanh"][1] - radius, ops["lin2"][1] + radius)
    chain("z2", ops["lin2"][1] - radius, ops["sig"][1] + radius)
    chain("a2", ops["sig"][1] - radius, ops["bce"][1] + radius)
    chain("L", ops["bce"][1] - radius, 0.5)
    side("W1", "lin1", from_left=True)
    side("b1", "lin1", from_left=False)
    side("W2", "lin2", from_left=True)
    side("b2", "lin2", from_left=False)
    side("y", "bce", from_left=False)

    ax.set_xlim(0, 2 * centre)
    ax.set_ylim(0.3, 10.7)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("The two-layer network for one example:\nvalues (blue) and gradients of the loss (red)",
                 fontsize=13)
    return ax


def plot_decision_boundary(parameters, X, Y, ax=None, resolution=200, margin=0.5):
    """Colour the plane by the network's output and mark the training points.

    parameters: a trained two-layer network (see :mod:`backprop.two_layer`) with n_x = 2 and
    n_y = 1; X: (2, m); Y: (1, m) with labels 0 or 1. The black curve is where the output equals
    0.5. Returns the axes.
    """
    ax = _output_plane(lambda points: forward_propagation(points, parameters)[0], X, Y, ax, resolution,
                       margin, r"network output $a^{[2]}$", point_size=90, edge_width=None)
    ax.locator_params(nbins=5)
    return ax


def plot_decision_boundary_deep(parameters, X, Y, ax=None, resolution=200, margin=0.5,
                                point_size=18):
    """Colour the plane by the output of an L-layer network and mark the training points.

    parameters: an L-layer network of :mod:`backprop.deep` (``"W1", "b1", ..., "WL", "bL"``) with
    n_0 = 2 inputs and n_L = 1 output; X: (2, m); Y: (1, m) with labels 0 or 1. The output is
    computed with :func:`backprop.deep.L_model_forward` on a ``resolution`` x ``resolution`` grid
    that extends ``margin`` beyond the points; the black curve is where it equals 0.5. Returns the
    axes.
    """
    from backprop.deep import L_model_forward

    return _output_plane(lambda points: L_model_forward(points, parameters)[0], X, Y, ax, resolution,
                         margin, r"network output $a^{[L]}$", point_size=point_size, edge_width=0.6)


def _output_plane(output_of, X, Y, ax, resolution, margin, output_label, point_size, edge_width):
    """The plane coloured by ``output_of(points)`` ((2, k) -> (1, k)), its 0.5 curve and the points."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.8))
    x1 = np.linspace(X[0].min() - margin, X[0].max() + margin, resolution)
    x2 = np.linspace(X[1].min() - margin, X[1].max() + margin, resolution)
    grid1, grid2 = np.meshgrid(x1, x2)
    points = np.vstack([grid1.ravel(), grid2.ravel()])  # (2, resolution**2)
    output = output_of(points).reshape(grid1.shape)
    filled = ax.contourf(grid1, grid2, output, levels=np.linspace(0, 1, 11), cmap="cividis",
                         alpha=0.8)
    ax.contour(grid1, grid2, output, levels=[0.5], colors="black", linewidths=1.5)
    plt.colorbar(filled, ax=ax, label=output_label)
    for label, marker in ((0, "o"), (1, "s")):
        chosen = Y[0] == label
        ax.scatter(X[0, chosen], X[1, chosen], marker=marker, s=point_size, edgecolor="black",
                   linewidths=edge_width, facecolor="white" if label == 0 else "black",
                   label=f"y = {label}", zorder=3)
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    return ax
