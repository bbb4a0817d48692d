"""`make report` from stand-in results files (no grading): what it counts, what it escapes, how it renders.

An import failure is one bar, not a failure of every test; checks of 0 points
are never among the most-failed tests; diagnoses (the "looks like" lines of a
test's output) are counted per student; student text is cleaned and escaped;
the HTML page renders in headless Chromium (its screenshot is kept in
build/screenshots/report-engine.png).
"""

import json
import shutil
import subprocess
import tempfile

import pytest

from autograder import diagnoses
from autograder.assignments import ASSIGNMENTS
from coursekit.course import ROOT
from coursekit.gradebooks import load_rows
from coursekit.report import (
    TOP_TESTS,
    failures_by_test,
    failures_per_test,
    histogram,
    main,
    most_failed_title,
    report_html,
    write_report,
)
from coursekit.roster import Student, write_roster

FULL = ASSIGNMENTS["engine"].max_points
# A stand-in of the engine's tests: (name, points), 60 in all; the last two are checks of code the course gives.
TESTS = [(f"engine: {n}", 5) for n in ("add backward", "mul backward", "pow backward int", "tanh backward")]
TESTS += [(f"engine: stand-in test {i:02d}", 2) for i in range(TOP_TESTS + 5)]
TESTS += [("engine: sub", 0), ("engine: truediv", 0)]
SYNTAX = "importing micrograd/engine.py failed: SyntaxError: expected ':' (engine.py, line 20)"
CHROMIUM = shutil.which("chromium")
SCREENSHOTS = ROOT / "build" / "screenshots"


def results(failed=(), outputs=None, error=None):
    """A results file as the grader writes it: `failed` tests fail with `outputs[name]` (or a number line)."""
    outputs = outputs or {}
    tests = []
    for name, points in TESTS:
        ok = error is None and name not in failed
        text = error or outputs.get(name, f"`a + b` should be 2, got 3 ({name})")
        tests.append(
            {
                "name": name,
                "score": float(points if ok else 0),
                "max_score": float(points),
                "status": "passed" if ok else "failed",
                "output": "" if ok else text,
            }
        )
    summary = f"The autograd engine (assignment 1, engine): {sum(t['score'] for t in tests):g} / {FULL}"
    if error:
        summary += f"\nYour code could not run: {error}"
    extra = {"assignment": "engine", "max_score": float(FULL), "isolation": "namespaces"}
    return {"score": sum(t["score"] for t in tests), "output": summary, "extra_data": extra, "tests": tests}


def standin_term(tmp_path, outcomes, names=None):
    """A roster of `outcomes`' students (and "absent", with no results) and their results files."""
    names = names or {}
    tmp_path.mkdir(parents=True, exist_ok=True)
    students = [Student(f"S{i}", names.get(k, k.title()), f"{k}@uni.example", k, "A") for i, k in enumerate(outcomes)]
    students.append(Student("S99", "Absent", "absent@uni.example", "absent", "B"))
    write_roster(tmp_path / "roster.csv", students)
    graded = tmp_path / "graded"
    (graded / "results").mkdir(parents=True)
    for key, r in outcomes.items():
        (graded / "results" / f"{key}.json").write_text(json.dumps(r))
    return tmp_path / "roster.csv", graded


ASSIGN_BUG = f"`out._backward()` alone: a.grad should be -0.503, got -1.957\n  {diagnoses.ASSIGNS}"
NO_OUT_GRAD = f"`out._backward()` alone: a.grad should be 1.2, got 0.6\n  {diagnoses.NO_OUT_GRAD}"


