"""A scalar-valued autograd engine.

A `Value` wraps one number. Every arithmetic operation on Values builds a new
Value that remembers its inputs (`_prev`), the operation that made it (`_op`)
and a `_backward` closure: how to pass the gradient of the output back to the
inputs (the *local* chain rule). `backward()` visits the graph in reverse
topological order and calls every `_backward`, which is backpropagation.

Only a few operations carry their own backward rule (`+`, `*`, `**`, `exp`,
`tanh`, `relu`); subtraction, division and the reflected operators are built
from them, so their gradients come for free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable


# One no-op shared by every leaf, rather than a new `lambda: None` per Value: a big graph
# then holds fewer objects for Python's garbage collector to walk, which is most of its cost.
def _leaf_backward() -> None:
    """A leaf's `_backward`: it has no inputs to pass a gradient to."""


class Value:
    """One scalar in a computation graph, with its gradient.

    Attributes:
        data: the number this node holds.
        grad: d(root)/d(this node), filled in by `root.backward()`; starts at 0.
        _backward: passes `grad` on to the inputs; a no-op for leaves.
        _prev: the set of input Values this node was computed from.
        _op: a short name of the operation that made this node ('' for leaves).
        label: a name for pictures of the graph (see `micrograd.viz.draw_dot`).
    """

    def __init__(
        self,
        data: float,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self.data = data
        self.grad = 0.0
        self._backward: Callable[[], None] = _leaf_backward
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ------------------------------------------------------------------
    # Operations with their own backward rule
    # ------------------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        r"""Return `self + other`.

        $out = a + b$, so $\partial out / \partial a = 1$ and
        $\partial out / \partial b = 1$: the sum passes `out.grad` unchanged to
        both inputs. Add (`+=`), never assign: a Value used twice (`a + a`)
        must receive both contributions.
        """
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            ### BEGIN SOLUTION
            self.grad += out.grad
            other.grad += out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        r"""Return `self * other`.

        $out = a \cdot b$, so $\partial out / \partial a = b$ and
        $\partial out / \partial b = a$. By the chain rule each input receives
        the *other* input's data times `out.grad`, accumulated with `+=`.
        """
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            ### BEGIN SOLUTION
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def __pow__(self, other: int | float) -> Value:
        r"""Return `self ** other` for a plain number `other` (int or float).

        $out = a^n$, so $\partial out / \partial a = n \cdot a^{n-1}$. The
        exponent is a constant, not a Value: it gets no gradient.
        """
        assert isinstance(other, (int, float)), "only int or float exponents"
        out = Value(self.data**other, (self,), f"**{other}")

        def _backward() -> None:
            ### BEGIN SOLUTION
            self.grad += other * self.data ** (other - 1) * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def exp(self) -> Value:
        r"""Return $e^{self}$.

        $out = e^a$, so $\partial out / \partial a = e^a$, which is `out.data`.
        """
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            ### BEGIN SOLUTION
            self.grad += out.data * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        r"""Return $\tanh(self)$.

        $out = \tanh(a)$, so $\partial out / \partial a = 1 - \tanh^2(a)$,
        which is `1 - out.data**2`. `math.tanh` is used for the forward pass
        because $(e^{2a} - 1) / (e^{2a} + 1)$ overflows for large $|a|$.
        """
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            ### BEGIN SOLUTION
            self.grad += (1 - out.data**2) * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def relu(self) -> Value:
        r"""Return $\max(0, self)$.

        $\partial out / \partial a$ is 1 where $a > 0$ and 0 elsewhere
        (at $a = 0$ we take 0, as PyTorch does).
        """
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward() -> None:
            ### BEGIN SOLUTION
            self.grad += (1.0 if out.data > 0 else 0.0) * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    # ------------------------------------------------------------------
    # Operations built from the ones above: their gradients come for free
    # ------------------------------------------------------------------

    def __neg__(self) -> Value:  # -self
        return self * -1

    def __radd__(self, other: float) -> Value:  # other + self
        return self + other

    def __sub__(self, other: Value | float) -> Value:  # self - other
        return self + (-other)

    def __rsub__(self, other: float) -> Value:  # other - self
        return other + (-self)

    def __rmul__(self, other: float) -> Value:  # other * self
        return self * other

    def __truediv__(self, other: Value | float) -> Value:  # self / other
        return self * other**-1

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return other * self**-1

    # ------------------------------------------------------------------
    # Backpropagation
    # ------------------------------------------------------------------

    def backward(self) -> None:
        r"""Fill in `grad` for every node of the graph behind `self`.

        Seed this node with $\partial self / \partial self = 1$, then call each
        node's `_backward` in *reverse* topological order, so that a node's
        `grad` is complete (every user has passed its share back) before the
        node passes it on to its own inputs.
        """
        ### BEGIN SOLUTION
        self.grad = 1.0
        for node in reversed(topological_sort(self)):
            node._backward()
        ### END SOLUTION


def topological_sort(root: Value) -> list[Value]:
    """Return every node reachable from `root` through `_prev`, inputs first.

    Each node appears exactly once, after all of its inputs, and `root` comes
    last. Keep a set of visited nodes, or a node shared by two users (a
    diamond) is listed twice and its gradient counted twice.

    A recursive depth-first search is the shortest way to write this, but
    Python's recursion limit (about 1000 frames) stops it on long chains; an
    explicit stack has no such limit.
    """
    ### BEGIN SOLUTION
    order: list[Value] = []
    visited: set[int] = set()
    # Each stack entry is (node, inputs_done): a node is emitted only on its
    # second visit, once every one of its inputs has been emitted.
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for child in node._prev:
            if id(child) not in visited:
                stack.append((child, False))
    return order
    ### END SOLUTION
