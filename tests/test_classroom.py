"""GitHub Classroom delivery: the template repositories, the grader repository, and their workflow run.

The workflow of every template must be valid for GitHub (JSON schema and
actionlint), and running it with act, on this machine, with stand-ins for the
actions it uses (tests/classroom_actions/), must hand Classroom's reporter the
points our grader gives: full marks for the reference, 0 for the stub, the
grader's own partial score for an engine whose `backward()` forgets `reversed`.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from autograder.assignments import ASSIGNMENTS
from autograder.classroom import WITHHELD, classroom_result, encode, job_summary
from autograder.grade import grade
from coursekit.bundles import (
    CHECKOUT,
    GRADE_STEP,
    REPORTER,
    SETUP_PYTHON,
    WORKFLOW_PATH,
    classroom_workflow,
    solution_leaks,
    tree_bytes,
    write_bundles,
)
from coursekit.course import ASSIGNMENTS_DIR, AUTOGRADER_DIR, SOLUTION_PACKAGE, STUDENT_REPOS
from coursekit.validate import leaks

BIN = Path(sys.executable).parent
STAND_INS = Path(__file__).parent / "classroom_actions"
GRADER_REPOSITORY = "course/micrograd-grader"
TOKEN = "fake-grader-token"


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    out = tmp_path_factory.mktemp("delivery")
    write_bundles(out)
    return out


def workflow_files(delivery):
    return [delivery / "classroom" / name / WORKFLOW_PATH for name in sorted(ASSIGNMENTS)]


# -- the converter: our results -> the reporter's version-1 result --------------------------


def results_of(*tests, max_score=None):
    tests = [
        {"name": n, "score": float(s), "max_score": float(m), "status": "passed" if s == m else "failed", **extra}
        for n, s, m, extra in tests
    ]
    total = sum(t["max_score"] for t in tests)
    return {
        "score": sum(t["score"] for t in tests),
        "output": "The autograd engine (assignment 1, engine)",
        "extra_data": {"assignment": "engine", "max_score": total if max_score is None else max_score},
        "tests": tests,
    }


def test_classroom_result_keeps_each_tests_own_score_and_fails_below_the_maximum():
    results = results_of(
        ("engine: add", 3, 3, {"output": "`a + b`: the sum", "visibility": "visible"}),
        ("engine: mul", 0, 2, {"output": "a.grad should be 2.0, got 1.0", "visibility": "visible"}),
    )
    result = json.loads(base64.b64decode(encode(classroom_result(results))))
    assert result["version"] == 1 and result["status"] == "fail" and result["max_score"] == 5
    assert [(t["name"], t["status"], t["score"]) for t in result["tests"]] == [
        ("engine: add", "pass", 3),
        ("engine: mul", "fail", 0),
    ]
    assert result["tests"][1]["message"] == "a.grad should be 2.0, got 1.0"
    assert set(result["tests"][0]) == {
        "name",
        "status",
        "score",
        "message",
        "test_code",
        "filename",
        "line_no",
        "duration",
    }


def test_classroom_result_passes_at_full_marks_and_errors_when_nothing_was_graded():
    assert classroom_result(results_of(("engine: add", 3, 3, {"output": ""})))["status"] == "pass"
    nothing = {"score": 0.0, "output": "Nothing was graded", "extra_data": {"max_score": 0.0}, "tests": []}
    assert classroom_result(nothing)["status"] == "error"


def test_failed_feedback_of_tests_shown_after_publication_is_withheld():
    results = results_of(
        ("engine: chain", 0, 3, {"output": "x.grad should be 0.415, got 0.819", "visibility": "after_published"})
    )
    assert classroom_result(results)["tests"][0]["message"] == WITHHELD
    summary = job_summary(results)
    assert WITHHELD in summary and "0.819" not in summary


def test_job_summary_gives_the_total_every_score_and_why_each_failure_failed():
    results = results_of(
        ("engine: add", 3, 3, {"output": "`a + b`: the sum", "visibility": "visible"}),
        ("engine: mul", 0, 2, {"output": "with ```fences``` inside: got 1.0", "visibility": "visible"}),
    )
    summary = job_summary(results)
    assert "## Autograding: 3 / 5 points" in summary
    assert "| ✅ | engine: add | 3 / 3 |" in summary and "| ❌ | engine: mul | 0 / 2 |" in summary
    assert "````text\nwith ```fences``` inside: got 1.0\n````" in summary  # a longer fence than the text's


# -- the generated workflows ----------------------------------------------------------------


def test_every_workflow_passes_the_github_workflow_schema(delivery):
    proc = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflow_files(delivery)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_workflow_passes_actionlint(delivery):
    # actionlint knows each action's inputs by version, and flags versions on retired runtimes.
    proc = subprocess.run([BIN / "actionlint", *workflow_files(delivery)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_workflow_is_shaped_as_classroom_generates_it(name):
    wf = yaml.safe_load(classroom_workflow(ASSIGNMENTS[name]))
    assert wf["name"] == "Autograding Tests"
    assert set(wf[True]) == {"push", "repository_dispatch", "workflow_dispatch"}  # YAML reads `on` as true
    assert wf["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    job = wf["jobs"]["run-autograding-tests"]
    assert job["runs-on"] == "ubuntu-latest" and job["if"] == "github.actor != 'github-classroom[bot]'"
    steps = {s.get("id") or s["name"]: s for s in job["steps"]}
    assert [s.get("uses") for s in job["steps"] if "uses" in s] == [CHECKOUT, CHECKOUT, SETUP_PYTHON, REPORTER]
    grader = steps["Check out the grader"]["with"]
    assert grader["token"] == "${{ secrets.GRADER_TOKEN }}" and grader["repository"] == "${{ env.GRADER_REPOSITORY }}"
    assert grader["ref"] == name  # the branch holding this assignment's grader only
    assert steps["Set up Python"]["with"] == {
        "python-version": "3.11",
        "cache": "pip",
        "cache-dependency-path": "grader/requirements.txt",
    }
    assert f"--assignment {name} " in steps[GRADE_STEP]["run"]
    reporter = steps["Autograding Reporter"]
    assert reporter["with"] == {"runners": GRADE_STEP}
    assert reporter["env"] == {f"{GRADE_STEP.upper()}_RESULTS": f"${{{{ steps.{GRADE_STEP}.outputs.result }}}}"}


# -- what goes into the template and grader repositories ------------------------------------


@pytest.mark.parametrize("repo", STUDENT_REPOS, ids=lambda r: r.name)
def test_template_is_the_student_repository_plus_the_workflow(delivery, repo):
    template = tree_bytes(delivery / "classroom" / repo.name)
    expected = tree_bytes(ASSIGNMENTS_DIR / repo.name)
    assert set(template) == set(expected) | {WORKFLOW_PATH}
    assert all(template[path] == data for path, data in expected.items())


@pytest.mark.parametrize("repo", STUDENT_REPOS, ids=lambda r: r.name)
def test_no_solution_and_no_hidden_test_reaches_a_template(delivery, repo):
    root = delivery / "classroom" / repo.name
    notebooks = tuple(f"notebooks/{p.name}" for p in sorted((root / "notebooks").glob("*.ipynb")))
    stubs = tuple(f"micrograd/{m}.py" for m in repo.stubbed_modules)
    assert leaks(root, ("README.md", WORKFLOW_PATH, *stubs, *notebooks)) == []
    hidden = {p.read_bytes() for p in (AUTOGRADER_DIR / "tests").rglob("*.py")}
    assert not hidden & set(tree_bytes(root).values())
    assert not any(path.startswith("autograder") for path in tree_bytes(root))


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_each_grader_branch_holds_only_its_tests_and_the_earlier_reference_modules(delivery, name):
    # Students can read what their workflow checks out: the branch of an open
    # assignment must hold no solution of it, only of the assignments before it.
    files = tree_bytes(delivery / "grader" / name)
    reference = {p for p in files if p.startswith("autograder/reference/micrograd/") and not p.endswith("__init__.py")}
    needed = ASSIGNMENTS[name].reference_modules
    assert reference == {f"autograder/reference/micrograd/{m}.py" for m in needed}
    for m in needed:
        assert files[f"autograder/reference/micrograd/{m}.py"] == (SOLUTION_PACKAGE / f"{m}.py").read_bytes()
    assert solution_leaks(files, reference) == []
    assert {p.split("/")[0] for p in files} == {"autograder", "README.md", "requirements.txt", ".gitignore"}
    tests = {p.split("/")[2] for p in files if p.startswith("autograder/tests/") and p.count("/") > 2}
    assert tests == {name}


def test_leak_check_of_bundles_finds_a_solution_module_a_line_of_one_and_a_marker():
    planted = {
        "autograder/copy.py": (SOLUTION_PACKAGE / "train.py").read_bytes(),
        "autograder/line.py": b"x = 1\n            self.grad += (1 - out.data**2) * out.grad\n",
        "autograder/marker.py": b"### BEGIN SOLUTION\n",
        "autograder/clean.py": b"loss.backward()\n    continue\n",  # lines of the grader's own code too
    }
    assert solution_leaks(planted) == ["autograder/copy.py", "autograder/line.py", "autograder/marker.py"]


def test_grader_requirements_pin_torch_for_cpu_and_pytest_from_the_kits_requirements(delivery):
    lines = (delivery / "grader" / "engine" / "requirements.txt").read_text().splitlines()
    kit = (AUTOGRADER_DIR.parent / "requirements.txt").read_text().splitlines()
    torch = next(line for line in kit if line.startswith("torch=="))
    pytest_pin = next(line for line in kit if line.startswith("pytest=="))
    assert "--index-url https://download.pytorch.org/whl/cpu" in lines
    assert f"{torch}+cpu" in lines and pytest_pin in lines
    assert all(line in kit or line.startswith(("#", "--", "torch==")) for line in lines)


def test_bundles_are_byte_identical_when_made_twice(delivery, tmp_path):
    write_bundles(tmp_path / "again")
    assert tree_bytes(tmp_path / "again") == tree_bytes(delivery)


# -- the workflow, run by act with stand-in actions -----------------------------------------


def backward_not_reversed(engine):
    line = "for node in reversed(topological_sort(self)):"
    assert line in engine
    return engine.replace(line, "for node in topological_sort(self):")


SUBMISSIONS = {
    "reference": lambda engine: (SOLUTION_PACKAGE / "engine.py").read_text(),
    "stub": lambda engine: engine,
    "partial": lambda engine: backward_not_reversed((SOLUTION_PACKAGE / "engine.py").read_text()),
}


def run_act(delivery, work, engine_source, secrets=True):
    """Run the engine template's workflow on a push of `engine_source`; return what came out."""
    repos = work / "repos"
    student = repos / "student" / "engine-alice"
    student.mkdir(parents=True)
    for path, data in tree_bytes(delivery / "classroom" / "engine").items():
        (student / path).parent.mkdir(parents=True, exist_ok=True)
        (student / path).write_bytes(data)
    (student / "micrograd" / "engine.py").write_text(engine_source)
    git = ["git", "-c", "user.name=Alice", "-c", "user.email=alice@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=student, check=True)
    subprocess.run([*git, "remote", "add", "origin", "https://github.com/student/engine-alice.git"], cwd=student)
    subprocess.run([*git, "add", "-A"], cwd=student, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "My engine"], cwd=student, check=True)
    grader = repos / f"{GRADER_REPOSITORY}@engine"  # the branch the engine workflow checks out
    for path, data in tree_bytes(delivery / "grader" / "engine").items():
        (grader / path).parent.mkdir(parents=True, exist_ok=True)
        (grader / path).write_bytes(data)

    command = [BIN / "act", "push", "-W", WORKFLOW_PATH, "-P", "ubuntu-latest=-self-hosted"]
    command += ["--no-skip-checkout", "--no-cache-server", "--action-cache-path", work / "act"]
    for action, folder in [(CHECKOUT, "checkout"), (SETUP_PYTHON, "setup-python"), (REPORTER, "grading-reporter")]:
        command += ["--local-repository", f"{action}={STAND_INS / folder}"]
    command += ["--var", f"GRADER_REPOSITORY={GRADER_REPOSITORY}"]
    if secrets:
        command += ["-s", f"GRADER_TOKEN={TOKEN}"]
    stand_in_env = {
        "STANDIN_REPOSITORIES": repos,
        "STANDIN_PYTHON_BIN": BIN,
        "STANDIN_REPORT": work / "report.json",
        "STANDIN_LOG": work / "checkouts.log",
        "PIP_NO_INDEX": "1",  # the venv has every pinned requirement: pip must find nothing to fetch
    }
    for key, value in stand_in_env.items():
        command += ["--env", f"{key}={value}"]
    start = time.perf_counter()
    proc = subprocess.run(
        [str(c) for c in command], cwd=student, capture_output=True, text=True, timeout=300, env=os.environ
    )
    report = work / "report.json"
    log = work / "checkouts.log"
    return {
        "code": proc.returncode,
        "output": proc.stdout + proc.stderr,
        "report": json.loads(report.read_text()) if report.exists() else None,
        "checkouts": log.read_text() if log.exists() else "",
        "seconds": time.perf_counter() - start,
        "submission": student,
    }


