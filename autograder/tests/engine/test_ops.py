"""Each `_backward` the student writes, called alone: `+`, `*`, `**`, `exp`, `tanh`, `relu`.

Every case builds `out` with the student's operator, gives each input a
non-zero starting grad and `out` a drawn `out.grad`, calls `out._backward()`
and nothing else, and compares each input's grad with its starting grad plus
torch's local derivative times `out.grad`. No other `_backward`, no
`backward()` and no topological sort runs: a bug costs the points of its own
rule only. `a op a` (a Value used twice) catches `=` where `+=` is needed.
"""

from autograder.checks import check_local_backward, graded, local
from autograder.programs import draw, single


def binary(op, rng, away=0.0):
    """`a op b` at three drawn pairs, and `a op a`."""
    xs = draw(rng, 7, -3.0, 3.0, away)
    cases = [single(op, "a", "b", leaves={"a": xs[i], "b": xs[i + 1]}) for i in (0, 2, 4)]
    cases.append(single(op, "a", "a", leaves={"a": xs[6]}))
    return [local(p, rng) for p in cases]


def unary(op, xs, rng):
    return [local(single(op, "a", leaves={"a": x}), rng) for x in xs]


def power(exponents, rng, low, high, away=0.0):
    xs = draw(rng, len(exponents), low, high, away)
    return [local(single("pow", "a", e, leaves={"a": x}), rng) for x, e in zip(xs, exponents, strict=True)]


def large(rng):
    return [x * rng.choice((-1, 1)) for x in draw(rng, 4, 20.0, 1000.0)]


@graded(5, lambda rng: binary("add", rng))
def test_add_backward(answers):
    """`(a + b)._backward()`: both inputs receive `out.grad`, added (`+=`) to the grad they had."""
    check_local_backward(answers)


@graded(5, lambda rng: binary("mul", rng))
def test_mul_backward(answers):
    """`(a * b)._backward()`: each input receives the other's data times `out.grad`, added to its grad."""
    check_local_backward(answers)


@graded(3, lambda rng: power([2, 3, 2, 3], rng, -3.0, 3.0))
def test_pow_backward_int(answers):
    """`(a ** n)._backward()` for int exponents 2 and 3, negative bases included: n * a**(n-1) * out.grad."""
    check_local_backward(answers)


@graded(3, lambda rng: power([0.5, 1.5, 2.5], rng, 0.2, 3.0))
def test_pow_backward_float(answers):
    """`(a ** x)._backward()` for float exponents (0.5, 1.5, 2.5) on positive bases."""
    check_local_backward(answers)


@graded(2, lambda rng: power([-1, -2, -1], rng, -3.0, 3.0, away=0.3))
def test_pow_backward_negative(answers):
    """`(a ** -1)._backward()` and `(a ** -2)._backward()`, bases away from zero."""
    check_local_backward(answers)


@graded(4, lambda rng: unary("exp", draw(rng, 4, -2.0, 2.0), rng))
def test_exp_backward(answers):
    """`a.exp()._backward()`: the local derivative is the output itself, `out.data`."""
    check_local_backward(answers)


@graded(4, lambda rng: unary("tanh", draw(rng, 4, -2.5, 2.5, away_from_zero=0.2), rng))
def test_tanh_backward(answers):
    """`a.tanh()._backward()`: the local derivative is `1 - t**2`, with t the output."""
    check_local_backward(answers)


@graded(2, lambda rng: unary("tanh", large(rng), rng))
def test_tanh_backward_large_inputs(answers):
    """`a.tanh()` for large |a| (up to 1000): no overflow, and a local derivative of 0."""
    check_local_backward(answers)


@graded(5, lambda rng: unary("relu", [0.0, *draw(rng, 2, -3.0, -0.05), *draw(rng, 2, 0.05, 3.0)], rng))
def test_relu_backward(answers):
    """`a.relu()._backward()`: `out.grad` passes where a > 0, nothing at 0 and below."""
    check_local_backward(answers)
