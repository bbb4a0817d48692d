"""`backward()` alone: the seed, the order, and whole graphs, over the grader's own `_backward`s.

The probe builds each graph with the student's operators (their forward passes
are given), then installs its own correct `_backward` on every node and makes
`topological_sort` return its own build order. So these tests judge only what
`backward()` itself does: seed the root with 1 and call every `_backward` in
reverse topological order. A bug in a `_backward` or in the sort costs nothing here.
"""

from autograder.checks import backward, check_backward, graded
from autograder.programs import PRIMITIVES, Program, draw, random_graph


def mixed_chain(length, rng):
    """x through `length` alternating operations (* k, tanh, + c, * m, tanh, ** 2): every rule, one path."""
    x, k, c, m = draw(rng, 4, 0.2, 1.2)
    steps, prev = [], "x"
    cycle = [("mul", "k"), ("tanh", None), ("add", "c"), ("mul", "m"), ("tanh", None), ("pow", 2)]
    for i in range(length):
        op, other = cycle[i % len(cycle)]
        steps.append((f"n{i}", op, (prev,) if other is None else (prev, other)))
        prev = f"n{i}"
    return Program((("x", x), ("k", k), ("c", c), ("m", -m)), tuple(steps), prev)


def seeds(rng):
    a, b = draw(rng, 2, -3.0, 3.0, away_from_zero=0.1)
    return [
        backward(Program((("a", a),), (), "a")),
        backward(Program((("a", a), ("b", b)), (("out", "mul", ("a", "b")),), "out")),
    ]


@graded(3, seeds)
def test_backward_seeds_the_root_with_one(answers):
    """`root.backward()` sets the root's grad to 1: on a lone leaf, and on `a * b`."""
    check_backward(answers)


@graded(5, lambda rng: [backward(mixed_chain(6, rng)), backward(mixed_chain(25, rng))])
def test_backward_calls_every_backward_in_reverse_topological_order(answers):
    """Chains of mixed operations: each node's grad is complete before it is passed on to its inputs."""
    check_backward(answers)


@graded(
    5, lambda rng: [backward(random_graph(rng, 4, n, PRIMITIVES, backward=True)) for n in (8, 20, 30, 60)], hidden=True
)
def test_backward_on_random_expression_graphs(answers):
    """Random expression graphs with shared subexpressions and every rule, against torch."""
    check_backward(answers)


@graded(2, lambda rng: [backward(mixed_chain(500, rng))], hidden=True)
def test_backward_through_a_500_operation_chain(answers):
    """A chain of 500 operations: `backward()` itself holds no recursion limit."""
    check_backward(answers)