@pytest.fixture(scope="module")
def act_runs(delivery, tmp_path_factory):
    """One act run per submission, and one without the GRADER_TOKEN secret, side by side."""
    assert shutil.which("node"), "act runs the reporter stand-in (a node action) with node: `make system-deps`"
    stub = (ASSIGNMENTS_DIR / "engine" / "micrograd" / "engine.py").read_text()
    cases = {name: (make(stub), True) for name, make in SUBMISSIONS.items()}
    cases["no secret"] = (stub, False)
    with ThreadPoolExecutor(len(cases)) as pool:
        futures = {
            name: pool.submit(run_act, delivery, tmp_path_factory.mktemp("act"), source, secrets)
            for name, (source, secrets) in cases.items()
        }
        return {name: f.result() for name, f in futures.items()}


def points(run):
    return run["report"]["totalPoints"], run["report"]["maxPoints"]


def test_reporter_receives_full_marks_for_the_reference(act_runs):
    run = act_runs["reference"]
    assert run["report"] is not None, run["output"]
    assert points(run) == (60, 60)
    assert run["report"]["failed"] is None and run["code"] == 0, run["output"]
    assert "::notice title=Autograding complete::Points 60/60" in run["output"]


def test_reporter_receives_zero_for_the_stub_and_the_job_fails(act_runs):
    run = act_runs["stub"]
    assert run["report"] is not None, run["output"]
    assert points(run) == (0, 60)
    assert run["report"]["failed"] == "Some tests failed." and run["code"] != 0
    assert "## Autograding: 0 / 60 points" in run["output"]  # the job summary
    assert "NotImplementedError: this part is still a stub" in run["output"]


