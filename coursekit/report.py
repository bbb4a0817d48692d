"""`make report`: what the class got right and wrong on one assignment, for the next lecture.

Into `GRADED/` it writes three views of the same figures:

- `report-<assignment>.html`: a page to open in a browser: the score histogram,
  the students whose code could not be imported (one bar, with their errors),
  the most-failed tests with the diagnoses the grader gave and how many students
  each one hit, the checks of code the course gives (0 points) apart, and the
  students without a grade of their work, with why;
- `report-<assignment>.png` (matplotlib): the histogram beside the most-failed
  tests, "could not be imported" as its own bar;
- `report-<assignment>.md`: the figures and a table per test.

A student whose code could not be imported failed every test for one reason:
they are counted once, in "could not be imported", and not under each test;
the failures per test are those of the students whose code ran. Checks worth 0
points are never among "the most-failed tests". A diagnosis is a line of a
failed test's output that begins "looks like" (how autograder/diagnoses.py
words each one). Everything that came from a student or a results file (names,
errors, test output) is cleaned (`autograder.student_text`) and, in the page,
HTML-escaped.
"""

from __future__ import annotations

import argparse
import html
import statistics
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignments import ASSIGNMENTS
from autograder.regrade_audit import report_lines
from autograder.student_text import one_line
from coursekit.gradebooks import Row, add_graded_arguments, load_rows, points, refuse

SHOWN_DIAGNOSES = 6  # per test in the page and the Markdown; more are counted as "and N more"
TOP_TESTS = 15  # the plot's test bars; the page and the Markdown list every test someone failed
NOT_IMPORTED = "could not be imported"
BINS = 12  # of the score histogram


@dataclass
class Failures:
    """One test: how many students (whose code imported) failed it, and the diagnoses they got."""

    test: str
    failed: int
    of: int
    diagnoses: list[tuple[str, int]] = field(default_factory=list)  # (line, students), most frequent first

    @property
    def label(self) -> str:
        """The test's name without its assignment (`engine: add backward` -> `add backward`)."""
        return self.test.split(": ", 1)[-1]


def graded_rows(rows: list[Row]) -> list[Row]:
    """The roster's students whose work was graded (imported or not)."""
    return [r for r in rows if r.status == "graded" and r.student is not None]


def not_imported(rows: list[Row]) -> list[Row]:
    return [r for r in graded_rows(rows) if r.import_error]


def _tests(rows: list[Row], worth_points: bool) -> list[str]:
    names: list[str] = []
    for r in rows:
        names += [t for t in r.tests if t not in names and (r.possible.get(t, 1.0) > 0) == worth_points]
    return names


def failures_by_test(rows: list[Row], worth_points: bool = True) -> list[Failures]:
    """Per test (of points, or the 0-point checks), failures among the students whose code imported.

    Most-failed first, then in the grader's order; every test, failed by someone or not.
    """
    ran = [r for r in graded_rows(rows) if not r.import_error]
    names = _tests(graded_rows(rows), worth_points)
    out = []
    for t in names:
        failed = [r for r in ran if t in r.failed]
        hits = Counter(line for r in failed for line in r.diagnoses.get(t, []))
        out.append(Failures(t, len(failed), len(ran), sorted(hits.items(), key=lambda lc: (-lc[1], lc[0]))))
    return sorted(out, key=lambda f: (-f.failed, names.index(f.test)))


def failures_per_test(rows: list[Row]) -> list[tuple[str, int]]:
    """(test, students whose code imported and failed it), most-failed first, every test worth points."""
    return [(f.test, f.failed) for f in failures_by_test(rows)]


def histogram(scores: list[float], maximum: float) -> list[tuple[float, float, int]]:
    """(low, high, students) per bin of the scores; the last bin includes full marks."""
    width = maximum / BINS if maximum else 1.0
    counts = [0] * BINS
    for s in scores:
        counts[min(BINS - 1, max(0, int(s / width)))] += 1
    return [(width * i, width * (i + 1), n) for i, n in enumerate(counts)]


