"""Checks of a release, as `nbgrader validate` and `validate --invert` do for notebooks.

- the reference passes every public test;
- every released stub fails every public test, and importing a stub never crashes;
- no solution line and no nbgrader marker reaches a student repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.course import SOLUTION_PACKAGE, STUDENT_REPOS, StudentRepo
from coursekit.notebooks import cell_sources
from coursekit.notebooks import secret_lines as notebook_secret_lines
from coursekit.stubs import solution_regions

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


@dataclass
class PytestRun:
    """The outcome of every test of one pytest run."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    output: str = ""


def run_public_tests(repo_dir: Path, package: Path | None = None) -> PytestRun:
    """Run a student repository's public tests in a scratch copy.

    With `package`, that `micrograd/` replaces the repository's own (this is how
    the reference is run against the public tests). The copy keeps caches and
    bytecode out of the released tree.
    """
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        work = Path(tmp) / "repo"
        shutil.copytree(repo_dir, work)
        if package is not None:
            shutil.rmtree(work / "micrograd")
            shutil.copytree(package, work / "micrograd")
        report = Path(tmp) / "report.xml"
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
            cwd=work,
            capture_output=True,
            text=True,
            # No plugin autoload (as the grader runs pytest): the public tests need none, students install
            # none, and the kit's venv has hypothesis's, whose import is most of a run's time.
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
            timeout=300,
        )
        run = PytestRun(output=proc.stdout + proc.stderr)
        if report.exists():
            for case in ET.parse(report).getroot().iter("testcase"):
                name = f"{case.get('classname')}::{case.get('name')}"
                bad = case.find("failure") is not None or case.find("error") is not None
                (run.failed if bad else run.passed).append(name)
        return run


def import_errors(repo_dir: Path, modules: tuple[str, ...]) -> str | None:
    """Import every module of a released repository; return the error, if any."""
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module('micrograd.' + m)"
    proc = subprocess.run(
        [sys.executable, "-B", "-c", code, *modules],
        cwd=repo_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return None if proc.returncode == 0 else proc.stderr


def solution_lines() -> dict[str, str]:
    """Every solution line of the reference and of the notebooks (stripped) -> where it comes from.

    The notebooks' lines are those of their answers and hidden tests.
    """
    lines = {}
    for path in sorted(SOLUTION_PACKAGE.glob("*.py")):
        for region in solution_regions(path.read_text()):
            for line in region.lines:
                code = line.strip()
                if code and not code.startswith("#"):
                    lines[code] = f"{path.name}: {region.function}"
    lines.update(notebook_secret_lines())
    return lines


def leaks(tree: Path, written: tuple[str, ...] = ()) -> list[str]:
    """Markers in any file under `tree`; solution lines in the files it names in `written`.

    Only the files the release writes from the reference (the stubs, the
    README) are searched for solution lines: the other files are public
    sources copied verbatim (public tests, viz.py), where a line such as
    `loss.backward()` is there by design.
    """
    secret = solution_lines()
    found = []
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        text = path.read_text(errors="replace")
        for marker in MARKERS:
            if marker in text:
                found.append(f"{path}: nbgrader marker {marker!r}")
        if path.relative_to(tree).as_posix() not in written:
            continue
        # A notebook's code is in its cells' sources, not in the lines of its JSON.
        code = "\n".join(cell_sources(text)) if path.suffix == ".ipynb" else text
        for line in code.splitlines():
            if line.strip() in secret:
                found.append(f"{path}: solution line {line.strip()!r} ({secret[line.strip()]})")
    return found


def validate_repo(repo: StudentRepo, repo_dir: Path) -> list[str]:
    """Every problem with one released student repository (an empty list when it is right)."""
    notebooks = tuple(f"notebooks/{p.name}" for p in sorted((repo_dir / "notebooks").glob("*.ipynb")))
    problems = leaks(repo_dir, ("README.md", *(f"micrograd/{m}.py" for m in repo.stubbed_modules), *notebooks))
    reference = run_public_tests(repo_dir, package=SOLUTION_PACKAGE)
    if reference.failed or not reference.passed:
        problems.append(f"{repo.name}: the reference fails public tests {reference.failed}\n{reference.output}")
    released = run_public_tests(repo_dir)
    if released.passed or not released.failed:
        problems.append(f"{repo.name}: public tests that pass on the stubs: {released.passed}")
    error = import_errors(repo_dir, repo.stubbed_modules)
    if error:
        problems.append(f"{repo.name}: importing a stub crashes:\n{error}")
    return problems


def validate(assignments_dir: Path) -> list[str]:
    """Validate every student repository, in parallel (each check is a subprocess)."""
    with ThreadPoolExecutor() as pool:
        results = pool.map(lambda r: validate_repo(r, assignments_dir / r.name), STUDENT_REPOS)
    return [p for problems in results for p in problems]
