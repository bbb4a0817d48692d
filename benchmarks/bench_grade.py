"""Grading speed: one `make grade` next to the floor, and `make grade-all` next to sequential grading.

Run: `.venv/bin/python benchmarks/bench_grade.py [--submissions 50]`. Figures are
printed, never asserted (the machine is shared and noisy); every ratio comes
from this one run.

1. The wall time of grading the reference submission (`python -m autograder
   grade`, a fresh interpreter) next to `python -c "import torch"` (the floor:
   a grader that compares with torch cannot start faster), median of 5 each.
2. Submissions per minute for N mixed submissions (reference, stubs and buggy
   ones from the test catalogue): `make grade-all` (warm workers on every core)
   next to N sequential `make grade` runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from submissions.catalogue import BUGGY, Submission, build  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def mixed_submissions(folder: Path, n: int) -> None:
    """N engine submissions: a third each reference, stub and buggy (cycling through the catalogue)."""
    buggy = [s for s in BUGGY if s.assignment == "engine"]
    for i in range(n):
        kind = i % 3
        target = folder / f"student-{i:03d}"
        if kind == 0:
            build(Submission("reference", "engine"), target, folder / "unused")
        elif kind == 1:
            shutil.copytree(ROOT / "assignments" / "engine", target)
        else:
            build(buggy[(i // 3) % len(buggy)], target, folder / "unused")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ref = tmp / "reference"
        build(Submission("reference", "engine"), ref, tmp / "unused")
        grade_one = [PY, "-m", "autograder", "grade", str(ref), "--results", str(tmp / "r.json"), "--quiet"]
        floor = [PY, "-c", "import torch"]
        wall(floor)  # warm the file cache for both
        grades, floors = [], []
        for _ in range(5):
            grades.append(wall(grade_one))
            floors.append(wall(floor))
        g, f = statistics.median(grades), statistics.median(floors)
        print(f"grade the reference (engine): {g:.2f} s   import torch: {f:.2f} s   ratio {g / f:.2f}x (median of 5)")

        subs = tmp / "subs"
        mixed_submissions(subs, args.submissions)
        sequential = sum(
            wall(["make", "-s", "grade", f"SUBMISSION={student}", f"RESULTS={tmp / 'seq' / student.name}.json"])
            for student in sorted(subs.iterdir())
        )
        batch = wall(["make", "-s", "grade-all", f"SUBMISSIONS={subs}", f"OUT={tmp / 'batch'}"])
        n = args.submissions
        print(f"{n} sequential `make grade`: {sequential:.1f} s = {n / sequential * 60:.0f} submissions/min")
        print(f"`make grade-all` ({n}):      {batch:.1f} s = {n / batch * 60:.0f} submissions/min")
        print(f"batch / sequential rate: {sequential / batch:.1f}x")


if __name__ == "__main__":
    main()