def most_failed_title(rows: list[Row]) -> str:
    """The plot's title over the tests, saying when the list is cut to TOP_TESTS."""
    failing = sum(f.failed > 0 for f in failures_by_test(rows))
    cut = f": the {TOP_TESTS} most-failed of {failing}" if failing > TOP_TESTS else ""
    return f"the most-failed tests{cut}"


# -- the picture ----------------------------------------------------------------------------------


def plot(rows: list[Row], assignment: str, path: Path) -> None:
    """The histogram of final scores (every student of the roster) and the most-failed tests."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = ASSIGNMENTS[assignment]
    scores = [r.score for r in rows if r.student is not None]
    failing = [f for f in failures_by_test(rows) if f.failed]
    shown = failing[:TOP_TESTS]
    broken = len(not_imported(rows))
    bars = ([(NOT_IMPORTED, broken, "#8c8c8c")] if broken else []) + [(f.label, f.failed, "#c44e52") for f in shown]
    height = max(5.5, 1.2 + 0.42 * len(bars))
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, height), gridspec_kw={"width_ratios": [1, 1.35]})
    left.hist(scores, bins=[a.max_points * i / BINS for i in range(BINS + 1)], color="#4c72b0", edgecolor="white")
    left.set_xlim(0, a.max_points)
    left.set_xlabel(f"score after late penalties (of {a.max_points})")
    left.set_ylabel("students")
    left.yaxis.get_major_locator().set_params(integer=True)
    left.set_title(f"{a.title}: scores of {len(scores)} students")
    if bars:
        labels = ["\n".join(textwrap.wrap(label, 38)) for label, _, _ in bars][::-1]
        right.barh(labels, [n for _, n, _ in bars][::-1], color=[c for _, _, c in bars][::-1])
        right.tick_params(axis="y", labelsize=9)
    else:
        right.text(0.5, 0.5, "no test failed", ha="center", va="center", transform=right.transAxes)
        right.set_yticks([])
    graded = len(graded_rows(rows))
    right.set_xlabel(f"students (of {graded} graded; a test counts those whose code imported)")
    right.set_title(f"{most_failed_title(rows)} (0-point checks left out)")
    right.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})  # no version stamp: the same grades, the same file
    plt.close(fig)


# -- the Markdown -----------------------------------------------------------------------------------


def _md(text: object) -> str:
    """Text for a Markdown table cell or list item: one line, no pipes or markup that changes the table."""
    return one_line(text, 300).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def _more(diagnoses: list[tuple[str, int]]) -> str:
    """What a cut list of diagnoses leaves out, said."""
    rest = diagnoses[SHOWN_DIAGNOSES:]
    return f"; and {len(rest)} more diagnoses, of {max(n for _, n in rest)} student(s) or fewer each" if rest else ""


def summary_lines(rows: list[Row], assignment: str, grader: list[str] | None = None) -> list[str]:
    """The headline figures; `grader` says which grader graded and what moved since the earlier run."""
    a = ASSIGNMENTS[assignment]
    students = [r for r in rows if r.student is not None]
    scores = [r.score for r in students]
    return [
        f"students on the roster: {len(students)}; graded: {len(graded_rows(rows))}; "
        f"{NOT_IMPORTED}: {len(not_imported(rows))}",
        f"mean {points(statistics.mean(scores)) if scores else '-'}, "
        f"median {points(statistics.median(scores)) if scores else '-'} (of {a.max_points}, after late penalties)",
        f"full marks: {sum(r.score >= a.max_points for r in students)}; zero: {sum(r.score == 0 for r in students)}",
        f"late: {sum(r.days_late > 0 for r in students)}, losing {points(sum(r.penalty for r in students))} points",
        *(grader or []),
    ]


def report_markdown(rows: list[Row], assignment: str, image: str, grader: list[str] | None = None) -> str:
    a = ASSIGNMENTS[assignment]
    lines = [f"# Assignment {a.number} ({assignment}): {a.title}", "", f"![scores and failures]({image})", ""]
    lines += [f"- {line}" for line in summary_lines(rows, assignment, grader)] + [""]
    broken = not_imported(rows)
    if broken:
        lines += [f"## {NOT_IMPORTED.capitalize()} ({len(broken)})", ""]
        lines += [f"- {_md(r.key)}: {_md(r.import_error)}" for r in broken] + [""]
    ungraded = [r for r in rows if r.status != "graded"]
    if ungraded:
        lines += ["## Without a grade of their work", ""]
        for r in ungraded:
            who = f" ({_md(r.student.name)})" if r.student else ""
            lines.append(f"- {_md(r.key)}{who}: {_md(r.status)}{f': {_md(r.reason)}' if r.reason else ''}")
        lines.append("")
    lines += ["## Failures per test", "", "(students whose code imported)", ""]
    lines += ["| test | failed | of | diagnoses (students) |", "|---|---|---|---|"]
    for f in failures_by_test(rows):
        said = "; ".join(f"{_md(d)} ({n})" for d, n in f.diagnoses[:SHOWN_DIAGNOSES]) + _more(f.diagnoses)
        lines.append(f"| {_md(f.test)} | {f.failed} | {f.of} | {said} |")
    checks = failures_by_test(rows, worth_points=False)
    if checks:
        lines += ["", "## Checks of code the course gives (0 points, not graded)", ""]
        lines += ["| check | failed | of |", "|---|---|---|"]
        lines += [f"| {_md(f.test)} | {f.failed} | {f.of} |" for f in checks]
    return "\n".join(lines) + "\n"


# -- the page ----------------------------------------------------------------------------------------


def _h(text: object, limit: int = 300) -> str:
    """Student or results text for the page: cleaned, on one line, capped, HTML-escaped."""
    return html.escape(one_line(text, limit))


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.hist { display: flex; align-items: flex-end; gap: 3px; height: 12rem; border-bottom: 1px solid #888; }
.hist .col { flex: 1; display: flex; flex-direction: column; justify-content: flex-end; align-items: center;
  height: 100%; }
.hist .bar { width: 100%; background: #4c72b0; min-height: 1px; }
.hist .n { font-size: .8rem; color: #444; }
.axis { display: flex; gap: 3px; font-size: .7rem; color: #666; } .axis span { flex: 1; text-align: center; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .3rem .4rem;
  vertical-align: top; border-bottom: 1px solid #eee; }
.meter { background: #f1f1f1; width: 12rem; height: .9rem; }
.meter div { background: #c44e52; height: 100%; } .meter.import div { background: #8c8c8c; }
ul.diagnoses { margin: .2rem 0 0; padding-left: 1.1rem; font-size: .9rem; color: #444; }
code, .error { font-family: ui-monospace, monospace; font-size: .85rem; overflow-wrap: anywhere; }
.note { color: #666; font-size: .9rem; }
"""


