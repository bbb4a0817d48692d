"""The hidden grader against our catalogue of correct, buggy and hostile submissions.

All of them are graded once per session by the batch grader (`grade_all`, warm
workers, a fresh sandbox per submission); each test below then checks one
submission's results. Shorter time limits than production keep the hanging
ones quick; the behaviour is the same.
"""

import json
import shutil

import pytest
from submissions.catalogue import (
    BUGGY,
    CORRECT,
    FINITE_DIFFERENCES,
    FINITE_DIFFERENCES_EARNS,
    GIVEN_BUGS,
    HOSTILE,
    TWINS,
    Submission,
    build,
    points_lost,
)

from autograder.assignments import ASSIGNMENTS
from autograder.batch import grade_all
from autograder.plugin import NOT_IMPORTED
from autograder.points import hidden_tests
from autograder.sandbox.runner import Limits
from coursekit.course import ASSIGNMENTS_DIR
from coursekit.site import grading_page
from coursekit.validate import solution_lines

LIMITS = Limits(probe_seconds=2.0, import_seconds=3.0, part_seconds=20.0)
REPEATS = 5  # the same submissions graded again: the results must not change


def catalog_names(assignment):
    return [e["test"].split("::")[1] for e in hidden_tests(assignment)]


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """Every catalogue submission, the references, the stubs and the repeats, graded: name -> results."""
    root = tmp_path_factory.mktemp("catalogue")
    forged = root / "forged-results.json"
    results = {}
    for assignment in ASSIGNMENTS:
        subs = root / "submissions" / assignment
        subs.mkdir(parents=True)
        for sub in [*BUGGY, *GIVEN_BUGS, FINITE_DIFFERENCES, *CORRECT, *HOSTILE, *TWINS]:
            if sub.assignment == assignment:
                build(sub, subs / sub.name, forged)
        build(Submission("reference", assignment), subs / "reference", forged)
        shutil.copytree(ASSIGNMENTS_DIR / assignment, subs / "stub")
        shutil.copytree(subs / "stub", subs / "stub-with-a-comment")
        with (subs / "stub-with-a-comment" / "micrograd" / f"{assignment}.py").open("a") as f:
            f.write("# the same code in other files: other inputs\n")
        for i in range(REPEATS):
            shutil.copytree(subs / "reference", subs / f"repeat-reference-{i}")
            shutil.copytree(subs / "stub", subs / f"repeat-stub-{i}")
        out = root / "out" / assignment
        grade_all(subs, out, assignment=assignment, jobs=2, limits=LIMITS, progress=False)
        for path in sorted((out / "results").glob("*.json")):
            results[(assignment, path.stem)] = json.loads(path.read_text())
    results["forged-path"] = forged
    return results


def failing(results):
    return {t["name"].split(": ", 1)[1].replace(" ", "_") for t in results["tests"] if t["status"] != "passed"}


def short(name):
    return name.removeprefix("test_")


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_the_reference_scores_full_marks(graded, assignment):
    r = graded[(assignment, "reference")]
    assert r["score"] == ASSIGNMENTS[assignment].max_points, [t["output"] for t in r["tests"] if t["score"] == 0]


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_every_released_stub_scores_zero(graded, assignment):
    r = graded[(assignment, "stub")]
    assert r["score"] == 0
    assert len(r["tests"]) == len(catalog_names(assignment))
    assert all("still a stub" in t["output"] for t in r["tests"])


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_the_same_submission_graded_five_times_gives_identical_results(graded, assignment):
    for name in ("reference", "stub"):
        first = graded[(assignment, name)]
        for i in range(REPEATS):
            again = graded[(assignment, f"repeat-{name}-{i}")]
            assert again["tests"] == first["tests"]
            assert again["score"] == first["score"]


def test_the_catalogue_is_large_enough():
    assert len(BUGGY) >= 30
    assert len(HOSTILE) >= 10


def zero_point_tests(assignment):
    return {e["test"].split("::")[1].removeprefix("test_") for e in hidden_tests(assignment) if e["points"] == 0}


@pytest.mark.parametrize("sub", BUGGY + TWINS, ids=lambda s: s.name)
def test_a_buggy_submission_loses_points_exactly_where_it_is_wrong(graded, sub):
    r = graded[(sub.assignment, sub.name)]
    failed = failing(r)
    expected = {short(t) for t in sub.breaks}
    allowed = expected | {short(t) for t in (*sub.own, *sub.also)} | zero_point_tests(sub.assignment)
    assert expected <= failed, f"should fail {sorted(expected - failed)}"
    assert failed <= allowed, f"also failed, unexpectedly: {sorted(failed - allowed)}"
    assert not sub.also or sub.reason, "a bug that may cost points outside its unit says why"
    assert r["score"] < ASSIGNMENTS[sub.assignment].max_points
    for t in r["tests"]:
        if t["status"] != "passed":  # feedback that names what went wrong, never a grader error
            assert t["output"] and "the grader could not judge" not in t["output"], t["output"]
    if sub.feedback:
        outputs = [t["output"] for t in r["tests"] if t["status"] != "passed"]
        assert any(sub.feedback in o for o in outputs), outputs


