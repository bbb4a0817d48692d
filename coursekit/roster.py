"""The class roster: who is enrolled, their GitHub user, and any deadline extension.

A CSV with a header row and the columns `student_id`, `name`, `email`,
`github`, `section` and, optionally, `extension`: a number of days (`2`,
`0.5`) or a new deadline (`2026-10-08T23:59:00Z`), for that student on every
assignment collected with this roster. GitHub users are matched without regard
to case, as GitHub does; each student id and GitHub user appears once.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("student_id", "name", "email", "github", "section")
OPTIONAL = ("extension",)


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
        try:
            return deadline + dt.timedelta(days=float(text))
        except ValueError:
            return max(deadline, parse_time(text))


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 date-time; one without a zone is UTC (say the zone: deadlines are compared in UTC)."""
    when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def read_roster(path: Path) -> list[Student]:
    """The students of `path`, in file order; a missing column, a duplicate or a bad extension is an error."""
    with Path(path).open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ValueError(f"{path}: the roster has no column {', '.join(missing)} (it needs {', '.join(COLUMNS)})")
        students = []
        for line, row in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            student = Student(**{c: row.get(c, "") for c in (*COLUMNS, *OPTIONAL)})
            if not student.student_id or not student.github:
                raise ValueError(f"{path}:{line}: a student needs a student_id and a github user")
            if student.extension:
                try:
                    student.deadline(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
                except ValueError as exc:
                    raise ValueError(
                        f"{path}:{line}: extension {student.extension!r} is neither days nor a date"
                    ) from exc
            students.append(student)
    for attribute in ("student_id", "key"):
        seen: set[str] = set()
        for s in students:
            value = getattr(s, attribute)
            if value in seen:
                raise ValueError(f"{path}: {attribute} {value!r} appears twice")
            seen.add(value)
    return students


def write_roster(path: Path, students: list[Student]) -> None:
    """Write a roster CSV (the stand-in term's, and a template for instructors)."""
    with Path(path).open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*COLUMNS, *OPTIONAL])
        for s in students:
            writer.writerow([s.student_id, s.name, s.email, s.github, s.section, s.extension])
