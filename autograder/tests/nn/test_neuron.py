"""`Neuron`: tanh(w·x + b) (or w·x + b), and its parameters, on the reference engine."""

from autograder.grading import check_model_forward, check_parameters, graded, model_ask
from autograder.models import inputs, model


def forward(kind, *args, seed, nonlin=None, nin):
    return model_ask(
        "model_forward",
        {"model": model(kind, *args, seed=seed, nonlin=nonlin), "inputs": inputs(seed, nin, 3)},
    )


@graded(3, [forward("Neuron", n, seed=s, nin=n) for n, s in ((1, 1), (3, 2), (5, 3))])
def test_neuron_forward(answers):
    """`Neuron(nin)(x)` is tanh(w·x + b): 1, 3 and 5 inputs, against torch."""
    check_model_forward(answers)


@graded(2, [forward("Neuron", n, seed=s, nonlin=False, nin=n) for n, s in ((2, 4), (4, 5))])
def test_linear_neuron_forward(answers):
    """`Neuron(nin, nonlin=False)(x)` is w·x + b, with no tanh."""
    check_model_forward(answers)


@graded(3, [model_ask("model_parameters", {"model": model("Neuron", n, seed=n)}) for n in (1, 4)])
def test_neuron_parameters(answers):
    """`Neuron.parameters()` is `w + [b]`: the neuron's own Values, weights first."""
    check_parameters(answers)
