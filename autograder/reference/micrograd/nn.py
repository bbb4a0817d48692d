"""A tiny neural-network library on top of `micrograd.engine.Value`.

The classes mirror PyTorch's: a `Module` has `parameters()` and `zero_grad()`;
a `Neuron` computes $\\tanh(w \\cdot x + b)$; a `Layer` is a list of neurons
that see the same inputs; an `MLP` chains layers.
"""

from __future__ import annotations

import random

from micrograd.engine import Value


class Module:
    """Something with parameters: the base of Neuron, Layer and MLP."""

    def zero_grad(self) -> None:
        """Set the `grad` of every parameter to 0.

        `backward()` *adds* to gradients, so they must be cleared before each
        new backward pass, or the gradients of earlier steps pile up.
        """
        ### BEGIN SOLUTION
        for p in self.parameters():
            p.grad = 0.0
        ### END SOLUTION

    def parameters(self) -> list[Value]:
        """Return the trainable Values of this module as a flat list."""
        return []


class Neuron(Module):
    """One neuron: a weight per input and a bias.

    Attributes:
        w: a list of `nin` Values, the weights, drawn uniformly from [-1, 1].
        b: a Value, the bias, drawn uniformly from [-1, 1].
        nonlin: whether to apply tanh to the weighted sum.
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))
        self.nonlin = nonlin

    def __call__(self, x: list[Value | float]) -> Value:
        r"""Return $\tanh(\sum_i w_i x_i + b)$, or $\sum_i w_i x_i + b$ when not `nonlin`.

        `x` holds `nin` numbers or Values. Build the sum from Value operations
        (`*`, `+`) so that the result is connected to `w` and `b` in the graph.
        """
        ### BEGIN SOLUTION
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh() if self.nonlin else act
        ### END SOLUTION

    def parameters(self) -> list[Value]:
        """Return the weights, then the bias: `w + [b]`."""
        ### BEGIN SOLUTION
        return self.w + [self.b]
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"{'Tanh' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons, each fed the same `nin` inputs.

    Attributes:
        neurons: the list of this layer's `Neuron`s.
    """

    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: list[Value | float]) -> list[Value] | Value:
        """Return the list of every neuron's output on `x`.

        When the layer has a single neuron, return its output Value itself
        (not a one-element list), so that a network ending in one neuron
        returns a Value.
        """
        ### BEGIN SOLUTION
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs
        ### END SOLUTION

    def parameters(self) -> list[Value]:
        """Return the parameters of every neuron, neuron by neuron, in order."""
        ### BEGIN SOLUTION
        return [p for n in self.neurons for p in n.parameters()]
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: `MLP(3, [4, 4, 1])` maps 3 inputs to 1 output.

    Attributes:
        layers: the list of `Layer`s; layer i has `nouts[i]` neurons, each with
            tanh, as in the lecture.
    """

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

    def __call__(self, x: list[Value | float]) -> list[Value] | Value:
        """Feed `x` through every layer in turn; return the last layer's output."""
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def parameters(self) -> list[Value]:
        """Return the parameters of every layer, layer by layer, in order."""
        ### BEGIN SOLUTION
        return [p for layer in self.layers for p in layer.parameters()]
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
