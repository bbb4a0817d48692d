"""Public tests of assignment 3, training. Run them with `pytest`.

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
