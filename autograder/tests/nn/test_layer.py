"""`Layer`, built around the grader's stand-in neurons: its construction, its call and its parameters, alone.

While the student's `Layer` is built, `nn.Neuron` is the grader's stand-in: a
full module that records how it was built (so `Layer(nin, nout, **kwargs)`
must ask for `nout` neurons of `nin` inputs, passing `kwargs` on), holds drawn
weights, and returns drawn outputs, different on every call. A bug in `Neuron`
costs nothing here.
"""

from autograder.checks import check_container_forward, check_parameters, forward_ask, graded, parameters_ask
from autograder.models import inputs, model


def forward(rng, nout, **kwargs):
    return forward_ask(model("Layer", 3, nout, rng=rng, **kwargs), inputs(rng, 3, 3))


@graded(3, lambda rng: [forward(rng, 2), forward(rng, 4), forward(rng, 3, nonlin=False)])
def test_layer_forward(answers):
    """`Layer(nin, nout)` builds `nout` `Neuron(nin)`s; `layer(x)` calls each on x, returns their outputs in order."""
    check_container_forward(answers)


@graded(2, lambda rng: [forward(rng, 1)])
def test_layer_of_one_neuron_returns_a_value(answers):
    """`Layer(nin, 1)(x)` returns the single output Value itself, not a one-element list."""
    check_container_forward(answers)


@graded(3, lambda rng: [parameters_ask(model("Layer", 3, n, rng=rng), rng) for n in (1, 3)])
def test_layer_parameters(answers):
    """`Layer.parameters()`: its neurons' parameters, neuron by neuron, each neuron's w then b."""
    check_parameters(answers)
