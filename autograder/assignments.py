"""The graded assignments: what each one grades, what it runs on, and its maximum.

This table is the one place where an assignment's parts and points are
declared. The release (`coursekit`) builds the student repositories from it,
and the grader checks at start-up that the points of the collected tests add up
to `max_points`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from autograder import student_text


@dataclass(frozen=True)
class Assignment:
    """One assignment of the sequence.

    Attributes:
        name: the short name: folder of the student repository and of its tests.
        number: its place in the sequence, from 1.
        title: a human title.
        graded_module: the module of `micrograd/` the student writes and is graded on.
        reference_modules: earlier modules the graded one runs on. The grader puts
            the reference version of these beside the student's module (part
            isolation: a bug in the engine costs no points in the nn assignment).
        max_points: the total of the points of this assignment's hidden tests.
    """

    name: str
    number: int
    title: str
    graded_module: str
    reference_modules: tuple[str, ...]
    max_points: int

    @property
    def tests_dir(self) -> Path:
        """The folder of this assignment's hidden tests."""
        return Path(__file__).parent / "tests" / self.name


ASSIGNMENTS: dict[str, Assignment] = {
    a.name: a
    for a in (
        Assignment("engine", 1, "The autograd engine", "engine", (), 60),
        Assignment("nn", 2, "Neurons, layers and MLPs", "nn", ("engine",), 30),
        Assignment("train", 3, "Training", "train", ("engine", "nn"), 30),
    )
}


def _marks(submission: Path) -> set[str]:
    """Names (no links followed) that say which assignment a repository is: its modules and its public tests."""
    from autograder.fingerprint import read_submission

    found = {f"micrograd/{name}" for name in read_submission(submission).names()}
    try:
        found |= {f"tests/{e.name}" for e in os.scandir(Path(submission) / "tests") if e.is_file(follow_symlinks=False)}
    except OSError:
        pass
    return found


def detect_assignment(submission: Path) -> Assignment:
    """Recognise the assignment of a student repository from its files.

    Later assignments add a module (`nn.py`, then `train.py`) and their own public
    tests (`tests/test_nn.py`), so the latest assignment either names is the
    repository's: an nn repository whose `nn.py` was deleted is still an nn
    repository (graded 0 there), not an engine one. Links are never followed.
    """
    marks = _marks(submission)
    for a in sorted(ASSIGNMENTS.values(), key=lambda a: -a.number):
        if {f"micrograd/{a.graded_module}.py", f"tests/test_{a.name}.py"} & marks:
            return a
    raise LookupError(
        f"{student_text.name(str(submission))} has no micrograd/engine.py, nn.py or train.py: "
        "is this a student repository of the course?"
    )
