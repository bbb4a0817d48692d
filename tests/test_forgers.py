"""The forger catalogue (tests/submissions/forgers.py) against the hidden grader, with and without the audit hook.

Each forger is an honest base plus an attack written as if the student's code
controlled its whole sandbox process. It must earn exactly what its honest twin
(the same files without the attack) earns, test by test, whichever wall is up:
with the in-process audit hook, and with the OS wall alone. Run
`benchmarks/catalogue_tables.py` for the table of honest and observed scores.
"""

import pytest
from submissions.catalogue import grade_folders, scores_by_test
from submissions.forgers import FORGERS, build_forger, build_twin

from autograder.sandbox.runner import Limits

LIMITS = Limits(probe_seconds=2.0, import_seconds=3.0, part_seconds=20.0)
HOOKS = {"hook": True, "os-wall-only": False}


def grade_forgers(root, audit_hook: bool) -> dict[str, dict]:
    folders = {}
    for forger in FORGERS:
        folder = root / "subs" / forger.assignment
        folders[forger.assignment] = folder
        build_forger(forger, folder / forger.name, root / "forged")
        build_twin(forger, folder / f"twin-{forger.name}", root / "forged")
    results = grade_folders(folders, root / "out", Limits(**{**vars(LIMITS), "audit_hook": audit_hook}))
    results["forged-path"] = root / "forged"
    return results


@pytest.fixture(scope="module", params=sorted(HOOKS))
def graded(request, tmp_path_factory):
    return request.param, grade_forgers(tmp_path_factory.mktemp(f"forgers-{request.param}"), HOOKS[request.param])


def test_the_catalogue_has_a_forger_on_every_route_and_assignment():
    assert {f.route for f in FORGERS} == set("abcde")
    assert {f.assignment for f in FORGERS} == {"engine", "nn", "train"}
    for route in "abc":  # the routes through the sandbox's own pieces are tried on every assignment
        assert {f.assignment for f in FORGERS if f.route == route} == {"engine", "nn", "train"}
    assert any(f.base for f in FORGERS), "some forgers are partly honest: their twin earns points"


@pytest.mark.parametrize("forger", FORGERS, ids=lambda f: f.name)
def test_a_forger_earns_exactly_what_its_honest_twin_earns(graded, forger):
    wall, results = graded
    forged, twin = results[forger.name], results[f"twin-{forger.name}"]
    assert len(forged["tests"]) == len(twin["tests"]), "every test is reported"
    got, honest = scores_by_test(forged), scores_by_test(twin)
    gained = {t: (honest[t], got[t]) for t in honest if got[t] != honest[t]}
    assert not gained, f"{wall}: test (honest, forged): {gained}"
    assert forged["score"] == twin["score"]
    assert not results["forged-path"].exists(), "the sandbox wrote a file outside itself"
