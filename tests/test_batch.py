"""`make grade` and `make grade-all` from the outside: exit codes, files, gradebook, resuming."""

import csv
import json
import shutil
import subprocess
import sys

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.batch import grade_all
from autograder.points import hidden_tests
from coursekit.course import ASSIGNMENTS_DIR, ROOT, SOLUTION_PACKAGE


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Three students: a reference, a stub and an empty folder, graded as the engine assignment."""
    subs = tmp_path_factory.mktemp("subs")
    (subs / "ada" / "micrograd").mkdir(parents=True)
    shutil.copyfile(SOLUTION_PACKAGE / "engine.py", subs / "ada" / "micrograd" / "engine.py")
    shutil.copytree(ASSIGNMENTS_DIR / "engine", subs / "bob")
    (subs / "cy").mkdir()
    out = tmp_path_factory.mktemp("out")
    gradebook = grade_all(subs, out, assignment="engine", jobs=2, progress=False)
    return subs, out, gradebook


def test_grade_all_writes_a_gradebook_row_per_student_with_a_column_per_test(batch):
    _, _, gradebook = batch
    rows = list(csv.DictReader(gradebook.open()))
    assert [r["student"] for r in rows] == ["ada", "bob", "cy"]
    full = str(ASSIGNMENTS["engine"].max_points)
    tests = hidden_tests("engine")
    tanh = next(t for t in tests if t["test"].endswith("::test_tanh_backward"))
    assert [r["total"] for r in rows] == [full, "0", "0"]
    assert all(r["max"] == full for r in rows)
    assert rows[0]["engine: tanh backward"] == str(tanh["points"]) and rows[1]["engine: tanh backward"] == "0"
    assert len(rows[0]) == 4 + len(tests)  # student, assignment, total, max, then a column per engine test


def test_grade_all_writes_feedback_saying_what_failed_and_why(batch):
    _, out, _ = batch
    assert "## What failed" not in (out / "feedback" / "ada.md").read_text()
    bob = (out / "feedback" / "bob.md").read_text()
    mul = next(t for t in hidden_tests("engine") if t["test"].endswith("::test_mul_backward"))
    assert f"engine: mul backward (0 / {mul['points']})" in bob and "still a stub" in bob
    assert "micrograd/engine.py is missing" in (out / "feedback" / "cy.md").read_text()


def test_grade_all_resumes_without_regrading_what_is_done(batch):
    subs, out, _ = batch
    done = out / "results" / "ada.json"
    before = done.stat().st_mtime_ns
    (out / "results" / "bob.json").unlink()  # as if the batch had been interrupted during bob
    (out / "results" / "bob.json.part").write_text("{half a file")
    grade_all(subs, out, assignment="engine", jobs=1, progress=False)
    assert done.stat().st_mtime_ns == before
    assert json.loads((out / "results" / "bob.json").read_text())["score"] == 0


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_grade_exits_0_and_writes_results_even_for_something_that_is_not_a_repository(tmp_path):
    proc = run_cli("grade", str(tmp_path / "nowhere"), "--results", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    results = json.loads((tmp_path / "r.json").read_text())
    assert results["score"] == 0 and "Nothing was graded" in results["output"]


def test_grade_prints_a_summary_and_writes_gradescope_results(tmp_path):
    proc = run_cli("grade", str(ASSIGNMENTS_DIR / "nn"), "--results", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    assert f"Neurons, layers and MLPs (assignment 2, nn): 0 / {ASSIGNMENTS['nn'].max_points}" in proc.stdout
    results = json.loads((tmp_path / "r.json").read_text())
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
    assert {t["visibility"] for t in results["tests"]} <= {"visible", "after_published"}
