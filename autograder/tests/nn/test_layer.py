"""`Layer`: a list of neurons on the same inputs, and its parameters, on the reference engine."""

from autograder.grading import check_model_forward, check_parameters, graded, model_ask
from autograder.models import inputs, model


@graded(
    3,
    [model_ask("model_forward", {"model": model("Layer", 3, n, seed=n), "inputs": inputs(n, 3, 3)}) for n in (2, 4)],
)
def test_layer_forward(answers):
    """`Layer(nin, nout)(x)` returns the list of its neurons' outputs, against torch."""
    check_model_forward(answers)


@graded(2, [model_ask("model_forward", {"model": model("Layer", 3, 1, seed=7), "inputs": inputs(7, 3, 2)})])
def test_layer_of_one_neuron_returns_a_value(answers):
    """`Layer(nin, 1)(x)` returns the single output Value itself, not a one-element list."""
    check_model_forward(answers)


@graded(3, [model_ask("model_parameters", {"model": model("Layer", 3, n, seed=n)}) for n in (1, 3)])
def test_layer_parameters(answers):
    """`Layer.parameters()`: its neurons' parameters, neuron by neuron, each neuron's w then b."""
    check_parameters(answers)
