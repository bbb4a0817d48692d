"""`topological_sort(root)`, judged by its properties, never against one fixed order.

Every node reachable from the root exactly once, every node after all of its
inputs, the root last. The graphs use only `+` and `*` between named Values, and
no test here calls `backward()`: a bug in a `_backward` costs nothing here.
"""

from autograder.grading import check_topological_order, graded, topo
from autograder.programs import Program, chain, random_graph


def diamond(depth):
    """x feeds two nodes that meet again, `depth` times over: each level is a diamond."""
    steps, prev = [], "x"
    for i in range(depth):
        steps += [
            (f"l{i}", "mul", (prev, "k")),
            (f"r{i}", "add", (prev, "k")),
            (f"d{i}", "mul", (f"l{i}", f"r{i}")),
        ]
        prev = f"d{i}"
    return Program((("x", 0.5), ("k", 1.1)), tuple(steps), prev, backward=False)


def shared():
    """One subexpression used by many later nodes: s = a*b, then s+a, s*c, (s+a)*(s*c), ..."""
    steps = [("s", "mul", ("a", "b")), ("t", "add", ("s", "a")), ("u", "mul", ("s", "c"))]
    steps += [("v", "mul", ("t", "u")), ("w", "add", ("v", "s")), ("z", "mul", ("w", "t"))]
    return Program((("a", 1.5), ("b", -0.5), ("c", 2.0)), tuple(steps), "z", backward=False)


@graded(2, [topo(chain(n, seed)) for n, seed in ((1, 1), (10, 2), (300, 3))])
def test_topological_sort_chains(answers):
    """Chains of 1, 10 and 300 products: every node once, inputs first, the root last."""
    check_topological_order(answers)


@graded(2, [topo(diamond(1)), topo(diamond(12))])
def test_topological_sort_diamonds(answers):
    """Diamonds (a node reached along two paths) are listed once: a visited set is needed."""
    check_topological_order(answers)


@graded(2, [topo(shared()), topo(Program((("a", 2.0),), (("out", "add", ("a", "a")),), "out", False))])
def test_topological_sort_shared_subexpressions(answers):
    """A subexpression used by several later nodes, and `a + a`, each listed once, before their users."""
    check_topological_order(answers)


@graded(
    3,
    [topo(random_graph(seed, 4, n, ("add", "mul"), backward=False)) for seed, n in ((21, 12), (22, 40), (23, 120))],
    hidden=True,
)
def test_topological_sort_random_dags(answers):
    """Random DAGs of up to 120 operations (seeded): every property, on every graph."""
    check_topological_order(answers)
