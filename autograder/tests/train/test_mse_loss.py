"""`mse_loss(ypred, ys)`: the mean of the squared errors, as a Value connected to every prediction."""

import random

from autograder import expected
from autograder.grading import Ask, Feedback, graded


def cases(seed):
    rng = random.Random(seed)
    out = []
    for n in (1, 2, 4, 7):
        ypred = [round(rng.uniform(-1, 1), 3) for _ in range(n)]
        ys = [float(rng.choice([-1, 1])) for _ in range(n)]
        out.append(Ask("mse", {"ypred": ypred, "ys": ys}, label=f"`mse_loss(ypred={ypred}, ys={ys})`"))
    return out


def judge(answers, key):
    feedback = Feedback()
    for ask, outcome in answers:
        if not feedback.ok(ask, outcome):
            continue
        want = expected.mse(ask.spec["ypred"], ask.spec["ys"])
        if key == "loss":
            feedback.value(f"{ask.label}.data", outcome.value["loss"], want["loss"])
        else:
            for i, (g, w) in enumerate(zip(outcome.value["grad"], want["grad"])):
                if not feedback.value(f"after {ask.label}.backward(): ypred[{i}].grad", g, w):
                    break
    feedback.finish()


@graded(5, cases(1))
def test_mse_loss_value(answers):
    """The loss is the *mean* (not the sum) of the squared errors, for 1, 2, 4 and 7 predictions."""
    judge(answers, "loss")


@graded(5, cases(2))
def test_mse_loss_gradient(answers):
    """After `loss.backward()`, each prediction's grad is 2 (yhat - y) / n: the loss is built from Values."""
    judge(answers, "grad")
