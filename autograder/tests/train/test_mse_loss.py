"""`mse_loss(ypred, ys)`: the mean of the squared errors, as a Value connected to every prediction."""

from autograder import diagnoses, expected
from autograder.checks import Ask, Feedback, graded


def cases(rng):
    out = []
    for n in (1, 2, 4, 7):
        ypred = [round(rng.uniform(-1, 1), 3) for _ in range(n)]
        ys = [float(rng.choice([-1, 1])) for _ in range(n)]
        out.append(Ask("mse", {"ypred": ypred, "ys": ys}, label=f"`mse_loss(ypred={ypred}, ys={ys})`"))
    return out


def judge(answers, key):
    feedback = Feedback()
    cases = []
    for ask, got in feedback.computed(answers):
        n = len(ask.spec["ys"])
        want = expected.mse(ask.spec["ypred"], ask.spec["ys"])
        summed = {"loss": want["loss"] * n, "grad": [g * n for g in want["grad"]]}
        if not isinstance(got, dict) or not feedback.length(
            f"after {ask.label}.backward(): the grads", got.get("grad"), n
        ):
            continue
        cases.append((id(ask), got.get(key), want[key], [(summed[key], diagnoses.SUM_NOT_MEAN)]))
        if key == "loss":
            feedback.value(f"{ask.label}.data", got.get("loss"), want["loss"])
            continue
        for i, (g, w) in enumerate(zip(got["grad"], want["grad"], strict=True)):
            if not feedback.value(f"after {ask.label}.backward(): ypred[{i}].grad", g, w):
                break
    feedback.diagnose(cases)
    feedback.finish()


@graded(5, cases)
def test_mse_loss_value(answers):
    """The loss is the *mean* (not the sum) of the squared errors, for 1, 2, 4 and 7 predictions."""
    judge(answers, "loss")


@graded(5, cases)
def test_mse_loss_gradient(answers):
    """After `loss.backward()`, each prediction's grad is 2 (yhat - y) / n: the loss is built from Values."""
    judge(answers, "grad")
