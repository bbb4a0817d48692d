"""`make report`: what the class got right and wrong on one assignment, for the next lecture.

`GRADED/report-<assignment>.md` gives the figures (how many were graded, the
mean and median, full marks and zeros, who has no grade) and, per test, how
many graded students failed it, most-failed first. `report-<assignment>.png`
(matplotlib) draws the score histogram beside the failures per test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from autograder.assignments import ASSIGNMENTS
from autograder.regrade_audit import report_lines
from coursekit.gradebooks import Row, add_graded_arguments, load_rows, points

TOP_TESTS = 20  # the plot's bars; the Markdown table lists every test


def failures_per_test(rows: list[Row]) -> list[tuple[str, int]]:
    """(test, graded students who failed it), most-failed first, every test of the graded rows."""
    graded = [r for r in rows if r.status == "graded" and r.student is not None]
    tests: list[str] = []
    for r in graded:
        tests += [t for t in r.tests if t not in tests]
    counts = [(t, sum(t in r.failed for r in graded)) for t in tests]
    return sorted(counts, key=lambda tc: (-tc[1], tests.index(tc[0])))


def plot(rows: list[Row], assignment: str, path: Path) -> None:
    """The histogram of final scores (every student of the roster) and the failures per test."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = ASSIGNMENTS[assignment]
    scores = [r.score for r in rows if r.student is not None]
    failures = failures_per_test(rows)[:TOP_TESTS]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [1, 1.3]})
    bins = [a.max_points * i / 12 for i in range(13)]
    left.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    left.set_xlim(0, a.max_points)
    left.set_xlabel(f"score after late penalties (of {a.max_points})")
    left.set_ylabel("students")
    left.yaxis.get_major_locator().set_params(integer=True)
    left.set_title(f"{a.title}: scores of {len(scores)} students")
    names = [t.split(": ", 1)[-1] for t, _ in failures][::-1]
    right.barh(names, [n for _, n in failures][::-1], color="#c44e52")
    graded = sum(r.status == "graded" and r.student is not None for r in rows)
    right.set_xlabel(f"students who failed it (of {graded} graded)")
    right.set_title("the most-failed tests")
    right.tick_params(axis="y", labelsize=7)
    right.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})  # no version stamp: the same grades, the same file
    plt.close(fig)


def report_markdown(rows: list[Row], assignment: str, image: str, grader: list[str] | None = None) -> str:
    a = ASSIGNMENTS[assignment]
    students = [r for r in rows if r.student is not None]
    graded = [r for r in students if r.status == "graded"]
    scores = [r.score for r in students]
    lines = [f"# Assignment {a.number} ({assignment}): {a.title}", "", f"![scores and failures]({image})", ""]
    lines += [
        f"- students on the roster: {len(students)}; graded: {len(graded)}",
        f"- mean {points(statistics.mean(scores)) if scores else '-'}, "
        f"median {points(statistics.median(scores)) if scores else '-'} (of {a.max_points}, after late penalties)",
        f"- full marks: {sum(r.score >= a.max_points for r in students)}; zero: {sum(r.score == 0 for r in students)}",
        f"- late: {sum(r.days_late > 0 for r in students)}, "
        f"losing {points(sum(r.penalty for r in students))} points in all",
        *(grader or []),  # which grader graded; whether it changed since the earlier run, and what moved
        "",
    ]
    ungraded = [r for r in rows if r.status != "graded"]
    if ungraded:
        lines += ["## Without a grade of their work", ""]
        lines += [f"- {r.key}{f' ({r.student.name})' if r.student else ''}: {r.status}" for r in ungraded]
        lines.append("")
    lines += ["## Failures per test", "", "| test | failed | of graded |", "|---|---|---|"]
    lines += [f"| {t} | {n} | {len(graded)} |" for t, n in failures_per_test(rows)]
    return "\n".join(lines) + "\n"


def write_report(rows: list[Row], assignment: str, out: Path, grader: list[str] | None = None) -> Path:
    """Write report-<assignment>.md and .png into `out`; return the Markdown's path."""
    out.mkdir(parents=True, exist_ok=True)
    image = out / f"report-{assignment}.png"
    plot(rows, assignment, image)
    markdown = out / f"report-{assignment}.md"
    markdown.write_text(report_markdown(rows, assignment, image.name, grader))
    return markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit.report", description=__doc__.split("\n\n")[0])
    add_graded_arguments(parser)
    parser.add_argument("--out", type=Path, help="where the report goes (default: --graded)")
    args = parser.parse_args(argv)
    rows, _ = load_rows(args.roster, args.graded, args.assignment, args.submissions)
    grader = report_lines(args.graded / "results", args.assignment)
    print(f"report: {write_report(rows, args.assignment, args.out or args.graded, grader)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
