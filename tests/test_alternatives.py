"""Correct submissions written differently from the reference (tests/submissions/alternatives.py).

Each must get full marks with every check passed (the 0-point checks of given
code included) and no diagnosis anywhere in its feedback; so must the correct
variants of the older catalogue (`CORRECT`). A failure names the assumption
the grader makes beyond the student contract.
"""

import pytest
from submissions.alternatives import ALTERNATIVES
from submissions.catalogue import CORRECT, build, diagnoses_in, grade_folders

from autograder.assignments import ASSIGNMENTS
from autograder.sandbox.runner import Limits

LIMITS = Limits(probe_seconds=2.0, import_seconds=3.0, part_seconds=20.0)
EVERY_CORRECT = ALTERNATIVES + CORRECT


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("alternatives")
    folders = {}
    for sub in EVERY_CORRECT:
        folders[sub.assignment] = root / "subs" / sub.assignment
        build(sub, folders[sub.assignment] / sub.name, root / "forged")
    return grade_folders(folders, root / "out", LIMITS)


def test_there_are_at_least_fifteen_alternatives_over_every_assignment():
    assert len(ALTERNATIVES) >= 15
    assert {s.assignment for s in ALTERNATIVES} == set(ASSIGNMENTS)
    assert len({s.name for s in EVERY_CORRECT}) == len(EVERY_CORRECT)


@pytest.mark.parametrize("sub", ALTERNATIVES, ids=lambda s: s.name)
def test_a_correct_alternative_gets_full_marks_and_passes_every_check(graded, sub):
    r = graded[sub.name]
    failed = {t["name"]: t["output"] for t in r["tests"] if t["status"] != "passed"}
    assert not failed, failed
    assert r["score"] == ASSIGNMENTS[sub.assignment].max_points


@pytest.mark.parametrize("sub", EVERY_CORRECT, ids=lambda s: s.name)
def test_no_correct_submission_ever_gets_a_diagnosis(graded, sub):
    assert diagnoses_in(graded[sub.name]) == []
