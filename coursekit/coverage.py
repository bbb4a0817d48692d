"""Checks that the graded parts of the course hold together, run by `make release`.

- Points: each assignment's declared maximum (`ASSIGNMENTS[a].max_points`) is the sum of
  its hidden tests' points (`autograder.points.hidden_tests`). A disagreement would give
  every Gradescope submission 0, so the release stops on it.
- Coverage: every solution region of a graded module is exercised by a graded test. For each
  region, the reference is graded with only that region stubbed (nbgrader's stub, as students
  get it); some test worth points must then lose them. A region no test notices (a new
  operator without a hidden test) stops the release.

The gradings run in parallel, in fresh processes: the grader runs pytest in-process, once per
submission, as its batch workers do. The workers are forked from a `forkserver` that has already
imported the grader and torch (the grader's reference gradients), so torch is imported once, not
once per worker, and the workers are warm before the first grading.
"""

from __future__ import annotations

import importlib.metadata
import multiprocessing
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import ASSIGNMENTS
from coursekit import cache
from coursekit.bundles import JUNK
from coursekit.cache import code_of
from coursekit.course import AUTOGRADER_DIR, SOLUTION_PACKAGE
from coursekit.stubs import BEGIN, END, make_stub, solution_regions


def points_problems() -> list[str]:
    """Every assignment whose declared maximum is not the sum of its hidden tests' points."""
    from autograder.points import hidden_tests

    problems = []
    for a in ASSIGNMENTS.values():
        tests = hidden_tests(a.name)
        total = sum(t["points"] for t in tests)
        if total != a.max_points:
            problems.append(
                f"points of {a.name}: autograder/assignments.py declares max_points={a.max_points}, but the "
                f"{len(tests)} hidden tests in autograder/tests/{a.name}/ add up to {total}. Make them agree "
                "(change max_points or a test's points): otherwise every Gradescope submission scores 0."
            )
    return problems


def stub_one_region(source: str, index: int) -> str:
    """`source` with only its `index`-th solution region stubbed; the other regions keep their code."""
    lines, kept, region = source.splitlines(keepends=True), [], -1
    for line in lines:
        marker = line.strip()
        if marker == BEGIN:
            region += 1
        if marker in (BEGIN, END) and region != index:
            continue  # the markers of every other region go: nbgrader leaves their code alone
        kept.append(line)
    return make_stub("".join(kept))


@dataclass(frozen=True)
class StubbedRegion:
    """One solution region of a graded module, stubbed alone in a copy of the reference."""

    assignment: str
    module: str
    function: str
    line: int
    submission: Path


def stubbed_submissions(
    root: Path, package: Path = SOLUTION_PACKAGE, assignments: list[str] | None = None
) -> list[StubbedRegion]:
    """A student repository per solution region of each graded module: the reference with that region stubbed."""
    made = []
    for a in sorted(ASSIGNMENTS.values(), key=lambda a: a.number):
        if assignments is not None and a.name not in assignments:
            continue
        source = (package / f"{a.graded_module}.py").read_text()
        for index, region in enumerate(solution_regions(source)):
            submission = root / f"{a.name}-{index:02d}"
            shutil.copytree(package, submission / "micrograd", ignore=shutil.ignore_patterns("__pycache__"))
            (submission / "micrograd" / f"{a.graded_module}.py").write_text(stub_one_region(source, index))
            made.append(StubbedRegion(a.name, a.graded_module, region.function, region.first_line - 1, submission))
    return made


def notices(results: dict) -> bool:
    """Whether a grading took points away: some test worth points did not earn them all."""
    return any(t["max_score"] > 0 and t["score"] < t["max_score"] for t in results.get("tests", []))


# Imported once by the forkserver, before any worker is forked from it (an import that fails is skipped).
WARM_MODULES = ["autograder.grade", "torch"]


def warm_context() -> multiprocessing.context.BaseContext:
    """The process context of the gradings: a forkserver that has imported `WARM_MODULES`.

    It is started only when some grading is not in the cache; its workers share
    the imports (copy-on-write) instead of each making them.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WARM_MODULES)
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def _verdict(region: StubbedRegion) -> dict:
    """A grading the cache said it held but could not give back (an unreadable entry): graded here."""
    return {"notices": notices(_grade(str(region.submission), region.assignment))}


def _grade(submission: str, assignment: str) -> dict:
    from autograder.grade import grade

    return grade(Path(submission), assignment)


def _tree_parts(root: Path) -> list[str | bytes]:
    """Every file under `root` (caches left out), as path and bytes, in sorted order."""
    parts: list[str | bytes] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not JUNK.intersection(p.parts)):
        parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return parts


def grading_key(region: StubbedRegion, grader: list[str | bytes]) -> str:
    """What a grading's verdict depends on: the whole submission, the whole grader, torch's and pytest's versions."""
    versions = [importlib.metadata.version(name) for name in ("torch", "pytest")]
    return cache.key(code_of(__file__), region.assignment, *versions, *grader, *_tree_parts(region.submission))


def coverage_problems(
    jobs: int = 2, package: Path = SOLUTION_PACKAGE, assignments: list[str] | None = None
) -> list[str]:
    """Every solution region (of `package`'s graded modules) that no graded test notices when it is a stub.

    A verdict for exactly the same submission and grader (`grading_key`) comes from the release's cache;
    the other submissions are graded, in parallel, on warm workers.
    """
    grader = _tree_parts(AUTOGRADER_DIR)
    with tempfile.TemporaryDirectory(prefix="coverage-") as tmp:
        regions = stubbed_submissions(Path(tmp), package, assignments)
        keys = [grading_key(r, grader) for r in regions]
        todo = [(r, k) for r, k in zip(regions, keys) if not cache.has("gradings", k)]
        graded: dict[str, dict] = {}
        if todo:
            with ProcessPoolExecutor(jobs, mp_context=warm_context()) as pool:
                results = pool.map(_grade, [str(r.submission) for r, _ in todo], [r.assignment for r, _ in todo])
                graded = {k: {"notices": notices(result)} for (_, k), result in zip(todo, results)}
        verdicts = [
            cache.cached("gradings", k, lambda k=k, r=r: graded.get(k) or _verdict(r)) for r, k in zip(regions, keys)
        ]
    problems = []
    for region, verdict in zip(regions, verdicts):
        if not verdict["notices"]:
            problems.append(
                f"coverage of {region.assignment}: micrograd/{region.module}.py, {region.function} (solution region "
                f"at line {region.line}) can be left as a stub and every graded test still passes. Add a hidden test "
                f"with points > 0 that exercises it, in autograder/tests/{region.assignment}/."
            )
    return problems


def course_problems(jobs: int = 2) -> list[str]:
    """The points check, then (only when points agree: the grader refuses otherwise) the coverage check."""
    return points_problems() or coverage_problems(jobs)
