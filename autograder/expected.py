"""Expected answers, computed in the grader's own process with PyTorch in float64.

Nothing here sees the student's code. Inputs are drawn per submission, so the
caches only serve a regrade of the same files within one process.
"""

from __future__ import annotations

import functools

from autograder.models import layout
from autograder.programs import Program, step_text


@functools.cache
def torch():  # noqa: ANN201 - the torch module itself
    """Import torch once (about a second): the grader overlaps it with the sandbox's work."""
    import torch

    return torch


def _tensor(x: float):  # noqa: ANN202
    return torch().tensor(float(x), dtype=torch().float64, requires_grad=True)


def _run(program: Program) -> dict:
    """The program on torch tensors: name -> tensor, each step evaluated from its text (programs.OPERATORS)."""
    env = {name: _tensor(x) for name, x in program.leaves}
    for name, op, args in program.steps:
        t = eval(step_text(op, args), {"__builtins__": {}}, env)  # noqa: S307 - the grader's own table
        t.retain_grad()
        env[name] = t
    return env


@functools.lru_cache(maxsize=2048)
def evaluate(program: Program) -> dict:
    """Every node's data, and its grad after `root.backward()`."""
    env = _run(program)
    data = {name: t.item() for name, t in env.items()}
    env[program.root].backward()
    grad = {name: (t.grad.item() if t.grad is not None else 0.0) for name, t in env.items()}
    return {"data": data, "grad": grad}


def local_backward(program: Program, start: dict[str, float], out_grad: float) -> dict:
    """`out._backward()` alone on a one-step program: each leaf's starting grad plus its share of `out_grad`."""
    env = _run(program)
    out = env[program.root]
    # Not `backward(gradient=...)`: torch checks that argument's shape with sympy, a 1.8 s import.
    (out * out_grad).backward()
    share = {name: env[name].grad.item() if env[name].grad is not None else 0.0 for name, _ in program.leaves}
    return {
        "data": out.item(),
        "grad": {name: start[name] + share[name] for name, _ in program.leaves},
        "share": share,
    }


def neuron_forward(model: dict, inputs: list[list[float]]) -> list[float]:
    """A single neuron's output on each input: tanh(w·x + b), or w·x + b when `nonlin=False`."""
    t = torch()
    nin = model["args"][0]
    w = t.tensor([model["weights"][f"w[{i}]"] for i in range(nin)], dtype=t.float64)
    b = model["weights"]["b"]
    act = t.tensor(inputs, dtype=t.float64) @ w + b
    return (act.tanh() if model["kwargs"].get("nonlin", True) else act).tolist()


def mse(ypred: list[float], ys: list[float]) -> dict:
    t = torch()
    yp = t.tensor(ypred, dtype=t.float64, requires_grad=True)
    loss = ((yp - t.tensor(ys, dtype=t.float64)) ** 2).mean()
    loss.backward()
    return {"loss": loss.item(), "grad": yp.grad.tolist()}


def training(model: dict, xs: list, ys: list, steps: int, lr: float, zero_grad: bool = True) -> dict:
    """The training loop of the contract, by torch on weight matrices (the model's layout, tanh everywhere).

    Returns the loss of every step, the weights after training by path, and the
    loss of the trained model on the data. `zero_grad=False` replays the
    common mistake of letting gradients pile up, for its diagnosis.
    """
    t = torch()
    layers = []
    for neurons in layout(model["kind"], model["args"]):
        w = [[model["weights"][f"{prefix}w[{i}]"] for i in range(nin)] for prefix, nin in neurons]
        b = [model["weights"][f"{prefix}b"] for prefix, _ in neurons]
        layers.append(
            (t.tensor(w, dtype=t.float64, requires_grad=True), t.tensor(b, dtype=t.float64, requires_grad=True))
        )
    x, y = t.tensor(xs, dtype=t.float64), t.tensor(ys, dtype=t.float64)

    def loss_now():  # noqa: ANN202
        h = x
        for w, b in layers:
            h = (h @ w.T + b).tanh()
        return ((h.reshape(-1) - y) ** 2).mean()

    losses = []
    for _ in range(steps):
        current = loss_now()
        if zero_grad:
            for tensor in (p for pair in layers for p in pair):
                tensor.grad = None
        current.backward()
        with t.no_grad():
            for tensor in (p for pair in layers for p in pair):
                tensor -= lr * tensor.grad
        losses.append(current.item())
    with t.no_grad():
        final = loss_now().item()
    weights = {}
    for neurons, (w, b) in zip(layout(model["kind"], model["args"]), layers, strict=True):
        for j, (prefix, nin) in enumerate(neurons):
            weights.update({f"{prefix}w[{i}]": w[j, i].item() for i in range(nin)})
            weights[f"{prefix}b"] = b[j].item()
    return {"losses": losses, "weights": weights, "final_loss": final}


def loss_with(model: dict, weights: dict[str, float], xs: list, ys: list) -> float:
    """The mean squared error of the model with `weights` (read out of the sandbox as numbers), by torch."""
    trained = {**model, "weights": weights}
    return training(trained, xs, ys, 0, 0.0)["final_loss"]
