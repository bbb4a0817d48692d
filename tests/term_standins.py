"""A whole term on stand-ins: a roster, and a local git repository per student and assignment.

Each repository is a bare repository under `remotes/` (reached by a file://
URL, standing in for GitHub): a first commit of the released student
repository (as Classroom 50 makes it from the template), then the student's
commits, dated with GIT_COMMITTER_DATE before or after the deadline. The kinds
of student, by index, repeat through KINDS:

- correct: the reference, a day before the deadline;
- buggy: a buggy submission of our catalogue (tests/submissions/), on time;
- late: nothing on time, the reference 1.95 days (2 started days) after the deadline;
- extension: the reference 1.95 days after the deadline, with a 3-day extension;
- missing: no repository at all;
- hostile: an import that ends the grader's process (`os._exit`), on time.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from submissions.catalogue import BUGGY, build

from autograder.assignments import ASSIGNMENTS
from coursekit.course import ASSIGNMENTS_DIR, SOLUTION_PACKAGE
from coursekit.roster import Student, write_roster

KINDS = ("correct", "buggy", "late", "extension", "missing", "hostile", "correct", "buggy")
DEADLINES = {"engine": "2026-10-01T23:59:00Z", "nn": "2026-10-15T23:59:00Z", "train": "2026-10-29T23:59:00Z"}
CLASSROOM = "ml-2026"


def students(count: int) -> list[tuple[Student, str]]:
    """`count` students with their kind; extension students have a 3-day extension in the roster."""
    out = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        github = f"Student{i:02d}-{kind}"
        out.append(
            (
                Student(
                    student_id=f"S{1000 + i}",
                    name=f"Student {i:02d} ({kind})",
                    email=f"student{i:02d}@uni.example",
                    github=github,
                    section=f"Section {'AB'[i % 2]}",
                    extension="3" if kind == "extension" else "",
                ),
                kind,
            )
        )
    return out


def _when(deadline: str, days: float) -> str:
    when = dt.datetime.fromisoformat(deadline.replace("Z", "+00:00")) + dt.timedelta(days=days)
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _commit(work: Path, message: str, date: str, who: str) -> None:
    env = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    git = ["git", "-c", f"user.name={who}", "-c", f"user.email={who.lower()}@example.com"]
    subprocess.run([*git, "add", "-A"], cwd=work, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", message], cwd=work, check=True, env=env)


def student_modules(assignment: str, kind: str, index: int) -> dict[str, str]:
    """The student's micrograd/*.py for `kind` (a name -> source), built from the reference or the catalogue."""
    module = ASSIGNMENTS[assignment].graded_module
    reference = (SOLUTION_PACKAGE / f"{module}.py").read_text()
    if kind == "buggy":
        bugs = [b for b in BUGGY if b.assignment == assignment]
        with tempfile.TemporaryDirectory() as tmp:
            build(bugs[(index // 2) % len(bugs)], Path(tmp) / "s", Path(tmp) / "forged")  # a different bug each
            return {module: (Path(tmp) / "s" / "micrograd" / f"{module}.py").read_text()}
    if kind == "hostile":
        return {module: "import os\nos._exit(0)\n" + reference}
    return {module: reference}


def make_repository(remote: Path, assignment: str, kind: str, index: int, deadline: str) -> None:
    """The bare repository `remote` of one student, with commits dated for `kind`."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(ASSIGNMENTS_DIR / assignment, work)
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=work, check=True)
        _commit(work, "Initial commit from the template", _when(deadline, -14), "classroom50-bot")
        modules = student_modules(assignment, kind, index)
        if kind == "late":
            _commit(work, "Started", _when(deadline, -1), "student")  # nothing done on time
        for name, text in modules.items():
            (work / "micrograd" / f"{name}.py").write_text(text)
        days = {"late": 1.95, "extension": 1.95}.get(kind, -1)  # 2 started days late
        _commit(work, "My work", _when(deadline, days), "student")
        subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)


def make_term(root: Path, count: int, assignments: tuple[str, ...] = ("engine", "nn", "train")) -> dict:
    """Roster and remotes for `count` students; returns the roster path, URL pattern and each student's kind."""
    people = students(count)
    root.mkdir(parents=True, exist_ok=True)
    roster = root / "roster.csv"
    write_roster(roster, [s for s, _ in people])
    remotes = root / "remotes"
    remotes.mkdir(exist_ok=True)
    for assignment in assignments:
        for index, (s, kind) in enumerate(people):
            if kind != "missing":
                remote = remotes / f"{CLASSROOM}-{assignment}-{s.github}.git"
                make_repository(remote, assignment, kind, index, DEADLINES[assignment])
    url = f"file://{remotes}/{CLASSROOM}-{{assignment}}-{{github}}.git"
    return {"roster": roster, "url": url, "kinds": {s.key: kind for s, kind in people}}


# -- the LMS files, checked against their documented columns ---------------------------------

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def check_canvas_csv(text: str, max_points: float) -> list[str]:
    """What is wrong with a Canvas gradebook import (Canvas's documented columns and Points Possible row)."""
    import csv
    import io
    import re

    rows = list(csv.reader(io.StringIO(text)))
    problems = []
    if rows[0][:5] != CANVAS_IDENTITY:
        problems.append(f"the first columns are {rows[0][:5]}, not {CANVAS_IDENTITY}")
    for column in rows[0][5:]:
        if not re.fullmatch(r".+ \(\d+\)", column):
            problems.append(f"assignment column {column!r} is not `<name> (<canvas id>)`")
    if rows[1][0] != "    Points Possible" or float(rows[1][5]) != max_points:
        problems.append(f"the second row is not `    Points Possible` with {max_points}: {rows[1]}")
    for row in rows[2:]:
        if len(row) != len(rows[0]) or not row[2] or float(row[5]) > max_points or float(row[5]) < 0:
            problems.append(f"bad student row {row}")
    return problems


def check_moodle_csv(text: str, emails: set[str]) -> list[str]:
    """What is wrong with a Moodle grade import: email, grade, feedback; one row per roster email."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    problems = [] if rows[0] == ["email", "grade", "feedback"] else [f"header {rows[0]}"]
    seen = [r[0] for r in rows[1:]]
    if sorted(seen) != sorted(emails):
        problems.append(f"emails {sorted(set(emails) ^ set(seen))} missing or extra")
    problems += [f"grade {r[1]!r} is not a number" for r in rows[1:] if not r[1].replace(".", "", 1).isdigit()]
    return problems


# -- the rehearsal: collect -> grade-all -> gradebook -> report, per assignment ----------------

RUNNER_ENV = {
    "CLASSROOM": CLASSROOM,
    "SUBMISSION_TAG": "submit/2026-10-01T12-00-00Z-0000000",
    "COMMIT_URL": "https://github.com/course/commit/0000000",
    "RELEASE_URL": "https://github.com/course/releases/tag/submit",
    "REVIEW_URL": "https://github.com/course/compare/base...0000000",
}


def _run(command: list[str], cwd: Path) -> str:
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def rehearse_assignment(term: dict, work: Path, assignment: str, canvas_id: str, use_make: bool) -> dict:
    """One assignment's deadline: collect, grade-all, gradebook, report; with `use_make`, through the Makefile."""
    import json
    import time

    from autograder.batch import grade_all
    from coursekit.collect import collect
    from coursekit.gradebooks import load_rows, write_gradebooks
    from coursekit.late import LatePolicy
    from coursekit.report import write_report

    root = Path(__file__).resolve().parent.parent
    submissions, graded = work / assignment / "repositories", work / assignment / "graded"
    timings = {}
    start = time.perf_counter()
    if use_make:
        make = ["make", "-s", "-o", ".venv/.installed"]
        _run([*make, "collect", f"ROSTER={term['roster']}", f"DEADLINE={DEADLINES[assignment]}",
              f"URL={term['url']}", f"OUT={submissions}", f"ASSIGNMENT={assignment}",
              "LATE_PENALTY=10", "LATE_CAP=50"], root)  # fmt: skip
    else:
        collect(term["roster"], DEADLINES[assignment], term["url"], submissions, assignment, LatePolicy(True, 10, 50))
    timings["collect"] = time.perf_counter() - start
    # A repository the instructor cloned by hand for someone who is not on the roster.
    stranger = submissions / "stranger"
    if not stranger.exists():
        first = next(k for k, kind in term["kinds"].items() if kind == "correct")
        shutil.copytree(submissions / first, stranger, ignore=shutil.ignore_patterns(".git"))
    start = time.perf_counter()
    if use_make:
        _run([*make, "grade-all", f"SUBMISSIONS={submissions}", f"OUT={graded}", f"ASSIGNMENT={assignment}"], root)
    else:
        grade_all(submissions, graded, assignment, progress=False)
    timings["grade-all"] = time.perf_counter() - start
    start = time.perf_counter()
    if use_make:
        common = [
            f"ROSTER={term['roster']}",
            f"GRADED={graded}",
            f"ASSIGNMENT={assignment}",
            f"SUBMISSIONS={submissions}",
        ]
        _run([*make, "gradebook", *common, f"CANVAS_ID={canvas_id}"], root)
        _run([*make, "report", *common], root)
    else:
        rows, _ = write_gradebooks(term["roster"], graded, assignment, submissions, canvas_id)
        write_report(rows, assignment, graded)
    timings["gradebook and report"] = time.perf_counter() - start
    rows, problems = load_rows(term["roster"], graded, assignment, submissions)
    collection = json.loads((submissions / "collection.json").read_text())
    return {"rows": rows, "problems": problems, "graded": graded, "timings": timings, "collection": collection}


def classroom50_results(graded: Path, collection: dict, assignment: str, keys: list[str]) -> dict[str, dict]:
    """The Classroom 50 result.json of `keys`' results, made by the grader's own writer."""
    import json

    from autograder.classroom import classroom50_result

    dates = {c["key"]: c["committed_at"] for c in collection["students"]}
    env = {**RUNNER_ENV, "ASSIGNMENT": assignment}
    return {
        k: classroom50_result(json.loads((graded / "results" / f"{k}.json").read_text()), env, dates[k]) for k in keys
    }
