"""Expected answers, computed in the grader's own process with PyTorch in float64.

Nothing here sees the student's code. Results are cached: they depend only on
the hidden tests' inputs, so a warm grader computes them once for a whole batch.
"""

from __future__ import annotations

import functools

from autograder.programs import Program


@functools.cache
def torch():  # noqa: ANN201 - the torch module itself
    """Import torch once (about a second): the grader overlaps it with the sandbox's work."""
    import torch

    return torch


def _tensor(x: float):  # noqa: ANN202
    return torch().tensor(float(x), dtype=torch().float64, requires_grad=True)


@functools.cache
def evaluate(program: Program) -> dict:
    """Every node's data, and its grad after `root.backward()`, by torch."""
    env = {name: _tensor(x) for name, x in program.leaves}

    def arg(a):  # noqa: ANN001, ANN202
        return env[a] if isinstance(a, str) else a

    for name, op, args in program.steps:
        a = [arg(x) for x in args]
        if op == "add":
            t = a[0] + a[1]
        elif op == "sub":
            t = a[0] - a[1]
        elif op == "mul":
            t = a[0] * a[1]
        elif op == "truediv":
            t = a[0] / a[1]
        elif op == "pow":
            t = a[0] ** a[1]
        elif op == "neg":
            t = -a[0]
        else:
            t = getattr(a[0], op)()
        t.retain_grad()
        env[name] = t
    data = {name: t.item() for name, t in env.items()}
    grad = None
    if program.backward:
        env[program.root].backward()
        grad = {name: (t.grad.item() if t.grad is not None else 0.0) for name, t in env.items()}
    return {"data": data, "grad": grad}


def _model_tensors(kind: str, args: tuple, weights: dict[str, float]) -> list[list[tuple[list, object]]]:
    """The model's weights as tensors, layer by layer, neuron by neuron: [(w, b), ...]."""
    if kind == "Neuron":
        sizes, prefixes = [args[0]], [[""]]
    elif kind == "Layer":
        sizes, prefixes = [args[0]], [[f"neurons[{j}]." for j in range(args[1])]]
    else:
        sizes = [args[0], *args[1]]
        prefixes = [[f"layers[{k}].neurons[{j}]." for j in range(n)] for k, n in enumerate(args[1])]
    layers = []
    for k, layer in enumerate(prefixes):
        neurons = []
        for prefix in layer:
            w = [_tensor(weights[f"{prefix}w[{i}]"]) for i in range(sizes[k])]
            neurons.append((w, _tensor(weights[f"{prefix}b"])))
        layers.append(neurons)
    return layers


def _forward(layers: list, x: list, nonlin: bool = True):  # noqa: ANN202
    for neurons in layers:
        outs = []
        for w, b in neurons:
            act = b + sum(wi * xi for wi, xi in zip(w, x))
            outs.append(act.tanh() if nonlin else act)
        x = outs
    return x[0] if len(x) == 1 else x


def model_forward(model: dict, inputs: list[list[float]]) -> list:
    """The model's output on each input, as micrograd's nn returns it (a number or a list)."""
    layers = _model_tensors(model["kind"], tuple(model["args"]), model["weights"])
    nonlin = model["kwargs"].get("nonlin", True)
    results = []
    for x in inputs:
        out = _forward(layers, [float(v) for v in x], nonlin)
        results.append([o.item() for o in out] if isinstance(out, list) else out.item())
    return results


def mse(ypred: list[float], ys: list[float]) -> dict:
    t = torch()
    yp = t.tensor(ypred, dtype=t.float64, requires_grad=True)
    loss = ((yp - t.tensor(ys, dtype=t.float64)) ** 2).mean()
    loss.backward()
    return {"loss": loss.item(), "grad": yp.grad.tolist()}


def training_curve(model: dict, xs: list[list[float]], ys: list[float], steps: int, lr: float) -> list[float]:
    """The loss of every step of the training loop the contract describes, by torch."""
    layers = _model_tensors(model["kind"], tuple(model["args"]), model["weights"])
    params = [p for neurons in layers for w, b in neurons for p in (*w, b)]
    target = torch().tensor(ys, dtype=torch().float64)
    losses = []
    for _ in range(steps):
        ypred = torch().stack([_forward(layers, x) for x in xs])
        loss = ((ypred - target) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with torch().no_grad():
            for p in params:
                p -= lr * p.grad
        losses.append(loss.item())
    return losses
