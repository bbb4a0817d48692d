"""`Neuron`: tanh(w·x + b) (or w·x + b), called again and again, and its parameters, on the reference engine."""

from autograder.checks import check_neuron_forward, check_parameters, forward_ask, graded, parameters_ask
from autograder.models import inputs, model


def forward(rng, nin, nonlin=None):
    """One neuron, called on three inputs in turn."""
    return forward_ask(model("Neuron", nin, rng=rng, nonlin=nonlin), inputs(rng, nin, 3))


@graded(4, lambda rng: [forward(rng, n) for n in (1, 3, 5)])
def test_neuron_forward(answers):
    """`Neuron(nin)(x)` is tanh(w·x + b): 1, 3 and 5 inputs, against torch."""
    check_neuron_forward(answers)


@graded(2, lambda rng: [forward(rng, n, nonlin=False) for n in (2, 4)])
def test_linear_neuron_forward(answers):
    """`Neuron(nin, nonlin=False)(x)` is w·x + b, with no tanh."""
    check_neuron_forward(answers)


@graded(3, lambda rng: [parameters_ask(model("Neuron", n, rng=rng), rng) for n in (1, 4)])
def test_neuron_parameters(answers):
    """`Neuron.parameters()` is `w + [b]`: the neuron's own Values, weights first."""
    check_parameters(answers)
