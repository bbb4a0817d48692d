"""Grade one student repository: the sandbox, the hidden tests, the results.

`grade()` is what `python -m autograder grade` calls, and what a warm batch
worker calls once per submission.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from autograder import student_text
from autograder.assignments import ASSIGNMENTS, Assignment, detect_assignment
from autograder.fingerprint import read_submission
from autograder.plugin import GradingPlugin, TestRecord
from autograder.sandbox import isolation
from autograder.sandbox.runner import Limits, missing_module_error, prepare_sandbox

TESTS_ROOT = Path(__file__).resolve().parent / "tests"


DEFAULT_LIMITS = Limits()
FEEDBACK_TEXT = 8000  # characters of one test's feedback kept (student text in it is cleaned: student_text)
FEEDBACK_LINE = 2000


def grade(
    submission: Path,
    assignment_name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    require_isolation: bool = False,
    allow_unisolated: bool = False,
) -> dict:
    """Grade `submission`; return Gradescope-format results (never raises on bad submissions).

    `require_isolation` is for the grade of record: with no OS isolation on this
    machine (level "none") nothing is graded, unless `allow_unisolated`.
    """
    start = time.perf_counter()
    submission = Path(submission)
    read = read_submission(submission)
    extra = {"fingerprint": read.fingerprint}
    if read.skipped:
        extra["skipped"] = list(read.skipped)
    try:
        wall = isolation.current()
    except isolation.IsolationUnavailable as exc:
        return grader_error_results(assignment_name, f"the isolation asked for cannot run here: {exc}", extra, start)
    extra["isolation"] = wall.level
    extra["memory_limit"] = wall.memory_description()
    if wall.level == "none" and require_isolation and not allow_unisolated:
        return grader_error_results(assignment_name, NO_ISOLATION, extra, start)
    if read.unreadable:
        return grader_error_results(assignment_name, read.unreadable, extra, start)
    try:
        assignment = ASSIGNMENTS[assignment_name] if assignment_name else detect_assignment(submission)
    except LookupError as exc:
        return unknown_assignment_results(str(exc), extra, time.perf_counter() - start)
    if read.refused:
        return refused_results(assignment, read.refused, extra, time.perf_counter() - start)

    sandbox = None
    missing = None
    if not submission.is_dir():
        missing = f"the submission {submission} is not a folder"
    else:
        sandbox = prepare_sandbox(submission, assignment.graded_module, assignment.reference_modules)
        missing = missing_module_error(sandbox, assignment.graded_module)
    plugin = GradingPlugin(assignment, sandbox, missing, limits)
    try:
        log = io.StringIO()
        with redirect_stdout(log), redirect_stderr(log), no_plugin_autoload():
            code = pytest.main(
                [
                    str(assignment.tests_dir),
                    "-c",
                    str(TESTS_ROOT / "pytest.ini"),
                    "--rootdir",
                    str(TESTS_ROOT),
                    "-q",
                ],
                plugins=[plugin],
            )
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            raise RuntimeError(
                f"the hidden tests of {assignment.name} did not run (pytest exit {code}):\n{log.getvalue()}"
            )
    finally:
        if sandbox is not None:
            shutil.rmtree(sandbox, ignore_errors=True)
    return results(assignment, list(plugin.records.values()), plugin, extra, time.perf_counter() - start)


NO_ISOLATION = (
    "no OS isolation is available on this machine (no bubblewrap namespaces, not root for a "
    "sandbox uid), and this is the grade of record: install bubblewrap or run as root, or pass "
    "--allow-unisolated to grade with only the in-process audit hook"
)


@contextmanager
def no_plugin_autoload() -> Iterator[None]:
    """Only the grader's plugin: pytest plugins installed around it (hypothesis takes 0.6 s) stay out."""
    old = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = old


def results(
    assignment: Assignment, records: list[TestRecord], plugin: GradingPlugin, extra: dict, seconds: float
) -> dict:
    part = plugin.part
    import_error = part.import_error if part is not None else None
    tests = [
        {
            "name": f"{assignment.name}: {r.name}",
            "score": float(r.points if r.passed else 0),
            "max_score": float(r.points),
            "status": "passed" if r.passed else "failed",
            "output": student_text.clean(r.description if r.passed else r.output, FEEDBACK_TEXT, FEEDBACK_LINE),
            "visibility": "after_published" if r.hidden else "visible",
        }
        for r in records
    ]
    score = sum(t["score"] for t in tests)
    total = sum(t["max_score"] for t in tests)
    lines = [f"{assignment.title} (assignment {assignment.number}, {assignment.name}): {score:g} / {total:g}"]
    if import_error:
        lines.append(f"Your code could not run: {student_text.clean(import_error)}")
    return {
        "score": score,
        "execution_time": round(seconds, 3),
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "assignment": assignment.name,
            "max_score": total,
            **extra,
            **({"grader_error": True} if plugin.grader_failed else {}),
        },
        "tests": tests,
    }


def refused_results(assignment: Assignment, reason: str, extra: dict, seconds: float) -> dict:
    """A submission past a cap (too many or too large modules): 0 of the assignment, and why."""
    return {
        "score": 0.0,
        "execution_time": round(seconds, 3),
        "output": f"{assignment.title} (assignment {assignment.number}, {assignment.name}): 0 / "
        f"{assignment.max_points}\nYour submission was {reason}.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"assignment": assignment.name, "max_score": float(assignment.max_points), **extra},
        "tests": [],
    }


def unknown_assignment_results(reason: str, extra: dict, seconds: float) -> dict:
    return {
        "score": 0.0,
        "execution_time": round(seconds, 3),
        "output": f"Nothing was graded: {reason}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"assignment": None, "max_score": 0.0, **extra},
        "tests": [],
    }


def grader_error_results(assignment_name: str | None, reason: str, extra: dict, start: float) -> dict:
    """Results that say the grader (not the student's code) could not grade: always regraded later."""
    assignment = ASSIGNMENTS.get(assignment_name or "")
    return {
        "score": 0.0,
        "execution_time": round(time.perf_counter() - start, 3),
        "output": f"The grader could not grade this submission: {reason}. This is not a problem with your code.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "assignment": assignment_name,
            "max_score": float(assignment.max_points) if assignment else 0.0,
            "grader_error": True,
            **extra,
        },
        "tests": [],
    }
