"""Each `_backward` the student writes, called alone: `+`, `*`, `**`, `exp`, `tanh`, `relu`.

Every case builds `out` with the student's operator, gives each input a
non-zero starting grad (0 for saturated tanh, see there) and `out` a drawn `out.grad`, calls `out._backward()`
and nothing else, and compares each input's grad with its starting grad plus
torch's local derivative times `out.grad`. No other `_backward`, no
`backward()` and no topological sort runs: a bug costs the points of its own
rule only. `_backward` is called twice (a second `out.grad`): the second call
adds again.

The draws are stratified: every submission's inputs include the cases each
test exists for (`a op a`, a Value used twice; a zero where a derivative
degenerates, `a * 0` and `0 ** n`; relu at exactly 0; tanh past the overflow
point of e**2x and of cosh, |x| > 710, and saturated), randomised only inside them, so what
is caught does not depend on the draw.
"""

from autograder.checks import check_local_backward, graded, local
from autograder.programs import draw, single


def binary(op, rng):
    """`a op b` at three drawn pairs, `a op a`, and `a op 0` (a zero operand: its partner's slope is 0 for `*`)."""
    xs = draw(rng, 8, -3.0, 3.0, away_from_zero=0.1)
    cases = [single(op, "a", "b", leaves={"a": xs[i], "b": xs[i + 1]}) for i in (0, 2, 4)]
    cases.append(single(op, "a", "a", leaves={"a": xs[6]}))
    cases.append(single(op, "a", "b", leaves={"a": xs[7], "b": 0.0}))
    return [local(p, rng) for p in cases]


def unary(op, xs, rng, start_grads=True):
    return [local(single(op, "a", leaves={"a": x}), rng, start_grads) for x in xs]


def power(exponents, rng, low, high, away=0.0, zero=False):
    """`a ** e` for each exponent, a drawn; with `zero`, the base 0 too for each int exponent (a slope of 0)."""
    xs = draw(rng, len(exponents), low, high, away)
    cases = [single("pow", "a", e, leaves={"a": x}) for x, e in zip(xs, exponents, strict=True)]
    if zero:
        cases += [single("pow", "a", e, leaves={"a": 0.0}) for e in sorted(set(exponents))]
    return [local(p, rng) for p in cases]


def large(rng):
    """Past 710 both ways (where e**2x, e**x and cosh(x) overflow), saturated both ways (5 to 12), and 20 to 355."""
    return [
        draw(rng, 1, 720.0, 1000.0)[0],
        -draw(rng, 1, 720.0, 1000.0)[0],
        draw(rng, 1, 5.0, 12.0)[0],
        -draw(rng, 1, 5.0, 12.0)[0],
        rng.choice((-1, 1)) * draw(rng, 1, 20.0, 355.0)[0],
    ]


@graded(5, lambda rng: binary("add", rng))
def test_add_backward(answers):
    """`(a + b)._backward()`: both inputs receive `out.grad`, added (`+=`) to the grad they had."""
    check_local_backward(answers)


@graded(5, lambda rng: binary("mul", rng))
def test_mul_backward(answers):
    """`(a * b)._backward()`: each input receives the other's data times `out.grad`, added to its grad."""
    check_local_backward(answers)


@graded(3, lambda rng: power([2, 3, 2, 3], rng, -3.0, 3.0, zero=True))
def test_pow_backward_int(answers):
    """`(a ** n)._backward()` for int exponents 2 and 3, negative bases and 0 included: n * a**(n-1) * out.grad."""
    check_local_backward(answers)


@graded(3, lambda rng: power([0.5, 1.5, 2.5], rng, 0.2, 3.0))
def test_pow_backward_float(answers):
    """`(a ** x)._backward()` for float exponents (0.5, 1.5, 2.5) on positive bases."""
    check_local_backward(answers)


@graded(2, lambda rng: power([-1, -2, -1], rng, -3.0, 3.0, away=0.3))
def test_pow_backward_negative(answers):
    """`(a ** -1)._backward()` and `(a ** -2)._backward()`, bases away from zero."""
    check_local_backward(answers)


@graded(4, lambda rng: unary("exp", [*draw(rng, 3, -2.0, 2.0), draw(rng, 1, 20.0, 300.0)[0]], rng))
def test_exp_backward(answers):
    """`a.exp()._backward()`: the local derivative is the output itself, `out.data` (a large a included)."""
    check_local_backward(answers)


@graded(4, lambda rng: unary("tanh", draw(rng, 4, -2.5, 2.5, away_from_zero=0.2), rng))
def test_tanh_backward(answers):
    """`a.tanh()._backward()`: the local derivative is `1 - t**2`, with t the output."""
    check_local_backward(answers)


# The grads start at 0 here: saturated, `1 - t**2` is tiny (1e-4 to 1e-10) and exact to ~1e-16, while a
# finite difference of the forward pass is off by ~1e-11; a starting grad of about 1 would hide that.
@graded(2, lambda rng: unary("tanh", large(rng), rng, start_grads=False))
def test_tanh_backward_large_inputs(answers):
    """`a.tanh()` for large |a| (past 710, up to 1000): no overflow, and a local derivative of about 0."""
    check_local_backward(answers)


@graded(5, lambda rng: unary("relu", [*draw(rng, 2, -3.0, -0.05), *draw(rng, 2, 0.05, 3.0), 0.0, -0.0], rng))
def test_relu_backward(answers):
    """`a.relu()._backward()`: `out.grad` passes where a > 0, nothing at 0 and below."""
    check_local_backward(answers)
