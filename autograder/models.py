"""Models as data: the inputs of the nn and train tests.

A model spec names a class of the student's nn.py (`Neuron`, `Layer`, `MLP`),
its arguments, and a value for every weight and bias, by the path of the
attribute that holds it (`layers[0].neurons[2].w[1]`, `...b`): the contract's
attribute names, so weights are set without relying on `parameters()`.
"""

from __future__ import annotations

import random


def paths(kind: str, args: tuple) -> list[str]:
    """Every weight and bias of the model, by path: layer by layer, neuron by neuron, w then b."""
    if kind == "Neuron":
        return [f"w[{i}]" for i in range(args[0])] + ["b"]
    if kind == "Layer":
        nin, nout = args
        return [p for j in range(nout) for p in [f"neurons[{j}].w[{i}]" for i in range(nin)] + [f"neurons[{j}].b"]]
    nin, nouts = args
    sizes = [nin, *nouts]
    return [
        f"layers[{k}].neurons[{j}].{p}"
        for k, n in enumerate(nouts)
        for j in range(n)
        for p in [f"w[{i}]" for i in range(sizes[k])] + ["b"]
    ]


def model(kind: str, *args: object, seed: int, nonlin: bool | None = None) -> dict:
    """A model spec with seeded weights in [-1, 1], as `random.uniform(-1, 1)` would draw them."""
    rng = random.Random(seed)
    kwargs = {} if nonlin is None else {"nonlin": nonlin}
    weights = {p: round(rng.uniform(-1, 1), 4) for p in paths(kind, args)}
    return {"kind": kind, "args": list(args), "kwargs": kwargs, "weights": weights}


def call(spec: dict) -> str:
    """How the feedback names the model: `MLP(3, [4, 4, 1])`."""
    args = ", ".join(repr(a) for a in spec["args"])
    kwargs = "".join(f", {k}={v!r}" for k, v in spec["kwargs"].items())
    return f"{spec['kind']}({args}{kwargs})"


def inputs(seed: int, nin: int, n: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[round(rng.uniform(-2, 2), 3) for _ in range(nin)] for _ in range(n)]


# The lecture's dataset (../shared/student_api.md).
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
