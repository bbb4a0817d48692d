"""The audit of a regrade: which scores a changed grader moved, and the earlier results kept.

When `grade-all` replaces a student's results made by another grader (a fixed
test, new points, a tolerance, the sandbox: `grader_fingerprint.py`), it calls
`RegradeAudit.replace` first. That

- copies the earlier results and feedback into `OUT/history/<earlier grader>/`
  (`results/<student>.json`, `feedback/<student>.md`), so an instructor can show
  a student what they had;
- records, in the new results' `extra_data.regraded`, the earlier grader, score,
  maximum and points per test (what the new grade is compared with).

At the end, `RegradeAudit.finish` writes `OUT/changes.csv` (a row per student
whose score moved: old and new score, and the tests whose points moved) and
returns the summary line, e.g. `regraded 312 with a changed grader: 14 scores
moved (+2 x10, -3 x4); maximum 60 -> 62`. A changed maximum is said there once,
not per student. Both are computed from the results files, so a run that was
interrupted half-way and resumed still audits everyone.

A regrade because the student's own files changed is not a grader change: its
results carry no `regraded` record. A rerun of the same files by the same grader
(`--force`, a grader error retried) keeps the record it replaces.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.student_text import csv_cell, one_line

HISTORY = "history"
CHANGES = "changes.csv"
UNKNOWN = "unknown"  # results made before the grader had a fingerprint
CHANGES_COLUMNS = ("student", "old_score", "new_score", "change", "tests_moved", "old_grader")


def short(grader: str | None) -> str:
    """A grader fingerprint as shown and as a history folder's name (12 hex digits, like git's)."""
    return (grader or UNKNOWN)[:12]


def _extra(results: object) -> dict:
    """A results file's extra_data, or {} (an unreadable results file is a string where it is read)."""
    extra = results.get("extra_data") if isinstance(results, dict) else None
    return extra if isinstance(extra, dict) else {}


def _points(results: dict) -> dict[str, float]:
    return {str(t["name"]): float(t["score"]) for t in results.get("tests", [])}


def read_results(path: Path) -> dict | None:
    """A results file, or None when it is missing or unreadable (then there is nothing to compare)."""
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return results if isinstance(results, dict) and isinstance(results.get("extra_data"), dict) else None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text)
    os.replace(tmp, path)


def _number(x: float) -> int | float:
    """60.0 -> 60 (a CSV cell a spreadsheet reads as a number, signed when negative)."""
    return int(x) if float(x).is_integer() else round(x, 4)


def _fmt(x: float | None) -> str:
    return "none" if x is None else f"{x:g}"


@dataclass(frozen=True)
class Move:
    """One student's grade, before and after a grader change."""

    student: str
    old_score: float
    new_score: float
    old_max: float
    new_max: float
    old_grader: str
    tests: tuple[tuple[str, float | None, float | None], ...]  # (test, old points, new points) that moved

    @property
    def change(self) -> float:
        return self.new_score - self.old_score


def move_of(student: str, results: dict) -> Move | None:
    """What a current results file says moved, when it replaced the results of another grader."""
    extra = _extra(results)
    record = extra.get("regraded")
    if not isinstance(record, dict) or extra.get("grader_error"):
        return None
    try:
        old_tests, new_tests = dict(record.get("tests", {})), _points(results)
        names = [*new_tests, *(n for n in old_tests if n not in new_tests)]
        moved = tuple((n, old_tests.get(n), new_tests.get(n)) for n in names if old_tests.get(n) != new_tests.get(n))
        return Move(
            student,
            float(record["score"]),
            float(results["score"]),
            float(record["max_score"]),
            float(extra.get("max_score", 0)),
            str(record.get("grader") or UNKNOWN),
            moved,
        )
    except (KeyError, TypeError, ValueError):  # a results file edited by hand: nothing to compare
        return None


def moves(results_dir: Path, students: Iterable[str] | None = None) -> list[Move]:
    """Every current result that replaced another grader's (by student), moved or not."""
    paths = (
        [results_dir / f"{s}.json" for s in students]
        if students is not None
        else sorted(Path(results_dir).glob("*.json"))
    )
    found = []
    for path in paths:
        results = read_results(path)
        move = move_of(path.stem, results) if results else None
        if move is not None:
            found.append(move)
    return sorted(found, key=lambda m: m.student)


def summary(found: list[Move]) -> str:
    """`regraded 312 with a changed grader: 14 scores moved (+2 x10, -3 x4); maximum 60 -> 62`."""
    moved = [m for m in found if m.change]
    by_change = collections.Counter(m.change for m in moved)
    line = f"regraded {len(found)} with a changed grader: "
    if moved:
        counts = ", ".join(f"{c:+g} x{n}" for c, n in sorted(by_change.items(), key=lambda cn: (-cn[1], -cn[0])))
        line += f"{len(moved)} score{'s' if len(moved) != 1 else ''} moved ({counts})"
    else:
        line += "no score moved"
    old_max = sorted({m.old_max for m in found})
    new_max = sorted({m.new_max for m in found})
    if old_max != new_max:
        line += f"; maximum {', '.join(f'{x:g}' for x in old_max)} -> {', '.join(f'{x:g}' for x in new_max)}"
    return line


