"""Diagnoses: what a common mistake would give on the same inputs, and the one line that names it.

A check computes the numbers each mistake would produce here; when the
student's numbers match one of them (and not the right answer), the feedback
adds that mistake's line. A diagnosis never changes a score.
"""

from __future__ import annotations

import math

from autograder.programs import Program

REL_TOL = 1e-6
ABS_TOL = 1e-9

ASSIGNS = "looks like `self.grad = ...` where `+=` is needed: the grad a Value already had is overwritten, so a Value used twice keeps only its last contribution"  # noqa: E501
NO_OUT_GRAD = "looks like the local derivative is not multiplied by `out.grad` (the chain rule needs it)"
TANH_OF_INPUT = "looks like tanh's derivative is computed from the input (`1 - self.data**2`); it is `1 - t**2` with t the output, `out.data`"  # noqa: E501
TANH_NO_SQUARE = "looks like `1 - t` where `1 - t**2` is needed (t = tanh(x) = `out.data`)"
EXP_OF_INPUT = "looks like exp's derivative is taken as the input `self.data`; it is the output `out.data` (e**x)"
FORWARD_ORDER = "looks like the `_backward`s are called in topological order, not in reverse (`reversed(...)`): a node passes its grad on before its users have filled it in"  # noqa: E501
NO_SEED = "looks like the root's grad is not set to 1 before the `_backward` calls"
ONLY_ROOT = "looks like only the root's `_backward` is called, not every node's"
NONLIN_IGNORED = "looks like `nonlin` is ignored: `Neuron(nin, nonlin=False)` must return w·x + b, without tanh"
NO_TANH = "looks like tanh is not applied: `Neuron(nin)` returns tanh(w·x + b)"
NO_BIAS = "looks like the bias `b` is left out"
COPIES = "looks like copies (`Value(p.data)`): parameters() must return the model's own Values"
SUM_NOT_MEAN = "looks like the sum of the squared errors, not their mean (divide by n)"
CLIMBS = "looks like `p.data += lr * p.grad`: the step must go against the gradient (`-=`)"
NO_LR = "looks like the learning rate is left out of the step"
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
    """The line of the first mistake whose numbers are `got` (and differ from the right answer `want`)."""
    for numbers, line in candidates:
        if same(got, numbers) and not same(numbers, want):
            return line
    return None


def local_backward(op: str, x: float, out: float, start: float, share: float, out_grad: float, uses: int) -> list:
    """What one input's grad would be after `out._backward()` under each common mistake of that rule."""
    slope = share / out_grad
    candidates = [
        (share, ASSIGNS),
        (share / uses, ASSIGNS),
        (start + slope, NO_OUT_GRAD),
        (slope, NO_OUT_GRAD),
    ]
    if op == "tanh":
        candidates += [(start + (1 - x * x) * out_grad, TANH_OF_INPUT), (start + (1 - out) * out_grad, TANH_NO_SQUARE)]
    if op == "exp":
        candidates.append((start + x * out_grad, EXP_OF_INPUT))
    return candidates


def replay(program: Program, local: dict[str, list[float]], steps: list[str], seed: float = 1.0) -> dict[str, float]:
    """The grads a backward pass would leave if it called the (correct) local rules of `steps`, in that order."""
    grads = {name: 0.0 for name in program.edges()}
    grads[program.root] = seed
    args = {name: [a for a in step_args if isinstance(a, str)] for name, _, step_args in program.steps}
    for name in (s for s in steps if s in args):
        for arg, slope in zip(args[name], local[name], strict=True):
            grads[arg] += slope * grads[name]
    return grads


def backward_order(program: Program, local: dict[str, list[float]]) -> list:
    """The grads of the common mistakes of `backward()`, on the grader's own rules and order."""
    forward = [name for name, _, _ in program.steps]
    return [
        (replay(program, local, forward), FORWARD_ORDER),
        (replay(program, local, list(reversed(forward)), seed=0.0), NO_SEED),
        (replay(program, local, [program.root]), ONLY_ROOT),
    ]
