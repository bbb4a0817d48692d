"""Models as data: the inputs of the nn and train tests, and the one schema of a model's paths.

A model spec names a class of the student's nn.py (`Neuron`, `Layer`, `MLP`),
its arguments, and a value for every weight and bias, by the path of the
attribute that holds it (`layers[0].neurons[2].w[1]`, `...b`): the contract's
attribute names, so weights are found and set without relying on
`parameters()`. `layout()` is the only place that knows how a model's neurons
are laid out; the sandbox receives it in the spec, torch (expected.py) reads it.
"""

from __future__ import annotations

import random


def layout(kind: str, args: tuple | list) -> list[list[list]]:
    """The model's neurons, layer by layer: `[path prefix, number of inputs]` for each one."""
    if kind == "Neuron":
        return [[["", args[0]]]]
    if kind == "Layer":
        return [[[f"neurons[{j}].", args[0]] for j in range(args[1])]]
    fan_in = [args[0], *args[1]]
    return [[[f"layers[{k}].neurons[{j}].", fan_in[k]] for j in range(n)] for k, n in enumerate(args[1])]


def paths(kind: str, args: tuple | list) -> list[str]:
    """Every weight and bias of the model, by path: layer by layer, neuron by neuron, w then b."""
    return [
        p
        for layer in layout(kind, args)
        for prefix, nin in layer
        for p in [*(f"{prefix}w[{i}]" for i in range(nin)), f"{prefix}b"]
    ]


def model(kind: str, *args: object, rng: random.Random, nonlin: bool | None = None, calls: int = 3) -> dict:
    """A model spec with drawn weights in [-1, 1], as `random.uniform(-1, 1)` would draw them.

    For a Layer or an MLP, `parts` holds what each of the grader's stand-ins
    inside it (the j-th neuron of a Layer, the k-th layer of an MLP) holds and
    returns: its weights (`[w..., b]` per neuron) and one drawn output per call,
    different on every call (a list of `nout` numbers for a layer).
    """
    kwargs = {} if nonlin is None else {"nonlin": nonlin}
    weights = {p: round(rng.uniform(-1, 1), 4) for p in paths(kind, args)}
    # Sent in a shuffled order: the order of a spec's keys is not the order `parameters()` must return.
    order = list(weights)
    rng.shuffle(order)
    weights = {p: weights[p] for p in order}
    spec = {"kind": kind, "args": list(args), "kwargs": kwargs, "weights": weights, "layout": layout(kind, args)}
    if kind == "Layer":
        spec["parts"] = [
            {
                "weights": [[weights[f"{prefix}w[{i}]"] for i in range(nin)] + [weights[f"{prefix}b"]]],
                "outputs": [round(rng.uniform(-1, 1), 4) for _ in range(calls)],
            }
            for prefix, nin in spec["layout"][0]
        ]
    elif kind == "MLP":
        spec["parts"] = [
            {
                "weights": [
                    [weights[f"{prefix}w[{i}]"] for i in range(nin)] + [weights[f"{prefix}b"]] for prefix, nin in layer
                ],
                "outputs": [[round(rng.uniform(-1, 1), 4) for _ in layer] for _ in range(calls)],
            }
            for layer in spec["layout"]
        ]
    return spec


def call(spec: dict) -> str:
    """How the feedback names the model: `MLP(3, [4, 4, 1])`."""
    args = ", ".join(repr(a) for a in spec["args"])
    kwargs = "".join(f", {k}={v!r}" for k, v in spec["kwargs"].items())
    return f"{spec['kind']}({args}{kwargs})"


def inputs(rng: random.Random, nin: int, n: int) -> list[list[float]]:
    return [[round(rng.uniform(-2, 2), 3) for _ in range(nin)] for _ in range(n)]


# The lecture's dataset (../shared/student_api.md).
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
