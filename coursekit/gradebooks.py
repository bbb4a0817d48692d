"""`make gradebook`: join the grades to the roster and write what an LMS imports.

From `make grade-all`'s results (`GRADED/results/<github user>.json`), the
roster, and the collection's manifest (`SUBMISSIONS/collection.json`: days
late and the late policy), it writes into `GRADED/`:

- `canvas.csv`: Canvas's gradebook import: `Student`, `ID`, `SIS User ID`,
  `SIS Login ID`, `Section`, then `<Assignment> (<canvas id>)` (without an id,
  Canvas creates the assignment), and the `Points Possible` row. ID is Canvas's
  own user id, which the roster does not hold: Canvas matches the SIS User ID
  (the roster's student id) and SIS Login ID (its email).
- `moodle.csv`: Moodle's grade import: `email`, `grade`, `feedback` (map email
  to "Email address"; import grade and feedback together).
- `grades.csv`: everything: a row per student (and per repository of nobody on
  the roster), status, commit, dates, days late, the penalty, the raw and final
  score, the sandbox's isolation level, and a column per test.

The score in Canvas and Moodle is the final one (after the late penalty); late
days and penalties have their own columns in `grades.csv`. Nobody is dropped
silently: a student with no repository or no results gets 0 and a status that
says so, a repository of nobody on the roster is listed, and every such case is
printed and written to `problems.txt`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignments import ASSIGNMENTS
from autograder.regrade_audit import stale_problems
from coursekit.late import LatePolicy
from coursekit.roster import Student, read_roster

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"  # Canvas's own spelling, leading spaces included
MOODLE_COLUMNS = ("email", "grade", "feedback")


@dataclass
class Row:
    """One line of the gradebook: a student of the roster, or a repository of nobody on it."""

    key: str
    student: Student | None
    status: str
    max_score: float
    raw: float = 0.0
    days_late: int = 0
    penalty: float = 0.0
    score: float = 0.0
    commit: str = ""
    committed_at: str = ""
    deadline: str = ""
    isolation: str = ""  # the sandbox's OS wall when graded (namespaces, uid, none): part of the record
    tests: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


def points(x: float) -> str:
    """60 -> "60", 52.5 -> "52.5", 1/3 -> "0.33": what a gradebook shows, never `6e+01`."""
    return f"{round(x, 2):.2f}".rstrip("0").rstrip(".")


def build_rows(
    students: list[Student], results_dir: Path, assignment: str, collection: dict | None = None
) -> tuple[list[Row], list[str]]:
    """The gradebook's rows (roster order, then unknown repositories) and the problems to list."""
    maximum = float(ASSIGNMENTS[assignment].max_points)
    collected = {c["key"]: c for c in (collection or {}).get("students", [])}
    policy = LatePolicy(**collection["policy"]) if collection else LatePolicy(accept=True, penalty_per_day=0, cap=0)
    results = {p.stem: json.loads(p.read_text()) for p in sorted(Path(results_dir).glob("*.json"))}
    rows, problems = [], []
    known = {s.key for s in students}
    for s in students:
        c = collected.get(s.key, {})
        row = Row(s.key, s, "graded", maximum, commit=c.get("commit", ""), deadline=c.get("deadline", ""))
        row.committed_at = c.get("committed_at", "")
        r = results.get(s.key)
        if c.get("status", "collected") != "collected":  # nothing of theirs was graded, whatever results say
            row.status = c["status"]
            problems.append(f"{s.key} ({s.student_id}, {s.name}): {c['status']}: 0 points")
        elif r is None:
            row.status = "no results"
            problems.append(f"{s.key} ({s.student_id}, {s.name}): no results in {results_dir}: 0 points")
        else:
            extra = r.get("extra_data", {})
            if extra.get("grader_error"):
                row.status = "grader error"
                problems.append(f"{s.key}: the grader failed on this repository: regrade it (make grade-all)")
            elif extra.get("assignment") not in (None, assignment):
                row.status = f"graded as {extra.get('assignment')}"
                problems.append(f"{s.key}: graded as {extra.get('assignment')}, not {assignment}: 0 points")
            else:
                row.isolation = extra.get("isolation", "")
                row.raw = float(r["score"])
                row.tests = {t["name"]: float(t["score"]) for t in r["tests"]}
                row.failed = [t["name"] for t in r["tests"] if t["status"] != "passed"]
            row.days_late = int(c.get("days_late", 0))
        row.penalty, row.score = policy.apply(row.raw, row.days_late)
        rows.append(row)
    for key in sorted(set(results) - known):
        r = results[key]
        row = Row(key, None, "not on the roster", maximum, raw=float(r["score"]), score=float(r["score"]))
        row.tests = {t["name"]: float(t["score"]) for t in r["tests"]}
        rows.append(row)
        problems.append(f"{key}: a graded repository of nobody on the roster: not in canvas.csv or moodle.csv")
    problems += stale_problems(results, assignment)  # results/ only (history/ holds earlier graders' results)
    return rows, problems


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def canvas_csv(rows: list[Row], column: str) -> str:
    """Canvas's import file: identity columns, one assignment column, the Points Possible row."""
    lines = [[*CANVAS_COLUMNS, column], [POINTS_POSSIBLE, "", "", "", "", points(rows[0].max_score if rows else 0)]]
    for r in rows:
        if r.student is not None:
            s = r.student
            lines.append([s.name, "", s.student_id, s.email, s.section, points(r.score)])
    return _csv(lines)


