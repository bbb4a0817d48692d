"""Gradescope delivery: each assignment's autograder zip, reproducible, run here as Gradescope runs it.

The zip's `run_autograder` runs in a temporary root laid out as Gradescope lays
out /autograder (source/, submission/, results/, submission_metadata.json); a
`venv/bin/python` that runs this kit's venv stands in for what setup.sh makes.
"""

import json
import os
import stat
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.plugin import NOT_IMPORTED
from coursekit.bundles import ZIP_DATE, gradescope_files, reproducible_zip, solution_leaks, write_bundles
from coursekit.course import ASSIGNMENTS_DIR, SOLUTION_PACKAGE

ENGINE_MAX = ASSIGNMENTS["engine"].max_points


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    out = tmp_path_factory.mktemp("delivery")
    write_bundles(out)
    return {name: out / "gradescope" / f"{name}.zip" for name in ASSIGNMENTS}


def zip_files(path):
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def test_zip_root_holds_setup_run_autograder_requirements_and_the_grader(zips):
    for name, path in zips.items():
        roots = {entry.split("/")[0] for entry in zip_files(path)}
        assert roots == {"setup.sh", "run_autograder", "requirements.txt", "autograder"}, name
        run = zip_files(path)["run_autograder"].decode()
        assert f"--assignment {name} " in run and "/autograder/results/results.json" in run


def test_zip_is_reproducible_sorted_undated_and_executable_where_it_must_be(zips):
    for name, path in zips.items():
        assert reproducible_zip(gradescope_files(ASSIGNMENTS[name])) == path.read_bytes()
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {ZIP_DATE}
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in infos}
        assert modes.pop("setup.sh") == modes.pop("run_autograder") == 0o755
        assert set(modes.values()) == {0o644}


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_zip_holds_its_assignments_tests_and_only_the_reference_modules_it_runs_on(zips, name):
    files = zip_files(zips[name])
    assignment = ASSIGNMENTS[name]
    reference = {p for p in files if p.startswith("autograder/reference/micrograd/") and not p.endswith("__init__.py")}
    assert reference == {f"autograder/reference/micrograd/{m}.py" for m in assignment.reference_modules}
    assert solution_leaks(files, reference) == []
    test_folders = {p.split("/")[2] for p in files if p.startswith("autograder/tests/") and p.count("/") == 3}
    assert test_folders == {name}


# -- run_autograder, as Gradescope runs it ---------------------------------------------------


