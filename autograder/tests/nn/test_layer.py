"""`Layer`, with the grader's stand-in neurons inside: its call and its parameters, judged alone.

The stand-ins return drawn outputs and record what they are given, and hold
their own weight Values: a bug in `Neuron` costs nothing here.
"""

from autograder.checks import (
    check_container_forward,
    check_parameters,
    graded,
    model_ask,
    parameters_ask,
    stand_in_outputs,
)
from autograder.models import inputs, model


def forward(rng, nout):
    spec = stand_in_outputs(model("Layer", 3, nout, rng=rng), rng)
    return model_ask("model_forward", {"model": spec, "inputs": inputs(rng, 3, 2)})


@graded(3, lambda rng: [forward(rng, n) for n in (2, 4)])
def test_layer_forward(answers):
    """`Layer(nin, nout)(x)` calls each neuron on x and returns the list of their outputs, in order."""
    check_container_forward(answers)


@graded(2, lambda rng: [forward(rng, 1)])
def test_layer_of_one_neuron_returns_a_value(answers):
    """`Layer(nin, 1)(x)` returns the single output Value itself, not a one-element list."""
    check_container_forward(answers)


@graded(3, lambda rng: [parameters_ask(model("Layer", 3, n, rng=rng), rng) for n in (1, 3)])
def test_layer_parameters(answers):
    """`Layer.parameters()`: its neurons' parameters, neuron by neuron, each neuron's w then b."""
    check_parameters(answers)
