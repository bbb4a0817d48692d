"""`make grade` and `make grade-all` from the outside: exit codes, files, gradebook, reruns, the watchdog."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.batch import (
    GradeAllRefused,
    class_assignment,
    common_assignment,
    detected,
    grade_all,
    odd_one_out,
    student_dirs,
)
from autograder.points import hidden_tests
from autograder.sandbox import isolation
from autograder.sandbox.runner import Limits
from coursekit.course import ASSIGNMENTS_DIR, ROOT, SOLUTION_PACKAGE

ENGINE_MAX = ASSIGNMENTS["engine"].max_points
FIXED_COLUMNS = ["student", "assignment", "total", "max", "isolation", "grader_error", "note"]


def reference_repo(folder):
    (folder / "micrograd").mkdir(parents=True)
    shutil.copyfile(SOLUTION_PACKAGE / "engine.py", folder / "micrograd" / "engine.py")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Three students: a reference, a stub and an empty folder, graded as the engine assignment."""
    subs = tmp_path_factory.mktemp("subs")
    reference_repo(subs / "ada")
    shutil.copytree(ASSIGNMENTS_DIR / "engine", subs / "bob")
    (subs / "cy").mkdir()
    out = tmp_path_factory.mktemp("out")
    gradebook = grade_all(subs, out, assignment="engine", jobs=2, progress=False)
    return subs, out, gradebook


def test_grade_all_writes_a_gradebook_row_per_student_with_a_column_per_test(batch):
    _, _, gradebook = batch
    rows = list(csv.DictReader(gradebook.open()))
    assert [r["student"] for r in rows] == ["ada", "bob", "cy"]
    assert [r["total"] for r in rows] == [f"{ENGINE_MAX:g}", "0", "0"]
    assert all(r["max"] == f"{ENGINE_MAX:g}" for r in rows)  # nothing gradable still scores 0 of the maximum
    assert {r["isolation"] for r in rows} == {isolation.current().level}
    tests = [f"engine: {t['name']}" for t in hidden_tests("engine")]
    assert list(rows[0]) == FIXED_COLUMNS + tests
    assert all(rows[1][t] == "0" for t in tests)


def test_grade_all_writes_feedback_saying_what_failed_and_why(batch):
    _, out, _ = batch
    assert "## What failed" not in (out / "feedback" / "ada.md").read_text()
    bob = (out / "feedback" / "bob.md").read_text()
    assert "still a stub" in bob and bob.count(f"0 / {ENGINE_MAX:g}") == 1  # the summary line, once
    mul = next(t for t in hidden_tests("engine") if t["test"].endswith("::test_mul_backward"))
    assert f"engine: mul backward (0 / {mul['points']})" in bob
    assert "micrograd/engine.py is missing" in (out / "feedback" / "cy.md").read_text()


def test_a_rerun_regrades_only_what_changed(batch, tmp_path, capsys):
    subs, out, _ = batch
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    ada, bob = copy / "results" / "ada.json", copy / "results" / "bob.json"
    before = ada.stat().st_mtime_ns
    shutil.copytree(subs, tmp_path / "subs")
    shutil.copyfile(SOLUTION_PACKAGE / "engine.py", tmp_path / "subs" / "bob" / "micrograd" / "engine.py")
    capsys.readouterr()
    grade_all(tmp_path / "subs", copy, assignment="engine", jobs=1, progress=False)
    assert "graded 1, unchanged 2, errors 0" in capsys.readouterr().out
    assert ada.stat().st_mtime_ns == before
    assert json.loads(bob.read_text())["score"] == ENGINE_MAX
    grade_all(tmp_path / "subs", copy, assignment="engine", jobs=2, progress=False, force=True)
    assert "graded 3, unchanged 0, errors 0" in capsys.readouterr().out
    assert ada.stat().st_mtime_ns != before


def test_a_grader_error_is_always_regraded(batch, tmp_path, capsys):
    subs, out, _ = batch
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    bob = copy / "results" / "bob.json"
    results = json.loads(bob.read_text())
    results["extra_data"]["grader_error"] = True
    bob.write_text(json.dumps(results))
    capsys.readouterr()
    grade_all(subs, copy, assignment="engine", jobs=1, progress=False)
    assert "graded 1, unchanged 2, errors 0" in capsys.readouterr().out
    assert "grader_error" not in json.loads(bob.read_text())["extra_data"]


def test_the_majority_decides_the_assignment_and_the_odd_one_is_graded_as_it_and_flagged(tmp_path):
    subs = tmp_path / "subs"
    for student in ("ada", "cy"):
        shutil.copytree(ASSIGNMENTS_DIR / "nn", subs / student)
    reference_repo(subs / "bob")  # an engine repository in an nn class
    assert common_assignment(student_dirs(subs)) == "nn"
    (subs / "cy" / "micrograd" / "nn.py").unlink()  # an nn repository without nn.py is still an nn one
    assert detected(subs / "cy") == "nn"
    assert class_assignment({subs / "a": "engine", subs / "b": None}) == "engine"
    assert class_assignment({subs / "a": None}) is None
    with pytest.raises(GradeAllRefused, match="pass --assignment"):
        common_assignment([tmp_path])  # nothing of the course anywhere: the instructor must say
    flagged = odd_one_out({"output": "0 / 30", "extra_data": {}}, "nn", "engine")
    assert flagged["extra_data"]["looks_like"] == "engine" and "graded as nn" in flagged["output"]
    assert odd_one_out({"output": "x", "extra_data": {}}, "nn", "nn") == {"output": "x", "extra_data": {}}


