"""Detection must not depend on the draw (issue 16): every buggy submission, under 20 fingerprints.

Inputs are drawn from each submission's fingerprint, so the same code with a
different comment is graded on other inputs. Every buggy submission of the
catalogue is graded under FINGERPRINTS fingerprints (a comment line that
differs), batched by `grade-all`; under every one it must lose points, only in
its own unit, fail the tests it `breaks`, and never be told another mistake's
diagnosis (`misdiagnoses`); the reference must get full marks under every one.
"""

import shutil

import pytest
from submissions.catalogue import BUGGY, Submission, build, grade_folders

from autograder.assignments import ASSIGNMENTS
from autograder.points import hidden_tests
from autograder.sandbox.runner import Limits

FINGERPRINTS = 20
pytestmark = pytest.mark.sweep  # ~1000 gradings: CI runs it; `-m "not sweep"` skips it locally
LIMITS = Limits(probe_seconds=2.0, import_seconds=3.0, part_seconds=20.0)
REFERENCES = [Submission(f"reference_{a}", a) for a in sorted(ASSIGNMENTS)]


def draw_name(sub: Submission, i: int) -> str:
    return f"{sub.name}--draw-{i:02d}"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Every buggy submission and each reference, FINGERPRINTS times, a comment apart: folder name -> results."""
    root = tmp_path_factory.mktemp("draws")
    folders = {}
    for sub in [*BUGGY, *REFERENCES]:
        base = root / "base" / sub.name
        build(sub, base, root / "forged")
        folders[sub.assignment] = root / "subs" / sub.assignment
        for i in range(FINGERPRINTS):
            copy = folders[sub.assignment] / draw_name(sub, i)
            shutil.copytree(base, copy)
            with (copy / "micrograd" / f"{sub.assignment}.py").open("a") as f:
                f.write(f"# the same code, another draw: {i}\n")
    return grade_folders(folders, root / "out", LIMITS)


def short(test: str) -> str:
    return test.removeprefix("test_")


def points(assignment: str) -> dict[str, float]:
    return {short(e["test"].split("::")[1]): e["points"] for e in hidden_tests(assignment)}


def verdict(sub: Submission, results: dict) -> str:
    """'' when this draw catches the bug as it must be caught, else what went wrong."""
    lost = {t["name"].split(": ", 1)[1].replace(" ", "_") for t in results["tests"] if t["status"] != "passed"}
    worth = points(sub.assignment)
    allowed = {short(t) for t in (*sub.own, *sub.also)} | {t for t, p in worth.items() if p == 0}
    problems = []
    if results["score"] >= ASSIGNMENTS[sub.assignment].max_points:
        problems.append("full marks")
    if missing := {short(t) for t in sub.breaks} - lost:
        problems.append(f"passed {sorted(missing)}")
    if outside := lost - allowed:
        problems.append(f"lost points outside its unit: {sorted(outside)}")
    for t in results["tests"]:
        if "the grader could not judge" in t["output"]:
            problems.append(f"{t['name']}: could not judge")
        for text in sub.misdiagnoses:
            if text in t["output"]:
                problems.append(f"{t['name']}: told {text!r}")
    return "; ".join(problems)


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_the_reference_gets_full_marks_under_every_fingerprint(sweep, assignment):
    sub = next(r for r in REFERENCES if r.assignment == assignment)
    runs = [sweep[draw_name(sub, i)] for i in range(FINGERPRINTS)]
    assert len({r["extra_data"]["fingerprint"] for r in runs}) == FINGERPRINTS, "each copy is another draw"
    short_of = {i: r["score"] for i, r in enumerate(runs) if r["score"] != ASSIGNMENTS[assignment].max_points}
    assert not short_of, f"draws without full marks: {short_of}"


@pytest.mark.parametrize("sub", BUGGY, ids=lambda s: s.name)
def test_a_buggy_submission_is_caught_under_every_fingerprint(sweep, sub):
    missed = {i: v for i in range(FINGERPRINTS) if (v := verdict(sub, sweep[draw_name(sub, i)]))}
    print(f"\n{sub.name}: caught {FINGERPRINTS - len(missed)}/{FINGERPRINTS}")
    assert not missed, missed
