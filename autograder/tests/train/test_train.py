"""`train(model, xs, ys, steps, lr)`: the loop of the contract, judged from a log, and a real run end to end.

The loop's tests run the student's `train` on recorders: a model, `mse_loss`
and `sgd_step` that log what they are given and compute nothing (the model
returns drawn predictions, the loss is a drawn number whose `backward()` adds
drawn grads to the parameters, the step changes nothing). The grader judges the
log: every step runs the model on every x, the loss on those predictions and
ys, gradients at zero when `backward()` runs, then one step with the model's
parameters and lr; the losses returned are the losses' `.data`, as floats. A
bug in the student's `mse_loss` or `sgd_step` costs nothing there.

The end-to-end check (0 points: it would charge a loss or step bug twice)
runs the student's `train`, `mse_loss` and `sgd_step` on
an MLP(3, [4, 4, 1]) of the reference nn from drawn weights; its trained
weights are read out as numbers and the grader measures them with torch.
"""

from autograder import expected
from autograder.checks import Ask, Feedback, check_train_loop, fmt, graded
from autograder.models import XS, YS, model

STEPS, LR = 30, 0.2
LOOP_STEPS = 4


def loops(rng):
    """Two runs of `train` over recorders: drawn predictions, losses, grads and lr."""
    asks = []
    for _ in range(2):
        n = rng.randint(4, 9)
        lr = round(rng.uniform(0.05, 0.5), 3)
        spec = {
            "xs": XS,
            "ys": YS,
            "steps": LOOP_STEPS,
            "lr": lr,
            "params": [round(rng.uniform(-1, 1), 4) for _ in range(n)],
            "start": [round(rng.choice((-1, 1)) * rng.uniform(0.5, 2), 3) for _ in range(n)],
            "outputs": [round(rng.uniform(-1, 1), 6) for _ in range(LOOP_STEPS * len(XS))],
            "losses": [round(rng.uniform(0.1, 3), 6) for _ in range(LOOP_STEPS)],
            "grads": [
                [round(rng.choice((-1, 1)) * rng.uniform(0.1, 2), 4) for _ in range(n)] for _ in range(LOOP_STEPS)
            ],
        }
        asks.append(Ask("train_loop", spec, label=f"`train(model, xs, ys, steps={LOOP_STEPS}, lr={lr})` on recorders"))
    return asks


def runs(rng):
    spec = {"xs": XS, "ys": YS, "steps": STEPS, "lr": LR}
    return [
        Ask(
            "train_run",
            {"model": model("MLP", 3, [4, 4, 1], rng=rng), **spec},
            label=f"`train(MLP(3, [4, 4, 1]), xs, ys, steps={STEPS}, lr={LR})`",
        )
        for _ in range(2)
    ]


@graded(3, loops)
def test_train_returns_one_float_per_step(answers):
    """`train` returns a list of `steps` plain floats, each step's `loss.data`."""
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        types, losses, want = got.get("types"), got.get("losses"), ask.spec["losses"]
        if not feedback.length(f"{ask.label}: the losses returned", losses, LOOP_STEPS):
            continue
        if not isinstance(types, list) or any(t != "float" for t in types):
            feedback.add(f"{ask.label} should return floats (`loss.data`), got {fmt(types)}")
        elif losses != want:
            feedback.add(f"{ask.label}: the losses were {fmt(want)} (each loss's `.data`), it returned {fmt(losses)}")
    feedback.finish()


@graded(12, loops, hidden=True)
def test_train_follows_the_reference_loss_curve(answers):
    """Every step: the model on every x, `mse_loss(predictions, ys)`, grads at zero, `backward()`, one `sgd_step`."""
    check_train_loop(answers)


# Checked, not graded: the run uses the student's own mse_loss and sgd_step, so points here would
# charge a bug in those units twice; `train()` itself is graded from the recorders' log above.
@graded(0, runs)
def test_train_lowers_the_loss(answers):
    """End to end with your own loss and step (checked, not graded): the trained weights lower the loss."""
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        weights = ask.spec["model"]["weights"]
        if not isinstance(got, dict) or not feedback.keys(
            f"{ask.label}: the trained model", got.get("weights"), list(weights)
        ):
            continue
        trained = got["weights"]
        if not all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in trained.values()):
            feedback.add(f"{ask.label}: the trained model's weights are not all numbers")
            continue
        want = expected.training(ask.spec["model"], XS, YS, STEPS, LR)
        start, reference = want["losses"][0], want["final_loss"]
        losses = got.get("losses")
        if not feedback.length(f"{ask.label}: the losses returned", losses, STEPS):
            continue
        if not feedback.value(
            f"{ask.label}: the loss of step 1 (the drawn weights, before any step)", losses[0], start
        ):
            continue
        measured = expected.loss_with(ask.spec["model"], trained, XS, YS)
        if not measured < start - 0.5 * (start - reference):
            feedback.add(
                f"{ask.label}: the trained model's loss is {fmt(measured)} (from {fmt(start)} before training); "
                f"the same loop in torch reaches {fmt(reference)}"
            )
    feedback.finish()