def changes_csv(found: list[Move]) -> str:
    """A row per student whose score moved; cells made safe for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CHANGES_COLUMNS)
    for m in found:
        if not m.change:
            continue
        tests = "; ".join(f"{name}: {_fmt(old)} -> {_fmt(new)}" for name, old, new in m.tests)
        row = [m.student, _number(m.old_score), _number(m.new_score), _number(m.change), tests, short(m.old_grader)]
        writer.writerow([csv_cell(c) for c in row])
    return buffer.getvalue()


class RegradeAudit:
    """Keeps what a changed grader replaces, and says at the end what moved."""

    def __init__(self, out: Path, grader: str) -> None:
        self.out, self.grader = Path(out), grader
        self.replaced = 0  # grades of another grader replaced in this run (a grader error is no grade)

    def replace(self, student: str, new: dict) -> dict:
        """Call just before `new` overwrites the student's results: stamps the grader, keeps the old results.

        Returns `new` with `extra_data.grader` (this run's grader) and, when it replaces another
        grader's results, `extra_data.regraded` (what they were).
        """
        old = read_results(self.out / "results" / f"{student}.json")
        extra, old_extra = new.setdefault("extra_data", {}), _extra(old)
        extra["grader"] = self.grader
        record, fresh = None, True  # fresh: the record is news of this run (not a forced rerun's)
        if old is None:
            pass
        elif old_extra.get("grader_error"):  # no grade to compare with: keep what it was compared with
            record = old_extra.get("regraded")
        elif old_extra.get("grader") != self.grader:
            self._keep(student, old)
            try:
                record = {
                    "grader": str(old_extra.get("grader") or UNKNOWN),
                    "score": float(old.get("score", 0)),
                    "max_score": float(old_extra.get("max_score", 0)),
                    "tests": _points(old),
                }
            except (KeyError, TypeError, ValueError):  # kept in history, but nothing to compare with
                record = None
        elif old_extra.get("fingerprint") == extra.get("fingerprint"):  # the same files, the same grader
            record, fresh = old_extra.get("regraded"), False
        if isinstance(record, dict):
            extra["regraded"] = record
            self.replaced += fresh and not extra.get("grader_error")
        return new

    def _keep(self, student: str, old: dict) -> None:
        folder = self.out / HISTORY / short(_extra(old).get("grader"))
        _write(folder / "results" / f"{student}.json", json.dumps(old, indent=2) + "\n")
        feedback = self.out / "feedback" / f"{student}.md"
        if feedback.is_file():
            _write(folder / "feedback" / f"{student}.md", feedback.read_text())

    def finish(self, students: list[str]) -> str | None:
        """Write (or clear) changes.csv; the summary line when this run replaced another grader's results."""
        found = moves(self.out / "results", students)
        changes = self.out / CHANGES
        if any(m.change for m in found):
            _write(changes, changes_csv(found))
        elif changes.exists():
            changes.unlink()  # nothing stands that a changed grader made: an old audit would mislead
        if not self.replaced:
            return None
        line = summary(found)
        if self.replaced != len(found):
            line += f" ({self.replaced} in this run)"
        return line + f"; the earlier results are in {self.out / HISTORY}/, the moved scores in {changes}"


def stale(results: dict[str, dict], grader: str) -> list[str]:
    """The students whose results were made by another grader than `grader` (a rerun is due)."""
    return sorted(s for s, r in results.items() if _extra(r).get("grader") not in (None, grader))


def stale_problems(results: dict[str, dict], assignment: str) -> list[str]:
    """The gradebook's warning when some results are not the current grader's (an edit not yet regraded)."""
    from autograder.grader_fingerprint import grader_fingerprint

    current = grader_fingerprint(assignment)
    behind = stale(results, current)
    if not behind:
        return []
    names = ", ".join(one_line(s, 60) for s in behind[:8]) + (f" and {len(behind) - 8} more" if len(behind) > 8 else "")
    return [
        f"{len(behind)} result(s) were made by another grader than the current one ({short(current)}): "
        f"{names}: rerun make grade-all before exporting grades"
    ]


def report_lines(results_dir: Path, assignment: str) -> list[str]:
    """What the report says about the grader: which one graded, whether it changed and what moved."""
    results = {p.stem: r for p in sorted(Path(results_dir).glob("*.json")) if (r := read_results(p))}
    graders = collections.Counter(short(_extra(r).get("grader")) for r in results.values())
    lines = [f"graded by grader {', '.join(f'{g} ({n})' for g, n in sorted(graders.items()))}"]
    lines += stale_problems(results, assignment)
    found = moves(Path(results_dir))
    if found:
        earlier = sorted({short(m.old_grader) for m in found})
        lines.append(
            f"the grader changed since the earlier run ({', '.join(earlier)}): {summary(found)}; "
            f"every moved score is in changes.csv, the earlier results in history/"
        )
    return lines
