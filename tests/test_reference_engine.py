"""The reference engine against PyTorch, on karpathy/micrograd's own test expressions."""

import math

import pytest
import torch

from micrograd.engine import Value, topological_sort

TOL = 1e-6


def torch_leaf(x):
    return torch.tensor([x], dtype=torch.float64, requires_grad=True)


def sanity_check(leaf):
    # karpathy/micrograd test/test_engine.py: test_sanity_check
    x = leaf(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return [x], y


def more_ops(leaf):
    # karpathy/micrograd test/test_engine.py: test_more_ops
    a, b = leaf(-4.0), leaf(2.0)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return [a, b], g


def unary(op, x):
    def build(leaf):
        v = leaf(x)
        return [v], getattr(v, op)()

    return build


def scalar(t):
    return t.item() if isinstance(t, torch.Tensor) else t


CASES = [sanity_check, more_ops] + [unary(op, x) for op in ("tanh", "exp") for x in (-1.0, 0.123, 2.0)]


@pytest.mark.parametrize("build", CASES, ids=lambda b: getattr(b, "__name__", "unary"))
def test_reference_matches_torch_in_float64(build):
    leaves, out = build(Value)
    out.backward()
    tleaves, tout = build(torch_leaf)
    tout.backward()
    assert out.data == pytest.approx(scalar(tout), abs=TOL)
    for v, t in zip(leaves, tleaves, strict=True):
        assert v.grad == pytest.approx(t.grad.item(), abs=TOL)


def test_tanh_does_not_overflow_for_large_inputs():
    for x in (-1000.0, 1000.0):
        v = Value(x)
        out = v.tanh()
        out.backward()
        assert out.data == math.copysign(1.0, x)
        assert v.grad == 0.0


def test_backward_through_a_chain_of_100000_operations():
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()  # a recursive topological sort fails here (karpathy/micrograd at ~997)
    assert x.grad == pytest.approx(1.00001**100_000, rel=1e-9)
    assert len(topological_sort(y)) == 200_001  # x, 100,000 constants, 100,000 products