def test_reporter_receives_the_graders_partial_score_test_by_test(act_runs):
    run = act_runs["partial"]
    assert run["report"] is not None, run["output"]
    expected = grade(run["submission"], "engine")
    assert 0 < expected["score"] < 60
    assert points(run) == (expected["score"], 60)
    received = run["report"]["received"][GRADE_STEP]["tests"]
    assert [(t["name"], t["score"]) for t in received] == [(t["name"], t["score"]) for t in expected["tests"]]
    hidden_failures = [t for t in received if t["status"] == "fail" and t["message"] == WITHHELD]
    assert hidden_failures  # the unreversed backward() fails hidden tests too: their inputs stay hidden


def test_workflow_checks_out_the_submission_and_the_grader_with_the_token(act_runs):
    assert act_runs["reference"]["checkouts"].splitlines() == [
        "checkout student/engine-alice into submission with token ''",
        f"checkout {GRADER_REPOSITORY}@engine into grader with token '{TOKEN}'",
    ]


def test_without_the_token_secret_the_job_says_autograding_is_not_set_up(act_runs):
    run = act_runs["no secret"]
    assert run["code"] != 0 and run["report"] is None and run["checkouts"] == ""
    assert "Autograding is not set up" in run["output"]


def test_act_runs_take_seconds(act_runs):
    slowest = max(run["seconds"] for run in act_runs.values())
    print(f"slowest act run: {slowest:.1f} s")
    assert slowest < 60
