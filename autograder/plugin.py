"""The pytest plugin that runs one grading session.

After collection it draws every selected test's inputs from a seed derived
from the fingerprint of the submitted files (a regrade of the same files gets
the same inputs, other files get others), runs them all in the sandbox on a
background thread, visible tests first and hidden ones last (while this process
imports torch and computes the expected answers), hands each test its answers,
and records each test's outcome and points.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import expected
from autograder.assignments import Assignment
from autograder.checks import Answers, Ask, Graded
from autograder.fingerprint import fingerprint, seed_of, submitted_modules
from autograder.sandbox.runner import Limits, Outcome, PartRun, Probe, run_part


@dataclass
class TestRecord:
    """One graded test, as it goes into the results."""

    nodeid: str
    name: str
    description: str
    points: int
    hidden: bool
    given: bool = False  # a check of code the course gives: 0 points
    passed: bool = False
    output: str = ""


class GradingPlugin:
    def __init__(self, assignment: Assignment, sandbox: Path | None, missing: str | None, limits: Limits) -> None:
        self.assignment = assignment
        self.sandbox = sandbox
        self.missing = missing  # why the student's code cannot run at all, if it cannot
        self.limits = limits
        self.records: dict[str, TestRecord] = {}
        self.asks: dict[str, list[Ask]] = {}
        self.part: PartRun | None = None
        self.ran_student_code = False  # whole-part errors are then the sandbox's text, not the grader's
        self.grader_failed = False  # the sandbox could not be run at all: a grader error, regraded later
        self._done = threading.Event()

    # -- collection: what to run ---------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        files = submitted_modules(self.sandbox) if self.sandbox is not None else {}
        submission = fingerprint(files)
        visible, hidden = [], []
        for item in items:
            declared: Graded | None = getattr(getattr(item, "function", None), "graded", None)
            if declared is None:
                raise pytest.UsageError(f"{item.nodeid} has no @graded(points, asks) declaration")
            doc = (item.function.__doc__ or "").strip()
            self.records[item.nodeid] = TestRecord(
                item.nodeid,
                test_title(item.name),
                " ".join(doc.split()),
                declared.points,
                declared.hidden,
                declared.given,
            )
            rng = random.Random(seed_of(submission, f"{self.assignment.name}/{item.name}"))
            self.asks[item.nodeid] = list(declared.asks(rng))
            for i, ask in enumerate(self.asks[item.nodeid]):
                probe = Probe(f"{item.nodeid}#{i}", item.nodeid, ask.kind, ask.spec)
                (hidden if declared.hidden else visible).append(probe)
        total = sum(r.points for r in self.records.values())
        if total != self.assignment.max_points:
            raise pytest.UsageError(
                f"the hidden tests of {self.assignment.name} add up to {total} points, "
                f"but autograder/assignments.py declares {self.assignment.max_points}"
            )
        # The child runs probes one at a time in this order: a hidden test's inputs reach it last.
        thread = threading.Thread(target=self._run_sandbox, args=(visible + hidden,), daemon=True)
        thread.start()
        # Meanwhile, in this process: torch and the expected answers of the expression tests.
        for asks in self.asks.values():
            for ask in asks:
                if ask.kind == "expr":
                    expected.evaluate(ask.program)

    def _run_sandbox(self, probes: list[Probe]) -> None:
        try:
            if self.missing is not None:
                self.part = PartRun(import_error=self.missing)
                for p in probes:
                    self.part.outcomes[p.id] = Outcome(False, error=self.missing, whole_part=True)
            else:
                modules = [*self.assignment.reference_modules, self.assignment.graded_module]
                self.part = run_part(self.sandbox, modules, probes, self.limits)
                self.ran_student_code = True
        except Exception as exc:  # a fault of the grader: every check says so, nothing is scored
            self.grader_failed = True
            error = f"the grader failed to run this submission ({type(exc).__name__}: {exc}); tell your instructor"
            self.part = PartRun(import_error=error)
            for p in probes:
                self.part.outcomes[p.id] = Outcome(False, error=error, whole_part=True)
        finally:
            self._done.set()

    # -- running: what each test gets -----------------------------------------

    @pytest.fixture
    def answers(self, request: pytest.FixtureRequest) -> Answers:
        """The sandbox's answers to this test's asks, in order."""
        self._done.wait()
        nodeid = request.node.nodeid
        outcomes = self.part.outcomes if self.part else {}
        missing = Outcome(False, error="not run")
        given = [outcomes.get(f"{nodeid}#{i}", missing) for i in range(len(self.asks[nodeid]))]
        if self.records[nodeid].hidden and self.ran_student_code:
            # Sandbox text about the whole part (an import error) may quote anything: a hidden test's
            # output, shown after publication, says where to look instead of copying it.
            given = [Outcome(False, error=NOT_IMPORTED, whole_part=True) if o.whole_part else o for o in given]
        return list(zip(self.asks[nodeid], given, strict=True))

    # -- reporting: what each test earned ------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
        report = yield
        record = self.records.get(item.nodeid)
        if record is not None and report.failed:
            # Feedback is what `Feedback.finish()` raises (pytest.fail); any other exception is the grader's.
            feedback = call.excinfo is not None and call.excinfo.type is pytest.fail.Exception and call.when == "call"
            record.output = report.longreprtext.strip() if feedback else grader_error(report)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.records.get(report.nodeid)
        if record is None:
            return
        if report.when == "call":
            record.passed = report.passed
        if report.failed:
            record.passed = False


NOT_IMPORTED = "not graded: your code could not be imported (see the summary)"


def test_title(name: str) -> str:
    """`test_mul_backward` -> `mul backward`; parametrised ids stay."""
    return name.removeprefix("test_").replace("_", " ")


def grader_error(report: pytest.TestReport) -> str:
    """An error of the grader itself, not feedback: its last line only, and who to tell."""
    text = report.longreprtext.strip()
    last = text.splitlines()[-1] if text else "unknown error"
    return f"the grader could not judge this answer ({last}); please tell your instructor"
