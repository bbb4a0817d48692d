"""`MLP` and `Module.zero_grad`, on the reference engine."""

from autograder.grading import Feedback, check_model_forward, check_parameters, fmt, graded, model_ask
from autograder.models import call, inputs, model

LECTURE = model("MLP", 3, [4, 4, 1], seed=11)


@graded(
    4,
    [
        model_ask("model_forward", {"model": LECTURE, "inputs": inputs(11, 3, 4)}),
        model_ask("model_forward", {"model": model("MLP", 2, [3, 2], seed=12), "inputs": inputs(12, 2, 3)}),
    ],
)
def test_mlp_forward(answers):
    """`MLP(3, [4, 4, 1])(x)` and `MLP(2, [3, 2])(x)` with the same weights as torch: tanh on every layer."""
    check_model_forward(answers)


@graded(2, [model_ask("model_parameters", {"model": LECTURE})])
def test_mlp_parameters_count(answers):
    """`MLP(3, [4, 4, 1]).parameters()` has 41 Values (3*4+4 + 4*4+4 + 4*1+1)."""
    ask, outcome = answers[0]
    feedback = Feedback()
    if feedback.ok(ask, outcome) and len(outcome.value) != 41:
        feedback.add(f"`MLP(3, [4, 4, 1]).parameters()` should have 41 Values, got {len(outcome.value)}")
    feedback.finish()


@graded(3, [model_ask("model_parameters", {"model": m}) for m in (LECTURE, model("MLP", 2, [3, 2], seed=13))])
def test_mlp_parameters_order(answers):
    """`MLP.parameters()`: layer by layer, neuron by neuron, each neuron's weights then its bias."""
    check_parameters(answers)


@graded(2, [model_ask("parameters_identity", {"model": LECTURE, "input": [1.0, -2.0, 0.5]})])
def test_parameters_are_the_models_own_values(answers):
    """Setting every Value from `parameters()` to 0 changes the model: it returns its own Values, not copies."""
    ask, outcome = answers[0]
    feedback = Feedback()
    if feedback.ok(ask, outcome):
        after = outcome.value["after"]
        if after != 0.0:
            feedback.add(
                f"after setting every Value of `{call(LECTURE)}.parameters()` to 0, the output should be 0.0 "
                f"(tanh(0)), got {fmt(after)}: parameters() must return the model's own Values, not copies"
            )
    feedback.finish()


@graded(3, [model_ask("zero_grad", {"model": m}) for m in (LECTURE, model("Neuron", 3, seed=14))])
def test_zero_grad(answers):
    """`zero_grad()` sets the grad of every weight and bias to 0 (each grad was 1.5 before)."""
    feedback = Feedback()
    for ask, outcome in answers:
        if feedback.ok(ask, outcome):
            left = {p: g for p, g in outcome.value.items() if g != 0.0}
            if left:
                path, grad = next(iter(left.items()))
                feedback.add(
                    f"after `{call(ask.spec['model'])}.zero_grad()`, {len(left)} grads are not 0, "
                    f"e.g. {path}.grad = {fmt(grad)}"
                )
    feedback.finish()
