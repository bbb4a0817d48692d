"""What each hidden test checks and its points, from the tests' own declarations (no inputs).

Used by the course site's grading page and by the start-up check that an
assignment's points add up to its declared maximum.
"""

from __future__ import annotations

import importlib
import inspect

from autograder.assignments import ASSIGNMENTS
from autograder.plugin import test_title


def hidden_tests(assignment_name: str) -> list[dict]:
    """Every hidden test of an assignment, in the order pytest runs them."""
    assignment = ASSIGNMENTS[assignment_name]
    entries = []
    for path in sorted(assignment.tests_dir.glob("test_*.py")):
        module = importlib.import_module(f"autograder.tests.{assignment.name}.{path.stem}")
        functions = [f for name, f in vars(module).items() if name.startswith("test_") and inspect.isfunction(f)]
        for fn in sorted(functions, key=lambda f: f.__code__.co_firstlineno):
            entries.append(
                {
                    "name": test_title(fn.__name__),
                    "test": f"{path.name}::{fn.__name__}",
                    "points": fn.graded.points,
                    "hidden": fn.graded.hidden,
                    "given": fn.graded.given,
                    "description": " ".join((fn.__doc__ or "").split()),
                }
            )
    return entries
