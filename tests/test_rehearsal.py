"""The deadline regrade, end to end on stand-ins: the fast twin of `benchmarks/rehearse_term.py`.

Eight students of every kind (correct, buggy, late, with an extension, missing,
hostile) on the engine assignment: collect from file:// remotes with dated
commits, grade-all, the gradebooks and the report; then the Canvas and Moodle
files are checked against their documented columns and three Classroom 50
result.json files against the schema.
"""

import json

import jsonschema
import pytest
from term_standins import check_canvas_csv, check_moodle_csv, classroom50_results, make_term, rehearse_assignment

from autograder.assignments import ASSIGNMENTS
from coursekit.course import ROOT

FULL = ASSIGNMENTS["engine"].max_points
SCHEMA = json.loads((ROOT / "coursekit" / "schemas" / "classroom50-result-v1.schema.json").read_text())


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    work = tmp_path_factory.mktemp("term")
    term = make_term(work / "standins", 8, ("engine",))
    return term, rehearse_assignment(term, work, "engine", "4242", use_make=False)


def scores(rows):
    return {r.key: r.score for r in rows}


def test_each_kind_of_student_gets_what_the_policy_says(term):
    standins, run = term
    got = scores(run["rows"])
    kinds = standins["kinds"]
    by_kind = {}
    for key, kind in kinds.items():
        by_kind.setdefault(kind, []).append(got[key])
    assert by_kind["correct"] == [FULL, FULL]
    assert all(0 < s < FULL for s in by_kind["buggy"])
    assert by_kind["late"] == [round(FULL * 0.8, 2)]  # full marks earned, 2 started days late at 10% a day
    assert by_kind["extension"] == [FULL]  # the same commit date, inside a 3-day extension
    assert by_kind["missing"] == [0] and by_kind["hostile"] == [0]
    statuses = {r.key: r.status for r in run["rows"]}
    assert statuses["student04-missing"] == "no repository" and statuses["stranger"] == "not on the roster"
    assert any("student04-missing" in p for p in run["problems"]) and any("stranger" in p for p in run["problems"])


def test_canvas_and_moodle_files_have_their_documented_columns(term):
    standins, run = term
    canvas = (run["graded"] / "canvas.csv").read_text()
    assert check_canvas_csv(canvas, FULL) == []
    assert len(canvas.splitlines()) == 2 + 8  # header, Points Possible, every roster student (not the stranger)
    emails = {f"student{i:02d}@uni.example" for i in range(8)}
    assert check_moodle_csv((run["graded"] / "moodle.csv").read_text(), emails) == []


def test_classroom50_result_json_of_three_submissions_validate(term):
    standins, run = term
    keys = ["student00-correct", "student01-buggy", "student05-hostile"]
    results = classroom50_results(run["graded"], run["collection"], "engine", keys)
    for result in results.values():
        jsonschema.validate(result, SCHEMA)
        assert result["score"] == sum(t["score"] for t in result["tests"])
    assert [results[k]["score"] for k in keys] == [FULL, scores(run["rows"])["student01-buggy"], 0]
    assert results["student00-correct"]["datetime"] == "2026-09-30T23:59:00Z"


def test_the_report_names_the_most_failed_tests(term):
    _, run = term
    markdown = (run["graded"] / "report-engine.md").read_text()
    assert "students on the roster: 8; graded: 7" in markdown
    assert (run["graded"] / "report-engine.png").stat().st_size > 10_000
