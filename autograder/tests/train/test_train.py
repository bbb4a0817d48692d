"""`train(model, xs, ys, steps, lr)` on the lecture's dataset, from drawn initial weights.

The model is MLP(3, [4, 4, 1]) of the reference nn; while `train` runs, the
grader's own loss and update stand in for the student's `mse_loss` and
`sgd_step` (a bug there costs only their own tests). The probe then measures
the trained model itself: its weights and its predictions, not only the list
`train` returns.
"""

from autograder import diagnoses, expected
from autograder.checks import Ask, Feedback, fmt, graded
from autograder.models import XS, YS, model

STEPS, LR = 30, 0.2


def runs(rng):
    spec = {"xs": XS, "ys": YS, "steps": STEPS, "lr": LR}
    return [
        Ask(
            "train",
            {"model": model("MLP", 3, [4, 4, 1], rng=rng), **spec},
            label=f"`train(MLP(3, [4, 4, 1]), xs, ys, steps={STEPS}, lr={LR})`",
        )
        for _ in range(2)
    ]


def answered(feedback, ask, outcome):
    """The answer, when it is complete: `steps` losses, every weight, a prediction per example."""
    if not feedback.ok(ask, outcome):
        return None
    got = outcome.value
    if not isinstance(got, dict) or not feedback.keys(
        f"{ask.label}: the trained model", got.get("weights"), list(ask.spec["model"]["weights"])
    ):
        return None
    if not feedback.length(f"{ask.label}: the trained model's predictions", got.get("predictions"), len(YS)):
        return None
    return got


@graded(3, runs)
def test_train_returns_one_float_per_step(answers):
    """`train` returns a list of `steps` plain floats (`loss.data`), one per step."""
    feedback = Feedback()
    for ask, outcome in answers:
        if feedback.ok(ask, outcome):
            types = outcome.value["types"]
            if len(types) != STEPS:
                feedback.add(f"{ask.label} should return {STEPS} losses, got {len(types)}")
            elif any(t != "float" for t in types):
                feedback.add(f"{ask.label} should return floats (loss.data), got {sorted(set(types))}")
    feedback.finish()


@graded(4, runs)
def test_train_lowers_the_loss(answers):
    """The trained model's own loss (measured on its predictions) ends well below where it started."""
    feedback = Feedback()
    for ask, outcome in answers:
        got = answered(feedback, ask, outcome)
        if got is None:
            continue
        want = expected.training(ask.spec["model"], XS, YS, STEPS, LR)
        start, reference = want["losses"][0], want["final_loss"]
        measured = expected.loss_of(got["predictions"], YS)
        if not measured < start - 0.5 * (start - reference):
            feedback.add(
                f"{ask.label}: the trained model's loss is {fmt(measured)} (from {fmt(start)} before training); "
                f"the same loop in torch reaches {fmt(reference)}"
            )
    feedback.finish()


@graded(8, runs, hidden=True)
def test_train_follows_the_reference_loss_curve(answers):
    """Every step's loss, and the trained weights, match torch running the same loop (forward, loss, zero_grad, backward, step)."""  # noqa: E501
    feedback = Feedback()
    for ask, outcome in answers:
        got = answered(feedback, ask, outcome)
        if got is None:
            continue
        want = expected.training(ask.spec["model"], XS, YS, STEPS, LR)
        piled = expected.training(ask.spec["model"], XS, YS, STEPS, LR, zero_grad=False)
        line = diagnoses.first_match(got["losses"], want["losses"], [(piled["losses"], diagnoses.NO_ZERO_GRAD)])
        if not feedback.length(f"{ask.label}: the losses", got["losses"], STEPS):
            continue
        wrong = [i for i in range(STEPS) if not diagnoses.close(got["losses"][i], want["losses"][i])]
        if wrong:
            i = wrong[0]
            feedback.value(f"{ask.label}: the loss of step {i}", got["losses"][i], want["losses"][i], line)
            continue
        for path, w in want["weights"].items():
            if not feedback.value(f"{ask.label}: the trained model's {path}", got["weights"][path], w):
                break
    feedback.finish()
