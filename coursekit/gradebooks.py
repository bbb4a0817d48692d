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
days and penalties have their own columns in `grades.csv`. Moodle's feedback
for a student whose code could not be imported starts with the import error.
Nobody is dropped silently: a student with no repository or no results gets 0
and a status that says so, a repository of nobody on the roster is listed, and
every such case is printed and written to `problems.txt`.

Every cell of every CSV goes through `autograder.student_text.csv_cell`: text a
spreadsheet would run as a formula (`=HYPERLINK(...)`) is written with a
leading `'`, and controls are gone. Results files are read defensively: one
that cannot be read is that student's problem, not the gradebook's.
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
from autograder.student_text import csv_cell, one_line
from coursekit.late import LatePolicy
from coursekit.roster import Student, read_roster

IMPORT_ERROR = "Your code could not run: "  # how the grader's summary line says the code did not import
DIAGNOSIS = "looks like "  # how every diagnosis line of autograder/diagnoses.py begins
MAX_DIAGNOSES = 3  # diagnosis lines kept per student and test (a test output is partly student text)
MAX_ERROR = 300  # characters of an import error in Moodle's feedback and the report

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
    possible: dict[str, float] = field(default_factory=dict)  # each test's points; 0: checked, not graded
    import_error: str = ""  # why the code could not be imported (cleaned, capped): no test could pass
    diagnoses: dict[str, list[str]] = field(default_factory=dict)  # failed test -> its "looks like" lines
    reason: str = ""  # why the grader could not grade, or nothing was graded (cleaned, capped)

    @property
    def graded_failures(self) -> list[str]:
        """The failed tests worth points."""
        return [t for t in self.failed if self.possible.get(t, 1.0) > 0]

    @property
    def ungraded_failures(self) -> list[str]:
        """The failed checks of 0 points (code the course gives)."""
        return [t for t in self.failed if self.possible.get(t, 1.0) == 0]


def points(x: float) -> str:
    """60 -> "60", 52.5 -> "52.5", 1/3 -> "0.33": what a gradebook shows, never `6e+01`."""
    return f"{round(x, 2):.2f}".rstrip("0").rstrip(".")


