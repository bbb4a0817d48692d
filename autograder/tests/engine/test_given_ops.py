"""The operators the course gives (built from the primitives): checked, not graded.

`-a`, `a - b`, `a / b` and the reflected forms with plain numbers are one-line
compositions in the released engine. These checks run them through the
student's own `backward()`, so a failure here points at a primitive, at
`backward()` or at an edit to the given code; they carry no points.
"""

from autograder.checks import check_against_torch, expr, graded
from autograder.programs import draw, single


def with_constant(op, rng, constant_first, away=0.0):
    """`a op k` or `k op a` (a reflected operator) at three drawn inputs and constants."""
    xs = draw(rng, 3, -3.0, 3.0, away)
    ks = draw(rng, 3, 0.5, 3.0)
    return [
        expr(single(op, *((k, "a") if constant_first else ("a", k)), leaves={"a": x}))
        for x, k in zip(xs, ks, strict=True)
    ]


def binary(op, rng, away=0.0):
    xs = draw(rng, 4, -3.0, 3.0, away)
    return [expr(single(op, "a", "b", leaves={"a": xs[i], "b": xs[i + 1]})) for i in (0, 2)]


@graded(0, lambda rng: with_constant("add", rng, constant_first=True), given=True)
def test_radd(answers):
    """`2.5 + a` (reflected add with a plain number on the left)."""
    check_against_torch(answers)


@graded(0, lambda rng: with_constant("mul", rng, constant_first=True), given=True)
def test_rmul(answers):
    """`2.5 * a` (reflected multiply)."""
    check_against_torch(answers)


@graded(0, lambda rng: [expr(single("neg", "a", leaves={"a": x})) for x in draw(rng, 3, -3.0, 3.0)], given=True)
def test_neg(answers):
    """`-a`, built from `*`."""
    check_against_torch(answers)


@graded(0, lambda rng: binary("sub", rng) + with_constant("sub", rng, constant_first=False), given=True)
def test_sub(answers):
    """`a - b` and `a - 2.5`, built from `+` and `-a`."""
    check_against_torch(answers)


@graded(0, lambda rng: with_constant("sub", rng, constant_first=True), given=True)
def test_rsub(answers):
    """`2.5 - a` (reflected subtract)."""
    check_against_torch(answers)


@graded(0, lambda rng: binary("truediv", rng, away=0.3) + with_constant("truediv", rng, False, away=0.3), given=True)
def test_truediv(answers):
    """`a / b` and `a / 2.5`, built from `*` and `** -1`."""
    check_against_torch(answers)


@graded(0, lambda rng: with_constant("truediv", rng, constant_first=True, away=0.3), given=True)
def test_rtruediv(answers):
    """`2.5 / a` (reflected divide), `a` away from zero."""
    check_against_torch(answers)
