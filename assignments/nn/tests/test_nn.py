"""Public tests of assignment 2, the nn library. Run them with `pytest`, or one part at a
time with its marker: `pytest -m neuron`, `pytest -m "layer or mlp"`, `pytest -m zero_grad`.

A failing test says what it computed, on which inputs, what it expected and what it got;
it adds a `Hint:` only when your numbers are exactly those of a known mistake (the bias
left out of the sum or of `parameters()`, tanh where the neuron is linear, parameters
that are copies, a `zero_grad` that clears the data).

They use your own engine (copied from assignment 1). The hidden grader runs your nn.py
on the reference engine, so a bug in your engine costs nothing there.
"""

import math

import pytest
from checking import check, close, show  # tests/checking.py: the comparison and its hints

from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Neuron


def fail(message):
    pytest.fail(message, pytrace=False)


def set_neuron(neuron, w, b):
    for wi, value in zip(neuron.w, w):
        wi.data = value
    neuron.b.data = b


def data_of(out, what):
    if not isinstance(out, Value):
        fail(f"{what} returned {out!r}: expected a Value")
    return out.data


W, BIAS, X = [0.5, -1.0], 0.25, [2.0, 0.5]  # w.x = 0.5, w.x + b = 0.75


@pytest.mark.neuron
def test_neuron_computes_tanh_of_the_weighted_sum_plus_bias():
    n = Neuron(2)
    set_neuron(n, W, BIAS)
    got = data_of(n(X), "Neuron(2)(x)")
    check(
        "Neuron(2)(x).data",
        got,
        math.tanh(0.75),
        f"w = {W}, b = {BIAS}, x = {X}",
        [
            ("these are the numbers of tanh(w.x): add the bias `b` to the weighted sum.", math.tanh(0.5)),
            ("these are the numbers of w.x + b, without tanh: a Neuron has tanh unless nonlin=False.", 0.75),
        ],
    )


@pytest.mark.neuron
def test_linear_neuron_has_no_tanh():
    n = Neuron(2, nonlin=False)
    set_neuron(n, W, BIAS)
    got = data_of(n(X), "Neuron(2, nonlin=False)(x)")
    check(
        "Neuron(2, nonlin=False)(x).data",
        got,
        0.75,
        f"w = {W}, b = {BIAS}, x = {X}",
        [
            ("these are the numbers of w.x: add the bias `b` to the weighted sum.", 0.5),
            ("these are the numbers of tanh(w.x + b): with nonlin=False, return w.x + b itself.", math.tanh(0.75)),
        ],
    )


@pytest.mark.neuron
def test_backward_reaches_every_weight_and_the_bias():
    n = Neuron(2, nonlin=False)
    set_neuron(n, [0.3, -0.6], 0.1)
    out = n([1.5, -2.0])
    if not isinstance(out, Value):
        fail(f"Neuron(2, nonlin=False)(x) returned {out!r}: expected a Value")
    out.backward()
    check(
        "the grads of (w[0], w[1], b) after out.backward()",
        [n.w[0].grad, n.w[1].grad, n.b.grad],
        [1.5, -2.0, 1.0],
        "out = Neuron(2, nonlin=False)(x), x = [1.5, -2.0]",
        [("b got no gradient: add the bias `b` to the weighted sum, with Value operations.", [1.5, -2.0, 0.0])],
    )


def check_parameters(what, params, expected, inputs):
    """`params` must be the very Values of `expected`, in order."""
    if not isinstance(params, list):
        fail(f"{what} returned {params!r}: expected a list of Values")
    if len(params) == len(expected) and all(p is q for p, q in zip(params, expected)):
        return
    own = {id(q) for q in expected}
    message = (
        f"{what}: expected the model's own {len(expected)} Values in order, got {len(params)} values, on {inputs}."
    )
    if len(params) == len(expected) - 1 and all(p is q for p, q in zip(params, expected)):
        message += "\nHint: the weights are there but the bias is not: return `self.w + [self.b]`."
    elif len(params) == len(expected) and not any(id(p) in own for p in params):
        if all(isinstance(p, Value) and p.data == q.data for p, q in zip(params, expected)):
            message += "\nHint: these are copies (new Values with the same data): return the Values themselves."
    elif len(params) == len(expected) and {id(p) for p in params} == own:
        message += "\nHint: the right Values in another order: layer by layer, neuron by neuron, w then b."
    fail(message)


