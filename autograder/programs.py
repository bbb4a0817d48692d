"""Expression programs: the inputs of the engine tests, as data.

A program names some leaves, then builds nodes from them step by step, e.g.
leaves a=2.0, b=-3.0, then `c = a * b`. Each step's operator is one entry of
`OPERATORS`, an expression text evaluated on both sides: with the student's
`Value` in the sandbox (sandbox/probes.py) and with torch tensors in float64 in
the grader (expected.py). The feedback shows a program as the expression it
is: `(a * b)` with a=2.0, b=-3.0. A number among a step's arguments is a plain
constant, so `2.5 - a` exercises `__rsub__` exactly as a student would write it.

Every input is drawn from a `random.Random` that the grader seeds per
submission (autograder/fingerprint.py): a regrade of the same files draws the
same inputs, other files draw others.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

# The one table of operators: how a step is written, with `{0}`, `{1}` its arguments.
# A new operator is one line here (and its hidden test); nothing else dispatches on it.
OPERATORS = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "truediv": "{0} / {1}",
    "pow": "{0} ** {1}",
    "neg": "-{0}",
    "exp": "{0}.exp()",
    "tanh": "{0}.tanh()",
    "relu": "{0}.relu()",
}
# Operators with a `_backward` the student writes (the others are built from them in the course's engine).
PRIMITIVES = ("add", "mul", "pow", "exp", "tanh", "relu")

Arg = str | float
MAX_FORMULA = 80


def step_text(op: str, args: tuple[Arg, ...], names: dict[str, str] | None = None) -> str:
    """A step as an expression: `a + b`, `2.5 - a`, `n.tanh()`; `names` renames the node arguments."""
    parts = [(names or {}).get(a, a) if isinstance(a, str) else repr(a) for a in args]
    return OPERATORS[op].format(*parts)


def _per_program(method):  # noqa: ANN001, ANN202 - a method decorator
    """Compute once per program, kept on the instance: `functools.cache` would hash the whole program per call."""
    name = method.__name__

    @functools.wraps(method)
    def cached(self):  # noqa: ANN001, ANN202
        memo = self.__dict__.setdefault("_memo", {})  # not a field: equality and hashing ignore it
        if name not in memo:
            memo[name] = method(self)
        return memo[name]

    return cached


@dataclass(frozen=True)
class Program:
    leaves: tuple[tuple[str, float], ...]
    steps: tuple[tuple[str, str, tuple[Arg, ...]], ...]
    root: str
    backward: bool = True

    def spec(self) -> dict:
        """The JSON form the sandbox receives: each step as its expression text."""
        return {
            "leaves": [list(leaf) for leaf in self.leaves],
            "steps": [[name, op, step_text(op, args), list(args)] for name, op, args in self.steps],
            "root": self.root,
        }

    def formula(self, name: str | None = None) -> str:
        """The expression a node stands for, in the leaves' names (long ones by their node name)."""
        return self.formulas()[name or self.root]

    @_per_program  # programs are immutable
    def formulas(self) -> dict[str, str]:
        text = {name: name for name, _ in self.leaves}
        for name, op, args in self.steps:
            formula = step_text(op, args, text)
            formula = formula if OPERATORS[op].startswith("{0}.") else f"({formula})"
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

    @_per_program
    def edges(self) -> dict[str, set[str]]:
        """Each node's inputs (by name): the graph the topological sort must respect."""
        graph = {name: set() for name, _ in self.leaves}
        for name, _, args in self.steps:
            graph[name] = {a for a in args if isinstance(a, str)}
        return graph

    @_per_program
    def reachable(self) -> set[str]:
        graph, seen, todo = self.edges(), set(), [self.root]
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(graph[n])
        return seen


def draw(rng: random.Random, n: int, low: float, high: float, away_from_zero: float = 0.0) -> list[float]:
    """`n` numbers in [low, high], 3 decimals, each at least `away_from_zero` from 0."""
    values = []
    while len(values) < n:
        x = round(rng.uniform(low, high), 3)
        if abs(x) >= away_from_zero:
            values.append(x)
    return values


def single(op: str, *args: Arg, leaves: dict[str, float], backward: bool = True) -> Program:
    """One operation on leaves and constants: `out = a <op> b`."""
    return Program(tuple(leaves.items()), (("out", op, args),), "out", backward)


def chain(length: int, rng: random.Random) -> Program:
    """x, then `length` products with fresh weight leaves: a chain for the topological sort."""
    leaves = [("x", round(rng.uniform(0.3, 0.7), 3))] + [
        (f"w{i}", round(rng.uniform(0.9, 1.1), 3)) for i in range(length)
    ]
    steps, prev = [], "x"
    for i in range(length):
        steps.append((f"n{i}", "mul", (prev, f"w{i}")))
        prev = f"n{i}"
    return Program(tuple(leaves), tuple(steps), prev, backward=False)


def random_graph(rng: random.Random, n_leaves: int, n_steps: int, ops: tuple[str, ...], backward: bool) -> Program:
    """A random DAG: each step applies an op to earlier nodes, often reusing them.

    Inputs are kept in safe domains: leaves in [-2, 2]; exp and pow only see
    tanh outputs (|x| <= 1), so nothing overflows or divides by zero. Only
    Values are operands (the exponent of `**` excepted), so that every node of
    the student's graph is one the program names.
    """
    names = [chr(ord("a") + i) for i in range(n_leaves)]
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
            args = (src,) if op == "exp" else (src, rng.choice((2, 3)))
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


def graph_spec(program: Program, rng: random.Random) -> dict:
    """The program's graph for the sort and `backward()` probes: every node, in a shuffled order.

    Each node is `[name, data, input names]`; the sandbox makes every node a plain
    Value in this order and sets `_prev` afterwards, so neither this list nor the
    order in which Values are created is a topological order. Only the leaves'
    data is the program's; the others are drawn (these probes read no data).
    """
    leaves = dict(program.leaves)
    nodes = [[name, leaves[name], []] for name in leaves]
    nodes += [
        [name, round(rng.uniform(-1, 1), 3), [a for a in args if isinstance(a, str)]] for name, _, args in program.steps
    ]
    rng.shuffle(nodes)
    return {"nodes": nodes, "root": program.root}


def random_topological_order(program: Program, rng: random.Random) -> list[str]:
    """A topological order of the nodes reachable from the root, drawn at random (Kahn's algorithm)."""
    edges = program.edges()
    reachable = program.reachable()
    waiting = {n: {i for i in edges[n] if i in reachable} for n in reachable}
    order: list[str] = []
    ready = sorted(n for n, inputs in waiting.items() if not inputs)
    users: dict[str, list[str]] = {n: [] for n in reachable}
    for n in sorted(reachable):
        for i in waiting[n]:
            users[i].append(n)
    while ready:
        n = ready.pop(rng.randrange(len(ready)))
        order.append(n)
        for user in users[n]:
            waiting[user].discard(n)
            if not waiting[user]:
                ready.append(user)
    # The root is the only sink: it comes last in every order.
    return order