def extract(zip_path, dest):
    """Unzip with the permissions the zip records (zipfile itself drops them)."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            target.chmod(stat.S_IMODE(info.external_attr >> 16))


def run_gradescope(zip_path, root, submission, with_venv=True, links=None):
    """Lay out `root` as Gradescope's /autograder with `submission` (path -> text); run run_autograder.

    `links`: symbolic links to plant (absolute path -> target), made once the layout is in place.
    """
    extract(zip_path, root / "source")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)  # Gradescope copies it to /autograder/run_autograder
    (root / "results").mkdir()
    (root / "submission").mkdir()
    for path, text in submission.items():
        (root / "submission" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / path).write_text(text)
    metadata = {"id": 1, "created_at": "2026-01-01T00:00:00Z", "assignment": {"title": "engine"}, "users": []}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    for link, target in (links or {}).items():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    if with_venv:
        python = root / "venv" / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        python.chmod(0o755)
    proc = subprocess.run(
        [root / "run_autograder"],
        cwd=root,
        env={**os.environ, "AUTOGRADER_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = root / "results" / "results.json"
    return proc, json.loads(results.read_text()) if results.exists() else None


def repository(assignment, modules):
    """A student repository of `assignment` with `modules` (name -> source) in micrograd/."""
    files = {
        p.relative_to(ASSIGNMENTS_DIR / assignment).as_posix(): p.read_text()
        for p in sorted((ASSIGNMENTS_DIR / assignment).rglob("*"))
        if p.is_file()
    }
    files.update({f"micrograd/{m}.py": source for m, source in modules.items()})
    return files


def reference(module):
    return (SOLUTION_PACKAGE / f"{module}.py").read_text()


STUB_ENGINE = (ASSIGNMENTS_DIR / "engine" / "micrograd" / "engine.py").read_text()
CASES = {
    "engine reference": ("engine", repository("engine", {"engine": reference("engine")})),
    "nn reference": ("nn", repository("nn", {"nn": reference("nn")})),
    "train reference": ("train", repository("train", {"train": reference("train")})),
    "engine stub": ("engine", repository("engine", {})),
    "nothing submitted": ("engine", {}),
    "syntax error": ("engine", {"micrograd/engine.py": "def backward(self:\n"}),
    "engine.py uploaded alone": ("engine", {"engine.py": reference("engine")}),
    "repository inside a folder": ("engine", {f"engine-main/{p}": t for p, t in repository("engine", {}).items()}),
}


@pytest.fixture(scope="module")
def runs(zips, tmp_path_factory):
    with ThreadPoolExecutor(4) as pool:
        futures = {
            case: pool.submit(run_gradescope, zips[name], tmp_path_factory.mktemp("autograder"), files)
            for case, (name, files) in CASES.items()
        }
        return {case: f.result() for case, f in futures.items()}


@pytest.mark.parametrize("case", ["engine reference", "nn reference", "train reference"])
def test_the_reference_gets_full_marks(runs, case):
    full = ASSIGNMENTS[CASES[case][0]].max_points
    proc, results = runs[case]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert results["score"] == results["extra_data"]["max_score"] == full, results["output"]
    assert all(t["status"] == "passed" for t in results["tests"])


def test_the_stub_gets_zero_with_feedback_on_every_test(runs):
    _, results = runs["engine stub"]
    assert results["score"] == 0 and results["extra_data"]["max_score"] == ENGINE_MAX
    assert all("this part is still a stub" in t["output"] for t in results["tests"])


@pytest.mark.parametrize(
    "case, message",
    [
        ("nothing submitted", "micrograd/engine.py is missing from the submission"),
        ("syntax error", "SyntaxError"),
    ],
)
def test_a_missing_or_broken_submission_gets_results_that_say_why(runs, case, message):
    proc, results = runs[case]
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == 0 and len(results["tests"]) > 0
    assert message in results["output"]
    # Visible tests say why; hidden ones (shown after publication) never copy what the sandbox sent.
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert visible and all(message in t["output"] for t in visible)
    if case == "syntax error":
        hidden = [t for t in results["tests"] if t["visibility"] != "visible"]
        assert hidden and all(t["output"] == NOT_IMPORTED for t in hidden)


def test_an_upload_of_engine_py_alone_is_graded_as_micrograd_engine_py(runs):
    _, results = runs["engine.py uploaded alone"]
    assert results["score"] == ENGINE_MAX, results["output"]


def test_a_repository_uploaded_inside_a_folder_is_found(runs):
    _, results = runs["repository inside a folder"]
    assert results["extra_data"]["max_score"] == ENGINE_MAX
    assert "missing" not in results["output"]
    assert all("this part is still a stub" in t["output"] for t in results["tests"])


def test_when_the_grader_itself_cannot_run_the_results_say_so(zips, tmp_path):
    # No venv: as if setup.sh had failed. Gradescope still gets results and a message.
    proc, results = run_gradescope(zips["engine"], tmp_path, {"micrograd/engine.py": STUB_ENGINE}, with_venv=False)
    assert proc.returncode == 0
    assert results["score"] == 0 and results["tests"] == []
    assert (
        "could not grade this submission" in results["output"] and "not a problem with your code" in results["output"]
    )


def test_setup_and_run_autograder_are_valid_bash(zips, tmp_path):
    extract(zips["engine"], tmp_path)
    for script in ("setup.sh", "run_autograder"):
        proc = subprocess.run(["bash", "-n", tmp_path / script], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_setup_installs_python311_bubblewrap_and_a_current_pip_into_its_own_venv(zips):
    setup = zip_files(zips["engine"])["setup.sh"].decode()
    install = next(line for line in setup.splitlines() if "apt-get install" in line)
    packages = install + setup.split(install, 1)[1].splitlines()[1]  # the continued line
    assert {"python3.11", "python3.11-venv", "bubblewrap"} <= set(packages.replace("\\", " ").split())
    assert 'python3.11 -m venv "$ROOT/venv"' in setup and "--upgrade pip" in setup


def test_run_autograder_hides_the_graders_files_then_requires_isolation(zips):
    run = zip_files(zips["engine"])["run_autograder"].decode()
    chmod = run.index('chmod -R go-rwx "$ROOT/source" "$ROOT/venv" "$ROOT/results"')
    assert chmod < run.index('chmod go-rwx "$ROOT"\n') < run.index("-m autograder grade")
    assert "--require-isolation" in run


# -- nothing of the student's runs, or is followed, outside the sandbox ------------------------


PLANTED_CODE = "import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('ran outside the sandbox')\n"


def planted(prefix):
    files = {f"{prefix}{name}": PLANTED_CODE for name in ("torch.py", "sitecustomize.py", "pytest.py", "conftest.py")}
    files[f"{prefix}pytest.ini"] = "[pytest]\naddopts = -p conftest\n"
    return files


@pytest.mark.parametrize("layout", ["repository", "engine.py uploaded alone"])
def test_planted_modules_and_links_are_never_run_or_followed(zips, tmp_path, layout):
    prefix = "" if layout == "repository" else "upload/"
    files = {**planted(prefix), **planted(prefix + "micrograd/" if layout == "repository" else prefix)}
    files[f"{prefix}micrograd/engine.py" if layout == "repository" else f"{prefix}engine.py"] = reference("engine")
    root = tmp_path / "autograder"
    root.mkdir()
    folder = root / "submission" / prefix / ("micrograd" if layout == "repository" else "")
    links = {"meta.py": root / "submission_metadata.json", "hidden.py": root / "source" / "autograder" / "grade.py"}
    proc, results = run_gradescope(zips["engine"], root, files, links={folder / k: v for k, v in links.items()})
    assert proc.returncode == 0, proc.stderr
    assert not list(root.rglob("RAN")), "a planted module ran outside the sandbox"
    assert results["score"] == ENGINE_MAX, results["output"]
    assert "created_at" not in json.dumps(results) and "def grade(" not in json.dumps(results)
    assert {"micrograd/hidden.py (a symbolic link)", "micrograd/meta.py (a symbolic link)"} <= set(
        results["extra_data"].get("skipped", [])
    ) or layout != "repository"
