"""`topological_sort(root)`, judged by its properties, never against one fixed order.

Every node reachable from the root exactly once, every node after all of its
inputs, the root last. The probe makes the graph's Values in a shuffled order
and links them through `_prev` afterwards, so only following `_prev` finds an
order (the order the Values were made in is none). No test here calls
`backward()`: a bug in a `_backward` costs nothing here.
"""

from autograder.checks import check_topological_order, graded, topo
from autograder.programs import Program, chain, draw, random_graph


def diamond(depth, rng):
    """x feeds two nodes that meet again, `depth` times over: each level is a diamond."""
    x, k = draw(rng, 2, 0.3, 1.1)
    steps, prev = [], "x"
    for i in range(depth):
        steps += [
            (f"l{i}", "mul", (prev, "k")),
            (f"r{i}", "add", (prev, "k")),
            (f"d{i}", "mul", (f"l{i}", f"r{i}")),
        ]
        prev = f"d{i}"
    return Program((("x", x), ("k", k)), tuple(steps), prev, backward=False)


def shared(rng):
    """One subexpression used by many later nodes: s = a*b, then s+a, s*c, (s+a)*(s*c), ..."""
    steps = [("s", "mul", ("a", "b")), ("t", "add", ("s", "a")), ("u", "mul", ("s", "c"))]
    steps += [("v", "mul", ("t", "u")), ("w", "add", ("v", "s")), ("z", "mul", ("w", "t"))]
    a, b, c = draw(rng, 3, -2.0, 2.0)
    return Program((("a", a), ("b", b), ("c", c)), tuple(steps), "z", backward=False)


@graded(2, lambda rng: [topo(chain(n, rng), rng) for n in (1, 10, 300)])
def test_topological_sort_chains(answers):
    """Chains of 1, 10 and 300 products: every node once, inputs first, the root last."""
    check_topological_order(answers)


@graded(3, lambda rng: [topo(diamond(1, rng), rng), topo(diamond(12, rng), rng)])
def test_topological_sort_diamonds(answers):
    """Diamonds (a node reached along two paths) are listed once: a visited set is needed."""
    check_topological_order(answers)


@graded(
    3,
    lambda rng: [
        topo(shared(rng), rng),
        topo(Program((("a", draw(rng, 1, -2, 2)[0]),), (("out", "add", ("a", "a")),), "out", False), rng),
    ],
)
def test_topological_sort_shared_subexpressions(answers):
    """A subexpression used by several later nodes, and `a + a`, each listed once, before their users."""
    check_topological_order(answers)


@graded(
    4,
    lambda rng: [topo(random_graph(rng, 4, n, ("add", "mul"), backward=False), rng) for n in (12, 40, 120)],
    hidden=True,
)
def test_topological_sort_random_dags(answers):
    """Random DAGs of up to 120 operations (seeded): every property, on every graph."""
    check_topological_order(answers)
