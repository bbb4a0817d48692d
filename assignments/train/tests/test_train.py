"""Public tests of assignment 3, training. Run them with `pytest`, or one part at a time
with its marker: `pytest -m mse_loss`, `pytest -m sgd_step`, `pytest -m train`.

A failing test says what it computed, on which inputs, what it expected and what it got;
it adds a `Hint:` only when your numbers are exactly those of a known mistake (a sum
where the mean is meant, a step in the wrong direction, a training loop without
`zero_grad()`).

They use your own engine and nn (copied from assignments 1 and 2). The hidden grader
runs your train.py on the reference engine and nn.
"""

import random

import pytest
from checking import check  # tests/checking.py: the comparison and its hints

from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.train import mse_loss, sgd_step, train

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


@pytest.mark.mse_loss
def test_mse_loss_is_the_mean_of_the_squared_errors():
    preds, ys = [0.5, -1.0, 0.0, 2.0], [1.0, 1.0, 0.0, 1.0]  # squared errors 0.25, 4, 0, 1: sum 5.25
    ypred = [Value(p) for p in preds]
    loss = mse_loss(ypred, ys)
    if not isinstance(loss, Value):
        pytest.fail(f"mse_loss returned {loss!r}: expected a Value built from Value operations", pytrace=False)
    inputs = f"ypred = {preds} (as Values), ys = {ys}"
    check(
        "mse_loss(ypred, ys).data",
        loss.data,
        5.25 / 4,
        inputs,
        [
            ("these are the numbers of the *sum* of the squared errors: divide by their number.", 5.25),
            ("these are the numbers of a division by n - 1: the mean divides by n = len(ys).", 5.25 / 3),
        ],
    )
    loss.backward()
    check(
        "the grads of ypred after loss.backward()",
        [p.grad for p in ypred],
        [2 * (p - y) / 4 for p, y in zip(preds, ys)],
        inputs,
    )


@pytest.mark.sgd_step
def test_sgd_step_moves_against_the_gradient():
    p, q = Value(1.0), Value(-0.5)
    p.grad, q.grad = 2.0, -4.0
    sgd_step([p, q], lr=0.1)
    check(
        "(p.data, q.data) after sgd_step([p, q], lr=0.1)",
        [p.data, q.data],
        [0.8, -0.1],
        "p = Value(1.0) with grad 2.0, q = Value(-0.5) with grad -4.0",
        [
            ("these are the numbers of a step *up* the gradient: subtract, `p.data -= lr * p.grad`.", [1.2, -0.9]),
            ("these are the numbers of a step without `lr`: `p.data -= lr * p.grad`.", [-1.0, 3.5]),
        ],
    )


@pytest.mark.train
def test_train_returns_the_loss_of_every_step_as_floats():
    random.seed(1)
    losses = train(MLP(3, [4, 4, 1]), XS, YS, steps=3, lr=0.05)
    if not isinstance(losses, list) or len(losses) != 3:
        pytest.fail(f"train(..., steps=3) returned {losses!r}: expected a list of 3 losses", pytrace=False)
    if not all(type(loss) is float for loss in losses):
        message = f"train(..., steps=3) returned {losses!r}: expected 3 floats"
        if all(isinstance(loss, Value) for loss in losses):
            message += "\nHint: these are the loss Values: record `loss.data`, a float."
        pytest.fail(message, pytrace=False)


@pytest.mark.train
def test_training_on_the_lecture_dataset_lowers_the_loss():
    random.seed(1)
    losses = train(MLP(3, [4, 4, 1]), XS, YS, steps=50, lr=0.1)
    first, last = float(getattr(losses[0], "data", losses[0])), float(getattr(losses[-1], "data", losses[-1]))
    if not last < first / 2:
        pytest.fail(
            f"after 50 steps with lr=0.1 on the lecture's 4 examples, expected the loss below half of its first "
            f"value {first:.6g}, got {last:.6g}",
            pytrace=False,
        )


@pytest.mark.train
def test_train_clears_the_gradients_before_each_backward():
    # With lr = 0 nothing moves, so after two steps each gradient must be that of one loss, not of two.
    random.seed(5)
    model = MLP(3, [2, 1])
    xs, ys = XS[:2], YS[:2]
    train(model, xs, ys, steps=2, lr=0.0)
    after_training = [p.grad for p in model.parameters()]
    model.zero_grad()
    mse_loss([model(x) for x in xs], ys).backward()
    one_step = [p.grad for p in model.parameters()]
    check(
        "the gradients after train(model, xs, ys, steps=2, lr=0.0)",
        after_training,
        one_step,
        "MLP(3, [2, 1]) and the first 2 examples of the lecture (lr = 0: the gradients of one step)",
        [
            (
                "these are the gradients of two steps added up: call model.zero_grad() before loss.backward().",
                [2 * g for g in one_step],
            )
        ],
    )
