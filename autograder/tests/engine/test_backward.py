"""`backward()` as a whole: the seed, the order, and whole expression graphs against torch."""

from autograder.grading import check_against_torch, expr, graded
from autograder.programs import Program, random_graph

ALL_OPS = ("add", "mul", "sub", "tanh", "exp", "pow", "relu")


def mixed_chain(length):
    """x through `length` alternating operations (*1.1, tanh, +0.3, exp of a bounded value...)."""
    steps, prev = [], "x"
    cycle = [("mul", 1.1), ("tanh", None), ("add", 0.3), ("mul", -0.9), ("tanh", None), ("pow", 2)]
    for i in range(length):
        op, k = cycle[i % len(cycle)]
        steps.append((f"n{i}", op, (prev,) if k is None else (prev, k)))
        prev = f"n{i}"
    return Program((("x", 0.7),), tuple(steps), prev)


@graded(
    3,
    [
        expr(Program((("a", 3.0),), (), "a")),
        expr(Program((("a", 2.0), ("b", 4.0)), (("out", "add", ("a", "b")),), "out")),
    ],
)
def test_backward_seeds_the_root_with_one(answers):
    """`root.backward()` sets the root's grad to 1: on a lone leaf, and on `a + b`."""
    check_against_torch(answers)


@graded(3, [expr(mixed_chain(6)), expr(mixed_chain(25))])
def test_backward_visits_nodes_in_reverse_topological_order(answers):
    """Chains of mixed operations: each node's grad is complete before it is passed to its inputs."""
    check_against_torch(answers)


@graded(
    5,
    [expr(random_graph(seed, 4, n, ALL_OPS, backward=True)) for seed, n in ((31, 8), (32, 20), (33, 30), (34, 60))],
    hidden=True,
)
def test_backward_on_random_expression_graphs(answers):
    """Random expression graphs (seeded) with shared subexpressions and every operator, against torch."""
    check_against_torch(answers)


@graded(3, [expr(mixed_chain(500))], hidden=True)
def test_backward_through_a_500_operation_chain(answers):
    """A chain of 500 operations (a recursive topological sort within Python's default limit passes)."""
    check_against_torch(answers)
