"""Diagnoses: what a common mistake would give on the same inputs, and the one line that names it.

A check computes, for each input, the numbers each common mistake would
produce there. A mistake's line is shown only when the student's numbers are
exactly that mistake's on every input where it predicts something, and it is
told apart (from the right answer and from every other candidate) on two or
more different inputs (`diagnose`); otherwise the feedback says what was
computed and what was expected, and names nothing. A diagnosis never changes a
score.

Tolerances (`close`): relative 1e-11, absolute 1e-13. Every analytic
implementation of the course's units is exact to a few units of 1e-16 here
(`1 - t**2`, `(1 - t) * (1 + t)` and `1 / cosh(x)**2` differ by less than 1e-16
in absolute terms, saturated tanh included); a finite difference of the forward
pass is off by 1e-10 (central, h = 1e-6) to 1e-7 (one-sided), and fails: a
`_backward` must be analytic, that is the unit's work.
"""

from __future__ import annotations

import math

REL_TOL = 1e-11
ABS_TOL = 1e-13

ASSIGNS = "looks like `self.grad = ...` where `+=` is needed: the grad a Value already had is overwritten, so a Value used twice keeps only its last contribution"  # noqa: E501
NO_OUT_GRAD = "looks like the local derivative is not multiplied by `out.grad` (the chain rule needs it)"
WRONG_GRAD = "looks like the local derivative is multiplied by the input's own grad, not by `out.grad`"
OUT_DATA_FOR_GRAD = "looks like the local derivative is multiplied by `out.data`, not by `out.grad`"
BUILT_EARLY = "looks like the gradient is computed when `out` is built (out.grad is still 0 then), not inside `_backward`: calling `out._backward()` changed nothing"  # noqa: E501
RELU_AT_ZERO = "looks like relu passes the grad at 0 (`>= 0`); at exactly 0 its local derivative is taken as 0 (`> 0`), as PyTorch does"  # noqa: E501
TANH_OF_INPUT = "looks like tanh's derivative is computed from the input (`1 - self.data**2`); it is `1 - t**2` with t the output, `out.data`"  # noqa: E501
TANH_NO_SQUARE = "looks like `1 - t` where `1 - t**2` is needed (t = tanh(x) = `out.data`)"
EXP_OF_INPUT = "looks like exp's derivative is taken as the input `self.data`; it is the output `out.data` (e**x)"
FORWARD_ORDER = "looks like the `_backward`s are called in topological order, not in reverse (`reversed(...)`): a node passes its grad on before its users have filled it in"  # noqa: E501
NO_SEED = "looks like the root's grad is not set to 1 before the `_backward` calls"
SEED_ADDS = "looks like the root's grad is increased by 1 (`+= 1`): `backward()` sets it to 1, whatever it held"
ZEROES = (
    "looks like `backward()` sets the graph's grads to 0: gradients accumulate, zeroing them is `zero_grad()`'s job"
)
ONLY_ROOT = "looks like only the root's `_backward` is called, not every node's"
TANH_WHEN_LINEAR = "looks like tanh is applied although `nonlin=False`: `Neuron(nin, nonlin=False)` returns w·x + b"
NO_TANH = "looks like tanh is not applied: `Neuron(nin)` returns tanh(w·x + b)"
NO_BIAS = "looks like the bias `b` is left out"
COPIES = "looks like copies (`Value(p.data)`): parameters() must return the model's own Values"
SUM_NOT_MEAN = "looks like the sum of the squared errors, not their mean (divide by n)"
CLIMBS = "looks like `p.data += lr * p.grad`: the step must go against the gradient (`-=`)"
NO_LR = "looks like the learning rate is left out of the step"
ZERO_AFTER_BACKWARD = "looks like the gradients are set to zero after `backward()`, so `sgd_step` sees only zeros: zero them before `backward()`"  # noqa: E501
NO_ZERO_GRAD = "looks like the gradients are not set to zero before `backward()` (`model.zero_grad()`): they pile up from step to step"  # noqa: E501


def close(got: object, want: float) -> bool:
    return (
        isinstance(got, (int, float))
        and not isinstance(got, bool)
        and math.isclose(float(got), want, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    )


def same(got: object, want: object) -> bool:
    """Numbers, lists or dicts of numbers, all close, of exactly the same shape."""
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    return close(got, want)


def first_match(got: object, want: object, candidates: list[tuple[object, str]]) -> str | None:
    """The line of the first mistake whose numbers are `got` (and differ from the right answer `want`).

    One input only: use `diagnose` to name a mistake from several.
    """
    for numbers, line in candidates:
        if same(got, numbers) and not same(numbers, want):
            return line
    return None


Case = tuple[object, object, object, list[tuple[object, str]]]  # (input key, got, want, [(numbers, line)])


def diagnose(cases: list[Case], minimum: int = 2) -> str | None:
    """The line of the one mistake whose numbers are the student's wherever it predicts any,
    and that differ from the right answer and from every other candidate on `minimum` inputs or more."""
    lines = list(dict.fromkeys(line for *_, candidates in cases for _, line in candidates))
    for line in lines:
        apart, consistent = set(), True
        for key, got, want, candidates in cases:
            mine = [numbers for numbers, each in candidates if each == line]
            if not mine:
                continue
            match = next((numbers for numbers in mine if same(got, numbers)), None)
            if match is None:
                consistent = False
                break
            others = [numbers for numbers, each in candidates if each != line]
            if not same(match, want) and not any(same(match, numbers) for numbers in others):
                apart.add(key)
        if consistent and len(apart) >= minimum:
            return line
    return None


def local_backward(
    op: str, x: float, out: float, start: float, share: float, out_grads: list[float], uses: int
) -> list[tuple[float, str]]:
    """What one input's grad would be after `out._backward()` was called once per `out_grads`, under each mistake.

    `share` is the right contribution for an out.grad of 1 (the local derivative,
    times the uses of this input); the grad starts at `start`.
    """
    total, last, calls = sum(out_grads), out_grads[-1], len(out_grads)
    candidates = [
        (share * last, ASSIGNS),
        (share / uses * last, ASSIGNS),
        (start + share * calls, NO_OUT_GRAD),
        (start, BUILT_EARLY),
    ]
    if calls == 1:
        candidates += [(start + share * start, WRONG_GRAD), (start + share * out, OUT_DATA_FOR_GRAD)]
    if op == "tanh":
        candidates += [(start + (1 - x * x) * total, TANH_OF_INPUT), (start + (1 - out) * total, TANH_NO_SQUARE)]
    if op == "exp":
        candidates.append((start + x * total, EXP_OF_INPUT))
    if op == "relu" and x == 0:
        candidates.append((start + total, RELU_AT_ZERO))
    return candidates