def _meter(n: int, of: int, kind: str = "") -> str:
    width = 100 * n / of if of else 0
    return f'<div class="meter {kind}" title="{n} of {of}"><div style="width:{width:.1f}%"></div></div>'


def report_html(rows: list[Row], assignment: str, image: str, grader: list[str] | None = None) -> str:
    """The report as one self-contained page (no script, no network), every student text escaped."""
    a = ASSIGNMENTS[assignment]
    students = [r for r in rows if r.student is not None]
    graded = graded_rows(rows)
    broken = not_imported(rows)
    title = f"Assignment {a.number} ({assignment}): {a.title}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}: class report</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in summary_lines(rows, assignment, grader)) + "</ul>",
        f'<p class="note">The same figures as a picture: <a href="{html.escape(image)}">{html.escape(image)}</a>.</p>',
        '<section id="histogram"><h2>Scores after late penalties</h2>',
    ]
    bins = histogram([r.score for r in students], a.max_points)
    tallest = max((n for _, _, n in bins), default=0) or 1
    out.append('<div class="hist">')
    for low, high, n in bins:
        label = f"{points(low)} to {points(high)}: {n} student(s)"
        out.append(
            f'<div class="col" title="{label}"><span class="n">{n or ""}</span>'
            f'<div class="bar" style="height:{100 * n / tallest:.1f}%"></div></div>'
        )
    out.append('</div><div class="axis">' + "".join(f"<span>{points(low)}</span>" for low, _, _ in bins))
    out.append(f'</div><p class="note">{len(students)} students of the roster, 0 to {a.max_points}.</p></section>')

    out.append('<section id="failures"><h2>The most-failed tests</h2>')
    failing = [f for f in failures_by_test(rows) if f.failed]
    out.append(
        f'<p class="note">Counted among the {len(graded) - len(broken)} graded students whose code imported; '
        f"those whose code {NOT_IMPORTED} are one bar, not a failure of every test. "
        "Checks of 0 points are apart, below.</p>"
    )
    out.append("<table><tr><th>test</th><th>students</th><th></th></tr>")
    if broken:
        out.append(
            f'<tr class="import"><td><strong>{NOT_IMPORTED}</strong> (every test)</td>'
            f"<td>{len(broken)} of {len(graded)}</td><td>{_meter(len(broken), len(graded), 'import')}</td></tr>"
        )
    for f in failing:
        said = "".join(f"<li>{_h(d)}: <strong>{n}</strong> student(s)</li>" for d, n in f.diagnoses[:SHOWN_DIAGNOSES])
        said += f"<li>{_more(f.diagnoses).strip('; ')}</li>" if _more(f.diagnoses) else ""
        diagnoses = f'<ul class="diagnoses">{said}</ul>' if said else ""
        out.append(
            f'<tr class="test"><td><code>{_h(f.label)}</code>{diagnoses}</td><td>{f.failed} of {f.of}</td>'
            f"<td>{_meter(f.failed, f.of)}</td></tr>"
        )
    out.append("</table>")
    passed_by_all = len(failures_by_test(rows)) - len(failing)
    if not failing:
        out.append("<p>No student whose code imported failed a test.</p>")
    if passed_by_all:
        out.append(f'<p class="note">{passed_by_all} more test(s), failed by nobody, are not listed.</p>')
    out.append("</section>")

    checks = [f for f in failures_by_test(rows, worth_points=False) if f.failed]
    if checks:
        out.append('<section id="checks"><h2>Checks of code the course gives (0 points, not graded)</h2><table>')
        out += [f"<tr><td><code>{_h(f.label)}</code></td><td>{f.failed} of {f.of}</td></tr>" for f in checks]
        out.append("</table></section>")

    if broken:
        out.append(f'<section id="not-imported"><h2>Code that {NOT_IMPORTED} ({len(broken)})</h2><table>')
        out += [f'<tr><td>{_h(r.key, 80)}</td><td class="error">{_h(r.import_error)}</td></tr>' for r in broken]
        out.append("</table></section>")

    ungraded = [r for r in rows if r.status != "graded"]
    out.append(f'<section id="ungraded"><h2>Students who could not be graded ({len(ungraded)})</h2>')
    if ungraded:
        out.append("<table><tr><th>student</th><th>why</th></tr>")
        for r in ungraded:
            who = _h(r.key, 80) + (f" ({_h(r.student.name, 120)})" if r.student else "")
            why = _h(r.status, 80) + (f': <span class="error">{_h(r.reason)}</span>' if r.reason else "")
            out.append(f"<tr><td>{who}</td><td>{why}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>Every student of the roster was graded.</p>")
    out.append("</section></body></html>")
    return "\n".join(out) + "\n"


def write_report(rows: list[Row], assignment: str, out: Path, grader: list[str] | None = None) -> Path:
    """Write report-<assignment>.html, .png and .md into `out`; return the Markdown's path."""
    out.mkdir(parents=True, exist_ok=True)
    image = out / f"report-{assignment}.png"
    plot(rows, assignment, image)
    (out / f"report-{assignment}.html").write_text(report_html(rows, assignment, image.name, grader))
    markdown = out / f"report-{assignment}.md"
    markdown.write_text(report_markdown(rows, assignment, image.name, grader))
    return markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit.report", description=__doc__.split("\n\n")[0])
    add_graded_arguments(parser)
    parser.add_argument("--out", type=Path, help="where the report goes (default: --graded)")
    args = parser.parse_args(argv)
    try:
        rows, _ = load_rows(args.roster, args.graded, args.assignment, args.submissions)
        grader = report_lines(args.graded / "results", args.assignment)
        markdown = write_report(rows, args.assignment, args.out or args.graded, grader)
    except (ValueError, OSError) as exc:
        return refuse("report", exc)
    print(f"report: {markdown.with_suffix('.html')} (open it in a browser), {markdown.with_suffix('.png')}, {markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
