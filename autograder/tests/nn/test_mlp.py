"""`MLP` (with the grader's stand-in layers inside), the identity of parameters, and `Module.zero_grad`."""

from autograder.checks import (
    check_container_forward,
    check_parameters,
    check_parameters_are_the_models_own,
    check_zero_grad,
    graded,
    model_ask,
    parameters_ask,
    stand_in_outputs,
    zero_grad_ask,
)
from autograder.models import inputs, model


def forward(rng, nin, nouts):
    spec = stand_in_outputs(model("MLP", nin, nouts, rng=rng), rng)
    return model_ask("model_forward", {"model": spec, "inputs": inputs(rng, nin, 2)})


@graded(4, lambda rng: [forward(rng, 3, [4, 4, 1]), forward(rng, 2, [3, 2])])
def test_mlp_forward(answers):
    """`MLP(nin, nouts)(x)` feeds x to the first layer, each layer's output to the next, and returns the last."""
    check_container_forward(answers)


@graded(3, lambda rng: [parameters_ask(model("MLP", *shape, rng=rng), rng) for shape in ((3, [4, 4, 1]), (2, [3, 2]))])
def test_mlp_parameters(answers):
    """`MLP.parameters()`: all 41 Values of MLP(3, [4, 4, 1]), layer by layer, neuron by neuron, w then b."""
    check_parameters(answers)


def identity(rng):
    shapes = (("Neuron", 3), ("Layer", 3, 2), ("MLP", 3, [4, 4, 1]))
    return [parameters_ask(model(kind, *args, rng=rng), rng) for kind, *args in shapes]


@graded(2, identity)
def test_parameters_are_the_models_own_values(answers):
    """Writing to each Value of `parameters()` changes the model itself: its own Values, not copies."""
    check_parameters_are_the_models_own(answers)


@graded(
    4,
    lambda rng: [
        zero_grad_ask(model("MLP", 3, [4, 4, 1], rng=rng), rng),
        zero_grad_ask(model("Neuron", 3, rng=rng), rng),
    ],
)
def test_zero_grad(answers):
    """`zero_grad()` sets the grad of every weight and bias to 0 (each was non-zero before)."""
    check_zero_grad(answers)
