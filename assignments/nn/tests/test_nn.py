"""Public tests of assignment 2, the nn library. Run them with `pytest`.

They catch the mistakes that cost the most points: the bias left out of the
sum or of `parameters()`, parameters that are copies, and a `zero_grad` that
does not clear every gradient.

They use your own engine (copied from assignment 1). The hidden grader runs
your nn.py on the reference engine, so a bug in your engine costs nothing here.
"""

import math

import pytest

from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Neuron


def set_neuron(neuron, w, b):
    for wi, value in zip(neuron.w, w):
        wi.data = value
    neuron.b.data = b


def test_neuron_computes_tanh_of_the_weighted_sum():
    n = Neuron(2)
    set_neuron(n, [0.5, -1.0], 0.25)
    out = n([2.0, 1.0])  # tanh(0.5*2 - 1*1 + 0.25)
    assert out.data == pytest.approx(math.tanh(0.25))


def test_linear_neuron_has_no_tanh():
    n = Neuron(2, nonlin=False)
    set_neuron(n, [0.5, -1.0], 0.25)
    assert n([2.0, 3.0]).data == pytest.approx(-1.75)


def test_neuron_parameters_are_the_weights_then_the_bias():
    n = Neuron(3)
    params = n.parameters()
    assert len(params) == 4
    assert all(p is w for p, w in zip(params, n.w))
    assert params[-1] is n.b


def test_layer_returns_a_list_or_a_single_value():
    assert len(Layer(3, 4)([1.0, 2.0, 3.0])) == 4
    assert isinstance(Layer(3, 1)([1.0, 2.0, 3.0]), Value)


def test_mlp_of_the_lecture_has_41_parameters():
    assert len(MLP(3, [4, 4, 1]).parameters()) == 41


def test_zero_grad_clears_every_gradient():
    model = MLP(2, [3, 1])
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_neuron_output_moves_with_its_bias():
    n = Neuron(3, nonlin=False)
    set_neuron(n, [0.5, 0.5, 0.5], -0.4)
    before = n([1.0, 1.0, 1.0]).data
    n.b.data += 1.0
    assert n([1.0, 1.0, 1.0]).data == pytest.approx(before + 1.0), "is the bias `b` added to the weighted sum?"


def test_backward_reaches_every_weight_and_the_bias():
    n = Neuron(2, nonlin=False)
    set_neuron(n, [0.3, -0.6], 0.1)
    n([1.5, -2.0]).backward()
    grads = [p.grad for p in n.parameters()]
    assert grads == pytest.approx([1.5, -2.0, 1.0]), "build the sum with Value operations so backward() reaches w and b"


def test_parameters_are_the_models_own_values_layer_by_layer():
    model = MLP(2, [3, 2])
    expected = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
    params = model.parameters()
    assert len(params) == len(expected) == 17
    assert all(p is q for p, q in zip(params, expected)), "the model's own Values, in order, not copies"


def test_zero_grad_clears_the_gradients_of_a_layer_and_a_neuron():
    for module in (Layer(2, 2), Neuron(3)):
        for p in module.parameters():
            p.grad = 0.75
        module.zero_grad()
        assert [p.grad for p in module.parameters()] == [0.0] * len(module.parameters())
