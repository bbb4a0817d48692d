"""Our results, as the places that show them to students read them.

- Classroom 50 (`classroom50_result`): the `result.json` its runner publishes
  in a Release per submission (schema `classroom50/result/v1`, integer points).
  The bundle's `autograder.py` calls it after `python -m autograder grade`.
- Plain GitHub Actions (`job_summary`, `python -m autograder classroom-result`):
  the Markdown job summary and a one-line notice with the points. GitHub
  Classroom, whose reporter read the points, was retired on 2026-08-28; nothing
  collects them now, so the grade of record is the deadline regrade.

Students read both (their Release, their job's log), so the feedback of failed
tests that are not `visible` (their inputs are shown after grades are
published) is withheld: only their names and scores are given.

Integer points: Classroom 50 wants integers. Each test's score is rounded down
to a whole point and its maximum to the nearest one (halves up), so a result
never shows more than was earned; the totals are the sums of the tests'.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

WITHHELD = "Feedback on this test is shown after grades are published."
SCHEMA = "classroom50/result/v1"
MAX_FEEDBACK = 2000  # a Release's result.json stays small; the full feedback is in the deadline regrade


def _feedback(test: dict) -> str:
    """What a test says: a passed test's description; a failed test's feedback, unless it is withheld."""
    if test["status"] != "passed" and test.get("visibility", "visible") != "visible":
        return WITHHELD
    text = test.get("output", "")
    return text if len(text) <= MAX_FEEDBACK else text[:MAX_FEEDBACK] + "\n... (cut)"


def integer_points(score: float, max_score: float) -> tuple[int, int]:
    """(score, max) as whole points: the score rounded down, the maximum to the nearest (halves up)."""
    whole_max = math.floor(round(max_score, 6) + 0.5)
    return min(math.floor(round(score, 6)), whole_max), whole_max


ASSIGNMENT_TYPES = ("individual", "group", "team")


def owner_of(env: dict[str, str]) -> str:
    """The repository's owner as Classroom 50 names it: the tail of `<classroom>-<assignment>-<owner>`
    (case-insensitive prefix), else the pushing actor, else the USERNAME the runner passes."""
    repo = env.get("GITHUB_REPOSITORY", "").rsplit("/", 1)[-1]
    prefix = f"{env.get('CLASSROOM', '')}-{env.get('ASSIGNMENT', '')}-".lower()
    if repo.lower().startswith(prefix) and len(repo) > len(prefix):
        return repo[len(prefix) :]
    return env.get("GITHUB_ACTOR") or env.get("USERNAME") or "unknown"


def submitted_by(env: dict[str, str]) -> dict | None:
    """Who pushed: `{"username", "id"}` from GITHUB_ACTOR / GITHUB_ACTOR_ID (None without an actor)."""
    login = env.get("GITHUB_ACTOR", "").strip()
    if not login:
        return None
    raw = env.get("GITHUB_ACTOR_ID", "").strip()
    return {"username": login, "id": int(raw) if raw.isdigit() else None}


def classroom50_result(results: dict, env: dict[str, str], committed_at: str, graded_at: str | None = None) -> dict:
    """The Classroom 50 `result.json` of one grading run.

    `results`: what `python -m autograder grade` wrote; `env`: the runner's
    environment (CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL,
    RELEASE_URL, REVIEW_URL); `committed_at`: the graded commit's committer
    date, UTC ISO 8601 (stable across regrades, so late marking never changes).
    """
    tests = []
    for t in results.get("tests", []):
        score, max_score = integer_points(t["score"], t["max_score"])
        tests.append(
            {
                "test-name": t["name"],
                "passed": t["status"] == "passed",
                "score": score,
                "max-score": max_score,
                "feedback": _feedback(t),  # extra fields are kept verbatim by collect-scores
            }
        )
    extra = results.get("extra_data", {})
    result = {
        "schema": SCHEMA,
        "classroom": env.get("CLASSROOM", ""),
        "assignment": env.get("ASSIGNMENT", ""),
        # The runner re-stamps these two, but the schema requires them of the autograder's output.
        "assignment_type": env.get("ASSIGNMENT_TYPE")
        if env.get("ASSIGNMENT_TYPE") in ASSIGNMENT_TYPES
        else "individual",
        "owner": owner_of(env),
        "submission": env.get("SUBMISSION_TAG", ""),
        "commit": env.get("COMMIT_URL", ""),
        "release": env.get("RELEASE_URL", ""),
        "review": env.get("REVIEW_URL") or env.get("COMMIT_URL", ""),
        "datetime": committed_at,
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
    }
    if not tests:  # nothing graded (a grader error): the maximum is still the assignment's
        result["max-score"] = integer_points(0, extra.get("max_score") or 0)[1]
    if graded_at:
        result["graded_at"] = graded_at
    pusher = submitted_by(env)
    if pusher is not None:
        result["submitted_by"] = pusher
    return result


def _fenced(text: str) -> str:
    """`text` in a code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def job_summary(results: dict) -> str:
    """Markdown for the job summary: the total, then every test with its score, then why each failure failed."""
    max_score = results.get("extra_data", {}).get("max_score", 0)
    lines = [f"## Autograding: {results['score']:g} / {max_score:g} points", "", results["output"], ""]
    level = results.get("extra_data", {}).get("isolation")
    if level:  # which wall stood around the code while it ran (see the kit's README)
        lines += [f"Your code ran in a sandbox with OS isolation: `{level}`.", ""]
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


def notice(results: dict) -> str:
    """The workflow command that puts the points on the run's page (or says the grader failed)."""
    extra = results.get("extra_data", {})
    if extra.get("grader_error") or not results.get("tests"):
        reason = results.get("output", "").splitlines()[0] if results.get("output") else "no results"
        return f"::error title=Autograding failed::{reason}"
    return f"::notice title=Autograding complete::Points {results['score']:g}/{extra.get('max_score', 0):g}"


def add_command(sub: argparse._SubParsersAction) -> None:
    """`python -m autograder classroom-result RESULTS [--summary FILE] [--fail-below-max]`."""
    cmd = sub.add_parser("classroom-result", help="write a results file as a GitHub Actions job summary")
    cmd.add_argument("results", type=Path, help="a results file written by `python -m autograder grade`")
    cmd.add_argument(
        "--summary", type=Path, help="append the feedback, as Markdown, to this file ($GITHUB_STEP_SUMMARY)"
    )
    cmd.add_argument(
        "--fail-below-max", action="store_true", help="exit 1 below full marks (a red cross until all passes)"
    )


def main(args: argparse.Namespace) -> int:
    results = json.loads(args.results.read_text())
    if args.summary is not None:
        with args.summary.open("a") as out:
            out.write(job_summary(results))
    print(notice(results))
    extra = results.get("extra_data", {})
    if extra.get("grader_error") or not results.get("tests"):
        return 1
    if args.fail_below_max and results["score"] < extra.get("max_score", 0):
        return 1
    return 0
