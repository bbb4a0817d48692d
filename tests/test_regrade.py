"""Regrading when the grader changes: results keyed by the grader too, and an audit of every score that moved.

A small class is graded by `python -m autograder grade-all` run from a COPY of
the grader package (first on PYTHONPATH), so each test can edit the copy as an
instructor edits `autograder/` mid-term, then rerun on the same OUT:

1. one test's points and the engine's maximum (+2, 60 -> 62);
2. the tolerance, so that a near-miss submission's outcome changes;
3. unrelated files (a README, another assignment's test, the Classroom writer): nobody is regraded.

Which scores moved is read from the gradebooks `grade-all` writes before and
after (not from the audit); changes.csv must name exactly those students.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from submissions.catalogue import BUGGY, build, engine

from autograder.grader_fingerprint import NOT_GRADING, covered_files, grader_fingerprint, runtime
from autograder.regrade_audit import CHANGES_COLUMNS, RegradeAudit, short
from coursekit.course import ASSIGNMENTS_DIR, ROOT, SOLUTION_PACKAGE

PACKAGE = ROOT / "autograder"
ENGINE_MAX = 60
# The tanh forward off by one part in 10^5 (its backward exact): wrong at the grader's tolerance (1e-11),
# right at 1e-4. A near miss, which a loosened tolerance accepts.
NEAR_MISS = engine(
    "tanh_forward_off_by_1e-5",
    '        out = Value(math.tanh(self.data), (self,), "tanh")\n',
    '        out = Value(math.tanh(self.data) * (1 + 1e-5), (self,), "tanh")\n',
    breaks=("test_tanh_backward",),
)
MUL_BUG = next(s for s in BUGGY if s.name == "mul_forgets_out_grad")


def edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {path} once"
    path.write_text(text.replace(old, new))


def gradebook(out):
    return {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}


def changes(out):
    return {r["student"]: r for r in csv.DictReader((out / "changes.csv").open())}


class Course:
    """A copy of the grader, a class of four repositories, and grade-all's OUT."""

    def __init__(self, root):
        self.grader = root / "grader"
        shutil.copytree(PACKAGE, self.grader / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
        (self.grader / "README.md").write_text("# the course\n")
        self.subs, self.out = root / "subs", root / "out"
        (self.subs / "ada" / "micrograd").mkdir(parents=True)  # the reference
        shutil.copyfile(SOLUTION_PACKAGE / "engine.py", self.subs / "ada" / "micrograd" / "engine.py")
        shutil.copytree(ASSIGNMENTS_DIR / "engine", self.subs / "bob")  # the stub
        build(MUL_BUG, self.subs / "cy", root / "forged")
        build(NEAR_MISS, self.subs / "di", root / "forged")

    @property
    def package(self):
        return self.grader / "autograder"

    def run(self, *args):
        """`python -m autograder grade-all`, from the copy; its stdout."""
        env = {**os.environ, "PYTHONPATH": f"{self.grader}{os.pathsep}{ROOT}"}
        command = [sys.executable, "-m", "autograder", "grade-all", str(self.subs), "--out", str(self.out)]
        done = subprocess.run(
            [*command, "--assignment", "engine", "--jobs", "2", *args],
            cwd=self.grader,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def fingerprint(self):
        return grader_fingerprint("engine", self.package)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("regrade"))
    first = course.run()
    assert "graded 4, unchanged 0, errors 0" in first and "with a changed grader" not in first
    assert not (course.out / "changes.csv").exists() and not (course.out / "history").exists()
    return course


def rerun_after(course, change):
    """Apply `change` to the copy, rerun grade-all; the earlier gradebook and results, and the summary."""
    before_book = gradebook(course.out)
    before_results = {p.stem: p.read_text() for p in (course.out / "results").glob("*.json")}
    before_grader = course.fingerprint()
    change(course.package)
    return before_book, before_results, before_grader, course.run()


def moved_in(before, after):
    """The students whose total moved, and by how much, from two gradebooks."""
    return {
        s: float(after[s]["total"]) - float(before[s]["total"])
        for s in after
        if after[s]["total"] != before[s]["total"]
    }


def assert_audited(course, before_book, before_results, before_grader, output, maximum):
    """`maximum`: (before, after)."""
    after = gradebook(course.out)
    moved = moved_in(before_book, after)
    assert moved, "the edit should move some score"
    table = changes(course.out)
    assert list(next(csv.reader((course.out / "changes.csv").open()))) == list(CHANGES_COLUMNS)
    assert set(table) == set(moved)  # exactly the students whose score moved; the others are not listed
    for student, row in table.items():
        assert float(row["old_score"]) == float(before_book[student]["total"])
        assert float(row["new_score"]) == float(after[student]["total"])
        assert float(row["change"]) == moved[student]
        assert row["old_grader"] == short(before_grader)
    # Every student was regraded (the grader changed), and the line says how many moved, by how much.
    assert "graded 4, unchanged 0, errors 0" in output
    deltas = sorted(moved.values())
    summary = next(line for line in output.splitlines() if line.startswith("regraded "))
    assert summary.startswith(f"regraded 4 with a changed grader: {len(moved)} score")
    for delta in set(deltas):
        assert f"{delta:+g} x{deltas.count(delta)}" in summary
    said = f"; maximum {maximum[0]} -> {maximum[1]}"
    assert (said in summary) == (maximum[0] != maximum[1]) and summary.count("maximum") <= 1
    assert "max" not in "".join(CHANGES_COLUMNS)  # the maximum is said once, not per student
    # The earlier results and feedback are kept under the earlier grader's fingerprint, as they were.
    history = course.out / "history" / short(before_grader)
    for student, text in before_results.items():
        assert (history / "results" / f"{student}.json").read_text() == text
        assert (history / "feedback" / f"{student}.md").is_file()
    # The new results carry the grader that made them.
    for path in (course.out / "results").glob("*.json"):
        assert json.loads(path.read_text())["extra_data"]["grader"] == course.fingerprint()
    return table, summary


def test_1_new_points_and_maximum_regrade_everyone_and_audit_who_moved(course):
    def points(package):
        edit(
            package / "tests/engine/test_ops.py",
            '@graded(5, lambda rng: binary("add"',
            '@graded(7, lambda rng: binary("add"',
        )
        edit(package / "assignments.py", '"engine", (), 60)', '"engine", (), 62)')

    before_book, before_results, before_grader, output = rerun_after(course, points)
    table, summary = assert_audited(course, before_book, before_results, before_grader, output, (ENGINE_MAX, 62))
    print(summary, (course.out / "changes.csv").read_text(), sep="\n")
    # Who passes `add` gains 2 (the reference, and the two bugs elsewhere); the stub stays at 0.
    assert set(table) == {"ada", "cy", "di"} and "bob" not in table
    assert all(row["tests_moved"] == "engine: add backward: 5 -> 7" for row in table.values())
    assert gradebook(course.out)["ada"]["total"] == "62" and gradebook(course.out)["ada"]["max"] == "62"


def test_2_a_looser_tolerance_regrades_everyone_and_the_near_miss_gains(course):
    def tolerance(package):
        edit(package / "diagnoses.py", "REL_TOL = 1e-11\n", "REL_TOL = 1e-4\n")

    before_book, before_results, before_grader, output = rerun_after(course, tolerance)
    table, summary = assert_audited(course, before_book, before_results, before_grader, output, (62, 62))
    print(summary, (course.out / "changes.csv").read_text(), sep="\n")
    assert "di" in table and float(table["di"]["change"]) > 0
    assert "engine: tanh backward: 0 -> 4" in table["di"]["tests_moved"]
    assert "ada" not in table and "bob" not in table  # the reference and the stub do not move


def test_3_an_unrelated_change_regrades_nobody(course):
    before = {p.name: p.read_text() for p in (course.out / "results").glob("*.json")}
    audit = (course.out / "changes.csv").read_text()
    grader = course.fingerprint()

    def unrelated(package):
        (package.parent / "README.md").write_text("# the course, reworded\n")
        for name in ("tests/nn/test_neuron.py", "classroom.py"):  # another assignment's test; a writer
            (package / name).write_text((package / name).read_text() + "# reworded\n")

    *_, output = rerun_after(course, unrelated)
    print(output)
    assert course.fingerprint() == grader
    assert "graded 0, unchanged 4, errors 0" in output and "with a changed grader" not in output
    assert {p.name: p.read_text() for p in (course.out / "results").glob("*.json")} == before
    assert (course.out / "changes.csv").read_text() == audit  # the last grader change's audit stands


# -- what the fingerprint covers (no grading) ----------------------------------------------------


@pytest.fixture
def package_copy(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "autograder"


def test_the_fingerprint_covers_the_grading_files_and_not_the_others(package_copy):
    covered = covered_files("engine", package_copy)
    for name in ("assignments.py", "checks.py", "diagnoses.py", "expected.py", "programs.py", "models.py"):
        assert name in covered
    assert "sandbox/runner.py" in covered and "tests/engine/test_ops.py" in covered and "tests/pytest.ini" in covered
    assert not [n for n in covered if n.startswith(("tests/nn/", "tests/train/"))]
    assert not NOT_GRADING & set(covered)
    assert "reference/micrograd/engine.py" in covered_files("nn", package_copy)
    assert "reference/micrograd/nn.py" not in covered_files("nn", package_copy)


def test_a_new_grader_module_is_covered_without_being_listed(package_copy):
    before = grader_fingerprint("engine", package_copy)
    (package_copy / "sandbox" / "protocol.py").write_text("MAX_LINE = 1 << 20\n")
    assert "sandbox/protocol.py" in covered_files("engine", package_copy)
    assert grader_fingerprint("engine", package_copy) != before
    (package_copy / "sandbox" / "__pycache__").mkdir(exist_ok=True)
    after = grader_fingerprint("engine", package_copy)
    (package_copy / "sandbox" / "__pycache__" / "protocol.cpython-311.pyc").write_bytes(b"\0")
    assert grader_fingerprint("engine", package_copy) == after  # caches are not the grader


def test_the_fingerprint_changes_with_torch_or_python_and_names_its_assignment(package_copy, monkeypatch):
    from autograder import grader_fingerprint as module

    before = grader_fingerprint("engine", package_copy)
    assert grader_fingerprint("nn", package_copy) != before
    assert re.fullmatch(r"[0-9a-f]{64}", before)
    assert set(runtime()) == {"python", "torch"}
    monkeypatch.setattr(module, "runtime", lambda: {"python": "3.11.7", "torch": "2.99.0"})
    assert grader_fingerprint("engine", package_copy) != before


def test_the_history_is_not_read_as_current_results(tmp_path):
    """The gradebook reads OUT/results only: a student kept in history/ alone is not a row."""
    from coursekit.gradebooks import build_rows

    results = {
        "score": 5.0,
        "extra_data": {"assignment": "engine", "max_score": 60.0},
        "tests": [{"name": "engine: add backward", "score": 5.0, "max_score": 5.0, "status": "passed"}],
    }
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "ada.json").write_text(json.dumps(results))
    (tmp_path / "history" / "0123456789ab" / "results").mkdir(parents=True)
    (tmp_path / "history" / "0123456789ab" / "results" / "gone.json").write_text(json.dumps(results))
    rows, _ = build_rows([], tmp_path / "results", "engine")
    assert [r.key for r in rows] == ["ada"]


def test_4_the_report_says_the_grader_changed_and_the_gradebook_warns_of_results_not_regraded(course, tmp_path):
    from coursekit.roster import Student, write_roster

    roster = tmp_path / "roster.csv"
    write_roster(
        roster, [Student(str(i), n.title(), f"{n}@uni.edu", n, "A") for i, n in enumerate("ada bob cy di".split())]
    )
    env = {**os.environ, "PYTHONPATH": f"{course.grader}{os.pathsep}{ROOT}"}

    def make(module):
        args = ["--roster", str(roster), "--graded", str(course.out), "--assignment", "engine"]
        command = [sys.executable, "-m", module, *args]
        done = subprocess.run(command, cwd=course.grader, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    make("coursekit.report")
    report = (course.out / "report-engine.md").read_text()
    print(report.split("## Failures")[0])
    moved = len(changes(course.out))
    assert f"- graded by grader {short(course.fingerprint())} (4)" in report
    assert "the grader changed since the earlier run" in report and f": {moved} score" in report
    assert "another grader" not in report and "another grader" not in make("coursekit.gradebooks")
    # An edit to the grader that grade-all has not yet applied: the gradebook and the report say so.
    edit(course.package / "diagnoses.py", "REL_TOL = 1e-4\n", "REL_TOL = 1e-5\n")
    assert "4 result(s) were made by another grader than the current one" in make("coursekit.gradebooks")
    make("coursekit.report")
    assert "rerun make grade-all" in (course.out / "report-engine.md").read_text()


# -- the audit's rules, on hand-made results (no grading) ----------------------------------------


def made(score, tests, grader, files="f1", maximum=60.0, error=False):
    extra = {"assignment": "engine", "max_score": maximum, "grader": grader, "fingerprint": files}
    if error:
        extra["grader_error"] = True
    return {"score": float(score), "extra_data": extra, "tests": [{"name": n, "score": float(p)} for n, p in tests]}


def stored(out, student, results):
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "results" / f"{student}.json").write_text(json.dumps(results))


def regrade(out, grader, new):
    """What grade-all does per student: the audit, then the write."""
    audit = RegradeAudit(out, grader)
    for student, results in new.items():
        stored(out, student, audit.replace(student, results))
    return audit.finish(sorted(p.stem for p in (out / "results").glob("*.json")))  # every student of the folder


def test_only_a_grader_change_is_audited_and_a_retry_keeps_what_it_is_compared_with(tmp_path):
    stored(tmp_path, "ada", made(10, [("t1", 5), ("t2", 5)], "A" * 64))
    stored(tmp_path, "bob", made(5, [("t1", 5), ("t2", 0)], "A" * 64))
    line = regrade(
        tmp_path,
        "B" * 64,
        {"ada": made(12, [("t1", 7), ("t2", 5)], "", maximum=62.0), "bob": made(0, [], "", error=True)},
    )
    assert line.startswith("regraded 1 with a changed grader: 1 score moved (+2 x1); maximum 60 -> 62;")
    assert list(changes(tmp_path)) == ["ada"] and changes(tmp_path)["ada"]["tests_moved"] == "t1: 5 -> 7"
    assert (tmp_path / "history" / "AAAAAAAAAAAA" / "results" / "bob.json").is_file()
    # bob's grader error is retried by the same grader: compared with what he had before the error.
    line = regrade(tmp_path, "B" * 64, {"bob": made(7, [("t1", 7), ("t2", 0)], "", maximum=62.0)})
    assert line.startswith("regraded 2 with a changed grader: 2 scores moved (+2 x2); maximum 60 -> 62 (1 in this run)")
    assert set(changes(tmp_path)) == {"ada", "bob"} and changes(tmp_path)["bob"]["change"] == "2"
    # bob changes his files: his new score is his own doing, not the grader's: no longer audited.
    regrade(tmp_path, "B" * 64, {"bob": made(12, [("t1", 7), ("t2", 5)], "", files="f2", maximum=62.0)})
    assert set(changes(tmp_path)) == {"ada"}


def test_a_run_interrupted_half_way_is_audited_whole_and_the_line_says_so(tmp_path):
    for s in ("ada", "bob", "cy"):
        stored(tmp_path, s, made(3, [("t", 3)], "A" * 64))
    stopped = RegradeAudit(tmp_path, "B" * 64)
    stored(tmp_path, "ada", stopped.replace("ada", made(1, [("t", 1)], "")))  # then the run was stopped
    line = regrade(tmp_path, "B" * 64, {"bob": made(1, [("t", 1)], ""), "cy": made(4, [("t", 4)], "")})
    assert line.startswith("regraded 3 with a changed grader: 3 scores moved (-2 x2, +1 x1) (2 in this run);")
    assert set(changes(tmp_path)) == {"ada", "bob", "cy"}


def test_changes_csv_cells_are_safe_in_a_spreadsheet_and_a_no_move_rerun_clears_it(tmp_path):
    stored(tmp_path, "=cmd", made(3, [("t", 3)], "A" * 64))
    regrade(tmp_path, "B" * 64, {"=cmd": made(0, [("t", 0)], "")})
    rows = list(csv.reader((tmp_path / "changes.csv").open()))
    assert rows[1][:4] == ["'=cmd", "3", "0", "-3"]
    stored(tmp_path, "=cmd", made(0, [("t", 0)], "B" * 64))  # regraded since for its own files' sake
    assert regrade(tmp_path, "C" * 64, {"=cmd": made(0, [("t", 0)], "")}).startswith(
        "regraded 1 with a changed grader: no score moved"
    )
    assert not (tmp_path / "changes.csv").exists()


def test_an_earlier_results_file_edited_by_hand_is_kept_in_history_and_compared_with_nothing(tmp_path):
    broken = made(3, [("t", 3)], "A" * 64)
    broken["score"] = "three"
    stored(tmp_path, "ada", broken)
    line = regrade(tmp_path, "B" * 64, {"ada": made(4, [("t", 4)], "")})
    assert line is None and not (tmp_path / "changes.csv").exists()
    assert json.loads((tmp_path / "history" / "AAAAAAAAAAAA" / "results" / "ada.json").read_text()) == broken
    assert json.loads((tmp_path / "results" / "ada.json").read_text())["extra_data"]["grader"] == "B" * 64
