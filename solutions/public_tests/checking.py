"""How the public tests compare and what their failures say (shared by every test file here).

A failure says what was computed, on which inputs, what was expected and what came out.
It names a mistake ("Hint: ...") only when the numbers are exactly that mistake's numbers
on those inputs, and no other listed mistake's: a hint that could be wrong is left out.
"""

import math

import pytest


def close(got, want):
    """Whether `got` is `want` (numbers, or tuples/lists of them), to about 9 digits."""
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(map(close, got, want))
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


def show(x):
    """A number, or a tuple/list of them, as a failure message shows it."""
    if isinstance(x, (tuple, list)):
        left, right = ("(", ")") if isinstance(x, tuple) else ("[", "]")
        return left + ", ".join(show(v) for v in x) + right
    return f"{x:.6g}" if isinstance(x, float) else repr(x)


def check(what, got, expected, inputs, mistakes=()):
    """Fail unless `got` is `expected`; name a mistake only when `got` is exactly that mistake's numbers."""
    if close(got, expected):
        return
    matching = {hint for hint, numbers in mistakes if close(got, numbers) and not close(numbers, expected)}
    message = f"{what}: expected {show(expected)}, got {show(got)}, on {inputs}."
    if len(matching) == 1:
        message += f"\nHint: {matching.pop()}"
    pytest.fail(message, pytrace=False)
