"""`backward()` alone: the seed, the order, and whole graphs, each called twice, judged from a log.

The probe makes each graph's Values with the student's class, in a shuffled
order, gives every node a starting grad and a recorder as `_backward` (it logs
its node's name and grad when called, and computes nothing), and makes
`topological_sort` return an order the grader drew. The grader then judges the
log: the root's grad set to 1, every operation's `_backward` called once, each
node before its inputs, no other grad touched, and the same again on a second
`backward()`. A bug in a `_backward` or in the sort costs nothing here.
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
        backward(Program((("a", a),), (), "a"), rng),
        backward(Program((("a", a), ("b", b)), (("out", "mul", ("a", "b")),), "out"), rng),
        backward(Program((("a", a),), (("out", "add", ("a", "a")),), "out"), rng),
    ]


def diamonds(rng):
    """x feeds two nodes that meet again, 4 times over: a node's grad is complete only after both users."""
    x, k = draw(rng, 2, 0.3, 1.1)
    steps, prev = [], "x"
    for i in range(4):
        steps += [(f"l{i}", "mul", (prev, "k")), (f"r{i}", "tanh", (prev,)), (f"d{i}", "add", (f"l{i}", f"r{i}"))]
        prev = f"d{i}"
    return Program((("x", x), ("k", k)), tuple(steps), prev)


@graded(3, seeds)
def test_backward_seeds_the_root_with_one(answers):
    """`root.backward()` sets the root's grad to 1 (whatever it held), on a lone leaf, `a * b` and `a + a`, twice."""
    check_backward(answers)


@graded(
    5,
    lambda rng: [backward(mixed_chain(6, rng), rng), backward(diamonds(rng), rng), backward(mixed_chain(25, rng), rng)],
)
def test_backward_calls_every_backward_in_reverse_topological_order(answers):
    """Chains of mixed operations: each node's grad is complete before it is passed on to its inputs."""
    check_backward(answers)


@graded(
    5,
    lambda rng: [backward(random_graph(rng, 4, n, PRIMITIVES, backward=True), rng) for n in (8, 20, 30, 60)],
    hidden=True,
)
def test_backward_on_random_expression_graphs(answers):
    """Random expression graphs with shared subexpressions and every rule: the order and the calls."""
    check_backward(answers)


@graded(2, lambda rng: [backward(mixed_chain(500, rng), rng)], hidden=True)
def test_backward_through_a_500_operation_chain(answers):
    """A chain of 500 operations: `backward()` itself holds no recursion limit."""
    check_backward(answers)
