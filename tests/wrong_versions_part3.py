"""Realistic wrong versions of a7_complexity and a8_autodiff_engine, written outside the catalogue.

They were written from the release notebooks and the chapters only, without the assignment
modules, their mutants or the solutions, to see how the grader's feedback fares on mistakes it has
never seen. Each version is a student's notebook that is right everywhere except in one graded
function, and ``mistake`` says what is wrong there in one line.

``CORRECT[assignment]`` maps a marker (the name of a module-level function of a solution cell:
``def <marker>(`` finds the cell, as ``tests.conftest.with_function`` does) to an independent correct
source of that whole cell. A version has:

- ``id``, ``assignment``;
- ``function``: the graded function the mistake is in (``Value.<method>`` for an operation of a8's
  class);
- ``cell``: the marker of the cell its ``source`` replaces (a8's class cell is found by ``as_value``,
  its part 2 cell by ``backpropagate``);
- ``grade_id``: the grade cell whose checks belong to ``function``;
- ``source``: the whole source of that cell, the correct one with the one function rewritten;
- ``mistake``: the mistake in words.

The correct a7 ``checkpointed_backward`` computes its segment starts itself rather than calling
``checkpoint_layers``, so that a mistake in ``checkpoint_layers`` cannot show in the checks of
``checkpointed_backward``; none of the a7 versions calls another graded function either.
"""
import re
import textwrap

A7 = "a7_complexity"
A8 = "a8_autodiff_engine"

# ----------------------------------------------------------------------------- a7: correct versions

A7_FORWARD = '''def forward_multiply_adds(layer_dims, m):
    """Multiply-adds of the matrix products of one forward pass."""
    total = 0
    for l in range(1, len(layer_dims)):
        total += layer_dims[l] * layer_dims[l - 1] * m
    return total
'''

A7_BACKWARD = '''def backward_multiply_adds(layer_dims, m):
    """Multiply-adds of the matrix products of one backward pass."""
    total = layer_dims[1] * layer_dims[0] * m          # dW1 only: no dA0
    for l in range(2, len(layer_dims)):
        total += 2 * layer_dims[l] * layer_dims[l - 1] * m   # dWl and dA(l-1)
    return total
'''

A7_LAYERS = '''def checkpoint_layers(L, k):
    """The layers whose output A[s] checkpointing keeps: the inputs of the segments of k layers."""
    return list(range(0, L, k))
'''

A7_CHECKPOINTED = '''def checkpointed_backward(X, Y, parameters, k):
    """Gradients of the mean cost, keeping only every k-th activation on the way forward."""
    L = len(parameters) // 2
    starts = list(range(0, L, k))

    def activation(l):
        return "sigmoid" if l == L else "relu"

    kept = {}
    A = X
    for l in range(1, L + 1):
        if l - 1 in starts:
            kept[l - 1] = A
        A, _ = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], activation(l))
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    del A
    grads = {}
    for s in reversed(starts):
        top = min(s + k, L)
        A = kept.pop(s)
        caches = []
        for l in range(s + 1, top + 1):
            A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                                 activation(l))
            caches.append(cache)
        del A
        for l in range(top, s, -1):
            dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(dA, caches.pop(),
                                                                                        activation(l))
        del caches
    return grads
'''

# ----------------------------------------------------------------------------- a8: correct versions

VALUE_HEAD = '''import math


class Value:
    """A number that remembers how it was computed, so that backward() can find its derivatives."""

    def __init__(self, data, inputs=(), local=()):
        self.data = float(data)
        self.grad = 0.0
        self.inputs = tuple(inputs)
        self.local = tuple(local)

    def __repr__(self):
        return "Value(data=%r, grad=%r)" % (self.data, self.grad)

    def __add__(self, other):
        """self + other; d/d(self) = 1 and d/d(other) = 1."""
        other = as_value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __radd__(self, other):
        """other + self for a plain number other (Python calls it when other + self fails)."""
        return as_value(other) + self
'''