def test_grade_all_refuses_to_run_without_isolation_unless_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(isolation, "current", lambda: isolation.Isolation("none"))
    reference_repo(tmp_path / "subs" / "ada")
    with pytest.raises(GradeAllRefused, match="allow-unisolated"):
        grade_all(tmp_path / "subs", tmp_path / "out", assignment="engine", progress=False)


HANG_AT_IMPORT = "while True:\n    pass\n"


def grading(worker: psutil.Process) -> bool:
    """Whether a worker runs a student's sandbox (not the isolation check of its warm-up)."""
    try:
        return any("micrograd-sandbox-" in " ".join(c.cmdline()) for c in worker.children())
    except psutil.Error:
        return False


def test_the_watchdog_replaces_a_killed_and_a_stopped_worker_and_the_gradebook_is_written(tmp_path, capsys):
    """Two workers grade two slow submissions; one worker is killed and the other stopped mid-grading."""
    subs = tmp_path / "subs"
    for name in ("a-slow", "b-slow"):
        (subs / name / "micrograd").mkdir(parents=True)
        (subs / name / "micrograd" / "engine.py").write_text(HANG_AT_IMPORT)
    reference_repo(subs / "c-reference")
    shutil.copytree(ASSIGNMENTS_DIR / "engine", subs / "d-stub")
    limits = Limits(probe_seconds=2.0, import_seconds=6.0, part_seconds=20.0)
    thread = threading.Thread(
        target=grade_all,
        args=(subs, tmp_path / "out", "engine", 2, limits, False),
        kwargs={"watchdog_seconds": 12.0},
    )
    thread.start()
    me = psutil.Process()
    deadline = time.monotonic() + 120
    busy = []
    while len(busy) < 2 and time.monotonic() < deadline:  # both workers inside a student's sandbox
        busy = [w for w in me.children() if grading(w)]
        time.sleep(0.1)
    assert len(busy) == 2, "the workers never started grading"
    os.kill(busy[0].pid, signal.SIGKILL)
    os.kill(busy[1].pid, signal.SIGSTOP)
    thread.join(timeout=120)
    assert not thread.is_alive()
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert {r["grader_error"] for name, r in rows.items() if "slow" in name} == {"yes"}
    assert rows["c-reference"]["total"] == f"{ENGINE_MAX:g}" and rows["d-stub"]["total"] == "0"
    outputs = " ".join(json.loads((tmp_path / "out" / "results" / f"{n}.json").read_text())["output"] for n in rows)
    assert "was killed by signal 9" in outputs and "stopped answering" in outputs
    assert "graded 4, unchanged 0, errors 2" in capsys.readouterr().out
    # The next run regrades exactly the two grader errors.
    grade_all(subs, tmp_path / "out", "engine", 2, limits, False)
    assert "graded 2, unchanged 2, errors 0" in capsys.readouterr().out


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_grade_of_a_path_that_does_not_exist_says_so_and_exits_2(tmp_path):
    proc = run_cli("grade", str(tmp_path / "nowhere"), "--results", str(tmp_path / "r.json"))
    assert proc.returncode == 2, proc.stderr
    assert f"grade: {tmp_path / 'nowhere'} does not exist" in proc.stderr
    assert not (tmp_path / "r.json").exists()
    (tmp_path / "a-file").write_text("")
    proc = run_cli("grade-all", str(tmp_path / "a-file"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr, proc.stderr


def test_grade_prints_a_summary_and_writes_gradescope_results_that_name_the_isolation(tmp_path):
    proc = run_cli("grade", str(ASSIGNMENTS_DIR / "nn"), "--results", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    nn = ASSIGNMENTS["nn"]
    assert f"{nn.title} (assignment {nn.number}, nn): 0 / {nn.max_points:g}" in proc.stdout
    results = json.loads((tmp_path / "r.json").read_text())
    assert results["extra_data"]["isolation"] == isolation.current().level
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
    assert {t["visibility"] for t in results["tests"]} <= {"visible", "after_published"}


def test_grade_of_record_without_isolation_is_refused_and_says_why(tmp_path):
    proc = run_cli(
        "grade", str(ASSIGNMENTS_DIR / "engine"), "--results", str(tmp_path / "r.json"),
        "--isolation", "none", "--require-isolation",
    )  # fmt: skip
    assert proc.returncode == 3
    results = json.loads((tmp_path / "r.json").read_text())
    assert results["extra_data"]["grader_error"] is True and results["tests"] == []
    assert "--allow-unisolated" in results["output"]
    allowed = run_cli(
        "grade", str(ASSIGNMENTS_DIR / "engine"), "--results", str(tmp_path / "r2.json"),
        "--isolation", "none", "--require-isolation", "--allow-unisolated",
    )  # fmt: skip
    assert allowed.returncode == 0 and "warning:" in allowed.stderr
    assert json.loads((tmp_path / "r2.json").read_text())["extra_data"]["isolation"] == "none"


def test_a_sandbox_that_cannot_run_is_a_grader_error_not_a_zero(tmp_path, monkeypatch):
    from autograder import plugin
    from autograder.grade import grade

    def broken(*args, **kwargs):
        raise OSError("bwrap: cannot mount")

    monkeypatch.setattr(plugin, "run_part", broken)
    reference_repo(tmp_path / "ada")
    results = grade(tmp_path / "ada", "engine")
    assert results["extra_data"]["grader_error"] is True and results["score"] == 0
    assert all("tell your instructor" in t["output"] for t in results["tests"])
