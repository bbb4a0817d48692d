"""Hostile inputs graded by `grade-all` beside and before honest students (issue: one student never breaks the class).

Every hostile repository sorts before the honest ones, so it is read, fingerprinted,
graded and reported first. The honest students must get exactly what they get when
graded alone (same results, same feedback file), the hostile ones a clear row each,
and the gradebook and every feedback file must be written.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from autograder import __main__ as cli
from autograder.batch import feedback_text, grade_all, write_reports
from autograder.fingerprint import MAX_ENTRIES, MAX_FILE_BYTES, MAX_MODULES, read_submission
from autograder.sandbox import isolation
from coursekit.course import ASSIGNMENTS_DIR, SOLUTION_PACKAGE

HOSTILE_TEXT = "\udcff \x1b[31mred\x07 ## 60/60 <img src=x> ``` done"
RAISE_AT_IMPORT = f"raise ValueError({HOSTILE_TEXT!r})\n"
RAISE_IN_ADD = f"\n\ndef _add(self, other):\n    raise ValueError({HOSTILE_TEXT!r})\n\n\nValue.__add__ = _add\n"
MEMFD_AT_IMPORT = (
    "import os\n"
    "fd = os.memfd_create('hoard')\n"
    "block = b'x' * (1 << 20)\n"
    "for _ in range(3072):\n"
    "    os.write(fd, block)\n"
)
TMPFS_AT_IMPORT = (
    "block = b'x' * (1 << 20)\nwith open('/tmp/hoard', 'wb') as f:\n    for _ in range(3072):\n        f.write(block)\n"
)
HONEST = ["zz-ada", "zz-bob"]


def engine_repo(folder: Path, source: str | None = None, extra: str = "") -> Path:
    (folder / "micrograd").mkdir(parents=True)
    text = (SOLUTION_PACKAGE / "engine.py").read_text() if source is None else source
    (folder / "micrograd" / "engine.py").write_text(text + extra)
    return folder


def honest(subs: Path) -> None:
    engine_repo(subs / "zz-ada")
    shutil.copytree(ASSIGNMENTS_DIR / "engine", subs / "zz-bob")


def hostile(subs: Path) -> None:
    root = os.fsencode(subs)
    odd = engine_repo(Path(os.fsdecode(root + b"/0-\xff\xfe-not-utf8")))
    (odd / "micrograd" / "caf\xe9.py").write_text("x = 1\n")
    with open(os.fsencode(odd / "micrograd") + b"/\xff\xfe.py", "wb") as f:
        f.write(b"x = 1\n")
    engine_repo(subs / "1-raises-at-import", RAISE_AT_IMPORT)
    engine_repo(subs / "2-raises-in-add", extra=RAISE_IN_ADD)
    flood = engine_repo(subs / "3-module-flood")
    for i in range(MAX_ENTRIES + 10):
        (flood / "micrograd" / f"m{i}.py").write_bytes(b"")
    sparse = engine_repo(subs / "4-sparse-2gb")
    os.truncate(sparse / "micrograd" / "engine.py", 2 << 30)
    engine_repo(subs / "5-memfd", MEMFD_AT_IMPORT)
    engine_repo(subs / "6-tmpfs", TMPFS_AT_IMPORT)
    links = subs / "7-links-and-fifos" / "micrograd"
    links.mkdir(parents=True)
    (links / "engine.py").symlink_to(Path(isolation.__file__).resolve().parent.parent / "tests" / "engine")
    (links / "value.py").symlink_to("/etc/passwd")
    os.mkfifo(links / "nn.py")
    os.link(SOLUTION_PACKAGE / "engine.py", links / "train.py")  # a hard link out of the repository
    shutil.copytree(ASSIGNMENTS_DIR / "nn", subs / "8-wrong-assignment")
    engine_repo(subs / "=HYPERLINK(1)")
    (subs / "9-a-link-as-a-student").symlink_to(subs / "zz-ada")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    alone, crowd = tmp_path_factory.mktemp("alone"), tmp_path_factory.mktemp("crowd")
    honest(alone / "subs")
    honest(crowd / "subs")
    hostile(crowd / "subs")
    grade_all(alone / "subs", alone / "out", jobs=2, progress=False)
    grade_all(crowd / "subs", crowd / "out", jobs=2, progress=False)  # no ASSIGNMENT: the majority decides
    return alone / "out", crowd / "out"


def results_of(out: Path, student: str | bytes) -> dict:
    return json.loads(
        Path(os.fsdecode(os.fsencode(out / "results") + b"/" + os.fsencode(student) + b".json")).read_text()
    )


def rows(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}


def comparable(results: dict) -> dict:
    return {**results, "execution_time": None}


def test_honest_students_get_exactly_their_results_alone(graded):
    alone, crowd = graded
    for student in HONEST:
        assert comparable(results_of(crowd, student)) == comparable(results_of(alone, student))
        assert (crowd / "feedback" / f"{student}.md").read_bytes() == (
            alone / "feedback" / f"{student}.md"
        ).read_bytes()
    assert rows(crowd)["zz-ada"]["total"] == "60" and rows(crowd)["zz-bob"]["total"] == "0"


def test_every_student_has_a_row_and_a_feedback_file(graded):
    _, crowd = graded
    table = rows(crowd)
    assert len(table) == 12  # the link in place of a student is no student
    assert "9-a-link-as-a-student" not in table
    assert "'=HYPERLINK(1)" in table  # never a formula in a spreadsheet
    assert "0-\ufffd\ufffd-not-utf8" in table
    assert len(list((crowd / "feedback").iterdir())) == 12
    for path in (crowd / "feedback").iterdir():
        path.read_bytes().decode("utf-8")  # strict: no surrogate reached a writer


def test_odd_names_are_left_out_not_raised(graded):
    _, crowd = graded
    student = b"0-\xff\xfe-not-utf8"
    results = results_of(crowd, student)
    assert results["score"] == 60  # the reference engine beside two oddly named modules
    assert any("not an importable module name" in s for s in results["extra_data"]["skipped"])


def fenced_lines(markdown: str) -> list[str]:
    """The lines of `markdown` outside code fences (CommonMark: a fence closes with at least as many backticks)."""
    outside, fence = [], None
    for line in markdown.split("\n"):
        match = re.match(r"^(`{3,})", line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and line.strip().startswith(fence) and set(line.strip()) == {"`"}:
            fence = None
        elif fence is None:
            outside.append(line)
    return outside


@pytest.mark.parametrize("student", ["1-raises-at-import", "2-raises-in-add"])
def test_hostile_error_text_stays_inside_code_blocks(graded, student):
    _, crowd = graded
    feedback = (crowd / "feedback" / f"{student}.md").read_text(encoding="utf-8")
    assert "60/60 <img src=x>" in feedback  # shown, as characters
    outside = "\n".join(fenced_lines(feedback))
    assert "<img" not in outside and "60/60" not in outside
    assert "\x1b" not in feedback and "\x07" not in feedback
    summary = cli.summary(results_of(crowd, student))
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", summary)
    assert rows(crowd)[student]["total"] != "60"


def test_caps_refuse_a_flood_and_a_huge_file_with_the_limit_named(graded):
    _, crowd = graded
    flood = results_of(crowd, "3-module-flood")
    assert flood["score"] == 0 and f"not graded: more than {MAX_MODULES} modules" in flood["output"]
    sparse = results_of(crowd, "4-sparse-2gb")
    assert sparse["score"] == 0 and f"each module at most {MAX_FILE_BYTES} bytes" in sparse["output"]
    assert "not graded" in (crowd / "feedback" / "4-sparse-2gb.md").read_text()


@pytest.mark.parametrize("student", ["5-memfd", "6-tmpfs"])
def test_memory_hoarders_score_zero_and_are_no_grader_error(graded, student):
    _, crowd = graded
    results = results_of(crowd, student)
    assert results["score"] == 0 and not results["extra_data"].get("grader_error")


def test_links_fifos_and_hard_links_are_never_read(graded):
    _, crowd = graded
    results = results_of(crowd, "7-links-and-fifos")
    assert results["score"] == 0
    skipped = " ".join(results["extra_data"]["skipped"])
    assert "engine.py (a symbolic link)" in skipped and "value.py (a symbolic link)" in skipped
    assert "nn.py (not a regular file)" in skipped and "train.py (a hard link" in skipped
    assert "micrograd/engine.py is missing" in (crowd / "feedback" / "7-links-and-fifos.md").read_text()


def test_a_repository_of_another_assignment_is_graded_as_the_class_and_flagged(graded):
    _, crowd = graded
    row = rows(crowd)["8-wrong-assignment"]
    assert row["assignment"] == "engine" and row["note"] == "looks like nn"
    assert "looks like assignment nn" in (crowd / "feedback" / "8-wrong-assignment.md").read_text()


def test_the_capped_reader_never_reads_past_a_cap(tmp_path):
    sparse = engine_repo(tmp_path / "s")
    os.truncate(sparse / "micrograd" / "engine.py", 2 << 30)
    read = read_submission(sparse)
    assert read.files == {} and read.refused.startswith("not graded: micrograd/engine.py is larger than")
    assert read_submission(tmp_path / "nothing-here").files == {}


def test_a_flood_of_entries_is_refused_before_it_is_all_listed(tmp_path):
    flood = engine_repo(tmp_path / "f")
    for i in range(MAX_ENTRIES + 5):
        (flood / "micrograd" / f"data{i}.txt").write_bytes(b"")
    assert read_submission(flood).refused == f"not graded: micrograd/ holds more than {MAX_ENTRIES} entries"


def test_feedback_fences_student_text_and_says_checked_not_graded():
    results = {
        "score": 3.0,
        "output": "The autograd engine: 3 / 5\nYour code could not run: \udcff ## 60/60 <img src=x>",
        "extra_data": {"max_score": 5.0},
        "tests": [
            {"name": "engine: add", "score": 3.0, "max_score": 3.0, "status": "passed", "output": "ok"},
            {"name": "engine: sub", "score": 0.0, "max_score": 0.0, "status": "passed", "output": "ok"},
            {"name": "engine: mul", "score": 0.0, "max_score": 2.0, "status": "failed", "output": "````\n# 60/60"},
        ],
    }
    text = feedback_text("ada", results)
    text.encode("utf-8")
    assert "- engine: sub (checked, not graded)" in text and "- engine: add (3 / 3)" in text
    outside = "\n".join(fenced_lines(text))
    assert "60/60" not in outside and "<img" not in outside


def test_an_unreadable_results_file_is_that_students_grader_error_row_only(tmp_path):
    (tmp_path / "results").mkdir()
    good = {"score": 1.0, "output": "x: 1 / 1", "extra_data": {"max_score": 1.0}, "tests": []}
    (tmp_path / "results" / "ada.json").write_text(json.dumps(good))
    (tmp_path / "results" / "bob.json").write_bytes(b"\xff{ not json")
    table = {r["student"]: r for r in csv.DictReader(write_reports(tmp_path, ["ada", "bob", "cy"]).open())}
    assert table["ada"]["total"] == "1" and table["ada"]["grader_error"] == ""
    assert table["bob"]["grader_error"] == "yes" and table["cy"]["grader_error"] == "yes"
    assert "cannot be read" in (tmp_path / "feedback" / "bob.md").read_text()
    assert (tmp_path / "feedback" / "ada.md").exists()
