"""`sgd_step(params, lr)`: every parameter moves against its gradient, in place; called twice on the same ones."""

from autograder import diagnoses
from autograder.checks import Ask, Feedback, fmt, graded


def cases(rng):
    out = []
    for n in (1, 3, 5):
        lr = rng.choice((0.05, 0.1, 0.2, 0.5))
        params = [[round(rng.uniform(-1, 1), 3), round(rng.choice((-1, 1)) * rng.uniform(0.1, 2), 3)] for _ in range(n)]
        out.append(Ask("sgd", {"params": params, "lr": lr, "rounds": 2}, label=f"`sgd_step(params, lr={lr})`"))
    return out


@graded(5, cases)
def test_sgd_step(answers):
    """`p.data -= lr * p.grad` for every parameter, grads left as they are; a second call steps again."""
    feedback = Feedback()
    cases = []
    for ask, got in feedback.computed(answers):
        lr, params = ask.spec["lr"], ask.spec["params"]
        n = len(params)
        if not feedback.length(f"{ask.label}: the parameters after each call", got, 2):
            continue
        for r, after in enumerate(got):
            nth = "" if r == 0 else ", called a second time"
            if not isinstance(after, dict) or not feedback.length(f"{ask.label}{nth}: data", after.get("data"), n):
                break
            if not feedback.length(f"{ask.label}{nth}: grads", after.get("grad"), n):
                break
            k = r + 1
            want = [d - k * lr * g for d, g in params]
            mistakes = [
                ([d + k * lr * g for d, g in params], diagnoses.CLIMBS),
                ([d - k * g for d, g in params], diagnoses.NO_LR),
            ]
            cases.append((id(ask), after["data"], want, mistakes))
            wrong = [i for i in range(n) if not diagnoses.close(after["data"][i], want[i])]
            if wrong:
                i = wrong[0]
                data, grad = params[i]
                feedback.add(
                    f"{ask.label}{nth} with params[{i}].data={data}, .grad={grad}: params[{i}].data should be "
                    f"{fmt(want[i])}, got {fmt(after['data'][i])}"
                )
                break
            moved = [i for i in range(n) if not diagnoses.close(after["grad"][i], params[i][1])]
            if moved:
                i = moved[0]
                feedback.add(
                    f"{ask.label}{nth}: params[{i}].grad should stay {params[i][1]}, got {fmt(after['grad'][i])}"
                )
                break
    feedback.diagnose(cases)
    feedback.finish()
