"""Public tests of assignment 1, the engine. Run them with `pytest`, or one part at a time
with its marker: `pytest -m add`, `pytest -m "add or mul"`, `pytest -m backward`, ...

Each `_backward` is tested on its own (the test sets `out.grad` and calls it), so a bug
in one operation fails that operation's test only. A failing test says what it computed,
on which inputs, what it expected and what it got; it adds a `Hint:` only when your
numbers are exactly those of a known mistake (a `_backward` without `* out.grad`, `=`
instead of `+=`, a wrong local derivative, a `backward()` that does not go in reverse
order, a topological sort that lists a node twice). The hidden grader checks many more
inputs, against PyTorch.
"""

import math

import pytest
from checking import check, close  # tests/checking.py: the comparison and its hints

from micrograd.engine import Value, topological_sort

# ---------------------------------------------------------------------------
# Each `_backward` alone: the test sets out.grad, and a.grad to an earlier contribution.
# ---------------------------------------------------------------------------
GRAD_BEFORE = 0.5  # an earlier contribution already in a.grad: `+=` keeps it, `=` loses it
OUT_GRAD = 4.0  # the gradient arriving from above: the chain rule multiplies by it


def chain_rule_mistakes(local, wrong_locals, before, out_grad):
    """(hint, a.grad) for each way of getting the chain rule wrong, alone or together."""
    mistakes = []
    # A wrong derivative that equals the right one at this x cannot be told apart here: left out.
    wrong = [(text, value) for text, value in wrong_locals.items() if not close(value, local)]
    for derivative, value in [(None, local), *wrong]:
        for chain in (True, False):
            for accumulate in (True, False):
                if derivative is None and chain and accumulate:
                    continue  # the right answer
                said = []
                if derivative is not None:
                    said.append(f"its local derivative is {derivative}")
                if not chain:
                    said.append("it forgets `* out.grad` (the chain rule)")
                if not accumulate:
                    said.append("it assigns `self.grad = ...` where it must add `self.grad += ...`")
                grad = (before if accumulate else 0.0) + value * (out_grad if chain else 1.0)
                mistakes.append(("these are the numbers of a `_backward` where " + " and ".join(said) + ".", grad))
    return mistakes


# Each operation with its own `_backward`: how to build it from one Value, its local
# derivative at x, and wrong local derivatives students write (text -> value at x).
UNARY = {
    "pow": (lambda a: a**3, lambda x: 3 * x**2, lambda x: {"`x**(n-1)` (without `n *`)": x**2, "`n * x**n`": 3 * x**3}),
    "exp": (lambda a: a.exp(), math.exp, lambda x: {"`self.data` (e^x is `out.data`)": x}),
    "tanh": (
        lambda a: a.tanh(),
        lambda x: 1 - math.tanh(x) ** 2,
        lambda x: {
            "`1 - t` (it is `1 - t**2`, t = out.data)": 1 - math.tanh(x),
            "`1 - self.data**2` (it is `1 - out.data**2`)": 1 - x**2,
        },
    ),
    "relu": (lambda a: a.relu(), lambda x: 1.0 if x > 0 else 0.0, lambda x: {"`out.data` (it is 1 or 0)": max(x, 0)}),
}
FORWARD = {"pow": lambda x: x**3, "exp": math.exp, "tanh": math.tanh, "relu": lambda x: max(x, 0.0)}


@pytest.mark.parametrize(
    "op, x",
    [pytest.param(op, x, marks=getattr(pytest.mark, op)) for op in UNARY for x in (0.7, -0.4)],
)
def test_unary_backward(op, x):
    build, local, wrong = UNARY[op]
    a = Value(x)
    out = build(a)
    check(f"{op}: out.data", out.data, FORWARD[op](x), f"a = Value({x})")
    a.grad, out.grad = GRAD_BEFORE, OUT_GRAD
    out._backward()
    expected = GRAD_BEFORE + OUT_GRAD * local(x)
    check(
        f"{op}: a.grad after out._backward() (= {GRAD_BEFORE} + {OUT_GRAD} * local derivative)",
        a.grad,
        expected,
        f"a = Value({x}), a.grad = {GRAD_BEFORE} before, out.grad = {OUT_GRAD}",
        chain_rule_mistakes(local(x), wrong(x), GRAD_BEFORE, OUT_GRAD),
    )


