"""`sgd_step(params, lr)`: every parameter moves against its gradient, in place."""

import random

from autograder.grading import Ask, Feedback, graded


def cases():
    rng = random.Random(3)
    out = []
    for n, lr in ((1, 0.1), (3, 0.05), (5, 0.5)):
        params = [[round(rng.uniform(-1, 1), 3), round(rng.uniform(-2, 2), 3)] for _ in range(n)]
        out.append(Ask("sgd", {"params": params, "lr": lr}, label=f"`sgd_step(params, lr={lr})`"))
    return out


@graded(5, cases())
def test_sgd_step(answers):
    """`p.data -= lr * p.grad` for every parameter; grads are left as they are."""
    feedback = Feedback()
    for ask, outcome in answers:
        if not feedback.ok(ask, outcome):
            continue
        lr = ask.spec["lr"]
        for i, (data, grad) in enumerate(ask.spec["params"]):
            where = f"{ask.label} with params[{i}].data={data}, .grad={grad}"
            if not feedback.value(f"{where}: params[{i}].data", outcome.value["data"][i], data - lr * grad):
                break
            if not feedback.value(f"{where}: params[{i}].grad (unchanged)", outcome.value["grad"][i], grad):
                break
    feedback.finish()
