"""`train(model, xs, ys, steps, lr)` on the lecture's dataset, from a fixed initialisation.

The model is MLP(3, [4, 4, 1]) of the reference nn, its weights set by the
test; the student's train.py drives it with its own mse_loss and sgd_step.
"""

from autograder import expected
from autograder.grading import Ask, Feedback, fmt, graded
from autograder.models import XS, YS, model

STEPS, LR = 30, 0.2
RUNS = [model("MLP", 3, [4, 4, 1], seed=s) for s in (21, 22)]
THRESHOLD = 0.1  # the reference ends at 0.025 and 0.03 from these two starts


def runs():
    spec = {"xs": XS, "ys": YS, "steps": STEPS, "lr": LR}
    return [
        Ask("train", {"model": m, **spec}, label=f"`train(MLP(3, [4, 4, 1]), xs, ys, steps={STEPS}, lr={LR})`")
        for m in RUNS
    ]


@graded(3, runs())
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


@graded(5, runs())
def test_train_lowers_the_loss(answers):
    """The loss goes down and ends below 0.1 after 30 steps (the reference reaches about 0.03)."""
    feedback = Feedback()
    for ask, outcome in answers:
        if feedback.ok(ask, outcome):
            losses = outcome.value["losses"]
            if len(losses) < 2:
                feedback.add(f"{ask.label} returned {len(losses)} losses")
            elif not losses[-1] < min(THRESHOLD, losses[0]):
                feedback.add(
                    f"{ask.label}: the loss went from {fmt(losses[0])} to {fmt(losses[-1])}, "
                    f"should end below {THRESHOLD}"
                )
    feedback.finish()


@graded(7, runs(), hidden=True)
def test_train_follows_the_reference_loss_curve(answers):
    """Every step's loss matches torch running the same loop (forward, mean loss, zero_grad, backward, step)."""
    feedback = Feedback()
    for ask, outcome in answers:
        if not feedback.ok(ask, outcome):
            continue
        want = expected.training_curve(ask.spec["model"], XS, YS, STEPS, LR)
        got = outcome.value["losses"]
        if len(got) != len(want):
            feedback.add(f"{ask.label} should return {len(want)} losses, got {len(got)}")
            continue
        for i, (g, w) in enumerate(zip(got, want)):
            if not feedback.value(f"{ask.label}: the loss of step {i}", g, w):
                break
    feedback.finish()
