"""The class roster: who is enrolled, their GitHub user, and any deadline extension.

A CSV (UTF-8) with a header row and the columns `student_id`, `name`, `email`,
`github`, `section` and, optionally, `extension`: a number of days (`2`,
`0.5`) or a new deadline (`2026-10-08T23:59:00Z`), for that student on every
assignment collected with this roster. GitHub users are matched without regard
to case, as GitHub does; each student id and GitHub user appears once.

Every field is checked where it enters, so that nothing in a roster becomes a
path outside the collection or a formula in a spreadsheet; a row that breaks a
rule stops the roster with a one-line error naming the file, its line and the
field:

- `github`: a GitHub login: 1 to 39 letters, digits or single hyphens, not
  starting or ending with a hyphen (it names the student's folder, `OUT/<github>`);
- `student_id`: 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter
  or a digit (Canvas matches it as the SIS User ID, so it is never altered);
- `email`: empty, or one `@` between two parts without spaces, not starting with
  `=`, `+`, `-` or `@` (Moodle matches it exactly, so it is never altered);
- `name` and `section`: any text; controls are removed and each is capped at 200
  characters, and every CSV the kit writes quotes a cell a spreadsheet would run
  as a formula (`autograder.student_text.csv_cell`);
- `extension`: days, or a date-time with its time zone (see `parse_time`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from autograder.student_text import csv_cell, one_line

COLUMNS = ("student_id", "name", "email", "github", "section")
OPTIONAL = ("extension",)
MAX_FIELD = 200  # characters kept of a name or a section

# GitHub's own rule for a login (and an organisation's name).
GITHUB_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
EMAIL = re.compile(r"[^@\s=+\-][^@\s]*@[^@\s]+")
RULES = {
    "github": (GITHUB_LOGIN, "a GitHub user: 1-39 letters, digits or single hyphens, not starting or ending with -"),
    "student_id": (STUDENT_ID, "a student id: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
    "email": (EMAIL, "an email address (one @, no spaces, not starting with =, +, - or @)"),
}
DATE_AND_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")  # a date alone would mean its first second
TIME_FORMATS = "2026-10-01T23:59:00Z, 2026-10-01T23:59-04:00 or '2026-10-01 23:59 America/New_York'"


class RosterError(ValueError):
    """The roster cannot be used as it is: the message names the file, the line and the field."""


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str
    email: str
    github: str
    section: str
    extension: str = ""

    @property
    def key(self) -> str:
        """The student's folder name under a collection: their GitHub user, lower-cased."""
        return self.github.lower()

    def deadline(self, deadline: dt.datetime) -> dt.datetime:
        """This student's deadline: the class's, moved by their extension (days, or a later date)."""
        text = self.extension.strip()
        if not text:
            return deadline
        days = extension_days(text)
        return deadline + dt.timedelta(days=days) if days is not None else max(deadline, parse_time(text))


def extension_days(text: str) -> float | None:
    """The days of an extension written as a number (0 to 366), or None when it is not a number."""
    try:
        days = float(text)
    except ValueError:
        return None
    if not 0 <= days <= 366:  # also refuses nan and inf
        raise ValueError(f"{days:g} days is not an extension (from 0 to 366 days)")
    return days


def parse_time(text: str) -> dt.datetime:
    """A date-time with its time zone: ISO 8601 with `Z` or an offset, or followed by an IANA zone name.

    `2026-10-01T23:59:00Z`, `2026-10-01 23:59-04:00`, `2026-10-01 23:59 America/New_York`.
    A time without a zone is refused: a deadline is an instant, and whose midnight is meant
    must be said (the grader's machine and GitHub's runners are on UTC).
    """
    text = text.strip()
    date, _, zone = text.rpartition(" ")
    if date and ("/" in zone or zone in ("UTC", "GMT")):
        try:
            tz: dt.tzinfo | None = zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{zone!r} is not a time zone this machine knows (an IANA name)") from exc
        text = date.strip()
    else:
        tz = None
    try:
        if not DATE_AND_TIME.match(text):
            raise ValueError("no date and time")
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{one_line(text, 80)!r} is not a date and time ({TIME_FORMATS})") from exc
    if tz is not None:
        if when.tzinfo is not None:
            raise ValueError(f"{one_line(text, 80)!r} has an offset and a zone name: give one")
        return when.replace(tzinfo=tz)
    if when.tzinfo is None:
        raise ValueError(f"{one_line(text, 80)!r} has no time zone: add Z (UTC) or an offset ({TIME_FORMATS})")
    return when


def _field(path: Path, line: int, column: str, value: str) -> str:
    """`value` checked against its column's rule; a name or section cleaned and capped."""
    if column in RULES:
        rule, what = RULES[column]
        if not value and column != "email":
            raise RosterError(f"{path}:{line}: the {column} is empty: every student needs one")
        if value and not rule.fullmatch(value):
            raise RosterError(f"{path}:{line}: {column} {one_line(value, 80)!r} is not {what}")
        return value
    return one_line(value, MAX_FIELD)


def read_roster(path: Path) -> list[Student]:
    """The students of `path`, in file order; a missing column, a bad field or a duplicate is a RosterError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise RosterError(f"{path}: no such roster file") from exc
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: the roster is not UTF-8 text (save it as CSV UTF-8)") from exc
    except OSError as exc:
        raise RosterError(f"{path}: cannot read the roster ({exc.strerror})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RosterError(
            f"{path}: the roster has no column {', '.join(missing)} "
            f"(its header must name {', '.join(COLUMNS)}; optional: {', '.join(OPTIONAL)})"
        )
    students = []
    for row in reader:
        line = reader.line_num
        row = {k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
        fields = {c: _field(path, line, c, row.get(c, "")) for c in (*COLUMNS, *OPTIONAL)}
        student = Student(**fields)
        if student.extension:
            try:
                student.deadline(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
            except ValueError as exc:
                raise RosterError(
                    f"{path}:{line}: extension {one_line(student.extension, 80)!r} is neither days "
                    f"nor a date with its time zone ({exc})"
                ) from exc
        students.append(student)
    if not students:
        raise RosterError(f"{path}: the roster has a header but no student")
    for attribute in ("student_id", "key"):
        seen: set[str] = set()
        for s in students:
            value = getattr(s, attribute)
            if value in seen:
                raise RosterError(f"{path}: {attribute} {value!r} appears twice")
            seen.add(value)
    return students


def write_roster(path: Path, students: list[Student]) -> None:
    """Write a roster CSV (the stand-in term's, and a template for instructors); no cell is a formula."""
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*COLUMNS, *OPTIONAL])
        for s in students:
            writer.writerow([csv_cell(v) for v in (s.student_id, s.name, s.email, s.github, s.section, s.extension)])
