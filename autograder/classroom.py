"""Our results, as GitHub Classroom's grading reporter reads them.

The Classroom workflow of every student template runs `python -m autograder
grade`, then `python -m autograder classroom-result`, which prints the
version-1 result that `classroom-resources/autograding-grading-reporter@v1`
decodes (base64 JSON, one entry per test with its own, possibly partial,
score) and appends a Markdown summary of the feedback to the job summary.

The reporter posts the sum of `tests[].score` out of `max_score`, and fails
the job when `status` is "fail" or "error". We say "fail" whenever the score is
below the maximum, as Classroom's own graders do for a failing test: the
student sees a red cross until everything passes, and the points are posted
either way (the reporter posts them before it fails the job).

The students read the job's log and summary, so the feedback of tests that
are not `visible` (their inputs are shown after grades are published) is
withheld here when they fail: only their names and scores are given.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
from pathlib import Path

WITHHELD = "Feedback on this test is shown after grades are published."
MAX_MESSAGE = 2000  # the reporter gets the result through an environment variable: keep it small


def _number(x: float) -> int | float:
    """3.0 -> 3, so that the reporter prints `Points 60/60` rather than `60.0`."""
    return int(x) if float(x).is_integer() else float(x)


def _message(test: dict) -> str:
    """What a test says: a passed test's description; a failed test's feedback, unless it is withheld."""
    if test["status"] != "passed" and test.get("visibility", "visible") != "visible":
        return WITHHELD
    text = test.get("output", "")
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "\n... (cut: the job summary has it all)"


def classroom_result(results: dict) -> dict:
    """The version-1 result of one grading run (`results`: what `autograder.grade.grade` returns)."""
    tests = [
        {
            "name": t["name"],
            "status": "pass" if t["status"] == "passed" else "fail",
            "score": _number(t["score"]),
            "message": _message(t),
            "test_code": "",
            "filename": "",
            "line_no": 0,
            "duration": 0,
        }
        for t in results["tests"]
    ]
    max_score = _number(results.get("extra_data", {}).get("max_score") or sum(t["max_score"] for t in results["tests"]))
    score = sum(t["score"] for t in results["tests"])
    if not tests or results.get("extra_data", {}).get("grader_error"):
        status = "error"  # nothing was graded: no score to post
    else:
        status = "pass" if score >= max_score else "fail"
    return {"version": 1, "status": status, "max_score": max_score, "tests": tests}


def encode(result: dict) -> str:
    """The reporter's input: base64 of the JSON text."""
    return base64.b64encode(json.dumps(result).encode()).decode()


def _fenced(text: str) -> str:
    """`text` in a code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def job_summary(results: dict) -> str:
    """Markdown for the job summary: the total, then every test with its score, then why each failure failed."""
    max_score = results.get("extra_data", {}).get("max_score", 0)
    lines = [f"## Autograding: {results['score']:g} / {max_score:g} points", "", results["output"], ""]
    if results["tests"]:
        lines += ["| | test | points |", "|---|---|---|"]
        for t in results["tests"]:
            mark = "✅" if t["status"] == "passed" else "❌"
            lines.append(f"| {mark} | {t['name']} | {t['score']:g} / {t['max_score']:g} |")
        lines.append("")
    failed = [t for t in results["tests"] if t["status"] != "passed"]
    if failed:
        lines += ["### What failed, and why", ""]
        for t in failed:
            lines.append(f"**{t['name']}** ({t['score']:g} / {t['max_score']:g})")
            lines += ["", WITHHELD if t.get("visibility", "visible") != "visible" else _fenced(t["output"]), ""]
    return "\n".join(lines) + "\n"


def add_command(sub: argparse._SubParsersAction) -> None:
    """`python -m autograder classroom-result RESULTS [--summary FILE]`."""
    cmd = sub.add_parser("classroom-result", help="print a results file as GitHub Classroom's reporter reads it")
    cmd.add_argument("results", type=Path, help="a results file written by `python -m autograder grade`")
    cmd.add_argument(
        "--summary", type=Path, help="append the feedback, as Markdown, to this file ($GITHUB_STEP_SUMMARY)"
    )


def main(args: argparse.Namespace) -> int:
    results = json.loads(args.results.read_text())
    if args.summary is not None:
        with args.summary.open("a") as out:
            out.write(job_summary(results))
    print(encode(classroom_result(results)))
    return 0
