"""The course as the release sees it: where things are and what each student repository holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import ASSIGNMENTS, Assignment

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
SOLUTION_PACKAGE = SOLUTIONS / "micrograd"
ASSIGNMENTS_DIR = ROOT / "assignments"
AUTOGRADER_DIR = ROOT / "autograder"

# Given whole to every student repository: nothing to write in them.
PROVIDED_MODULES = ("__init__", "viz")


@dataclass(frozen=True)
class StudentRepo:
    """What goes into the student repository of one assignment."""

    assignment: Assignment

    @property
    def name(self) -> str:
        return self.assignment.name

    @property
    def stubbed_modules(self) -> tuple[str, ...]:
        """Modules released as stubs: the earlier ones (which the student brings), then the new one."""
        return (*self.assignment.reference_modules, self.assignment.graded_module)

    @property
    def handout(self) -> Path:
        return SOLUTIONS / "handouts" / f"{self.name}.md"

    @property
    def public_tests(self) -> Path:
        return SOLUTIONS / "public_tests" / f"test_{self.name}.py"


STUDENT_REPOS = [StudentRepo(a) for a in sorted(ASSIGNMENTS.values(), key=lambda a: a.number)]
