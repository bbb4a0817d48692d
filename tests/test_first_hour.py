"""A new instructor's first hour: the README's commands, run as written, leave the kit clean.

The deadline commands put a term's student repositories in `term/` (`OUT=term/...`): git
ignores them and ruff does not lint them, so `make test` still passes with a term inside.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_a_term_of_student_repositories_in_the_kit_is_neither_committed_nor_linted():
    probe = ROOT / "term" / "first-hour-probe" / "repositories" / "alice"
    created = not (ROOT / "term").exists()
    probe.mkdir(parents=True, exist_ok=True)
    try:
        (probe / "engine.py").write_text("import os\nx=1;  y = undefined_name\n")  # ruff would flag F401, E702, F821
        ignored = subprocess.run(["git", "check-ignore", "-q", str(probe / "engine.py")], cwd=ROOT)
        assert ignored.returncode == 0, "git does not ignore term/"
        files = subprocess.run(
            [BIN / "ruff", "check", "--show-files", "."], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        assert "first-hour-probe" not in files, "ruff lints term/"
        assert "coursekit" in files  # the check ran over the kit
    finally:
        shutil.rmtree(ROOT / "term" if created else probe.parent.parent)


def test_make_grade_of_a_path_that_does_not_exist_says_so(tmp_path):
    # `-o venv`: the venv running this test is the kit's; make need not (re)install it.
    proc = subprocess.run(
        ["make", "--no-print-directory", "-o", "venv", "grade", f"SUBMISSION={tmp_path / 'no-such-repo'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert f"{tmp_path / 'no-such-repo'} does not exist" in proc.stderr
