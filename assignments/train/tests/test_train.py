"""Public tests of assignment 3, training. Run them with `pytest`.

They catch the mistakes that cost the most points: a sum where the mean is
meant, a step in the wrong direction, and a training loop without
`zero_grad()`.

They use your own engine and nn (copied from assignments 1 and 2). The hidden
grader runs your train.py on the reference engine and nn.
"""

import random

import pytest

from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.train import mse_loss, sgd_step, train

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def test_mse_loss_is_the_mean_of_the_squared_errors():
    ypred = [Value(0.5), Value(-1.0)]
    loss = mse_loss(ypred, [1.0, 1.0])  # ((0.5-1)**2 + (-1-1)**2) / 2
    assert loss.data == pytest.approx(2.125)
    loss.backward()
    assert ypred[0].grad == pytest.approx(-0.5)  # 2 * (0.5 - 1) / 2


def test_sgd_step_moves_against_the_gradient():
    p = Value(1.0)
    p.grad = 2.0
    sgd_step([p], lr=0.1)
    assert p.data == pytest.approx(0.8)


def test_training_on_the_lecture_dataset_lowers_the_loss():
    random.seed(1)
    model = MLP(3, [4, 4, 1])
    losses = train(model, XS, YS, steps=50, lr=0.1)
    assert len(losses) == 50
    assert all(isinstance(loss, float) for loss in losses)
    assert losses[-1] < losses[0] / 2


def test_mse_loss_divides_by_the_number_of_predictions():
    ypred = [Value(0.0), Value(0.0), Value(0.0), Value(0.0)]
    loss = mse_loss(ypred, [1.0, -1.0, 2.0, 0.0])  # (1 + 1 + 4 + 0) / 4
    assert loss.data == pytest.approx(1.5), "the *mean* of the squared errors: divide the sum by len(ys)"


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
    assert after_training == pytest.approx(one_step), (
        "the gradients piled up over the steps: call model.zero_grad() before loss.backward() in every step"
    )
