"""Where every stub is made: nbgrader's ClearSolutions, used as a library on .py text.

`nbgrader generate_assignment` only processes notebooks and copies .py files
verbatim, solutions included (nbgrader issue #1237). Its ClearSolutions
preprocessor works on any cell, so each module is wrapped in a one-cell
notebook, cleared, and unwrapped. Every `### BEGIN SOLUTION` ...
`### END SOLUTION` region becomes, at the marker's indentation::

    # YOUR CODE HERE
    raise NotImplementedError()
"""

from __future__ import annotations

import ast
import sys
import threading
from dataclasses import dataclass
from functools import cache

from coursekit.cache import cached, code_of, key

_NBGRADER = threading.Lock()
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


def without_iri_format_checker() -> None:
    """Keep jsonschema's optional `iri` format checker out of this process, before nbformat is imported.

    jsonschema imports `rfc3987_syntax` for it when installed, which builds a grammar at import:
    2.6 s of nbgrader's 5 s import. Notebook schemas have no `format` at all, so no check changes;
    a `None` in `sys.modules` is how Python spells "not installed", which jsonschema handles.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


@cache
def _clear_solutions():  # noqa: ANN202 - nbgrader is imported lazily: it takes seconds
    without_iri_format_checker()
    from nbgrader.preprocessors import ClearSolutions

    return ClearSolutions(enforce_metadata=False)


def make_stub(source: str) -> str:
    """Return `source` with every solution region replaced by nbgrader's code stub.

    The stub of a source already stubbed once (same text, same nbgrader, same
    stubs.py) comes from the release's cache, without importing nbgrader.
    """
    return cached("stubs", key(code_of(__file__), source), lambda: _clear(source))


def _clear(source: str) -> str:
    with _NBGRADER:  # the release stubs in two threads (release and course checks); nbgrader is not known thread-safe
        return _clear_unlocked(source)


def _clear_unlocked(source: str) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nb, _ = _clear_solutions().preprocess(nb, {})
    stubbed = nb.cells[0].source
    return stubbed if stubbed.endswith("\n") else stubbed + "\n"


@dataclass(frozen=True)
class SolutionRegion:
    """One region a student writes: where it is and which function holds it."""

    function: str  # qualified, e.g. "Value.__mul__._backward"
    first_line: int  # 1-based, the line after the BEGIN marker
    lines: tuple[str, ...]  # the solution's own lines, markers excluded


def solution_regions(source: str) -> list[SolutionRegion]:
    """Return the solution regions of a module, each named by the function around it."""
    lines = source.splitlines()
    spans: list[tuple[int, int]] = []
    start = None
    for i, line in enumerate(lines, start=1):
        if line.strip() == BEGIN:
            start = i
        elif line.strip() == END and start is not None:
            spans.append((start, i))
            start = None
    functions = _function_spans(ast.parse(source))
    regions = []
    for begin, end in spans:
        # Comments are not in the AST: a function ends at its last statement,
        # which is the region's last line, before the END marker.
        enclosing = [f for f in functions if f[1] < begin and end - 1 <= f[2]]
        # The innermost function around the region is the last-starting one.
        name = max(enclosing, key=lambda f: f[1])[0] if enclosing else "<module>"
        regions.append(SolutionRegion(name, begin + 1, tuple(lines[begin : end - 1])))
    return regions


def _function_spans(tree: ast.AST, prefix: str = "") -> list[tuple[str, int, int]]:
    spans = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            qualname = f"{prefix}{node.name}"
            if isinstance(node, ast.FunctionDef):
                spans.append((qualname, node.lineno, node.end_lineno or node.lineno))
            spans.extend(_function_spans(node, qualname + "."))
    return spans
