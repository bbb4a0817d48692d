"""`python -m autograder`: the grader's command line, a thin layer over `autograder.grade`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from autograder import classroom, student_text
from autograder.assignments import ASSIGNMENTS
from autograder.grade import grade, grader_error_results
from autograder.sandbox import isolation


def summary(results: dict) -> str:
    """A readable summary: the total, then one line per test, failures with their feedback (no control characters)."""
    lines = [student_text.clean(results["output"], 20_000, 2000)]
    for t in results["tests"]:
        mark = "PASS" if t["status"] == "passed" else "FAIL"
        lines.append(f"  {mark} {t['score']:g}/{t['max_score']:g}  {t['name']}")
        if t["status"] != "passed":
            lines += [f"         {line}" for line in student_text.clean(t["output"], 8000, 2000).splitlines()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder")
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("grade", help="grade one student repository")
    one.add_argument("submission", type=Path, help="the student repository")
    one.add_argument("--results", type=Path, default=Path("results.json"), help="where to write results JSON")
    one.add_argument("--assignment", choices=sorted(ASSIGNMENTS), help="default: recognised from the files")
    one.add_argument("--quiet", action="store_true", help="no summary on stdout")
    one.add_argument(
        "--require-isolation",
        action="store_true",
        help="the grade of record: refuse (exit 3) where the OS gives no isolation (Gradescope, the workflows)",
    )
    many = sub.add_parser("grade-all", help="grade every student repository in a folder (rerunnable)")
    many.add_argument("submissions", type=Path, help="a folder with one student repository per folder")
    many.add_argument("--out", type=Path, required=True, help="where results, feedback and gradebook.csv go")
    many.add_argument("--assignment", choices=sorted(ASSIGNMENTS), help="default: recognised from the files")
    many.add_argument("--jobs", type=int, default=None, help="worker processes (default: every core)")
    many.add_argument("--force", action="store_true", help="regrade every repository, changed or not")
    many.add_argument("--scheduler", help="grade on the Dask cluster at this address (tcp://HOST:PORT; README)")
    for cmd in (one, many):
        cmd.add_argument(
            "--isolation", choices=isolation.LEVELS, help="default: the strongest this machine gives (see README)"
        )
        cmd.add_argument(
            "--allow-unisolated",
            action="store_true",
            help="grade even where the OS gives no isolation (only the in-process audit hook stands)",
        )
    classroom.add_command(sub)
    args = parser.parse_args(argv)

    if args.command == "classroom-result":
        return classroom.main(args)
    given = args.submission if args.command == "grade" else args.submissions
    if not given.is_dir():  # a typo in SUBMISSION(S)=: say so, rather than "no engine.py" in a results file
        print(f"{args.command}: {given} {'is not a folder' if given.exists() else 'does not exist'}", file=sys.stderr)
        return 2
    isolation.configure(args.isolation)
    if args.command == "grade-all":
        from autograder.batch import GradeAllRefused, grade_all

        try:
            gradebook = grade_all(
                args.submissions,
                args.out,
                args.assignment,
                args.jobs,
                force=args.force,
                allow_unisolated=args.allow_unisolated,
                scheduler=args.scheduler,
                isolation_level=args.isolation,
            )
        except GradeAllRefused as exc:
            print(f"grade-all: {exc}", file=sys.stderr)
            return 3
        print(f"gradebook: {gradebook}\nfeedback: {args.out / 'feedback'}")
        return 0
    try:
        results = grade(
            args.submission,
            args.assignment,
            require_isolation=args.require_isolation,
            allow_unisolated=args.allow_unisolated,
        )
    except Exception as exc:  # the grader's own failure: still a results file that says so
        results = grader_error_results(args.assignment, f"{type(exc).__name__}: {exc}", {}, time.perf_counter())
        write_results(args.results, results)
        print(f"the grader failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    write_results(args.results, results)
    if not args.quiet:
        print(summary(results))
    level = results["extra_data"].get("isolation")
    if level == "none":
        print(f"warning: {UNISOLATED_WARNING}", file=sys.stderr)
    if results["extra_data"].get("grader_error"):
        print(student_text.clean(results["output"], 20_000, 2000), file=sys.stderr)
        return 3
    return 0


UNISOLATED_WARNING = (
    "this machine gives no OS isolation (no bubblewrap namespaces, not root): the student's code ran "
    "with only the in-process audit hook, which PEP 578 says is no sandbox. Install bubblewrap (or run "
    "as root) before grading for the record."
)


def write_results(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