def test_an_import_failure_is_one_bar_not_a_failure_of_every_test(tmp_path):
    roster, graded = standin_term(
        tmp_path,
        {"ada": results(error=SYNTAX), "bob": results({"engine: tanh backward"}), "cy": results()},
    )
    rows, _ = load_rows(roster, graded, "engine")
    counts = dict(failures_per_test(rows))
    assert counts["engine: tanh backward"] == 1 and counts["engine: add backward"] == 0  # ada is not counted
    assert {f.of for f in failures_by_test(rows)} == {2}  # among the two whose code imported
    markdown = write_report(rows, "engine", graded).read_text()
    assert "graded: 3; could not be imported: 1" in markdown
    assert f"## Could not be imported (1)\n\n- ada: {SYNTAX}" in markdown
    page = (graded / "report-engine.html").read_text()
    assert page.count('<tr class="import">') == 1 and "1 of 3" in page
    assert page.count('<tr class="test">') == 1  # tanh backward only: failed by someone whose code ran


def test_checks_of_0_points_are_never_among_the_most_failed_tests(tmp_path):
    everyone_fails_sub = {k: results({"engine: sub", "engine: add backward"}) for k in ("ada", "bob")}
    roster, graded = standin_term(tmp_path, everyone_fails_sub)
    rows, _ = load_rows(roster, graded, "engine")
    assert "engine: sub" not in dict(failures_per_test(rows))
    assert failures_per_test(rows)[0] == ("engine: add backward", 2)
    assert [(f.test, f.failed) for f in failures_by_test(rows, worth_points=False)][0] == ("engine: sub", 2)
    markdown = write_report(rows, "engine", graded).read_text()
    checks = markdown.split("## Checks of code the course gives (0 points, not graded)")[1]
    assert "| engine: sub | 2 | 2 |" in checks and "engine: sub" not in markdown.split("## Checks")[0]


def test_diagnoses_are_counted_per_student_and_a_flood_of_them_is_capped(tmp_path):
    flood = "\n".join(f"looks like mistake number {i}" for i in range(50))
    roster, graded = standin_term(
        tmp_path,
        {
            "ada": results({"engine: add backward"}, {"engine: add backward": ASSIGN_BUG}),
            "bob": results({"engine: add backward"}, {"engine: add backward": ASSIGN_BUG + "\n" + ASSIGN_BUG}),
            "cy": results({"engine: add backward"}, {"engine: add backward": NO_OUT_GRAD}),
            "di": results({"engine: add backward"}, {"engine: add backward": flood}),
            "ed": results({"engine: mul backward"}),  # failed, with no diagnosis
        },
    )
    rows, _ = load_rows(roster, graded, "engine")
    add = next(f for f in failures_by_test(rows) if f.test == "engine: add backward")
    assert add.failed == 4
    assert add.diagnoses[0] == (diagnoses.ASSIGNS, 2)  # bob's two lines count once: students, not lines
    assert (diagnoses.NO_OUT_GRAD, 1) in add.diagnoses
    assert len(add.diagnoses) == 2 + 3  # di's 50 lines: the first 3
    mul = next(f for f in failures_by_test(rows) if f.test == "engine: mul backward")
    assert (mul.failed, mul.diagnoses) == (1, [])


def test_every_diagnosis_of_the_grader_begins_as_the_report_reads_it():
    lines = [v for k, v in vars(diagnoses).items() if k.isupper() and isinstance(v, str)]
    assert len(lines) >= 10 and all(line.startswith("looks like ") for line in lines)


def test_the_title_says_when_the_list_of_tests_is_cut(tmp_path):
    all_fail = [n for n, p in TESTS if p > 0]
    roster, graded = standin_term(tmp_path, {"ada": results(all_fail), "bob": results(all_fail[:3])})
    rows, _ = load_rows(roster, graded, "engine")
    assert most_failed_title(rows) == f"the most-failed tests: the {TOP_TESTS} most-failed of {len(all_fail)}"
    roster, graded = standin_term(tmp_path / "few", {"ada": results(all_fail[:2])})
    assert most_failed_title(load_rows(roster, graded, "engine")[0]) == "the most-failed tests"


def test_histogram_bins_hold_every_score_and_full_marks_in_the_last():
    bins = histogram([0, 4.99, 5, 59.5, 60, 60], 60)
    assert len(bins) == 12 and [n for _, _, n in bins] == [2, 1] + [0] * 9 + [3]
    assert sum(n for _, _, n in histogram([], 60)) == 0


