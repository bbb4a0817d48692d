"""`python -m coursekit release`: the instructor's command line (a thin layer over functions)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coursekit.course import ASSIGNMENTS_DIR
from coursekit.coverage import course_problems
from coursekit.release import REFERENCE_DIR, release
from coursekit.validate import validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit")
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="build assignments/ from solutions/ and validate it")
    rel.add_argument("--out", type=Path, default=ASSIGNMENTS_DIR, help="where the student repositories go")
    rel.add_argument("--no-validate", action="store_true", help="skip the checks (faster)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    with ThreadPoolExecutor(1) as background:
        release(args.out, REFERENCE_DIR if args.out == ASSIGNMENTS_DIR else None)
        print(f"released {', '.join(sorted(p.name for p in args.out.iterdir()))} into {args.out}")
        if not args.no_validate:
            # The course checks grade with autograder/ as the release left it (its reference copy
            # included), beside the validation of the student repositories.
            checks = background.submit(_timed, course_problems)
            problems = validate(args.out)
            if problems:
                print("\n".join(problems), file=sys.stderr)
                return 1
            print("validated: the reference passes every public test; every stub fails them; no solution leaks")
            problems, seconds = checks.result()
            if problems:
                print("\n".join(problems), file=sys.stderr)
                return 1
            print(
                "checked: each assignment's max_points is the sum of its hidden tests' points, and every solution "
                f"region, stubbed alone, loses points in some graded test ({seconds:.1f} s, beside the rest)"
            )
    print(f"release took {time.perf_counter() - start:.1f} s")
    return 0


def _timed(check: Callable[[], list[str]]) -> tuple[list[str], float]:
    start = time.perf_counter()
    return check(), time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
