"""A whole term on stand-ins, from `make collect` to the Canvas CSV: `make rehearsal`.

Run: `.venv/bin/python benchmarks/rehearse_term.py [--students 24] [--work build/rehearsal]`.
For each of the three assignments, STUDENTS generated students of every kind
(correct, buggy, late, with an extension, missing, hostile: tests/term_standins.py)
push dated commits to local repositories (file:// URLs standing in for GitHub);
then, through the Makefile, exactly as an instructor would: `make collect`
(late work accepted at 10% per started day, capped at 50%), `make grade-all`,
`make gradebook`, `make report`. It checks the Canvas and Moodle files against
their documented columns, validates the Classroom 50 result.json of three
submissions (made from their results by the grader's writer, and by running the
Classroom 50 bundle's autograder.py in their checkouts as its runner does), and
prints the figures. Times are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import jsonschema  # noqa: E402
from term_standins import (  # noqa: E402
    RUNNER_ENV,
    check_canvas_csv,
    check_moodle_csv,
    classroom50_results,
    make_term,
    rehearse_assignment,
)

from autograder.assignments import ASSIGNMENTS  # noqa: E402
from coursekit.bundles import write_bundles  # noqa: E402

SCHEMA = json.loads((ROOT / "coursekit" / "schemas" / "classroom50-result-v1.schema.json").read_text())
CANVAS_IDS = {"engine": "90101", "nn": "90102", "train": "90103"}


def bundle_results(work: Path, assignment: str, submissions: Path, keys: list[str]) -> dict[str, dict]:
    """Run the Classroom 50 bundle's autograder.py in each checkout, as the runner does."""
    delivery = work / "delivery"
    if not delivery.exists():
        write_bundles(delivery)
    out = {}
    for key in keys:
        checkout = work / "checkouts" / assignment / key
        shutil.rmtree(checkout, ignore_errors=True)
        shutil.copytree(submissions / key, checkout, symlinks=True)
        env = {
            **RUNNER_ENV,
            "ASSIGNMENT": assignment,
            "USERNAME": key,
            "OWNER": key,
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        }
        proc = subprocess.run(
            [sys.executable, delivery / "classroom50" / assignment / "autograder.py"],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
        )
        out[key] = {"exit": proc.returncode, **json.loads((checkout / "result.json").read_text())}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--students", type=int, default=24, help="students per assignment (at least 20 for the figures)"
    )
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "rehearsal", help="scratch folder (replaced)")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    start = time.perf_counter()
    term = make_term(args.work / "standins", args.students)
    print(f"stand-ins: {args.students} students x 3 assignments in {time.perf_counter() - start:.1f} s")
    kinds = {}
    for key, kind in term["kinds"].items():
        kinds.setdefault(kind, []).append(key)
    print("students per kind: " + ", ".join(f"{k} {len(v)}" for k, v in kinds.items()))
    failures = []
    for assignment in sorted(ASSIGNMENTS, key=lambda a: ASSIGNMENTS[a].number):
        a = ASSIGNMENTS[assignment]
        run = rehearse_assignment(term, args.work, assignment, CANVAS_IDS[assignment], use_make=True)
        rows = {r.key: r for r in run["rows"]}
        graded = run["graded"]
        print(f"\n== assignment {a.number} ({assignment}), of {a.max_points} ==")
        print("  times: " + ", ".join(f"{k} {v:.1f} s" for k, v in run["timings"].items()))
        for kind, keys in kinds.items():
            scores = [rows[k].score for k in keys]
            print(f"  {kind:10} scores {', '.join(f'{s:g}' for s in scores)} (mean {statistics.mean(scores):.1f})")
        print(f"  not on the roster: {', '.join(k for k, r in rows.items() if r.student is None)}")
        print(f"  listed problems: {len(run['problems'])}")
        problems = check_canvas_csv((graded / "canvas.csv").read_text(), a.max_points)
        emails = {r.student.email for r in run["rows"] if r.student}
        problems += check_moodle_csv((graded / "moodle.csv").read_text(), emails)
        print(f"  canvas.csv and moodle.csv against their documented columns: {problems or 'ok'}")
        failures += problems
        print("  canvas.csv:\n    " + "\n    ".join((graded / "canvas.csv").read_text().splitlines()[:4]))
        print("  moodle.csv:\n    " + "\n    ".join((graded / "moodle.csv").read_text().splitlines()[:3]))
        three = [kinds["correct"][0], kinds["buggy"][0], kinds["hostile"][0]]
        for source, results in [
            ("results -> classroom50_result", classroom50_results(graded, run["collection"], assignment, three)),
            (
                "the bundle's autograder.py",
                bundle_results(args.work, assignment, graded.parent / "repositories", three),
            ),
        ]:
            for key, result in results.items():
                body = {k: v for k, v in result.items() if k != "exit"}
                jsonschema.validate(body, SCHEMA)
                passed = sum(t["passed"] for t in result["tests"])
                exit_text = f", exit {result['exit']}" if "exit" in result else ""
                print(
                    f"  result.json by {source}, {key}: valid; {result['score']}/{result['max-score']}, "
                    f"{passed}/{len(result['tests'])} tests passed, datetime {result['datetime']}{exit_text}"
                )
        print(f"  report: {graded / f'report-{assignment}.md'} and .png")
    verdict = f"FAILED: {failures}" if failures else "all checks passed"
    print(f"\nwhole rehearsal: {time.perf_counter() - start:.1f} s; {verdict}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