HOSTILE_NAME = '<img src=x onerror="alert(1)">\x1b[31m'
HOSTILE_ERROR = "Exception: </td><script>alert('x')</script>\x07" + "A" * 2000


def test_student_text_is_escaped_and_cleaned_in_the_page(tmp_path):
    roster, graded = standin_term(
        tmp_path,
        {
            "ada": results(error=HOSTILE_ERROR),
            "bob": results({"engine: add backward"}, {"engine: add backward": "x\n  looks like <b>bold</b> &"}),
        },
        names={"ada": HOSTILE_NAME},
    )
    (graded / "results" / "<i>stranger\x1b.json").write_text(json.dumps(results()))
    rows, _ = load_rows(roster, graded, "engine")
    page = report_html(rows, "engine", "report-engine.png")
    assert "<script>" not in page and "<img src=x" not in page and "<b>bold" not in page and "<i>" not in page
    assert "&lt;/td&gt;&lt;script&gt;" in page and "looks like &lt;b&gt;bold&lt;/b&gt; &amp;" in page
    assert "\x1b" not in page and "\x07" not in page and "A" * 400 not in page


def test_the_command_line_refuses_a_bad_roster_in_one_line(tmp_path, capsys):
    roster, graded = standin_term(tmp_path, {"ada": results()})
    roster.write_text("student_id,name,email,github,section\nS1,A,a@x.example,../../etc,A\n")
    assert main(["--roster", str(roster), "--graded", str(graded), "--assignment", "engine"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("report: ") and "github '../../etc' is not a GitHub user" in captured.err
    assert captured.err.count("\n") == 1 and not list(graded.glob("report-*"))


# -- the page in a browser ---------------------------------------------------------------------------------


def class_of_forty(tmp_path):
    """Forty stand-in students: most right, common mistakes with their diagnoses, two import failures, absentees."""
    outcomes = {}
    for i in range(40):
        key = f"student{i:02d}"
        if i in (7, 21):
            outcomes[key] = results(error=SYNTAX if i == 7 else "ZeroDivisionError: division by zero")
        elif i % 5 == 1:
            outcomes[key] = results({"engine: add backward"}, {"engine: add backward": ASSIGN_BUG})
        elif i % 5 == 2:
            failed = {"engine: mul backward", "engine: sub", f"engine: stand-in test {i % 7:02d}"}
            outcomes[key] = results(failed, {"engine: mul backward": NO_OUT_GRAD})
        elif i % 5 == 3:
            outcomes[key] = results({"engine: tanh backward", f"engine: stand-in test {i % 11:02d}"})
        else:
            outcomes[key] = results()
    roster, graded = standin_term(tmp_path, outcomes)
    return load_rows(roster, graded, "engine")[0], graded


def chromium(url, *args):
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
        flags += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
        proc = subprocess.run(
            [CHROMIUM, *flags, f"--user-data-dir={profile}", *args, url], capture_output=True, text=True, timeout=120
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make system-deps)")
def test_the_html_report_renders_in_headless_chromium(tmp_path):
    rows, graded = class_of_forty(tmp_path)
    write_report(rows, "engine", graded)
    page = (graded / "report-engine.html").resolve()
    dom = chromium(page.as_uri(), "--dump-dom")
    for section in ('id="histogram"', 'id="failures"', 'id="checks"', 'id="not-imported"', 'id="ungraded"'):
        assert section in dom
    assert dom.count('class="col"') == 12  # the histogram's bars
    assert dom.count('<tr class="import">') == 1 and "2 of 40" in dom
    failing = [f for f in failures_by_test(rows) if f.failed]
    assert dom.count('<tr class="test">') == len(failing) > TOP_TESTS // 2
    assert diagnoses.ASSIGNS in dom and "absent (Absent)" in dom
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "report-engine.png"
    shot.unlink(missing_ok=True)
    chromium(page.as_uri(), "--window-size=1100,1900", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000  # a page, not a blank
    print(f"screenshot of the HTML report: {shot}")
