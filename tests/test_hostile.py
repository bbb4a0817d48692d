"""Hostile submissions graded by `grade-all` beside and before honest students (tests/submissions/hostile.py).

Two batches, each with a planted secret in the grader's environment:
- *beside*: every attack, then honest students, two workers at once (honest
  students are graded beside an attacker and after it);
- *after, OS wall only*: the same attacks with the in-process audit hook
  switched off, one worker, each attacker followed by an honest student.
In both, every honest student must get exactly the results they get when
graded alone; every attacker exactly what its honest base earns (with the
hook; at most that without it); nothing may be written outside a sandbox, no
process of a sandbox may be left, and no secret may reach any results, also
5 seconds after the grader has finished.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from submissions.hostile import ATTACKS, TANH_BACKWARD, build_attack, write_engine

from autograder.batch import grade_all
from autograder.sandbox import isolation
from autograder.sandbox.runner import Limits
from coursekit.course import ASSIGNMENTS_DIR, ROOT, SOLUTION_PACKAGE

SECRET_NAME = "MICROGRAD_GRADER_SECRET"
SECRET = f"secret-{uuid.uuid4().hex}"
LIMITS = Limits(probe_seconds=2.0, import_seconds=4.0, part_seconds=25.0)
OS_WALL_ONLY = Limits(probe_seconds=2.0, import_seconds=4.0, part_seconds=25.0, audit_hook=False)


def honest(name, folder):
    """The honest submissions: the reference, the stub, and the reference whose tanh backward raises."""
    if name == "reference":
        write_engine(folder, (SOLUTION_PACKAGE / "engine.py").read_text())
    elif name == "stub":
        shutil.copytree(ASSIGNMENTS_DIR / "engine", folder)
    else:
        write_engine(folder, (SOLUTION_PACKAGE / "engine.py").read_text().replace(TANH_BACKWARD, RAISES))


RAISES = "            raise ValueError('no')\n"
HONEST = ("reference", "stub", "tanh_raises")


def base_of(attack):
    return "tanh_raises" if attack.in_backward else attack.base


def comparable(results):
    return [{k: v for k, v in t.items()} for t in results["tests"]], results["score"]


def leftover_processes():
    return [pid for slot in range(isolation.UID_SLOTS) for pid in isolation.processes_of(isolation.UID_BASE + slot)]


@pytest.fixture(scope="module")
def secret_in_environment():
    os.environ[SECRET_NAME] = SECRET  # the workers are spawned with it, as a grader's tokens would be
    yield
    del os.environ[SECRET_NAME]


def grade_folder(folder, out, limits, jobs):
    grade_all(folder, out, assignment="engine", jobs=jobs, limits=limits, progress=False)
    return {p.stem: json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))}


@pytest.fixture(scope="module")
def alone(tmp_path_factory, secret_in_environment):
    root = tmp_path_factory.mktemp("alone")
    for name in HONEST:
        honest(name, root / "subs" / name)
    return grade_folder(root / "subs", root / "out", LIMITS, 2)


def run_scenario(root, limits, jobs, order):
    """Grade attackers and honest students in `order` (names sort in grading order); wait 5 s; look around."""
    forged = root / "forged"
    temp = root / "tmp"  # where this run's workers make their sandboxes (TMPDIR), so that none is missed
    temp.mkdir(mode=0o755)
    for i, (kind, name) in enumerate(order):
        folder = root / "subs" / f"{i:02d}-{kind}-{name}"
        if kind == "attack":
            build_attack(next(a for a in ATTACKS if a.name == name), folder, forged, SECRET_NAME, ROOT, temp)
        else:
            honest(name, folder)
    old_tmpdir = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(temp)
    try:
        results = grade_folder(root / "subs", root / "out", limits, jobs)
    finally:
        if old_tmpdir is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = old_tmpdir
    time.sleep(5)  # anything left behind would act now
    return {
        "results": results,
        "forged": forged.exists(),
        "processes": leftover_processes(),
        "sandboxes_left": set(temp.iterdir()),
        "files": {p: p.read_bytes() for p in sorted((root / "out" / "results").glob("*.json"))},
    }


@pytest.fixture(scope="module")
def beside(tmp_path_factory, secret_in_environment):
    order = [("attack", a.name) for a in ATTACKS] + [("honest", h) for h in HONEST * 2]
    return run_scenario(tmp_path_factory.mktemp("beside"), LIMITS, 2, order)


@pytest.fixture(scope="module")
def after(tmp_path_factory, secret_in_environment):
    order = [step for a in ATTACKS for step in (("attack", a.name), ("honest", HONEST[len(a.name) % 3]))]
    return run_scenario(tmp_path_factory.mktemp("after"), OS_WALL_ONLY, 1, order)


SCENARIOS = ["beside", "after"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_honest_students_beside_and_after_attackers_get_exactly_their_honest_results(request, alone, scenario):
    run = request.getfixturevalue(scenario)
    for key, results in run["results"].items():
        _, kind, name = key.split("-", 2)
        if kind == "honest":
            assert comparable(results) == comparable(alone[name]), key


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_attacker_earns_what_its_honest_base_earns(request, alone, scenario):
    run = request.getfixturevalue(scenario)
    for key, results in run["results"].items():
        _, kind, name = key.split("-", 2)
        if kind != "attack":
            continue
        attack = next(a for a in ATTACKS if a.name == name)
        honest_score = alone[base_of(attack)]["score"]
        assert results["extra_data"]["isolation"] == isolation.current().level, key
        assert not results["extra_data"].get("grader_error"), (key, results["output"])
        if scenario == "beside":
            assert results["score"] == honest_score, (key, results["output"])
        else:  # without the second wall an attack may break its own code, never gain
            assert results["score"] <= honest_score, (key, results["output"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_nothing_outlives_a_sandbox_and_nothing_is_written_outside_one(request, scenario):
    run = request.getfixturevalue(scenario)
    assert not run["forged"], "a sandbox wrote outside itself"
    assert run["processes"] == [], "processes of a sandbox uid are still running"
    assert run["sandboxes_left"] == set()
    for path, data in run["files"].items():
        assert path.read_bytes() == data, f"{path} changed after the grader finished"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_secret_hidden_test_or_reference_reaches_any_results(request, scenario):
    run = request.getfixturevalue(scenario)
    hidden = (ROOT / "autograder" / "tests" / "engine").glob("test_*.py")
    distinctive = [line.strip() for p in hidden for line in p.read_text().splitlines() if len(line.strip()) > 40]
    reference_nn = [
        line.strip()
        for line in (ROOT / "autograder" / "reference" / "micrograd" / "nn.py").read_text().splitlines()
        if len(line.strip()) > 40
    ]
    for key, results in run["results"].items():
        text = json.dumps(results)
        assert SECRET not in text, key
        assert not [line for line in distinctive + reference_nn if json.dumps(line)[1:-1] in text], key


def test_sandbox_error_text_is_capped_and_never_copied_into_hidden_tests(beside):
    key = next(k for k in beside["results"] if k.endswith("leaks_everything_through_its_import_error"))
    results = beside["results"][key]
    assert "LEAK" in results["output"] and len(results["output"]) < 1000
    for t in results["tests"]:
        if t["visibility"] != "visible":
            assert "LEAK" not in t["output"], t["name"]


def test_a_late_rewrite_of_the_results_file_does_not_happen(tmp_path):
    attack = next(a for a in ATTACKS if a.name == "new_session_survivor_rewrites_results")
    results = tmp_path / "results.json"
    build_attack(attack, tmp_path / "sub", results, SECRET_NAME, ROOT, Path("/tmp"))  # it targets the results
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(tmp_path / "sub"), "--results", str(results), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    written = results.read_bytes()
    time.sleep(5)
    assert results.read_bytes() == written
    assert json.loads(written)["extra_data"]["isolation"] == isolation.current().level
