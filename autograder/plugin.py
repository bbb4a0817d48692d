"""The pytest plugin that runs one grading session.

After collection it gathers what every selected test asks of the student's
code, runs it all in the sandbox on a background thread (while this process
imports torch and computes the expected answers), hands each test its
answers, and records each test's outcome and points.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import expected
from autograder.assignments import Assignment
from autograder.grading import Answers, Graded
from autograder.sandbox.runner import Limits, Outcome, PartRun, Probe, run_part


@dataclass
class TestRecord:
    """One graded test, as it goes into the results."""

    nodeid: str
    name: str
    description: str
    points: int
    hidden: bool
    passed: bool = False
    output: str = ""


class GradingPlugin:
    def __init__(self, assignment: Assignment, sandbox: Path | None, missing: str | None, limits: Limits) -> None:
        self.assignment = assignment
        self.sandbox = sandbox
        self.missing = missing  # why the student's code cannot run at all, if it cannot
        self.limits = limits
        self.records: dict[str, TestRecord] = {}
        self.asks: dict[str, list] = {}
        self.part: PartRun | None = None
        self._done = threading.Event()

    # -- collection: what to run ---------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        probes = []
        for item in items:
            declared: Graded | None = getattr(getattr(item, "function", None), "graded", None)
            if declared is None:
                raise pytest.UsageError(f"{item.nodeid} has no @graded(points, asks) declaration")
            doc = (item.function.__doc__ or "").strip()
            self.records[item.nodeid] = TestRecord(
                item.nodeid, test_title(item.name), " ".join(doc.split()), declared.points, declared.hidden
            )
            self.asks[item.nodeid] = list(declared.asks)
            for i, ask in enumerate(declared.asks):
                probes.append(Probe(f"{item.nodeid}#{i}", item.nodeid, ask.kind, ask.spec))
        total = sum(r.points for r in self.records.values())
        if total != self.assignment.max_points:
            raise pytest.UsageError(
                f"the hidden tests of {self.assignment.name} add up to {total} points, "
                f"but autograder/assignments.py declares {self.assignment.max_points}"
            )
        thread = threading.Thread(target=self._run_sandbox, args=(probes,), daemon=True)
        thread.start()
        # Meanwhile, in this process: torch and every expected answer (cached across sessions).
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
        except Exception as exc:  # a fault of the grader: every check says so, nothing is scored
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
        return [(ask, outcomes.get(f"{nodeid}#{i}", missing)) for i, ask in enumerate(self.asks[nodeid])]

    # -- reporting: what each test earned ------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.records.get(report.nodeid)
        if record is None:
            return
        if report.when == "call":
            record.passed = report.passed
        if report.failed:
            record.passed = False
            record.output = failure_text(report)


def test_title(name: str) -> str:
    """`test_mul_backward` -> `mul backward`; parametrised ids stay."""
    return name.removeprefix("test_").replace("_", " ")


def failure_text(report: pytest.TestReport) -> str:
    text = report.longreprtext.strip()
    if report.when != "call" or "Traceback" in text or "\n>" in text:
        # Not our Feedback message: an error of the grader itself. Keep its last line only.
        last = text.splitlines()[-1] if text else "unknown error"
        return f"the grader could not judge this answer ({last}); please tell your instructor"
    return text
