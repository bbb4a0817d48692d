"""The catalogue's tables, printed: forgers (honest vs observed, with and without the audit hook),
correct alternatives (score / max, failing checks, diagnoses) and buggy submissions (points lost in
their own unit / elsewhere), each graded once by `grade-all`.

Run: `.venv/bin/python benchmarks/catalogue_tables.py [--grader DIR] [--only forgers,alternatives,bugs]`.
`--grader` grades with the `autograder` package of another checkout (e.g. a branch's worktree), read-only;
the submissions always come from this checkout's tests/submissions/. The assertions live in
tests/test_forgers.py, tests/test_alternatives.py, tests/test_grader_catalogue.py and tests/test_draws.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grader", type=Path, default=ROOT, help="the checkout whose autograder grades")
    parser.add_argument("--only", default="forgers,alternatives,bugs")
    args = parser.parse_args()
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # leave another checkout untouched
    sys.dont_write_bytecode = True
    sys.path[:0] = [str(args.grader.resolve()), str(ROOT / "tests")]

    from submissions.alternatives import ALTERNATIVES
    from submissions.catalogue import BUGGY, CORRECT, build, diagnoses_in, grade_folders, points_lost
    from submissions.forgers import FORGERS, build_forger, build_twin

    from autograder.sandbox.runner import Limits

    limits = Limits(probe_seconds=2.0, import_seconds=3.0, part_seconds=20.0)
    only = set(args.only.split(","))
    print(f"grader: {args.grader.resolve()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if "forgers" in only:
            folders = {}
            for f in FORGERS:
                folders[f.assignment] = root / "forgers" / f.assignment
                build_forger(f, folders[f.assignment] / f.name, root / "forged")
                build_twin(f, folders[f.assignment] / f"twin-{f.name}", root / "forged")
            runs = {
                hook: grade_folders(folders, root / f"out-{hook}", Limits(**{**vars(limits), "audit_hook": hook}))
                for hook in (True, False)
            }
            print("\n| forger | route | assignment | honest twin | hook on | OS wall only |")
            print("|---|---|---|---:|---:|---:|")
            for f in FORGERS:
                honest = runs[True][f"twin-{f.name}"]["score"]
                on, off = runs[True][f.name]["score"], runs[False][f.name]["score"]
                flag = "" if on == off == honest == runs[False][f"twin-{f.name}"]["score"] else " **forges**"
                print(f"| {f.name} | {f.route} | {f.assignment} | {honest:g} | {on:g} | {off:g}{flag} |")
            print(f"written outside a sandbox: {'yes' if (root / 'forged').exists() else 'nothing'}")
        if "alternatives" in only:
            folders = {}
            for s in ALTERNATIVES + CORRECT:
                folders[s.assignment] = root / "alternatives" / s.assignment
                build(s, folders[s.assignment] / s.name, root / "forged")
            results = grade_folders(folders, root / "alternatives-out", limits)
            print("\n| correct alternative | assignment | score / max | failing checks | diagnoses |")
            print("|---|---|---:|---|---:|")
            for s in ALTERNATIVES + CORRECT:
                r = results[s.name]
                failing = [t["name"].split(": ", 1)[1] for t in r["tests"] if t["status"] != "passed"]
                print(
                    f"| {s.name} | {s.assignment} | {r['score']:g} / {r['extra_data']['max_score']:g} "
                    f"| {', '.join(failing) or '-'} | {len(diagnoses_in(r))} |"
                )
        if "bugs" in only:
            folders = {}
            for s in BUGGY:
                folders[s.assignment] = root / "bugs" / s.assignment
                build(s, folders[s.assignment] / s.name, root / "forged")
            results = grade_folders(folders, root / "bugs-out", limits)
            print("\n| buggy submission | assignment | lost in its unit | lost elsewhere | misdiagnosed |")
            print("|---|---|---:|---:|---|")
            total_own = total_else = 0.0
            for s in BUGGY:
                r = results[s.name]
                own, other = points_lost(r, {t.removeprefix("test_") for t in s.own})
                told = [m for m in s.misdiagnoses if any(m in t["output"] for t in r["tests"])]
                total_own, total_else = total_own + own, total_else + other
                print(f"| {s.name} | {s.assignment} | {own:g} | {other:g} | {', '.join(told) or '-'} |")
            print(f"| all {len(BUGGY)} | | {total_own:g} | {total_else:g} | |")


if __name__ == "__main__":
    main()
