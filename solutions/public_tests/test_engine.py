"""Public tests of assignment 1, the engine. Run them with `pytest` (or `pytest -k mul`).

These check a few hand-computed cases, and each of the mistakes that cost the
most points: a `_backward` without `* out.grad`, `=` instead of `+=`, a
`backward()` that does not go in reverse order, a topological sort without a
visited set. A failing test's name and message say which. The hidden grader
checks many more inputs, against PyTorch, and the properties of
`topological_sort`.
"""

import math

import pytest

from micrograd.engine import Value, topological_sort


def test_add_backward_passes_the_gradient_to_both_inputs():
    a, b = Value(2.0), Value(-3.0)
    c = a + b
    c.backward()
    assert c.data == -1.0
    assert (a.grad, b.grad) == (1.0, 1.0)


def test_mul_backward_gives_each_input_the_other_ones_data():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.backward()
    assert c.data == -6.0
    assert (a.grad, b.grad) == (-3.0, 2.0)


def test_a_value_used_twice_gets_both_contributions():
    a = Value(3.0)
    b = a + a  # db/da = 2
    b.backward()
    assert a.grad == 2.0


def test_pow_backward():
    a = Value(3.0)
    (a**2).backward()
    assert a.grad == pytest.approx(6.0)


def test_exp_backward():
    a = Value(0.5)
    b = a.exp()
    b.backward()
    assert a.grad == pytest.approx(math.exp(0.5))


def test_tanh_backward():
    a = Value(0.5)
    b = a.tanh()
    b.backward()
    assert b.data == pytest.approx(math.tanh(0.5))
    assert a.grad == pytest.approx(1 - math.tanh(0.5) ** 2)


@pytest.mark.parametrize("x, grad", [(-2.0, 0.0), (3.0, 1.0)])
def test_relu_backward(x, grad):
    a = Value(x)
    a.relu().backward()
    assert a.grad == grad


def test_subtraction_division_and_reflected_operators():
    a, b = Value(4.0), Value(2.0)
    c = (a - b) / b + 1 / a - 2 * b + (3 - a)  # (4-2)/2 + 1/4 - 4 + (3-4) = -3.75
    c.backward()
    assert c.data == pytest.approx(-3.75)
    assert a.grad == pytest.approx(1 / 2 - 1 / 16 - 1)  # 1/b - 1/a**2 - 1
    assert b.grad == pytest.approx(-4 / 4 - 2)  # -a/b**2 - 2


def test_topological_sort_lists_a_diamond_once_inputs_first():
    a = Value(1.0)
    b, c = a * 2, a + 3  # a feeds both b and c
    d = b * c
    order = topological_sort(d)
    assert len(order) == len({id(v) for v in order}), "a node is listed twice"
    assert order[-1] is d
    position = {id(v): i for i, v in enumerate(order)}
    assert position[id(a)] < position[id(b)] < position[id(d)]
    assert position[id(a)] < position[id(c)] < position[id(d)]


def test_backward_of_the_lecture_neuron():
    # The neuron of the lecture: o = tanh(x1*w1 + x2*w2 + b).
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(0.7071, abs=1e-4)
    assert x1.grad == pytest.approx(-1.5, abs=1e-4)
    assert w1.grad == pytest.approx(1.0, abs=1e-4)
    assert x2.grad == pytest.approx(0.5, abs=1e-4)
    assert w2.grad == pytest.approx(0.0, abs=1e-4)


# Each operation with its own `_backward`: how to build it from one Value `a`, and its local derivative at x.
UNARY = {
    "pow": (lambda a: a**3, lambda x: 3 * x**2),
    "exp": (lambda a: a.exp(), math.exp),
    "tanh": (lambda a: a.tanh(), lambda x: 1 - math.tanh(x) ** 2),
    "relu": (lambda a: a.relu(), lambda x: 1.0 if x > 0 else 0.0),
}


@pytest.mark.parametrize("op", UNARY)
def test_backward_multiplies_the_local_gradient_by_out_grad(op):
    build, local = UNARY[op]
    a = Value(0.7)
    out = build(a) * 4.0  # the gradient arriving from above is 4, not 1
    out.backward()
    assert a.grad == pytest.approx(4.0 * local(0.7)), (
        f"{op}: a.grad should be 4 * (local derivative) = {4.0 * local(0.7):.6f}, got {a.grad:.6f}. "
        "Did its `_backward` forget `* out.grad` (the chain rule)?"
    )


@pytest.mark.parametrize("op", ["add", "mul"])
def test_add_and_mul_backward_multiply_by_out_grad(op):
    a, b, c = Value(0.7), Value(-1.3), Value(-2.0)
    out = (a + b) * c if op == "add" else (a * b) * c  # the gradient arriving from above is c = -2
    out.backward()
    expected = (-2.0, -2.0) if op == "add" else (-2.0 * -1.3, -2.0 * 0.7)
    assert (a.grad, b.grad) == pytest.approx(expected), (
        f"{op}: (a.grad, b.grad) should be {expected}, got {(a.grad, b.grad)}. Did `_backward` forget `* out.grad`?"
    )


@pytest.mark.parametrize("op", UNARY)
def test_backward_accumulates_when_a_value_is_used_twice(op):
    build, local = UNARY[op]
    a = Value(0.7)
    out = build(a) + build(a)  # a feeds two nodes: both contributions count
    out.backward()
    assert a.grad == pytest.approx(2 * local(0.7)), (
        f"{op}: a.grad should be {2 * local(0.7):.6f}, got {a.grad:.6f}. Use `self.grad += ...`, not `=`."
    )


def test_mul_backward_accumulates_for_a_value_times_itself():
    a = Value(-1.3)
    (a * a).backward()  # d(a*a)/da = 2a
    assert a.grad == pytest.approx(-2.6), "use `+=` in `_backward`: `a * a` gives `a` two contributions"


def test_backward_seeds_the_output_with_1():
    a = Value(1.6)
    a.backward()
    assert a.grad == 1.0, "backward() starts by setting the output's own grad to 1"


def test_backward_goes_from_the_output_back_to_the_inputs():
    # A chain: each node must have its full gradient before it passes it on, so the order is reversed.
    a = Value(0.7)
    out = ((a * 2.0 + 1.0) ** 2).tanh()
    out.backward()
    inner = 2 * 0.7 + 1.0
    expected = (1 - math.tanh(inner**2) ** 2) * 2 * inner * 2.0
    assert a.grad == pytest.approx(expected), (
        f"a.grad should be {expected:.6f}, got {a.grad}: does backward() call `_backward` in *reversed* "
        "topological order?"
    )


def test_backward_counts_a_shared_node_once():
    # A diamond: b and c both use a. Without a visited set, a is listed, and backpropagated, twice.
    x = Value(0.5)
    a = x * 3.0
    b, c = a * 2.0, a + 3.0
    d = b * c  # d = 2a(a + 3): dd/da = 4a + 6 = 12 at a = 1.5, and da/dx = 3
    d.backward()
    assert x.grad == pytest.approx(36.0), (
        f"x.grad should be 36.0, got {x.grad}: does topological_sort list each node once (a visited set)?"
    )