def read_results(path: Path) -> dict | str:
    """A results file's content, or why it cannot be used (a line for problems.txt)."""
    try:
        r = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        tests = r["tests"]
        if not isinstance(r.get("extra_data", {}), dict) or not isinstance(tests, list):
            raise TypeError("not a results file")
        float(r["score"])
        for t in tests:
            str(t["name"]), float(t["score"]), str(t["status"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"unreadable results ({type(exc).__name__}: {one_line(exc, 120)})"
    return r


def import_error(results: dict) -> str:
    """The grader's "could not run" line of the results' summary, cleaned and capped; "" when the code ran."""
    for line in str(results.get("output", "")).splitlines():
        if line.startswith(IMPORT_ERROR):
            return one_line(line.removeprefix(IMPORT_ERROR), MAX_ERROR)
    return ""


def diagnoses_of(output: object) -> list[str]:
    """The diagnosis lines of one test's output (lines that begin "looks like"), at most MAX_DIAGNOSES, distinct."""
    found: list[str] = []
    for line in str(output or "").splitlines():
        line = one_line(line.strip(), MAX_ERROR)
        if line.startswith(DIAGNOSIS) and line not in found:
            found.append(line)
    return found[:MAX_DIAGNOSES]


def fill_from_results(row: Row, r: dict) -> None:
    """A graded row's scores, failures, import error and diagnoses, from its results."""
    row.isolation = one_line(r.get("extra_data", {}).get("isolation") or "", 40)
    row.raw = float(r["score"])
    row.import_error = import_error(r)
    for t in r["tests"]:
        name = one_line(t["name"], 200)
        row.tests[name] = float(t["score"])
        try:
            row.possible[name] = float(t.get("max_score", t["score"]))
        except (TypeError, ValueError):
            row.possible[name] = float(t["score"])
        if t["status"] != "passed":
            row.failed.append(name)
            if not row.import_error:
                row.diagnoses[name] = diagnoses_of(t.get("output"))


def build_rows(
    students: list[Student], results_dir: Path, assignment: str, collection: dict | None = None
) -> tuple[list[Row], list[str]]:
    """The gradebook's rows (roster order, then unknown repositories) and the problems to list."""
    maximum = float(ASSIGNMENTS[assignment].max_points)
    collected = {c["key"]: c for c in (collection or {}).get("students", [])}
    policy = LatePolicy(**collection["policy"]) if collection else LatePolicy(accept=True, penalty_per_day=0, cap=0)
    results = {p.stem: read_results(p) for p in sorted(Path(results_dir).glob("*.json"))}
    rows, problems = [], []
    known = {s.key for s in students}
    for s in students:
        c = collected.get(s.key, {})
        row = Row(s.key, s, "graded", maximum, commit=c.get("commit", ""), deadline=c.get("deadline", ""))
        row.committed_at = c.get("committed_at", "")
        r = results.get(s.key)
        who = f"{s.key} ({s.student_id}, {s.name})"
        if c.get("status", "collected") != "collected":  # nothing of theirs was graded, whatever results say
            row.status = c["status"]
            problems.append(f"{who}: {c['status']}: 0 points")
        elif r is None:
            row.status = "no results"
            problems.append(f"{who}: no results in {results_dir}: 0 points")
        elif isinstance(r, str):
            row.status, row.reason = "unreadable results", r
            problems.append(f"{who}: {r}: 0 points; regrade it (make grade-all FORCE=1)")
        else:
            extra = r.get("extra_data", {})
            if extra.get("grader_error"):
                row.status, row.reason = "grader error", one_line(r.get("output", ""), MAX_ERROR)
                problems.append(f"{who}: the grader failed on this repository: regrade it (make grade-all)")
            elif extra.get("assignment") not in (None, assignment):
                row.status = f"graded as {one_line(extra.get('assignment'), 40)}"
                problems.append(f"{who}: {row.status}, not {assignment}: 0 points")
            elif not r["tests"]:
                row.status, row.reason = "nothing graded", one_line(r.get("output", ""), MAX_ERROR)
                problems.append(f"{who}: nothing was graded ({row.reason}): 0 points")
            else:
                fill_from_results(row, r)
            row.days_late = int(c.get("days_late", 0))
        row.penalty, row.score = policy.apply(row.raw, row.days_late)
        rows.append(row)
    for key in sorted(set(results) - known):
        r = results[key]
        row = Row(key, None, "not on the roster", maximum)
        if isinstance(r, str):
            row.reason = r
        else:
            fill_from_results(row, r)
            row.score = row.raw
        rows.append(row)
        problems.append(f"{key}: a graded repository of nobody on the roster: not in canvas.csv or moodle.csv")
    problems += stale_problems(results, assignment)  # results/ only (history/ holds earlier graders' results)
    return rows, problems


def _csv(rows: list[list[str]]) -> str:
    """CSV text whose every cell is safe in a spreadsheet (see the module's docstring)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([[csv_cell(cell) for cell in row] for row in rows])
    return buffer.getvalue()


def canvas_csv(rows: list[Row], column: str) -> str:
    """Canvas's import file: identity columns, one assignment column, the Points Possible row."""
    lines = [[*CANVAS_COLUMNS, column], [POINTS_POSSIBLE, "", "", "", "", points(rows[0].max_score if rows else 0)]]
    for r in rows:
        if r.student is not None:
            s = r.student
            lines.append([s.name, "", s.student_id, s.email, s.section, points(r.score)])
    return _csv(lines)


def _names(tests: list[str], limit: int = 12) -> str:
    names = [name.split(": ", 1)[-1] for name in tests]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def feedback(r: Row) -> str:
    """One paragraph a student reads in Moodle: why the code did not run (first), the points, what failed."""
    text = ""
    if r.import_error:
        # As feedback/<id>.md: the one cause first, not the list of tests it failed.
        text = f"Your code could not run: {r.import_error.rstrip('.')}. No test could pass without it. "
    text += f"{points(r.score)} / {points(r.max_score)}"
    if r.status != "graded":
        text += f" ({r.status})"
    if r.days_late:
        text += f": {points(r.raw)} earned, {r.days_late} day(s) late, {points(r.penalty)} taken off"
    if r.graded_failures and not r.import_error:
        text += ". Failed: " + _names(r.graded_failures)
    if r.ungraded_failures and not r.import_error:
        text += ". Checked, not graded, and failed: " + _names(r.ungraded_failures)
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
    """`build_rows` from the files: the roster, grade-all's OUT and the collection's manifest (if any).

    A ValueError (a RosterError for the roster) says in one line what is missing or wrong.
    """
    students = read_roster(roster)
    results = Path(graded) / "results"
    if not results.is_dir():
        raise ValueError(f"{graded} has no results/ folder: is it the OUT of make grade-all?")
    collection = None
    if submissions:
        manifest = Path(submissions) / "collection.json"
        try:
            collection = json.loads(manifest.read_text())
            LatePolicy(**collection["policy"])
            if not all(isinstance(c, dict) and "key" in c for c in collection["students"]):
                raise TypeError("its students are not a list of records")
        except FileNotFoundError as exc:
            raise ValueError(f"{submissions} has no collection.json: is it the OUT of make collect?") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{manifest} is not a collection's manifest ({type(exc).__name__}: {exc})") from exc
        if collection.get("assignment") not in (None, assignment):
            raise ValueError(f"{manifest} is the collection of {collection['assignment']}, not {assignment}")
    return build_rows(students, results, assignment, collection)


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
    (out / "problems.txt").write_text("".join(f"{one_line(p, 500)}\n" for p in problems))
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
    try:
        rows, problems = write_gradebooks(
            args.roster, args.graded, args.assignment, args.submissions, args.canvas_id, args.out
        )
    except (ValueError, OSError) as exc:
        return refuse("gradebook", exc)
    out = args.out or args.graded
    print(f"{len(rows)} rows: {out / 'canvas.csv'}, {out / 'moodle.csv'}, {out / 'grades.csv'}")
    for p in problems:
        print(f"  {one_line(p, 500)}")
    return 0


def refuse(command: str, error: Exception) -> int:
    """One line on stderr and exit status 2: the input is wrong (the message says how), no traceback."""
    print(f"{command}: {one_line(error, 500)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