# Each method of the class that the student writes, in the order of the release.
VALUE_METHODS = {
    "__neg__": '''def __neg__(self):
    return Value(-self.data, (self,), (-1.0,))
''',
    "__sub__": '''def __sub__(self, other):
    other = as_value(other)
    return Value(self.data - other.data, (self, other), (1.0, -1.0))
''',
    "__rsub__": '''def __rsub__(self, other):
    return as_value(other) - self
''',
    "__mul__": '''def __mul__(self, other):
    other = as_value(other)
    return Value(self.data * other.data, (self, other), (other.data, self.data))
''',
    "__rmul__": '''def __rmul__(self, other):
    return as_value(other) * self
''',
    "__truediv__": '''def __truediv__(self, other):
    other = as_value(other)
    return Value(self.data / other.data, (self, other), (1.0 / other.data, -self.data / other.data ** 2))
''',
    "__rtruediv__": '''def __rtruediv__(self, other):
    return as_value(other) / self
''',
    "__pow__": '''def __pow__(self, exponent):
    if exponent == 0:
        slope = 0.0
    else:
        slope = exponent * self.data ** (exponent - 1)
    return Value(self.data ** exponent, (self,), (slope,))
''',
    "exp": '''def exp(self):
    e = math.exp(self.data)
    return Value(e, (self,), (e,))
''',
    "tanh": '''def tanh(self):
    t = math.tanh(self.data)
    return Value(t, (self,), (1.0 - t * t,))
''',
    "relu": '''def relu(self):
    return Value(self.data if self.data > 0 else 0.0, (self,), (1.0 if self.data > 0 else 0.0,))
''',
}

VALUE_TAIL = '''
    def backward(self):
        """Add d(self)/d(node) to node.grad for every node of self's graph, self included (part 2)."""
        backpropagate(self)

    def zero_grad(self):
        """Set node.grad = 0.0 for every node of self's graph, self included (part 2)."""
        zero_gradients(self)


def as_value(x):
    """x itself if it is a Value, else a new Value holding the plain number x (an input of the graph)."""
    return x if isinstance(x, Value) else Value(x)
'''


def value_cell(**methods):
    """The whole class cell, with the correct methods except those given (name -> source)."""
    unknown = set(methods) - set(VALUE_METHODS)
    assert not unknown, unknown
    body = "".join("\n" + textwrap.indent(methods.get(name, source), "    ")
                   for name, source in VALUE_METHODS.items())
    return VALUE_HEAD + body + VALUE_TAIL


PART2_FUNCTIONS = {
    "topological_order": '''def topological_order(root):
    """Every node of root's graph once, each after all of the nodes it was computed from; root last."""
    order = []
    placed = set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in placed:
            continue
        placed.add(node)
        stack.append((node, True))
        for parent in node.inputs:
            if parent not in placed:
                stack.append((parent, False))
    return order
''',
    "backpropagate": '''def backpropagate(root):
    """Add d(root)/d(node) to node.grad for every node of root's graph, root included."""
    order = topological_order(root)
    adjoint = {node: 0.0 for node in order}
    adjoint[root] = 1.0
    for node in reversed(order):
        for parent, local in zip(node.inputs, node.local):
            adjoint[parent] += adjoint[node] * local
    for node in order:
        node.grad += adjoint[node]
''',
    "zero_gradients": '''def zero_gradients(root):
    """Set node.grad = 0.0 for every node of root's graph, root included."""
    for node in topological_order(root):
        node.grad = 0.0
''',
}


def part2_cell(**functions):
    """The whole part 2 cell, with the correct functions except those given (name -> source)."""
    unknown = set(functions) - set(PART2_FUNCTIONS)
    assert not unknown, unknown
    return "\n\n".join(functions.get(name, source) for name, source in PART2_FUNCTIONS.items())


CORRECT = {
    A7: {"forward_multiply_adds": A7_FORWARD, "backward_multiply_adds": A7_BACKWARD,
         "checkpoint_layers": A7_LAYERS, "checkpointed_backward": A7_CHECKPOINTED},
    A8: {"as_value": value_cell(), "backpropagate": part2_cell()},
}


def _a7(id, function, source, mistake):
    return dict(id=id, assignment=A7, function=function, cell=function, grade_id="test_" + function,
                source=source, mistake=mistake)


def _a8_value(id, method, source, mistake):
    return dict(id=id, assignment=A8, function="Value." + method, cell="as_value", grade_id="test_Value",
                source=value_cell(**{method: source}), mistake=mistake)


def _a8_part2(id, function, source, mistake):
    return dict(id=id, assignment=A8, function=function, cell="backpropagate", grade_id="test_backpropagate",
                source=part2_cell(**{function: source}), mistake=mistake)


