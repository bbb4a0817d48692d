"""Every operator of `Value` on its own: forward value and `_backward`, against torch in float64.

Each test runs its operator at several seeded inputs in a safe domain, on a
Value used twice (gradients must accumulate), inside a larger expression (the
local gradient must be multiplied by `out.grad`), and with plain numbers on
either side where the operator allows it.
"""

import random

from autograder.grading import check_against_torch, expr, graded
from autograder.programs import Program, single


def draw(seed, n, low, high, away_from_zero=0.0):
    rng = random.Random(seed)
    values = []
    while len(values) < n:
        x = round(rng.uniform(low, high), 3)
        if abs(x) >= away_from_zero:
            values.append(x)
    return values


def binary(op, seed, low=-3.0, high=3.0, away=0.0):
    """`a op b` at seeded inputs, `a op a`, and `(a op b) * c` (an interior node)."""
    xs = draw(seed, 8, low, high, away)
    cases = [single(op, "a", "b", leaves={"a": xs[i], "b": xs[i + 1]}) for i in (0, 2, 4)]
    cases.append(single(op, "a", "a", leaves={"a": xs[6]}))
    scaled = op if op == "mul" else "mul"
    cases.append(
        Program(
            (("a", xs[1]), ("b", xs[3]), ("c", xs[5])),
            (("n", op, ("a", "b")), ("out", scaled, ("n", "c"))),
            "out",
        )
    )
    return [expr(p) for p in cases]


def with_constant(op, seed, constant_first, low=-3.0, high=3.0, away=0.0):
    """`a op 2.5` or `2.5 op a` (a reflected operator), alone, used twice and inside an expression."""
    xs = draw(seed, 6, low, high, away)
    k = draw(seed + 1, 3, 0.5, 3.0)

    def args(x, c):
        return (c, x) if constant_first else (x, c)

    cases = [single(op, *args("a", k[i]), leaves={"a": xs[i]}) for i in range(3)]
    cases.append(
        Program((("a", xs[3]),), (("n", op, args("a", k[0])), ("out", "add", ("n", "a"))), "out")
    )  # a used twice: in n and in out
    cases.append(Program((("a", xs[4]), ("c", xs[5])), (("n", op, args("a", k[1])), ("out", "mul", ("n", "c"))), "out"))
    return [expr(p) for p in cases]


def unary(op, inputs, seed):
    """`a.op()` at the inputs, `a.op() + a.op()` (a used twice) and `a.op().op()` (an interior node)."""
    xs = list(inputs)
    cases = [single(op, "a", leaves={"a": x}) for x in xs]
    y = draw(seed, 2, -1.5, 1.5)
    cases.append(Program((("a", y[0]),), (("p", op, ("a",)), ("q", op, ("a",)), ("out", "add", ("p", "q"))), "out"))
    if op == "relu":  # relu of relu passes 1 or 0 along: scale by a leaf instead
        cases.append(Program((("a", y[1]), ("c", 2.5)), (("n", op, ("a",)), ("out", "mul", ("n", "c"))), "out"))
    else:
        cases.append(Program((("a", y[1]),), (("n", op, ("a",)), ("out", op, ("n",))), "out"))
    return [expr(p) for p in cases]


def power(exponents, seed, low, high, away=0.0):
    xs = draw(seed, len(exponents) + 3, low, high, away)
    cases = [single("pow", "a", e, leaves={"a": x}) for x, e in zip(xs, exponents)]
    e = exponents[0]
    a, c = xs[-3], xs[-2]
    cases.append(Program((("a", a),), (("n", "pow", ("a", e)), ("out", "mul", ("n", "a"))), "out"))
    cases.append(Program((("a", a), ("c", c)), (("n", "pow", ("a", e)), ("out", "pow", ("n", 2))), "out"))
    return [expr(p) for p in cases]


@graded(3, binary("add", 1))
def test_add(answers):
    """`a + b`: the sum, and both inputs receive `out.grad` (accumulated when a Value is used twice)."""
    check_against_torch(answers)


@graded(2, with_constant("add", 2, constant_first=True))
def test_radd(answers):
    """`2.5 + a` (reflected add with a plain number on the left), and `a + 2.5`."""
    check_against_torch(answers)


@graded(3, binary("mul", 3))
def test_mul(answers):
    """`a * b`: each input receives the other's data times `out.grad`, accumulated."""
    check_against_torch(answers)


@graded(2, with_constant("mul", 4, constant_first=True))
def test_rmul(answers):
    """`2.5 * a` (reflected multiply with a plain number on the left)."""
    check_against_torch(answers)


@graded(2, power([2, 3, 2, 3], 5, -3.0, 3.0))
def test_pow_int(answers):
    """`a ** n` for int exponents 2 and 3, negative bases included."""
    check_against_torch(answers)


@graded(2, power([0.5, 1.5, 2.5, 0.5], 6, 0.2, 3.0))
def test_pow_float(answers):
    """`a ** x` for float exponents (0.5, 1.5, 2.5) on positive bases."""
    check_against_torch(answers)


@graded(2, power([-1, -2, -1, -2], 7, -3.0, 3.0, away=0.3))
def test_pow_negative(answers):
    """`a ** -1` and `a ** -2`, bases away from zero."""
    check_against_torch(answers)


@graded(2, [expr(single("neg", "a", leaves={"a": x})) for x in draw(8, 3, -3.0, 3.0)] + binary("mul", 9)[-1:])
def test_neg(answers):
    """`-a`: built from `*` in the reference, so it needs a correct `*`."""
    check_against_torch(answers)


@graded(2, binary("sub", 10) + with_constant("sub", 11, constant_first=False))
def test_sub(answers):
    """`a - b` and `a - 2.5`: the first input gets `out.grad`, the second its negative."""
    check_against_torch(answers)


@graded(2, with_constant("sub", 12, constant_first=True))
def test_rsub(answers):
    """`2.5 - a` (reflected subtract)."""
    check_against_torch(answers)


@graded(2, binary("truediv", 13, away=0.3) + with_constant("truediv", 14, constant_first=False, away=0.3))
def test_truediv(answers):
    """`a / b` and `a / 2.5`, divisors away from zero."""
    check_against_torch(answers)


@graded(2, with_constant("truediv", 15, constant_first=True, away=0.3))
def test_rtruediv(answers):
    """`2.5 / a` (reflected divide), `a` away from zero."""
    check_against_torch(answers)


@graded(3, unary("exp", [-1.0, 0.123, 2.0, -3.2], 16))
def test_exp(answers):
    """`a.exp()`: its derivative is its own value."""
    check_against_torch(answers)


@graded(3, unary("tanh", [-1.0, 0.123, 2.0, -2.7], 17))
def test_tanh(answers):
    """`a.tanh()`: the derivative is `1 - tanh(a)**2`."""
    check_against_torch(answers)


@graded(2, unary("tanh", [20.0, -50.0, 400.0, -1000.0], 18)[:4])
def test_tanh_large_inputs(answers):
    """`a.tanh()` for large |a| (up to 1000): no overflow, gradient 0."""
    check_against_torch(answers)


@graded(3, unary("relu", [-2.5, -0.1, 0.0, 0.1, 3.0], 19))
def test_relu(answers):
    """`a.relu()` on negative, zero and positive inputs: gradient 1 above zero, 0 at and below it."""
    check_against_torch(answers)
