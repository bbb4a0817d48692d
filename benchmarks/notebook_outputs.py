"""What executed notebooks show: pictures drawn, "no picture" lines and errors, per notebook.

Used by the README's proof of a fresh student copy (a run with Graphviz's `dot` and one without).
Usage: python benchmarks/notebook_outputs.py executed.ipynb [...]
"""

from __future__ import annotations

import sys
from collections import Counter

import nbformat


def summary(path: str) -> str:
    """One line: how many cells ran, pictures, "no picture" lines and errors (by exception name)."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    outputs = [o for c in code for o in c.get("outputs", [])]
    svg = sum("image/svg+xml" in o.get("data", {}) for o in outputs)
    no_dot = sum(
        "Graphviz's `dot` program is not installed" in o.get("data", {}).get("text/plain", "") for o in outputs
    )
    errors = Counter(o["ename"] for o in outputs if o.get("output_type") == "error")
    ran = sum(bool(c.execution_count) for c in code)
    return f"{path}: {ran}/{len(code)} cells ran, {svg} pictures, {no_dot} 'no picture' lines, errors {dict(errors)}"


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(summary(arg))