# `+` and `*`: (a.data, b.data, a.grad before, b.grad before, out.grad)
A, B, A_BEFORE, B_BEFORE = 2.0, -3.0, 0.5, -1.0
BINARY = {
    # op: (forward, local derivative for a, for b, wrong ones for a, for b)
    "add": (A + B, 1.0, 1.0, {}, {}),
    "mul": (A * B, B, A, {"its own input's data (`self.data`)": A}, {"its own input's data (`other.data`)": B}),
}


@pytest.mark.parametrize("op", [pytest.param(op, marks=getattr(pytest.mark, op)) for op in BINARY])
def test_binary_backward(op):
    forward, local_a, local_b, wrong_a, wrong_b = BINARY[op]
    a, b = Value(A), Value(B)
    out = a + b if op == "add" else a * b
    check(f"{op}: out.data", out.data, forward, f"a = Value({A}), b = Value({B})")
    a.grad, b.grad, out.grad = A_BEFORE, B_BEFORE, OUT_GRAD
    out._backward()
    inputs = (
        f"a = Value({A}), b = Value({B}), a.grad = {A_BEFORE} and b.grad = {B_BEFORE} before, out.grad = {OUT_GRAD}"
    )
    for name, got, before, local, wrong in (
        ("a", a.grad, A_BEFORE, local_a, wrong_a),
        ("b", b.grad, B_BEFORE, local_b, wrong_b),
    ):
        check(
            f"{op}: {name}.grad after out._backward()",
            got,
            before + OUT_GRAD * local,
            inputs,
            chain_rule_mistakes(local, wrong, before, OUT_GRAD),
        )


@pytest.mark.parametrize("op", [pytest.param(op, marks=getattr(pytest.mark, op)) for op in BINARY])
def test_binary_backward_with_the_same_value_twice(op):
    # `a + a` and `a * a`: self and other are the same Value, which gets both contributions.
    a = Value(-1.3)
    out = a + a if op == "add" else a * a
    out.grad = 1.0
    out._backward()
    local = 1.0 if op == "add" else -1.3
    check(
        f"{op}: a.grad of `a {'+' if op == 'add' else '*'} a` after out._backward()",
        a.grad,
        2 * local,
        "a = Value(-1.3), out.grad = 1.0",
        [
            (
                "the second contribution replaced the first: "
                "it assigns `self.grad = ...` where it must add `self.grad += ...`.",
                local,
            )
        ],
    )


# ---------------------------------------------------------------------------
# backward() and topological_sort, on graphs of `+` and `*` only
# ---------------------------------------------------------------------------
@pytest.mark.backward
def test_backward_seeds_the_output_with_1():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.backward()
    check(
        "(c.grad, a.grad, b.grad) after c.backward()",
        (c.grad, a.grad, b.grad),
        (1.0, -3.0, 2.0),
        "c = a * b, a = Value(2.0), b = Value(-3.0)",
        [("backward() must first set its own grad to 1 (dc/dc = 1); nothing else moves without it.", (0.0, 0.0, 0.0))],
    )


@pytest.mark.backward
def test_backward_goes_from_the_output_back_to_the_inputs():
    # A chain: each node must have its whole gradient before it passes it on, so the order is reversed.
    x = Value(0.5)
    y = x * 2.0
    z = y + 1.0
    out = z * 3.0
    out.backward()
    check(
        "(x.grad, y.grad, z.grad) after out.backward()",
        (x.grad, y.grad, z.grad),
        (6.0, 3.0, 3.0),
        "y = x * 2.0, z = y + 1.0, out = z * 3.0, x = Value(0.5)",
        [
            (
                "only out's own inputs got a gradient: backward() calls `_backward` inputs first. "
                "Go through `reversed(topological_sort(self))`.",
                (0.0, 0.0, 3.0),
            )
        ],
    )


