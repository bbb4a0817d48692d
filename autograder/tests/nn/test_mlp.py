"""`MLP` (built around the grader's stand-in layers), the identity of parameters, and `Module.zero_grad`.

While the student's `MLP` is built, `nn.Layer` is the grader's stand-in: it
records the sizes it was asked for (layer k must be `Layer(sizes[k],
sizes[k + 1])`), holds drawn weights and returns drawn outputs, different on
every call. A bug in `Layer` or `Neuron` costs nothing in the MLP's tests.
"""

from autograder.checks import (
    check_container_forward,
    check_parameters,
    check_parameters_are_the_models_own,
    check_zero_grad,
    forward_ask,
    graded,
    parameters_ask,
    zero_grad_ask,
)
from autograder.models import inputs, model


def forward(rng, nin, nouts):
    return forward_ask(model("MLP", nin, nouts, rng=rng), inputs(rng, nin, 3))


@graded(4, lambda rng: [forward(rng, 3, [4, 4, 1]), forward(rng, 2, [3, 2]), forward(rng, 4, [2, 5, 3, 1])])
def test_mlp_forward(answers):
    """`MLP(nin, nouts)` builds `Layer(sizes[k], sizes[k+1])`; `mlp(x)` feeds x through each layer in turn."""
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


@graded(4, lambda rng: [zero_grad_ask("Neuron", rng, 3), zero_grad_ask("MLP", rng, 3, [4, 4, 1])])
def test_zero_grad(answers):
    """`zero_grad()` sets the grad of every weight and bias to 0 (each was non-zero before), twice, on the model."""
    check_zero_grad(answers)