@pytest.mark.neuron
def test_neuron_parameters_are_the_weights_then_the_bias():
    n = Neuron(3)
    check_parameters("Neuron(3).parameters()", n.parameters(), [*n.w, n.b], "Neuron(3)")


@pytest.mark.layer
def test_layer_returns_a_list_or_a_single_value():
    out = Layer(3, 4)([1.0, 2.0, 3.0])
    if not (isinstance(out, list) and len(out) == 4 and all(isinstance(v, Value) for v in out)):
        fail(f"Layer(3, 4)(x) returned {out!r}: expected a list of its 4 neurons' output Values")
    out = Layer(3, 1)([1.0, 2.0, 3.0])
    if not isinstance(out, Value):
        message = f"Layer(3, 1)(x) returned {out!r}: expected the single neuron's output Value itself"
        if isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value):
            message += "\nHint: one neuron gives a one-element list here: return `outs[0]` when there is one."
        fail(message)


@pytest.mark.layer
def test_layer_parameters_are_its_neurons_in_order():
    layer = Layer(2, 3)
    expected = [p for n in layer.neurons for p in [*n.w, n.b]]
    check_parameters("Layer(2, 3).parameters()", layer.parameters(), expected, "Layer(2, 3)")


@pytest.mark.mlp
def test_mlp_feeds_each_layer_into_the_next():
    model = MLP(2, [2, 1])
    for layer, (w, b) in zip(model.layers, [([0.5, -0.5], 0.1), ([1.0, 2.0], -0.3)]):
        for n in layer.neurons:
            set_neuron(n, w, b)
    h = math.tanh(0.5 * 1.0 - 0.5 * -2.0 + 0.1)  # both neurons of the first layer
    got = data_of(model([1.0, -2.0]), "MLP(2, [2, 1])(x)")
    check("MLP(2, [2, 1])(x).data", got, math.tanh(3.0 * h - 0.3), "x = [1.0, -2.0], w and b set by the test")


@pytest.mark.mlp
def test_mlp_parameters_are_its_layers_in_order():
    model = MLP(3, [4, 4, 1])
    expected = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
    params = model.parameters()
    if isinstance(params, list) and len(params) == 5 and all(p is q for p, q in zip(params, expected[-5:])):
        fail(
            "MLP(3, [4, 4, 1]).parameters(): expected 41 Values, got the 5 of the last layer.\n"
            "Hint: return the parameters of every layer, not only of the last one."
        )
    check_parameters("MLP(3, [4, 4, 1]).parameters()", params, expected, "MLP(3, [4, 4, 1])")


@pytest.mark.zero_grad
@pytest.mark.parametrize("make", [lambda: Neuron(3), lambda: Layer(2, 2), lambda: MLP(2, [2, 1])])
def test_zero_grad_clears_every_gradient(make):
    module = make()
    params = module.parameters()
    for i, p in enumerate(params):
        p.data, p.grad = 0.1 * (i + 1), 0.75
    module.zero_grad()
    grads, data = [p.grad for p in params], [p.data for p in params]
    if close(grads, [0.0] * len(params)) and close(data, [0.1 * (i + 1) for i in range(len(params))]):
        return
    message = f"{module!r}.zero_grad(): expected every grad 0 and the data unchanged, got grads {show(grads)}"
    if close(grads, [0.75] * len(params)) and close(data, [0.0] * len(params)):
        message += "\nHint: the data were set to 0, not the grads: write `p.grad = 0.0`."
    fail(message)