def feedback(r: Row) -> str:
    """One paragraph a student reads in Moodle: the points, the lateness, what failed."""
    text = f"{points(r.score)} / {points(r.max_score)}"
    if r.status != "graded":
        text += f" ({r.status})"
    if r.days_late:
        text += f": {points(r.raw)} earned, {r.days_late} day(s) late, {points(r.penalty)} taken off"
    if r.failed:
        names = [name.split(": ", 1)[-1] for name in r.failed]
        text += ". Failed: " + ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    return text + "."


def moodle_csv(rows: list[Row]) -> str:
    lines = [list(MOODLE_COLUMNS)]
    lines += [[r.student.email, points(r.score), feedback(r)] for r in rows if r.student is not None]
    return _csv(lines)


def grades_csv(rows: list[Row]) -> str:
    tests: list[str] = []
    for r in rows:
        tests += [t for t in r.tests if t not in tests]
    header = ["student_id", "name", "email", "github", "section", "status", "commit", "committed_at", "deadline"]
    header += ["days_late", "late_penalty", "raw_score", "score", "max_score", "isolation", *tests]
    lines = [header]
    for r in rows:
        s = r.student
        who = [s.student_id, s.name, s.email, s.github, s.section] if s else ["", "", "", r.key, ""]
        lines.append(
            [
                *who,
                r.status,
                r.commit,
                r.committed_at,
                r.deadline,
                str(r.days_late),
                points(r.penalty),
                points(r.raw),
                points(r.score),
                points(r.max_score),
                r.isolation,
                *(points(r.tests[t]) if t in r.tests else "" for t in tests),
            ]
        )
    return _csv(lines)


def canvas_column(assignment: str, canvas_id: str | None = None) -> str:
    a = ASSIGNMENTS[assignment]
    name = f"micrograd {a.number}: {a.title}"
    return f"{name} ({canvas_id})" if canvas_id else name


def load_rows(
    roster: Path, graded: Path, assignment: str, submissions: Path | None = None
) -> tuple[list[Row], list[str]]:
    """`build_rows` from the files: the roster, grade-all's OUT and the collection's manifest (if any)."""
    manifest = Path(submissions) / "collection.json" if submissions else None
    collection = json.loads(manifest.read_text()) if manifest and manifest.is_file() else None
    if collection and collection.get("assignment") not in (None, assignment):
        raise ValueError(f"{manifest} is the collection of {collection['assignment']}, not {assignment}")
    return build_rows(read_roster(roster), Path(graded) / "results", assignment, collection)


def write_gradebooks(
    roster: Path,
    graded: Path,
    assignment: str,
    submissions: Path | None = None,
    canvas_id: str | None = None,
    out: Path | None = None,
) -> tuple[list[Row], list[str]]:
    """Write canvas.csv, moodle.csv, grades.csv and problems.txt into `out` (default: `graded`)."""
    out = out or graded
    rows, problems = load_rows(roster, graded, assignment, submissions)
    out.mkdir(parents=True, exist_ok=True)
    (out / "canvas.csv").write_text(canvas_csv(rows, canvas_column(assignment, canvas_id)))
    (out / "moodle.csv").write_text(moodle_csv(rows))
    (out / "grades.csv").write_text(grades_csv(rows))
    (out / "problems.txt").write_text("".join(f"{p}\n" for p in problems))
    return rows, problems


def add_graded_arguments(parser: argparse.ArgumentParser) -> None:
    """What the gradebooks and the report both read: the roster, grade-all's output, the collection."""
    parser.add_argument("--roster", type=Path, required=True, help="the roster CSV")
    parser.add_argument("--graded", type=Path, required=True, help="the OUT folder of make grade-all")
    parser.add_argument("--assignment", required=True, choices=sorted(ASSIGNMENTS))
    parser.add_argument("--submissions", type=Path, help="the collected folder (its collection.json: late days)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit.gradebooks", description=__doc__.split("\n\n")[0])
    add_graded_arguments(parser)
    parser.add_argument("--canvas-id", help="the Canvas assignment id (without it, Canvas creates the assignment)")
    parser.add_argument("--out", type=Path, help="where the files go (default: --graded)")
    args = parser.parse_args(argv)
    rows, problems = write_gradebooks(
        args.roster, args.graded, args.assignment, args.submissions, args.canvas_id, args.out
    )
    out = args.out or args.graded
    print(f"{len(rows)} rows: {out / 'canvas.csv'}, {out / 'moodle.csv'}, {out / 'grades.csv'}")
    for p in problems:
        print(f"  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
