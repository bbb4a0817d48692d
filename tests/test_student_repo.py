"""A student's first hour: the released repository works as its README says.

`pytest` (the command, not `python -m pytest`) from the repository's root finds
`micrograd`; the public-tests workflow is valid; every pin suits Python
3.10-3.13; a graph without Graphviz's `dot` is one clear line, and the notebook
goes on. (The install on four Pythons is proven by hand, not here: see the
README's "Change the course".)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from git_repos import commit_everything
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from coursekit.course import ASSIGNMENTS_DIR, SOLUTION_PACKAGE, SOLUTIONS, STUDENT_REPOS
from coursekit.notebooks import execute, student_layout
from coursekit.stubs import make_stub, solution_regions

BIN = Path(sys.executable).parent
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")


@pytest.mark.parametrize("repo", STUDENT_REPOS, ids=lambda r: r.name)
def test_pytest_from_the_repository_root_finds_micrograd(repo, tmp_path):
    work = tmp_path / repo.name
    shutil.copytree(ASSIGNMENTS_DIR / repo.name, work)
    shutil.rmtree(work / "micrograd")
    shutil.copytree(SOLUTION_PACKAGE, work / "micrograd", ignore=shutil.ignore_patterns("__pycache__"))
    # The `pytest` script puts nothing on sys.path by itself: only the repository's config does.
    proc = subprocess.run(
        [BIN / "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout


# Each handout step: the marker expression of its command, and the functions the student writes in it.
STEPS = {
    "engine": [
        ("add or mul", {"Value.__add__._backward", "Value.__mul__._backward"}),
        ("backward", {"Value.backward", "topological_sort"}),
        (
            "pow or exp or tanh or relu",
            {"Value.__pow__._backward", "Value.exp._backward", "Value.tanh._backward", "Value.relu._backward"},
        ),
    ],
    "nn": [
        ("neuron", {"Neuron.__call__", "Neuron.parameters"}),
        ("layer or mlp", {"Layer.__call__", "Layer.parameters", "MLP.__call__", "MLP.parameters"}),
        ("zero_grad", {"Module.zero_grad"}),
    ],
    "train": [("mse_loss", {"mse_loss"}), ("sgd_step", {"sgd_step"}), ("train", {"train"})],
}


def partly_stubbed(source: str, written: set[str]) -> str:
    """The module as a student has it once `written` are done: every other solution region is a stub."""
    lines = source.splitlines(keepends=True)
    markers = set()
    for region in solution_regions(source):
        if region.function in written:  # without its markers, nbgrader leaves the region as it is
            markers |= {region.first_line - 2, region.first_line - 1 + len(region.lines)}
    return make_stub("".join(line for i, line in enumerate(lines) if i not in markers))


def run_step(repo, written: set[str], expression: str, work: Path) -> subprocess.CompletedProcess:
    shutil.copytree(ASSIGNMENTS_DIR / repo.name, work)
    shutil.rmtree(work / "micrograd")
    shutil.copytree(SOLUTION_PACKAGE, work / "micrograd", ignore=shutil.ignore_patterns("__pycache__"))
    module = work / "micrograd" / f"{repo.assignment.graded_module}.py"
    module.write_text(partly_stubbed(module.read_text(), written))
    return subprocess.run(
        [BIN / "pytest", "-q", "-p", "no:cacheprovider", "-m", expression],
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_the_steps_cover_every_stub_and_the_handouts_give_their_commands():
    for repo in STUDENT_REPOS:
        source = (SOLUTION_PACKAGE / f"{repo.assignment.graded_module}.py").read_text()
        regions = {region.function for region in solution_regions(source)}
        assert set().union(*(written for _, written in STEPS[repo.name])) == regions, repo.name
        readme = (ASSIGNMENTS_DIR / repo.name / "README.md").read_text()
        for expression, _ in STEPS[repo.name]:
            command = f'`pytest -m "{expression}"`' if " " in expression else f"`pytest -m {expression}`"
            assert command in readme, f"{repo.name}: the README does not say {command}"


@pytest.mark.parametrize(
    "repo, step",
    [(repo, step) for repo in STUDENT_REPOS for step in range(len(STEPS[repo.name]))],
    ids=lambda x: x.name if hasattr(x, "name") else f"step{x + 1}",
)
def test_each_steps_command_passes_once_that_step_is_done_and_fails_before(repo, step, tmp_path):
    expression = STEPS[repo.name][step][0]
    done_before = set().union(*(written for _, written in STEPS[repo.name][:step]))
    done = done_before | STEPS[repo.name][step][1]
    after = run_step(repo, done, expression, tmp_path / "after")
    assert after.returncode == 0 and " passed" in after.stdout, after.stdout + after.stderr
    before = run_step(repo, done_before, expression, tmp_path / "before")
    assert before.returncode == 1 and " failed" in before.stdout, before.stdout + before.stderr


def workflows():
    return sorted(ASSIGNMENTS_DIR.glob("*/.github/workflows/*.yml"))


def test_every_student_repository_has_the_public_tests_workflow():
    assert [p.parent.parent.parent.name for p in workflows()] == [r.name for r in STUDENT_REPOS]


def test_the_public_tests_workflow_passes_the_github_schema_and_actionlint():
    paths = [str(p) for p in workflows()]
    schema = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *paths],
        capture_output=True,
        text=True,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    lint = subprocess.run([BIN / "actionlint", *paths], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_workflow_installs_the_pinned_pytest_and_no_torch():
    text = (SOLUTIONS / "student_workflows" / "public-tests.yml").read_text()
    assert "grep '^pytest==' requirements.txt" in text and "torch" not in text
    pins = (SOLUTIONS / "student_requirements.txt").read_text().splitlines()
    assert sum(line.startswith("pytest==") for line in pins) == 1


def student_requirements():
    lines = (SOLUTIONS / "student_requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def test_requires_python_is_every_supported_version():
    text = (SOLUTIONS / "student_pyproject.toml").read_text()
    import tomllib

    spec = SpecifierSet(tomllib.loads(text)["project"]["requires-python"])
    assert all(spec.contains(f"{v}.0") for v in SUPPORTED)


@pytest.mark.parametrize("version", SUPPORTED)
def test_every_package_is_pinned_once_for_each_supported_python(version):
    env = {**default_environment(), "python_version": version, "python_full_version": f"{version}.0"}
    chosen = [r for r in student_requirements() if r.marker is None or r.marker.evaluate(env)]
    names = [r.name.lower() for r in chosen]
    assert sorted(names) == sorted(set(names)) == ["graphviz", "jupyterlab", "matplotlib", "pytest"]
    assert all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==" for r in chosen)


def test_pins_installed_here_allow_every_python_they_serve():
    # The pins that this venv has at the same version: their own Requires-Python metadata, read offline.
    from importlib.metadata import PackageNotFoundError, metadata

    checked = 0
    for req in student_requirements():
        try:
            meta = metadata(req.name)
        except PackageNotFoundError:
            continue
        if req.specifier.contains(meta["Version"]):
            spec = SpecifierSet(meta.get("Requires-Python") or "")
            assert all(spec.contains(f"{v}.0") for v in SUPPORTED), (req, spec)
            checked += 1
    assert checked >= 3


def test_a_graph_without_dot_is_one_clear_line_and_the_notebook_runs_on(tmp_path, monkeypatch):
    released = sorted((ASSIGNMENTS_DIR / "engine" / "notebooks").glob("*.ipynb"))[0]
    folder = student_layout(tmp_path, [released])
    monkeypatch.setenv("PATH", str(BIN))  # the venv's tools, and no Graphviz
    assert shutil.which("dot") is None
    nb = execute(folder / released.name, skip_exercises=True)
    graph_cells = [
        c for c in nb.cells if c.cell_type == "code" and c.source.strip().endswith(("draw_dot(L)", "draw_dot(q)"))
    ]
    assert graph_cells
    for cell in graph_cells:
        (output,) = cell.outputs
        assert output["output_type"] == "execute_result", output
        assert list(output["data"]) == ["text/plain"]
        assert "Graphviz's `dot` program is not installed" in output["data"]["text/plain"]
        assert "\n" not in output["data"]["text/plain"].strip("'\"")
    # Every cell after the pictures ran too (the exercises stay stubs and are skipped).
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert ran[-1] is [c for c in nb.cells if c.cell_type == "code"][-1]
    assert nbformat.validate(nb) is None


STAND_INS = Path(__file__).parent / "classroom_actions"


def run_public_tests_workflow(work, engine_source):
    """Run the engine repository's public-tests workflow with act on a push of `engine_source`."""
    student = work / "repos" / "student" / "engine-bob"
    shutil.copytree(ASSIGNMENTS_DIR / "engine", student)
    (student / "micrograd" / "engine.py").write_text(engine_source)
    commit_everything(student, "Bob", "https://github.com/student/engine-bob.git")
    workflow = ".github/workflows/public-tests.yml"
    command = [BIN / "act", "push", "-W", workflow, "-P", "ubuntu-latest=-self-hosted", "--no-skip-checkout"]
    command += ["--no-cache-server", "--action-cache-path", work / "act"]
    for action, folder in [("actions/checkout@v7", "checkout"), ("actions/setup-python@v7", "setup-python")]:
        command += ["--local-repository", f"{action}={STAND_INS / folder}"]
    env = {"STANDIN_REPOSITORIES": work / "repos", "STANDIN_PYTHON_BIN": BIN, "STANDIN_LOG": work / "log"}
    env["PIP_NO_INDEX"] = "1"  # the venv has the pinned pytest: pip must find nothing to fetch
    for key, value in env.items():
        command += ["--env", f"{key}={value}"]
    return subprocess.run([str(c) for c in command], cwd=student, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not (BIN / "act").exists(), reason="needs act in the venv")
@pytest.mark.parametrize("submission", ["reference", "stub"])
def test_a_push_runs_the_public_tests_workflow(submission, tmp_path):
    # act runs the workflow as GitHub would on a push, with stand-ins for checkout and setup-python.
    source = SOLUTION_PACKAGE if submission == "reference" else ASSIGNMENTS_DIR / "engine" / "micrograd"
    proc = run_public_tests_workflow(tmp_path, (source / "engine.py").read_text())
    output = proc.stdout + proc.stderr
    if submission == "reference":
        assert proc.returncode == 0, output
        assert " passed" in output and " failed" not in output
    else:
        assert proc.returncode != 0 and " failed" in output, output
