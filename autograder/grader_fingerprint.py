"""The grader's fingerprint: a hash of everything that can change a grade of one assignment.

`grade-all` keys a student's results by two fingerprints: their files'
(`fingerprint.py`) and the grader's (this one). A result stands only while both
match; after a fix to a hidden test, a point, a tolerance, the sandbox or a
reference module, every student of that assignment is regraded (and the change
audited: `regrade_audit.py`).

What is covered is decided here, as data: every file of the `autograder`
package (so a module added later is covered without anyone listing it), except

- `NOT_GRADING`: the few files that only store, report or deliver grades;
- the hidden tests and reference modules of the *other* assignments;
- caches (`__pycache__`, dot-folders, `*.pyc`);

plus the versions of what computes the expected values: torch (as installed)
and the Python that runs the grader.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
from pathlib import Path

from autograder.assignments import ASSIGNMENTS

PACKAGE = Path(__file__).resolve().parent
FORMAT = "grader-fingerprint/1"  # change it when what is hashed changes meaning

# Paths relative to `autograder/` of files that cannot change a grade: the command line, the batch
# runner (it stores results), the Classroom 50 result writer, the audit, and this file.
NOT_GRADING = frozenset(
    {
        "__main__.py",
        "batch.py",
        "classroom.py",
        "cluster.py",
        "grader_fingerprint.py",
        "regrade_audit.py",
    }
)
TESTS = "tests"
REFERENCE = "reference/micrograd"
RUNTIME_PACKAGES = ("torch",)  # expected values and reference gradients come from torch


def _is_cache(relative: Path) -> bool:
    return relative.suffix == ".pyc" or any(p == "__pycache__" or p.startswith(".") for p in relative.parts)


def _belongs_elsewhere(relative: str, assignment: str) -> bool:
    """A hidden test or reference module of another assignment, which this one's grading never runs."""
    own = ASSIGNMENTS[assignment]
    for other in ASSIGNMENTS.values():
        if other.name != assignment and relative.startswith(f"{TESTS}/{other.name}/"):
            return True
    used = {*own.reference_modules}
    others = {m for a in ASSIGNMENTS.values() for m in a.reference_modules} - used
    return any(relative == f"{REFERENCE}/{m}.py" for m in others)


def covered_files(assignment: str, package: Path = PACKAGE) -> list[str]:
    """The files (relative to `package`, `/`-separated, sorted) whose bytes can change a grade of `assignment`."""
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"no assignment {assignment!r}")
    files = []
    for path in package.rglob("*"):
        relative = path.relative_to(package)
        name = relative.as_posix()
        if not path.is_file() or _is_cache(relative) or name in NOT_GRADING:
            continue
        if not _belongs_elsewhere(name, assignment):
            files.append(name)
    return sorted(files)


def runtime() -> dict[str, str]:
    """The versions that take part in grading, read without importing torch (the parent stays light)."""
    versions = {"python": platform.python_version()}
    for name in RUNTIME_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def grader_fingerprint(assignment: str, package: Path = PACKAGE) -> str:
    """A SHA-256 (hex) of the covered files' names and bytes, and the runtime's versions."""
    digest = hashlib.sha256(f"{FORMAT}\0{assignment}\0".encode())
    for name, version in sorted(runtime().items()):
        digest.update(f"{name}={version}\0".encode())
    for name in covered_files(assignment, package):
        data = (package / name).read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()
