"""`python -m autograder`: the grader's command line, a thin layer over `autograder.grade`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograder import classroom
from autograder.assignments import ASSIGNMENTS
from autograder.grade import grade


def summary(results: dict) -> str:
    """A readable summary: the total, then one line per test, failures with their feedback."""
    lines = [results["output"]]
    for t in results["tests"]:
        mark = "PASS" if t["status"] == "passed" else "FAIL"
        lines.append(f"  {mark} {t['score']:g}/{t['max_score']:g}  {t['name']}")
        if t["status"] != "passed":
            lines += [f"         {line}" for line in t["output"].splitlines()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder")
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("grade", help="grade one student repository")
    one.add_argument("submission", type=Path, help="the student repository")
    one.add_argument("--results", type=Path, default=Path("results.json"), help="where to write results JSON")
    one.add_argument("--assignment", choices=sorted(ASSIGNMENTS), help="default: recognised from the files")
    one.add_argument("--quiet", action="store_true", help="no summary on stdout")
    many = sub.add_parser("grade-all", help="grade every student repository in a folder (resumable)")
    many.add_argument("submissions", type=Path, help="a folder with one student repository per folder")
    many.add_argument("--out", type=Path, required=True, help="where results, feedback and gradebook.csv go")
    many.add_argument("--assignment", choices=sorted(ASSIGNMENTS), help="default: recognised per repository")
    many.add_argument("--jobs", type=int, default=None, help="worker processes (default: every core)")
    classroom.add_command(sub)
    args = parser.parse_args(argv)

    if args.command == "classroom-result":
        return classroom.main(args)
    if args.command == "grade-all":
        from autograder.batch import grade_all

        gradebook = grade_all(args.submissions, args.out, args.assignment, args.jobs)
        print(f"gradebook: {gradebook}\nfeedback: {args.out / 'feedback'}")
        return 0
    results = grade(args.submission, args.assignment)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    if not args.quiet:
        print(summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
