"""A scalar reverse-mode automatic differentiation engine: the class :class:`Value`.

Every operation on a :class:`Value` returns a new ``Value`` that records its inputs and
its *local gradients*, the derivatives of its output with respect to each input at the
forward values. ``backward()`` sweeps the recorded graph in reverse topological order
and applies the chain rule: each node passes its adjoint times a local gradient to each
input, and the contributions that reach a node along different uses add up.

``backward()`` *accumulates*: it adds this call's derivatives to ``.grad``, as PyTorch
does, so calling it twice doubles every ``.grad``; ``zero_grad()`` resets them to 0.
"""
import math
import numbers


def topological_order(output):
    """The nodes of ``output``'s graph, each after all of its inputs; ``output`` last.

    A node is any object with a tuple ``inputs`` of nodes. The depth-first search keeps
    its own stack instead of recursing, so a graph thousands of nodes deep needs no
    raised recursion limit. Each node appears once, however many times it is used.
    """
    order, seen = [], {id(output)}
    stack = [(output, iter(output.inputs))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent.inputs)))
                break
        else:                  # all inputs of node are placed: node can follow them
            stack.pop()
            order.append(node)
    return order


class Value:
    """A scalar that remembers how it was computed.

    Attributes: ``data`` (float), the value; ``grad`` (float, 0.0 at creation), where
    ``backward()`` adds derivatives; ``inputs``, the Values it was computed from (empty
    for a leaf); ``local``, the local gradients d(self)/d(input), one per input; ``op``,
    a short name of the operation (``""`` for a leaf).

    Operations: ``+``, ``*``, ``-``, ``/`` (a Value or a plain number on either side),
    unary ``-``, ``** p`` (``p`` a plain int or float), and the methods ``exp``,
    ``tanh`` and ``relu``. A plain number becomes a leaf Value of its own.
    """

    def __init__(self, data, inputs=(), local=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self.inputs = tuple(inputs)
        self.local = tuple(float(g) for g in local)
        self.op = op
        if len(self.inputs) != len(self.local):
            raise ValueError("one local gradient per input is needed")

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    @staticmethod
    def _lift(other):
        """``other`` as a Value: itself, a new leaf for a real number, else None."""
        if isinstance(other, Value):
            return other
        if isinstance(other, numbers.Real):
            return Value(other)
        return None

    # -- two inputs: the output, and d out / d a, d out / d b ----------------------
    def __add__(self, other):
        other = self._lift(other)
        if other is None:
            return NotImplemented
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = self._lift(other)
        if other is None:
            return NotImplemented
        return Value(self.data * other.data, (self, other),
                     (other.data, self.data), "*")

    def __sub__(self, other):
        other = self._lift(other)
        if other is None:
            return NotImplemented
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other):
        other = self._lift(other)
        if other is None:
            return NotImplemented
        quotient = self.data / other.data
        return Value(quotient, (self, other),
                     (1.0 / other.data, -quotient / other.data), "/")

    def __radd__(self, other):                    # other + self, other a number
        other = self._lift(other)
        return NotImplemented if other is None else other + self

    def __rmul__(self, other):
        other = self._lift(other)
        return NotImplemented if other is None else other * self

    def __rsub__(self, other):
        other = self._lift(other)
        return NotImplemented if other is None else other - self

    def __rtruediv__(self, other):
        other = self._lift(other)
        return NotImplemented if other is None else other / self

    # -- one input: the output and d out / d x --------------------------------------
    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __pow__(self, p):
        """``self ** p`` for a constant ``p``; local gradient ``p x**(p - 1)``.

        For a non-integer ``p`` the base must not be negative. At ``x = 0`` with
        ``0 < p < 1`` the derivative is infinite: the local gradient is ``inf``.
        """
        if isinstance(p, Value) or not isinstance(p, numbers.Real):
            raise TypeError("the exponent must be a plain int or float, not %r" % (p,))
        if self.data < 0 and p != int(p):
            raise ValueError("a negative number has no real power %r" % (p,))
        if p == 0:
            local = 0.0
        elif self.data == 0 and p < 1:
            local = math.inf
        else:
            local = p * self.data ** (p - 1)
        return Value(self.data ** p, (self,), (local,), f"**{p:g}")

    def exp(self):
        """e**x; local gradient e**x, the output itself."""
        out = math.exp(self.data)
        return Value(out, (self,), (out,), "exp")

    def tanh(self):
        """tanh(x); local gradient 1 - tanh(x)**2, from the output."""
        out = math.tanh(self.data)
        return Value(out, (self,), (1.0 - out * out,), "tanh")

    def relu(self):
        """max(0, x); local gradient 1 where x > 0, 0 where x <= 0 (0 at the kink)."""
        slope = 1.0 if self.data > 0 else 0.0
        return Value(max(0.0, self.data), (self,), (slope,), "relu")

    # -- the backward sweep -----------------------------------------------------------
    def backward(self):
        """Add d(self)/d(node) to ``node.grad`` for every node of the graph, self too.

        One sweep in reverse topological order. This call's adjoints live in a dict of
        their own, seeded with d(self)/d(self) = 1; each node passes its adjoint times
        each local gradient to its inputs, where the contributions add up. Only at the
        end are they added to ``.grad``, so what an earlier call left there never
        enters the sweep: two calls give exactly twice the gradients of one.
        """
        order = topological_order(self)
        adjoint = {id(node): 0.0 for node in order}
        adjoint[id(self)] = 1.0
        for node in reversed(order):
            upstream = adjoint[id(node)]
            for parent, local in zip(node.inputs, node.local):
                adjoint[id(parent)] += upstream * local
        for node in order:
            node.grad += adjoint[id(node)]

    def zero_grad(self):
        """Set ``.grad = 0.0`` on every node of self's graph, self included."""
        for node in topological_order(self):
            node.grad = 0.0
