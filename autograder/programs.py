"""Expression programs: the inputs of the engine tests, as data.

A program names some leaves, then builds nodes from them step by step, e.g.
leaves a=2.0, b=-3.0, then `c = a * b`. The sandbox runs it with the student's
`Value` (sandbox/probes.py), the grader with torch in float64 (expected.py), and
the feedback shows it as the expression it is: `(a * b)` with a=2.0, b=-3.0.
A number among a step's arguments is a plain constant, so `2.0 - a` exercises
`__rsub__` exactly as a student would write it.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "pow": "**"}
# How the engine builds each operator from its primitives (see engine.py), so that a
# test can say which primitives it relies on.
PRIMITIVES = {
    "add": {"add"},
    "mul": {"mul"},
    "pow": {"pow"},
    "neg": {"mul"},
    "sub": {"add", "mul"},
    "truediv": {"mul", "pow"},
    "exp": {"exp"},
    "tanh": {"tanh"},
    "relu": {"relu"},
}

Arg = str | float
MAX_FORMULA = 80


@dataclass(frozen=True)
class Program:
    leaves: tuple[tuple[str, float], ...]
    steps: tuple[tuple[str, str, tuple[Arg, ...]], ...]
    root: str
    backward: bool = True

    def spec(self) -> dict:
        """The JSON form the sandbox receives."""
        return {
            "leaves": [list(leaf) for leaf in self.leaves],
            "steps": [[name, op, list(args)] for name, op, args in self.steps],
            "root": self.root,
            "backward": self.backward,
        }

    def key(self) -> str:
        return repr((self.leaves, self.steps, self.root, self.backward))

    def formula(self, name: str | None = None) -> str:
        """The expression a node stands for, in the leaves' names (long ones by their node name)."""
        return self.formulas()[name or self.root]

    @functools.cache  # noqa: B019 - programs are few, immutable and live as long as the tests
    def formulas(self) -> dict[str, str]:
        text = {name: name for name, _ in self.leaves}
        for name, op, args in self.steps:
            parts = [text[a] if isinstance(a, str) else repr(a) for a in args]
            if op in SYMBOLS:
                formula = f"({parts[0]} {SYMBOLS[op]} {parts[1]})"
            elif op == "neg":
                formula = f"(-{parts[0]})"
            else:
                formula = f"{parts[0]}.{op}()"
            # Past a readable length a node is shown by its name (the feedback says so).
            text[name] = formula if len(formula) <= MAX_FORMULA else name
        return text

    def inputs(self) -> str:
        return ", ".join(f"{n}={x!r}" for n, x in self.leaves)

    def describe(self) -> str:
        """How the feedback names this program: `(a * b).backward()` with a=2.0, b=-3.0."""
        root = self.formula()
        if root == self.root and self.steps:
            root = f"{self.root} (the root of a graph of {len(self.steps)} operations)"
        call = f"{root}.backward()" if self.backward else root
        inputs = self.inputs() if len(self.leaves) <= 6 else f"{len(self.leaves)} leaves"
        return f"`{call}` with {inputs}"

    @functools.cache  # noqa: B019 - see formulas()
    def edges(self) -> dict[str, set[str]]:
        """Each node's inputs (by name): the graph the topological sort must respect."""
        graph = {name: set() for name, _ in self.leaves}
        for name, _, args in self.steps:
            graph[name] = {a for a in args if isinstance(a, str)}
        return graph

    @functools.cache  # noqa: B019 - see formulas()
    def reachable(self) -> set[str]:
        graph, seen, stack = self.edges(), set(), [self.root]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(graph[n])
        return seen

    def primitives(self) -> set[str]:
        return {p for _, op, _ in self.steps for p in PRIMITIVES[op]}


def leaf_names(n: int) -> list[str]:
    return [chr(ord("a") + i) for i in range(n)]


def single(op: str, *args: Arg, leaves: dict[str, float], backward: bool = True) -> Program:
    """One operation on leaves and constants: `out = a <op> b`."""
    return Program(tuple(leaves.items()), (("out", op, args),), "out", backward)


def chain(length: int, seed: int) -> Program:
    """x, then `length` products with fresh weight leaves: a chain for the topological sort."""
    rng = random.Random(seed)
    leaves = [("x", 0.5)] + [(f"w{i}", round(rng.uniform(0.9, 1.1), 3)) for i in range(length)]
    steps, prev = [], "x"
    for i in range(length):
        steps.append((f"n{i}", "mul", (prev, f"w{i}")))
        prev = f"n{i}"
    return Program(tuple(leaves), tuple(steps), prev, backward=False)


def random_graph(seed: int, n_leaves: int, n_steps: int, ops: tuple[str, ...], backward: bool) -> Program:
    """A random DAG: each step applies an op to earlier nodes, often reusing them.

    Inputs are kept in safe domains: leaves in [-2, 2]; exp and pow only see
    tanh outputs (|x| <= 1), so nothing overflows or divides by zero.
    """
    rng = random.Random(seed)
    names = leaf_names(n_leaves)
    leaves = tuple((n, round(rng.uniform(-2, 2), 3)) for n in names)
    nodes, bounded, steps = list(names), [], []
    for i in range(n_steps):
        name = f"n{i}"
        op = rng.choice(ops)
        if op in ("add", "sub"):
            args: tuple[Arg, ...] = (rng.choice(nodes), rng.choice(nodes))
        elif op == "mul":  # one small factor, so that values stay far from overflow
            args = (rng.choice(nodes), rng.choice(names + bounded))
        elif op in ("exp", "pow") and bounded:
            src = rng.choice(bounded)
            args = (src,) if op == "exp" else (src, 2)
        else:
            op = "tanh" if op in ("exp", "pow") else op
            args = (rng.choice(nodes),)
        steps.append((name, op, args))
        nodes.append(name)
        if op == "tanh":
            bounded.append(name)
    # The root joins every sink, so that every node is reachable from it.
    used = {a for _, _, args in steps for a in args if isinstance(a, str)}
    sinks = [n for n in nodes if n not in used]
    root = sinks[0]
    for j, s in enumerate(sinks[1:]):
        steps.append((f"j{j}", "add", (root, s)))
        root = f"j{j}"
    return Program(leaves, tuple(steps), root, backward)
