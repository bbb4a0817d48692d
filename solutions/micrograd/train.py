"""Training a network with gradient descent.

One training step is: a forward pass over the whole dataset, the loss, fresh
(zero) gradients, `loss.backward()`, and a small step of every parameter
against its gradient.
"""

from __future__ import annotations

from micrograd.engine import Value
from micrograd.nn import Module


def mse_loss(ypred: list[Value], ys: list[float]) -> Value:
    r"""Return the mean squared error $\frac{1}{n} \sum_i (\hat y_i - y_i)^2$.

    `ypred` are the network's outputs (Values), `ys` the targets (numbers).
    Build the result from Value operations so that `loss.backward()` reaches
    every prediction.
    """
    ### BEGIN SOLUTION
    errors = [(yp - yt) ** 2 for yp, yt in zip(ypred, ys)]
    return sum(errors, Value(0.0)) * (1.0 / len(errors))
    ### END SOLUTION


def sgd_step(params: list[Value], lr: float) -> None:
    r"""Move every parameter one step downhill: $p \leftarrow p - lr \cdot \partial L / \partial p$.

    Change `p.data` in place; the gradient says which way the loss goes *up*,
    so step against it.
    """
    ### BEGIN SOLUTION
    for p in params:
        p.data -= lr * p.grad
    ### END SOLUTION


def train(
    model: Module,
    xs: list[list[float]],
    ys: list[float],
    steps: int,
    lr: float,
) -> list[float]:
    """Train `model` on `(xs, ys)` for `steps` steps of gradient descent.

    Each step: predict every example of `xs` with `model`, compute
    `mse_loss`, set the gradients to zero (`model.zero_grad()`), run
    `backward()` on the loss and take one `sgd_step` with `lr`.

    Return the loss of every step, as plain floats (`loss.data`), in order.
    """
    ### BEGIN SOLUTION
    losses: list[float] = []
    for _ in range(steps):
        ypred = [model(x) for x in xs]
        loss = mse_loss(ypred, ys)
        model.zero_grad()
        loss.backward()
        sgd_step(model.parameters(), lr)
        losses.append(float(loss.data))
    return losses
    ### END SOLUTION