def test_points_lost_outside_the_broken_unit_stay_under_a_tenth(graded):
    """Per single-bug submission: points lost in its own unit's tests and elsewhere (run with -s for the table)."""
    rows, total_own, total_elsewhere = [], 0.0, 0.0
    for sub in BUGGY:
        own, elsewhere = points_lost(graded[(sub.assignment, sub.name)], {short(t) for t in sub.own})
        total_own += own
        total_elsewhere += elsewhere
        rows.append(f"| {sub.assignment} | {sub.name} | {own:g} | {elsewhere:g} | {sub.reason} |")
        assert own + elsewhere > 0, f"{sub.name} loses no points"
        assert not elsewhere or sub.reason, f"{sub.name} loses {elsewhere:g} points outside its unit, with no reason"
    share = total_elsewhere / (total_own + total_elsewhere)
    print("\n| assignment | submission | lost in its unit | lost elsewhere | why elsewhere |\n|---|---|---:|---:|---|")
    print("\n".join(rows))
    print(f"| all | {len(BUGGY)} submissions | {total_own:g} | {total_elsewhere:g} | {share:.1%} elsewhere |")
    assert share < 0.10


@pytest.mark.parametrize("sub", GIVEN_BUGS, ids=lambda s: s.name)
def test_a_bug_in_given_code_is_checked_not_graded(graded, sub):
    r = graded[(sub.assignment, sub.name)]
    assert {short(t) for t in sub.breaks} <= failing(r)
    assert r["score"] == ASSIGNMENTS[sub.assignment].max_points
    if sub.feedback:
        assert any(sub.feedback in t["output"] for t in r["tests"] if t["status"] != "passed")


def test_a_finite_difference_backward_earns_only_the_topological_sort(graded):
    r = graded[("engine", FINITE_DIFFERENCES.name)]
    earns = {short(t) for t in FINITE_DIFFERENCES_EARNS}
    scored = {t["name"].split(": ", 1)[1].replace(" ", "_") for t in r["tests"] if t["score"] > 0}
    print(f"\nfinite-difference engine: {r['score']:g} / {ASSIGNMENTS['engine'].max_points}")
    assert scored == earns
    assert r["score"] == sum(
        e["points"] for e in hidden_tests("engine") if e["test"].split("::")[1] in FINITE_DIFFERENCES_EARNS
    )


@pytest.mark.parametrize("sub", CORRECT, ids=lambda s: s.name)
def test_a_correct_variant_scores_full_marks(graded, sub):
    r = graded[(sub.assignment, sub.name)]
    assert r["score"] == ASSIGNMENTS[sub.assignment].max_points, [t["output"] for t in r["tests"] if t["score"] == 0]


@pytest.mark.parametrize("sub", HOSTILE, ids=lambda s: s.name)
def test_a_hostile_submission_earns_nothing_it_did_not_earn_honestly(graded, sub):
    r = graded[(sub.assignment, sub.name)]
    assert len(r["tests"]) == len(catalog_names(sub.assignment)), "every test is reported, even for a broken submission"
    if sub.expect == "nothing":
        assert r["score"] == 0
    else:
        twin = graded[(sub.assignment, sub.honest)]
        assert r["score"] == twin["score"]
        assert failing(r) == failing(twin)
    if sub.feedback:
        assert any(sub.feedback in t["output"] for t in r["tests"]) or sub.feedback in r["output"], r["output"]
    assert not graded["forged-path"].exists(), "the sandbox wrote a file outside itself"


def test_no_feedback_contains_reference_code(graded):
    # Submissions built on the reference show their own (reference) lines in tracebacks: only
    # those built without a solution line can tell a leak from the grader.
    secret = {line for line in solution_lines() if len(line) > 12}
    clean = [("engine", s.name) for s in HOSTILE if s.base == "stub"] + [(a, "stub") for a in ASSIGNMENTS]
    assert ("engine", "reads_the_reference_into_its_feedback") in clean
    for key in clean:
        text = json.dumps(graded[key])
        leaked = [line for line in secret if line in text]
        assert not leaked, f"{key}: {leaked[:3]}"


@pytest.mark.parametrize("assignment", ["engine", "train"])  # their stubs' feedback quotes the inputs
def test_other_files_are_graded_on_other_inputs(graded, assignment):
    stub, other = graded[(assignment, "stub")], graded[(assignment, "stub-with-a-comment")]
    assert stub["score"] == other["score"] == 0
    differ = [a["name"] for a, b in zip(stub["tests"], other["tests"], strict=True) if a["output"] != b["output"]]
    # Every engine test's feedback quotes its inputs; in train, all but the end-to-end run (it quotes no weights).
    quoting = [t["name"] for t in stub["tests"] if assignment == "engine" or "lowers the loss" not in t["name"]]
    assert differ == quoting, "every test draws its inputs from the fingerprint of the files"


def test_a_hidden_test_does_not_copy_the_sandbox_text_of_an_import_error(graded):
    r = graded[("engine", "syntax_error")]
    assert "SyntaxError" in r["output"]  # the summary says what happened
    hidden = [t for t in r["tests"] if t["visibility"] == "after_published"]
    assert hidden and all(t["output"] == NOT_IMPORTED for t in hidden)
    assert all("SyntaxError" in t["output"] for t in r["tests"] if t["visibility"] == "visible")


def test_the_grading_page_says_which_checks_are_of_given_code():
    page = grading_page()
    given = [e for a in ASSIGNMENTS for e in hidden_tests(a) if e["given"]]
    assert given and all(e["points"] == 0 for e in given)
    assert page.count("checked, not graded: this code is given") == len(given)
