"""Delivery through GitHub: the Classroom 50 bundle and the plain GitHub Actions template.

Classroom 50: each bundle's `autograder.py` is run as its runner runs it (the
documented environment, the student's checkout as working directory) and its
`result.json` must validate against the schema written from the contract
(coursekit/schemas/), with the points our grader gives: full marks for the
reference, 0 for the stub, the grader's own partial score for an engine whose
`backward()` forgets `reversed`, and a valid file (with exit 1) when the grader crashes.

Plain GitHub Actions: every workflow must be valid for GitHub (JSON schema and
actionlint), and running it with act, on this machine, with stand-ins for the
actions it uses (tests/classroom_actions/), must write the grader's points and
feedback to the job summary.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest
import yaml
from git_repos import commit_everything

from autograder.assignments import ASSIGNMENTS
from autograder.classroom import WITHHELD, classroom50_result, integer_points, job_summary, notice
from autograder.grade import grade
from coursekit.bundles import (
    CHECKOUT,
    SETUP_PYTHON,
    WORKFLOW_PATH,
    actions_workflow,
    classroom50_runtime,
    solution_leaks,
    tree_bytes,
    write_bundles,
)
from coursekit.course import ASSIGNMENTS_DIR, AUTOGRADER_DIR, ROOT, SOLUTION_PACKAGE, STUDENT_REPOS
from coursekit.validate import leaks

ENGINE_MAX = ASSIGNMENTS["engine"].max_points
BIN = Path(sys.executable).parent
STAND_INS = Path(__file__).parent / "classroom_actions"
GRADER_REPOSITORY = "course/micrograd-grader"
TOKEN = "fake-grader-token"
SCHEMA = json.loads((ROOT / "coursekit" / "schemas" / "classroom50-result-v1.schema.json").read_text())


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    out = tmp_path_factory.mktemp("delivery")
    write_bundles(out)
    return out


def workflow_files(delivery):
    return [delivery / "actions" / name / WORKFLOW_PATH for name in sorted(ASSIGNMENTS)]


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


RUNNER_ENV = {
    "CLASSROOM": "ml-2026",
    "ASSIGNMENT": "engine",
    "SUBMISSION_TAG": "submit/2026-10-01T12-00-00Z-abc1234",
    "COMMIT_URL": "https://github.com/course/ml-2026-engine-alice/commit/abc1234",
    "RELEASE_URL": "https://github.com/course/ml-2026-engine-alice/releases/tag/submit%2F2026-10-01T12-00-00Z-abc1234",
    "REVIEW_URL": "https://github.com/course/ml-2026-engine-alice/compare/base...abc1234",
    "USERNAME": "alice",
    "OWNER": "alice",
    "PAGES_BASE_URL": "https://course.github.io/classroom50",
    "ASSIGNMENT_TYPE": "individual",
    "GITHUB_REPOSITORY": "course/ml-2026-engine-alice",
    "GITHUB_SHA": "abc1234",
    "GITHUB_ACTIONS": "true",
}


# -- our results -> Classroom 50's result.json -----------------------------------------------


def test_classroom50_result_has_integer_points_each_tests_own_and_validates():
    results = results_of(
        ("engine: add", 3, 3, {"output": "`a + b`: the sum", "visibility": "visible"}),
        ("engine: mul", 0, 2, {"output": "a.grad should be 2.0, got 1.0", "visibility": "visible"}),
    )
    result = classroom50_result(results, RUNNER_ENV, "2026-10-01T12:00:00Z")
    jsonschema.validate(result, SCHEMA)
    assert (result["score"], result["max-score"]) == (3, 5)
    assert [(t["test-name"], t["passed"], t["score"], t["max-score"]) for t in result["tests"]] == [
        ("engine: add", True, 3, 3),
        ("engine: mul", False, 0, 2),
    ]
    assert result["tests"][1]["feedback"] == "a.grad should be 2.0, got 1.0"
    assert result["submission"] == RUNNER_ENV["SUBMISSION_TAG"] and result["datetime"] == "2026-10-01T12:00:00Z"


@pytest.mark.parametrize(
    "score, max_score, expected",
    [(2.5, 3, (2, 3)), (0.999, 1, (0, 1)), (1.5, 1.5, (1, 2)), (2.9999999, 3, (3, 3)), (0, 0.4, (0, 0))],
)
def test_fractional_points_round_the_score_down_and_the_maximum_to_the_nearest(score, max_score, expected):
    assert integer_points(score, max_score) == expected


def test_a_fractional_result_still_validates_and_sums_its_tests():
    results = results_of(("engine: a", 1.5, 2, {"output": ""}), ("engine: b", 0.5, 0.5, {"output": ""}))
    result = classroom50_result(results, RUNNER_ENV, "2026-10-01T12:00:00Z")
    jsonschema.validate(result, SCHEMA)
    assert result["score"] == sum(t["score"] for t in result["tests"]) == 1
    assert result["max-score"] == 3


def test_the_schema_rejects_fractional_points_and_a_wrong_schema_name():
    good = classroom50_result(results_of(("engine: a", 1, 1, {"output": ""})), RUNNER_ENV, "2026-10-01T12:00:00Z")
    # JSON Schema counts 1.0 as an integer; our writer emits ints (`1`, never `1.0`), checked by type.
    assert all(type(v) is int for t in good["tests"] for v in (t["score"], t["max-score"]))
    assert type(good["score"]) is type(good["max-score"]) is int
    for bad in ({**good, "score": 1.5}, {**good, "schema": "classroom50/result/v2"}, {**good, "datetime": "today"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)


def test_failed_feedback_of_tests_shown_after_publication_is_withheld():
    results = results_of(
        ("engine: chain", 0, 3, {"output": "x.grad should be 0.415, got 0.819", "visibility": "after_published"})
    )
    assert classroom50_result(results, RUNNER_ENV, "2026-10-01T12:00:00Z")["tests"][0]["feedback"] == WITHHELD
    summary = job_summary(results)
    assert WITHHELD in summary and "0.819" not in summary


def test_job_summary_gives_the_total_every_score_and_why_each_failure_failed():
    results = results_of(
        ("engine: add", 3, 3, {"output": "`a + b`: the sum", "visibility": "visible"}),
        ("engine: mul", 0, 2, {"output": "with ```fences``` inside: got 1.0", "visibility": "visible"}),
    )
    results["extra_data"]["isolation"] = "namespaces"
    summary = job_summary(results)
    assert "## Autograding: 3 / 5 points" in summary
    assert "OS isolation: `namespaces`" in summary
    assert "| ✅ | engine: add | 3 / 3 |" in summary and "| ❌ | engine: mul | 0 / 2 |" in summary
    assert "````text\nwith ```fences``` inside: got 1.0\n````" in summary  # a longer fence than the text's
    assert notice(results) == "::notice title=Autograding complete::Points 3/5"
    nothing = {
        "score": 0,
        "output": "Nothing was graded: no engine.py",
        "extra_data": {"max_score": ENGINE_MAX},
        "tests": [],
    }
    assert notice(nothing) == "::error title=Autograding failed::Nothing was graded: no engine.py"


# -- the Classroom 50 bundles ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_classroom50_bundle_holds_no_reference_of_its_own_assignment(delivery, name):
    # The bundle is publicly readable: only the reference of earlier, closed assignments.
    files = tree_bytes(delivery / "classroom50" / name)
    reference = {p for p in files if p.startswith("autograder/reference/micrograd/") and not p.endswith("__init__.py")}
    assert reference == {f"autograder/reference/micrograd/{m}.py" for m in ASSIGNMENTS[name].reference_modules}
    assert f"autograder/reference/micrograd/{ASSIGNMENTS[name].graded_module}.py" not in files
    assert solution_leaks(files, reference) == []
    assert {p.split("/")[0] for p in files} == {"autograder", "autograder.py", "requirements.txt", "runtime.json"}
    tests = {p.split("/")[2] for p in files if p.startswith("autograder/tests/") and p.count("/") > 2}
    assert tests == {name}
    assert json.loads(files["runtime.json"]) == classroom50_runtime()
    assert f'ASSIGNMENT = "{name}"' in files["autograder.py"].decode()


def test_runtime_asks_for_the_graders_python_and_bubblewrap():
    runtime = classroom50_runtime()
    assert runtime["python"] == "3.11" and "bubblewrap" in runtime["apt"] and runtime["runs-on"] == "ubuntu-latest"


def checkout_of(assignment, modules, tmp, committed="2026-10-01T12:00:00Z"):
    """A student's checkout: the released repository with `modules` (name -> source), one commit at `committed`."""
    root = tmp / "checkout"
    shutil.copytree(ASSIGNMENTS_DIR / assignment, root)
    for module, source in modules.items():
        (root / "micrograd" / f"{module}.py").write_text(source)
    env = {**os.environ, "GIT_COMMITTER_DATE": committed, "GIT_AUTHOR_DATE": committed}
    git = ["git", "-c", "user.name=Alice", "-c", "user.email=alice@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "My work"], cwd=root, check=True, env=env)
    return root


def run_classroom50(bundle, checkout, assignment="engine"):
    """Run `autograder.py` as Classroom 50's runner does; return (exit code, result.json, output)."""
    env = {**os.environ, **RUNNER_ENV, "ASSIGNMENT": assignment, "PATH": f"{BIN}:{os.environ['PATH']}"}
    env["GITHUB_STEP_SUMMARY"] = str(checkout.parent / "summary.md")
    proc = subprocess.run(
        [sys.executable, bundle / "autograder.py"], cwd=checkout, env=env, capture_output=True, text=True, timeout=300
    )
    result = checkout / "result.json"
    return proc.returncode, json.loads(result.read_text()) if result.exists() else None, proc.stdout + proc.stderr


def backward_not_reversed(engine):
    """A broken `backward()`: it fails visible and hidden tests alike (a broken `_backward` fails only its own)."""
    line = "for node in reversed(topological_sort(self)):"
    assert line in engine
    return engine.replace(line, "for node in topological_sort(self):")


REFERENCE_ENGINE = (SOLUTION_PACKAGE / "engine.py").read_text()
STUB_ENGINE = (ASSIGNMENTS_DIR / "engine" / "micrograd" / "engine.py").read_text()
SUBMISSIONS = {"reference": REFERENCE_ENGINE, "stub": STUB_ENGINE, "partial": backward_not_reversed(REFERENCE_ENGINE)}


@pytest.fixture(scope="module")
def classroom50_runs(delivery, tmp_path_factory):
    def run(source):
        checkout = checkout_of("engine", {"engine": source}, tmp_path_factory.mktemp("c50"))
        return (*run_classroom50(delivery / "classroom50" / "engine", checkout), checkout)

    with ThreadPoolExecutor(len(SUBMISSIONS)) as pool:
        futures = {name: pool.submit(run, source) for name, source in SUBMISSIONS.items()}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("name, points", [("reference", (ENGINE_MAX, ENGINE_MAX)), ("stub", (0, ENGINE_MAX))])
def test_classroom50_result_of_the_reference_and_the_stub(classroom50_runs, name, points):
    code, result, output, _ = classroom50_runs[name]
    assert code == 0, output
    jsonschema.validate(result, SCHEMA)
    assert (result["score"], result["max-score"]) == points
    assert result["datetime"] == "2026-10-01T12:00:00Z"  # the commit's date, not the grading's
    assert result["classroom"] == "ml-2026" and result["submission"] == RUNNER_ENV["SUBMISSION_TAG"]


def test_classroom50_result_of_a_broken_submission_is_the_graders_partial_score(classroom50_runs):
    code, result, output, _ = classroom50_runs["partial"]
    assert code == 0, output
    jsonschema.validate(result, SCHEMA)
    expected = grade(classroom50_runs["partial"][3], "engine")
    assert 0 < result["score"] < ENGINE_MAX and result["score"] == expected["score"]
    received = [(t["test-name"], t["score"]) for t in result["tests"]]
    assert received == [(t["name"], t["score"]) for t in expected["tests"]]
    assert any(t["feedback"] == WITHHELD for t in result["tests"] if not t["passed"])
    assert "## Autograding:" in (classroom50_runs["partial"][3] / "release-body.md").read_text()


def test_a_planted_result_json_symlink_is_replaced_not_followed(delivery, tmp_path):
    checkout = checkout_of("engine", {"engine": STUB_ENGINE}, tmp_path)
    target = tmp_path / "outside.txt"
    target.write_text("untouched")
    (checkout / "result.json").symlink_to(target)
    code, result, output = run_classroom50(delivery / "classroom50" / "engine", checkout)
    assert target.read_text() == "untouched" and not (checkout / "result.json").is_symlink()
    jsonschema.validate(result, SCHEMA)


def test_a_crash_of_the_grader_still_leaves_a_valid_result_json_and_exits_1(delivery, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(delivery / "classroom50" / "engine", bundle)
    shutil.rmtree(bundle / "autograder" / "tests" / "engine")  # the hidden tests are gone: pytest cannot run them
    code, result, output = run_classroom50(bundle, checkout_of("engine", {"engine": REFERENCE_ENGINE}, tmp_path))
    assert code == 1, output  # an infrastructure error for the runner: no Release
    jsonschema.validate(result, SCHEMA)
    assert (result["score"], result["max-score"], result["tests"]) == (0, ENGINE_MAX, [])


# -- the plain GitHub Actions workflows ------------------------------------------------------


def test_every_workflow_passes_the_github_workflow_schema(delivery):
    proc = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflow_files(delivery)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_workflow_passes_actionlint(delivery):
    # actionlint knows each action's inputs by version, checks the shell scripts, flags retired runtimes.
    proc = subprocess.run([BIN / "actionlint", *workflow_files(delivery)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_workflow_grades_on_push_with_isolation_and_no_reporter(name):
    wf = yaml.safe_load(actions_workflow(ASSIGNMENTS[name]))
    assert set(wf[True]) == {"push", "workflow_dispatch"}  # YAML reads `on` as true
    assert wf["permissions"] == {"contents": "read"}
    job = wf["jobs"]["grade"]
    assert [s.get("uses") for s in job["steps"] if "uses" in s] == [CHECKOUT, CHECKOUT, SETUP_PYTHON]
    steps = {s["name"]: s for s in job["steps"]}
    grader = steps["Check out the grader"]["with"]
    assert grader["token"] == "${{ secrets.GRADER_TOKEN }}" and grader["ref"] == name
    assert f"--assignment {name} " in steps["Grade"]["run"] and "--require-isolation" in steps["Grade"]["run"]
    assert '"$GITHUB_STEP_SUMMARY"' in steps["Grade"]["run"]
    assert "bubblewrap" in steps["Install the grader's requirements (torch for CPU, pytest) and bubblewrap"]["run"]


@pytest.mark.parametrize("repo", STUDENT_REPOS, ids=lambda r: r.name)
def test_template_is_the_student_repository_plus_the_workflow(delivery, repo):
    template = tree_bytes(delivery / "actions" / repo.name)
    expected = tree_bytes(ASSIGNMENTS_DIR / repo.name)
    assert set(template) == set(expected) | {WORKFLOW_PATH}
    assert all(template[path] == data for path, data in expected.items())


@pytest.mark.parametrize("repo", STUDENT_REPOS, ids=lambda r: r.name)
def test_no_solution_and_no_hidden_test_reaches_a_template(delivery, repo):
    root = delivery / "actions" / repo.name
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
    assert (delivery / "classroom50" / "engine" / "requirements.txt").read_text() == "\n".join(lines) + "\n"


def test_bundles_are_byte_identical_when_made_twice(delivery, tmp_path):
    write_bundles(tmp_path / "again")
    assert tree_bytes(tmp_path / "again") == tree_bytes(delivery)


# -- the workflow, run by act with stand-in actions -----------------------------------------


def run_act(delivery, work, engine_source, secrets=True):
    """Run the engine template's workflow on a push of `engine_source`; return what came out."""
    repos = work / "repos"
    student = repos / "student" / "engine-alice"
    student.mkdir(parents=True)
    for path, data in tree_bytes(delivery / "actions" / "engine").items():
        (student / path).parent.mkdir(parents=True, exist_ok=True)
        (student / path).write_bytes(data)
    (student / "micrograd" / "engine.py").write_text(engine_source)
    commit_everything(student, "Alice", "https://github.com/student/engine-alice.git")
    grader = repos / f"{GRADER_REPOSITORY}@engine"  # the branch the engine workflow checks out
    for path, data in tree_bytes(delivery / "grader" / "engine").items():
        (grader / path).parent.mkdir(parents=True, exist_ok=True)
        (grader / path).write_bytes(data)

    command = [BIN / "act", "push", "-W", WORKFLOW_PATH, "-P", "ubuntu-latest=-self-hosted"]
    command += ["--no-skip-checkout", "--no-cache-server", "--action-cache-path", work / "act"]
    for action, folder in [(CHECKOUT, "checkout"), (SETUP_PYTHON, "setup-python")]:
        command += ["--local-repository", f"{action}={STAND_INS / folder}"]
    command += ["--var", f"GRADER_REPOSITORY={GRADER_REPOSITORY}"]
    if secrets:
        command += ["-s", f"GRADER_TOKEN={TOKEN}"]
    stand_in_env = {
        "STANDIN_REPOSITORIES": repos,
        "STANDIN_PYTHON_BIN": BIN,
        "STANDIN_LOG": work / "checkouts.log",
        "PIP_NO_INDEX": "1",  # the venv has every pinned requirement: pip must find nothing to fetch
    }
    for key, value in stand_in_env.items():
        command += ["--env", f"{key}={value}"]
    start = time.perf_counter()
    proc = subprocess.run(
        [str(c) for c in command], cwd=student, capture_output=True, text=True, timeout=300, env=os.environ
    )
    log = work / "checkouts.log"
    return {
        "code": proc.returncode,
        "output": proc.stdout + proc.stderr,
        "checkouts": log.read_text() if log.exists() else "",
        "seconds": time.perf_counter() - start,
        "submission": student,
    }


@pytest.fixture(scope="module")
def act_runs(delivery, tmp_path_factory):
    """One act run per submission, and one without the GRADER_TOKEN secret, side by side."""
    cases = {name: (source, True) for name, source in SUBMISSIONS.items()}
    cases["no secret"] = (STUB_ENGINE, False)
    with ThreadPoolExecutor(len(cases)) as pool:
        futures = {
            name: pool.submit(run_act, delivery, tmp_path_factory.mktemp("act"), source, secrets)
            for name, (source, secrets) in cases.items()
        }
        return {name: f.result() for name, f in futures.items()}


def test_workflow_run_shows_full_marks_for_the_reference(act_runs):
    run = act_runs["reference"]
    assert run["code"] == 0, run["output"]
    assert f"Points {ENGINE_MAX}/{ENGINE_MAX}" in run["output"]
    assert f"## Autograding: {ENGINE_MAX} / {ENGINE_MAX} points" in run["output"]


def test_workflow_run_shows_zero_for_the_stub_with_feedback_and_the_job_fails(act_runs):
    run = act_runs["stub"]
    assert run["code"] != 0
    assert f"## Autograding: 0 / {ENGINE_MAX} points" in run["output"]  # the job summary
    assert "NotImplementedError: this part is still a stub" in run["output"]


def test_workflow_run_shows_the_graders_partial_score(act_runs):
    run = act_runs["partial"]
    expected = grade(run["submission"], "engine")
    assert 0 < expected["score"] < ENGINE_MAX
    assert f"## Autograding: {expected['score']:g} / {ENGINE_MAX} points" in run["output"], run["output"]


def test_workflow_checks_out_the_submission_and_the_grader_with_the_token(act_runs):
    assert act_runs["reference"]["checkouts"].splitlines() == [
        "checkout student/engine-alice into submission with token ''",
        f"checkout {GRADER_REPOSITORY}@engine into grader with token '{TOKEN}'",
    ]


def test_without_the_token_secret_the_job_says_autograding_is_not_set_up(act_runs):
    run = act_runs["no secret"]
    assert run["code"] != 0 and run["checkouts"] == ""
    assert "Autograding is not set up" in run["output"]


# -- nothing of the student's runs outside the sandbox ---------------------------------------


def test_result_json_names_the_owner_and_the_assignment_type_itself():
    env = {k: v for k, v in RUNNER_ENV.items() if k not in ("USERNAME", "OWNER", "ASSIGNMENT_TYPE")}
    result = classroom50_result(results_of(("engine: add", 1, 1, {})), env, "2026-10-01T12:00:00Z")
    jsonschema.validate(result, SCHEMA)
    assert result["owner"] == "alice" and result["assignment_type"] == "individual"
    other = {**env, "GITHUB_REPOSITORY": "course/handmade", "GITHUB_ACTOR": "bob", "ASSIGNMENT_TYPE": "team"}
    result = classroom50_result(results_of(("engine: add", 1, 1, {})), other, "2026-10-01T12:00:00Z")
    assert (result["owner"], result["assignment_type"]) == ("bob", "team")
    assert result["submitted_by"] == {"username": "bob", "id": None}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in result.items() if k != "owner"}, SCHEMA)


def plant(folder: Path, marker: Path) -> None:
    """Files a hostile student commits so that a grader importing or running anything there runs them."""
    code = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran outside the sandbox: ' + __name__)\n"
    for name in ("torch.py", "pytest.py", "sitecustomize.py", "usercustomize.py", "json.py", "conftest.py"):
        (folder / name).write_text(code)
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p conftest --rootdir=/\n")
    (folder / "autograder").mkdir(exist_ok=True)
    (folder / "autograder" / "__init__.py").write_text(code)
    (folder / "autograder" / "__main__.py").write_text(code)


def test_classroom50_runs_nothing_of_the_checkout_outside_the_sandbox(delivery, tmp_path):
    marker = tmp_path / "ran-outside"
    checkout = checkout_of("engine", {"engine": REFERENCE_ENGINE}, tmp_path)
    plant(checkout, marker)
    plant(checkout / "micrograd", marker)
    hidden = next((delivery / "classroom50" / "engine" / "autograder" / "tests" / "engine").glob("test_*.py"))
    (checkout / "micrograd" / "secret.py").symlink_to(hidden)
    code, result, output = run_classroom50(delivery / "classroom50" / "engine", checkout)
    assert not marker.exists(), marker.read_text()
    assert code == 0, output
    jsonschema.validate(result, SCHEMA)
    assert result["score"] == ENGINE_MAX and result["owner"] == "alice"
    assert hidden.read_text()[:200] not in json.dumps(result)
