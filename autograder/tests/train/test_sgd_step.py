"""`sgd_step(params, lr)`: every parameter moves against its gradient, in place."""

from autograder import diagnoses
from autograder.checks import Ask, Feedback, graded


def cases(rng):
    out = []
    for n in (1, 3, 5):
        lr = rng.choice((0.05, 0.1, 0.2, 0.5))
        params = [[round(rng.uniform(-1, 1), 3), round(rng.uniform(-2, 2), 3)] for _ in range(n)]
        out.append(Ask("sgd", {"params": params, "lr": lr}, label=f"`sgd_step(params, lr={lr})`"))
    return out


@graded(5, cases)
def test_sgd_step(answers):
    """`p.data -= lr * p.grad` for every parameter; grads are left as they are."""
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        lr, params = ask.spec["lr"], ask.spec["params"]
        n = len(params)
        if not isinstance(got, dict) or not feedback.length(f"{ask.label}: data", got.get("data"), n):
            continue
        if not feedback.length(f"{ask.label}: grads", got.get("grad"), n):
            continue
        want = [d - lr * g for d, g in params]
        mistakes = [([d + lr * g for d, g in params], diagnoses.CLIMBS), ([d - g for d, g in params], diagnoses.NO_LR)]
        line = diagnoses.first_match(got["data"], want, mistakes)
        for i, (data, grad) in enumerate(params):
            where = f"{ask.label} with params[{i}].data={data}, .grad={grad}"
            if not feedback.value(f"{where}: params[{i}].data", got["data"][i], want[i], line):
                break
            if not feedback.value(f"{where}: params[{i}].grad (unchanged)", got["grad"][i], grad):
                break
    feedback.finish()