def listed_twice(order):
    counts = {}
    for v in order:
        counts[id(v)] = counts.get(id(v), 0) + 1
    return [v for v in order if counts[id(v)] > 1]


@pytest.mark.backward
def test_topological_sort_lists_a_diamond_once_inputs_first():
    a = Value(1.0)
    b, c = a * 2.0, a + 3.0  # a feeds both b and c
    d = b * c
    order = topological_sort(d)
    twice = listed_twice(order)
    if twice:
        pytest.fail(
            f"topological_sort(d) lists {twice[0]!r} {len([v for v in order if v is twice[0]])} times, "
            "on d = b * c, b = a * 2.0, c = a + 3.0, a = Value(1.0).\n"
            "Hint: keep a set of visited nodes, so that a node shared by two users is listed once.",
            pytrace=False,
        )
    position = {id(v): i for i, v in enumerate(order)}
    for node in (a, b, c, d):
        if id(node) not in position:
            pytest.fail(f"topological_sort(d) leaves out {node!r} (d = b * c, b = a * 2.0, c = a + 3.0)", pytrace=False)
    for first, then in ((a, b), (a, c), (b, d), (c, d)):
        if position[id(first)] > position[id(then)]:
            pytest.fail(f"topological_sort(d) lists {then!r} before its input {first!r}", pytrace=False)
    if order[-1] is not d:
        pytest.fail(f"topological_sort(d) must end with d itself, {d!r}; it ends with {order[-1]!r}", pytrace=False)


@pytest.mark.backward
def test_backward_counts_a_shared_node_once():
    # A diamond: b and c both use a. Listed twice, a would pass its gradient on twice.
    x = Value(0.5)
    a = x * 3.0
    b, c = a * 2.0, a + 3.0
    d = b * c  # d = 2a(a + 3): dd/da = 4a + 6 = 12 at a = 1.5, and da/dx = 3
    d.backward()
    got = x.grad
    order = topological_sort(d)
    mistakes = []
    if listed_twice(order):
        # Backpropagate again over that order: if it gives the same x.grad, the duplicate is the cause.
        for node in order:
            node.grad = 0.0
        d.grad = 1.0
        for node in reversed(order):
            node._backward()
        mistakes = [("topological_sort(d) lists a node twice: keep a set of visited nodes.", x.grad)]
    check(
        "x.grad after d.backward()",
        got,
        36.0,
        "a = x * 3.0, b = a * 2.0, c = a + 3.0, d = b * c, x = Value(0.5)",
        mistakes,
    )


# ---------------------------------------------------------------------------
# The whole engine
# ---------------------------------------------------------------------------
def test_subtraction_division_and_reflected_operators():
    a, b = Value(4.0), Value(2.0)
    c = (a - b) / b + 1 / a - 2 * b + (3 - a)  # (4-2)/2 + 1/4 - 4 + (3-4) = -3.75
    c.backward()
    check(
        "(c.data, a.grad, b.grad)",
        (c.data, a.grad, b.grad),
        (-3.75, 1 / 2 - 1 / 16 - 1, -4 / 4 - 2),  # a.grad = 1/b - 1/a**2 - 1, b.grad = -a/b**2 - 2
        "c = (a - b) / b + 1 / a - 2 * b + (3 - a), a = Value(4.0), b = Value(2.0)",
    )


def test_backward_of_the_lecture_neuron():
    # The neuron of the lecture: o = tanh(x1*w1 + x2*w2 + b).
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    t = math.tanh(2.0 * -3.0 + 6.8813735870195432)
    check(
        "(o.data, x1.grad, w1.grad, x2.grad, w2.grad)",
        (o.data, x1.grad, w1.grad, x2.grad, w2.grad),
        (t, -3.0 * (1 - t**2), 2.0 * (1 - t**2), 1.0 * (1 - t**2), 0.0),
        "o = (x1*w1 + x2*w2 + b).tanh(), x1 = 2.0, x2 = 0.0, w1 = -3.0, w2 = 1.0, b = 6.8813735870195432",
    )