WRONG_VERSIONS = [
    # ------------------------------------------------------------------------------------------ a7
    _a7("a7_forward_counts_the_bias_additions", "forward_multiply_adds",
        '''def forward_multiply_adds(layer_dims, m):
    total = 0
    for l in range(1, len(layer_dims)):
        total += layer_dims[l] * layer_dims[l - 1] * m   # W @ A_prev
        total += layer_dims[l] * m                       # + b
    return total
''', "adds n_l * m per layer for adding the bias, which the release leaves out of the count"),
    _a7("a7_forward_squares_the_layer_width", "forward_multiply_adds",
        '''def forward_multiply_adds(layer_dims, m):
    return sum(n * n * m for n in layer_dims[1:])
''', "counts n_l**2 * m per layer, as if every W were square, instead of n_l * n_(l-1) * m"),
    _a7("a7_backward_counts_dA0_of_layer_1", "backward_multiply_adds",
        '''def backward_multiply_adds(layer_dims, m):
    total = 0
    for l in range(1, len(layer_dims)):
        total += 2 * layer_dims[l] * layer_dims[l - 1] * m   # dW and dA_prev
    return total
''', "counts two products for every layer, layer 1's dA0 included, instead of dW1 alone"),
    _a7("a7_backward_layer_1_term_without_m", "backward_multiply_adds",
        '''def backward_multiply_adds(layer_dims, m):
    total = layer_dims[1] * layer_dims[0]
    for l in range(2, len(layer_dims)):
        total += 2 * layer_dims[l] * layer_dims[l - 1] * m
    return total
''', "the layer 1 term n_1 * n_0 lacks the factor m"),
    _a7("a7_checkpoints_include_the_output_layer", "checkpoint_layers",
        '''def checkpoint_layers(L, k):
    return list(range(0, L + 1, k))
''', "keeps every multiple of k up to L inclusive, so A[L] is listed when k divides L"),
    _a7("a7_checkpoints_miss_the_input", "checkpoint_layers",
        '''def checkpoint_layers(L, k):
    return [l for l in range(1, L) if l % k == 0]
''', "starts at layer 1, so A[0] = X, the input of the first segment, is missing"),
    _a7("a7_checkpointed_keeps_every_activation_to_be_safe", "checkpointed_backward",
        '''def checkpointed_backward(X, Y, parameters, k):
    L = len(parameters) // 2
    activations = [X]                                   # every A, to be safe
    for l in range(1, L + 1):
        A, _ = linear_activation_forward(activations[-1], parameters["W" + str(l)], parameters["b" + str(l)],
                                         "sigmoid" if l == L else "relu")
        activations.append(A)
    AL = activations[-1]
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads = {}
    for s in reversed(range(0, L, k)):
        top = min(s + k, L)
        A = activations[s]
        caches = []
        for l in range(s + 1, top + 1):
            A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                                 "sigmoid" if l == L else "relu")
            caches.append(cache)
        for l in range(top, s, -1):
            dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
                dA, caches.pop(), "sigmoid" if l == L else "relu")
    return grads
''', "the forward pass keeps A of every layer in a list (to be safe) and only recomputes the caches by "
     "segment, so it holds L activations"),
    _a7("a7_checkpointed_caches_list_outside_the_segment_loop", "checkpointed_backward",
        '''def checkpointed_backward(X, Y, parameters, k):
    L = len(parameters) // 2
    starts = list(range(0, L, k))
    kept = {}
    A = X
    for l in range(1, L + 1):
        if l - 1 in starts:
            kept[l - 1] = A
        A, _ = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                         "sigmoid" if l == L else "relu")
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    grads = {}
    caches = {}
    for s in reversed(starts):
        top = min(s + k, L)
        A = kept[s]
        for l in range(s + 1, top + 1):
            A, caches[l] = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                                     "sigmoid" if l == L else "relu")
        for l in range(top, s, -1):
            dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
                dA, caches[l], "sigmoid" if l == L else "relu")
    return grads
''', "one dict of caches for the whole backward pass, keyed by layer, so every segment's caches stay "
     "alive to the end (as many as the full cache)"),
    _a7("a7_checkpointed_recomputes_from_X_for_every_layer", "checkpointed_backward",
        '''def checkpointed_backward(X, Y, parameters, k):
    L = len(parameters) // 2
    A = X
    for l in range(1, L + 1):
        A, _ = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                         "sigmoid" if l == L else "relu")
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    grads = {}
    for l in range(L, 0, -1):
        A_prev = X                                    # nothing kept: recompute up to layer l
        for j in range(1, l):
            A_prev, _ = linear_activation_forward(A_prev, parameters["W" + str(j)], parameters["b" + str(j)], "relu")
        _, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)],
                                             "sigmoid" if l == L else "relu")
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, cache, "sigmoid" if l == L else "relu")
    return grads
''', "keeps no checkpoint and recomputes the forward pass from X for every layer: L(L+1)/2 layer "
     "passes instead of one extra forward pass, and k is ignored"),
    _a7("a7_checkpointed_misses_the_last_short_segment", "checkpointed_backward",
        '''def checkpointed_backward(X, Y, parameters, k):
    L = len(parameters) // 2
    n_segments = L // k
    kept = {}
    A = X
    for l in range(1, L + 1):
        if (l - 1) % k == 0:
            kept[l - 1] = A
        A, _ = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                         "sigmoid" if l == L else "relu")
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    del A
    grads = {}
    for segment in reversed(range(n_segments)):
        s = segment * k
        A = kept.pop(s)
        caches = []
        for l in range(s + 1, s + k + 1):
            A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                                 "sigmoid" if l == L else "relu")
            caches.append(cache)
        for l in range(s + k, s, -1):
            dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
                dA, caches.pop(), "sigmoid" if l == L else "relu")
        del caches
    return grads
''', "counts L // k segments of k layers, so when k does not divide L the last, shorter segment is "
     "never gone back through (and k > L gives no segment at all)"),
    _a7("a7_checkpointed_sigmoid_at_the_top_of_every_segment", "checkpointed_backward",
        '''def checkpointed_backward(X, Y, parameters, k):
    L = len(parameters) // 2
    starts = list(range(0, L, k))
    kept = {}
    A = X
    for l in range(1, L + 1):
        if l - 1 in starts:
            kept[l - 1] = A
        A, _ = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                         "sigmoid" if l == L else "relu")
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    del A
    grads = {}
    for s in reversed(starts):
        top = min(s + k, L)
        A = kept.pop(s)
        caches = []
        for l in range(s + 1, top + 1):
            activation = "sigmoid" if l == top else "relu"      # the segment's last layer
            A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], activation)
            caches.append(cache)
        for l in range(top, s, -1):
            activation = "sigmoid" if l == top else "relu"
            dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(dA, caches.pop(), activation)
        del caches
    return grads
''', "in the recomputed segments the sigmoid is taken at the top layer of every segment, not at layer "
     "L only"),
    _a7("a7_checkpointed_keeps_dA_of_every_layer", "checkpointed_backward",
        '''def checkpointed_backward(X, Y, parameters, k):
    L = len(parameters) // 2
    starts = list(range(0, L, k))
    kept = {}
    A = X
    for l in range(1, L + 1):
        if l - 1 in starts:
            kept[l - 1] = A
        A, _ = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                         "sigmoid" if l == L else "relu")
    grads = {"dA" + str(L): -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))}
    del A
    for s in reversed(starts):
        top = min(s + k, L)
        A = kept.pop(s)
        caches = []
        for l in range(s + 1, top + 1):
            A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                                 "sigmoid" if l == L else "relu")
            caches.append(cache)
        for l in range(top, s, -1):
            grads["dA" + str(l - 1)], grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
                grads["dA" + str(l)], caches.pop(), "sigmoid" if l == L else "relu")
        del caches
    return grads
''', "stores dA of every layer in grads, as in assignment 4: extra dA keys are returned and L + 1 "
     "arrays are held"),
    # ------------------------------------------------------------------------------------------ a8
    _a8_value("a8_relu_derivative_from_the_output_sign", "relu",
        '''def relu(self):
    out = max(0.0, self.data)
    return Value(out, (self,), (1.0 if out >= 0 else 0.0,))
''', "the relu derivative tests the output max(0, x) >= 0, which always holds, so it is 1 for negative "
     "inputs too"),
    _a8_value("a8_division_denominator_derivative_without_minus", "__truediv__",
        '''def __truediv__(self, other):
    other = as_value(other)
    return Value(self.data / other.data, (self, other), (1.0 / other.data, self.data / other.data ** 2))
''', "d(a/b)/db is written a / b**2, without its minus sign"),
    _a8_value("a8_pow_negative_exponent_moved_toward_zero", "__pow__",
        '''def __pow__(self, exponent):
    # the power drops by one: toward zero for negative exponents too
    lower = exponent - 1 if exponent > 0 else exponent + 1
    return Value(self.data ** exponent, (self,), (exponent * self.data ** lower,))
''', "for exponents <= 0 the derivative uses x**(p + 1) instead of x**(p - 1)"),
    _a8_value("a8_mul_records_the_input_values_as_local_derivatives", "__mul__",
        '''def __mul__(self, other):
    other = as_value(other)
    return Value(self.data * other.data, (self, other), (other, self))
''', "the local derivatives of * are the input Values themselves, not their floats, so adjoints and "
     ".grad become Values"),
    _a8_value("a8_tanh_derivative_parenthesised_wrong", "tanh",
        '''def tanh(self):
    t = math.tanh(self.data)
    return Value(t, (self,), ((1 - t) ** 2,))
''', "the tanh derivative is written (1 - t)**2 instead of 1 - t**2"),
    _a8_part2("a8_topological_order_by_breadth_first_search", "topological_order",
        '''def topological_order(root):
    order = [root]
    seen = {root}
    i = 0
    while i < len(order):                 # breadth first from the root
        for parent in order[i].inputs:
            if parent not in seen:
                seen.add(parent)
                order.append(parent)
        i += 1
    order.reverse()
    return order
''', "reverses a breadth-first order from the root, which puts a node before one of its inputs when a "
     "longer path also reaches that input"),
    _a8_part2("a8_topological_order_lists_a_node_twice", "topological_order",
        '''def topological_order(root):
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in node.inputs:
            if parent not in visited:          # checked when pushed, not when popped
                stack.append((parent, False))
    return order
''', "visited is checked only when a node is pushed, so a node pushed twice before it is expanded (x * x, "
     "diamonds) is listed twice"),
    _a8_part2("a8_sweep_in_the_order_nodes_were_listed", "backpropagate",
        '''def backpropagate(root):
    order = topological_order(root)
    adjoint = {node: 0.0 for node in order}
    adjoint[root] = 1.0
    for node in order:                       # not reversed
        for parent, local in zip(node.inputs, node.local):
            adjoint[parent] += adjoint[node] * local
    for node in order:
        node.grad += adjoint[node]
''', "the sweep goes through the topological order as listed, inputs first, not reversed, so a node "
     "passes its adjoint on before it has received it"),
    _a8_part2("a8_output_grad_set_with_equals", "backpropagate",
        '''def backpropagate(root):
    order = topological_order(root)
    root.grad = 1.0                          # d root / d root
    adjoint = {node: 0.0 for node in order}
    adjoint[root] = 1.0
    for node in reversed(order):
        for parent, local in zip(node.inputs, node.local):
            adjoint[parent] += adjoint[node] * local
    for node in order[:-1]:
        node.grad += adjoint[node]
''', "the root's .grad is set to 1.0 with = while every other node's is added to, so a second "
     "backward() leaves the root at 1"),
    _a8_part2("a8_adjoints_kept_on_the_nodes_between_calls", "backpropagate",
        '''def backpropagate(root):
    order = topological_order(root)
    root.adjoint = 1.0
    for node in reversed(order):
        for parent, local in zip(node.inputs, node.local):
            parent.adjoint = getattr(parent, "adjoint", 0.0) + node.adjoint * local
    for node in order:
        node.grad += node.adjoint
''', "this call's adjoints live in a .adjoint attribute that is never reset, so a later backward() "
     "(or one from another root sharing nodes) starts from the old adjoints"),
    _a8_part2("a8_same_input_twice_in_one_operation_counted_once", "backpropagate",
        '''def backpropagate(root):
    order = topological_order(root)
    adjoint = {node: 0.0 for node in order}
    adjoint[root] = 1.0
    for node in reversed(order):
        adjoint.update({parent: adjoint[parent] + adjoint[node] * local
                        for parent, local in zip(node.inputs, node.local)})
    for node in order:
        node.grad += adjoint[node]
''', "the inputs of one operation are updated through a dict comprehension, so an input used twice by "
     "the same operation (x * x) gets one contribution, not two"),
    _a8_part2("a8_zero_gradients_skips_nodes_with_a_value_already_seen", "zero_gradients",
        '''def zero_gradients(root):
    seen = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.data in seen:
            continue
        seen.add(node.data)
        node.grad = 0.0
        stack.extend(node.inputs)
''', "the walk remembers values (node.data) instead of nodes, so a distinct node holding a value "
     "already seen, and every node behind it, keeps its .grad"),
    _a8_part2("a8_zero_gradients_only_the_leaves", "zero_gradients",
        '''def zero_gradients(root):
    for node in topological_order(root):
        if not node.inputs:              # the parameters, as in PyTorch
            node.grad = 0.0
''', "only the inputs of the graph (leaves) are reset, not the intermediate nodes and the root"),
]

ASSIGNMENTS = (A7, A8)
assert len({version["id"] for version in WRONG_VERSIONS}) == len(WRONG_VERSIONS)
assert all(re.search(r"def %s\(" % version["function"].split(".")[-1], version["source"])
           for version in WRONG_VERSIONS)
