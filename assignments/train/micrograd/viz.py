"""Pictures of computation graphs (provided: nothing to write here).

`draw_dot(root)` returns a `graphviz.Digraph`: a box per Value with its label,
data and grad, and a small oval per operation, joined by arrows in the
direction the computation flows. In a notebook the Digraph shows itself; to
write a file, call `draw_dot(root).render("graph", format="svg")`.

Drawing needs the `dot` program of Graphviz (the README says how to install it).
Without it, a graph shows one line saying so in place of the picture, and the
rest of the notebook runs on.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import graphviz

    from micrograd.engine import Value

NO_DOT = (
    "draw_dot: no picture, because Graphviz's `dot` program is not installed "
    "(see 'Set up' in the README); everything else works without it."
)


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """Return the nodes and the (input, output) edges of the graph behind `root`.

    A breadth-first walk from `root`; inputs are visited in a fixed order, so
    the same graph always gives the same picture.
    """
    nodes: list[Value] = [root]
    edges: list[tuple[Value, Value]] = []
    seen = {id(root)}
    queue = deque([root])
    while queue:
        v = queue.popleft()
        for child in sorted(v._prev, key=lambda c: (c.label, c.data, c._op)):
            edges.append((child, v))
            if id(child) not in seen:
                seen.add(id(child))
                nodes.append(child)
                queue.append(child)
    return nodes, edges


def draw_dot(root: Value, rankdir: str = "LR") -> graphviz.Digraph:
    """Return a `graphviz.Digraph` of the graph behind `root`.

    Every Value is a record `label | data | grad`; every Value made by an
    operation gets an extra oval node for that operation (`+`, `*`, `tanh`,
    ...), so the picture reads like the formula. `rankdir="LR"` draws it left
    to right, `"TB"` top to bottom.
    """
    dot = _graph_class()(format="svg", graph_attr={"rankdir": rankdir})
    nodes, edges = trace(root)
    names = {id(v): f"v{i}" for i, v in enumerate(nodes)}
    for v in nodes:
        name = names[id(v)]
        dot.node(
            name,
            label=f"{{ {v.label} | data {v.data:.4f} | grad {v.grad:.4f} }}",
            shape="record",
        )
        if v._op:
            dot.node(name + v._op, label=v._op)
            dot.edge(name + v._op, name)
    for child, parent in edges:
        dot.edge(names[id(child)], names[id(parent)] + parent._op)
    return dot


def _graph_class() -> type[graphviz.Digraph]:
    """A Digraph that shows `NO_DOT` in a notebook, not a traceback, when `dot` is missing."""
    import graphviz  # imported here so that the engine never needs it

    class Graph(graphviz.Digraph):
        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs) -> dict:  # noqa: ANN001
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                return {"text/plain": NO_DOT}

    return Graph
